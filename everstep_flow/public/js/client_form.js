// Customer, HD Customer, CRM Organization and Contact forms (hooks.doctype_js): staff start a request or log a call for this client in one click,
// and the form shows the client's service timeline (everything about the client, newest first).
["Customer", "HD Customer", "CRM Organization", "Contact"].forEach((doctype) => {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			frm.$wrapper.find(".esf-client-timeline-section").remove();
			if (frm.is_new() || !frappe.user.has_role(["Flow Agent", "Flow Manager", "System Manager"])) return;
			const client = { customer_type: frm.doctype, customer: frm.doc.name };
			frm.add_custom_button(__("Service Request"), () => everstep_flow.new_request(client), __("Create"));
			frm.add_custom_button(__("Log Call"), () => everstep_flow.log_call(client, () => frm.reload_doc()));
			const $section = $(`<div class="form-section card-section esf-client-timeline-section" style="padding: var(--padding-md);">
					<div class="section-head" style="display: flex; justify-content: space-between;">
						<span>${__("Service Timeline")}</span>
						<a class="small" href="/app/flow-client-timeline?customer_type=${encodeURIComponent(frm.doctype)}&customer=${encodeURIComponent(frm.doc.name)}">${__("Open full timeline")}</a>
					</div>
					<div class="esf-client-timeline-body" style="margin-top: var(--margin-sm);"></div>
				</div>`);
			const footer = frm.$wrapper.find(".form-footer").first();
			if (footer.length) $section.insertBefore(footer);
			else frm.$wrapper.find(".form-layout").first().append($section);
			everstep_flow.render_timeline($section.find(".esf-client-timeline-body"), frm.doctype, frm.doc.name, 10);
		},
	});
});
