"""Find any request (issue 12, search): subject, client, requester, source document, intake values and the text of
its history, with filters; only rows the user may open (frappe.get_list applies every permission condition).

Text is matched with LIKE: the candidates from intake values and the ledger's text (Flow Event Text) are capped
(CANDIDATES each), each found only among what the user may read (values: level 1, their teams' requests; events:
the Flow Event rule, so nobody finds a request by an internal note they could not open), and then joined to the
user's own view of Flow Request, so an unreadable request never shows.
"""

from __future__ import annotations

import re
from typing import Any

import frappe

from everstep_flow.visibility import permissions

CANDIDATES = 500
FIELDS = (
	"name",
	"subject",
	"service",
	"status",
	"sla_status",
	"customer_type",
	"customer",
	"requester",
	"source_doctype",
	"source_name",
	"due_on",
	"creation",
	"modified",
)


def _matches(doctype: str, key: str, where: str, like: str) -> set[str]:
	"""`key` of the rows of `doctype` whose text is like `like`, among the rows the user may read (the doctype's
	condition in visibility.permissions), at most CANDIDATES. The text is a bound parameter: Frappe's PostgreSQL
	layer rewrites the SQL it runs, string literals included (a searched "1=1" became "1= '1'" and a 500)."""
	found = permissions.condition(doctype)
	if found == permissions.NEVER:
		return set()
	like_op = "ilike" if frappe.db.db_type == "postgres" else "like"  # as frappe.get_list matches on each
	query = f"select distinct `{key}` from `tab{doctype}` where {where} {like_op} %s"
	if found:
		query += f" and ({found})"
	return {row[0] for row in frappe.db.sql(f"{query} limit {CANDIDATES}", like)}


def _ledger_matches(like: str) -> set[str]:
	"""Requests whose history has the text in an event the user may read: the copies of the text events' details
	(Flow Event Text, written with each event by base.ledger), under the Flow Event rule (their teams' requests:
	every event; requests they only requested: the events that are not internal)."""
	return _matches("Flow Event Text", "request", "`details`", like)


def _value_matches(like: str) -> set[str]:
	"""Requests with an intake value like the text, among those whose values the user reads (level 1: their
	teams' requests; a requester reads none, so their search never confirms a value)."""
	return _matches("Flow Request Value", "parent", "`parenttype` = 'Flow Request' and `value`", like)


def _inline_like(like: str) -> str:
	"""The pattern as frappe.get_list may write it into its SQL: on PostgreSQL Frappe rewrites `=1`, `>5`, `<2`
	into `= '1'`… and `from tab…` into `from "tab…"`, inside string literals too. There the operator (or the space)
	is matched by `_`, any one character: a search for "1=1" also finds "1x1" in a subject, never a 500."""
	if frappe.db.db_type != "postgres":
		return like
	like = re.sub(r"[=><](?=\s*[+-]?\d)", "_", like)
	return re.sub(r"(?i)(from) (tab)", r"\1_\2", like)


def search(
	text: str | None,
	*,
	service: str | None = None,
	team: str | None = None,
	status: str | None = None,
	sla_status: str | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	start: int = 0,
	limit: int = 20,
) -> list[dict[str, Any]]:
	filters: dict[str, Any] = {}
	if service:
		filters["service"] = service
	if status:
		filters["status"] = status
	if sla_status:
		filters["sla_status"] = sla_status
	if from_date and to_date:
		filters["creation"] = ("between", (from_date, to_date))
	elif from_date:
		filters["creation"] = (">=", from_date)
	elif to_date:
		filters["creation"] = ("<=", to_date)
	if team:
		filters["name"] = ("in", _requests_of_team(team) or [""])
	or_filters = None
	if text:
		like = f"%{text}%"
		candidates = _value_matches(like) | _ledger_matches(like)
		inline = _inline_like(like)
		or_filters = [
			["subject", "like", inline],
			["name", "like", inline],
			["customer", "like", inline],
			["requester", "like", inline],
			["requester_email", "like", inline],
			["source_name", "like", inline],
		]
		if candidates:
			or_filters.append(["name", "in", sorted(candidates)])
	return frappe.get_list(
		"Flow Request",
		filters=filters,
		or_filters=or_filters,
		fields=list(FIELDS),
		order_by="modified desc",
		limit_start=start,
		limit_page_length=limit,
	)


def _requests_of_team(team: str) -> list[str]:
	"""Requests with a task of `team` that the user may see (an agent sees their own teams' tasks: filtering by
	another team finds nothing, rather than confirming which requests that team works on)."""
	return frappe.get_list(
		"Flow Task", filters={"team": team}, pluck="request", distinct=True, limit=5000, order_by=None
	)
