// Copyright (c) 2026, everstep_flow contributors
// Requests start through intake, never a bare form: the list's New Request opens the intake dialog.

frappe.listview_settings["Flow Request"] = {
	add_fields: ["status", "customer", "client_unknown", "waiting_since", "current_holder"],
	formatters: {
		// How long the step in front has waited, rather than a timestamp; the text is the engine's, escaped anyway.
		current_steps(value, df, doc) {
			if (!value) return "";
			const since = doc.waiting_since ? ` <span class="text-muted">(${comment_when(doc.waiting_since, true)})</span>` : "";
			return `<span title="${frappe.utils.escape_html(value)}">${frappe.utils.escape_html(value)}</span>${since}`;
		},
	},
	refresh(listview) {
		// After each refresh: Frappe clears the primary action of a doctype that cannot be created by hand.
		listview.page.set_primary_action(__("New Request"), () => everstep_flow.new_request(), "add");
	},
};
