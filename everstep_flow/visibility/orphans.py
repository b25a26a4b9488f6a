"""Queries for the no-orphan check and team load; the core (engine.orphans) decides what is wrong."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from pypika.terms import ExistsCriterion

from everstep_flow.base.catalog import definition_of
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


def open_requests(
	available: dict[str, set[str]], disabled: set[str] | frozenset[str] = frozenset()
) -> list[OpenRequest]:
	"""The open requests the rule could find wrong, with their open tasks that could be: requests with no open task,
	and the open tasks of a team that is disabled or has nobody available (`available`, `disabled`), or held by
	someone not available in it. An open task of a working team, unclaimed or held by an available member, is never
	a finding, and on a busy site it is nearly every open task: the database leaves those out. Cost grows with what
	is wrong, not with open work or history; one definition is parsed per service version."""
	request, task = DocType("Flow Request"), DocType("Flow Task")
	open_ = request.status.isin(S.REQ_OPEN_STATES)
	requests = _without_open_task(open_)
	tasks: dict[str, list[frappe._dict]] = {}
	for t in (
		frappe.qb.from_(task)
		.join(request)
		.on(request.name == task.request)
		.select(
			task.name,
			task.request,
			task.team,
			task.status,
			task.claimed_by,
			request.service,
			request.service_version,
		)
		.where(open_ & task.status.isin(S.TASK_OPEN) & _may_be_wrong(task, available, disabled))
	).run(as_dict=True):
		if t.request not in tasks:
			requests.append(
				frappe._dict(name=t.request, service=t.service, service_version=t.service_version)
			)
		tasks.setdefault(t.request, []).append(t)
	# For the requests with nothing open: how many distinct steps have a live task (the rest never started)
	without = [r.name for r in requests if r.name not in tasks]
	live_steps: dict[str, int] = {}
	for chunk in range(0, len(without), 1000):
		live_steps.update(
			frappe.qb.from_(task)
			.select(task.request, Count(task.step_key).distinct())
			.where(task.request.isin(without[chunk : chunk + 1000]) & (task.status != S.CANCELLED))
			.groupby(task.request)
			.run()
		)
	steps_of: dict[tuple, tuple[str, ...]] = {}
	result = []
	for r in requests:
		key = (r.service, r.service_version)
		if key not in steps_of:
			steps_of[key] = _step_keys(r.name) if r.service else ()  # an email no service took yet has none
		live = tasks.get(r.name, [])
		result.append(
			OpenRequest(
				r.name,
				tuple(OpenTask(t.name, t.team, t.status, t.claimed_by or "") for t in live),
				steps_without_task=max(0, len(steps_of[key]) - int(live_steps.get(r.name, 0))),
			)
		)
	return result


def _without_open_task(open_) -> list[frappe._dict]:
	"""The open requests none of whose tasks is open (NOT EXISTS: the database reads the tasks, not Python)."""
	request, task = DocType("Flow Request"), DocType("Flow Task")
	open_task = (
		frappe.qb.from_(task)
		.select(task.name)
		.where((task.request == request.name) & task.status.isin(S.TASK_OPEN))
	)
	return (
		frappe.qb.from_(request)
		.select(request.name, request.service, request.service_version)
		.where(open_ & ExistsCriterion(open_task).negate())
	).run(as_dict=True)


def _may_be_wrong(task, available: dict[str, set[str]], disabled) -> object:
	"""An open task the rule could find wrong: its team is disabled or has nobody available, or it is held by
	someone who is not an available member of it (`available`: the Flow Team Member and User rows
	available_members read). Said per working team with its members listed, so that MariaDB reads the open tasks
	from the (team, status, claimed_by) index alone: a subquery per claimed task read every one of them (0.04 s
	for 14,000 open tasks)."""
	working = sorted(t for t, members in available.items() if members and t not in disabled)
	if not working:
		return task.name.notnull()  # no team can work: every open task
	wrong = task.team.isnull() | task.team.notin(working)
	for team in working:
		wrong |= (
			(task.team == team)
			& task.claimed_by.notnull()
			& (task.claimed_by != "")
			& task.claimed_by.notin(sorted(available[team]))
		)
	return wrong


def _step_keys(request_name: str) -> tuple[str, ...]:
	"""The steps of a request's snapshot; requests of one service version share it (a new version is a new
	snapshot), so this is read once per version."""
	definition = frappe.db.get_value("Flow Request", request_name, "definition")
	return definition_of(frappe._dict(definition=definition)).step_keys if definition else ()


def disabled_teams() -> set[str]:
	return set(frappe.get_all("Flow Team", filters={"disabled": 1}, pluck="name", ignore_permissions=True))


def check_orphans() -> list[Finding]:
	available, disabled = available_members(), disabled_teams()
	return find_orphans(open_requests(available, disabled), available, disabled) + missed_seams(missed())


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
