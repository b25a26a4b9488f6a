"""A follow-up's two moves (seam 5), each one decision: Mark Done and Push (a new date, with the reason why).

The shell (clients.follow_ups) locks the follow-up, checks who acts, and applies what this returns: the fields to
set and the one ledger event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from everstep_flow.engine.calls import FOLLOW_UP_DONE, FOLLOW_UP_OPEN, FollowUpPlan, follow_up_problems
from everstep_flow.engine.plans import Event, Refusal


@dataclass(frozen=True)
class FollowUpFacts:
	name: str
	status: str
	task: str | None
	owner_team: str
	due_on: datetime | None


@dataclass(frozen=True)
class FollowUpMove:
	update: Mapping[str, Any]
	event: Event


def _still_open(f: FollowUpFacts) -> None:
	if f.status != FOLLOW_UP_OPEN:
		raise Refusal({"follow_up": f"it is already {f.status}"}, "Not possible now", one_line=True)


def plan_done(f: FollowUpFacts, note: str, *, actor: str, now: datetime) -> FollowUpMove:
	_still_open(f)
	return FollowUpMove(
		{"status": FOLLOW_UP_DONE, "done_on": now, "done_by": actor, "note": note or None},
		Event(
			"follow_up_done", task=f.task, is_internal=1, details={"follow_up": f.name, "note": note or None}
		),
	)


def plan_push(
	f: FollowUpFacts,
	due: datetime | None,
	reason: str,
	*,
	now: datetime,
	found: Mapping[str, str] | None = None,
) -> FollowUpMove:
	"""A new date in the future; the owner is nudged again when it comes (`nudged_for` cleared). `found`: what the
	shell found wrong parsing the arguments."""
	_still_open(f)
	problems = dict(found or {}) or {
		"due_on" if k == "follow_up_on" else k: v
		for k, v in follow_up_problems(FollowUpPlan(due, f.owner_team, "", "-"), now).items()
	}
	if problems:
		raise Refusal(problems, "The follow-up cannot be moved")
	return FollowUpMove(
		{"due_on": due, "nudged_for": None},
		Event(
			"follow_up_moved",
			task=f.task,
			is_internal=1,
			details={"follow_up": f.name, "from": str(f.due_on), "to": str(due), "reason": reason},
		),
	)
