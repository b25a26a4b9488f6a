"""Sending a nudge: the desk bell and, by each person's Notification Settings, a mail (clock.notify: Frappe's
Notification Log of a type Frappe mails), email to the team's address where one is set, and one Flow Event. Who
receives it follows the audience the core chose."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from everstep_flow.base import ledger
from everstep_flow.clock.notify import tell
from everstep_flow.engine.escalation import Nudge
from everstep_flow.visibility.orphans import available_members_of


def flow_managers() -> list[str]:
	role, user = DocType("Has Role"), DocType("User")
	return [
		row[0]
		for row in frappe.qb.from_(role)
		.join(user)
		.on(user.name == role.parent)
		.select(role.parent)
		.distinct()
		.where((role.role == "Flow Manager") & (role.parenttype == "User") & (user.enabled == 1))
		.run()
	]


def recipients(audience: str, team: str | None, claimant: str | None) -> list[str]:
	if audience == "claimant" and claimant:
		return [claimant]
	if audience in ("claimant", "team") and team:
		return sorted(available_members_of(team)) or recipients("lead", team, None)
	if audience == "lead" and team:
		lead = frappe.get_cached_value("Flow Team", team, "lead")
		if lead:
			return [lead]
	return flow_managers()


def send(
	nudge: Nudge,
	request: str,
	*,
	team: str | None,
	doctype: str,
	name: str,
	subject: str,
	kind: str,
	claimant: str | None = None,
	task: str | None = None,
) -> list[str]:
	users = tell(recipients(nudge.audience, team, claimant), doctype, name, subject)
	email = frappe.get_cached_value("Flow Team", team, "email") if team else None
	emailed = None
	if email and nudge.audience != "claimant":
		try:
			frappe.sendmail(
				recipients=[email],
				subject=subject,
				message=frappe._("{0} {1} needs attention ({2}).").format(
					frappe._(doctype), name, kind.replace("_", " ")
				),
				reference_doctype=doctype,
				reference_name=name,
			)
			emailed = email
		except frappe.OutgoingEmailError:
			emailed = "not sent: no outgoing email account"  # the bell still rings; the sweep goes on
	details = {
		"kind": kind,
		"task": task or "",
		"level": nudge.level,
		"audience": nudge.audience,
		"to": users,
	}
	if emailed:
		details["email"] = emailed
	ledger.record(
		request,
		"escalated" if nudge.is_escalation else "nudged",
		task=name if doctype == "Flow Task" else task,
		handoff=name if doctype == "Flow Handoff" else None,
		to_team=team,
		details=details,
	)
	return users
