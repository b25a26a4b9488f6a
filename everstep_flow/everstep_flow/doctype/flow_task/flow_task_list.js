// Copyright (c) 2026, everstep_flow contributors
// The task list opens on "my teams' queue": open tasks of the teams the user works in.

const OPEN_STATES = ["Queued", "Claimed", "In Progress", "Blocked", "Waiting on Customer"];

frappe.listview_settings["Flow Task"] = {
	add_fields: ["status", "claimed_by", "awaiting_handoff", "team", "due_on", "creation"],
	hide_name_column: true,
	formatters: {
		// How long it has waited: since it became workable, or (awaiting acceptance) since it was handed on.
		ready_on(value, df, doc) {
			const since = value || (doc.awaiting_handoff && doc.creation);
			return since ? comment_when(since, true) : "";
		},
	},
	get_indicator(doc) {
		if (doc.awaiting_handoff) {
			return [__("Awaiting Acceptance"), everstep_flow.TASK_COLOURS["Awaiting Acceptance"], "awaiting_handoff,is,set"];
		}
		return [__(doc.status), everstep_flow.TASK_COLOURS[doc.status], "status,=," + doc.status];
	},
	onload(listview) {
		show_due_follow_ups(listview);
		listview.page.add_inner_button(__("My Teams' Queue"), () => show_queue(listview), __("Queues"));
		listview.page.add_inner_button(
			__("Unclaimed"),
			() => show_queue(listview, [["claimed_by", "is", "not set"], ["awaiting_handoff", "is", "not set"]]),
			__("Queues")
		);
		listview.page.add_inner_button(
			__("Mine"),
			() =>
				listview.filter_area.clear(false).then(() =>
					listview.filter_area.add([
						["Flow Task", "claimed_by", "=", frappe.session.user],
						["Flow Task", "status", "in", OPEN_STATES],
					])
				),
			__("Queues")
		);
		// Land on the queue unless the user came with filters of their own (a link, or filters they set).
		// onload runs before the list applies route_options, so the teams come from boot info.
		if ($.isEmptyObject(frappe.route_options) && !listview.filters.length) {
			frappe.route_options = { status: ["in", OPEN_STATES] };
			const teams = frappe.boot.flow_teams || [];
			if (teams.length) frappe.route_options.team = ["in", teams];
		}
	},
};

function show_queue(listview, extra = []) {
	frappe.xcall("everstep_flow.api.task.my_teams").then((teams) => {
		const filters = [["Flow Task", "status", "in", OPEN_STATES]];
		if (teams.length) filters.push(["Flow Task", "team", "in", teams]);
		extra.forEach((f) => filters.push(["Flow Task", ...f]));
		listview.filter_area.clear(false).then(() => listview.filter_area.add(filters));
	});
}

// Seam 5: follow-ups that are due surface themselves at the top of the queue, one click from "My Follow-ups".
function show_due_follow_ups(listview) {
	frappe.xcall("everstep_flow.api.follow_up.mine").then((r) => {
		listview.$page.find(".esf-due-follow-ups").remove();
		if (!r.follow_ups.length) return;
		const first = r.follow_ups[0];
		$(`<div class="esf-due-follow-ups alert ${r.overdue ? "alert-danger" : "alert-warning"}" style="margin: var(--margin-sm) var(--margin-md);">
			<a href="/app/flow-follow-ups"><b>${__("{0} follow-ups due, {1} overdue", [r.follow_ups.length, r.overdue])}</b></a>:
			${everstep_flow.esc(first.what)} (${everstep_flow.esc(first.subject || first.request)})
		</div>`).prependTo(listview.$page.find(".layout-main-section").first());
	});
}
