"""Frappe CRM (when installed): the client of a CRM Deal, and its example trigger.

A deal names its people in `contacts` (CRM Contacts rows, one primary) and may carry an `email`; the client is the
primary Contact's Customer. Nothing here imports Frappe CRM.
"""

from __future__ import annotations

from everstep_flow.engine.seams import BECOMES, Client
from everstep_flow.hosts import client_records as clients


def deal_client(doc) -> Client:
	rows = sorted(doc.get("contacts") or [], key=lambda r: not r.get("is_primary"))
	return clients.of_contact_or_email(rows[0].get("contact") if rows else None, doc.get("email"))


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


def link_call_log(name: str, links: list[tuple[str, str]]) -> None:
	"""Frappe CRM's CRM Call Log names one reference (`reference_doctype`, `reference_docname`): the request, when
	the call log has none yet (a call on a deal stays on its deal; the request's event records the call either way)."""
	import frappe

	current = frappe.db.get_value(
		"CRM Call Log", name, ["reference_doctype", "reference_docname"], as_dict=True
	)
	if current and not current.reference_docname:
		frappe.db.set_value(
			"CRM Call Log", name, {"reference_doctype": links[0][0], "reference_docname": links[0][1]}
		)
