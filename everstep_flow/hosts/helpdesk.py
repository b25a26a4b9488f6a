"""Frappe Helpdesk (when installed): the client of an HD Ticket, and its example trigger.

A ticket's client is Helpdesk's own client record: the ticket's HD Customer, with its Contact. A ticket that names
no HD Customer goes by its Contact (or the address that raised it) and the client records that Contact is linked
to, in the registry's precedence (ERPNext's Customer first where ERPNext is installed too, then HD Customer). HD
Ticket names are integers (autoincrement): every reference to one is kept as text. Nothing here imports Helpdesk.
"""

from __future__ import annotations

from dataclasses import replace

import frappe
from frappe import _

from everstep_flow.engine.milestones import Settings
from everstep_flow.engine.seams import NEW, Client
from everstep_flow.hosts import client_records as clients

TICKET = "HD Ticket"
CUSTOMER = "HD Customer"


def ticket_client(doc) -> Client:
	"""The ticket's client. Who raised it decides what its fields are worth: a customer (a website user, through
	Helpdesk's portal or REST) fills in `customer`, `contact` and `raised_by` as they like, so their ticket's client
	is who they are (their own Contact and its links), and the HD Customer it names only when that Contact is linked
	to it; a guest proves nothing (client unknown). A ticket staff or the system made (an agent, an email Helpdesk
	pulled in) is taken as it says."""
	owner = doc.get("owner") or frappe.session.user
	if owner == "Guest":
		return Client()
	if clients.is_website_user(owner):
		person = clients.of_user(owner)
		claimed = doc.get("customer")
		if (
			claimed
			and person.contact
			and (CUSTOMER, claimed) in clients.links_of_contact(person.contact, [CUSTOMER])
		):
			return Client(CUSTOMER, claimed, person.contact, unknown=False)
		return person
	contact = doc.get("contact") or clients.contact_of_email(doc.get("raised_by"))
	if doc.get("customer"):
		return Client(CUSTOMER, doc.customer, contact or "", unknown=False)
	return clients.of_contact_or_email(contact, doc.get("raised_by"))


RESOLVERS = {"Helpdesk Ticket": ("HD Ticket", ticket_client)}

EXAMPLES = (
	{
		"trigger_name": "Helpdesk ticket created: support case",
		"document_type": "HD Ticket",
		"event": NEW,
		"client_from": "Helpdesk Ticket",
		"subject": "{{ doc.subject }}",
		"service": "Support case",
		"mapping": [
			{"intake_field": "summary", "source_field": "subject"},
			{"intake_field": "details", "source_field": "description"},
		],
	},
)


# ------------------------------------------------------------------------------------------- the ticket itself

# HD Ticket's statuses that end a ticket (Helpdesk 2024: Open, Replied, Resolved, Closed)
CLOSED = ("Resolved", "Closed")
OPEN = "Open"


def ticket_statuses() -> list[str]:
	"""The statuses this site's HD Ticket has (its Select options, from the cached meta)."""
	field = frappe.get_meta(TICKET).get_field("status")
	return [o for o in (field.options or "").split("\n") if o] if field else []


def closed_statuses() -> tuple[str, ...]:
	have = set(ticket_statuses())
	return tuple(s for s in CLOSED if s in have)


def ticket_state(ticket: str) -> frappe._dict | None:
	"""The ticket's status and the statuses its service level agreement pauses on (one query each)."""
	row = frappe.db.get_value(TICKET, ticket, ["name", "status", "sla"], as_dict=True)
	if not row:
		return None
	row.paused_on = (
		frappe.get_all(
			"HD Pause Service Level Agreement On Status",
			filters={"parenttype": "HD Service Level Agreement", "parent": row.sla},
			pluck="status",
			order_by="idx asc",
		)
		if row.sla
		else []
	)
	return row


state = ticket_state  # what seams.host_posts asks of any host document


