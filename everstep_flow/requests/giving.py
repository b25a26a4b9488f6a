"""Giving a task to a person: a claim made for them, or a held task passed on (both through the engine).

The desk's *Assign To* (api.assign), a team's dispatch (clock.dispatch) and an absence (clock.absence) give work
here, so a task's assignment always is its claim: one `claimed` or `reassigned` event, one open ToDo.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.base import ledger
from everstep_flow.engine import assignments as A
from everstep_flow.engine import states as S
from everstep_flow.requests import assignments
from everstep_flow.requests.actions import act_on_task, lock, require_access
from everstep_flow.requests.progress import move_on
from everstep_flow.teams.membership import is_manager, team_lead

FIELDS = ["status", "claimed_by", "team", "awaiting_handoff", "request", "title"]


def can_take(team: str, user: str) -> bool:
	"""An enabled member of `team`, marked Available there."""
	return bool(
		frappe.db.exists(
			"Flow Team Member",
			{"parenttype": "Flow Team", "parent": team, "user": user, "availability": "Available"},
		)
		and frappe.get_cached_value("User", user, "enabled")
	)


def give(name: str, user: str, *, rule: str | None = None, by_rule: bool = False):
	"""Give task `name` to `user`: the session user claims it themselves, or (a Flow Manager, the team's lead, the
	claimant handing it on, or the team's Assignment Rule) gives it to an available member. Refused with the
	reason otherwise; returns the task's name and holder."""
	me = frappe.session.user
	row = lock("Flow Task", name, FIELDS)
	if not by_rule:
		require_access("Flow Task", name)
	held = row.status in A.HOLDING and row.claimed_by
	if by_rule and (row.status != S.QUEUED or row.claimed_by or row.awaiting_handoff):
		frappe.throw(_("Task {0} is no longer queued.").format(name), frappe.ValidationError)
	if row.status == S.QUEUED and user == me:
		act_on_task(name, "Claim")  # a member's own claim, through the gate as any other
		return frappe._dict(name=name, claimed_by=me)
	if not (row.status == S.QUEUED or held):
		frappe.throw(
			_("Task {0} is {1}: there is nothing to assign.").format(name, _(row.status)),
			frappe.ValidationError,
		)
	if held and row.claimed_by == user:
		return frappe._dict(name=name, claimed_by=user)  # theirs already
	if not by_rule and not (is_manager(me) or me == team_lead(row.team) or (held and row.claimed_by == me)):
		frappe.throw(
			_(
				"Only the team's lead {0}, a Flow Manager or the person working on it can give task {1} to "
				"someone; claim it yourself instead."
			).format(frappe.bold(team_lead(row.team) or _("(none)")), name),
			frappe.PermissionError,
		)
	if not can_take(row.team, user):
		frappe.throw(
			_("{0} cannot take task {1}: they are not an available member of team {2}.").format(
				frappe.bold(escape_html(user)), name, frappe.bold(row.team)
			),
			frappe.ValidationError,
		)
	if held:
		reassign(frappe._dict(row, name=name), user, _("given by {0}").format(me))
		ledger.flush()
		return frappe._dict(name=name, claimed_by=user)
	if row.awaiting_handoff:
		frappe.throw(
			_("This task waits for its handoff {0} to be accepted before anyone can claim it.").format(
				frappe.bold(row.awaiting_handoff)
			),
			frappe.ValidationError,
		)
	task = frappe.get_doc("Flow Task", name, for_update=True)  # as the lock read it (requests.actions)
	task.status = S.CLAIMED
	task.flags.flow_action = S.TASK.find(S.QUEUED, "Claim")
	task.flags.flow_claim_for = user
	task.flags.flow_rule = rule
	task.save(ignore_permissions=by_rule)
	return frappe._dict(name=name, claimed_by=user)


def reassign(task, to_user: str, reason: str) -> None:
	"""A held task passes to another person (a lead's Assign To, an absence's delegate): their claim now, its
	ToDo moved, one `reassigned` event (flushed by the caller)."""
	frappe.db.set_value("Flow Task", task.name, "claimed_by", to_user)
	assignments.apply(task.name, A.Change(close=task.claimed_by, open=to_user), title=task.title)
	move_on(task.request)
	ledger.record(
		task.request,
		"reassigned",
		task=task.name,
		from_team=task.team,
		to_team=task.team,
		details={"from": task.claimed_by, "to": to_user, "reason": reason},
	)
