"""REST: /api/method/everstep_flow.api.request.<method>"""

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.base import ledger
from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.hosts import client_records as clients
from everstep_flow.requests import actions
from everstep_flow.requests.intake import submit_request as _submit
from everstep_flow.teams.membership import is_manager, works_on

SUBJECT_LENGTH = 240


def _readable_request(request) -> "frappe.model.document.Document":
	name = args.name(request, "request")
	if not frappe.db.exists("Flow Request", name) or not frappe.has_permission("Flow Request", "read", name):
		# The same answer for "does not exist" and "not yours": a name says nothing about someone else's work.
		frappe.throw(_("request: no request {0}").format(escape_html(name)), frappe.DoesNotExistError)
	return frappe.get_doc("Flow Request", name)


@endpoint()
def submit_request(
	service: str | None = None,
	values: dict | str | None = None,
	subject: str | None = None,
	customer_type: str | None = None,
	customer: str | None = None,
	requester: str | None = None,
) -> dict:
	"""Start a request for `service` with intake `values` ({fieldname: value}). Errors name each bad field."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to submit a request."), frappe.PermissionError)
	service = args.name(service, "service")
	values = args.mapping(values, "values")
	subject = args.text(subject, "subject", required=False, max_length=SUBJECT_LENGTH)
	customer_type = args.name(customer_type, "customer_type", required=False)
	customer = args.name(customer, "customer", required=False)
	requester = args.name(requester, "requester", required=False)
	if requester and requester != frappe.session.user:
		if not is_manager():
			frappe.throw(
				_("requester: only a Flow Manager can submit on behalf of someone else."),
				frappe.PermissionError,
			)
		if not frappe.db.exists("User", requester):
			frappe.throw(_("requester: no user {0}").format(escape_html(requester)), frappe.ValidationError)
	request = _submit(
		service,
		values,
		subject=subject,
		requester=requester,
		customer_type=customer_type,
		customer=customer,
		# The desk's own calls carry Frappe's CSRF token (a browser session); API clients use keys.
		source="Desk" if _from_the_desk() else "API",
	)
	return answer(request)


def _from_the_desk() -> bool:
	request = getattr(frappe.local, "request", None)
	return bool(request and request.headers.get("X-Frappe-CSRF-Token"))


def answer(request) -> dict:
	"""What a door returns for a new request, or for the open one it was linked to (with a message saying so)."""
	result = {"name": request.name, "status": request.status}  # a new request carries its planned status
	if request.flags.flow_linked:
		result["linked"] = True
		if frappe.has_permission("Flow Request", "read", request.name):
			result["message"] = _(
				"This client already has an open request of this service: yours was linked to {0}."
			).format(request.name)
		else:  # another team's work: the caller learns that it exists, not its name
			result.update(name=None, status=None)
			result["message"] = _(
				"This client already has an open request of this service (another team's): yours was linked to it."
			)
	return result


@endpoint()
def set_client(
	request: str | None = None, customer_type: str | None = None, customer: str | None = None
) -> dict:
	"""Link the request to its client (a Customer where ERPNext is installed, else a Contact); staff on it only."""
	name = args.name(request, "request")
	customer_type = args.name(customer_type, "customer_type")
	customer = args.name(customer, "customer")
	_readable_request(name)
	client = clients.checked(customer_type, customer)
	doc = actions.set_client(name, client)
	return {"name": doc.name, "customer_type": doc.customer_type, "customer": doc.customer}


@endpoint(methods=("GET", "POST"))
def intake_form(service: str | None = None) -> dict:
	"""What the desk's New Request dialog asks for: the service's intake fields and the client doctypes here."""
	name = args.name(service, "service")
	if not frappe.db.exists("Flow Service", name) or not frappe.has_permission("Flow Service", "read", name):
		frappe.throw(_("service: no service {0}").format(escape_html(name)), frappe.DoesNotExistError)
	doc = frappe.get_cached_doc("Flow Service", name)
	fields = [
		{
			"fieldname": f.fieldname,
			"label": f.label,
			"fieldtype": f.fieldtype,
			"options": f.options,
			"required": int(bool(f.required)),
			"help": f.help,
		}
		for f in doc.intake_fields
		if f.at_intake
	]
	return {
		"service": doc.name,
		"title": doc.title,
		"fields": fields,
		"client_doctypes": clients.client_doctypes(),
	}


@endpoint()
def cancel_request(request: str | None = None, reason: str | None = None) -> dict:
	doc = actions.cancel_request(args.name(request, "request"), args.reason(reason))
	return {"name": doc.name, "status": doc.status}


@endpoint()
def comment(
	request: str | None = None, text: str | None = None, is_internal: bool | int | str = True
) -> dict:
	"""A note on the request's history (internal notes are never shown to the requester)."""
	text = args.text(text, "text", max_length=args.TEXT_LENGTH, multiline=True)
	is_internal = args.flag(is_internal, "is_internal", default=True)
	doc = _readable_request(request)
	if is_internal and not works_on(doc.name):
		is_internal = False  # a requester's words are for everyone on the request
	if not is_internal:
		# Frappe shows a document's comments to anyone who may read it, its requester included: an internal note
		# lives only in the ledger, whose rows the requester cannot read (the form's history shows it to staff).
		doc.add_comment("Comment", escape_html(text))
	ledger.record(doc.name, "commented", is_internal=int(bool(is_internal)), details={"text": text})
	ledger.flush()
	return {"request": doc.name}


@endpoint(methods=("GET", "POST"))
def timeline(request: str | None = None) -> list[dict]:
	"""The request's full event history, oldest first; `details` is an object on every database."""
	doc = _readable_request(request)
	# get_list applies the event permission condition: a requester never sees internal notes.
	events = frappe.get_list(
		"Flow Event",
		filters={"request": doc.name},
		fields=list(ledger.TIMELINE_FIELDS),
		order_by="at asc, creation asc",
		limit_page_length=0,
	)
	for event in events:
		event.details = ledger.details_of(event)
	return events


@endpoint(methods=("GET", "POST"))
def progress(request: str | None = None) -> list[dict]:
	return actions.progress(_readable_request(request))
