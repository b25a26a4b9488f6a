"""State machines of tasks, handoffs and requests.

One table per machine is the single source of truth: the Frappe Workflow documents in `everstep_flow/workflows/` are
generated from it (`workflow_spec.py`) and a contract test fails if they ever differ. Transitions `by` "member" are
what people do (workflow buttons, REST methods); "system" transitions are what the engine does on their behalf
(reopening a task whose handoff came back, withdrawing a task whose handoff was returned) and have no button.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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

# Guards are named here and evaluated by whoever applies the transition (the shell on a document; the Workflow
# JSON carries the same guard as a transition condition so the desk hides a button that would be refused).
NOT_AWAITING_HANDOFF = "not_awaiting_handoff"
GUARD_CONDITIONS = {NOT_AWAITING_HANDOFF: "not doc.awaiting_handoff"}


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


TASK_TRANSITIONS: tuple[Transition, ...] = (
	Transition("Claim", QUEUED, CLAIMED, guard=NOT_AWAITING_HANDOFF),
	Transition("Start", CLAIMED, IN_PROGRESS),
	*_each("Release", (CLAIMED, IN_PROGRESS), QUEUED),
	Transition("Complete", IN_PROGRESS, DONE),
	Transition("Block", IN_PROGRESS, BLOCKED, needs="blocked_reason"),
	Transition("Unblock", BLOCKED, IN_PROGRESS),
	Transition("Wait on Customer", IN_PROGRESS, WAITING),
	Transition("Resume", WAITING, IN_PROGRESS),
	*_each("Cancel", TASK_OPEN, CANCELLED, roles=(MANAGER,)),
	Transition("Reopen", DONE, IN_PROGRESS, roles=(), by="system"),
	# The customer answered (portal reply or email) a task that waited on them.
	Transition("Customer Replied", WAITING, IN_PROGRESS, roles=(), by="system"),
	# The claimant became unavailable (disabled, away, left, removed): the work goes back to the team.
	*_each("Return to Queue", (CLAIMED, IN_PROGRESS, BLOCKED, WAITING), QUEUED, roles=(), by="system"),
	*_each("Withdraw", TASK_OPEN, CANCELLED, roles=(), by="system"),
)

HANDOFF_TRANSITIONS: tuple[Transition, ...] = (
	Transition("Accept", PENDING, ACCEPTED),
	Transition("Return", PENDING, RETURNED, needs="return_reason"),
	Transition("Withdraw", PENDING, CANCELLED, roles=(), by="system"),
)


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

	def actions(self, source: str, by: str = "member") -> list[str]:
		return [t.action for t in self.transitions if t.source == source and t.by == by]


TASK = Machine("Flow Task", TASK_STATES, QUEUED, TASK_TRANSITIONS)
HANDOFF = Machine("Flow Handoff", HANDOFF_STATES, PENDING, HANDOFF_TRANSITIONS)
# States a task may be created in: Queued (work to do) or Skipped (its condition was false).
TASK_CREATION_STATES = (QUEUED, SKIPPED)


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
