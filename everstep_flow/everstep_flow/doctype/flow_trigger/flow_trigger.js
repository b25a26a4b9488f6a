// Copyright (c) 2026, everstep_flow contributors
// The field pickers list the fields of the chosen document type, like Frappe's Notification form.

const NO_DATA = ["Section Break", "Column Break", "Tab Break", "HTML", "Button", "Fold", "Heading", "Table", "Table MultiSelect"];

frappe.ui.form.on("Flow Trigger", {
	refresh(frm) {
		set_field_options(frm);
		if (frm.is_new()) return;
		frm.add_custom_button(__("Firings"), () =>
			frappe.set_route("List", "Flow Trigger Firing", { trigger: frm.doc.name })
		);
		if (!frm.doc.enabled) {
			frm.dashboard.set_headline_alert(
				__("This trigger is disabled: saving a {0} starts nothing.", [everstep_flow.esc(frm.doc.document_type)]),
				"orange"
			);
		}
	},
	document_type(frm) {
		set_field_options(frm);
	},
});

function set_field_options(frm) {
	const doctype = frm.doc.document_type;
	if (!doctype) return;
	frappe.model.with_doctype(doctype, () => {
		const fields = frappe.get_meta(doctype).fields.filter((df) => !NO_DATA.includes(df.fieldtype));
		const options = [""].concat(
			fields.map((df) => ({ value: df.fieldname, label: `${__(df.label || df.fieldname)} (${df.fieldname})` }))
		);
		const standard = ["name", "owner"].map((f) => ({ value: f, label: f }));
		frm.set_df_property("field", "options", options);
		frm.set_df_property("client_field", "options", options);
		frm.fields_dict.mapping.grid.update_docfield_property("source_field", "options", options.concat(standard));
		frm.refresh_field("mapping");
	});
}
