"""The plan of one move of a task or a handoff: the fields it sets, its ledger event, and the moves it leads to.

The gate (requests.transitions) finds the transition the save makes (engine.states), checks who makes it, and asks
here what the move means; what the request does next is engine.plans.plan_progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from everstep_flow.engine import states as S
from everstep_flow.engine.plans import Clock, Completed, Event, Plan, Refusal, RequestFacts, plan_progress
from everstep_flow.engine.where import NOWHERE

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


@dataclass(frozen=True)
class TaskFacts:
	"""The task as it is being saved: its state before, and what the save carries."""

	name: str
	step_key: str
	team: str
	before: str  # the status before the move
	claimed_on: datetime | None = None
	started_on: datetime | None = None
	rework_count: int = 0
	checklist_state: Mapping[str, Any] | None = None
	reasons: Mapping[str, str] = field(default_factory=dict)  # blocked_reason, return_reason… as given
	flow_reason: str | None = None  # a reason the engine gives a move it makes itself
	completed_on: datetime | None = None  # a done task's completion, said by its reopen (day tallies read it)


@dataclass(frozen=True)
class Move:
	"""What a move sets on its document, its event, and (a handoff) the moves of tasks it leads to:
	`task_updates` by task name, `system_moves` as (task, target state, fields)."""

	fields: Mapping[str, Any]
	event: Event
	task_updates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
	system_moves: tuple[tuple[str, str, Mapping[str, Any]], ...] = ()


def _needed(t: S.Transition, reasons: Mapping[str, str], message: str) -> None:
	if t.needs and not (reasons.get(t.needs) or "").strip():
		raise Refusal({t.needs: message}, "Reason required", one_line=True)


def plan_task_move(
	t: S.Transition,
	task: TaskFacts,
	*,
	actor: str,
	now: datetime,
	after: str,
	assignee: str | None = None,
	rule: str | None = None,
) -> Move:
	"""The fields a task move implies and its event. `after`: the status the save moves to. A claim is the actor's,
	or `assignee`'s when a lead, a Flow Manager or the team's Assignment Rule (`rule`) gives the task to them."""
	_needed(t, task.reasons, f"a reason is required to {t.action.lower()} a task.")
	fields: dict[str, Any] = {}
	details: dict[str, Any] = {"step": task.step_key}
	if t.action == "Claim":
		fields = {
			"claimed_by": assignee or actor,
			"claimed_on": task.claimed_on or now,
		}  # waiting runs to the first claim
		if assignee and assignee != actor:
			details["for"] = assignee
		if rule:
			details["rule"] = rule
	elif t.action in ("Release", "Return to Queue"):
		fields = {"claimed_by": None, "started_on": None}
	elif t.action == "Start":
		fields = {"started_on": task.started_on or now}
	elif t.action == "Complete":
		fields = {"completed_on": now}
	elif t.action == "Unblock":
		fields = {"blocked_reason": None}
	elif t.action == "Wait on Customer":
		fields = {"customer_wait_since": now}  # the Five Seam Audit looks for contact since (seam 3)
	elif t.action == "Reopen":
		fields = {"completed_on": None, "rework_count": (task.rework_count or 0) + 1}
		if task.completed_on:
			details["done_on"] = task.completed_on  # the day whose figures it leaves (visibility.day_tallies)
	elif t.action in ("Cancel", "Withdraw"):
		fields = {"awaiting_handoff": None}
	reason_field = t.needs or ("return_reason" if t.action == "Reopen" else None)
	if reason := (task.reasons.get(reason_field) if reason_field else None) or task.flow_reason:
		details["reason"] = reason
	if t.action == "Complete" and (left := unticked(task.checklist_state)):
		details["unticked"] = left  # the checklist guides, it does not block (engine.task_view)
	event = Event(
		EVENT_OF_TASK_ACTION[t.action],
		task=task.name,
		from_team=task.team,
		to_team=task.team,
		from_state=task.before,
		to_state=after,
		details=details,
	)
	return Move(fields, event)


def unticked(state: Mapping[str, Any] | None) -> list[str]:
	return [item for item, done in state.items() if not done] if isinstance(state, Mapping) else []


@dataclass(frozen=True)
class HandoffFacts:
	name: str
	from_task: str
	to_task: str
	from_team: str
	to_team: str
	reasons: Mapping[str, str] = field(default_factory=dict)


def plan_handoff_move(t: S.Transition, handoff: HandoffFacts, *, actor: str, now: datetime) -> Move:
	"""Accept: the receiving task becomes workable now. Return: it is withdrawn (its step may run again) and the
	sender gets its work back, with the reason. Withdraw: only the event."""
	_needed(t, handoff.reasons, "say why the handoff goes back.")
	fields: dict[str, Any] = {}
	task_updates: dict[str, dict[str, Any]] = {}
	system_moves: tuple = ()
	if t.action == "Accept":
		fields = {"accepted_by": actor, "accepted_on": now}
		task_updates = {
			handoff.to_task: {"awaiting_handoff": None, "ready_on": now}
		}  # its waiting starts here
	elif t.action == "Return":
		fields = {"returned_on": now}
		system_moves = (
			(handoff.to_task, S.CANCELLED, {}),
			(handoff.from_task, S.IN_PROGRESS, {"return_reason": handoff.reasons.get("return_reason")}),
		)
	event = Event(
		EVENT_OF_HANDOFF_ACTION[t.action],
		task=handoff.to_task,
		handoff=handoff.name,
		from_team=handoff.from_team,
		to_team=handoff.to_team,
		from_state=S.PENDING,
		to_state=t.target,
		details={"reason": handoff.reasons.get("return_reason")} if t.action == "Return" else None,
	)
	return Move(fields, event, task_updates, system_moves)


def plan_task_action(
	t: S.Transition,
	task: TaskFacts,
	request: RequestFacts,
	clock: Clock,
	*,
	actor: str,
	after: str,
	completed: Completed | None = None,
	assignee: str | None = None,
	rule: str | None = None,
) -> tuple[Move, Plan]:
	"""One decision for a task's move: what it sets and its event, and what the request does next (engine.plans.
	plan_progress over the request's tasks with this one already moved)."""
	move = plan_task_move(t, task, actor=actor, now=clock.now, after=after, assignee=assignee, rule=rule)
	moved = tuple(
		replace(
			row,
			status=after,
			claimed_by=move.fields.get("claimed_by", row.claimed_by) or "",
			awaiting_handoff=move.fields.get("awaiting_handoff", row.awaiting_handoff) or "",
		)
		if row.name == task.name
		else row
		for row in request.tasks
	)
	return move, plan_progress(replace(request, tasks=moved), clock, completed)


