"""Seams 3 to 5 inside Frappe CRM: a call logged in CRM (a CRM Call Log on a deal or lead) joins the timeline of the
open request behind that deal or lead, as one `call_logged` event, and seam 4 then looks in CRM for its next step.

Which request, what the event says and what names a CRM call's next step are decided in engine.crm_calls. The hook
runs inside CRM's own save (doc_events "CRM Call Log" on_update, which Frappe runs on insert too), never makes it
fail (a failure is rolled back to a savepoint and logged), costs no query for a save that cannot join a request and
one for a completed call that joins none.

One event per call log, whatever the number of saves (the key is the call log's name in the event's details). Two
saves of one call log cannot both get here unseen by each other: Frappe refuses a save of a document changed since
it was loaded (its `modified` check reads the row with a lock), so a save that reaches this hook was loaded after
any earlier save had committed, with its event.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.utils import get_datetime, strip_html

from everstep_flow.base import ledger
from everstep_flow.base.door import quiet
from everstep_flow.engine import crm_calls as core
from everstep_flow.engine import states as S
from everstep_flow.engine.calls import call_without_next_step
from everstep_flow.engine.seams import ORGANIZATION
from everstep_flow.hosts import installed
from everstep_flow.seams.host_marks import FIRING, POSTED

CALL_FIELDS = (
	"name",
	"type",
	"status",
	"from",
	"to",
	"start_time",
	"creation",
	"duration",
	"note",
	"caller",
	"receiver",
	"owner",
	"reference_doctype",
	"reference_docname",
)


def on_call_log_update(doc, method=None) -> None:
	"""doc_events "CRM Call Log": on_update. A completed call on a deal or lead, new or with its status or
	reference changed, joins the one open request behind it; anything else returns at once."""
	changed = any(doc.has_value_changed(f) for f in ("status", "reference_doctype", "reference_docname"))
	if quiet() or not core.worth_a_look(doc.status, doc.reference_doctype, doc.reference_docname, changed):
		return
	request = core.request_for_call(_candidates(doc.reference_doctype, doc.reference_docname))
	if not request:
		return
	pending = list(frappe.local.flags.get("flow_events") or [])
	frappe.db.savepoint("flow_crm_call")
	try:
		_join(doc, request)
	except Exception:
		frappe.db.rollback(save_point="flow_crm_call")
		frappe.local.flags.flow_events = pending  # nor the event of a join that did not happen
		frappe.log_error(
			title=f"Flow: CRM Call Log {doc.name} could not join {request}",
			reference_doctype="CRM Call Log",
			reference_name=doc.name,
		)


def _candidates(doctype: str, name: str) -> list[core.Candidate]:
	"""The open requests the call may join, in one query: the newest one a firing of its deal or lead started or was
	linked to, and up to two of the deal's or lead's CRM Organization (two say "more than one"). `doctype` is one of
	core.ON (worth_a_look said so)."""
	rows = frappe.db.sql(
		f"""
		(select r.name as request, r.creation as created, 1 as by_firing
			from `tab{FIRING}` f join `tabFlow Request` r on r.name = f.request
			where f.reference_doctype = %(doctype)s and f.reference_name = %(name)s and f.status in %(posted)s
				and r.status in %(open)s
			order by r.creation desc limit 1)
		union all
		(select r.name as request, r.creation as created, 0 as by_firing
			from `tab{doctype}` h join `tabFlow Request` r
				on r.customer_type = %(organization)s and r.customer = h.organization
			where h.name = %(name)s and r.status in %(open)s
			limit %(ambiguous)s)""",
		{
			"doctype": doctype,
			"name": name,
			"posted": tuple(POSTED),
			"open": tuple(S.REQ_OPEN_STATES),
			"organization": ORGANIZATION,
			"ambiguous": core.CLIENT_AMBIGUOUS,
		},
		as_dict=True,
	)
	return [core.Candidate(r.request, get_datetime(r.created), bool(int(r.by_firing))) for r in rows]


def _join(doc, request: str) -> None:
	if _recorded(doc.name, doc.creation):
		return
	call = {f: doc.get(f) for f in CALL_FIELDS}
	note = _note_text(doc.note, doc.reference_doctype, doc.reference_docname) if doc.note else ""
	user = frappe.session.user
	ledger.record(
		request,
		"call_logged",
		is_internal=1,
		details=core.event_details(call, note),
		# whoever logged it (caller and receiver are what they typed, kept in the details); telephony's webhooks
		# run as Guest or the system, who made no call: then our side of the call
		actor=user if user not in ("Guest", "Administrator") else core.actor_of(call),
	)
	ledger.flush()


def _recorded(name: str, since) -> bool:
	"""Has any request recorded this call already? Only events written since the call log was made can name it
	(`at` is indexed)."""
	return any(
		core.names_call_log(ledger.details_of(e), name)
		for e in frappe.get_all(
			"Flow Event",
			filters={"event_type": "call_logged", "at": (">=", since)},
			fields=["details"],
		)
	)


def _note_text(note: str, doctype: str, name: str) -> str:
	"""The call's note, when it hangs on the call's own deal or lead (a call log may point at any note)."""
	row = frappe.db.get_value(
		"FCRM Note", note, ["title", "content", "reference_doctype", "reference_docname"], as_dict=True
	)
	if not row or (row.reference_doctype, str(row.reference_docname)) != (doctype, str(name)):
		return ""
	return " ".join(p for p in (row.title or "", strip_html(row.content or "").strip()) if p)


# ------------------------------------------------------------------------------------------------ seam 4


def without_next_step(events: list) -> list[tuple[Any, dict]]:
	"""Of these `call_logged` events of CRM calls (each with its details), those whose call names no next step in
	CRM's terms (engine.crm_calls), nor was logged through Log Call with one: a few queries for the lot."""
	names = {d["call_log"] for _e, d in events}
	if not names or not installed(core.CALL_LOG):
		return events
	calls = {
		c.name: c
		for c in frappe.get_all(
			core.CALL_LOG, filters={"name": ("in", list(names))}, fields=list(CALL_FIELDS)
		)
	}
	about = list({c.reference_docname for c in calls.values() if c.reference_docname})
	tasks = [
		core.CrmTask(
			str(t.name),
			t.reference_doctype or "",
			t.reference_docname or "",
			get_datetime(t.creation),
			t.owner or "",
			get_datetime(t.due_date) if t.due_date else None,
			t.status or "",
		)
		for t in frappe.get_all(
			"CRM Task",
			filters={"reference_doctype": ("in", core.ON), "reference_docname": ("in", about or [""])},
			fields=[
				"name",
				"reference_doctype",
				"reference_docname",
				"creation",
				"owner",
				"due_date",
				"status",
			],
		)
	]
	notes = {
		n.name: n
		for n in frappe.get_all(
			"FCRM Note",
			filters={"name": ("in", [c.note for c in calls.values() if c.note] or [""])},
			fields=["name", "title", "content"],
		)
	}
	logged = _logged_with_next_step(names, {e.request for e, _d in events})
	left = []
	for event, details in events:
		call = calls.get(details["call_log"])
		note = notes.get(call.note) if call and call.note else None
		step = call and core.next_step(
			core.CrmCall(
				call.name,
				call.reference_doctype or "",
				call.reference_docname or "",
				get_datetime(call.start_time or call.creation),
				frozenset({call.caller, call.receiver, call.owner} - {None}),
			),
			tasks,
			note.title if note else None,
			strip_html(note.content or "") if note else None,
			call.name in logged,
		)
		if not step:
			left.append((event, details))
	return left


def _logged_with_next_step(names: set[str], requests: set[str]) -> set[str]:
	"""The call logs someone also logged through Log Call (`call_log`) naming a follow-up or a reason."""
	found = set()
	for e in frappe.get_all(
		"Flow Event",
		filters={"request": ("in", list(requests) or [""]), "event_type": "call_logged"},
		fields=["details"],
	):
		details = ledger.details_of(e)
		if details.get("call_log") in names and not call_without_next_step(details):
			found.add(details["call_log"])
	return found
