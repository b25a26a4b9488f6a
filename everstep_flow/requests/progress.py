"""Move a request forward: create the tasks (and handoffs) the core decides, and keep the request status derived."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from everstep_flow.catalog import definition_of
from everstep_flow.engine import ServiceDefinition, Step
from everstep_flow.engine import states as S
from everstep_flow.engine.expressions import check_condition, guarded
from everstep_flow.engine.runtime import Decision, advance, more_steps_possible
from everstep_flow.engine.values import typed
from everstep_flow.engine.where import NOWHERE, WHERE_FIELDS, LiveStep, changed, where_now
from everstep_flow.runtime import ledger
from everstep_flow.runtime.sla import mirror_to_tasks, on_status_change
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
			# Checked again: a service saved before the rules of issue 18 may hold anything
			check_condition(step.condition, defn.field_names)
			return bool(frappe.safe_eval(step.condition, None, guarded(context)))
		except Exception as e:
			frappe.throw(
				_("The condition of step {0} could not be evaluated: {1}").format(frappe.bold(step.key), e),
				title=_("Invalid step condition"),
			)

	return check


LIVE_TASK_FIELDS = [
	"name",
	"step_key",
	"status",
	"title",
	"team",
	"claimed_by",
	"awaiting_handoff",
	"ready_on",
	"creation",
]


def live_tasks(request_name: str, for_update: bool = False) -> list[frappe._dict]:
	"""The request's live tasks, oldest first (cancelled ones are left out so the step may run again).

	`for_update`: a locking read, for deciding what comes next. Two people completing the two branches before a join
	at the same moment each saw the other's branch still open in their snapshot, and the join was never created.
	Locked, the second waits for (or, as a deadlock or serialization failure, is retried after) the first, and reads
	its committed result."""
	task = frappe.qb.DocType("Flow Task")
	query = (
		frappe.qb.from_(task)
		.select(*(task[f] for f in LIVE_TASK_FIELDS))
		.where((task.request == request_name) & (task.status != S.CANCELLED))
		.orderby(task.creation)
	)
	if for_update:
		query = query.for_update()
	return query.run(as_dict=True)


def live_step(task) -> LiveStep:
	return LiveStep(
		task.title,
		task.team,
		task.status,
		task.claimed_by or "",
		bool(task.awaiting_handoff),
		get_datetime(task.ready_on or task.creation),  # awaiting acceptance: since it was handed on
	)


def intake_where(defn: ServiceDefinition, values: dict[str, str], now) -> dict:
	"""Where a new request will be once its first tasks exist: stored with the insert, not written after it."""
	decisions = advance(defn, {}, condition_checker(defn, values))
	return where_now(
		LiveStep(defn.step(d.step).title, defn.step(d.step).team, d.state, since=now) for d in decisions
	)


def move_on(
	request, defn: ServiceDefinition, completed_task=None, states: dict[str, str] | None = None
) -> None:
	"""Create the tasks that are ready now, with handoffs where work crosses to another team.

	`states` given means the caller knows every task already (intake: none), saving the queries.
	"""
	known = states is not None
	tasks = None if known else live_tasks(request.name, for_update=True)
	states = states if known else {t.step_key: t.status for t in tasks}
	values = request_values(request.name) if completed_task else request.flags.flow_values
	decisions = advance(
		defn,
		states,
		condition_checker(defn, values),
		completed_step=completed_task.step_key if completed_task else "",
	)
	for decision in decisions:
		task = create_task(request, defn.step(decision.step), decision, completed_task)
		states[decision.step] = decision.state
		if tasks is not None:
			tasks.append(task)
	# At intake the request was inserted with where it is (intake_where): nothing to refresh but the status.
	refresh_status(request.name, defn, states, current=request.status if known else None, tasks=tasks)


def task_name(request_name: str, step_key: str, first: bool) -> str:
	"""A name people can say: the request and the step ("FR-00012-it_review"); a step that runs again gets "-2",
	"-3". `first`: the caller knows the request has no task yet (intake), so no query."""
	base = f"{request_name}-{step_key}"
	if first:
		return base
	runs = frappe.db.count("Flow Task", {"request": request_name, "step_key": step_key})
	return f"{base}-{runs + 1}" if runs else base


def handoff_name_of(task: str) -> str:
	"""A handoff into a task is named after it ("H-FR-00012-finance_approval"): one handoff per receiving task."""
	return f"H-{task}"


def create_task(request, step: Step, decision: Decision, completed_task=None):
	now = now_datetime()
	name = task_name(request.name, step.key, first=completed_task is None)  # none yet at intake
	handoff_name = handoff_name_of(name) if decision.handoff_from and completed_task else None
	workable = decision.state == S.QUEUED and not handoff_name
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
			"ready_on": now if workable else None,
			"request_sla": request.get("sla_status"),
			"request_due_on": request.get("due_on"),
			"checklist_state": {item: 0 for item in step.checklist} if step.checklist else None,
		}
	)
	task.flags.flow_system = True  # created by the engine, possibly straight into Skipped
	task.insert(ignore_permissions=True, ignore_links=True, set_name=name)
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
	return task


def refresh_status(
	request_name: str,
	defn: ServiceDefinition,
	states: dict[str, str] | None = None,
	current: str | None = None,
	tasks: list | None = None,
) -> str:
	"""Store the status derived from the tasks (an actual change is itself an event) and where the request is now.

	`tasks` (the live tasks) or neither `states` nor `current` given: "where is it now" is refreshed too, in the
	same write as the status."""
	if states is None:
		tasks = live_tasks(request_name)
		states = {t.step_key: t.status for t in tasks}
	stored = None
	if current is None or tasks is not None:
		stored = frappe.db.get_value("Flow Request", request_name, ["status", *WHERE_FIELDS], as_dict=True)
		current = current or stored.status
	update: dict = {}
	if current == S.REQ_CANCELLED:
		new = current
		if stored is not None:
			update = changed(stored, NOWHERE)
	else:
		new = S.request_status(states.values(), more_steps=more_steps_possible(defn, states))
		if tasks is not None:
			update = changed(stored, where_now(live_step(t) for t in tasks))
		if new != current:
			update.update(status=new, completed_on=now_datetime() if new == S.REQ_COMPLETED else None)
			if new == S.REQ_COMPLETED:
				update["open_key"] = None  # a new request for this client and service may start again
			update.update(on_status_change(request_name, current, new))
	if update:
		frappe.db.set_value("Flow Request", request_name, update)
		mirror_to_tasks(request_name, update)
	if new != current:
		ledger.record(request_name, "status_changed", from_state=current, to_state=new)
	return new


def refresh_where(request_name: str) -> None:
	"""After a move that changes who holds a task but not its state (a handoff accepted, a claim reassigned)."""
	definition = frappe.db.get_value("Flow Request", request_name, "definition")
	if definition:
		refresh_status(request_name, definition_of(frappe._dict(definition=definition, name=request_name)))


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
