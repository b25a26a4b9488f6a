"""Who sees what. One SQL condition per doctype and kind of access, shared by both permission hooks:
`*_query` hands it to Frappe for lists, reports, counts and /api/resource; `has_*_permission` evaluates the same
condition for one document.

- Flow Manager / System Manager: everything (no condition).
- Flow Agent: tasks of their teams; requests and handoffs touching their teams; events of those requests.
- Requester (desk or website user): their own requests, the tasks of those, and their non-internal events (read).
- Guest: nothing (and no role permission either).

Writing is narrower than reading: an agent writes only their teams' tasks and the requests those tasks belong to; a
requester writes nothing (a requester who is also an agent does not move another team's task on their request).

The conditions are written on the outer table (`tabFlow Task`.`team` in (...)), never as `name in (select name
from the same table ...)`: on a million tasks that self-join made every list count of an agent 10x slower than an
Administrator's. Values are escaped with frappe.db.escape; the SQL is portable (Frappe turns the backticks into
PostgreSQL's double quotes).
"""

from __future__ import annotations

import frappe

from everstep_flow.runtime.membership import has_requests, is_manager, user_teams

READ_TYPES = {None, "read", "select", "print", "email", "export", "report"}
NEVER = "1=0"


def _in(values: list[str]) -> str:
	return ", ".join(frappe.db.escape(v) for v in values)


def _team_requests(teams: list[str]) -> str:
	return f"select `request` from `tabFlow Task` where `team` in ({_in(teams)})"


OWN_REQUESTS_INLINE = 1000


def _own_requests(user: str) -> str | None:
	"""The user's own requests as a list the database can look up by index (most agents have none, and then the
	clause is left out); a subquery only for someone with very many."""
	if not has_requests(user):
		return None
	own = frappe.get_all(
		"Flow Request",
		filters={"requester": user},
		pluck="name",
		limit=OWN_REQUESTS_INLINE + 1,
		order_by=None,
	)
	if not own:
		return None
	if len(own) <= OWN_REQUESTS_INLINE:
		return _in(own)
	return f"select `name` from `tabFlow Request` where `requester` = {frappe.db.escape(user)}"


def _any(*conditions: str | None) -> str:
	present = [f"({c})" for c in conditions if c]
	return " or ".join(present) if present else NEVER


def request_condition(user: str, write: bool = False) -> str | None:
	teams = user_teams(user)
	own = not write and has_requests(user)  # most agents never requested anything: no OR for the planner
	return _any(
		f"`tabFlow Request`.`name` in ({_team_requests(teams)})" if teams else None,
		f"`tabFlow Request`.`requester` = {frappe.db.escape(user)}" if own else None,
	)


def task_condition(user: str, write: bool = False) -> str | None:
	teams = user_teams(user)
	own = None if write else _own_requests(user)
	return _any(
		f"`tabFlow Task`.`team` in ({_in(teams)})" if teams else None,
		f"`tabFlow Task`.`request` in ({own})" if own else None,
	)


def handoff_condition(user: str, write: bool = False) -> str | None:
	teams = user_teams(user)
	if not teams:
		return NEVER  # handoffs are between teams; requesters never see them
	return f"`tabFlow Handoff`.`from_team` in ({_in(teams)}) or `tabFlow Handoff`.`to_team` in ({_in(teams)})"


def event_condition(user: str, write: bool = False) -> str | None:
	if write:
		return NEVER  # the ledger is append-only
	teams = user_teams(user)
	own = _own_requests(user)
	return _any(
		f"`tabFlow Event`.`request` in ({_team_requests(teams)})" if teams else None,
		f"`tabFlow Event`.`request` in ({own}) and `tabFlow Event`.`is_internal` = 0" if own else None,
	)


def follow_up_condition(user: str, write: bool = False) -> str | None:
	"""Follow-ups owned by the user or their teams, and those on requests their teams work on (read)."""
	teams = user_teams(user)
	return _any(
		f"`tabFlow Follow Up`.`assigned_to` = {frappe.db.escape(user)}",
		f"`tabFlow Follow Up`.`owner_team` in ({_in(teams)})" if teams else None,
		f"`tabFlow Follow Up`.`request` in ({_team_requests(teams)})" if teams and not write else None,
	)


CONDITIONS = {
	"Flow Follow Up": follow_up_condition,
	"Flow Request": request_condition,
	"Flow Task": task_condition,
	"Flow Handoff": handoff_condition,
	"Flow Event": event_condition,
}


def condition(doctype: str, user: str | None = None, ptype: str | None = None) -> str | None:
	"""The rows `user` may access in `doctype` (None: all of them)."""
	user = user or frappe.session.user
	if user == "Guest":
		return NEVER
	if is_manager(user):
		return None
	return CONDITIONS[doctype](user, write=ptype not in READ_TYPES)


def _query(doctype: str, user: str | None) -> str:
	found = condition(doctype, user)
	return f"({found})" if found else ""


def _has(doctype: str, doc, user: str | None, ptype: str | None) -> bool:
	found = condition(doctype, user, ptype)
	if found is None or doc.get("__islocal") or not doc.get("name"):
		return True  # no row restriction; or a new document, where role permissions decide
	return bool(
		frappe.db.sql(
			f"select 1 from `tab{doctype}` where `tab{doctype}`.`name` = %s and ({found}) limit 1",
			doc.name,
		)
	)


def request_query(user: str | None = None) -> str:
	return _query("Flow Request", user)


def task_query(user: str | None = None) -> str:
	return _query("Flow Task", user)


def handoff_query(user: str | None = None) -> str:
	return _query("Flow Handoff", user)


def event_query(user: str | None = None) -> str:
	return _query("Flow Event", user)


def follow_up_query(user: str | None = None) -> str:
	return _query("Flow Follow Up", user)


def has_follow_up_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool:
	return _has("Flow Follow Up", doc, user, ptype)


def has_request_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool:
	return _has("Flow Request", doc, user, ptype)


def has_task_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False) -> bool:
	return _has("Flow Task", doc, user, ptype)


def has_handoff_permission(
	doc, ptype: str | None = None, user: str | None = None, debug: bool = False
) -> bool:
	return _has("Flow Handoff", doc, user, ptype)


def has_event_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False) -> bool:
	return _has("Flow Event", doc, user, ptype)
