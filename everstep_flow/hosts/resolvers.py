"""Which client a Flow Trigger's document belongs to: a field, an email field, or a named resolver of a host app."""

from __future__ import annotations

import frappe
from frappe import _

from everstep_flow.engine.seams import Client
from everstep_flow.hosts import client_records as clients
from everstep_flow.hosts import crm, erpnext, helpdesk


def client_of(trigger, source) -> Client:
	"""The trigger's way of finding the client: a field, an email field, or a named resolver of a host app."""
	how = trigger.client_from or "Field"
	if how == "Field":
		df = source.meta.get_field(trigger.client_field)
		doctype = df.options if df and df.fieldtype == "Link" else source.get(df.options) if df else None
		return clients.of_link(doctype, source.get(trigger.client_field))
	if how == "Email Field":
		return clients.of_email(source.get(trigger.client_field), create=True)
	return resolver(how)(source)


# Named resolver -> (the document type it reads, the function)
RESOLVERS = {**erpnext.RESOLVERS, **helpdesk.RESOLVERS, **crm.RESOLVERS}


def resolver(name: str):
	if name not in RESOLVERS:
		frappe.throw(_("client_from: no resolver named {0}").format(name), frappe.ValidationError)
	return RESOLVERS[name][1]


def derived_fields(doctype: str) -> tuple[str, ...]:
	"""Values a trigger may read of a host document beside its own fields (a CRM deal's primary contact)."""
	return crm.DERIVED[doctype][0] if doctype in crm.DERIVED else ()


def derived_values(doc) -> dict[str, str]:
	"""Those values for one document (one look at what they come from)."""
	return crm.DERIVED[doc.doctype][1](doc) if doc.doctype in crm.DERIVED else {}


def resolver_doctypes() -> dict[str, str]:
	return {name: doctype for name, (doctype, _fn) in RESOLVERS.items()}
