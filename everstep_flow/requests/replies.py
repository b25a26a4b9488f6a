"""The customer's side of the conversation: new emails become requests, replies resume waiting work.

A reply (portal reply box or an email on the request's thread) is a non-internal `commented` event; every task of
the request that is Waiting on Customer goes back to In Progress, which resumes the request and its SLA clock.
"""

from __future__ import annotations

import frappe
from frappe.utils import strip_html

from everstep_flow.base import ledger
from everstep_flow.engine import states as S
from everstep_flow.engine.seams import LINK, client_fields, duplicates_mode
from everstep_flow.hosts import client_records as clients
from everstep_flow.requests.intake import link_to_open, open_request_of, start_existing
from everstep_flow.requests.transitions import system_move
from everstep_flow.teams.availability import service_unavailable

MAX_REPLY = 10_000


def customer_replied(request: str, text: str, sender: str, via: str) -> list[str]:
	ledger.record(
		request,
		"commented",
		actor=sender if frappe.db.exists("User", sender) else None,
		is_internal=0,
		details={"text": text[:MAX_REPLY], "via": via, "from": sender},
	)
	# A locking read, in name order: an agent acting on one of these tasks at this moment goes first or waits, and
	# the reply moves what is still waiting then (a plain read let the reply load a task the agent had just saved:
	# "modified after you opened it", and the customer's message was refused; seen under load, issue 23).
	task = frappe.qb.DocType("Flow Task")
	resumed = (
		frappe.qb.from_(task)
		.select(task.name)
		.where((task.request == request) & (task.status == S.WAITING))
		.orderby(task.name)
		.for_update()
	).run(pluck=True)
	for task in resumed:
		system_move(task, S.IN_PROGRESS, flow_reason=f"the customer replied ({via})")
	ledger.flush()
	return resumed


def before_communication(doc, method=None) -> None:
	"""Communication before_insert: was the sender known before Frappe makes a Contact for the address (its
	validate does, when the Email Account says so)? A Contact made just now means "client unknown"."""
	if (
		doc.reference_doctype == "Flow Request"
		and doc.sent_or_received == "Received"
		and doc.reference_name
		and doc.communication_medium == "Email"
	):
		doc.flags.flow_sender_known = bool(clients.contact_of_email(doc.sender))


def on_communication(doc, method=None) -> None:
	"""Communication after_insert: received emails that Frappe attached to a Flow Request."""
	if (
		doc.reference_doctype != "Flow Request"
		or doc.sent_or_received != "Received"
		or not doc.reference_name
		or doc.communication_medium != "Email"  # a call is logged by clients.calls, not answered here
	):
		return
	request = frappe.get_doc("Flow Request", doc.reference_name)
	# Frappe keeps an HTML email in `content` and a plain-text one in `text_content`.
	text = (strip_html(doc.content or "") or doc.get("text_content") or "").strip()
	# Mail is taken as it comes: never refused for a NUL byte (PostgreSQL cannot store one) or its length.
	text = text.replace("\x00", "")[:MAX_REPLY]
	if request.service:
		customer_replied(request.name, text, doc.sender, "Email")
		return
	client = sender_client(doc)
	service = frappe.db.get_value("Flow Service", {"intake_email_account": doc.email_account}, "name")
	if service and service_unavailable(frappe.get_cached_doc("Flow Service", service)):
		service = None  # its team is disabled: kept unrouted (and reported) rather than refused
	if not service:
		# Nothing is lost: the request stays open without tasks, and the no-orphan check reports it.
		frappe.db.set_value(
			"Flow Request", request.name, client_fields(client)
		)  # no service: nothing to save
		ledger.record(request.name, "created", to_state="Open", details={"source": "Email", "routed": False})
		ledger.flush()
		return
	if existing := open_request_for_email(service, client, request.name):
		move_email(doc, request.name, existing)
		link_to_open(existing, {"source": "Email", "communication": doc.name, "from": doc.sender})
		customer_replied(existing, text, doc.sender, "Email")
		return
	field = body_field(service)
	start_existing(request, service, {field: text} if field else {}, client=client)


def sender_client(doc):
	"""Seam 1: the sender's Contact (made now if the address is new: client unknown) and its Customer; the email
	is linked to both (timeline_links), so it shows on the client's form."""
	contact = clients.contact_of_email(doc.sender)
	if not contact and doc.sender:
		contact = clients.make_contact(doc.sender, doc.sender_full_name)
	client = clients.of_contact(contact, is_new=not doc.flags.flow_sender_known)
	links = {(row.link_doctype, row.link_name) for row in doc.timeline_links}
	for link in (("Contact", client.contact), (client.customer_type, client.customer)):
		if all(link) and link not in links:
			doc.add_link(*link)
			doc.timeline_links[-1].db_insert()  # the email is saved already: its new row alone
	return client


def open_request_for_email(service: str, client, shell: str) -> str | None:
	doc = frappe.get_cached_doc("Flow Service", service)
	if duplicates_mode(None, doc.get("duplicates")) != LINK or not client.customer:
		return None
	found = open_request_of(service, client)
	return found if found != shell else None


def move_email(doc, shell: str, existing: str) -> None:
	"""The email belongs to the client's open request: point it there, and drop the empty request Frappe's
	inbound mail made for it (no event, value or task refers to it yet)."""
	frappe.db.set_value("Communication", doc.name, "reference_name", existing, update_modified=False)
	doc.reference_name = existing  # Frappe's own on_update of this email runs next, on the open request
	frappe.db.delete("Flow Request", {"name": shell})


def body_field(service: str) -> str | None:
	"""Where the email body goes: the service's chosen field, else its first Long Text / Small Text intake field."""
	doc = frappe.get_cached_doc("Flow Service", service)
	if doc.email_body_field:
		return doc.email_body_field
	for fieldtype in ("Long Text", "Small Text"):
		for field in doc.intake_fields:
			if field.fieldtype == fieldtype and field.at_intake:
				return field.fieldname
	return None
