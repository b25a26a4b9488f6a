"""A Helpdesk ticket and the work behind it, from the ticket's side: the customer's reply resumes the step waiting on
them, and a ticket does not close while its request is open (unless its service allows it, with a comment).

Both run inside Helpdesk's own saves (hooks: doc_events), cost nothing when they do not apply (no query for a ticket
save that does not close it, one for a customer's reply), and name tickets as text (their names are integers).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.engine import milestones
from everstep_flow.engine import states as S
from everstep_flow.hosts import helpdesk
from everstep_flow.hosts.client_records import is_website_user
from everstep_flow.requests.transitions import system_move
from everstep_flow.seams.host_marks import FIRING, POSTED

ALLOW = "Allow with an internal comment"


def on_ticket_validate(doc, method=None) -> None:
	"""HD Ticket validate: closing it while its request is open is refused, naming the request and who holds it,
	unless the request's service allows it (then an internal comment says what was left open)."""
	if doc.flags.flow_follows or doc.is_new() or not doc.has_value_changed("status"):
		return
	if doc.status not in helpdesk.closed_statuses():
		return
	open_requests = _open_requests(doc.name)
	if not open_requests:
		return
	for r in open_requests:
		allowed = frappe.get_cached_value("Flow Service", r.service, "ticket_close_open") == ALLOW
		if not allowed:
			frappe.throw(
				escape_html(milestones.close_refusal(r.name, r.current_team or "", r.status)),
				frappe.ValidationError,
				title=_("The work behind this ticket is still open"),
			)
	for r in open_requests:
		helpdesk.comment(
			str(doc.name),
			milestones.closed_anyway(r.name, r.status, r.current_team or ""),
			frappe.session.user,
		)


def _open_requests(ticket) -> list[frappe._dict]:
	"""The open requests this ticket started or joined (one query: firings joined to their requests)."""
	f, r = frappe.qb.DocType(FIRING), frappe.qb.DocType("Flow Request")
	return (
		frappe.qb.from_(f)
		.join(r)
		.on(r.name == f.request)
		.select(r.name, r.status, r.current_team, r.service)
		.where(f.reference_doctype == helpdesk.TICKET)
		.where(f.reference_name == str(ticket))
		.where(f.status.isin(POSTED))
		.where(r.status.isin(S.REQ_OPEN_STATES))
		.orderby(r.creation)
		.run(as_dict=True)
	)


def on_ticket_communication(doc, method=None) -> None:
	"""Communication after_insert: the customer's reply on a ticket (Helpdesk's portal, or an email Helpdesk
	threads on it) resumes each step of the ticket's requests that waits on the customer, one `resumed` event each.
	Only the customer's side resumes (an agent resumes with the task's own Resume), and Helpdesk's save never fails
	because of us: a step someone moved meanwhile is left as it is."""
	if (
		doc.reference_doctype != helpdesk.TICKET
		or doc.sent_or_received != "Received"
		or not doc.reference_name
	):
		return
	if not _from_the_customer(doc):
		return
	t, f = frappe.qb.DocType("Flow Task"), frappe.qb.DocType(FIRING)
	waiting = (
		frappe.qb.from_(t)
		.join(f)
		.on(f.request == t.request)
		.select(t.name)
		.where(f.reference_doctype == helpdesk.TICKET)
		.where(f.reference_name == str(doc.reference_name))
		.where(f.status.isin(POSTED))
		.where(t.status == S.WAITING)
		.orderby(t.creation)
		.run(pluck=True)
	)
	for task in waiting:
		pending = list(frappe.local.flags.get("flow_events") or [])
		frappe.db.savepoint("flow_ticket_resume")
		try:
			system_move(
				task,
				S.IN_PROGRESS,
				flow_reason=_("the customer replied on HD Ticket {0}").format(doc.reference_name),
			)
		except Exception:
			# Resumed (or moved on) by someone else meanwhile: their move stands, the reply is kept.
			frappe.db.rollback(save_point="flow_ticket_resume")
			frappe.local.flags.flow_events = pending  # nor any event of the move that did not happen
			frappe.clear_last_message()


def _from_the_customer(doc) -> bool:
	"""A website user (Helpdesk checked they may reply on this ticket), or mail the system pulled in from an address
	that is not staff's. Staff writing "Received" by hand is not the customer."""
	user = frappe.session.user
	if user not in ("Administrator", "Guest"):
		return is_website_user(user)
	sender = frappe.db.get_value("User", {"email": doc.sender}, "user_type") if doc.sender else None
	return sender != "System User"
