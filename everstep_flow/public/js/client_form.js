// Customer and Contact forms (hooks.doctype_js): staff start a request for this client in one click.
["Customer", "Contact"].forEach((doctype) => {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			if (frm.is_new() || !frappe.user.has_role(["Flow Agent", "Flow Manager", "System Manager"])) return;
			frm.add_custom_button(
				__("Service Request"),
				() => everstep_flow.new_request({ customer_type: frm.doctype, customer: frm.doc.name }),
				__("Create")
			);
		},
	});
});
