"""Queries for the no-orphan check and team load; the core (engine.orphans) decides what is wrong."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count

from everstep_flow.catalog import definition_of
from everstep_flow.engine import states as S
from everstep_flow.engine.orphans import Finding, OpenRequest, OpenTask, find_orphans, missed_seams
from everstep_flow.seams.triggers import missed


def available_members(team: str | None = None) -> dict[str, set[str]]:
	"""Team -> members marked Available whose user is enabled (one team, or all)."""
	member, user = DocType("Flow Team Member"), DocType("User")
	condition = (
		(member.parenttype == "Flow Team") & (member.availability == "Available") & (user.enabled == 1)
	)
	if team:
		condition &= member.parent == team
	rows = (
		frappe.qb.from_(member)
		.join(user)
		.on(user.name == member.user)
		.select(member.parent, member.user)
		.where(condition)
		.run()
	)
	teams: dict[str, set[str]] = {}
	for team, who in rows:
		teams.setdefault(team, set()).add(who)
	return teams


def available_members_of(team: str) -> set[str]:
	return available_members(team).get(team, set())


def open_requests(names: list[str] | None = None) -> list[OpenRequest]:
	"""Open requests with their live tasks; cost grows with open work, not with history."""
	filters = {"status": ("in", S.REQ_OPEN_STATES)}
	if names:
		filters["name"] = ("in", names)
	requests = frappe.get_all(
		"Flow Request", filters=filters, fields=["name", "definition"], ignore_permissions=True
	)
	if not requests:
		return []
	tasks: dict[str, list[frappe._dict]] = {}
	for t in frappe.get_all(
		"Flow Task",
		filters={"request": ("in", [r.name for r in requests]), "status": ("!=", S.CANCELLED)},
		fields=["name", "request", "team", "status", "claimed_by", "step_key"],
		ignore_permissions=True,
	):
		tasks.setdefault(t.request, []).append(t)
	result = []
	for r in requests:
		live = tasks.get(r.name, [])
		steps = definition_of(r).step_keys if r.definition else ()  # an email no service took yet
		result.append(
			OpenRequest(
				r.name,
				tuple(OpenTask(t.name, t.team, t.status, t.claimed_by or "") for t in live),
				steps_without_task=len(set(steps) - {t.step_key for t in live}),
			)
		)
	return result


def disabled_teams() -> set[str]:
	return set(frappe.get_all("Flow Team", filters={"disabled": 1}, pluck="name", ignore_permissions=True))


def check_orphans() -> list[Finding]:
	return find_orphans(open_requests(), available_members(), disabled_teams()) + missed_seams(missed())


def team_load(team: str) -> list[dict]:
	"""Open tasks of a team per claimant (None = unclaimed in the queue), for the Flow Team form."""
	task = DocType("Flow Task")
	rows = (
		frappe.qb.from_(task)
		.select(task.claimed_by, task.status, Count("*").as_("count"))
		.where((task.team == team) & task.status.isin(S.TASK_OPEN))
		.groupby(task.claimed_by, task.status)
		.run(as_dict=True)
	)
	load: dict[str, dict] = {}
	for row in rows:
		entry = load.setdefault(row.claimed_by or "", {"user": row.claimed_by, "total": 0, "by_status": {}})
		entry["total"] += row["count"]
		entry["by_status"][row.status] = row["count"]
	return sorted(load.values(), key=lambda e: (e["user"] is not None, -e["total"]))
