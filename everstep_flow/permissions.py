"""Who sees what. One query-builder condition per doctype, shared by both permission hooks (as frappe/crm does):
`*_query` renders it for lists, reports and /api/resource; `has_*_permission` evaluates it for one document.

- Flow Manager / System Manager: everything (no condition).
- Flow Agent: tasks of their teams; requests and handoffs touching their teams; events of those requests.
- Requester (desk or website user): their own requests, the tasks of those, and their non-internal events.
- Guest: nothing (and no role permission either).

Role permissions in the doctype JSON decide what kind of access (read, write...); these conditions decide which
rows. Portable SQL only: subqueries built with frappe.qb.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from pypika.terms import Criterion

from everstep_flow.runtime.membership import is_manager, user_teams

Request = DocType("Flow Request")
Task = DocType("Flow Task")
Handoff = DocType("Flow Handoff")
Event = DocType("Flow Event")


def _never(table) -> Criterion:
	return table.name.isnull()  # a name is never null: matches no row


def _team_requests(teams: list[str]):
	return frappe.qb.from_(Task).select(Task.request).where(Task.team.isin(teams))


def _own_requests(user: str):
	return frappe.qb.from_(Request).select(Request.name).where(Request.requester == user)


def _any(table, *conditions: Criterion | None) -> Criterion:
	present = [c for c in conditions if c is not None]
	if not present:
		return _never(table)
	combined = present[0]
	for c in present[1:]:
		combined = combined | c
	return combined


def request_condition(user: str) -> Criterion | None:
	if is_manager(user):
		return None
	if user == "Guest":
		return _never(Request)
	teams = user_teams(user)
	return _any(
		Request, Request.requester == user, Request.name.isin(_team_requests(teams)) if teams else None
	)


def task_condition(user: str) -> Criterion | None:
	if is_manager(user):
		return None
	if user == "Guest":
		return _never(Task)
	teams = user_teams(user)
	return _any(Task, Task.team.isin(teams) if teams else None, Task.request.isin(_own_requests(user)))


def handoff_condition(user: str) -> Criterion | None:
	if is_manager(user):
		return None
	teams = user_teams(user) if user != "Guest" else []
	if not teams:
		return _never(Handoff)  # handoffs are between teams; requesters never see them
	return Handoff.from_team.isin(teams) | Handoff.to_team.isin(teams)


def event_condition(user: str) -> Criterion | None:
	if is_manager(user):
		return None
	if user == "Guest":
		return _never(Event)
	teams = user_teams(user)
	return _any(
		Event,
		Event.request.isin(_team_requests(teams)) if teams else None,
		Event.request.isin(_own_requests(user)) & (Event.is_internal == 0),
	)


CONDITIONS = {
	"Flow Request": (Request, request_condition),
	"Flow Task": (Task, task_condition),
	"Flow Handoff": (Handoff, handoff_condition),
	"Flow Event": (Event, event_condition),
}


def _query(doctype: str, user: str | None) -> str:
	table, condition = CONDITIONS[doctype]
	criterion = condition(user or frappe.session.user)
	if criterion is None:
		return ""
	rows = frappe.qb.from_(table).select(table.name).where(criterion)
	return f"`tab{doctype}`.`name` in ({rows.get_sql()})"


def _has(doctype: str, doc, user: str | None) -> bool:
	table, condition = CONDITIONS[doctype]
	criterion = condition(user or frappe.session.user)
	if criterion is None or doc.get("__islocal") or not doc.get("name"):
		return True  # no row restriction; or a new document, where role permissions decide
	return bool(
		frappe.qb.from_(table).select(table.name).where((table.name == doc.name) & criterion).limit(1).run()
	)


def request_query(user: str | None = None) -> str:
	return _query("Flow Request", user)


def task_query(user: str | None = None) -> str:
	return _query("Flow Task", user)


def handoff_query(user: str | None = None) -> str:
	return _query("Flow Handoff", user)


def event_query(user: str | None = None) -> str:
	return _query("Flow Event", user)


def has_request_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool:
	return _has("Flow Request", doc, user)


def has_task_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False) -> bool:
	return _has("Flow Task", doc, user)


def has_handoff_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool:
	return _has("Flow Handoff", doc, user)


def has_event_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False) -> bool:
	return _has("Flow Event", doc, user)
