"""Who is nudged, at which level, about an item that waits too long. Decided here; the shell only queries and sends.

Ladder: level 1 the claimant (or, for unclaimed work, the team), 2 the team's members, 3 the team lead, 4 the Flow
Managers. Each level starts a set time after the item became due. An item remembers the highest level already sent
(`sent_level`), so a second sweep at the same moment sends nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass

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
