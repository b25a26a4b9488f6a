"""Who is nudged, at which level, about an item that waits too long. Decided here; the shell only queries and sends.

Ladder: level 1 the claimant (or, for unclaimed work, the team), 2 the team's members, 3 the team lead, 4 the Flow
Managers. Each level starts a set time after the item became due. An item remembers the highest level already sent
(`sent_level`), so a second sweep at the same moment sends nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from everstep_flow.engine.plans import Clock

CLAIMANT, TEAM, LEAD, MANAGERS = 1, 2, 3, 4
LEVEL_NAMES = {CLAIMANT: "claimant", TEAM: "team", LEAD: "lead", MANAGERS: "managers"}


@dataclass(frozen=True)
class Ladder:
	"""Minutes after the due moment at which each level is reached."""

	claimant: int = 0
	team: int = 240
	lead: int = 480
	managers: int = 1440

	def thresholds(self) -> tuple[tuple[int, int], ...]:
		return ((CLAIMANT, self.claimant), (TEAM, self.team), (LEAD, self.lead), (MANAGERS, self.managers))

	def __post_init__(self):
		values = [self.claimant, self.team, self.lead, self.managers]
		if any(v < 0 for v in values) or values != sorted(values):
			raise ValueError(
				"Ladder steps must be non-negative and in order: claimant <= team <= lead <= managers"
			)


@dataclass(frozen=True)
class Nudge:
	level: int
	audience: str  # claimant | team | lead | managers
	is_escalation: bool  # beyond the first level


def level_for(overdue_minutes: float, ladder: Ladder) -> int:
	"""The highest level reached `overdue_minutes` after the due moment (0: not due yet)."""
	if overdue_minutes < 0:
		return 0
	reached = 0
	for level, after in ladder.thresholds():
		if overdue_minutes >= after:
			reached = level
	return reached


def decide(
	overdue_minutes: float, sent_level: int, ladder: Ladder, has_claimant: bool = True
) -> Nudge | None:
	"""The nudge to send now, or None. Skipped levels are not sent one by one: the highest reached level is."""
	level = level_for(overdue_minutes, ladder)
	if level <= sent_level:
		return None
	audience = LEVEL_NAMES[level]
	if audience == "claimant" and not has_claimant:
		audience = "team"
	return Nudge(level, audience, is_escalation=level > CLAIMANT)


# ---------------------------------------------------------------------------------------- the sweep's plan


@dataclass(frozen=True)
class Waiting:
	"""An item the sweep read: due since `since` (the site's naive time), `sent_level` already sent; `about` is
	what its nudge says (team, claimant, subject, kind)."""

	name: str
	request: str
	since: datetime
	sent_level: int
	about: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Raise:
	"""Raise `name` from `sent_level` to `nudge.level` (compare-and-set: one worker wins) and send `nudge`."""

	name: str
	request: str
	sent_level: int
	nudge: Nudge
	about: Mapping[str, Any]


def plan_climb(items: Iterable[Waiting], ladder: Ladder, clock: Clock) -> list[Raise]:
	"""Every nudge due now, at the highest level each item's lateness reached (round-the-clock minutes in the
	site's timezone: a daylight-saving change counts as the hour it is)."""
	raises = []
	for item in items:
		lateness = clock.minutes_between("", item.since, clock.now)
		nudge = decide(lateness, item.sent_level, ladder, has_claimant=bool(item.about.get("claimant")))
		if nudge:
			raises.append(Raise(item.name, item.request, item.sent_level, nudge, item.about))
	return raises


def plan_stale(items: Iterable[Waiting], later: datetime) -> list[Raise]:
	"""Requests without activity: their service's owner team lead first, the Flow Managers once it lasts (`since`
	at or before `later`); a service without an owner team goes to the managers at once."""
	raises = []
	for item in items:
		level = MANAGERS if item.since <= later else LEAD
		audience = "lead" if level == LEAD and item.about.get("team") else "managers"
		raises.append(
			Raise(item.name, item.request, item.sent_level, Nudge(level, audience, level > LEAD), item.about)
		)
	return raises
