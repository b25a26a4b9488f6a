"""Seams 3 to 5: a call is logged against the request and its client, and ends with an owned follow-up.

A call is Frappe's own Communication (medium Phone) referencing the request and linked to the Contact and the
client (timeline_links), so Frappe's timelines show it everywhere; a call that telephony already logged (ERPNext's
Call Log, Frappe CRM's CRM Call Log) is linked instead of copied. Each call is one `call_logged` event; its
follow-up is a Flow Follow Up owned by a team (and maybe one member), which the sweep nudges when due.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import frappe
from frappe import _
from frappe.utils import add_to_date, escape_html, get_datetime, now_datetime

from everstep_flow.base import ledger
from everstep_flow.base.door import decided
from everstep_flow.clients import crm_tasks
from everstep_flow.engine.calls import FOLLOW_UP_OPEN, CallFacts, CallPlan, FollowUpPlan, plan_call
from everstep_flow.engine.plans import Event
from everstep_flow.hosts import client_records as clients
from everstep_flow.hosts import installed
from everstep_flow.teams.membership import is_member, works_on

FOLLOW_UP = "Flow Follow Up"
CALL_LOGS = {"Call Log": "erpnext", "CRM Call Log": "crm"}  # telephony's own call records, where installed


def moment(value: Any, argument: str, problems: dict[str, str]) -> datetime | None:
	"""A date and time argument, or its problem recorded under its name."""
	if value in (None, ""):
		return None
	try:
		return get_datetime(value)
	except Exception:
		problems[argument] = "is not a date and time"
		return None


def contacts_of_client(request) -> set[str]:
	"""The Contacts a call on this request may be with: the client's (its Links), the request's own contact."""
	found = {request.contact} if request.contact else set()
	if request.customer_type and request.customer:
		found.update(clients.contacts_of(request.customer_type, request.customer))
	return found


def log_call(
	request: str,
	*,
	task: str | None = None,
	direction: str | None = None,
	contact: str | None = None,
	at: Any = None,
	duration: Any = None,
	summary: str = "",
	follow_up_on: Any = None,
	follow_up_team: str | None = None,
	follow_up_owner: str | None = None,
	follow_up_what: str = "",
	no_follow_up_reason: str = "",
	call_log: str | None = None,
	call_log_doctype: str | None = None,
) -> dict[str, Any]:
	"""Validate everything, then write the call, its follow-up and one event, in the caller's transaction."""
	doc = frappe.db.get_value(
		"Flow Request", request, ["name", "contact", "customer_type", "customer"], as_dict=True
	)  # the client is all a call needs of the request
	if not works_on(doc.name):
		frappe.throw(_("Only staff on this request can log a call on it."), frappe.PermissionError)
	if task and frappe.db.get_value("Flow Task", task, "request") != doc.name:
		frappe.throw(
			_("task: {0} is not a task of {1}").format(escape_html(task), doc.name), frappe.ValidationError
		)
	now = now_datetime()
	found: dict[str, str] = {}  # what only the database (or parsing) tells, by argument
	when = moment(at, "at", found) if at not in (None, "") else now
	if when and when > add_to_date(now, minutes=5):
		found["at"] = "is in the future: log a call once it has happened"
	due = moment(follow_up_on, "follow_up_on", found)
	wants_follow_up = any((follow_up_on, follow_up_team, follow_up_owner, (follow_up_what or "").strip()))
	plan = FollowUpPlan(due, follow_up_team or "", follow_up_owner or "", follow_up_what or "")
	call = CallPlan(
		direction or "",
		contact or "",
		when,
		duration,
		summary or "",
		plan if wants_follow_up else None,
		no_follow_up_reason or "",
	)
	if contact:
		allowed = contacts_of_client(doc)
		if allowed and contact not in allowed:
			found["contact"] = f"{contact} is not a contact of the client {doc.customer or ''}".strip()
		elif not allowed and not frappe.db.exists("Contact", contact):
			found["contact"] = f"no Contact {contact}"
	if wants_follow_up:
		found.update(_owner_problems(plan))
	if call_log:
		found.update(_call_log_problems(call_log, call_log_doctype))
	decision = decided(
		plan_call, CallFacts(doc.name, task, call, contact or "", found, call_log, call_log_doctype), now
	)

	if decision.communication:
		record = {"communication": _communication(doc, call).name}
	else:
		_link_call_log(call_log_doctype, call_log, doc)
		record = {"call_log_doctype": call_log_doctype, "call_log": call_log}
	follow_up = (
		_new_follow_up(doc, task, decision.follow_up, record.get("communication"))
		if decision.follow_up
		else None
	)
	details = {**record, **decision.details, "follow_up": follow_up}
	if not follow_up:
		details.update(follow_up_on=None, follow_up_team=None)
	ledger.record_plan(doc.name, (Event("call_logged", task=task, is_internal=1, details=details),))
	return {"request": doc.name, **record, "follow_up": follow_up}


