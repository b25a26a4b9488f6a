"""The sweep's follow-ups: a task's or request's follow-up date, and an owned Flow Follow Up (seam 5), each nudges
its owner once per due date."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from everstep_flow.clock.nudges import send
from everstep_flow.clock.sweep_rows import Report, candidates, mark_once
from everstep_flow.engine import states as S
from everstep_flow.engine.escalation import CLAIMANT, Nudge

Task, Request, FollowUp = DocType("Flow Task"), DocType("Flow Request"), DocType("Flow Follow Up")


def follow_ups(now, report: Report) -> int:
	"""A due follow-up nudges the owner once per follow-up date and brings the item to the top of its list."""
	sent = 0
	for table, doctype in ((Task, "Flow Task"), (Request, "Flow Request")):
		due = (table.follow_up_on <= now) & (
			table.follow_up_sent_for.isnull() | (table.follow_up_sent_for != table.follow_up_on)
		)
		open_states = S.TASK_OPEN if doctype == "Flow Task" else S.REQ_OPEN_STATES
		query = frappe.qb.from_(table).select("*").where(due & table.status.isin(open_states))
		for row in candidates(query, report):
			if not mark_once(table, row.name, table.follow_up_sent_for, row.follow_up_on, now):
				continue  # another worker got it
			if doctype == "Flow Task":
				team, claimant, request = row.team, row.claimed_by, row.request
			else:
				team = frappe.get_cached_value("Flow Service", row.service, "owner_team")
				claimant, request = None, row.name
			audience = "claimant" if claimant else ("team" if team else "managers")
			send(
				Nudge(CLAIMANT, audience, False),
				request,
				team=team,
				claimant=claimant,
				doctype=doctype,
				name=row.name,
				subject=f"Follow up: {row.get('title') or row.get('subject')}",
				kind="follow_up",
			)
			sent += 1
			report.settle()
	return sent + owned_follow_ups(now, report)


def owned_follow_ups(now, report: Report) -> int:
	"""Seam 5: a Flow Follow Up that comes due nudges its owner (or its team) once per due date; the first worker
	to mark it wins, so two sweeps never nudge twice."""
	sent = 0
	due = (FollowUp.due_on <= now) & (FollowUp.status == "Open")
	not_yet = FollowUp.nudged_for.isnull() | (FollowUp.nudged_for != FollowUp.due_on)
	query = frappe.qb.from_(FollowUp).select("*").where(due & not_yet).orderby(FollowUp.due_on)
	for row in candidates(query, report):
		if not mark_once(FollowUp, row.name, FollowUp.nudged_for, row.due_on, now):
			continue
		send(
			Nudge(CLAIMANT, "claimant" if row.assigned_to else "team", False),
			row.request,
			team=row.owner_team,
			claimant=row.assigned_to,
			doctype="Flow Follow Up",
			name=row.name,
			subject=f"Follow up: {row.what}",
			kind="follow_up",
			task=row.task,
		)
		sent += 1
		report.settle()
	return sent
