"""The customer's side of the conversation: new emails become requests, replies resume waiting work.

A reply (portal reply box or an email on the request's thread) is a non-internal `commented` event; every task of
the request that is Waiting on Customer goes back to In Progress, which resumes the request and its SLA clock.
"""

from __future__ import annotations

import frappe
from frappe.utils import strip_html

from everstep_flow.engine import states as S
from everstep_flow.runtime import ledger
from everstep_flow.runtime.intake import start_existing
from everstep_flow.runtime.teams import service_unavailable
from everstep_flow.runtime.transitions import system_move

MAX_REPLY = 10_000


def customer_replied(request: str, text: str, sender: str, via: str) -> list[str]:
	ledger.record(
		request,
		"commented",
		actor=sender if frappe.db.exists("User", sender) else None,
		is_internal=0,
		details={"text": text[:MAX_REPLY], "via": via, "from": sender},
	)
	resumed = frappe.get_all("Flow Task", filters={"request": request, "status": S.WAITING}, pluck="name")
	for task in resumed:
		system_move(task, S.IN_PROGRESS, flow_reason=f"the customer replied ({via})")
	ledger.flush()
	return resumed


def on_communication(doc, method=None) -> None:
	"""Communication after_insert: received emails that Frappe attached to a Flow Request."""
	if (
		doc.reference_doctype != "Flow Request"
		or doc.sent_or_received != "Received"
		or not doc.reference_name
	):
		return
	request = frappe.get_doc("Flow Request", doc.reference_name)
	# Frappe keeps an HTML email in `content` and a plain-text one in `text_content`.
	text = (strip_html(doc.content or "") or doc.get("text_content") or "").strip()
	# Mail is taken as it comes: never refused for a NUL byte (PostgreSQL cannot store one) or its length.
	text = text.replace("\x00", "")[:MAX_REPLY]
	if request.service:
		customer_replied(request.name, text, doc.sender, "Email")
		return
	service = frappe.db.get_value("Flow Service", {"intake_email_account": doc.email_account}, "name")
	if service and service_unavailable(frappe.get_cached_doc("Flow Service", service)):
		service = None  # its team is disabled: kept unrouted (and reported) rather than refused
	if not service:
		# Nothing is lost: the request stays open without tasks, and the no-orphan check reports it.
		ledger.record(request.name, "created", to_state="Open", details={"source": "Email", "routed": False})
		ledger.flush()
		return
	field = body_field(service)
	start_existing(request, service, {field: text} if field else {})


def body_field(service: str) -> str | None:
	"""Where the email body goes: the service's chosen field, else its first Long Text / Small Text intake field."""
	doc = frappe.get_cached_doc("Flow Service", service)
	if doc.email_body_field:
		return doc.email_body_field
	for fieldtype in ("Long Text", "Small Text"):
		for field in doc.intake_fields:
			if field.fieldtype == fieldtype and field.at_intake:
				return field.fieldname
	return None
