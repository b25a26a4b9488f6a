// Copyright (c) 2026, everstep_flow contributors
// The task's moves as buttons, and completing a step that must hand on information: a dialog built from the step's
// declared fields.

const ESF_DIALOG_TYPES = { Email: ["Data", "Email"], Phone: ["Data", "Phone"], "Long Text": ["Long Text", ""] };

frappe.ui.form.on("Flow Task", {
	refresh(frm) {
		if (frm.is_new()) return;
		const onload = frm.doc.__onload || {};
		if (onload.view) render_task_view(frm, onload.view);
		// While a handoff waits, the receiving team accepts or returns it right here.
		everstep_flow.add_move_buttons(frm, onload.handoff_moves || [], { handoff: frm.doc.awaiting_handoff });
		everstep_flow.add_move_buttons(frm, onload.moves || [], { task: frm.doc.name }, {
			Complete: () => complete_dialog(frm, onload.output_fields || [], (onload.view || {}).checklist || []),
		});
		if (onload.log_call) {
			frm.add_custom_button(__("Log Call"), () => everstep_flow.log_call(onload.log_call, () => frm.reload_doc()));
		}
	},
});

function complete_dialog(frm, fields, checklist) {
	const left = checklist.filter((c) => !c.done).map((c) => c.item);
	const dialog = new frappe.ui.Dialog({
		title: __("Complete {0}", [everstep_flow.esc(frm.doc.title)]),
		fields: [
			...(left.length
				? [
						{
							fieldname: "__unticked",
							fieldtype: "HTML",
							options: `<div class="alert alert-warning small">${__(
								"Not ticked on the checklist (completing records them as not done):"
							)}<ul>${left.map((i) => `<li>${everstep_flow.esc(i)}</li>`).join("")}</ul></div>`,
						},
				  ]
				: []),
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
			delete values.__unticked;
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

// The task view: what the step needs, rendered from the server's answer (visibility.task_view), every value escaped.
function render_task_view(frm, view) {
	const esc = everstep_flow.esc;
	const wrapper = frm.get_field("task_view").$wrapper;
	const req = view.request;
	const when = (v) => (v ? esc(frappe.datetime.str_to_user(v)) : "");
	const client = req.customer ? ` · ${esc(req.customer_type)} <b>${esc(req.customer)}</b>` : "";
	const sla = req.sla_status ? ` · <span class="indicator-pill ${SLA_COLOURS[req.sla_status] || "gray"}">${esc(__(req.sla_status))}</span>` : "";
	const due = req.due_on ? ` · ${__("due {0}", [when(req.due_on)])}` : "";
	const handoffs = view.handed_on.length
		? view.handed_on
				.map(
					(h) => `<div class="esf-handoff" style="margin-bottom: var(--margin-md);">
				<div><b>${esc(h.from_team)}</b> · ${esc(h.sent_by || "")} · ${when(h.sent_on)}
					<span class="indicator-pill ${HANDOFF_COLOURS[h.status] || "gray"}">${esc(__(h.status))}</span></div>
				${h.note ? `<div class="esf-note" style="white-space: pre-wrap; margin: 4px 0;">“${esc(h.note)}”</div>` : ""}
				${h.return_reason ? `<div class="text-danger small">${__("Returned")}: ${esc(h.return_reason)}</div>` : ""}
				${everstep_flow.values_table(h.outputs, __("No outputs."))}
			</div>`
				)
				.join("")
		: `<p class="text-muted small">${__("Nothing was handed on: this is a first step.")}</p>`;
	const checklist = view.checklist.length
		? `<div class="esf-checklist">${view.checklist
				.map(
					(c, i) => `<div class="checkbox"><label>
					<input type="checkbox" data-item="${i}" ${c.done ? "checked" : ""} ${view.can_tick ? "" : "disabled"}>
					${esc(c.item)}</label></div>`
				)
				.join("")}
			<p class="text-muted small">${
				view.can_tick ? __("Each tick is recorded in the history.") : __("The person who claims the task ticks these.")
			} ${__("Unticked items do not block completing; they are recorded with it.")}</p></div>`
		: `<p class="text-muted small">${__("No checklist for this step.")}</p>`;
	const history = view.history
		.map((e) => {
			const d = e.details || {};
			const said = d.reason || d.text || d.note || d.item || d.summary || "";
			return `<li><span class="text-muted">${when(e.at)}</span> · ${esc(e.actor || "")} · ${esc(
				__(e.event_type.replace(/_/g, " "))
			)}${e.to_state ? " → " + esc(__(e.to_state)) : ""}${e.to_team ? " · " + esc(e.to_team) : ""}${
				said ? `<div class="small" style="margin-left: 1em; white-space: pre-wrap;">${esc(said)}</div>` : ""
			}</li>`;
		})
		.join("");
	wrapper.html(`<div class="esf-task-view">
		<p><a href="/app/flow-request/${encodeURIComponent(req.name)}"><b>${esc(req.name)}</b></a>: ${esc(req.subject)}
			· ${esc(req.service || "")}${client}${sla}${due}</p>
		<div class="esf-map" style="overflow-x: auto; margin-bottom: var(--margin-md);">${view.process_map}</div>
		<div class="row">
			<div class="col-md-6"><h5>${__("What the client asked")}</h5>${everstep_flow.values_table(view.asked, __("Nothing was asked at intake."))}</div>
			<div class="col-md-6"><h5>${__("What was handed on")}</h5>${handoffs}</div>
		</div>
		<div class="row">
			<div class="col-md-6"><h5>${__("Instructions")}</h5>${
				view.instructions
					? `<div style="white-space: pre-wrap;">${esc(view.instructions)}</div>`
					: `<p class="text-muted small">${__("No instructions for this step.")}</p>`
			}</div>
			<div class="col-md-6"><h5>${__("Checklist")}</h5>${checklist}</div>
		</div>
		<h5>${__("History")}</h5><ul class="list-unstyled small esf-history">${history}</ul>
	</div>`);
	wrapper.find(".esf-checklist input").on("change", (e) => {
		const item = view.checklist[cint($(e.currentTarget).attr("data-item"))].item;
		frappe
			.xcall("everstep_flow.api.task.tick", { task: frm.doc.name, item, done: e.currentTarget.checked ? 1 : 0 })
			.then(() => frm.reload_doc());
	});
}

const SLA_COLOURS = { "On Track": "green", "At Risk": "orange", Breached: "red", Paused: "purple", Met: "green" };
const HANDOFF_COLOURS = { Pending: "orange", Accepted: "green", Returned: "red", Cancelled: "gray" };
