"""One task as the person in front of it needs it: the request in a line, where this step sits in the process, what
the client asked, what was handed on, the step's instructions and checklist, the moves they may make now, and the
request's history. One read per concern (the request, its values, the handoffs in, the history); the core labels.

Served by `everstep_flow.api.task.view` (any client) and the Flow Task form's onload (the desk)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.base import ledger
from everstep_flow.base.catalog import definition_of
from everstep_flow.engine import render_svg
from everstep_flow.engine import states as S
from everstep_flow.engine.task_view import CHECKLIST_BLOCKS, asked, checklist_rows, labelled, tick
from everstep_flow.requests.actions import handoff_moves_for, lock, progress, task_moves_for
from everstep_flow.teams.membership import is_manager, works_on

HISTORY = 30  # newest events shown; the request's form has the whole ledger

REQUEST_FIELDS = [
	"name",
	"subject",
	"service",
	"status",
	"customer_type",
	"customer",
	"contact",
	"sla_status",
	"due_on",
	"definition",
]


def readable_task(name: str):
	"""The task if this user may open it; otherwise as if it did not exist (no hint that it does)."""
	request = frappe.db.get_value("Flow Task", name, "request")
	# Staff only: a requester may read their request's tasks, but the view carries notes and outputs between teams
	if not request or not frappe.has_permission("Flow Task", "read", doc=name) or not works_on(request):
		frappe.throw(_("task: Flow Task {0} not found").format(escape_html(name)), frappe.DoesNotExistError)
	return frappe.get_doc("Flow Task", name)


def view(task) -> dict:
	request = frappe.db.get_value("Flow Request", task.request, REQUEST_FIELDS, as_dict=True)
	defn = definition_of(request)
	step = defn.step(task.step_key)
	values = dict(
		frappe.get_all(
			"Flow Request Value",
			filters={"parent": request.name, "parenttype": "Flow Request"},
			fields=["fieldname", "value"],
			as_list=True,
			ignore_permissions=True,
		)
	)
	rows = progress(request)
	states = {r["step"]: "Awaiting Acceptance" if r["awaiting_handoff"] else r["state"] for r in rows}
	state = _checklist_state(task)
	return {
		"task": {
			"name": task.name,
			"title": task.title,
			"status": "Awaiting Acceptance" if task.awaiting_handoff else task.status,
			"team": task.team,
			"claimed_by": task.claimed_by,
			"step": task.step_key,
			"due_on": task.due_on,
			"ready_on": task.ready_on,
			"awaiting_handoff": task.awaiting_handoff,
		},
		"request": {k: request.get(k) for k in REQUEST_FIELDS if k != "definition"},
		"process_map": render_svg(defn, states=states, highlight=task.step_key),
		"asked": asked(defn, values),
		"handed_on": handed_on(task, defn),
		"instructions": step.instructions,
		"checklist": checklist_rows(step.checklist, state),
		"checklist_blocks": CHECKLIST_BLOCKS,
		"can_tick": can_tick(task),
		"moves": task_moves_for(task),
		"handoff_moves": handoff_moves_for(task.awaiting_handoff) if task.awaiting_handoff else [],
		"history": history(request.name),
	}


def handed_on(task, defn) -> list[dict]:
	"""Every handoff into this step of the request (pending, accepted, or an earlier one that was returned, whose
	receiving task may be an earlier run of the step: FR-00012-finance_approval before -2), newest first."""
	runs = frappe.get_all(
		"Flow Task", filters={"request": task.request, "step_key": task.step_key}, pluck="name", order_by=None
	)
	return [
		{
			"name": h.name,
			"status": h.status,
			"from_team": h.from_team,
			"sent_by": h.sent_by,
			"sent_on": h.sent_on,
			"accept_by": h.accept_by,
			"accepted_by": h.accepted_by,
			"accepted_on": h.accepted_on,
			"note": h.note,
			"return_reason": h.return_reason,
			"outputs": labelled(defn, as_object(h.outputs)),
		}
		for h in frappe.get_all(
			"Flow Handoff",
			filters={"request": task.request, "to_task": ("in", runs or [task.name])},
			fields=[
				"name",
				"status",
				"from_team",
				"sent_by",
				"sent_on",
				"accept_by",
				"accepted_by",
				"accepted_on",
				"note",
				"return_reason",
				"outputs",
			],
			order_by="sent_on desc",
			ignore_permissions=True,  # the task is readable: so are the handoffs into it
		)
	]


def history(request: str) -> list[dict]:
	events = frappe.get_all(
		"Flow Event",
		filters={"request": request},
		fields=[
			"event_type",
			"at",
			"actor",
			"task",
			"from_team",
			"to_team",
			"from_state",
			"to_state",
			"details",
		],
		order_by="at desc, creation desc",
		limit=HISTORY,
		ignore_permissions=True,  # staff on the request see its whole ledger (the form shows the same)
	)
	for e in events:
		e["details"] = ledger.details_of(e)
	return events


def can_tick(task) -> bool:
	return task.status in (S.CLAIMED, S.IN_PROGRESS, S.BLOCKED, S.WAITING) and (
		task.claimed_by == frappe.session.user or is_manager()
	)


def tick_item(name: str, item: str, done: bool):
	"""Tick or untick one checklist item: the claimant (or a Flow Manager) while the task is being worked on."""
	row = lock("Flow Task", name, ["status", "claimed_by", "request", "step_key", "checklist_state", "team"])
	row.name = name
	if not can_tick(row):
		frappe.throw(
			_(
				"Only the person who claimed this task (or a Flow Manager) can tick its checklist while it is worked on."
			),
			frappe.PermissionError,
		)
	request = frappe.db.get_value("Flow Request", row.request, ["name", "definition"], as_dict=True)
	step = definition_of(request).step(row.step_key)
	try:
		new = tick(step.checklist, _checklist_state(row), item, done)
	except ValueError as e:
		frappe.throw(str(e), frappe.ValidationError)
	frappe.db.set_value("Flow Task", name, "checklist_state", frappe.as_json(new), update_modified=True)
	ledger.record(
		row.request,
		"checklist_ticked",
		task=name,
		is_internal=1,  # the team's working notes: not on the requester's tracker
		from_team=row.team,
		to_team=row.team,
		details={"item": item, "done": bool(done)},
	)
	ledger.flush()
	return checklist_rows(step.checklist, new)


def _checklist_state(task) -> dict:
	return as_object(task.get("checklist_state"))


def as_object(value) -> dict:
	if isinstance(value, dict):
		return value
	if isinstance(value, str) and value:
		try:
			parsed = frappe.parse_json(value)
		except Exception:
			return {}
		return parsed if isinstance(parsed, dict) else {}
	return {}
