"""Owned follow-ups (seam 5): whoever owns one, its team or a Flow Manager marks it done or pushes its date, each one
ledger event; My Follow-ups lists the open ones due. (They are made by a logged call, clients.calls, or a step; the
sweep nudges and escalates them.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html, now_datetime

from everstep_flow.base import ledger
from everstep_flow.clients.calls import FOLLOW_UP, moment
from everstep_flow.engine.calls import FOLLOW_UP_DONE, FOLLOW_UP_OPEN, FollowUpPlan, follow_up_problems
from everstep_flow.requests.actions import lock
from everstep_flow.requests.intake import throw_field_problems
from everstep_flow.teams.membership import is_manager, user_teams


def may_act_on(row) -> bool:
	"""Whoever does it: the owner, a member of the owning team, a Flow Manager."""
	user = frappe.session.user
	return is_manager() or row.assigned_to == user or row.owner_team in user_teams()


def _open_follow_up(name: str):
	row = lock(FOLLOW_UP, name, ["name", "status", "request", "task", "owner_team", "assigned_to", "due_on"])
	if not row or not frappe.has_permission(FOLLOW_UP, "read", name):
		frappe.throw(_("follow_up: no follow-up {0}").format(escape_html(name)), frappe.DoesNotExistError)
	if not may_act_on(row):
		frappe.throw(
			_("Only its owner, its team or a Flow Manager can act on this follow-up."), frappe.PermissionError
		)
	if row.status != FOLLOW_UP_OPEN:
		frappe.throw(_("follow_up: it is already {0}").format(_(row.status)), frappe.ValidationError)
	return row


def mark_done(name: str, note: str = "") -> dict[str, Any]:
	row = _open_follow_up(name)
	now = now_datetime()
	frappe.db.set_value(
		FOLLOW_UP,
		name,
		{"status": FOLLOW_UP_DONE, "done_on": now, "done_by": frappe.session.user, "note": note or None},
	)
	ledger.record(
		row.request,
		"follow_up_done",
		task=row.task,
		is_internal=1,
		details={"follow_up": name, "note": note or None},
	)
	ledger.flush()
	return {"name": name, "status": FOLLOW_UP_DONE}


def push(name: str, due_on: Any, reason: str) -> dict[str, Any]:
	"""A new date, with the reason why (the owner is nudged again when it comes)."""
	row = _open_follow_up(name)
	problems: dict[str, str] = {}
	due = moment(due_on, "due_on", problems)
	if not problems:
		problems = {
			"due_on" if k == "follow_up_on" else k: v
			for k, v in follow_up_problems(FollowUpPlan(due, row.owner_team, "", "-"), now_datetime()).items()
		}
	if problems:
		throw_field_problems(problems, "The follow-up cannot be moved")
	frappe.db.set_value(FOLLOW_UP, name, {"due_on": due, "nudged_for": None})
	ledger.record(
		row.request,
		"follow_up_moved",
		task=row.task,
		is_internal=1,
		details={"follow_up": name, "from": str(row.due_on), "to": str(due), "reason": reason},
	)
	ledger.flush()
	return {"name": name, "due_on": due}


def mine(until: datetime, limit: int = 200) -> list[dict[str, Any]]:
	"""Open follow-ups due by `until` that are mine or my teams', the most overdue first."""
	user, teams = frappe.session.user, user_teams()
	ownership = [["assigned_to", "=", user]]
	if teams:
		ownership.append(["owner_team", "in", teams])
	rows = frappe.get_list(
		FOLLOW_UP,
		filters={"status": FOLLOW_UP_OPEN, "due_on": ("<=", until)},
		or_filters=ownership,
		fields=[
			"name",
			"what",
			"due_on",
			"owner_team",
			"assigned_to",
			"request",
			"task",
			"call",
			"customer_type",
			"customer",
		],
		order_by="due_on asc",
		limit_page_length=limit,
	)
	subjects = dict(
		frappe.get_all(
			"Flow Request",
			filters={"name": ("in", list({r.request for r in rows}) or [""])},
			fields=["name", "subject"],
			as_list=True,
		)
	)
	now = now_datetime()
	for r in rows:
		r.subject = subjects.get(r.request)
		r.overdue = int(r.due_on < now)
	return rows
