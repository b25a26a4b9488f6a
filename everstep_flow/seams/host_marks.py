"""How far each host document has been told of its request's events: the mark on its Flow Trigger Firing.

An event's time is taken when it is recorded, before its transaction commits, so a slow move may commit after a
quicker one whose events were already posted. The mark therefore looks back a few minutes and remembers which events
of those minutes it posted (`posted_recent`): a late event is posted once, and nothing twice. The mark moves by
compare-and-set on both fields: of two workers posting the same request, only the one that moves it posts.
"""

from __future__ import annotations

import json
from typing import Any

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_to_date, get_datetime, now_datetime

from everstep_flow.hosts import crm, helpdesk, installed

FIRING = "Flow Trigger Firing"
POSTED = ("Done", "Linked")  # a firing that started, or was linked to, its request
HOSTS = (helpdesk.TICKET, crm.DEAL)  # the source doctypes that are told of their request's work
LOOK_BACK_MINUTES = 10  # longer than any move's transaction
CATCH_UP_DAYS = 2
EVENT_FIELDS = (
	"name",
	"creation",
	"event_type",
	"task",
	"handoff",
	"from_team",
	"to_team",
	"to_state",
	"actor",
	"is_internal",
	"details",
)


def any_host() -> bool:
	"""Is one of the host doctypes that follow their requests installed? (cached: no query)"""
	return any(installed(doctype) for doctype in HOSTS)


def host_of(doctype: str):
	"""The module that speaks to this host doctype: state, settings_for, closed_statuses, may_reply, comment,
	reply, set_status."""
	return helpdesk if doctype == helpdesk.TICKET else crm


def links_of(request: str) -> list[frappe._dict]:
	"""The host documents that follow `request` (the firings that started it or were linked to it)."""
	return frappe.get_all(
		FIRING,
		filters={"request": request, "reference_doctype": ("in", HOSTS), "status": ("in", POSTED)},
		fields=[
			"name",
			"reference_doctype",
			"reference_name",
			"status",
			"posted_until",
			"posted_recent",
			"finished_on",
		],
		order_by="creation asc",
	)


def unposted(link, request: str) -> tuple[list, Any, str]:
	"""The request's events this host document has not been told of, in order, and the mark after them (time,
	recent names). A document linked to a request another one started hears only what happened since."""
	recent = set(json.loads(link.posted_recent or "[]"))
	since = add_to_date(link.posted_until, minutes=-LOOK_BACK_MINUTES) if link.posted_until else None
	if link.status == "Linked" and link.finished_on:
		# never what happened before it joined, however far the mark looks back
		since = max(get_datetime(since), get_datetime(link.finished_on)) if since else link.finished_on
	filters: dict[str, Any] = {"request": request}
	if since:
		filters["creation"] = (">", since)
	fetched = frappe.get_all(
		"Flow Event",
		filters=filters,
		fields=list(EVENT_FIELDS),
		order_by="creation asc, name asc",
		limit=2000,
	)
	events = [e for e in fetched if e.name not in recent]
	times = [get_datetime(e.creation) for e in fetched]
	if link.posted_until:
		times.append(get_datetime(link.posted_until))
	mark = max(times) if times else now_datetime()
	window = add_to_date(mark, minutes=-LOOK_BACK_MINUTES)
	kept = sorted(e.name for e in fetched if get_datetime(e.creation) > window)
	return events, mark, json.dumps(kept)


def advance(link, mark, recent: str) -> bool:
	"""Compare-and-set of the mark: True for the one worker that moved it."""
	f = DocType(FIRING)
	query = (
		frappe.qb.update(f)
		.set(f.posted_until, mark)
		.set(f.posted_recent, recent)
		.where(f.name == link.name)
		.where(Coalesce(f.posted_recent, "") == (link.posted_recent or ""))
	)
	query = query.where(
		f.posted_until.isnull() if link.posted_until is None else f.posted_until == link.posted_until
	)
	query.run()
	return bool(frappe.db._cursor.rowcount)


def behind_requests(now=None, limit: int = 200) -> list[str]:
	"""Requests active in the last days whose host documents have not been told of their latest events."""
	if not any_host():
		return []
	f, r = DocType(FIRING), DocType("Flow Request")
	since = add_to_date(now or now_datetime(), days=-CATCH_UP_DAYS)
	return (  # recent activity first (indexed), then its firings (indexed by request)
		frappe.qb.from_(r)
		.join(f)
		.on(f.request == r.name)
		.select(f.request)
		.distinct()
		.where(r.last_event_at >= since)
		.where(f.reference_doctype.isin(HOSTS))
		.where(f.status.isin(POSTED))
		.where(f.posted_until.isnull() | (r.history_at > f.posted_until))
		.limit(limit)
		.run(pluck=True)
	)
