// Copyright (c) 2026, everstep_flow contributors
// Completing a step that must hand on information: a dialog built from the step's declared fields.

const ESF_DIALOG_TYPES = { Email: ["Data", "Email"], Phone: ["Data", "Phone"], "Long Text": ["Long Text", ""] };

frappe.ui.form.on("Flow Task", {
	refresh(frm) {
		const fields = (frm.doc.__onload || {}).output_fields;
		if (frm.doc.status !== "In Progress" || !fields) return;
		frm.add_custom_button(__("Complete…"), () => complete_dialog(frm, fields)).addClass("btn-primary");
	},
});

function complete_dialog(frm, fields) {
	const dialog = new frappe.ui.Dialog({
		title: __("Complete {0}", [frm.doc.title]),
		fields: [
			...fields.map((f) => {
				const [fieldtype, options] = ESF_DIALOG_TYPES[f.fieldtype] || [f.fieldtype, f.options];
				return {
					fieldname: f.fieldname,
					label: __(f.label),
					fieldtype,
					options,
					reqd: f.required ? 1 : 0,
					default: f.value,
				};
			}),
			{
				fieldname: "__note",
				label: __("Note for the next team"),
				fieldtype: "Small Text",
			},
		],
		primary_action_label: __("Complete"),
		primary_action(values) {
			const note = values.__note;
			delete values.__note;
			frappe
				.xcall("everstep_flow.api.task.complete", { task: frm.doc.name, outputs: values, note })
				.then(() => {
					dialog.hide();
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
