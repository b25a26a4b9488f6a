"""ERPNext (when installed): who the client is for an Opportunity or an Issue, and the example triggers.

Nothing here imports ERPNext; documents are read through Frappe. Each resolver returns engine.seams.Client.
"""

from __future__ import annotations

import frappe

from everstep_flow.engine.seams import BECOMES, NEW, Client
from everstep_flow.hosts import client_records as clients


def opportunity_client(doc) -> Client:
	"""`party_name` when the Opportunity is from a Customer; from a Lead or Prospect, the Customer made from it
	(Customer.lead_name / prospect_name / opportunity_name); else its contact person's Customer."""
	contact = doc.get("contact_person") or clients.contact_of_email(doc.get("contact_email"))
	if doc.get("opportunity_from") == "Customer" and doc.get("party_name"):
		return Client("Customer", doc.party_name, contact or "", unknown=False)
	link_field = {"Lead": "lead_name", "Prospect": "prospect_name"}.get(doc.get("opportunity_from"))
	customer = None
	if link_field and doc.get("party_name"):
		customer = frappe.db.get_value("Customer", {link_field: doc.party_name}, "name")
	customer = customer or frappe.db.get_value("Customer", {"opportunity_name": doc.name}, "name")
	if customer:
		return Client("Customer", customer, contact or "", unknown=False)
	return clients.of_contact(contact)


def issue_client(doc) -> Client:
	"""The Issue's `customer`; else its Contact's Customer; else the Customer behind the address it came from."""
	contact = doc.get("contact") or clients.contact_of_email(doc.get("raised_by"))
	if doc.get("customer"):
		return Client("Customer", doc.customer, contact or "", unknown=False)
	return clients.of_contact_or_email(contact, doc.get("raised_by"))


RESOLVERS = {
	"ERPNext Opportunity": ("Opportunity", opportunity_client),
	"ERPNext Issue": ("Issue", issue_client),
}

# Shipped disabled (install.install_example_triggers); a Flow Manager picks the service and enables one.
EXAMPLES = (
	{
		"trigger_name": "Opportunity converted: onboard the client",
		"document_type": "Opportunity",
		"event": BECOMES,
		"field": "status",
		"values": "Converted",
		"client_from": "ERPNext Opportunity",
		"subject": "Onboarding {{ doc.customer_name or doc.party_name }}",
		"service": "New client onboarding",
		"mapping": [
			{"intake_field": "company_name", "source_field": "customer_name"},
			{"intake_field": "contact_email", "source_field": "contact_email"},
			{"intake_field": "plan", "value": "Pro"},
		],
	},
	{
		"trigger_name": "Issue created: support case",
		"document_type": "Issue",
		"event": NEW,
		"client_from": "ERPNext Issue",
		"subject": "{{ doc.subject }}",
		"service": "Support case",
		"mapping": [
			{"intake_field": "summary", "source_field": "subject"},
			{"intake_field": "details", "source_field": "description"},
		],
	},
)


def link_call_log(name: str, links: list[tuple[str, str]]) -> None:
	"""A call telephony already logged (ERPNext's Call Log) is linked to the request and client, not copied.
	Its Links rows are written directly: the Call Log itself is telephony's record and stays as it is."""
	have = {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Call Log", "parent": name},
			fields=["link_doctype", "link_name"],
		)
	}
	count = len(have)
	for doctype, link in links:
		if (doctype, link) in have:
			continue
		count += 1
		frappe.get_doc(
			{
				"doctype": "Dynamic Link",
				"parenttype": "Call Log",
				"parentfield": "links",
				"parent": name,
				"idx": count,
				"link_doctype": doctype,
				"link_name": link,
			}
		).db_insert()
