"""The one gate every task and handoff state change passes through.

The desk's buttons call the REST methods, and those (requests.actions) end in `doc.save()`; the controllers call
`check_*` from `validate` (is this move legal for this person, with what it needs?) and `after_*` from `on_update`
(write the event, move the request on). Engine-made moves set `doc.flags.flow_system` and skip the person checks.
A save that changes the state without an action is refused before it gets here (requests.guard).
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import now_datetime

from everstep_flow.base import ledger
from everstep_flow.base.catalog import definition_of
from everstep_flow.base.door import decided, throw_field_problems
from everstep_flow.engine import states as S
from everstep_flow.engine.moves import HandoffFacts, Move, TaskFacts, plan_handoff_move, plan_task_action
from everstep_flow.engine.values import ValuesError
from everstep_flow.engine.values import output_values as check_outputs
from everstep_flow.requests.apply import apply
from everstep_flow.requests.guard import check_save
from everstep_flow.requests.progress import load, move_on
from everstep_flow.teams.calendars import clock_for
from everstep_flow.teams.membership import is_manager, is_member, require_member, team_lead

# Every field a move of a task may need as its reason (the workflow's `needs`), and the reason a reopen carries.
REASON_FIELDS = tuple(sorted({t.needs for t in S.TASK.transitions if t.needs} | {"return_reason"}))


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
	if planned := _planned(task, t):  # the engine's own move, decided with the whole action (cancel_request)
		task.update(planned.fields)
		task.flags.flow_move, task.flags.flow_plan = planned, None
		return
	user = frappe.session.user
	assignee = task.flags.flow_claim_for if t.action == "Claim" else None
	if t.by == "member":
		_check_task_actor(task, t, user, assignee)
	if t.action == "Complete":
		_take_outputs(task)  # the outputs are values of the request: the next steps' conditions read them
	# One decision: the move, and what the request does next (its tasks are read locked: see progress.load).
	facts, completed, service = load(task.request, task if t.action == "Complete" else None)
	move, plan = decided(
		plan_task_action,
		t,
		TaskFacts(
			task.name,
			task.step_key,
			task.team,
			task.get_doc_before_save().status,
			task.claimed_on,
			task.started_on,
			task.rework_count or 0,
			as_object(task.get("checklist_state")),
			{f: task.get(f) for f in REASON_FIELDS},
			task.flags.flow_reason,
			task.get_doc_before_save().completed_on,
		),
		facts,
		clock_for(facts.definition, service),
		actor=user,
		after=task.status,
		completed=completed,
		assignee=assignee,
		rule=task.flags.flow_rule,
	)
	task.update(move.fields)
	task.flags.flow_move, task.flags.flow_plan = move, plan


def _planned(doc, t: S.Transition) -> Move | None:
	"""A move the caller planned already (an engine-made move): it must be the one this save makes."""
	planned: Move | None = doc.flags.pop("flow_planned", None)
	if planned is not None and (t.by != "system" or planned.event.to_state != t.target):
		frappe.throw(_("{0} cannot make this move.").format(_(doc.doctype)), frappe.ValidationError)
	return planned


def as_object(value):
	return json.loads(value) if isinstance(value, str) and value else value


def _check_task_actor(task, t: S.Transition, user: str, assignee: str | None = None) -> None:
	"""`assignee`: a claim made for a member (api.assign, clock.dispatch checked who may give it): they must be
	a member of the task's team."""
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
		require_member(task.team, _("claim its tasks"), assignee or user)
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
	# What progress needs: no second read of the request or its values (requests.progress.load).
	task.flags.flow_request, task.flags.flow_request_values = request, {**existing, **clean}
	previous = (
		json.loads(task.outputs) if isinstance(task.outputs, str) and task.outputs else task.outputs or {}
	)
	task.outputs = {**previous, **clean}


def after_task(task) -> None:
	"""on_update(): the move's event, then move the request on (new tasks, handoffs, derived status)."""
	t: S.Transition | None = task.flags.pop("flow_transition", None)
	if t is None:
		return
	ledger.record_plan(task.request, (task.flags.pop("flow_move").event,), flush_now=False)
	if plan := task.flags.pop("flow_plan", None):
		apply(plan)


# ---------------------------------------------------------------- handoffs


def check_handoff(handoff) -> None:
	"""validate() of a handoff, as check_task."""
	check_save(handoff, action_fields(handoff))
	t = _transition(S.HANDOFF, handoff)
	if t is None:
		return
	handoff.flags.flow_transition = t
	if planned := _planned(handoff, t):
		handoff.update(planned.fields)
		handoff.flags.flow_move = planned
		return
	if t.by == "member":
		require_member(handoff.to_team, _("accept or return its handoffs"))
	move = decided(
		plan_handoff_move,
		t,
		HandoffFacts(
			handoff.name,
			handoff.from_task,
			handoff.to_task,
			handoff.from_team,
			handoff.to_team,
			{"return_reason": handoff.return_reason},
		),
		actor=frappe.session.user,
		now=now_datetime(),
	)
	handoff.update(move.fields)
	handoff.flags.flow_move = move


def after_handoff(handoff) -> None:
	"""on_update(): the move's event, then what it leads to: an accepted task becomes workable, a returned one is
	withdrawn and its sender's task reopened (each its own move through the gate)."""
	t: S.Transition | None = handoff.flags.pop("flow_transition", None)
	if t is None:
		return
	move: Move = handoff.flags.pop("flow_move")
	ledger.record_plan(handoff.request, (move.event,), flush_now=False)
	for task, fields in move.task_updates.items():
		frappe.db.set_value("Flow Task", task, dict(fields))
	for task, target, fields in move.system_moves:
		system_move(task, target, **fields)
	if move.task_updates:
		move_on(handoff.request)  # who holds it changed: where the request is now
	ledger.flush()


def system_move(
	task_name: str, target: str, flow_reason: str | None = None, planned: Move | None = None, **fields
) -> None:
	"""An engine-made task move: validated by the core machine, not by who the current user is. `planned`: the
	move as the caller's own plan decided it (no plan of its own then)."""
	# The latest row, locked, as requests.actions reads it: a move saved a moment ago by someone else is seen
	# rather than refused as "modified after you opened it".
	task = frappe.get_doc("Flow Task", task_name, for_update=True)
	task.update(fields)
	task.flags.flow_reason = flow_reason
	task.flags.flow_planned = planned
	task.status = target
	task.flags.flow_system = True
	task.save(ignore_permissions=True)
