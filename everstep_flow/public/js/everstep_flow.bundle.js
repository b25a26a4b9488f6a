// Shared desk helpers of everstep_flow (loaded on every desk page through hooks.app_include_js).
frappe.provide("everstep_flow");

// Indicator colour of each task state, as the list, the tracker and the process map show them.
everstep_flow.TASK_COLOURS = {
	Queued: "yellow",
	Claimed: "blue",
	"In Progress": "blue",
	Blocked: "red",
	"Waiting on Customer": "purple",
	Done: "green",
	Skipped: "gray",
	Cancelled: "gray",
	"Not Started": "gray",
	"Awaiting Acceptance": "orange",
};

// Escape what users wrote before it goes into HTML (Frappe's desk does not do it for us).
everstep_flow.esc = (value) => frappe.utils.escape_html(value == null ? "" : String(value));

// The moves of tasks and handoffs: one button per move the server says the user may make now (the core's
// engine.states.task_moves / handoff_moves, sent in the form's __onload), each calling the REST method that the
// gate checks again. Moves that need a reason ask for it first.
everstep_flow.MOVE_METHODS = {
	Claim: "everstep_flow.api.task.claim",
	Start: "everstep_flow.api.task.start",
	Release: "everstep_flow.api.task.release",
	Block: "everstep_flow.api.task.block",
	Unblock: "everstep_flow.api.task.unblock",
	"Wait on Customer": "everstep_flow.api.task.wait_on_customer",
	Resume: "everstep_flow.api.task.resume",
	Cancel: "everstep_flow.api.task.cancel",
	Accept: "everstep_flow.api.handoff.accept_handoff",
	Return: "everstep_flow.api.handoff.return_handoff",
};
everstep_flow.MOVE_REASONS = {
	Block: __("Why is the task blocked?"),
	Return: __("Why does the work go back?"),
};

everstep_flow.move_label = (action) =>
	action in everstep_flow.MOVE_REASONS || action === "Complete" ? `${__(action)}…` : __(action);

everstep_flow.run_move = (frm, action, args) => {
	const call = (extra = {}) =>
		frappe
			.xcall(everstep_flow.MOVE_METHODS[action], { ...args, ...extra })
			.then(() => frm.reload_doc());
	if (action in everstep_flow.MOVE_REASONS) {
		frappe.prompt(
			[{ fieldname: "reason", fieldtype: "Small Text", label: everstep_flow.MOVE_REASONS[action], reqd: 1 }],
			(values) => call({ reason: values.reason }),
			everstep_flow.move_label(action),
			__(action)
		);
	} else if (action === "Cancel") {
		frappe.confirm(__("Cancel this task? Its step will not be done."), () => call());
	} else {
		call();
	}
};

// Buttons for `moves`; the first one is the primary action. `custom` handles moves with a dialog of their own.
everstep_flow.add_move_buttons = (frm, moves, args, custom = {}) => {
	moves.forEach((action, i) => {
		const handler = custom[action] || (() => everstep_flow.run_move(frm, action, args));
		const button = frm.add_custom_button(everstep_flow.move_label(action), handler);
		if (i === 0) button.removeClass("btn-default").addClass("btn-primary");
	});
};

// New Request from the desk (the Flow Request list, a Customer's or a Contact's form): pick the service, then its
// intake fields and the client, and submit through the same REST method as every other door. A client with an open
// request of the service gets that one back (de-duplication), and the user is told so.
everstep_flow.new_request = (client = {}) => {
	const pick = new frappe.ui.Dialog({
		title: __("New Request"),
		fields: [{ fieldname: "service", fieldtype: "Link", label: __("Service"), options: "Flow Service", reqd: 1 }],
		primary_action_label: __("Next"),
		primary_action({ service }) {
			frappe.xcall("everstep_flow.api.request.intake_form", { service }).then((form) => {
				pick.hide();
				everstep_flow.intake_dialog(form, client);
			});
		},
	});
	pick.show();
};

