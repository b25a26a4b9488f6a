"""Frappe Helpdesk (when installed): the client of an HD Ticket, and its example trigger.

HD Ticket's own `customer` is Helpdesk's HD Customer, not ERPNext's Customer, so the client comes from the ticket's
Contact (or the address that raised it) and that Contact's Customer. Nothing here imports Helpdesk.
"""

from __future__ import annotations

from everstep_flow.engine.seams import NEW, Client
from everstep_flow.hosts import client_records as clients


def ticket_client(doc) -> Client:
	return clients.of_contact_or_email(doc.get("contact"), doc.get("raised_by"))


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
