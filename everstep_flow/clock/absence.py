"""Team owns, person borrows: when someone becomes unavailable, their claimed work goes back to the team.

Triggers: the user is disabled; their team membership is set Away or Left; they are removed from a team. Each
claimed open task goes to the member's delegate when one is set and available, else back to the team queue. Each
move is one Flow Event and a Notification Log for the team lead. Coming back takes nothing from anyone.
"""

from __future__ import annotations

import frappe
from frappe import _

from everstep_flow.base import ledger
from everstep_flow.clock.notify import tell
from everstep_flow.engine import states as S
from everstep_flow.requests.giving import can_take, reassign
from everstep_flow.requests.transitions import system_move
from everstep_flow.teams.membership import team_lead

CLAIMED_STATES = (S.CLAIMED, S.IN_PROGRESS, S.BLOCKED, S.WAITING)


def on_user_update(doc, method=None) -> None:
	if doc.has_value_changed("enabled") and not doc.enabled:
		release_claims(doc.name, reason=_("{0} was disabled").format(doc.name))


def on_team_update(team) -> None:
	"""Compare the members before and after a save of a Flow Team."""
	before = team.get_doc_before_save()
	if before is None:
		return
	now = {m.user: m for m in team.members}
	for old in before.members:
		new = now.get(old.user)
		if new is None:
			release_claims(
				old.user, team.name, _("{0} left team {1}").format(old.user, team.name), old.delegate
			)
		elif new.availability != "Available" and old.availability == "Available":
			release_claims(
				old.user,
				team.name,
				_("{0} is {1} in team {2}").format(old.user, _(new.availability).lower(), team.name),
				new.delegate,
			)


def release_claims(
	user: str, team: str | None = None, reason: str = "", delegate: str | None = None
) -> list[str]:
	"""Move every claimed open task of `user` (in `team`, or in all teams) to their delegate or the team queue."""
	filters = {"claimed_by": user, "status": ("in", CLAIMED_STATES)}
	if team:
		filters["team"] = team
	moved = []
	for task in frappe.get_all(
		"Flow Task",
		filters=filters,
		fields=["name", "team", "request", "title", "claimed_by"],
		ignore_permissions=True,
	):
		stand_in = available_delegate(user, task.team, delegate)
		if stand_in:
			reassign(task, stand_in, reason)  # the claim and its assignment move to the delegate
			outcome = _("given to {0}").format(stand_in)
		else:
			system_move(task.name, S.QUEUED, flow_reason=reason)
			outcome = _("back in the {0} queue").format(task.team)
		notify_lead(task, _("{0}: {1} ({2})").format(task.title, outcome, reason))
		moved.append(task.name)
	ledger.flush()
	return moved


def available_delegate(user: str, team: str, delegate: str | None = None) -> str | None:
	"""The member's delegate, if they are an enabled, available member of the same team."""
	if delegate is None:
		delegate = frappe.db.get_value(
			"Flow Team Member", {"parenttype": "Flow Team", "parent": team, "user": user}, "delegate"
		)
	return delegate if delegate and delegate != user and can_take(team, delegate) else None


def notify_lead(task, subject: str) -> None:
	"""The lead hears where the work went (the bell, and mail where their Notification Settings allow it)."""
	if lead := team_lead(task.team):
		tell([lead], "Flow Task", task.name, subject, from_user=frappe.session.user)
