"""Who sees what. One SQL condition per doctype and kind of access, shared by both permission hooks:
`*_query` hands it to Frappe for lists, reports, counts and /api/resource; `has_*_permission` evaluates the same
condition for one document.

- Flow Manager / System Manager: everything (no condition).
- Flow Agent: tasks of their teams; requests and handoffs touching their teams; events of those requests.
- Requester (desk or website user): their own requests, the tasks of those, and their non-internal events (read).
- Guest: nothing (and no role permission either).

Fields of permission level 1 (a request's values, a task's outputs) are read only by the teams working on them and
Flow Managers, never by a requester (even one who is also an agent): a list query that touches them is narrowed to
those rows (`level=1`, decided by everstep_flow.reads.guard), and a document hides them (`reads_level_one`).

Writing is narrower than reading: an agent writes only their teams' tasks and the requests those tasks belong to; a
requester writes nothing (a requester who is also an agent does not move another team's task on their request).

The conditions are written on the outer table (`tabFlow Task`.`team` in (...)), never as `name in (select name
from the same table ...)`: on a million tasks that self-join made every list count of an agent 10x slower than an
Administrator's. Values are escaped with frappe.db.escape; the SQL is portable (Frappe turns the backticks into
PostgreSQL's double quotes).
"""

from __future__ import annotations

import frappe

from everstep_flow.teams.membership import has_requests, is_manager, user_teams
from everstep_flow.visibility import reads

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


def request_condition(user: str, write: bool = False, level: int = 0) -> str | None:
	teams = user_teams(user)
	# Most agents never requested anything: no OR for the planner. Level 1 is for the teams only.
	own = not write and not level and has_requests(user)
	return _any(
		f"`tabFlow Request`.`name` in ({_team_requests(teams)})" if teams else None,
		f"`tabFlow Request`.`requester` = {frappe.db.escape(user)}" if own else None,
	)


def task_condition(user: str, write: bool = False, level: int = 0) -> str | None:
	teams = user_teams(user)
	own = None if write or level else _own_requests(user)
	return _any(
		f"`tabFlow Task`.`team` in ({_in(teams)})" if teams else None,
		f"`tabFlow Task`.`request` in ({own})" if own else None,
	)


def value_condition(user: str, write: bool = False, level: int = 1) -> str | None:
	"""A request's values, read as a child table: those of requests the user's teams work on."""
	teams = user_teams(user)
	if not teams:
		return NEVER
	return (
		"`tabFlow Request Value`.`parenttype` = 'Flow Request' and "
		f"`tabFlow Request Value`.`parent` in ({_team_requests(teams)})"
	)


def handoff_condition(user: str, write: bool = False, level: int = 0) -> str | None:
	teams = user_teams(user)
	if not teams:
		return NEVER  # handoffs are between teams; requesters never see them
	return f"`tabFlow Handoff`.`from_team` in ({_in(teams)}) or `tabFlow Handoff`.`to_team` in ({_in(teams)})"


def event_condition(
	user: str, write: bool = False, level: int = 0, table: str = "tabFlow Event"
) -> str | None:
	if write:
		return NEVER  # the ledger is append-only
	teams = user_teams(user)
	own = _own_requests(user)
	return _any(
		f"`{table}`.`request` in ({_team_requests(teams)})" if teams else None,
		f"`{table}`.`request` in ({own}) and `{table}`.`is_internal` = 0" if own else None,
	)


def event_text_condition(user: str, write: bool = False, level: int = 0) -> str | None:
	"""The ledger's text copies (Flow Event Text), under the rule of the events they copy. Only search reads
	them; their doctype is the System Manager's alone."""
	return event_condition(user, write, level, table="tabFlow Event Text")


def follow_up_condition(user: str, write: bool = False, level: int = 0) -> str | None:
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
	"Flow Event Text": event_text_condition,
	"Flow Request Value": value_condition,
}


def condition(doctype: str, user: str | None = None, ptype: str | None = None, level: int = 0) -> str | None:
	"""The rows `user` may access in `doctype` (None: all of them); `level` 1: whose level-1 fields they read."""
	user = user or frappe.session.user
	if user == "Guest":
		return NEVER
	if is_manager(user):
		return None
	return CONDITIONS[doctype](user, write=ptype not in READ_TYPES, level=level)


def _query(doctype: str, user: str | None) -> str:
	user = user or frappe.session.user
	level = 0
	if query := reads.query_being_built(doctype):
		reads.fit_query(doctype, query)
		if user != "Guest" and not is_manager(user):
			level = reads.guard(doctype, query)
	found = condition(doctype, user, level=level)
	return f"({found})" if found else ""


def row_permlevels(doc, levels: list[int], permission_type: str) -> list[int]:
	"""The levels of `doc` its user may read: their roles' levels, without 1 on a row they only requested."""
	if permission_type != "read" or not any(levels) or doc.get("__islocal") or not doc.get("name"):
		return levels
	if reads_level_one(doc.doctype, doc.name):
		return levels
	return [level for level in levels if not level]


def reads_level_one(doctype: str, name: str, user: str | None = None) -> bool:
	"""Does `user` read the level-1 fields of this request or task (values, outputs)?"""
	found = condition(doctype, user, level=1)
	if found is None:
		return True
	return bool(
		frappe.db.sql(
			f"select 1 from `tab{doctype}` where `tab{doctype}`.`name` = %s and ({found}) limit 1",
			name,
		)
	)


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


def value_query(user: str | None = None) -> str:
	return _query("Flow Request Value", user)


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
