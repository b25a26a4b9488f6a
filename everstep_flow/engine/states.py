"""State machines of tasks, handoffs and requests.

One table per machine is the single source of truth, declared as data in everstep_flow/workflows/ (one JSON file per
doctype: states with their indicator colour, transitions with who may make each and what each needs): the gate
(requests.transitions) checks every move against it, the desk's buttons are the moves it allows the person now
(`task_moves`, `handoff_moves`), and the README's tables and the desk's colours are checked against it. Transitions `by`
"member" are what people do (buttons, REST methods); "system" transitions are what the engine does on their behalf
(reopening a task whose handoff came back, withdrawing a task whose handoff was returned) and have no button.

Frappe's Workflow is not used for these documents: its bookkeeping cost nine queries on every move (about half of an
intake) and its Workflow Action rows listed other teams' tasks to every agent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

AGENT, MANAGER = "Flow Agent", "Flow Manager"

# Task states
QUEUED = "Queued"
CLAIMED = "Claimed"
IN_PROGRESS = "In Progress"
BLOCKED = "Blocked"
WAITING = "Waiting on Customer"
DONE = "Done"
SKIPPED = "Skipped"
CANCELLED = "Cancelled"

TASK_STATES = (QUEUED, CLAIMED, IN_PROGRESS, BLOCKED, WAITING, DONE, SKIPPED, CANCELLED)
TASK_OPEN = (QUEUED, CLAIMED, IN_PROGRESS, BLOCKED, WAITING)
TASK_FINISHED = (DONE, SKIPPED)  # count as done for the steps after them
TASK_CLOSED = (DONE, SKIPPED, CANCELLED)

# Handoff states
PENDING = "Pending"
ACCEPTED = "Accepted"
RETURNED = "Returned"
HANDOFF_STATES = (PENDING, ACCEPTED, RETURNED, CANCELLED)

# Request states (derived from tasks)
REQ_OPEN = "Open"
REQ_IN_PROGRESS = "In Progress"
REQ_WAITING = "Waiting on Customer"
REQ_COMPLETED = "Completed"
REQ_CANCELLED = "Cancelled"
REQUEST_STATES = (REQ_OPEN, REQ_IN_PROGRESS, REQ_WAITING, REQ_COMPLETED, REQ_CANCELLED)
REQ_OPEN_STATES = (REQ_OPEN, REQ_IN_PROGRESS, REQ_WAITING)  # work still to do

# Guards are named here and evaluated by whoever applies the transition (the gate on a document; `task_moves` for
# the buttons).
NOT_AWAITING_HANDOFF = "not_awaiting_handoff"


@dataclass(frozen=True)
class Transition:
	action: str
	source: str
	target: str
	roles: tuple[str, ...] = (AGENT, MANAGER)
	by: str = "member"
	guard: str = ""
	needs: str = ""  # a field the action requires, e.g. a reason


class IllegalTransition(ValueError):
	pass


def _each(action: str, sources: Iterable[str], target: str, **kw) -> list[Transition]:
	return [Transition(action, s, target, **kw) for s in sources]


@dataclass(frozen=True)
class Machine:
	name: str
	states: tuple[str, ...]
	initial: str
	transitions: tuple[Transition, ...]

	def find(self, source: str, action: str) -> Transition:
		for t in self.transitions:
			if t.source == source and t.action == action:
				return t
		raise IllegalTransition(f"{self.name}: cannot {action} from {source}")

	def between(self, source: str, target: str, by: str = "member") -> Transition:
		"""The transition from one state to another; unique per (source, target, by) by construction."""
		found = [t for t in self.transitions if t.source == source and t.target == target and t.by == by]
		if not found:
			raise IllegalTransition(f"{self.name}: cannot go from {source} to {target}")
		return found[0]

	def actions_by(self, by: str = "member") -> set[str]:
		"""Every action of this kind, from any state (to tell an unknown action from one that is not possible now)."""
		return {t.action for t in self.transitions if t.by == by}

	def actions(self, source: str, by: str = "member") -> list[str]:
		return [t.action for t in self.transitions if t.source == source and t.by == by]


WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
DEFAULT_ROLES = (AGENT, MANAGER)


def load_workflow(doctype: str) -> dict:
	"""everstep_flow/workflows/<doctype>.json: the states (with their indicator colour) and the transitions."""
	return json.loads((WORKFLOWS / f"{doctype.lower().replace(' ', '_')}.json").read_text())


def machine(doctype: str) -> Machine:
	"""The state machine declared in the workflow file: one Transition per source state of each entry."""
	flow = load_workflow(doctype)
	transitions = tuple(
		Transition(
			t["action"],
			source,
			t["to"],
			roles=tuple(t.get("roles", DEFAULT_ROLES)),
			by=t.get("by", "member"),
			guard=t.get("guard", ""),
			needs=t.get("needs", ""),
		)
		for t in flow["transitions"]
		for source in t["from"]
	)
	return Machine(doctype, tuple(s["state"] for s in flow["states"]), flow["initial"], transitions)


def indicators(doctype: str) -> dict[str, str]:
	return {s["state"]: s["indicator"] for s in load_workflow(doctype)["states"]}


TASK = machine("Flow Task")
HANDOFF = machine("Flow Handoff")
REQUEST = machine("Flow Request")
TASK_TRANSITIONS, HANDOFF_TRANSITIONS = TASK.transitions, HANDOFF.transitions
# States a task may be created in: Queued (work to do) or Skipped (its condition was false).
TASK_CREATION_STATES = tuple(load_workflow("Flow Task")["created_in"])


def request_status(task_states: Iterable[str], cancelled: bool = False, more_steps: bool = False) -> str:
	"""Derive a request's status from its tasks' states.

	`more_steps`: steps that have no task yet but will get one (the engine creates them as soon as they are ready,
	so this is normally False once `advance` has run). Completed means every task is Done or Skipped.
	"""
	if cancelled:
		return REQ_CANCELLED
	states = [s for s in task_states if s != CANCELLED]
	open_ = [s for s in states if s in TASK_OPEN]
	if not open_ and not more_steps:
		return REQ_COMPLETED if states else REQ_CANCELLED
	if open_ and all(s == WAITING for s in open_):
		return REQ_WAITING
	if all(s in (QUEUED, SKIPPED) for s in states):
		return REQ_OPEN  # nobody has touched it yet
	return REQ_IN_PROGRESS


# ---------------------------------------------------------------- who may do what now (the desk's buttons)


@dataclass(frozen=True)
class Actor:
	"""A person as the gate sees them for one task: what they are to its team and to the task."""

	manager: bool = False  # Flow Manager (or System Manager)
	member: bool = False  # of the task's team (or, for a handoff, of the receiving team)
	claimant: bool = False
	lead: bool = False  # of the task's team


def task_moves(status: str, awaiting_handoff: bool, actor: Actor) -> list[str]:
	"""The moves this person may make on a task now, in the machine's order: the same rules the gate enforces
	(requests.transitions), so a button is never shown for a move that would be refused."""
	if not (actor.manager or actor.member):
		return []
	moves = []
	for t in TASK.transitions:
		if t.source != status or t.by != "member":
			continue
		if t.roles == (MANAGER,) and not actor.manager:
			continue
		if t.action == "Claim":
			if awaiting_handoff:
				continue
		elif not (actor.manager or actor.claimant or (t.action == "Release" and actor.lead)):
			continue
		moves.append(t.action)
	return moves


def handoff_moves(status: str, actor: Actor) -> list[str]:
	"""Accept and Return, for the receiving team (or a Flow Manager) while the handoff is pending."""
	if not (actor.manager or actor.member):
		return []
	return [t.action for t in HANDOFF.transitions if t.source == status and t.by == "member"]
