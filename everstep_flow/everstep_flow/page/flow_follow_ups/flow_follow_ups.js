// My Follow-ups: what is due today and overdue for me and my teams, each with its next action one click away.
frappe.pages["flow-follow-ups"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("My Follow-ups"), single_column: true });
	page.set_primary_action(__("Refresh"), () => load(), "refresh");
	const $body = $(`<div class="esf-follow-ups" style="padding: var(--padding-md);"></div>`).appendTo(page.body);
	const esc = everstep_flow.esc;

	function actions(f) {
		return `<div class="btn-group" style="flex-wrap: wrap; gap: 4px;">
			<a class="btn btn-xs btn-default" href="/app/${f.task ? "flow-task/" + encodeURIComponent(f.task) : "flow-request/" + encodeURIComponent(f.request)}">${__("Open")}</a>
			<button class="btn btn-xs btn-default" data-action="call" data-name="${esc(f.name)}">${__("Log Call")}</button>
			<button class="btn btn-xs btn-primary" data-action="done" data-name="${esc(f.name)}">${__("Mark Done")}</button>
			<button class="btn btn-xs btn-default" data-action="push" data-name="${esc(f.name)}">${__("Push…")}</button>
		</div>`;
	}
	let rows = {};
	function load() {
		frappe.xcall("everstep_flow.api.follow_up.mine").then((r) => {
			rows = {};
			r.follow_ups.forEach((f) => (rows[f.name] = f));
			if (!r.follow_ups.length) {
				$body.html(`<div class="text-muted">${__("Nothing due today. Follow-ups you or your teams own show here when they come due.")}</div>`);
				return;
			}
			const items = r.follow_ups
				.map((f) => `<div class="esf-follow-up" style="display: flex; gap: var(--margin-md); align-items: center; padding: var(--padding-sm) 0; border-bottom: 1px solid var(--border-color);">
					<span class="indicator-pill ${f.overdue ? "red" : "orange"}" style="min-width: 80px; justify-content: center;">${f.overdue ? __("Overdue") : __("Today")}</span>
					<div style="flex: 1;">
						<div><b>${esc(f.what)}</b></div>
						<div class="text-muted small">${esc(f.subject || f.request)} · ${esc(f.customer || __("client unknown"))} · ${esc(f.owner_team)}${f.assigned_to ? " / " + esc(f.assigned_to) : ""} · ${__("due")} ${esc(frappe.datetime.str_to_user(f.due_on))}</div>
					</div>
					${actions(f)}
				</div>`)
				.join("");
			$body.html(`<p class="text-muted small">${__("{0} due, {1} overdue", [r.follow_ups.length, r.overdue])}</p>${items}`);
		});
	}
	$body.on("click", "button[data-action]", function () {
		const f = rows[this.dataset.name];
		const action = this.dataset.action;
		if (action === "done") {
			frappe.prompt({ fieldname: "note", fieldtype: "Small Text", label: __("Note (optional)") }, (v) =>
				frappe.xcall("everstep_flow.api.follow_up.mark_done", { follow_up: f.name, note: v.note }).then(load), __("Mark Done"));
		} else if (action === "push") {
			frappe.prompt(
				[
					{ fieldname: "due_on", fieldtype: "Datetime", label: __("New date"), reqd: 1 },
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Why"), reqd: 1 },
				],
				(v) => frappe.xcall("everstep_flow.api.follow_up.push", { follow_up: f.name, due_on: v.due_on, reason: v.reason }).then(load),
				__("Push the Follow-up")
			);
		} else if (action === "call") {
			everstep_flow.log_call({ request: f.request, task: f.task, team: f.owner_team, customer_type: f.customer_type, customer: f.customer }, load);
		}
	});
	wrapper.esf_load = load;
	load();
};
frappe.pages["flow-follow-ups"].on_page_show = (wrapper) => wrapper.esf_load && wrapper.esf_load();
