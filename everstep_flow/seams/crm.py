"""Frappe CRM (when installed): the client of a CRM Deal, and its example trigger.

A deal names its people in `contacts` (CRM Contacts rows, one primary) and may carry an `email`; the client is the
primary Contact's Customer. Nothing here imports Frappe CRM.
"""

from __future__ import annotations

from everstep_flow.engine.seams import BECOMES, Client
from everstep_flow.seams import clients


def deal_client(doc) -> Client:
	rows = sorted(doc.get("contacts") or [], key=lambda r: not r.get("is_primary"))
	contact = rows[0].get("contact") if rows else None
	if contact:
		return clients.of_contact(contact)
	return clients.of_email(doc.get("email"), create=True)


RESOLVERS = {"CRM Deal": ("CRM Deal", deal_client)}

EXAMPLES = (
	{
		"trigger_name": "CRM deal won: onboard the client",
		"document_type": "CRM Deal",
		"event": BECOMES,
		"field": "status",
		"values": "Won",
		"client_from": "CRM Deal",
		"subject": "Onboarding {{ doc.organization or doc.name }}",
		"service": "New client onboarding",
		"mapping": [
			{"intake_field": "company_name", "source_field": "organization"},
			{"intake_field": "contact_email", "source_field": "email"},
			{"intake_field": "plan", "value": "Pro"},
		],
	},
)