everstep_flow.intake_dialog = (form, client) => {
	const types = form.client_doctypes;
	const fields = [
		{ fieldname: "subject", fieldtype: "Data", label: __("Subject"), description: __("Empty: {0}", [everstep_flow.esc(form.title)]) },
		{ fieldtype: "Section Break", label: __("Client") },
		{
			fieldname: "customer_type",
			fieldtype: "Select",
			label: __("Client Type"),
			options: [""].concat(types),
			default: client.customer_type || "",
		},
		{ fieldtype: "Column Break" },
		{
			fieldname: "customer",
			fieldtype: "Dynamic Link",
			label: __("Client"),
			options: "customer_type",
			default: client.customer || "",
			mandatory_depends_on: "eval:doc.customer_type",
		},
		{ fieldtype: "Section Break", label: __("What is needed") },
	].concat(
		form.fields.map((f) => ({
			fieldname: `v_${f.fieldname}`,
			// Intake types that are not Frappe controls: Email and Phone are Data with options, Long Text is Text.
			fieldtype: { "Long Text": "Text", Email: "Data", Phone: "Data" }[f.fieldtype] || f.fieldtype,
			label: everstep_flow.esc(f.label),
			options: f.fieldtype === "Email" || f.fieldtype === "Phone" ? f.fieldtype : f.options,
			reqd: f.required,
			description: everstep_flow.esc(f.help || ""),
		}))
	);
	const dialog = new frappe.ui.Dialog({
		title: __("New Request: {0}", [everstep_flow.esc(form.title)]),
		size: "large",
		fields,
		primary_action_label: __("Submit"),
		primary_action(data) {
			const values = {};
			form.fields.forEach((f) => {
				const value = data[`v_${f.fieldname}`];
				if (value !== undefined && value !== null && value !== "") values[f.fieldname] = value;
			});
			frappe
				.xcall("everstep_flow.api.request.submit_request", {
					service: form.service,
					values,
					subject: data.subject || null,
					customer_type: data.customer ? data.customer_type : null,
					customer: data.customer || null,
				})
				.then((r) => {
					dialog.hide();
					if (r.linked) frappe.msgprint(everstep_flow.esc(r.message), __("Linked, not duplicated"));
					else frappe.show_alert({ message: __("Request {0} started", [r.name]), indicator: "green" });
					if (r.name) frappe.set_route("Form", "Flow Request", r.name);
				});
		},
	});
	dialog.show();
};

