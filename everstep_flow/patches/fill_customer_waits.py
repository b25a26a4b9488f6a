"""0.15: Flow Task.customer_wait_since and Flow Request.last_customer_contact for the tasks waiting on the customer
when they came (the ledger keeps both from then on; a request not waiting needs no past contact: only contact
after a wait begins counts)."""

import frappe
from frappe.query_builder import DocType

from everstep_flow.base import ledger
from everstep_flow.engine import states as S
from everstep_flow.engine.calls import CONTACT_EVENTS, latest_contacts

CHUNK = 500


def execute() -> None:
	task, event, request = DocType("Flow Task"), DocType("Flow Event"), DocType("Flow Request")
	waiting = (
		frappe.qb.from_(task)
		.select(task.name, task.request)
		.where((task.status == S.WAITING) & task.customer_wait_since.isnull())
		.run()
	)
	for start in range(0, len(waiting), CHUNK):
		names = [name for name, _request in waiting[start : start + CHUNK]]
		requests = list({request for _name, request in waiting[start : start + CHUNK]})
		since: dict[str, object] = {}
		for name, at in (
			frappe.qb.from_(event)
			.select(event.task, event.at)
			.where((event.event_type == "waiting") & event.task.isin(names))
			.run()
		):
			if name not in since or at > since[name]:
				since[name] = at
		for name, at in since.items():
			frappe.qb.update(task).set(task.customer_wait_since, at).where(task.name == name).run()
		latest = latest_contacts(
			(r, kind, ledger.details_of({"details": details}), at)
			for r, kind, details, at in (
				frappe.qb.from_(event)
				.select(event.request, event.event_type, event.details, event.at)
				.where(event.event_type.isin(tuple(CONTACT_EVENTS)) & event.request.isin(requests))
				.run()
			)
		)
		for name, at in latest.items():
			frappe.qb.update(request).set(request.last_customer_contact, at).where(
				(request.name == name)
				& (request.last_customer_contact.isnull() | (request.last_customer_contact < at))
			).run()
