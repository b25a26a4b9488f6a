"""REST: /api/method/everstep_flow.api.request.<method>"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.runtime import actions, ledger
from everstep_flow.runtime.intake import submit_request as _submit
from everstep_flow.runtime.membership import is_manager, works_on


def _readable_request(request: str):
	doc = frappe.get_doc("Flow Request", request)
	doc.check_permission("read")
	return doc


@frappe.whitelist(methods=["POST"])
def submit_request(
	service: str,
	values: dict | str | None = None,
	subject: str | None = None,
	customer_type: str | None = None,
	customer: str | None = None,
	requester: str | None = None,
) -> dict:
	"""Start a request for `service` with intake `values` ({fieldname: value}). Errors name each bad field."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to submit a request."), frappe.PermissionError)
	if requester and requester != frappe.session.user:
		if not is_manager():
			frappe.throw(
				_("requester: only a Flow Manager can submit on behalf of someone else."),
				frappe.PermissionError,
			)
		if not frappe.db.exists("User", requester):
			frappe.throw(_("requester: no user {0}").format(requester), frappe.ValidationError)
	request = _submit(
		service,
		actions.parse_object(values, "values"),
		subject=subject,
		requester=requester,
		customer_type=customer_type,
		customer=customer,
		source="API",
	)
	return {"name": request.name, "status": frappe.db.get_value("Flow Request", request.name, "status")}


@frappe.whitelist(methods=["POST"])
def cancel_request(request: str, reason: str) -> dict:
	doc = actions.cancel_request(request, reason)
	return {"name": doc.name, "status": doc.status}


@frappe.whitelist(methods=["POST"])
def comment(request: str, text: str, is_internal: bool = True) -> dict:
	"""A note on the request's history (internal notes are never shown to the requester)."""
	doc = _readable_request(request)
	text = (text or "").strip()
	if not text:
		frappe.throw(_("text: the comment is empty."), frappe.ValidationError)
	if len(text) > 10_000:
		frappe.throw(_("text: at most 10,000 characters."), frappe.ValidationError)
	if is_internal and not works_on(doc.name):
		is_internal = False  # a requester's words are for everyone on the request
	doc.add_comment("Comment", escape_html(text))
	ledger.record(doc.name, "commented", is_internal=int(bool(is_internal)), details={"text": text})
	ledger.flush()
	return {"request": doc.name}


@frappe.whitelist(methods=["GET", "POST"])
def timeline(request: str) -> list[dict]:
	"""The request's full event history, oldest first."""
	doc = _readable_request(request)
	# get_list applies the event permission condition: a requester never sees internal notes.
	return frappe.get_list(
		"Flow Event",
		filters={"request": doc.name},
		fields=list(ledger.TIMELINE_FIELDS),
		order_by="at asc, creation asc",
		limit_page_length=0,
	)


@frappe.whitelist(methods=["GET", "POST"])
def progress(request: str) -> list[dict]:
	return actions.progress(_readable_request(request))