// Log a call (seam 3) that ends with its next step (seam 4): a follow-up (when, team, maybe who, what) or the reason
// none is needed. `ctx`: {request?, task?, customer_type?, customer?, team?}; without a request, one is picked.
everstep_flow.log_call = (ctx = {}, on_done = null) => {
	const client_filter = () =>
		ctx.customer && ctx.customer_type === "Customer"
			? { filters: [["Dynamic Link", "link_doctype", "=", "Customer"], ["Dynamic Link", "link_name", "=", ctx.customer]] }
			: {};
	const fields = [];
	if (!ctx.request) {
		fields.push({
			fieldname: "request",
			fieldtype: "Link",
			label: __("Request"),
			options: "Flow Request",
			reqd: 1,
			get_query: () => ({ filters: ctx.customer ? { customer: ctx.customer, status: ["not in", ["Completed", "Cancelled"]] } : {} }),
		});
	}
	fields.push(
		{ fieldname: "direction", fieldtype: "Select", label: __("Direction"), options: ["Outgoing", "Incoming"], default: "Outgoing", reqd: 1 },
		{ fieldname: "contact", fieldtype: "Link", label: __("With"), options: "Contact", reqd: 1, get_query: client_filter },
		{ fieldtype: "Column Break" },
		{ fieldname: "at", fieldtype: "Datetime", label: __("When"), default: frappe.datetime.now_datetime(), reqd: 1 },
		{ fieldname: "duration", fieldtype: "Int", label: __("Minutes"), default: 5, reqd: 1 },
		{ fieldtype: "Section Break" },
		{ fieldname: "summary", fieldtype: "Small Text", label: __("What was said"), reqd: 1 },
		{ fieldtype: "Section Break", label: __("Next step") },
		{ fieldname: "no_follow_up", fieldtype: "Check", label: __("No follow-up needed") },
		{ fieldname: "no_follow_up_reason", fieldtype: "Small Text", label: __("Why not"), depends_on: "eval:doc.no_follow_up", mandatory_depends_on: "eval:doc.no_follow_up" },
		{ fieldname: "follow_up_on", fieldtype: "Datetime", label: __("Follow up on"), depends_on: "eval:!doc.no_follow_up", mandatory_depends_on: "eval:!doc.no_follow_up" },
		{ fieldname: "follow_up_team", fieldtype: "Link", label: __("Team"), options: "Flow Team", default: ctx.team || "", depends_on: "eval:!doc.no_follow_up", mandatory_depends_on: "eval:!doc.no_follow_up" },
		{ fieldname: "follow_up_owner", fieldtype: "Link", label: __("Who (optional)"), options: "User", depends_on: "eval:!doc.no_follow_up" },
		{ fieldname: "follow_up_what", fieldtype: "Small Text", label: __("What is to be done"), depends_on: "eval:!doc.no_follow_up", mandatory_depends_on: "eval:!doc.no_follow_up" }
	);
	const dialog = new frappe.ui.Dialog({
		title: __("Log Call"),
		size: "large",
		fields,
		primary_action_label: __("Log Call"),
		primary_action(v) {
			const args = {
				request: ctx.request || v.request,
				task: ctx.task || null,
				direction: v.direction,
				contact: v.contact,
				at: v.at,
				duration: v.duration,
				summary: v.summary,
			};
			if (v.no_follow_up) args.no_follow_up_reason = v.no_follow_up_reason;
			else Object.assign(args, {
				follow_up_on: v.follow_up_on,
				follow_up_team: v.follow_up_team,
				follow_up_owner: v.follow_up_owner || null,
				follow_up_what: v.follow_up_what,
			});
			frappe.xcall("everstep_flow.api.call.log_call", args).then(() => {
				dialog.hide();
				frappe.show_alert({ message: __("Call logged"), indicator: "green" });
				if (on_done) on_done();
			});
		},
	});
	dialog.show();
	return dialog;
};

// The client timeline (one chronological view, newest first, paged, filterable by kind) in any wrapper.
everstep_flow.TIMELINE_KINDS = ["request", "task", "handoff", "call", "email", "comment", "follow_up", "opportunity", "quotation", "sales_order", "issue", "ticket", "deal", "crm_note", "crm_task", "crm_call"];
everstep_flow.render_timeline = (wrapper, customer_type, customer, page_size = 20) => {
	const esc = everstep_flow.esc;
	const state = { start: 0, kinds: [] };
	const $w = $(wrapper).empty().addClass("esf-client-timeline");
	const $filters = $(`<div class="esf-timeline-kinds" style="margin-bottom: var(--margin-sm); display: flex; flex-wrap: wrap; gap: 4px;"></div>`).appendTo($w);
	const $list = $(`<div></div>`).appendTo($w);
	const $more = $(`<button class="btn btn-default btn-xs" style="margin-top: var(--margin-sm);">${__("Older")}</button>`).appendTo($w).hide();
	everstep_flow.TIMELINE_KINDS.forEach((kind) => {
		$(`<button class="btn btn-xs btn-default" data-kind="${kind}">${esc(__(frappe.unscrub(kind)))}</button>`)
			.appendTo($filters)
			.on("click", function () {
				$(this).toggleClass("btn-primary btn-default");
				state.kinds = $filters.find(".btn-primary").map((i, b) => b.dataset.kind).get();
				load(true);
			});
	});
	const link = (it) => {
		if (!it.reference_doctype) return esc(it.title);
		return `<a href="/app/${frappe.router.slug(it.reference_doctype)}/${encodeURIComponent(it.reference_name)}">${esc(it.title)}</a>`;
	};
	const now = frappe.datetime.now_datetime();
	const row = (it) => `<div class="esf-timeline-item" style="display: flex; gap: var(--margin-sm); padding: 6px 0; border-bottom: 1px solid var(--border-color);">
			<span class="indicator-pill ${it.at > now ? "orange" : "gray"}" style="min-width: 96px; justify-content: center;">${esc(__(frappe.unscrub(it.kind)))}</span>
			<div style="flex: 1;">${link(it)}${it.summary ? `<div class="text-muted small">${esc(it.summary)}</div>` : ""}</div>
			<div class="text-muted small" style="white-space: nowrap;" title="${esc(it.at)}">${esc(it.actor || "")} · ${esc(frappe.datetime.str_to_user(it.at))}</div>
		</div>`;
	function load(reset) {
		if (reset) state.start = 0;
		frappe
			.xcall("everstep_flow.api.client.timeline", {
				customer_type, customer, start: state.start, limit: page_size, kinds: state.kinds.length ? state.kinds : null,
			})
			.then((r) => {
				if (reset) $list.empty();
				if (!r.items.length && reset) $list.html(`<p class="text-muted small">${__("Nothing yet.")}</p>`);
				$list.append(r.items.map(row).join(""));
				state.start += r.items.length;
				$more.toggle(!!r.more);
			});
	}
	$more.on("click", () => load(false));
	load(true);
};

