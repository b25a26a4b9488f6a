"""Intake: load what it needs, let the core plan the request, its first tasks and events, apply the plan once.

Every door (desk/REST, portal, email, triggers) ends here. Email differs in one way: the request document already
exists (Frappe's inbound mail creates it as the Email Account's "append to" target), so it is filled in place.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html, validate_email_address

from everstep_flow.base import ledger
from everstep_flow.base.catalog import definition_from_doc
from everstep_flow.base.door import decided
from everstep_flow.engine import ServiceDefinition
from everstep_flow.engine import states as S
from everstep_flow.engine.plans import IntakeFacts, plan_intake
from everstep_flow.engine.seams import LINK, Client, duplicates_mode
from everstep_flow.hosts import client_records as clients
from everstep_flow.requests.apply import apply
from everstep_flow.teams.availability import disabled_teams
from everstep_flow.teams.calendars import clock_for

SOURCES = ("Desk", "Portal", "API", "Email", "Trigger")


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


def link_problems(defn: ServiceDefinition, values: dict[str, Any]) -> frozenset[str]:
	"""Link values given that name no document (the core words the problem; only the database knows). The value
	is read as the core will store it (engine.values.normalise: text stripped, a number as its text)."""
	missing = set()
	for f in defn.intake_fields:
		value = values.get(f.fieldname)
		if f.fieldtype != "Link" or not f.at_intake or isinstance(value, bool):
			continue
		if not isinstance(value, str | int | float):
			continue  # refused by the core as "must be a single value"
		text = value.strip() if isinstance(value, str) else str(value)
		if text and not frappe.db.exists(f.options, text):
			missing.add(f.fieldname)
	return frozenset(missing)


def intake_facts(service_doc, defn: ServiceDefinition, values: dict[str, Any], **kw) -> IntakeFacts:
	"""What every intake knows of its service, and the Link values that name nothing; `kw`: the rest."""
	return IntakeFacts(
		service=service_doc.name,
		title=service_doc.title,
		version=service_doc.version,
		definition=defn,
		values=values,
		service_duplicates=service_doc.get("duplicates"),
		missing_links=link_problems(defn, values),
		**kw,
	)


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
	"""Load what intake needs, let the core plan it (engine.plans.plan_intake), apply the plan once.

	The client is either resolved by the door (`client`) or named explicitly (`customer_type`, `customer`: checked
	to exist and to be readable by the caller). While that client has an open request of this service, the new one
	is linked to it instead, unless the service or trigger says "always new": the request returned then is the open
	one, with `flags.flow_linked` set. Any failure leaves nothing behind (the transaction rolls back)."""
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
	defn = definition_from_doc(service_doc)
	# Only a client's open request of this service can take the intake in (and then no name is used up).
	may_link = client.customer and duplicates_mode(duplicates, service_doc.get("duplicates")) == LINK
	open_request = open_request_of(service_doc.name, client) if may_link else None
	facts = intake_facts(
		service_doc,
		defn,
		values or {},
		request_name="",  # named by Frappe when it is inserted: the plan calls it NEW_REQUEST until then
		client=client,
		subject=subject or "",
		requester=requester,
		requester_email=requester_email
		or (frappe.get_cached_value("User", requester, "email") if requester else None),
		duplicates=duplicates,
		open_request=open_request,
		disabled_teams=frozenset(disabled_teams(defn.teams)),
		source=source,
		source_doctype=source_doctype,
		source_name=source_name,
		trigger=trigger,
	)
	return apply(decided(plan_intake, facts, clock_for(defn, service_doc.name)))


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
	"""Fill in a request that a door created bare (an inbound email) and start its process: the same plan, with
	what is given validated and nothing required."""
	service_doc = frappe.get_cached_doc("Flow Service", service)
	defn = definition_from_doc(service_doc)
	facts = intake_facts(
		service_doc,
		defn,
		values,
		request_name=request.name,
		client=client or Client(),
		source=source,
		existing=True,
	)
	plan = decided(plan_intake, facts, clock_for(defn, service_doc.name))
	if request.requester_email and not request.requester:
		request.requester = frappe.db.get_value("User", {"email": request.requester_email}, "name")
	apply(plan, existing=request)
