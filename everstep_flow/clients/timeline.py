"""One client timeline: everything about one client, newest first, one page at a time (SEAMS.md).

Each source is read newest first and only as far as the page needs (`start + limit` rows), through
`frappe.get_list`, so every permission condition applies (an agent sees what they may open; a source the user
may not read at all is left out); the core (engine.calls.merge_page) merges them. The ledger is reached through the
client's requests ordered by `history_at` (when each request's history last grew, indexed with the client): the
newest N events of a client all belong to its N requests whose history grew last, so the cost follows the page,
not the client's history.
"""

from __future__ import annotations

from typing import Any

import frappe

from everstep_flow.base import ledger
from everstep_flow.clients import timeline_crm as crm
from everstep_flow.clients import timeline_sources as staff
from everstep_flow.engine.calls import event_kind, item, merge_page, summary_of
from everstep_flow.hosts import client_records as clients

# Ledger events a portal client sees on its own timeline (no nudges, escalations, calls or follow-ups: staff notes)
PUBLIC_KINDS = ("request", "task", "handoff", "comment")
QUIET_FOR_CLIENTS = frozenset({"nudged", "escalated", "linked", "reassigned"})


def page(
	customer_type: str,
	customer: str,
	*,
	start: int = 0,
	limit: int = 20,
	kinds: tuple[str, ...],
	portal: bool = False,
) -> list[dict[str, Any]]:
	need = start + limit
	sources = []
	ledger_kinds = {"request", "task", "handoff", "call", "comment", "follow_up"} & set(kinds)
	# Staff who read no requests (a CRM user on an organization's timeline) see the sources they may read
	if ledger_kinds and (portal or staff.readable("Flow Request")):
		sources.append(_events(customer_type, customer, need, ledger_kinds, portal))
	if not portal:
		if "follow_up" in kinds and staff.readable("Flow Follow Up"):
			sources.append(staff.follow_ups(customer_type, customer, need))
		contacts = None
		if {"email", "call"} & set(kinds) and staff.readable("Communication"):
			contacts = clients.contacts_of(customer_type, customer)
			sources.append(staff.communications(customer_type, customer, contacts, need, kinds))
		if "comment" in kinds and staff.readable("Comment"):
			sources.append(staff.comments(customer_type, customer, need))
		if customer_type == "Customer":
			for kind, doctype, filters, title, fields in staff.HOST_DOCUMENTS:
				if kind in kinds and staff.readable(doctype):
					sources.append(
						staff.host_documents(kind, doctype, filters(customer), title, fields, need)
					)
		if "ticket" in kinds and staff.readable("HD Ticket"):
			contacts = contacts if contacts is not None else clients.contacts_of(customer_type, customer)
			sources.append(staff.tickets(customer_type, customer, contacts, need))
		if customer_type == crm.ORGANIZATION:  # its deals, and the notes, tasks and calls on them
			sources.extend(crm.sources(customer, need, kinds))
	ordered = [sorted(source, key=lambda i: i.sort_key, reverse=True) for source in sources]  # ties, too
	return [entry.as_dict() for entry in merge_page(ordered, start, limit)]


def _event_types(wanted: set[str], portal: bool) -> list[tuple[list[str], dict]]:
	"""The event filters for the wanted kinds: one per query (a `created` event is a request's or a task's)."""
	options = frappe.get_meta("Flow Event").get_field("event_type").options.split("\n")
	plain = [
		t
		for t in options
		if t and t != "created" and event_kind(t) in wanted and not (portal and t in QUIET_FOR_CLIENTS)
	]
	queries = [(plain, {})] if plain else []
	if {"request", "task"} <= wanted:
		queries.append((["created"], {}))
	elif "request" in wanted:
		queries.append((["created"], {"task": ("is", "not set")}))
	elif "task" in wanted:
		queries.append((["created"], {"task": ("is", "set")}))
	return queries


def _events(customer_type: str, customer: str, need: int, wanted: set[str], portal: bool) -> list:
	"""The newest `need` events of the client's requests. Requests are read in batches by history_at (newest
	first); a batch is the last one needed once the events found so far are all newer than its oldest request's
	last history, so this is exact and usually one batch."""
	getter = (
		frappe.get_all if portal else frappe.get_list
	)  # the portal: the client's own requests, public events
	types = _event_types(wanted, portal)
	found: list = []
	offset = 0
	while True:
		batch = getter(
			"Flow Request",
			filters={"customer_type": customer_type, "customer": customer},
			fields=["name", "subject", "history_at"],
			order_by="history_at desc, name desc",
			limit_start=offset,
			limit_page_length=need,
		)
		if not batch:
			break
		found = sorted(
			found + _events_of(batch, types, need, portal), key=lambda i: i.sort_key, reverse=True
		)[:need]
		oldest = batch[-1].history_at
		if len(batch) < need or (len(found) >= need and oldest is not None and found[-1].at >= oldest):
			break
		offset += need
	return found


def _events_of(requests: list, queries: list[tuple[list[str], dict]], need: int, portal: bool) -> list:
	subjects = {r.name: r.subject for r in requests}
	events = []
	for types, more in queries:
		filters: dict[str, Any] = {"request": ("in", list(subjects)), "event_type": ("in", types), **more}
		if portal:
			filters["is_internal"] = 0
		events.extend(_read_events(filters, need, portal))
	return sorted(_items(events, subjects, portal), key=lambda i: i.sort_key, reverse=True)[:need]


def _read_events(filters: dict, need: int, portal: bool) -> list:
	return (frappe.get_all if portal else frappe.get_list)(
		"Flow Event",
		filters=filters,
		fields=[
			"name",
			"event_type",
			"at",
			"actor",
			"request",
			"task",
			"from_team",
			"to_team",
			"to_state",
			"is_internal",
			"details",
		],
		order_by="at desc, name desc",
		limit=need,
	)


def _items(events: list, subjects: dict, portal: bool) -> list:
	result = []
	for event in events:
		kind = event_kind(event.event_type, bool(event.task))
		details = ledger.details_of(event)
		team = event.to_team or event.from_team
		state = f" → {event.to_state}" if event.to_state else ""
		on_task = kind == "task" and event.task and not portal
		result.append(
			item(
				kind,
				event.at,
				actor=event.actor,
				title=f"{subjects.get(event.request) or event.request}: {event.event_type.replace('_', ' ')}{state}",
				reference_doctype="Flow Task" if on_task else "Flow Request",
				reference_name=event.task if on_task else event.request,
				summary=summary_of(details) or (team or ""),
				is_internal=bool(event.is_internal),
				tiebreak=event.name,
			)
		)
	return result
