"""The client timeline's sources besides the ledger (staff only): follow-ups, emails and calls, comments, the host
apps' documents about the client (ERPNext's Opportunity, Quotation, Sales Order, Issue; Helpdesk's tickets). Each is
read newest first, only as far as the page needs, through `frappe.get_list` (every permission condition applies);
clients.timeline merges them."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType, Order
from frappe.query_builder.functions import Coalesce

from everstep_flow.engine.calls import item
from everstep_flow.hosts import installed

# Host documents about a Customer: kind, doctype, filters for the customer, title field, summary fields
HOST_DOCUMENTS = (
	(
		"opportunity",
		"Opportunity",
		lambda c: {"opportunity_from": "Customer", "party_name": c},
		"title",
		("status",),
	),
	(
		"quotation",
		"Quotation",
		lambda c: {"quotation_to": "Customer", "party_name": c},
		"title",
		("status", "grand_total"),
	),
	("sales_order", "Sales Order", lambda c: {"customer": c}, "title", ("status", "grand_total")),
	("issue", "Issue", lambda c: {"customer": c}, "subject", ("status",)),
)


def readable(doctype: str) -> bool:
	return installed(doctype) and bool(frappe.has_permission(doctype, "read"))


def follow_ups(customer_type: str, customer: str, need: int) -> list:
	rows = frappe.get_list(
		"Flow Follow Up",
		filters={"customer_type": customer_type, "customer": customer},
		fields=["name", "what", "due_on", "status", "owner_team", "assigned_to", "request"],
		order_by="due_on desc",
		limit=need,
	)
	return [
		item(
			"follow_up",
			r.due_on,
			actor=r.assigned_to or "",
			title=f"Follow-up ({r.status}): {r.what}",
			reference_doctype="Flow Follow Up",
			reference_name=r.name,
			summary=f"{r.owner_team}{' / ' + r.assigned_to if r.assigned_to else ''}",
			is_internal=True,
			tiebreak=r.name,
		)
		for r in rows
	]


def communications(customer_type: str, customer: str, contacts: list[str], need: int, kinds) -> list:
	"""Emails and calls linked to the client or its contacts that are not on our requests (those are in the
	ledger already: the email that opened a request, replies, logged calls). Read newest first through their
	links (one query, index on the links), then kept to the ones the user may open (`frappe.get_list`)."""
	mediums = [m for k, m in (("email", "Email"), ("call", "Phone")) if k in kinds]
	comm, link = DocType("Communication"), DocType("Communication Link")
	linked = (link.link_doctype == customer_type) & (link.link_name == customer)
	if contacts:
		linked |= (link.link_doctype == "Contact") & link.link_name.isin(contacts)
	rows = (
		frappe.qb.from_(comm)
		.join(link)
		.on((link.parent == comm.name) & (link.parenttype == "Communication"))
		.select(
			comm.name,
			comm.subject,
			comm.communication_date,
			comm.sender,
			comm.communication_medium,
			comm.sent_or_received,
		)
		.where(linked)
		.where(comm.communication_type == "Communication")
		.where(comm.communication_medium.isin(mediums))
		.where(Coalesce(comm.reference_doctype, "") != "Flow Request")
		.orderby(comm.communication_date, order=Order.desc)
		.orderby(comm.name, order=Order.desc)
		.limit(need * 2)  # an email linked to the contact and the client comes twice
		.run(as_dict=True)
	)
	unique = list({r.name: r for r in rows}.values())[:need]
	allowed = set(
		frappe.get_list(
			"Communication", filters={"name": ("in", [r.name for r in unique] or [""])}, pluck="name"
		)
	)
	return [
		item(
			"call" if r.communication_medium == "Phone" else "email",
			r.communication_date,
			actor=r.sender or "",
			title=r.subject or "",
			reference_doctype="Communication",
			reference_name=r.name,
			summary=r.sent_or_received or "",
			is_internal=True,
			tiebreak=r.name,
		)
		for r in unique
		if r.name in allowed
	]


def comments(customer_type: str, customer: str, need: int) -> list:
	rows = frappe.get_list(
		"Comment",
		filters={"reference_doctype": customer_type, "reference_name": customer, "comment_type": "Comment"},
		fields=["name", "content", "creation", "owner"],
		order_by="creation desc",
		limit=need,
	)
	return [
		item(
			"comment",
			r.creation,
			actor=r.owner,
			title=frappe.utils.strip_html(r.content or "")[:140],
			reference_doctype=customer_type,
			reference_name=customer,
			is_internal=True,
			tiebreak=r.name,
		)
		for r in rows
	]


def host_documents(kind: str, doctype: str, filters: dict, title: str, fields, need: int) -> list:
	rows = frappe.get_list(
		doctype,
		filters=filters,
		fields=["name", "creation", "owner", title, *fields],
		order_by="creation desc",
		limit=need,
	)
	return [
		item(
			kind,
			r.creation,
			actor=r.owner,
			title=f"{frappe._(doctype)} {r.name}: {r.get(title) or ''}".strip(),
			reference_doctype=doctype,
			reference_name=r.name,
			summary=", ".join(str(r.get(f)) for f in fields if r.get(f) not in (None, "")),
			is_internal=True,
			tiebreak=r.name,
		)
		for r in rows
	]


def tickets(customer_type: str, customer: str, contacts: list[str], need: int) -> list:
	"""Helpdesk's tickets of the client: those of its HD Customer, and those its contacts raised."""
	or_filters = {"contact": ("in", contacts)} if contacts else {}
	if customer_type == "HD Customer":
		or_filters["customer"] = customer
	if not or_filters:
		return []
	rows = frappe.get_list(
		"HD Ticket",
		or_filters=or_filters,
		fields=["name", "subject", "status", "creation", "owner"],
		order_by="creation desc",
		limit=need,
	)
	return [
		item(
			"ticket",
			r.creation,
			actor=r.owner,
			title=f"HD Ticket {r.name}: {r.subject or ''}",
			reference_doctype="HD Ticket",
			reference_name=r.name,
			summary=r.status or "",
			is_internal=True,
			tiebreak=str(r.name),
		)
		for r in rows
	]
