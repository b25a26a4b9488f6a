"""REST: /api/method/everstep_flow.api.follow_up.<method>: my follow-ups, and the moves on one."""

import frappe
from frappe.utils import add_days, get_datetime, now_datetime, today

from everstep_flow.base.door import endpoint
from everstep_flow.clients import follow_ups
from everstep_flow.engine import args


@endpoint(methods=("GET", "POST"))
def mine(until: str | None = None) -> dict:
	"""Open follow-ups due today or overdue (or by `until`), mine and my teams', the most overdue first."""
	until = args.name(until, "until", required=False)
	try:
		limit = get_datetime(until) if until else get_datetime(add_days(today(), 1))
	except Exception:
		frappe.throw(frappe._("until: is not a date and time"), frappe.ValidationError)
	rows = follow_ups.mine(limit)
	now = now_datetime()
	return {"now": now, "overdue": sum(r.overdue for r in rows), "follow_ups": rows}


@endpoint()
def mark_done(follow_up: str | None = None, note: str | None = None) -> dict:
	return follow_ups.mark_done(
		args.name(follow_up, "follow_up"), args.reason(note, "note", required=False) or ""
	)


@endpoint()
def push(follow_up: str | None = None, due_on: str | None = None, reason: str | None = None) -> dict:
	"""A new date for the follow-up, and why."""
	return follow_ups.push(
		args.name(follow_up, "follow_up"), args.name(due_on, "due_on"), args.reason(reason)
	)
