// Copyright (c) 2026, everstep_flow contributors
// A failed firing can be run again by a Flow Manager; it never makes a second request.

frappe.ui.form.on("Flow Trigger Firing", {
	refresh(frm) {
		if (frm.doc.status === "Failed" || frm.doc.status === "Queued") {
			frm.add_custom_button(__("Run Again"), () =>
				frappe
					.xcall("everstep_flow.api.trigger.run_again", { firing: frm.doc.name })
					.then(() => frm.reload_doc())
			);
		}
	},
});
