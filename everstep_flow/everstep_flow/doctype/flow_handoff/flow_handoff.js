// Copyright (c) 2026, everstep_flow contributors
// Accept or Return… for the receiving team while the handoff is pending (Return asks why).

frappe.ui.form.on("Flow Handoff", {
	refresh(frm) {
		if (frm.is_new()) return;
		everstep_flow.add_move_buttons(frm, (frm.doc.__onload || {}).moves || [], { handoff: frm.doc.name });
	},
});
