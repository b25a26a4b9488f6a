# Copyright (c) 2026, everstep_flow contributors
"""The five-seam audit (SEAMS.md): for a period, the leaks at each seam and the list behind them, green at zero."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, getdate, now_datetime

from everstep_flow.engine import seams as trigger_core
from everstep_flow.engine import states as S
from everstep_flow.engine.calls import SEAMS, call_without_next_step, follow_up_leak, waiting_without_contact
from everstep_flow.runtime import ledger
from everstep_flow.runtime.membership import is_manager
from everstep_flow.runtime.orphans import available_members
from everstep_flow.runtime.reporting import escaped, period, report_filters
from everstep_flow.seams import installed
from everstep_flow.seams.trigger_values import condition_holds
from everstep_flow.seams.triggers import FIRING, missed

LIMIT = 500  # rows per kind of leak: the summary counts stay exact, the list stops here
CLOSED_SOURCE_STATES = ("Lost", "Closed", "Cancelled", "Resolved")


def execute(filters: dict | None = None):
	if not is_manager():
		frappe.throw(_("Only a Flow Manager can run the five-seam audit."), frappe.PermissionError)
	filters = report_filters(filters)
	start, end = period(filters)
	now = now_datetime()
	leaks = {
		1: inbox(start, end),
		2: deals(start, end),
		3: waiting(now),
		4: calls(start, end),
		5: follow_ups(now),
	}
	rows = []
	for seam, label in SEAMS:
		if filters.get("seam") and str(seam) != str(filters.seam):
			continue
		for leak in leaks[seam][:LIMIT]:
			rows.append({"seam": f"{seam}. {label}", **leak})
	summary = [
		{
			"label": f"{seam}. {label}",
			"value": len(leaks[seam]),
			"indicator": "Green" if not leaks[seam] else "Red",
			"datatype": "Int",
		}
		for seam, label in SEAMS
	]
	chart = {
		"data": {
			"labels": [label for _seam, label in SEAMS],
			"datasets": [{"name": _("Leaks"), "values": [len(leaks[s]) for s, _label in SEAMS]}],
		},
		"type": "bar",
		"colors": ["#e24c4c"],
	}
	message = (
		_("Calls with no next step: none, as expected (logging a call requires one).")
		if not leaks[4]
		else _("Calls with no next step were found: they predate the rule or were written around it.")
	)
	return columns(), escaped(rows, "leak", "detail"), message, chart, summary


def columns() -> list[dict]:
	return [
		{"fieldname": "seam", "label": _("Seam"), "fieldtype": "Data", "width": 160},
		{"fieldname": "leak", "label": _("Leak"), "fieldtype": "Data", "width": 280},
		# Data, not a Link to DocType: a Flow Manager may not read DocType (the item's link needs only the name)
		{"fieldname": "reference_doctype", "label": _("Type"), "fieldtype": "Data", "width": 140},
		{
			"fieldname": "reference_name",
			"label": _("Item"),
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 180,
		},
		{"fieldname": "at", "label": _("Since"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "detail", "label": _("Detail"), "fieldtype": "Data", "width": 300},
	]


def _leak(leak: str, doctype: str, name: str, at, detail: str = "") -> dict:
	return {"leak": leak, "reference_doctype": doctype, "reference_name": name, "at": at, "detail": detail}


# 1. inbox -> client ------------------------------------------------------------------------------------------


def inbox(start: datetime, end: datetime) -> list[dict]:
	accounts = frappe.get_all(
		"Flow Service", filters={"intake_email_account": ("is", "set")}, pluck="intake_email_account"
	)
	found = []
	if accounts:
		for c in frappe.get_all(
			"Communication",
			filters={
				"email_account": ("in", accounts),
				"sent_or_received": "Received",
				"communication_medium": "Email",
				"creation": ("between", (start, end)),
			},
			or_filters={"reference_doctype": ("is", "not set"), "reference_name": ("is", "not set")},
			fields=["name", "subject", "sender", "creation"],
			limit=LIMIT,
		):
			found.append(
				_leak(
					_("email to an intake account with no request"),
					"Communication",
					c.name,
					c.creation,
					f"{c.sender}: {c.subject}",
				)
			)
	for r in frappe.get_all(
		"Flow Request",
		filters={"client_unknown": 1, "creation": ("between", (start, end)), "status": ("!=", "Cancelled")},
		fields=["name", "subject", "contact", "creation"],
		limit=LIMIT,
	):
		found.append(
			_leak(
				_("client unknown"),
				"Flow Request",
				r.name,
				r.creation,
				f"{r.subject} ({r.contact or _('no contact')})",
			)
		)
	return found


# 2. deal -> work ---------------------------------------------------------------------------------------------


def deals(start: datetime, end: datetime) -> list[dict]:
	found = [
		_leak(
			_("missed seam: the trigger fired, no request"),
			FIRING,
			f.name,
			f.creation,
			f"{f.trigger}: {f.reference_doctype} {f.reference_name} ({f.error or f.status})",
		)
		for f in missed()
		if start <= f.creation < end
	]
	found.extend(_never_fired(start, end))
	found.extend(_lost_sources())
	return found


def _never_fired(start: datetime, end: datetime) -> list[dict]:
	"""Documents an enabled trigger matches (New, or Field Becomes Value) that have no firing: the hook never saw
	them (made before the trigger was enabled, imported, written around Frappe)."""
	found = []
	for trigger in frappe.get_all("Flow Trigger", filters={"enabled": 1}, pluck="name"):
		doc = frappe.get_cached_doc("Flow Trigger", trigger)
		if not installed(doc.document_type) or doc.event == trigger_core.VALUE_CHANGE:
			continue
		filters = {"creation": ("between", (start, end))}
		if doc.event == trigger_core.BECOMES:
			filters = {
				"modified": ("between", (start, end)),
				doc.field: ("in", trigger_core.trigger_values(doc.get("values"))),
			}
		candidates = frappe.get_all(doc.document_type, filters=filters, pluck="name", limit=LIMIT)
		if not candidates:
			continue
		fired = set(
			frappe.get_all(
				FIRING,
				filters={"trigger": trigger, "reference_name": ("in", candidates)},
				pluck="reference_name",
			)
		)
		for name in candidates:
			if name in fired:
				continue
			source = frappe.get_doc(doc.document_type, name)
			if doc.condition:
				try:
					if not condition_holds(doc.condition, source):
						continue
				except Exception:
					pass  # a condition that fails is a leak too
			found.append(
				_leak(
					_("matches an enabled trigger but has no request"),
					doc.document_type,
					name,
					source.modified,
					trigger,
				)
			)
	return found


def _lost_sources() -> list[dict]:
	"""Requests that run on although the deal or ticket that started them was lost or closed."""
	found = []
	rows = frappe.get_all(
		"Flow Request",
		filters={
			"status": ("in", S.REQ_OPEN_STATES),
			"source_doctype": ("is", "set"),
			"source_name": ("is", "set"),
		},
		fields=["name", "source_doctype", "source_name", "subject"],
		limit=5000,
	)
	by_doctype: dict[str, list] = {}
	for r in rows:
		by_doctype.setdefault(r.source_doctype, []).append(r)
	for doctype, requests in by_doctype.items():
		if not installed(doctype):
			continue
		meta = frappe.get_meta(doctype)
		fields = ["name", "docstatus", "modified"] + (["status"] if meta.has_field("status") else [])
		sources = {
			s.name: s
			for s in frappe.get_all(
				doctype, filters={"name": ("in", [r.source_name for r in requests])}, fields=fields
			)
		}
		for r in requests:
			s = sources.get(r.source_name)
			if s is None:
				found.append(
					_leak(
						_("its source was deleted while it runs"),
						"Flow Request",
						r.name,
						None,
						f"{doctype} {r.source_name}",
					)
				)
			elif s.docstatus == 2 or s.get("status") in CLOSED_SOURCE_STATES:
				state = _("Cancelled") if s.docstatus == 2 else s.status
				found.append(
					_leak(
						_("its source was {0} while it runs").format(state),
						"Flow Request",
						r.name,
						s.modified,
						f"{doctype} {r.source_name}",
					)
				)
	return found


# 3. task -> call ---------------------------------------------------------------------------------------------


def waiting(now: datetime) -> list[dict]:
	tasks = frappe.get_all(
		"Flow Task",
		filters={"status": "Waiting on Customer"},
		fields=["name", "request", "title", "team"],
		limit=5000,
	)
	if not tasks:
		return []
	requests = list({t.request for t in tasks})
	since: dict[str, datetime] = {}
	for e in frappe.get_all(
		"Flow Event",
		filters={"task": ("in", [t.name for t in tasks]), "event_type": "waiting"},
		fields=["task", "at"],
		order_by="at asc",
	):
		since[e.task] = e.at  # the latest wait
	contacts: dict[str, list[datetime]] = {}
	for e in frappe.get_all(
		"Flow Event",
		filters={"request": ("in", requests), "event_type": ("in", ("call_logged", "commented"))},
		fields=["request", "at", "event_type", "details"],
	):
		details = ledger.details_of(e)
		if e.event_type == "commented" and not details.get("via"):
			continue  # a note among staff is no contact with the customer
		# When the call happened, not when it was logged: a call logged today that took place before the wait
		# began is no contact since.
		contacts.setdefault(e.request, []).append(_happened(details.get("at")) or e.at)
	for c in frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": "Flow Request",
			"reference_name": ("in", requests),
			"communication_medium": ("in", ("Email", "Phone")),
		},
		fields=["reference_name", "communication_date"],
	):
		contacts.setdefault(c.reference_name, []).append(c.communication_date)
	found = []
	for t in tasks:
		started = since.get(t.name)
		if started and waiting_without_contact(started, contacts.get(t.request, [])):
			found.append(
				_leak(
					_("waiting on the customer, no call or email since"),
					"Flow Task",
					t.name,
					started,
					f"{t.title} ({t.team})",
				)
			)
	return found


def _happened(value) -> datetime | None:
	try:
		return get_datetime(value) if value else None
	except Exception:
		return None


# 4. call -> follow-up ----------------------------------------------------------------------------------------


def calls(start: datetime, end: datetime) -> list[dict]:
	return [
		_leak(
			_("call with neither a follow-up nor a reason for none"),
			"Flow Request",
			e.request,
			e.at,
			ledger.details_of(e).get("summary") or "",
		)
		for e in frappe.get_all(
			"Flow Event",
			filters={"event_type": "call_logged", "at": ("between", (start, end))},
			fields=["request", "at", "details"],
			limit=5000,
		)
		if call_without_next_step(ledger.details_of(e))
	]


# 5. follow-up -> owner ---------------------------------------------------------------------------------------


def follow_ups(now: datetime) -> list[dict]:
	rows = frappe.get_all(
		"Flow Follow Up",
		filters={"status": "Open", "due_on": ("<", now)},
		fields=["name", "what", "due_on", "nudged_for", "owner_team", "assigned_to"],
		limit=5000,
	)
	if not rows:
		return []
	available = available_members()
	found = []
	for r in rows:
		why = follow_up_leak(
			r.due_on, r.nudged_for, r.assigned_to or "", available.get(r.owner_team, set()), now
		)
		if why:
			found.append(
				_leak(
					_("follow-up: {0}").format(why),
					"Flow Follow Up",
					r.name,
					r.due_on,
					f"{r.what} ({r.owner_team})",
				)
			)
	return found
