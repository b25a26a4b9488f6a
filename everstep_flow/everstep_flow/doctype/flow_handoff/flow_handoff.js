// Copyright (c) 2026, everstep_flow contributors
// Accept or Return… for the receiving team while the handoff is pending (Return asks why), and the outputs as
// labelled values.

frappe.ui.form.on("Flow Handoff", {
	refresh(frm) {
		if (frm.is_new()) return;
		const onload = frm.doc.__onload || {};
		everstep_flow.add_move_buttons(frm, onload.moves || [], { handoff: frm.doc.name });
		// What was handed on, with the service's labels and formats (the raw JSON stays in the API).
		frm.get_field("outputs_html").$wrapper.html(
			everstep_flow.values_table(onload.outputs || [], __("Nothing was handed on besides the note."))
		);
	},
});