@dataclass(frozen=True)
class CancelPlan:
	"""Cancelling a request: each pending handoff and open task withdrawn (by name, with its move), the request's
	update, and its own `cancelled` event after theirs."""

	handoffs: tuple[tuple[str, Move], ...]
	tasks: tuple[tuple[str, Move], ...]
	request_update: Mapping[str, Any]
	event: Event


def plan_cancel(
	status: str,
	reason: str,
	tasks: tuple[TaskFacts, ...],
	handoffs: tuple[HandoffFacts, ...],
	*,
	actor: str,
	now: datetime,
) -> CancelPlan:
	"""The request workflow's Cancel (workflows/flow_request.json): only from an open state, only with a reason;
	its open tasks and pending handoffs are withdrawn by the engine. (Who may cancel is the shell's to check.)"""
	if "Cancel" not in S.REQUEST.actions(status):
		raise Refusal({"request": f"it is already {status}"}, "Not possible now", one_line=True)
	if not (reason or "").strip():
		raise Refusal({"reason": "say why the request is cancelled."}, "Reason required", one_line=True)
	withdraw = S.HANDOFF.between(S.PENDING, S.CANCELLED, by="system")
	planned_handoffs = tuple((h.name, plan_handoff_move(withdraw, h, actor=actor, now=now)) for h in handoffs)
	planned_tasks = tuple(
		(
			t.name,
			plan_task_move(
				S.TASK.between(t.before, S.CANCELLED, by="system"), t, actor=actor, now=now, after=S.CANCELLED
			),
		)
		for t in tasks
		if t.before in S.TASK_OPEN
	)
	return CancelPlan(
		planned_handoffs,
		planned_tasks,
		{"status": S.REQ_CANCELLED, "open_key": None, **NOWHERE},
		Event("cancelled", from_state=status, to_state=S.REQ_CANCELLED, details={"reason": reason}),
	)
