"""Intake: one validated request, its first tasks and a `created` event, all in the caller's one transaction.

Every door (desk/REST, portal, email) ends here. Email differs in one way: the request document already exists
(Frappe's inbound mail creates it as the Email Account's "append to" target), so it is filled in place.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html, now_datetime, validate_email_address

from everstep_flow.catalog import definition_from_doc
from everstep_flow.engine import ServiceDefinition, to_snapshot
from everstep_flow.engine import states as S
from everstep_flow.engine.definition import IntakeField
from everstep_flow.engine.seams import LINK, Client, duplicates_mode, open_key
from everstep_flow.engine.values import ValuesError, check_values, intake_values, plain
from everstep_flow.runtime import ledger
from everstep_flow.runtime.door import Collision
from everstep_flow.runtime.progress import intake_where, move_on
from everstep_flow.runtime.sla import request_deadlines
from everstep_flow.runtime.teams import service_unavailable
from everstep_flow.seams import clients

SOURCES = ("Desk", "Portal", "API", "Email", "Trigger")


def throw_field_problems(problems: dict[str, str], title: str) -> None:
	items = "".join(f"<li><b>{escape_html(k)}</b>: {escape_html(v)}</li>" for k, v in problems.items())
	frappe.throw(f"<ul>{items}</ul>", frappe.ValidationError, title=_(title))


def cached_service(service: str | None):
	"""The service from Frappe's document cache (no query on a warm intake), or a 417 naming `service`."""
	try:
		if not service or not isinstance(service, str):
			raise frappe.DoesNotExistError
		return frappe.get_cached_doc("Flow Service", service)
	except frappe.DoesNotExistError:
		frappe.clear_last_message()  # Frappe's own "not found" would echo the name unescaped
		frappe.throw(
			_("service: no service named {0}").format(frappe.bold(escape_html(str(service or "")))),
			frappe.ValidationError,
		)


def checked_values(defn: ServiceDefinition, values: dict[str, Any], relaxed: bool = False) -> dict[str, str]:
	"""Intake values, normalised by the core; `relaxed` (email) validates what is given but requires nothing."""
	try:
		if relaxed:
			fields = [
				IntakeField(**{**f.__dict__, "required": False}) for f in defn.intake_fields if f.at_intake
			]
			clean = check_values(fields, values)
		else:
			clean = intake_values(defn, values)
	except ValuesError as e:
		throw_field_problems(e.problems, "Invalid request")
	missing_links = {
		f.fieldname: f"{f.label}: {f.options} {clean[f.fieldname]} does not exist"
		for f in defn.intake_fields
		if f.fieldtype == "Link"
		and f.fieldname in clean
		and not frappe.db.exists(f.options, clean[f.fieldname])
	}
	if missing_links:
		throw_field_problems(missing_links, "Invalid request")
	return clean


def request_fields(service_doc, defn: ServiceDefinition, clean: dict[str, str], now) -> dict[str, Any]:
	labels = {f.fieldname: f for f in defn.intake_fields}
	return {
		"service": service_doc.name,
		"service_version": service_doc.version,
		"definition": to_snapshot(defn),
		"status": "Open",
		**request_deadlines(service_doc.name, defn.target_minutes, now),
		"last_event_at": now,
		"history_at": now,
		**intake_where(defn, clean, now),
		"request_values": [
			{"fieldname": k, "label": labels[k].label, "fieldtype": labels[k].fieldtype, "value": v}
			for k, v in clean.items()
		],
	}


