"""Find any request (issue 12, search): subject, client, requester, source document, intake values and the text of
its history, with filters; only rows the user may open (frappe.get_list applies every permission condition).

Text is matched with LIKE: the candidates from intake values and the ledger are capped (CANDIDATES each) and then
joined to the user's own view of Flow Request, so an unreadable request never shows, and a requester's search
never matches a note they may not read.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Cast

from everstep_flow.runtime.membership import is_manager, user_teams

CANDIDATES = 500
# The events that carry words people wrote (comments, reasons, call summaries, notes): the ledger search reads only
# these (index: event_type, request), a few percent of the ledger rather than all of it.
TEXT_EVENTS = (
	"commented",
	"call_logged",
	"blocked",
	"returned",
	"reopened",
	"released",
	"withdrawn",
	"cancelled",
	"follow_up_done",
)
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


def _ledger_matches(like: str) -> set[str]:
	event = DocType("Flow Event")
	text = Cast(event.details, "TEXT" if frappe.db.db_type == "postgres" else "CHAR")
	query = (
		frappe.qb.from_(event)
		.select(event.request)
		.distinct()
		.where(event.event_type.isin(TEXT_EVENTS) & text.like(like))
		.limit(CANDIDATES)
	)
	if not is_manager() and not user_teams():
		query = query.where(event.is_internal == 0)  # a requester finds nothing by a note they may not read
	return {row[0] for row in query.run()}


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
		candidates = set(
			frappe.get_all(
				"Flow Request Value",
				filters={"parenttype": "Flow Request", "value": ("like", like)},
				pluck="parent",
				limit=CANDIDATES,
			)
		)
		candidates |= _ledger_matches(like)
		or_filters = [
			["subject", "like", like],
			["name", "like", like],
			["customer", "like", like],
			["requester", "like", like],
			["requester_email", "like", like],
			["source_name", "like", like],
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
	return frappe.get_all("Flow Task", filters={"team": team}, pluck="request", distinct=True, limit=5000)
