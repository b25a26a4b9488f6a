"""The client of a request: an ERPNext Customer where ERPNext is installed, else a Frappe Contact.

Every door asks here; the decision itself (engine.seams.choose_client) is pure. People reach us as an email address,
a website user or a Contact; those become a Contact (Frappe core's `Contact Email`, `Contact.user`) and, through the
Contact's links, its Customer.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.contacts.doctype.contact.contact import get_contact_name
from frappe.utils import escape_html, validate_email_address

from everstep_flow.engine.seams import Client, choose_client
from everstep_flow.hosts import installed

CLIENT_DOCTYPES = ("Customer", "Contact")


def client_doctype() -> str:
	return "Customer" if installed("Customer") else "Contact"


def client_doctypes() -> list[str]:
	"""The client doctypes of this site (a Customer only where ERPNext is installed)."""
	return [d for d in CLIENT_DOCTYPES if installed(d)]


def contacts_of(customer_type: str, customer: str) -> list[str]:
	"""The Contacts of a client: the Contact itself, or those linked to the Customer (their Links)."""
	if customer_type == "Contact":
		return [customer]
	return frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "link_doctype": customer_type, "link_name": customer},
		pluck="parent",
		limit=200,
	)


def of_contact_or_email(contact: str | None, email: str | None) -> Client:
	"""A document's person: its Contact if it names one, else the Contact of its address (made if unknown)."""
	return of_contact(contact) if contact else of_email(email, create=True)


def customers_of_contact(contact: str) -> list[str]:
	"""The Customers a Contact is linked to (its Links table), where ERPNext is installed."""
	if not contact or not installed("Customer"):
		return []
	return frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"},
		pluck="link_name",
		order_by="idx asc",
	)


def of_contact(contact: str | None, *, is_new: bool = False) -> Client:
	if not contact:
		return Client()
	return choose_client(
		client_doctype(),
		contact=contact,
		contact_customers=customers_of_contact(contact),
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
	portal convention)."""
	if not user or user == "Guest":
		return Client()
	contact = frappe.db.get_value("Contact", {"user": user}, "name") or get_contact_name(
		frappe.get_cached_value("User", user, "email") or ""
	)
	return of_contact(contact)


def of_link(doctype: str | None, name: str | None) -> Client:
	"""A Customer or Contact a document links to."""
	if not doctype or not name:
		return Client()
	if doctype == "Customer":
		return choose_client("Customer", customer=name)
	if doctype == "Contact":
		return of_contact(name)
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
		# Named explicitly: the Contact is the client unless a Customer stands behind it.
		return client if not client.unknown else Client("Contact", customer, customer, unknown=False)
	return Client("Customer", customer, unknown=False)
