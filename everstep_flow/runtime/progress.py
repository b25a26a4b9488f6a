"""Move a request forward: create the tasks (and handoffs) the core decides, and keep the request status derived."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from everstep_flow.catalog import definition_of
from everstep_flow.engine import ServiceDefinition, Step
from everstep_flow.engine import states as S
from everstep_flow.engine.runtime import Decision, advance, more_steps_possible
from everstep_flow.engine.values import typed
from everstep_flow.runtime import ledger
from everstep_flow.runtime.sla import on_status_change
from everstep_flow.runtime.timing import calendar_for, due_after


def request_values(request_name: str) -> dict[str, str]:
	return dict(
		frappe.get_all(
			"Flow Request Value",
			filters={"parent": request_name, "parenttype": "Flow Request"},
			fields=["fieldname", "value"],
			as_list=True,
			ignore_permissions=True,
		)
	)


def condition_checker(defn: ServiceDefinition, values: dict[str, str]):
	"""Evaluate step conditions with frappe.safe_eval over the request's typed values (as Assignment Rule does)."""
	context = typed(defn, values)

	def check(step: Step) -> bool:
		if not step.condition:
			return True
		try:
			return bool(frappe.safe_eval(step.condition, None, dict(context)))
		except Exception as e:
			frappe.throw(
				_("The condition of step {0} could not be evaluated: {1}").format(frappe.bold(step.key), e),
				title=_("Invalid step condition"),
			)

	return check


def step_states(request_name: str) -> dict[str, str]:
	"""Step key -> state of its live task (cancelled tasks are left out so the step may run again)."""
	return dict(
		frappe.get_all(
			"Flow Task",
			filters={"request": request_name, "status": ("!=", S.CANCELLED)},
			fields=["step_key", "status"],
			order_by="creation asc",
			as_list=True,
			ignore_permissions=True,
		)
	)


def move_on(
	request, defn: ServiceDefinition, completed_task=None, states: dict[str, str] | None = None
) -> None:
	"""Create the tasks that are ready now, with handoffs where work crosses to another team.

	`states` given means the caller knows every task already (intake: none), saving the queries.
	"""
	known = states is not None
	states = states if known else step_states(request.name)
	values = request_values(request.name) if completed_task else request.flags.flow_values
	decisions = advance(
		defn,
		states,
		condition_checker(defn, values),
		completed_step=completed_task.step_key if completed_task else "",
	)
	for decision in decisions:
		create_task(request, defn.step(decision.step), decision, completed_task)
		states[decision.step] = decision.state
	refresh_status(request.name, defn, states, current=request.status if known else None)


def create_task(request, step: Step, decision: Decision, completed_task=None) -> None:
	now = now_datetime()
	handoff_name = frappe.generate_hash(length=10) if decision.handoff_from and completed_task else None
	task = frappe.get_doc(
		{
			"doctype": "Flow Task",
			"title": step.title,
			"request": request.name,
			"service": request.service,
			"step_key": step.key,
			"team": step.team,
			"status": decision.state,
			"instructions": step.instructions,
			"due_on": due_after(step.target_minutes, calendar_for(step.team, request.service), now),
			"awaiting_handoff": handoff_name,
			"checklist_state": {item: 0 for item in step.checklist} if step.checklist else None,
		}
	)
	task.flags.flow_system = True  # created by the engine, possibly straight into Skipped
	task.insert(ignore_permissions=True, ignore_links=True)
	ledger.record(
		request.name,
		"skipped" if decision.state == S.SKIPPED else "created",
		task=task.name,
		to_team=step.team,
		to_state=decision.state,
		details={"step": step.key},
	)
	if handoff_name:
		handoff = frappe.get_doc(
			{
				"doctype": "Flow Handoff",
				"request": request.name,
				"from_task": completed_task.name,
				"to_task": task.name,
				"from_team": completed_task.team,
				"to_team": step.team,
				"status": S.PENDING,
				"sent_by": frappe.session.user,
				"sent_on": now,
				"accept_by": due_after(step.accept_minutes, calendar_for(step.team, request.service), now),
				"outputs": completed_task.outputs,
				"note": completed_task.get("handoff_note"),
			}
		)
		handoff.flags.flow_system = True  # made by the engine
		handoff.insert(ignore_permissions=True, set_name=handoff_name)
		ledger.record(
			request.name,
			"handed_off",
			task=completed_task.name,
			handoff=handoff_name,
			from_team=completed_task.team,
			to_team=step.team,
			to_state=S.PENDING,
			details={"to_task": task.name, "step": step.key},
		)


def refresh_status(
	request_name: str,
	defn: ServiceDefinition,
	states: dict[str, str] | None = None,
	current: str | None = None,
) -> str:
	"""Store the status derived from the tasks; an actual change is itself an event."""
	states = step_states(request_name) if states is None else states
	current = current or frappe.db.get_value("Flow Request", request_name, "status")
	if current == S.REQ_CANCELLED:
		return current
	new = S.request_status(states.values(), more_steps=more_steps_possible(defn, states))
	if new != current:
		update = {"status": new, "completed_on": now_datetime() if new == S.REQ_COMPLETED else None}
		if new == S.REQ_COMPLETED:
			update["open_key"] = None  # a new request for this client and service may start again
		update.update(on_status_change(request_name, current, new))
		frappe.db.set_value("Flow Request", request_name, update)
		ledger.record(request_name, "status_changed", from_state=current, to_state=new)
	return new


def output_fields(task) -> list[dict]:
	"""The fields a person may fill when completing `task`: the step's required outputs and the service's later
	(not-at-intake) fields no other step owns, with what the request already holds. Feeds the desk's Complete dialog."""
	request = frappe.get_doc("Flow Request", task.request)
	defn = definition_of(request)
	required = set(defn.step(task.step_key).required_outputs)
	others = {f for s in defn.steps if s.key != task.step_key for f in s.required_outputs} - required
	current = {row.fieldname: row.value for row in request.request_values}
	return [
		{
			"fieldname": f.fieldname,
			"label": f.label,
			"fieldtype": f.fieldtype,
			"options": f.options,
			"required": f.fieldname in required,
			"value": current.get(f.fieldname),
		}
		for f in defn.intake_fields
		if f.fieldname in required or (not f.at_intake and f.fieldname not in others)
	]
