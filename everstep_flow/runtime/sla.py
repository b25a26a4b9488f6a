"""The request's SLA clock in the shell: deadlines at intake, pause and resume, status. The core decides the status."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from everstep_flow.catalog import definition_of
from everstep_flow.engine import states as S
from everstep_flow.engine.sla import AT_RISK_SHARE, ON_TRACK, PAUSED, sla_status
from everstep_flow.runtime import ledger
from everstep_flow.runtime.timing import calendar_for, due_after, minutes_between


def request_calendar(service: str):
	owner_team = frappe.get_cached_value("Flow Service", service, "owner_team")
	return calendar_for(owner_team, service)


def request_deadlines(service: str, target_minutes: int, start) -> dict:
	"""due_on after the service target; at_risk_on when less than AT_RISK_SHARE of it is left."""
	if not target_minutes:
		return {"due_on": None, "at_risk_on": None, "sla_status": ""}
	calendar = request_calendar(service)
	return {
		"due_on": due_after(target_minutes, calendar, start),
		"at_risk_on": due_after(target_minutes * (1 - AT_RISK_SHARE), calendar, start),
		"sla_status": ON_TRACK,
	}


def mirror_to_tasks(request_name: str, update: dict) -> None:
	"""The task list shows its request's SLA and due date: copy what changed to the request's tasks."""
	mirror = {
		task_field: update[field]
		for field, task_field in (("sla_status", "request_sla"), ("due_on", "request_due_on"))
		if field in update
	}
	if mirror:
		frappe.db.set_value("Flow Task", {"request": request_name}, mirror, update_modified=False)


def on_status_change(request_name: str, old: str, new: str) -> dict:
	"""Fields to update when the request's derived status changes: Waiting on Customer pauses the clock."""
	row = frappe.db.get_value(
		"Flow Request",
		request_name,
		["service", "definition", "due_on", "at_risk_on", "paused_since", "paused_minutes", "sla_status"],
		as_dict=True,
	)
	if not row.due_on:
		return {}
	now = now_datetime()
	if new == S.REQ_WAITING and not row.paused_since:
		ledger.record(request_name, "paused", from_state=row.sla_status, to_state=PAUSED)
		return {"paused_since": now, "sla_status": PAUSED}
	update: dict = {}
	if old == S.REQ_WAITING and row.paused_since:
		# The paused business minutes push the deadlines out by exactly as much.
		calendar = request_calendar(row.service)
		paused = max(0.0, minutes_between(calendar, row.paused_since, now))
		update = {
			"paused_since": None,
			"paused_minutes": (row.paused_minutes or 0) + round(paused),
			"due_on": due_after(paused, calendar, row.due_on) or row.due_on,
			"at_risk_on": due_after(paused, calendar, row.at_risk_on) if row.at_risk_on else None,
		}
		ledger.record(request_name, "resumed", details={"paused_minutes": round(paused)})
	if new in (S.REQ_COMPLETED, S.REQ_CANCELLED, S.REQ_IN_PROGRESS, S.REQ_OPEN):
		update["sla_status"] = (
			""
			if new == S.REQ_CANCELLED
			else sla_status(
				due_on=update.get("due_on", row.due_on),
				remaining_minutes=minutes_between(
					request_calendar(row.service), now, update.get("due_on", row.due_on)
				),
				target_minutes=definition_of(row).target_minutes,
				paused=False,
				completed_on=now if new == S.REQ_COMPLETED else None,
			)
		)
	return update
