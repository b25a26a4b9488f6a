"""Where a request is now: its open steps, the team and person holding the one that has waited longest, and since
when. The runtime stores this on the request after every task move, so lists filter and sort on indexed columns
instead of working it out per row at read time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from everstep_flow.engine.states import CLAIMED, QUEUED, TASK_OPEN

WHERE_FIELDS = ("current_steps", "current_team", "current_holder", "waiting_since")
NOWHERE = dict.fromkeys(WHERE_FIELDS)


@dataclass(frozen=True)
class LiveStep:
	title: str
	team: str
	status: str
	claimed_by: str = ""
	awaiting_handoff: bool = False
	since: datetime | None = None  # when it became workable, or was handed on while awaiting acceptance


def describe(step: LiveStep) -> str:
	"""One open step in words: "Finance approval · Finance · awaiting acceptance"."""
	parts = [step.title, step.team]
	if step.awaiting_handoff:
		parts.append("awaiting acceptance")
	else:
		parts.append(step.claimed_by or "unclaimed")
		if step.status not in (QUEUED, CLAIMED):
			parts.append(step.status.lower())
	return " · ".join(p for p in parts if p)


def where_now(steps: Iterable[LiveStep]) -> dict:
	"""The stored "where is it now" of a request from its live tasks; all empty once nothing is open."""
	live = sorted(
		(s for s in steps if s.status in TASK_OPEN),
		key=lambda s: (s.since is None, s.since or datetime.max, s.title),
	)
	if not live:
		return dict(NOWHERE)
	first = live[0]
	return {
		"current_steps": "; ".join(describe(s) for s in live)[:1000],
		"current_team": first.team,
		"current_holder": None if first.awaiting_handoff else (first.claimed_by or None),
		"waiting_since": first.since,
	}


def changed(stored: dict, computed: dict) -> dict:
	"""Only the fields that differ (datetimes compared to the second: the database may drop microseconds)."""

	def norm(value):
		if isinstance(value, str) and value:
			try:
				value = datetime.fromisoformat(value)
			except ValueError:
				return value
		if isinstance(value, datetime):
			return value.replace(microsecond=0)
		return value or None

	return {k: v for k, v in computed.items() if norm(stored.get(k)) != norm(v)}