// One value of a service field, formatted by its type and escaped (Frappe's Data formatter does not escape).
everstep_flow.format_value = (row) => {
	const esc = everstep_flow.esc;
	const value = row.value;
	if (value == null || value === "") return "";
	const number = parseFloat(value);
	switch (row.fieldtype) {
		case "Currency":
		case "Float":
		case "Int":
		case "Percent":
			return isNaN(number) ? esc(value) : esc(frappe.format(number, { fieldtype: row.fieldtype }, { inline: true }));
		case "Date":
			return esc(frappe.datetime.str_to_user(value, false, true));
		case "Datetime":
			return esc(frappe.datetime.str_to_user(value));
		case "Check":
			return cint(value) ? __("Yes") : __("No");
		case "Link":
			return row.options
				? `<a href="/app/${frappe.router.slug(row.options)}/${encodeURIComponent(value)}">${esc(value)}</a>`
				: esc(value);
		case "Attach":
		case "Attach Image":
			// Only our own files open as links: never a javascript: or foreign URL.
			return /^\/(private\/)?files\//.test(value)
				? `<a href="${esc(value)}" target="_blank" rel="noopener noreferrer">${esc(value.split("/").pop())}</a>`
				: esc(value);
		case "Email":
			return `<a href="mailto:${esc(value)}">${esc(value)}</a>`;
		case "Small Text":
		case "Long Text":
		case "Text":
			return esc(value).replace(/\n/g, "<br>");
		default:
			return esc(value);
	}
};

everstep_flow.values_table = (rows, empty) => {
	if (!rows || !rows.length) return `<p class="text-muted small">${everstep_flow.esc(empty)}</p>`;
	return `<table class="table table-sm esf-values" style="margin-bottom: var(--margin-sm);"><tbody>${rows
		.map(
			(r) =>
				`<tr><td class="text-muted" style="width: 40%;">${everstep_flow.esc(r.label)}</td><td>${everstep_flow.format_value(r)}</td></tr>`
		)
		.join("")}</tbody></table>`;
};

// A visibility report answered from the user's copy of its figures (site config everstep_flow_report_copies) is
// read again in the background when the copy is getting old; once the new figures are in, the report on screen
// redraws with them (they come from the user's refreshed copy).
$(document).on("app_ready", () => {
	frappe.realtime.on("everstep_flow_report_refreshed", (data) => {
		const view = frappe.query_report;
		const route = frappe.get_route();
		const shown = route[0] === "query-report" && route[1] === data?.report;
		if (view && shown && view.report_name === data.report) {
			view.refresh();
		}
	});
});
