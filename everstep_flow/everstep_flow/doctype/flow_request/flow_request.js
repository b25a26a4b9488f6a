// Copyright (c) 2026, everstep_flow contributors
// Progress tracker (process map coloured by task state + one row per step) and the event history.

frappe.ui.form.on("Flow Request", {
	refresh(frm) {
		// Only Flow Managers correct a subject; everyone else may set the follow-up (README "What you may edit").
		const manager = frappe.user.has_role(["Flow Manager", "System Manager"]);
		frm.set_df_property("subject", "read_only", manager ? 0 : 1);
		render_progress(frm);
		render_history(frm);
		render_client(frm);
	},
});

function render_client(frm) {
	const onload = frm.doc.__onload || {};
	if (frm.doc.client_unknown) {
		frm.dashboard.set_headline_alert(
			frm.doc.contact
				? __("Client unknown: {0} is not linked to a client yet.", [esc(frm.doc.contact)])
				: __("Client unknown: nobody has linked this request to a client yet."),
			"orange"
		);
	}
	if (!onload.can_link_client) return;
	if (!["Completed", "Cancelled"].includes(frm.doc.status)) {
		frm.add_custom_button(__("Log Call"), () =>
			everstep_flow.log_call(
				{ request: frm.doc.name, customer_type: frm.doc.customer_type, customer: frm.doc.customer },
				() => frm.reload_doc()
			)
		);
	}
	frm.add_custom_button(frm.doc.customer ? __("Change Client") : __("Link Client"), () => {
		const types = onload.client_doctypes || ["Contact"];
		const dialog = new frappe.ui.Dialog({
			title: __("Link Client"),
			fields: [
				{ fieldname: "customer_type", fieldtype: "Select", label: __("Client Type"), options: types, default: types[0], reqd: 1 },
				{ fieldname: "customer", fieldtype: "Dynamic Link", label: __("Client"), options: "customer_type", reqd: 1 },
			],
			primary_action_label: __("Link"),
			primary_action(values) {
				frappe
					.xcall("everstep_flow.api.request.set_client", { request: frm.doc.name, ...values })
					.then(() => {
						dialog.hide();
						frm.reload_doc();
					});
			},
		});
		dialog.show();
	});
}

function esc(value) {
	return everstep_flow.esc(value);
}

function render_progress(frm) {
	const onload = frm.doc.__onload || {};
	const rows = onload.progress || [];
	const body = rows
		.map((r) => {
			const state = r.awaiting_handoff ? __("Awaiting Acceptance") : __(r.state);
			const colour = everstep_flow.TASK_COLOURS[r.awaiting_handoff ? "Awaiting Acceptance" : r.state];
			const since = r.completed_on || r.started_on || r.since;
			const task = r.task
				? `<a href="/app/flow-task/${encodeURIComponent(r.task)}">${esc(r.title)}</a>`
				: esc(r.title);
			return `<tr>
				<td>${task}</td>
				<td>${esc(r.team)}</td>
				<td><span class="indicator-pill ${colour}">${esc(state)}</span></td>
				<td>${esc(r.claimed_by || "")}</td>
				<td>${since ? frappe.datetime.comment_when(since) : ""}</td>
			</tr>`;
		})
		.join("");
	frm.get_field("progress_html").$wrapper.html(`
		<div style="overflow-x: auto; margin-bottom: var(--margin-md);">${onload.process_map || ""}</div>
		<table class="table table-bordered table-sm">
			<thead><tr><th>${__("Step")}</th><th>${__("Team")}</th><th>${__("State")}</th>
			<th>${__("Who")}</th><th>${__("Since")}</th></tr></thead>
			<tbody>${body}</tbody>
		</table>`);
}

function render_history(frm) {
	const wrapper = frm.get_field("history_html").$wrapper;
	if (frm.is_new()) return wrapper.empty();
	frappe
		.xcall("everstep_flow.api.request.timeline", { request: frm.doc.name })
		.then((events) => {
			const items = events
				.map((e) => {
					const details = e.details || {}; // an object on every database (api.request.timeline)
					const move = e.from_state || e.to_state ? `${esc(e.from_state || "")} → ${esc(e.to_state || "")}` : "";
					const teams =
						e.from_team && e.to_team && e.from_team !== e.to_team
							? `${esc(e.from_team)} → ${esc(e.to_team)}`
							: esc(e.to_team || e.from_team || "");
					const source = details.source_doctype
						? `${details.source_doctype} ${details.source_name}`
						: details.communication
							? __("email from {0}", [details.from || ""])
							: details.source || "";
					const note =
						e.event_type === "linked"
							? __("linked: {0}", [source])
							: e.event_type === "client_set"
								? __("client: {0}", [details.to || ""])
								: details.reason || details.text || "";
					return `<tr>
						<td>${esc(frappe.datetime.str_to_user(e.at))}</td>
						<td><b>${esc(e.event_type)}</b></td>
						<td>${esc(details.step || "")}</td>
						<td>${teams}</td>
						<td>${move}</td>
						<td>${esc(e.actor)}</td>
						<td>${esc(note)}</td>
					</tr>`;
				})
				.join("");
			wrapper.html(`<table class="table table-sm">
				<thead><tr><th>${__("When")}</th><th>${__("Event")}</th><th>${__("Step")}</th>
				<th>${__("Teams")}</th><th>${__("State")}</th><th>${__("By")}</th><th>${__("Note")}</th></tr></thead>
				<tbody>${items}</tbody></table>`);
		});
}
