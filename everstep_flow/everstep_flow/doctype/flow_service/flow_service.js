// Copyright (c) 2026, everstep_flow contributors
// For license information, please see license.txt

frappe.ui.form.on("Flow Service", {
	refresh(frm) {
		const disabled = (frm.doc.__onload && frm.doc.__onload.disabled_teams) || [];
		if (disabled.length) {
			frm.dashboard.set_headline_alert(
				__("This service takes no new requests: team {0} is disabled.", [
					disabled.map((t) => frappe.utils.escape_html(t)).join(", "),
				]),
				"red"
			);
		}
		const wrapper = frm.get_field("process_map").$wrapper;
		// The SVG is rendered and escaped by the server (everstep_flow.engine.process_map) on load and after save.
		const svg = frm.doc.__onload && frm.doc.__onload.process_map;
		if (frm.is_new() || !svg) {
			wrapper.html(
				`<p class="text-muted small">${__("Save the service to see its process map.")}</p>`
			);
			return;
		}
		wrapper.html(`<div class="esf-process-map-wrapper" style="overflow-x: auto;">${svg}</div>`);
	},
});
