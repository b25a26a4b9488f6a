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
from everstep_flow.base.door import Collision, decided
from everstep_flow.clients import crm_tasks
from everstep_flow.clients.calls import FOLLOW_UP, moment
from everstep_flow.engine.calls import FOLLOW_UP_DONE, FOLLOW_UP_OPEN
from everstep_flow.engine.crm_tasks import MOVED_IN_CRM
from everstep_flow.engine.follow_ups import FollowUpFacts, FollowUpMove, plan_done, plan_push
from everstep_flow.requests.actions import lock
from everstep_flow.teams.membership import is_manager, user_teams


def may_act_on(row) -> bool:
	"""Whoever does it: the owner, a member of the owning team, a Flow Manager."""
	user = frappe.session.user
	return is_manager() or row.assigned_to == user or row.owner_team in user_teams()


def _open_follow_up(name: str):
	row = lock(
		FOLLOW_UP,
		name,
		["name", "status", "request", "task", "owner_team", "assigned_to", "due_on", "crm_task"],
	)
	if not row or not frappe.has_permission(FOLLOW_UP, "read", name):
		frappe.throw(_("follow_up: no follow-up {0}").format(escape_html(name)), frappe.DoesNotExistError)
	if not may_act_on(row):
		frappe.throw(
			_("Only its owner, its team or a Flow Manager can act on this follow-up."), frappe.PermissionError
		)
	return row  # whether it is still open is the core's to say (engine.follow_ups)


def _facts(row) -> FollowUpFacts:
	return FollowUpFacts(row.name, row.status, row.task, row.owner_team, row.due_on)


def _apply(row, move: FollowUpMove) -> None:
	frappe.db.set_value(FOLLOW_UP, row.name, dict(move.update))
	ledger.record_plan(row.request, (move.event,))


def mark_done(name: str, note: str = "") -> dict[str, Any]:
	row = _open_follow_up(name)
	_apply(row, decided(plan_done, _facts(row), note, actor=frappe.session.user, now=now_datetime()))
	crm_tasks.moved(row.crm_task, FOLLOW_UP_DONE)
	return {"name": name, "status": FOLLOW_UP_DONE}


def push(name: str, due_on: Any, reason: str) -> dict[str, Any]:
	"""A new date, with the reason why (the owner is nudged again when it comes)."""
	row = _open_follow_up(name)
	found: dict[str, str] = {}
	due = moment(due_on, "due_on", found)
	move = decided(plan_push, _facts(row), due, reason, now=now_datetime(), found=found)
	_apply(row, move)
	crm_tasks.moved(row.crm_task, FOLLOW_UP_OPEN, due)
	return {"name": name, "due_on": due}


def on_crm_task_update(doc, method=None) -> None:
	"""Hook: a follow-up's CRM Task marked Done or moved in Frappe CRM does the same to the follow-up, by the moves
	above and their rules (clients.crm_tasks finds it; no query for any other save). Here, not in crm_tasks, because
	these moves tell crm_tasks of themselves. Who may change the task but not the follow-up leaves it as it was."""
	change = crm_tasks.change_of(doc)
	if not change:
		return
	if not (frappe.has_permission(FOLLOW_UP, "read", change.name) and may_act_on(change)):
		crm_tasks.left_as_it_was(doc, change)
		return
	frappe.db.savepoint("flow_crm_task")
	try:
		if change.kind == "done":
			mark_done(change.name, _("Done in Frappe CRM (CRM Task {0})").format(doc.name))
		else:
			push(change.name, change.due_on, MOVED_IN_CRM)
	except frappe.ValidationError as e:
		# Moved from our side at the same moment (which tells this task itself), or already done: CRM's save
		# stands. A date the follow-up refuses is refused in CRM too.
		if change.kind != "done" and not isinstance(e, Collision):
			raise
		frappe.db.rollback(save_point="flow_crm_task")
		frappe.clear_last_message()


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
