"""Move a request forward: load it, let the core plan the tasks and handoffs that are ready and the derived status,
SLA and "where is it now" (engine.plans.plan_progress), and apply the plan once."""

from __future__ import annotations

import frappe
from frappe.utils import get_datetime

from everstep_flow.base.catalog import definition_of
from everstep_flow.base.door import decided
from everstep_flow.engine import states as S
from everstep_flow.engine.plans import Completed, RequestFacts, SlaFacts, TaskRow, plan_progress
from everstep_flow.engine.where import WHERE_FIELDS, LiveStep
from everstep_flow.requests.apply import apply
from everstep_flow.teams.calendars import clock_for

SLA_FIELDS = ["due_on", "at_risk_on", "paused_since", "paused_minutes", "sla_status"]


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


def task_rows(request_name: str, lock: bool = False) -> list[frappe._dict]:
	"""Every task of the request (cancelled ones too: they count a step's runs), oldest first.

	`lock`: a locking read, for deciding what comes next. Two people completing the two branches before a join
	at the same moment each saw the other's branch still open in their snapshot, and the join was never created.
	Locked, the second waits for (or, as a deadlock or serialization failure, is retried after) the first, and reads
	its committed result."""
	task = frappe.qb.DocType("Flow Task")
	query = (
		frappe.qb.from_(task)
		.select(*(task[f] for f in LIVE_TASK_FIELDS))
		.where(task.request == request_name)
		.orderby(task.creation)
	)
	return (query.for_update() if lock else query).run(as_dict=True)


def live_tasks(request_name: str) -> list[frappe._dict]:
	"""The request's live tasks (cancelled ones left out, so the step may run again)."""
	return [t for t in task_rows(request_name) if t.status != S.CANCELLED]


def live_step(task) -> LiveStep:
	return LiveStep(
		task.title,
		task.team,
		task.status,
		task.claimed_by or "",
		bool(task.awaiting_handoff),
		get_datetime(task.ready_on or task.creation),  # awaiting acceptance: since it was handed on
	)


REQUEST_FIELDS = ["name", "service", "status", "definition", *WHERE_FIELDS, *SLA_FIELDS]


def load(request_name: str, completed_task=None) -> tuple[RequestFacts, Completed | None, str]:
	"""What progress needs, in at most three reads: the request (unless a completion read it already), all its
	tasks and, after a completion, its values (for the conditions of the steps it makes ready). A completion reads
	the tasks locked (see task_rows): it decides what comes next; any other move only derives the status and where
	the request is, and locks nothing more."""
	flags = completed_task.flags if completed_task is not None else {}
	row = flags.get("flow_request") or frappe.db.get_value(
		"Flow Request", request_name, REQUEST_FIELDS, as_dict=True
	)
	tasks = task_rows(request_name, lock=completed_task is not None)
	values = {}
	completed = None
	if completed_task is not None:
		values = flags.get("flow_request_values") or dict(
			frappe.get_all(
				"Flow Request Value",
				filters={"parent": request_name, "parenttype": "Flow Request"},
				fields=["fieldname", "value"],
				as_list=True,
				ignore_permissions=True,
			)
		)
		completed = Completed(
			completed_task.name,
			completed_task.step_key,
			completed_task.team,
			completed_task.outputs,
			completed_task.get("handoff_note"),
		)
	facts = RequestFacts(
		name=row.name,
		status=row.status,
		definition=definition_of(row),
		tasks=tuple(
			TaskRow(
				t.name,
				t.step_key,
				t.status,
				t.title,
				t.team,
				t.claimed_by or "",
				t.awaiting_handoff or "",
				get_datetime(t.ready_on or t.creation),  # awaiting acceptance: since it was handed on
			)
			for t in tasks
		),
		values=values,
		where={k: row.get(k) for k in WHERE_FIELDS},
		sla=SlaFacts(**{k: row.get(k) for k in SLA_FIELDS}),
		actor=frappe.session.user,
		service=row.service,
	)
	return facts, completed, row.service


def move_on(request_name: str, completed_task=None) -> None:
	"""After any move: load, let the core plan (new tasks and handoffs after a completion; the derived status, the
	SLA clock and where the request is now), apply once."""
	facts, completed, service = load(request_name, completed_task)
	apply(decided(plan_progress, facts, clock_for(facts.definition, service), completed))


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
