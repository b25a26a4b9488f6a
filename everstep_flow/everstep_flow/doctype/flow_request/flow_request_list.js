// Copyright (c) 2026, everstep_flow contributors
// Requests start through intake, never a bare form: the list's New Request opens the intake dialog.

frappe.listview_settings["Flow Request"] = {
	add_fields: ["status", "customer", "client_unknown"],
	refresh(listview) {
		// After each refresh: Frappe clears the primary action of a doctype that cannot be created by hand.
		listview.page.set_primary_action(__("New Request"), () => everstep_flow.new_request(), "add");
	},
};
