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
from everstep_flow.engine.definition import IntakeField
from everstep_flow.engine.values import ValuesError, check_values, intake_values, plain
from everstep_flow.runtime import ledger
from everstep_flow.runtime.progress import move_on
from everstep_flow.runtime.sla import request_deadlines
from everstep_flow.runtime.teams import service_unavailable

SOURCES = ("Desk", "Portal", "API", "Email", "Trigger")
CLIENT_DOCTYPES = ("Customer", "Contact")  # ERPNext's Customer where installed; Frappe's Contact always


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
	source: str = "API",
	source_doctype: str | None = None,
	source_name: str | None = None,
):
	"""Validate everything first, then write; any failure leaves nothing behind (the transaction rolls back)."""
	service_doc = cached_service(service)
	if not isinstance(values or {}, dict):
		frappe.throw(_("values: expected an object of fieldname: value"), frappe.ValidationError)
	if source not in SOURCES:
		frappe.throw(_("source: must be one of {0}").format(", ".join(SOURCES)), frappe.ValidationError)
	if bool(customer_type) != bool(customer):
		frappe.throw(_("customer: give both customer_type and customer, or neither"), frappe.ValidationError)
	if customer_type and (
		customer_type not in CLIENT_DOCTYPES or not frappe.db.exists("DocType", customer_type)
	):
		installed = [d for d in CLIENT_DOCTYPES if frappe.db.exists("DocType", d)]
		frappe.throw(
			_("customer_type: must be one of {0}").format(", ".join(installed)), frappe.ValidationError
		)
	if customer and not (
		frappe.db.exists(customer_type, customer) and frappe.has_permission(customer_type, "read", customer)
	):
		frappe.throw(
			_("customer: no {0} {1}").format(_(customer_type), escape_html(customer)), frappe.ValidationError
		)
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
	now = now_datetime()
	request = frappe.get_doc(
		{
			"doctype": "Flow Request",
			"subject": plain(subject or "").strip()[:240] or service_doc.title,
			"requester": requester,
			"requester_email": requester_email
			or (frappe.get_cached_value("User", requester, "email") if requester else None),
			"customer_type": customer_type,
			"customer": customer,
			"source": source,
			"source_doctype": source_doctype,
			"source_name": source_name,
			**request_fields(service_doc, defn, clean, now),
		}
	)
	request.flags.flow_values = clean
	request.insert(ignore_permissions=True, ignore_links=True)
	ledger.inserted_fresh(request.name)
	ledger.record(request.name, "created", to_state="Open", details={"service": service, "source": source})
	move_on(request, defn, states={})
	ledger.flush()
	return request


def start_existing(request, service: str, values: dict[str, Any], source: str = "Email") -> None:
	"""Fill in a request that a door created bare (an inbound email) and start its process."""
	service_doc = frappe.get_cached_doc("Flow Service", service)
	defn = definition_from_doc(service_doc)
	clean = checked_values(defn, values, relaxed=True)
	now = now_datetime()
	request.update(request_fields(service_doc, defn, clean, now))
	request.source = source
	if request.requester_email and not request.requester:
		request.requester = frappe.db.get_value("User", {"email": request.requester_email}, "name")
	request.flags.flow_values = clean
	request.flags.flow_system = True  # the engine fills in what it owns
	request.save(ignore_permissions=True)
	ledger.record(request.name, "created", to_state="Open", details={"service": service, "source": source})
	move_on(request, defn, states={})
	ledger.flush()
