// Copyright (c) 2026, everstep_flow contributors

frappe.ui.form.on("Flow Calendar", {
	onload(frm) {
		// The same list of timezones as the User form.
		frappe.xcall("frappe.core.doctype.user.user.get_timezones").then(({ timezones }) => {
			frm.set_df_property("timezone", "options", timezones);
		});
	},
	refresh(frm) {
		// ERPNext is optional: offer the import only where its Holiday List exists.
		if (frm.is_new() || !frappe.model.can_read("Holiday List")) return;
		frm.add_custom_button(__("Import Holiday List"), () => {
			frappe.prompt(
				{ fieldname: "holiday_list", fieldtype: "Link", options: "Holiday List", label: __("Holiday List"), reqd: 1 },
				({ holiday_list }) =>
					frappe
						.xcall("everstep_flow.everstep_flow.doctype.flow_calendar.flow_calendar.import_holiday_list", {
							calendar: frm.doc.name,
							holiday_list,
						})
						.then((added) => {
							frappe.show_alert(__("{0} holidays added", [added]));
							frm.reload_doc();
						}),
				__("Import from ERPNext")
			);
		});
	},
});