def submit_request(
	service: str,
	values: dict[str, Any] | None = None,
	*,
	subject: str | None = None,
	requester: str | None = None,
	requester_email: str | None = None,
	customer_type: str | None = None,
	customer: str | None = None,
	client: Client | None = None,
	duplicates: str | None = None,
	source: str = "API",
	source_doctype: str | None = None,
	source_name: str | None = None,
	trigger: str | None = None,
):
	"""Validate everything first, then write; any failure leaves nothing behind (the transaction rolls back).

	The client is either resolved by the door (`client`) or named explicitly (`customer_type`, `customer`: checked
	to exist and to be readable by the caller). While that client has an open request of this service, the new one
	is linked to it instead (see `link_to_open`), unless the service or trigger says "always new": the request
	returned then is the open one, with `flags.flow_linked` set."""
	service_doc = cached_service(service)
	if not isinstance(values or {}, dict):
		frappe.throw(_("values: expected an object of fieldname: value"), frappe.ValidationError)
	if source not in SOURCES:
		frappe.throw(_("source: must be one of {0}").format(", ".join(SOURCES)), frappe.ValidationError)
	if client is None:
		client = clients.checked(customer_type, customer)
	if requester is None and frappe.session.user != "Guest":
		requester = frappe.session.user
	if requester_email and not validate_email_address(requester_email):
		frappe.throw(_("requester_email: not an email address"), frappe.ValidationError)
	if not requester and not requester_email:
		frappe.throw(_("requester_email: required when nobody is logged in"), frappe.ValidationError)

	if unavailable := service_unavailable(service_doc):
		frappe.throw(_("service: {0}").format(unavailable), frappe.ValidationError)
	defn = definition_from_doc(service_doc)
	clean = checked_values(defn, values or {})
	mode = duplicates_mode(duplicates, service_doc.get("duplicates"))
	source_info = {"source": source, "source_doctype": source_doctype, "source_name": source_name}
	if mode == LINK and client.customer:
		if existing := open_request_of(service_doc.name, client):
			return link_to_open(existing, {**source_info, "trigger": trigger, "values": clean})
	now = now_datetime()
	request = frappe.get_doc(
		{
			"doctype": "Flow Request",
			"subject": plain(subject or "").strip()[:240] or service_doc.title,
			"requester": requester,
			"requester_email": requester_email
			or (frappe.get_cached_value("User", requester, "email") if requester else None),
			**client_fields(client),
			**source_info,
			"trigger": trigger,
			"open_key": open_key(service_doc.name, client, mode),
			**request_fields(service_doc, defn, clean, now),
		}
	)
	request.flags.flow_values = clean
	insert_once(request)
	ledger.inserted_fresh(request.name)
	ledger.record(request.name, "created", to_state="Open", details={"service": service, "source": source})
	move_on(request, defn, states={})
	ledger.flush()
	return request


def client_fields(client: Client) -> dict[str, Any]:
	return {
		"customer_type": client.customer_type or None,
		"customer": client.customer or None,
		"contact": client.contact or None,
		"client_unknown": int(client.unknown),
	}


def insert_once(request) -> None:
	"""Insert; a request that another transaction opened for the same client and service at the same moment
	(the unique `open_key`) is a collision: the door or job retries, and its second run links to that one."""
	try:
		request.insert(ignore_permissions=True, ignore_links=True)
	except frappe.UniqueValidationError:
		if not request.open_key:
			raise
		frappe.clear_last_message()
		raise Collision(_("Another request for this client and service was started at the same moment."))


def open_request_of(service: str, client: Client) -> str | None:
	"""The oldest open request of this service for this client (index: customer)."""
	found = frappe.get_all(
		"Flow Request",
		filters={
			"customer": client.customer,
			"customer_type": client.customer_type,
			"service": service,
			"status": ("in", S.REQ_OPEN_STATES),
		},
		pluck="name",
		order_by="creation asc",
		limit=1,
		ignore_permissions=True,
	)
	return found[0] if found else None


def link_to_open(request_name: str, details: dict[str, Any]):
	"""The new source is linked to the open request: one `linked` event naming it, and the open request back."""
	# Internal: it names documents of the CRM or helpdesk that the requester does not see.
	ledger.record(request_name, "linked", is_internal=1, details={k: v for k, v in details.items() if v})
	ledger.flush()
	request = frappe.get_doc("Flow Request", request_name)
	request.flags.flow_linked = True
	return request


def start_existing(
	request, service: str, values: dict[str, Any], source: str = "Email", client: Client | None = None
) -> None:
	"""Fill in a request that a door created bare (an inbound email) and start its process."""
	service_doc = frappe.get_cached_doc("Flow Service", service)
	defn = definition_from_doc(service_doc)
	clean = checked_values(defn, values, relaxed=True)
	now = now_datetime()
	request.update(request_fields(service_doc, defn, clean, now))
	client = client or Client()
	request.update(client_fields(client))
	request.open_key = open_key(
		service_doc.name, client, duplicates_mode(None, service_doc.get("duplicates"))
	)
	request.source = source
	if request.requester_email and not request.requester:
		request.requester = frappe.db.get_value("User", {"email": request.requester_email}, "name")
	request.flags.flow_values = clean
	request.flags.flow_system = True  # the engine fills in what it owns
	frappe.db.savepoint("flow_email_intake")
	try:
		request.save(ignore_permissions=True)
	except frappe.UniqueValidationError:
		frappe.db.rollback(save_point="flow_email_intake")
		# Another email of this client opened the same service at this very moment (one mailbox is pulled by one
		# job, so this is rare): this email keeps its own request rather than being lost.
		frappe.clear_last_message()
		request.open_key = None
		request.save(ignore_permissions=True)
	ledger.record(request.name, "created", to_state="Open", details={"service": service, "source": source})
	move_on(request, defn, states={})
	ledger.flush()
