"""REST: /api/method/everstep_flow.api.call.log_call (staff on the request)."""

import frappe

from everstep_flow.base.door import endpoint
from everstep_flow.clients import calls
from everstep_flow.engine import args


@endpoint()
def log_call(
	request: str | None = None,
	task: str | None = None,
	direction: str | None = None,
	contact: str | None = None,
	at: str | None = None,
	duration: float | int | str | None = None,
	summary: str | None = None,
	follow_up_on: str | None = None,
	follow_up_team: str | None = None,
	follow_up_owner: str | None = None,
	follow_up_what: str | None = None,
	no_follow_up_reason: str | None = None,
	call_log: str | None = None,
	call_log_doctype: str | None = None,
) -> dict:
	"""Log a call on a request (or one of its tasks). It must end with a follow-up (`follow_up_on`,
	`follow_up_team`, `follow_up_owner`?, `follow_up_what`) or a `no_follow_up_reason`. `call_log` links a call
	telephony already logged (ERPNext's Call Log, Frappe CRM's CRM Call Log) instead of writing a new one."""
	task = args.name(task, "task", required=False)
	name = args.name(request, "request", required=not task)
	checked = {
		"direction": args.name(direction, "direction"),
		"contact": args.name(contact, "contact"),
		"at": args.name(at, "at", required=False),
		"duration": args.number(duration, "duration"),
		"summary": args.reason(summary, "summary"),
		"follow_up_on": args.name(follow_up_on, "follow_up_on", required=False),
		"follow_up_team": args.name(follow_up_team, "follow_up_team", required=False),
		"follow_up_owner": args.name(follow_up_owner, "follow_up_owner", required=False),
		"follow_up_what": args.reason(follow_up_what, "follow_up_what", required=False) or "",
		"no_follow_up_reason": args.reason(no_follow_up_reason, "no_follow_up_reason", required=False) or "",
		"call_log": args.name(call_log, "call_log", required=False),
		"call_log_doctype": args.name(call_log_doctype, "call_log_doctype", required=False),
	}  # every argument is checked before anything is read
	if task and not name:
		name = frappe.db.get_value("Flow Task", task, "request")
		if not name:
			frappe.throw(
				frappe._("task: no task {0}").format(frappe.utils.escape_html(task)), frappe.DoesNotExistError
			)
	if not frappe.db.exists("Flow Request", name) or not frappe.has_permission("Flow Request", "read", name):
		frappe.throw(
			frappe._("request: no request {0}").format(frappe.utils.escape_html(name)),
			frappe.DoesNotExistError,
		)
	return calls.log_call(name, task=task, **checked)