def settings_for(settings: Settings, ticket) -> Settings:
	"""No waiting status chosen: the one the ticket's service level agreement pauses on, if any."""
	if settings.status_waiting or not ticket.paused_on:
		return replace(settings, status_open=OPEN)
	return replace(settings, status_waiting=ticket.paused_on[0], status_open=OPEN)


def may_reply(user: str) -> bool:
	"""Helpdesk saves the ticket after a reply as its author: only an agent (or the system) may."""
	return user == "Administrator" or bool(frappe.db.exists("HD Agent", {"name": user, "is_active": 1}))


def comment(ticket: str, html: str, author: str | None) -> None:
	"""An internal comment in the ticket's activity (Helpdesk's HD Ticket Comment: agents only)."""
	frappe.get_doc(
		{
			"doctype": "HD Ticket Comment",
			"reference_ticket": ticket,
			"commented_by": author if author and frappe.db.exists("User", author) else "Administrator",
			"content": html,
			"is_pinned": 0,
		}
	).insert(ignore_permissions=True)


def reply(ticket: str, html: str) -> None:
	"""A reply the customer sees in Helpdesk's portal, sent by mail as Helpdesk's own agent replies are
	(HD Ticket.reply_via_agent). Where the site has no outgoing account for it, the reply is kept on the ticket
	(the portal shows it); a mail that fails otherwise is logged, and the reply kept all the same."""
	doc = frappe.get_doc(TICKET, ticket)
	if not doc.skip_email_workflow() and not doc.sender_email():
		_keep(doc, html)
		return
	frappe.db.savepoint("flow_ticket_reply")
	try:
		doc.reply_via_agent(html)
	except Exception:
		frappe.db.rollback(save_point="flow_ticket_reply")
		frappe.clear_last_message()
		frappe.log_error(title=f"everstep_flow: reply on HD Ticket {ticket} kept, not mailed")
		_keep(doc, html)


def _keep(doc, html: str) -> None:
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "",
			"content": html,
			"reference_doctype": TICKET,
			"reference_name": doc.name,
			"sender": frappe.session.user,
			"sent_or_received": "Sent",
			"status": "Linked",
			"subject": f"Re: {doc.subject} (#{doc.name})",
		}
	).insert(ignore_permissions=True)


def set_status(ticket: str, status: str) -> None:
	"""The ticket follows its request. Saved through Helpdesk (its SLA, activity log and notifications run) by the
	system: resolving needs no customer feedback then, and our own close check lets it through."""
	doc = frappe.get_doc(TICKET, ticket, for_update=True)  # an agent saving it at the same moment goes first
	if doc.status == status:
		return
	doc.status = status
	doc.flags.flow_follows = True
	doc.flags.ignore_flow_triggers = True  # no trigger chain from the ticket following its own request
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		doc.save(ignore_permissions=True)
	finally:
		frappe.set_user(user)


def check_service(doc) -> dict[str, str]:
	"""Problems with a Flow Service's Helpdesk settings, by field (none where Helpdesk is not installed)."""
	from everstep_flow.hosts import installed

	if not installed(TICKET):
		return {}
	problems = {}
	statuses = ticket_statuses()
	for fieldname in ("ticket_status_on_complete", "ticket_status_on_cancel", "ticket_status_waiting"):
		value = doc.get(fieldname)
		if value and value not in statuses:
			problems[fieldname] = _("{0} is not a status of HD Ticket (it has: {1})").format(
				value, ", ".join(statuses)
			)
	waiting = doc.get("ticket_status_waiting")
	if waiting and waiting in closed_statuses() and "ticket_status_waiting" not in problems:
		problems["ticket_status_waiting"] = _(
			"{0} closes the ticket: a ticket waiting on its customer stays open (pick Replied, say)"
		).format(waiting)
	seen = set()
	for row in doc.get("host_milestones") or []:
		if row.milestone in seen:
			problems[f"host_milestones row {row.idx}"] = _("{0} is listed twice").format(row.milestone)
		seen.add(row.milestone)
	return problems
