"""The one gate every task and handoff state change passes through.

The desk's buttons call the REST methods, and those (runtime.actions) end in `doc.save()`; the controllers call
`check_*` from `validate` (is this move legal for this person, with what it needs?) and `after_*` from `on_update`
(write the event, move the request on). Engine-made moves set `doc.flags.flow_system` and skip the person checks.
A save that changes the state without an action is refused before it gets here (runtime.guard).
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import now_datetime

from everstep_flow.base import ledger
from everstep_flow.base.catalog import definition_of
from everstep_flow.engine import states as S
from everstep_flow.engine.values import ValuesError
from everstep_flow.engine.values import output_values as check_outputs
from everstep_flow.requests.guard import check_save
from everstep_flow.requests.intake import throw_field_problems
from everstep_flow.requests.progress import move_on
from everstep_flow.teams.membership import is_manager, is_member, require_member, team_lead

EVENT_OF_TASK_ACTION = {
	"Claim": "claimed",
	"Start": "started",
	"Release": "released",
	"Complete": "completed",
	"Block": "blocked",
	"Unblock": "unblocked",
	"Wait on Customer": "waiting",
	"Resume": "resumed",
	"Cancel": "cancelled",
	"Reopen": "reopened",
	"Withdraw": "withdrawn",
	"Return to Queue": "released",
	"Customer Replied": "resumed",
}
EVENT_OF_HANDOFF_ACTION = {"Accept": "accepted", "Return": "returned", "Withdraw": "withdrawn"}


def action_fields(doc) -> tuple[str, ...]:
	"""The fields the action in progress may change itself: the state and the reason it needs."""
	t: S.Transition | None = doc.flags.flow_action
	return ("status", t.needs) if t else ()


def _transition(machine: S.Machine, doc) -> S.Transition | None:
	before = doc.get_doc_before_save()
	if before is None or before.status == doc.status:
		return None
	by = "system" if doc.flags.flow_system else "member"
	try:
		return machine.between(before.status, doc.status, by=by)
	except S.IllegalTransition:
		frappe.throw(
			_("{0} cannot go from {1} to {2}.").format(_(machine.name), _(before.status), _(doc.status)),
			frappe.ValidationError,
		)


# ---------------------------------------------------------------- tasks


def check_task(task) -> None:
	"""validate(): no field changed but by an action (guard), legal move, right person, what the move needs; sets
	the fields the move implies."""
	check_save(task, action_fields(task))
	t = _transition(S.TASK, task)
	if t is None:
		return
	task.flags.flow_transition = t
	user = frappe.session.user
	if t.by == "member":
		_check_task_actor(task, t, user)
	if t.needs and not (task.get(t.needs) or "").strip():
		frappe.throw(
			_("{0}: a reason is required to {1} a task.").format(t.needs, _(t.action).lower()),
			frappe.ValidationError,
		)
	now = now_datetime()
	if t.action == "Claim":
		task.claimed_by = user
		task.claimed_on = task.claimed_on or now  # waiting time runs from ready to the first claim
	elif t.action in ("Release", "Return to Queue"):
		task.claimed_by = None
		task.started_on = None
	elif t.action == "Start":
		task.started_on = task.started_on or now
	elif t.action == "Complete":
		_take_outputs(task)
		task.completed_on = now
	elif t.action == "Unblock":
		task.blocked_reason = None
	elif t.action == "Reopen":
		task.completed_on = None
		task.rework_count = (task.rework_count or 0) + 1
	elif t.action in ("Cancel", "Withdraw"):
		task.awaiting_handoff = None


def _check_task_actor(task, t: S.Transition, user: str) -> None:
	manager = is_manager(user)
	if t.roles == (S.MANAGER,) and not manager:
		frappe.throw(
			_("Only a Flow Manager can {0} a task.").format(_(t.action).lower()), frappe.PermissionError
		)
	if t.action == "Claim":
		if task.awaiting_handoff:
			frappe.throw(
				_("This task waits for its handoff {0} to be accepted before anyone can claim it.").format(
					frappe.bold(task.awaiting_handoff)
				),
				frappe.ValidationError,
			)
		require_member(task.team, _("claim its tasks"), user)
		return
	claimant = task.get_doc_before_save().claimed_by
	if manager or user == claimant:
		return
	if t.action == "Release" and user == team_lead(task.team):
		return
	if not is_member(task.team, user):
		require_member(task.team, _("move its tasks"), user)
	frappe.throw(
		_("This task is claimed by {0}; only they (or a Flow Manager) can {1} it.").format(
			frappe.bold(claimant or _("nobody")), _(t.action).lower()
		),
		frappe.PermissionError,
	)


def _take_outputs(task) -> None:
	"""Completing needs the step's required outputs, given now or already on the request."""
	request = frappe.get_doc("Flow Request", task.request)
	defn = definition_of(request)
	given = task.flags.flow_outputs or {}
	existing = {row.fieldname: row.value for row in request.request_values}
	try:
		clean = check_outputs(defn, task.step_key, given, existing)
	except ValuesError as e:
		throw_field_problems(e.problems, "Outputs missing or invalid")
	if clean:
		by_field = {row.fieldname: row for row in request.request_values}
		labels = {f.fieldname: f for f in defn.intake_fields}
		for fieldname, value in clean.items():
			if fieldname in by_field:
				frappe.db.set_value("Flow Request Value", by_field[fieldname].name, "value", value)
			else:
				request.append(
					"request_values",
					{
						"fieldname": fieldname,
						"label": labels[fieldname].label,
						"fieldtype": labels[fieldname].fieldtype,
						"value": value,
					},
				).db_insert()
	# What progress needs for the next steps' conditions: no second read of the values (requests.progress.load).
	task.flags.flow_request_values = {**existing, **clean}
	previous = (
		json.loads(task.outputs) if isinstance(task.outputs, str) and task.outputs else task.outputs or {}
	)
	task.outputs = {**previous, **clean}


