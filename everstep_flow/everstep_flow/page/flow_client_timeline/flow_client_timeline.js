// A client's whole timeline on a page of its own: /app/flow-client-timeline?customer_type=Customer&customer=...
frappe.pages["flow-client-timeline"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Client Timeline"), single_column: true });
	const type = page.add_field({ fieldname: "customer_type", fieldtype: "Select", label: __("Client Type"), options: frappe.boot.flow_client_doctypes || ["Customer", "Contact"], change: () => show() });
	const client = page.add_field({ fieldname: "customer", fieldtype: "Dynamic Link", label: __("Client"), options: "customer_type", change: () => show() });
	type.$input.closest(".frappe-control").data("fieldobj", type);
	const $body = $(`<div style="padding: var(--padding-md);"></div>`).appendTo(page.body);
	page.fields_dict = { customer_type: type, customer: client };
	client.get_options = () => type.get_value();
	client.df.get_options = () => type.get_value();
	function show() {
		const t = type.get_value(), c = client.get_value();
		if (!t || !c) return $body.html(`<p class="text-muted">${__("Choose a client.")}</p>`);
		page.set_title(__("Client Timeline: {0}", [everstep_flow.esc(c)]));
		everstep_flow.render_timeline($body, t, c, 25);
	}
	wrapper.esf_show = () => {
		const opts = frappe.route_options || {};
		frappe.route_options = null;
		if (opts.customer_type) type.set_value(opts.customer_type);
		if (opts.customer) client.set_value(opts.customer);
		show();
	};
};
frappe.pages["flow-client-timeline"].on_page_show = (wrapper) => wrapper.esf_show();
