"""One list of people: a team whose members follow another list (a Helpdesk team's users).

The other list says who is in; the team keeps its own word on availability. So a member is never deleted (their
history, delegate and claimed work stay with the team's absence rules): someone no longer on the list is marked
Left, someone on the list who had left is Available again, and an Away member stays Away while still on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from everstep_flow.engine.team import Member

AVAILABLE, LEFT = "Available", "Left"


@dataclass(frozen=True)
class SyncPlan:
	"""What to change, by user: new members (Available), members to mark Left, Left members to make Available."""

	add: tuple[str, ...] = ()
	leave: tuple[str, ...] = ()
	rejoin: tuple[str, ...] = ()

	def __bool__(self) -> bool:
		"""False when nothing changes: the caller then writes nothing."""
		return bool(self.add or self.leave or self.rejoin)

	def availability(self) -> dict[str, str]:
		"""The new availability of each existing member the plan touches."""
		return {**dict.fromkeys(self.leave, LEFT), **dict.fromkeys(self.rejoin, AVAILABLE)}


def plan_sync(members: Sequence[Member], listed: Iterable[str]) -> SyncPlan:
	"""Make the members who have not left exactly the `listed` users, in as few changes as possible.

	Empty and repeated names are ignored (a list may hold a row without a user). A member with no availability
	counts as Available, as the team's form treats it. New members come in the list's order.
	"""
	wanted = list(dict.fromkeys(user for user in listed if user))
	on_list = set(wanted)
	leave: list[str] = []
	rejoin: list[str] = []
	seen: set[str] = set()
	for member in members:
		if not member.user or member.user in seen:
			continue
		seen.add(member.user)
		has_left = member.availability == LEFT
		if member.user in on_list and has_left:
			rejoin.append(member.user)
		elif member.user not in on_list and not has_left:
			leave.append(member.user)
	return SyncPlan(tuple(u for u in wanted if u not in seen), tuple(leave), tuple(rejoin))