def after_task(task) -> None:
	"""on_update(): one event for the move, then move the request on (new tasks, handoffs, derived status)."""
	t: S.Transition | None = task.flags.pop("flow_transition", None)
	if t is None:
		return
	before = task.get_doc_before_save()
	details = {"step": task.step_key}
	reason_field = t.needs or ("return_reason" if t.action == "Reopen" else None)
	if reason := (task.get(reason_field) if reason_field else None) or task.flags.flow_reason:
		details["reason"] = reason
	if t.action == "Complete" and (left := unticked_items(task)):
		details["unticked"] = left  # the checklist guides, it does not block (engine.task_view)
	ledger.record(
		task.request,
		EVENT_OF_TASK_ACTION[t.action],
		task=task.name,
		from_team=task.team,
		to_team=task.team,
		from_state=before.status,
		to_state=task.status,
		details=details,
	)
	move_on(task.request, completed_task=task if t.action == "Complete" else None)


# ---------------------------------------------------------------- handoffs


def unticked_items(task) -> list[str]:
	state = task.get("checklist_state")
	if isinstance(state, str) and state:
		state = json.loads(state)
	return [item for item, done in (state or {}).items() if not done] if isinstance(state, dict) else []


def check_handoff(handoff) -> None:
	"""validate() of a handoff, as check_task."""
	check_save(handoff, action_fields(handoff))
	t = _transition(S.HANDOFF, handoff)
	if t is None:
		return
	handoff.flags.flow_transition = t
	if t.by == "member":
		require_member(handoff.to_team, _("accept or return its handoffs"))
	if t.needs and not (handoff.get(t.needs) or "").strip():
		frappe.throw(_("{0}: say why the handoff goes back.").format(t.needs), frappe.ValidationError)
	if t.action == "Accept":
		handoff.accepted_by = frappe.session.user
		handoff.accepted_on = now_datetime()
	elif t.action == "Return":
		handoff.returned_on = now_datetime()


def after_handoff(handoff) -> None:
	t: S.Transition | None = handoff.flags.pop("flow_transition", None)
	if t is None:
		return
	ledger.record(
		handoff.request,
		EVENT_OF_HANDOFF_ACTION[t.action],
		task=handoff.to_task,
		handoff=handoff.name,
		from_team=handoff.from_team,
		to_team=handoff.to_team,
		from_state=S.PENDING,
		to_state=handoff.status,
		details={"reason": handoff.return_reason} if t.action == "Return" else None,
	)
	if t.action == "Accept":
		# The receiving team can start now: its waiting time runs from here.
		frappe.db.set_value(
			"Flow Task", handoff.to_task, {"awaiting_handoff": None, "ready_on": handoff.accepted_on}
		)
		move_on(handoff.request)  # who holds it changed: where the request is now
	elif t.action == "Return":
		# The receiving task is withdrawn (its step may run again) and the sender gets its work back.
		system_move(handoff.to_task, S.CANCELLED)
		system_move(handoff.from_task, S.IN_PROGRESS, return_reason=handoff.return_reason)
	ledger.flush()


def system_move(task_name: str, target: str, flow_reason: str | None = None, **fields) -> None:
	"""An engine-made task move: validated by the core machine, not by who the current user is."""
	task = frappe.get_doc("Flow Task", task_name)
	task.update(fields)
	task.flags.flow_reason = flow_reason
	task.status = target
	task.flags.flow_system = True
	task.save(ignore_permissions=True)