def _owner_problems(plan: FollowUpPlan) -> dict[str, str]:
	problems: dict[str, str] = {}
	if plan.team and not frappe.db.exists("Flow Team", {"name": plan.team, "disabled": 0}):
		problems["follow_up_team"] = f"no active team {plan.team}"
	elif plan.owner and not is_member(plan.team, plan.owner):
		problems["follow_up_owner"] = f"{plan.owner} is not a member of {plan.team}"
	return problems


def _call_log_problems(name: str, doctype: str | None) -> dict[str, str]:
	if doctype not in CALL_LOGS or not installed(doctype):
		available = [d for d in CALL_LOGS if installed(d)]
		return {"call_log_doctype": f"must be one of: {', '.join(available) or 'none installed'}"}
	if not frappe.db.exists(doctype, name) or not frappe.has_permission(doctype, "read", name):
		return {"call_log": f"no {doctype} {name}"}
	return {}


def _link_call_log(doctype: str, name: str, request) -> None:
	from everstep_flow.hosts import crm, erpnext

	links = [("Flow Request", request.name)]
	if request.customer:
		links.append((request.customer_type, request.customer))
	(erpnext.link_call_log if doctype == "Call Log" else crm.link_call_log)(name, links)


def _communication(request, call: CallPlan):
	contact_name = frappe.db.get_value("Contact", call.contact, "full_name") or call.contact
	comm = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Phone",
			"sent_or_received": "Sent" if call.direction == "Outgoing" else "Received",
			"subject": _("{0} call with {1} ({2} min)").format(
				_(call.direction), contact_name, call.duration_minutes
			),
			"content": escape_html(call.summary.strip()),
			"communication_date": call.at,
			"reference_doctype": "Flow Request",
			"reference_name": request.name,
			"phone_no": frappe.db.get_value("Contact", call.contact, "phone")
			or frappe.db.get_value("Contact", call.contact, "mobile_no"),
			"status": "Linked",
		}
	)
	comm.add_link("Contact", call.contact)
	if request.customer and (request.customer_type, request.customer) != ("Contact", call.contact):
		comm.add_link(request.customer_type, request.customer)
	comm.flags.flow_call = True
	comm.insert(ignore_permissions=True)
	return comm


def _new_follow_up(request, task: str | None, plan: FollowUpPlan, call: str | None) -> str:
	doc = frappe.get_doc(
		{
			"doctype": FOLLOW_UP,
			"what": plan.what.strip(),
			"due_on": plan.due_on,
			"status": FOLLOW_UP_OPEN,
			"owner_team": plan.team,
			"assigned_to": plan.owner or None,
			"request": request.name,
			"task": task,
			"call": call,
			"customer_type": request.customer_type,
			"customer": request.customer,
		}
	)
	doc.flags.flow_system = True
	doc.insert(ignore_permissions=True)
	crm_tasks.made(doc)  # its owner's CRM Task, when they work in Frappe CRM
	return doc.name
