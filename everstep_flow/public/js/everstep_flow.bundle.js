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
