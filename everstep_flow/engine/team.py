"""Team membership rules: who is in a team, who leads it, who stands in for whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

AVAILABILITY = ("Available", "Away", "Left")


@dataclass(frozen=True)
class Member:
	user: str
	is_lead: bool = False
	availability: str = "Available"
	delegate: str = ""


def member_problems(members: Sequence[Member]) -> list[str]:
	"""Each message names the member at fault."""
	found: list[str] = []
	seen: set[str] = set()
	for m in members:
		if m.user in seen:
			found.append(f"{m.user} is listed more than once")
		seen.add(m.user)
		if m.availability not in AVAILABILITY:
			found.append(f"{m.user} has availability '{m.availability}'; allowed: {', '.join(AVAILABILITY)}")
		if m.delegate and m.delegate == m.user:
			found.append(f"{m.user} cannot be their own delegate")
	leads = [m.user for m in members if m.is_lead]
	if len(set(leads)) > 1:
		found.append(f"Only one member can be the lead; marked as lead: {', '.join(leads)}")
	return found


def lead_of(lead: str, members: Sequence[Member]) -> str:
	"""The team's lead: the explicit `lead` wins, else the member flagged as lead, else nobody."""
	return lead or next((m.user for m in members if m.is_lead), "")
