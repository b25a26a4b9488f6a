"""The client of a request: the host's own client record (ERPNext's Customer, Helpdesk's HD Customer), else a
Frappe Contact.

Every door asks here; the decision itself (engine.seams.choose_client) is pure, and so is the registry of client
doctypes and their precedence (engine.seams.CLIENT_REGISTRY). People reach us as an email address, a website user or
a Contact; those become a Contact (Frappe core's `Contact Email`, `Contact.user`) and, through the Contact's links
(Frappe's Dynamic Link, which ERPNext and Helpdesk both use), its client record.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.contacts.doctype.contact.contact import get_contact_name
from frappe.utils import escape_html, validate_email_address

from everstep_flow.engine.seams import CLIENT_REGISTRY, ORGANIZATION, Client, choose_client, registry_of
from everstep_flow.hosts import installed

CLIENT_DOCTYPES = CLIENT_REGISTRY


def client_doctypes() -> list[str]:
	"""The client doctypes of this site in precedence order (a Customer only where ERPNext is installed, an HD
	Customer only where Helpdesk is), Contact last."""
	return list(registry_of(d for d in CLIENT_REGISTRY if d != "Contact" and installed(d)))


def contacts_of(customer_type: str, customer: str) -> list[str]:
	"""The Contacts of a client: the Contact itself, those linked to it (their Links), and for a CRM Organization
	those who work for it (`company_name`)."""
	if customer_type == "Contact":
		return [customer]
	linked = frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "link_doctype": customer_type, "link_name": customer},
		pluck="parent",
		limit=200,
	)
	if customer_type == ORGANIZATION:
		linked += frappe.get_all("Contact", filters={"company_name": customer}, pluck="name", limit=200)
	return list(dict.fromkeys(linked))


def of_contact_or_email(contact: str | None, email: str | None) -> Client:
	"""A document's person: its Contact if it names one, else the Contact of its address (made if unknown)."""
	return of_contact(contact) if contact else of_email(email, create=True)


def links_of_contact(contact: str, registry: list[str]) -> list[tuple[str, str]]:
	"""The client records a Contact is linked to, of this site's client doctypes: its Links table (ERPNext,
	Helpdesk) and, for Frappe CRM, the organization it works for (CRM names it in the Contact's `company_name`)."""
	kinds = [d for d in registry if d != "Contact"]
	if not contact or not kinds:
		return []
	rows = frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "parent": contact, "link_doctype": ("in", kinds)},
		fields=["link_doctype", "link_name"],
		order_by="idx asc",
	)
	links = [(r.link_doctype, r.link_name) for r in rows]
	if ORGANIZATION in kinds:
		company = frappe.db.get_value("Contact", contact, "company_name")
		if company and frappe.db.exists(ORGANIZATION, company):
			links.append((ORGANIZATION, company))
	return links


def of_contact(contact: str | None, *, is_new: bool = False) -> Client:
	if not contact:
		return Client()
	registry = client_doctypes()
	return choose_client(
		tuple(registry),
		contact=contact,
		contact_links=links_of_contact(contact, registry),
		contact_is_new=is_new,
	)


def contact_of_email(email: str | None) -> str | None:
	email = validate_email_address(email or "")
	return get_contact_name(email) if email else None


def make_contact(email: str, full_name: str | None = None) -> str:
	"""A Contact for an address nobody knew (no Customer: someone links one when they know who it is)."""
	local = email.split("@")[0]
	contact = frappe.get_doc(
		{"doctype": "Contact", "first_name": (full_name or frappe.unscrub(local))[:140] or local}
	)
	contact.add_email(email_id=email, is_primary=True)
	contact.insert(ignore_permissions=True)
	return contact.name


def of_email(email: str | None, *, create: bool = False) -> Client:
	"""The client behind an email address; `create` makes a Contact for an unknown address (client unknown)."""
	email = validate_email_address(email or "")
	if not email:
		return Client()
	contact = get_contact_name(email)
	if contact:
		return of_contact(contact)
	if not create:
		return Client()
	return of_contact(make_contact(email), is_new=True)


def of_user(user: str) -> Client:
	"""A website user's client: their Contact (Contact.user, else their address), then its Customer (ERPNext's
	portal convention), HD Customer or CRM Organization.

	Frappe lets a website user create and edit the Contacts they own, links and `company_name` included, so what
	ties them to a client record is trusted only as staff last left it: a Contact last saved by the user themselves
	(or any website user, or a guest) stands for its person alone, client record or not."""
	if not user or user == "Guest":
		return Client()
	contact = frappe.db.get_value("Contact", {"user": user}, ["name", "modified_by"], as_dict=True)
	if not contact and (name := get_contact_name(frappe.get_cached_value("User", user, "email") or "")):
		contact = frappe.db.get_value("Contact", name, ["name", "modified_by"], as_dict=True)
	if not contact:
		return Client()
	if not is_staff(contact.modified_by):
		return choose_client(tuple(client_doctypes()), contact=contact.name)
	return of_contact(contact.name)


def is_staff(user: str | None) -> bool:
	"""A desk user (the Administrator included), as Frappe's `user_type` says (cached)."""
	return bool(user) and frappe.get_cached_value("User", user, "user_type") == "System User"


def is_website_user(user: str | None) -> bool:
	return bool(user) and frappe.get_cached_value("User", user, "user_type") == "Website User"


def of_link(doctype: str | None, name: str | None) -> Client:
	"""A client record (of this site's client doctypes) or a Contact a document links to."""
	if not doctype or not name:
		return Client()
	if doctype == "Contact":
		return of_contact(name)
	if doctype in client_doctypes():
		return Client(doctype, str(name), unknown=False)
	return Client()


def checked(customer_type: str | None, customer: str | None) -> Client:
	"""An explicit client (REST, desk): both or neither, of a client doctype of this site, existing and readable by
	the caller. A Contact on a site with ERPNext stands for its Customer when it has exactly one."""
	if bool(customer_type) != bool(customer):
		frappe.throw(_("customer: give both customer_type and customer, or neither"), frappe.ValidationError)
	if not customer:
		return Client(unknown=False)
	allowed = client_doctypes()
	if customer_type not in allowed:
		frappe.throw(
			_("customer_type: must be one of {0}").format(", ".join(allowed)), frappe.ValidationError
		)
	if not (
		frappe.db.exists(customer_type, customer) and frappe.has_permission(customer_type, "read", customer)
	):
		frappe.throw(
			_("customer: no {0} {1}").format(_(customer_type), escape_html(customer)), frappe.ValidationError
		)
	if customer_type == "Contact":
		client = of_contact(customer)
		# Named explicitly: the Contact is the client unless a client record stands behind it.
		return client if not client.unknown else Client("Contact", customer, customer, unknown=False)
	return Client(customer_type, customer, unknown=False)


def requester_of(owner: str | None, client: Client) -> tuple[str | None, str | None]:
	"""Who asked for work a host document started, as (requester, requester's address): a customer who raised it
	themselves (a website user: a Helpdesk ticket from the portal); not staff who saved it (a deal won, a ticket
	logged): then the client's person, by their website login if they have one, else by their address."""
	if owner and owner != "Guest" and is_website_user(owner):
		return owner, None
	person = frappe._dict()
	if client.contact:
		person = frappe.db.get_value("Contact", client.contact, ["user", "email_id"], as_dict=True) or person
	if person.user and is_website_user(person.user):
		return person.user, None
	if person.email_id:
		return "", person.email_id  # nobody logged in asked: the intake takes the address
	return "Administrator", None  # no person at all: the system asked (never the staff member who saved it)
