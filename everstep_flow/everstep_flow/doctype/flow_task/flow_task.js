// Copyright (c) 2026, everstep_flow contributors
// The task's moves as buttons, and completing a step that must hand on information: a dialog built from the step's
// declared fields.

const ESF_DIALOG_TYPES = { Email: ["Data", "Email"], Phone: ["Data", "Phone"], "Long Text": ["Long Text", ""] };

frappe.ui.form.on("Flow Task", {
	refresh(frm) {
		if (frm.is_new()) return;
		const onload = frm.doc.__onload || {};
		// While a handoff waits, the receiving team accepts or returns it right here.
		everstep_flow.add_move_buttons(frm, onload.handoff_moves || [], { handoff: frm.doc.awaiting_handoff });
		everstep_flow.add_move_buttons(frm, onload.moves || [], { task: frm.doc.name }, {
			Complete: () => complete_dialog(frm, onload.output_fields || []),
		});
		if (onload.log_call) {
			frm.add_custom_button(__("Log Call"), () => everstep_flow.log_call(onload.log_call, () => frm.reload_doc()));
		}
	},
});

function complete_dialog(frm, fields) {
	const dialog = new frappe.ui.Dialog({
		title: __("Complete {0}", [everstep_flow.esc(frm.doc.title)]),
		fields: [
			...fields.map((f) => {
				const [fieldtype, options] = ESF_DIALOG_TYPES[f.fieldtype] || [f.fieldtype, f.options];
				return {
					fieldname: f.fieldname,
					label: everstep_flow.esc(f.label),
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
