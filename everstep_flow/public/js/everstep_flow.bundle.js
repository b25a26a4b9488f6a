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
