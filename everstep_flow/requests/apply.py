"""Apply a plan of the core (engine.plans) in the caller's one transaction: inserts, then updates, then its events.

Documents go through Frappe's own insert (their controllers, Notifications, Assignment Rules and webhooks see
them as any other document); what has no hooks of its own (a request's values, the ledger) is written in bulk.
"""

from __future__ import annotations

from dataclasses import replace

import frappe
from frappe import _
from frappe.utils.html_utils import sanitize_html

from everstep_flow.base import ledger
from everstep_flow.base.door import Collision
from everstep_flow.engine.plans import NEW_REQUEST, NewTask, Plan


def apply(plan: Plan, existing=None):
	"""Write `plan`; returns the request (the new one, or the open one an intake was linked to). `existing`: the
	bare request an inbound email made, filled in place."""
	if plan.linked_to:
		ledger.record_plan(plan.linked_to, plan.events)
		request = frappe.get_doc("Flow Request", plan.linked_to)
		request.flags.flow_linked = True
		return request
	request = None
	if plan.request is not None:
		request = _fill_existing(existing, plan) if existing is not None else _insert_request(plan)
		plan = named(plan, request.name)
	for task in plan.tasks:
		doc = frappe.get_doc({"doctype": "Flow Task", **task.fields})
		doc.flags.flow_system = True  # created by the engine, possibly straight into Skipped
		doc.insert(ignore_permissions=True, ignore_links=True, set_name=task.name)
	for handoff in plan.handoffs:
		doc = frappe.get_doc({"doctype": "Flow Handoff", **handoff.fields})
		doc.flags.flow_system = True  # made by the engine
		doc.insert(ignore_permissions=True, set_name=handoff.name)
	if plan.request_update:
		frappe.db.set_value("Flow Request", plan.request_name, dict(plan.request_update))
	if plan.mirror:
		# The task list shows its request's SLA and due date.
		frappe.db.set_value(
			"Flow Task", {"request": plan.request_name}, dict(plan.mirror), update_modified=False
		)
	ledger.record_plan(plan.request_name, plan.events)
	return request


def named(plan: Plan, name: str) -> Plan:
	"""The plan with the new request's name where it said NEW_REQUEST (the tasks' names, links and events)."""

	def put(value):
		return value.replace(NEW_REQUEST, name) if isinstance(value, str) else value

	return replace(
		plan,
		request_name=name,
		tasks=tuple(NewTask(put(t.name), {k: put(v) for k, v in t.fields.items()}) for t in plan.tasks),
		events=tuple(replace(e, task=put(e.task), handoff=put(e.handoff)) for e in plan.events),
	)


VALUE_FIELDS = (
	*ledger.STANDARD_FIELDS,
	"parent",
	"parentfield",
	"parenttype",
	"fieldname",
	"label",
	"fieldtype",
	"value",
)


def _insert_request(plan: Plan):
	rows = plan.request["request_values"]
	request = frappe.get_doc(
		{"doctype": "Flow Request", **{k: v for k, v in plan.request.items() if k != "request_values"}}
	)
	request.flags.flow_values = {row["fieldname"]: row["value"] for row in rows}
	request.flags.flow_value_rows = rows  # written by the controller's after_insert: insert_values
	try:
		request.insert(ignore_permissions=True, ignore_links=True)  # named by Frappe's own rules
	except frappe.UniqueValidationError:
		if not request.open_key:
			raise
		# Another transaction opened a request for the same client and service at the same moment (the unique
		# `open_key`): a collision; the door or job retries, and its second run links to that one.
		frappe.clear_last_message()
		raise Collision(_("Another request for this client and service was started at the same moment."))
	ledger.inserted_fresh(request.name)  # it carries last_event_at already
	return request


def insert_values(request) -> None:
	"""after_insert() of a request intake made: its values in one statement (a child row has no hooks of its own),
	cleaned as Frappe cleans a child's Small Text, and on the document before on_update, so that Notifications,
	webhooks and other apps' hooks see them as with any child table."""
	rows = request.flags.pop("flow_value_rows", None)
	if not rows:
		return
	rows = [{**row, "label": _sanitized(row["label"]), "value": _sanitized(row["value"])} for row in rows]
	user, now = frappe.session.user, request.creation
	full = [
		{
			**ledger.standard_row(frappe.generate_hash(length=10), now, user),
			"idx": idx,
			"parent": request.name,
			"parentfield": "request_values",
			"parenttype": "Flow Request",
			**row,
		}
		for idx, row in enumerate(rows, 1)
	]
	ledger.insert_rows("Flow Request Value", VALUE_FIELDS, [tuple(r[f] for f in VALUE_FIELDS) for r in full])
	for row in full:
		request.append("request_values", row)


def _sanitized(value: str) -> str:
	"""What Frappe's save does to a Data or Small Text value (BaseDocument._sanitize_content): markup is
	sanitised."""
	if not isinstance(value, str) or ("<" not in value and ">" not in value):
		return value
	if "<!-- markdown -->" in value and not ("<script" in value or "javascript:" in value):
		return value
	return sanitize_html(value, linkify=False)


def _fill_existing(request, plan: Plan):
	request.update(plan.request)
	request.flags.flow_values = {row["fieldname"]: row["value"] for row in plan.request["request_values"]}
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
	return request
