"""The five seams' leaks (SEAMS.md), one function per seam, for the Five Seam Audit report: 1. an inbox or door with
no known client, 2. a deal or ticket that should have started work and did not (visibility.seam_audit_deals), 3. a task waiting on the customer
with no contact since, 4. a call without its next step, 5. a follow-up past due that nobody was nudged about."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.query_builder import DocType

from everstep_flow.base import ledger
from everstep_flow.clients import crm_calls
from everstep_flow.engine import states as S
from everstep_flow.engine.calls import call_without_next_step, follow_up_leak, waiting_without_contact
from everstep_flow.engine.crm_calls import CALL_LOG
from everstep_flow.hosts import installed
from everstep_flow.hosts.helpdesk import TICKET
from everstep_flow.seams.host_marks import FIRING, POSTED
from everstep_flow.visibility.orphans import available_members

LIMIT = 500  # rows per kind of leak: the summary counts stay exact, the list stops here


def leak(leak: str, doctype: str, name: str, at, detail: str = "") -> dict:
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
				leak(
					_("email to an intake account with no request"),
					"Communication",
					c.name,
					c.creation,
					f"{c.sender}: {c.subject}",
				)
			)
	unknown, no_contact = _("client unknown"), _("no contact")
	for r in frappe.get_all(
		"Flow Request",
		filters={"client_unknown": 1, "creation": ("between", (start, end)), "status": ("!=", "Cancelled")},
		fields=["name", "subject", "contact", "creation"],
		limit=LIMIT,
	):
		found.append(
			leak(
				unknown,
				"Flow Request",
				r.name,
				r.creation,
				f"{r.subject} ({r.contact or no_contact})",
			)
		)
	return found


# 2. deal -> work ---------------------------------------------------------------------------------------------


def waiting(now: datetime) -> list[dict]:
	"""Tasks waiting on the customer with no contact since the wait began. The ledger keeps each request's latest
	call or customer message (base.ledger) and each task its wait's start (engine.moves), so one join finds the
	candidates; their emails, here or on the Helpdesk tickets they joined, are read for those only."""
	task, request = DocType("Flow Task"), DocType("Flow Request")
	tasks = (
		frappe.qb.from_(task)
		.join(request)
		.on(request.name == task.request)
		.select(task.name, task.request, task.title, task.team, task.customer_wait_since)
		.where(
			(task.status == S.WAITING)
			& task.customer_wait_since.isnotnull()
			& (
				request.last_customer_contact.isnull()
				| (request.last_customer_contact < task.customer_wait_since)
			)
		)
		.orderby(task.modified, order=frappe.qb.desc)
		.limit(5000)
	).run(as_dict=True)
	if not tasks:
		return []
	requests = list({t.request for t in tasks})
	contacts: dict[str, list[datetime]] = {}
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
	for name, at in _ticket_conversation(requests):
		contacts.setdefault(name, []).append(at)
	label = _("waiting on the customer, no call or email since")
	return [
		leak(label, "Flow Task", t.name, t.customer_wait_since, f"{t.title} ({t.team})")
		for t in tasks
		if waiting_without_contact(t.customer_wait_since, contacts.get(t.request, ()))
	]


def _ticket_conversation(requests: list[str]) -> list[tuple[str, datetime]]:
	"""Where Helpdesk is installed, a request's conversation with the customer is also on the tickets that started
	or joined it: the emails and replies there count as contact."""
	if not installed(TICKET):
		return []
	tickets: dict[str, list[str]] = {}
	for f in frappe.get_all(
		FIRING,
		filters={"request": ("in", requests), "reference_doctype": TICKET, "status": ("in", POSTED)},
		fields=["request", "reference_name"],
	):
		tickets.setdefault(str(f.reference_name), []).append(f.request)
	if not tickets:
		return []
	return [
		(request, c.communication_date)
		for c in frappe.get_all(
			"Communication",
			filters={"reference_doctype": TICKET, "reference_name": ("in", list(tickets))},
			fields=["reference_name", "communication_date"],
		)
		for request in tickets.get(str(c.reference_name), [])
	]


# 4. call -> follow-up ----------------------------------------------------------------------------------------


def calls(start: datetime, end: datetime) -> list[dict]:
	"""Logged calls that name no next step. Log Call refuses those; a call Frappe CRM logged joins its request first
	and names its next step in CRM afterwards (clients.crm_calls: a dated CRM Task, or a note saying why none)."""
	found, in_crm = [], []
	# translated once: a busy month has thousands of these lines (each _() is a cache read)
	no_next_step = _("call with neither a follow-up nor a reason for none")
	for e in frappe.get_all(
		"Flow Event",
		filters={"event_type": "call_logged", "at": ("between", (start, end))},
		fields=["request", "at", "details"],
		limit=5000,
	):
		details = ledger.details_of(e)
		if not call_without_next_step(details):
			continue
		if details.get("call_log_doctype") == CALL_LOG and details.get("call_log"):
			in_crm.append((e, details))
		else:
			found.append(
				leak(
					no_next_step,
					"Flow Request",
					e.request,
					e.at,
					details.get("summary") or "",
				)
			)
	in_crm_label = _("call in Frappe CRM with neither a dated CRM Task nor a note saying why none")
	for e, details in crm_calls.without_next_step(in_crm) if in_crm else ():
		found.append(
			leak(
				in_crm_label,
				CALL_LOG,
				details["call_log"],
				e.at,
				f"{e.request}: {details.get('summary') or ''}",
			)
		)
	return found


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
	label = _("follow-up: {0}")
	for r in rows:
		why = follow_up_leak(
			r.due_on, r.nudged_for, r.assigned_to or "", available.get(r.owner_team, set()), now
		)
		if why:
			found.append(
				leak(
					label.format(why),
					"Flow Follow Up",
					r.name,
					r.due_on,
					f"{r.what} ({r.owner_team})",
				)
			)
	return found
