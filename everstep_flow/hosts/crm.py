"""Frappe CRM (when installed): the client of a CRM Deal or Lead, what a trigger may read of a deal, and the example
triggers.

A CRM client is a CRM Organization. A deal names its organization and its people (`contacts`, CRM Contacts rows,
one primary); its client is the organization, with the primary contact. Nothing here imports Frappe CRM.
"""

from __future__ import annotations

import frappe

from everstep_flow.engine.milestones import Settings
from everstep_flow.engine.seams import BECOMES, DEAL, ORGANIZATION, Client
from everstep_flow.hosts import client_records as clients


def primary_contact(doc) -> frappe._dict:
	"""The deal's primary person (its CRM Contacts row marked primary, else the first), else its own fields."""
	rows = sorted(doc.get("contacts") or [], key=lambda r: not r.get("is_primary"))
	row = rows[0] if rows else None
	person = frappe._dict(
		contact=(row.get("contact") if row else None) or doc.get("contact"),
		name=(row.get("full_name") if row else None) or doc.get("lead_name") or "",
		email=(row.get("email") if row else None) or doc.get("email") or "",
		phone=(row.get("mobile_no") or row.get("phone") if row else None) or doc.get("mobile_no") or "",
	)
	if person.contact and not (person.email and person.name):
		found = frappe.db.get_value("Contact", person.contact, ["email_id", "full_name"], as_dict=True) or {}
		person.email = person.email or found.get("email_id") or ""
		person.name = person.name or found.get("full_name") or ""
	return person


# Values a trigger's mapping, condition and subject may read beside the deal's own fields: its primary person, whom
# CRM keeps in the deal's contacts (the deal's own `email` is CRM's copy of a primary row's address, when it has one).
def _deal_person(doc) -> dict[str, str]:
	person = primary_contact(doc)  # once for the three
	return {
		"primary_contact_name": person.name,
		"primary_contact_email": person.email,
		"primary_contact_phone": person.phone,
	}


# doctype -> (the names, the function giving their values for a document)
DERIVED = {
	"CRM Deal": (("primary_contact_name", "primary_contact_email", "primary_contact_phone"), _deal_person),
}


def deal_client(doc) -> Client:
	"""A deal's client is its CRM Organization, with its primary contact; a deal with no organization goes by its
	primary contact (and the client records that contact is linked to)."""
	person = primary_contact(doc)
	if doc.get("organization"):
		return Client(ORGANIZATION, doc.organization, person.contact or "", unknown=False)
	return clients.of_contact_or_email(person.contact, person.email)


def lead_client(doc) -> Client:
	"""A lead's client: the CRM Organization it names, once it exists (conversion makes it), with the lead's
	contact; else the person behind its address."""
	contact = clients.contact_of_email(doc.get("email"))
	if doc.get("organization") and frappe.db.exists(ORGANIZATION, doc.organization):
		return Client(ORGANIZATION, doc.organization, contact or "", unknown=False)
	return clients.of_contact_or_email(contact, doc.get("email"))


RESOLVERS = {"CRM Deal": ("CRM Deal", deal_client), "CRM Lead": ("CRM Lead", lead_client)}

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
			{"intake_field": "contact_email", "source_field": "primary_contact_email"},
			{"intake_field": "plan", "value": "Pro"},
		],
	},
	{
		"trigger_name": "CRM lead converted: onboard the client",
		"document_type": "CRM Lead",
		"event": BECOMES,
		"field": "converted",
		"values": "1",
		"client_from": "CRM Lead",
		"subject": "Onboarding {{ doc.organization or doc.lead_name }}",
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
	current = frappe.db.get_value(
		"CRM Call Log", name, ["reference_doctype", "reference_docname"], as_dict=True
	)
	if current and not current.reference_docname:
		frappe.db.set_value(
			"CRM Call Log", name, {"reference_doctype": links[0][0], "reference_docname": links[0][1]}
		)


# ------------------------------------------------------------------------------------------- the deal itself
# What seams.host_posts asks of a host document; a deal is told of its onboarding in CRM's own activity.


def state(deal: str) -> frappe._dict | None:
	"""A deal has no status that follows the request (sales decide it): only whether it still exists."""
	return frappe._dict(status="", paused_on=[]) if frappe.db.exists(DEAL, deal) else None


def closed_statuses() -> tuple[str, ...]:
	return ()


def settings_for(settings: Settings, deal) -> Settings:
	"""A service's ticket statuses say nothing of a deal: only how its milestones are posted."""
	return Settings(post_as=settings.post_as)


def comment(deal: str, html: str, author: str | None) -> None:
	"""A comment in the deal's activity (CRM shows a document's Comments there; sales users only)."""
	author = author if author and frappe.db.exists("User", author) else "Administrator"
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": DEAL,
			"reference_name": deal,
			"content": html,
			"comment_email": author,
			"comment_by": frappe.utils.get_fullname(author),
		}
	).insert(ignore_permissions=True)


def may_reply(user: str) -> bool:
	return True  # a reply on a deal is a comment


def reply(deal: str, html: str) -> None:
	"""CRM has no customer portal: what the requester may see is a comment for the sales team too."""
	comment(deal, html, frappe.session.user)


def set_status(deal: str, status: str) -> None:
	"""Never called for a deal (it has no statuses that follow the request)."""
