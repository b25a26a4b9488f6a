// Copyright (c) 2026, everstep_flow contributors

frappe.ui.form.on("Flow Calendar", {
	setup(frm) {
		frm.set_df_property("timezone", "options", frappe.boot.timezone_info ? Object.keys(frappe.boot.timezone_info.zones || {}) : []);
	},
	refresh(frm) {
		if (frm.is_new() || !frappe.boot.sysdefaults || !frappe.model.can_read("Holiday List")) return;
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
