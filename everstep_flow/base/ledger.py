"""The Flow Event ledger: every state change writes exactly one event, flushed in one bulk insert per operation."""

from __future__ import annotations

import json
from typing import Any

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from everstep_flow.base.writers import note_change
from everstep_flow.engine.calls import CONTACT_EVENTS, latest_contacts

# What a reader of the history sees (the timeline API returns these).
TIMELINE_FIELDS = (
	"name",
	"event_type",
	"at",
	"actor",
	"task",
	"handoff",
	"from_team",
	"to_team",
	"from_state",
	"to_state",
	"is_internal",
	"details",
)
EVENT_FIELDS = ("creation", "modified", "owner", "modified_by", "docstatus", "request", *TIMELINE_FIELDS)
# What the engine says about work, not work done: these never make a request look active (a stale request's own
# nudge must not restart its staleness, or it would never reach the Flow Managers).
NOT_ACTIVITY = frozenset({"nudged", "escalated"})
# The events that carry words people wrote (comments, reasons, call summaries, notes): their details are copied to
# Flow Event Text as they are written, and search reads those few megabytes rather than the whole ledger (223,000
# such events among 2,000,000 took 0.6 s to read through the ledger's index on MariaDB, 0.09 s from the copy).
TEXT_EVENTS = frozenset(
	{
		"commented",
		"call_logged",
		"blocked",
		"returned",
		"reopened",
		"released",
		"withdrawn",
		"cancelled",
		"follow_up_done",
	}
)
TEXT_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"request",
	"is_internal",
	"details",
)


def record(
	request: str,
	event_type: str,
	*,
	task: str | None = None,
	handoff: str | None = None,
	from_team: str | None = None,
	to_team: str | None = None,
	from_state: str | None = None,
	to_state: str | None = None,
	details: dict[str, Any] | None = None,
	is_internal: int = 0,
	actor: str | None = None,
) -> None:
	"""Queue an event; it is written by `flush()` (called once per operation) or at the latest before commit."""
	now = now_datetime()
	actor = actor or frappe.session.user
	pending = frappe.local.flags.setdefault("flow_events", [])
	if not pending:
		frappe.db.before_commit.add(flush)
		frappe.db.before_rollback.add(discard)
		note_change()  # the user's copies of reports are read again after this commits
	row = {
		"name": frappe.generate_hash(length=12),
		"creation": now,
		"modified": now,
		"owner": actor,
		"modified_by": actor,
		"docstatus": 0,
		"request": request,
		"event_type": event_type,
		"at": now,
		"actor": actor,
		"task": task,
		"handoff": handoff,
		"from_team": from_team,
		"to_team": to_team,
		"from_state": from_state,
		"to_state": to_state,
		"is_internal": is_internal,
		"details": json.dumps(details, sort_keys=True, default=str) if details else None,
	}
	pending.append(tuple(row[field] for field in EVENT_FIELDS))


def record_plan(request: str, events, flush_now: bool = True) -> None:
	"""The events of a plan (engine.plans.Event), queued in order and written in one bulk insert."""
	for e in events:
		record(
			request,
			e.event_type,
			task=e.task,
			handoff=e.handoff,
			from_team=e.from_team,
			to_team=e.to_team,
			from_state=e.from_state,
			to_state=e.to_state,
			details=dict(e.details) if e.details else None,
			is_internal=e.is_internal,
		)
	if flush_now:
		flush()


MAX_PARAMETERS = 30_000  # per statement: MariaDB and PostgreSQL both stop at 65,535 placeholders


# The standard columns of a row written in bulk (a request's values, a claim's ToDo).
STANDARD_FIELDS = ("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx")


def standard_row(name: str, now, user: str) -> dict:
	return {
		"name": name,
		"creation": now,
		"modified": now,
		"owner": user,
		"modified_by": user,
		"docstatus": 0,
		"idx": 0,
	}


