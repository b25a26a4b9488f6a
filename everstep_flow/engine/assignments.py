"""Claims are Frappe assignments: who holds a task has its one open ToDo, and nobody else has one.

Frappe shows who works on what through assignments (the form's *Assigned To*, the list's filter, the person's ToDo
list, the assignment notification); a claim is that, so the shell keeps one open ToDo per held task. This module
decides what a move does to it; the shell (requests.assignments) writes it. Team dispatch (`pick`) chooses who gets
a queued task by a team's Assignment Rule, among the members who can take one now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from everstep_flow.engine import states as S

# The states in which a task is someone's work: its claimant holds an open assignment.
HOLDING = (S.CLAIMED, S.IN_PROGRESS, S.BLOCKED, S.WAITING)
# Frappe's ToDo states: Closed when the work is done, Cancelled when it was taken away or given back.
CLOSED, CANCELLED = "Closed", "Cancelled"
ROUND_ROBIN, LOAD_BALANCING, BASED_ON_FIELD = "Round Robin", "Load Balancing", "Based on Field"


def holder(status: str, claimed_by: str | None) -> str:
	"""Who holds the task in this state ("" when nobody does: queued, done, cancelled, skipped)."""
	return claimed_by or "" if status in HOLDING else ""


@dataclass(frozen=True)
class Change:
	"""What a move does to the task's assignment: `close` loses theirs (as `close_as`), `open` gets one."""

	close: str = ""
	close_as: str = CANCELLED
	open: str = ""

	@property
	def assigned(self) -> list[str]:
		"""The task's `_assign` after the change (Frappe's list of open assignees)."""
		return [self.open] if self.open else []


def change(
	before_status: str, before_claimant: str | None, status: str, claimant: str | None
) -> Change | None:
	"""None when the holder stays; a done task's assignment is Closed, any other loss Cancelled."""
	old, new = holder(before_status, before_claimant), holder(status, claimant)
	if old == new:
		return None
	return Change(close=old, close_as=CLOSED if status == S.DONE and not new else CANCELLED, open=new)


def pick(
	rule: str,
	users: Sequence[str],
	eligible: set[str] | frozenset[str],
	*,
	last_user: str | None = None,
	loads: Mapping[str, int] | None = None,
	field_user: str | None = None,
) -> str | None:
	"""The member a team's Assignment Rule gives the next task to, among `eligible` (available, enabled, under the
	team's limit): Round Robin takes the next after `last_user` in the rule's order, Load Balancing the one with
	the fewest open assignments (the rule's order breaks ties), Based on Field the task's user if eligible. Frappe's
	own rule would give the task to someone away; this skips them and goes on as the rule would."""
	candidates = [u for u in dict.fromkeys(users) if u in eligible]
	if not candidates:
		return None
	if rule == BASED_ON_FIELD:
		return field_user if field_user in eligible else None
	if rule == LOAD_BALANCING:
		loads = loads or {}
		return min(candidates, key=lambda u: (loads.get(u, 0), candidates.index(u)))
	order = list(dict.fromkeys(users))
	start = order.index(last_user) + 1 if last_user in order else 0
	for user in order[start:] + order[:start]:
		if user in eligible:
			return user
	return None


def deal(
	rule: str,
	users: Sequence[str],
	available: set[str] | frozenset[str],
	tasks: int,
	*,
	last_user: str | None = None,
	loads: Mapping[str, int] | None = None,
	limit: int = 0,
) -> list[str | None]:
	"""Who gets each of `tasks` queued tasks in turn (None: nobody can take it now), each pick counting toward the
	next (a member reaching `limit` open tasks drops out; 0 means no limit)."""
	loads = dict(loads or {})
	picked: list[str | None] = []
	for _ in range(tasks):
		eligible = {u for u in available if not limit or loads.get(u, 0) < limit}
		user = pick(rule, users, eligible, last_user=last_user, loads=loads)
		picked.append(user)
		if user is None:
			continue
		loads[user] = loads.get(user, 0) + 1
		last_user = user
	return picked
