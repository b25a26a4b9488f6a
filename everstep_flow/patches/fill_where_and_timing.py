"""0.9: what the visibility reports and lists read, for work made before it was stored.

Tasks: when they became workable (created, or their handoff accepted), first claimed, how often reworked, and their
request's SLA; handoffs: when they were returned; open requests: where they are now."""

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Min
from pypika.terms import Bracket

from everstep_flow.engine import states as S
from everstep_flow.engine.where import changed, where_now
from everstep_flow.requests.progress import live_step, live_tasks


def execute() -> None:
	task, handoff, event, request = (
		DocType("Flow Task"),
		DocType("Flow Handoff"),
		DocType("Flow Event"),
		DocType("Flow Request"),
	)
	frappe.qb.update(handoff).set(handoff.returned_on, handoff.modified).where(
		(handoff.status == S.RETURNED) & handoff.returned_on.isnull()
	).run()
	accepted = (
		frappe.qb.from_(handoff)
		.select(handoff.to_task, handoff.accepted_on)
		.where((handoff.status == S.ACCEPTED) & handoff.accepted_on.notnull())
		.run()
	)
	for name, accepted_on in accepted:
		frappe.db.set_value("Flow Task", name, "ready_on", accepted_on, update_modified=False)
	frappe.qb.update(task).set(task.ready_on, task.creation).where(
		task.ready_on.isnull() & task.awaiting_handoff.isnull() & (task.status != S.SKIPPED)
	).run()
	firsts = (
		frappe.qb.from_(event)
		.select(event.task, Min(event.at))
		.where((event.event_type == "claimed") & event.task.notnull())
		.groupby(event.task)
		.run()
	)
	for name, at in firsts:
		frappe.db.set_value("Flow Task", name, "claimed_on", at, update_modified=False)
	reworked = (
		frappe.qb.from_(event)
		.select(event.task, Count("*"))
		.where((event.event_type == "reopened") & event.task.notnull())
		.groupby(event.task)
		.run()
	)
	for name, times in reworked:
		frappe.db.set_value("Flow Task", name, "rework_count", times, update_modified=False)
	# set-based: each task takes its request's SLA and due date (one statement, whatever the number of requests)
	for task_field, request_field in (("request_sla", "sla_status"), ("request_due_on", "due_on")):
		frappe.qb.update(task).set(
			task[task_field],
			Bracket(
				frappe.qb.from_(request).select(request[request_field]).where(request.name == task.request)
			),
		).run()
	for name in frappe.get_all("Flow Request", filters={"status": ("in", S.REQ_OPEN_STATES)}, pluck="name"):
		stored = frappe.db.get_value(
			"Flow Request",
			name,
			["current_steps", "current_team", "current_holder", "waiting_since"],
			as_dict=True,
		)
		if update := changed(stored, where_now(live_step(t) for t in live_tasks(name))):
			frappe.db.set_value("Flow Request", name, update, update_modified=False)
