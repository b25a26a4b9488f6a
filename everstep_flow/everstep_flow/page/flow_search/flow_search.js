// Find Requests: text (subject, client, requester, source document, intake values, the history's notes) and filters;
// only requests the user may open.
frappe.pages["flow-search"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Find Requests"), single_column: true });
	const esc = everstep_flow.esc;
	const f = {};
	const add = (df) => (f[df.fieldname] = page.add_field({ ...df, change: () => run() }));
	add({ fieldname: "text", fieldtype: "Data", label: __("Text") });
	add({ fieldname: "service", fieldtype: "Link", label: __("Service"), options: "Flow Service" });
	add({ fieldname: "team", fieldtype: "Link", label: __("Team"), options: "Flow Team" });
	add({ fieldname: "status", fieldtype: "Select", label: __("Status"), options: ["", "Open", "In Progress", "Waiting on Customer", "Completed", "Cancelled"] });
	add({ fieldname: "sla_status", fieldtype: "Select", label: __("SLA"), options: ["", "On Track", "At Risk", "Breached", "Paused", "Met"] });
	add({ fieldname: "from_date", fieldtype: "Date", label: __("From") });
	add({ fieldname: "to_date", fieldtype: "Date", label: __("To") });
	const $results = $(`<div style="padding: var(--padding-md);"></div>`).appendTo(page.body);
	let timer = null;
	function run() {
		clearTimeout(timer);
		timer = setTimeout(() => {
			const args = {};
			Object.entries(f).forEach(([k, field]) => {
				const v = field.get_value();
				if (v) args[k] = v;
			});
			frappe.xcall("everstep_flow.api.search.requests", { ...args, limit: 50 }).then((rows) => {
				if (!rows.length) return $results.html(`<p class="text-muted">${__("No request matches.")}</p>`);
				$results.html(`<table class="table table-sm">
					<thead><tr><th>${__("Request")}</th><th>${__("Service")}</th><th>${__("Client")}</th><th>${__("Status")}</th><th>${__("SLA")}</th><th>${__("Source")}</th><th>${__("Changed")}</th></tr></thead>
					<tbody>${rows
						.map(
							(r) => `<tr>
							<td><a href="/app/flow-request/${encodeURIComponent(r.name)}">${esc(r.subject)}</a><div class="small text-muted">${esc(r.name)}</div></td>
							<td>${esc(r.service)}</td><td>${esc(r.customer || "")}</td><td>${esc(__(r.status))}</td>
							<td>${esc(r.sla_status ? __(r.sla_status) : "")}</td>
							<td class="small">${esc(r.source_doctype ? r.source_doctype + " " + r.source_name : "")}</td>
							<td class="small">${esc(frappe.datetime.str_to_user(r.modified))}</td></tr>`
						)
						.join("")}</tbody></table>`);
			});
		}, 250);
	}
	run();
};