def insert_rows(doctype: str, fields: tuple[str, ...], rows: list[tuple]) -> None:
	"""Parameterised INSERTs of many rows, as few as the placeholder limit allows (what Frappe's bulk_insert does,
	without building it through pypika: the ledger writes on every action). Portable: Frappe's PostgreSQL layer
	turns the backticks into quotes."""
	columns = ", ".join(f"`{field}`" for field in fields)
	one = "(" + ", ".join(["%s"] * len(fields)) + ")"
	per_statement = max(1, MAX_PARAMETERS // len(fields))
	for start in range(0, len(rows), per_statement):
		chunk = rows[start : start + per_statement]
		frappe.db.sql(
			f"insert into `tab{doctype}` ({columns}) values {', '.join([one] * len(chunk))}",
			[value for row in chunk for value in row],
		)


def flush() -> None:
	pending = frappe.local.flags.pop("flow_events", None)
	if pending:
		insert_rows("Flow Event", EVENT_FIELDS, pending)
		write_texts(pending)
		_tell_listeners(pending)
		# Activity resets staleness: one set-based update for every request touched by this operation
		# (a request inserted by this operation already carries it).
		fresh = frappe.local.flags.pop("flow_fresh_requests", set())
		request_at, time_at = EVENT_FIELDS.index("request"), EVENT_FIELDS.index("at")
		kind_at = EVENT_FIELDS.index("event_type")
		activity = [row for row in pending if row[kind_at] not in NOT_ACTIVITY]
		touched = list({row[request_at] for row in activity} - fresh)
		request = DocType("Flow Request")
		if touched:
			(
				frappe.qb.update(request)
				.set(request.last_event_at, activity[-1][time_at])
				.set(request.history_at, pending[-1][time_at])
				.set(request.stale_level, 0)
				.where(request.name.isin(touched))
			).run()
		# A nudge is no activity, but it is history: the client timeline orders requests by history_at.
		quiet = list({row[request_at] for row in pending} - set(touched) - fresh)
		if quiet:
			frappe.qb.update(request).set(request.history_at, pending[-1][time_at]).where(
				request.name.isin(quiet)
			).run()
		_keep_last_contacts(pending)


def _keep_last_contacts(pending: list[tuple]) -> None:
	"""The latest contact with the customer, kept on the request as the ledger writes it (engine.calls.contact_at):
	the Five Seam Audit compares it with each waiting task's start instead of reading every waiting request's
	calls and comments. Never moves back: a call logged late may have happened before the last one."""
	request_at, kind_at = EVENT_FIELDS.index("request"), EVENT_FIELDS.index("event_type")
	details_at, time_at = EVENT_FIELDS.index("details"), EVENT_FIELDS.index("at")
	latest = latest_contacts(
		(row[request_at], row[kind_at], details_of({"details": row[details_at]}), row[time_at])
		for row in pending
		if row[kind_at] in CONTACT_EVENTS
	)
	request = DocType("Flow Request")
	for name, at in latest.items():
		(
			frappe.qb.update(request)
			.set(request.last_customer_contact, at)
			.where(
				(request.name == name)
				& (request.last_customer_contact.isnull() | (request.last_customer_contact < at))
			)
		).run()


def write_texts(events: list[tuple]) -> None:
	"""The Flow Event Text rows of these ledger rows (EVENT_FIELDS): one per text event with details, under the
	event's name."""
	kind_at, details_at = EVENT_FIELDS.index("event_type"), EVENT_FIELDS.index("details")
	at = [EVENT_FIELDS.index(field) for field in TEXT_FIELDS]
	texts = [tuple(row[i] for i in at) for row in events if row[kind_at] in TEXT_EVENTS and row[details_at]]
	if texts:
		insert_rows("Flow Event Text", TEXT_FIELDS, texts)


def _tell_listeners(pending: list[tuple]) -> None:
	"""Hooks `everstep_flow_events_written`: who follows the ledger (a host document told of its request's
	milestones, seams.host_posts) hears of each operation's events once they are written."""
	listeners = frappe.get_hooks("everstep_flow_events_written")
	if listeners:
		rows = [dict(zip(EVENT_FIELDS, row, strict=True)) for row in pending]
		for listener in listeners:
			frappe.get_attr(listener)(rows)


def details_of(event) -> dict[str, Any]:
	"""An event's details as an object: MariaDB returns the JSON column as text, PostgreSQL already parsed."""
	details = event.get("details")
	if isinstance(details, str):
		try:
			details = json.loads(details)
		except ValueError:
			return {}
	return details if isinstance(details, dict) else {}


def inserted_fresh(request_name: str) -> None:
	"""The caller wrote last_event_at with the request itself: flush need not update it."""
	frappe.local.flags.setdefault("flow_fresh_requests", set()).add(request_name)


def discard() -> None:
	"""Events of a failed (rolled back) operation are never written."""
	frappe.local.flags.pop("flow_events", None)
