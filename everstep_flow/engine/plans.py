"""The plan of an action: what to insert, what to update and which events to write, as one value.

The shell loads the facts an action needs in one go, calls one function here (`plan_intake`, `plan_progress`) and
applies the plan it gets back in one transaction (`requests.apply`). Nothing here reads a database or the clock:
the clock is a fact too (`Clock`), and so are the business calendars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from everstep_flow.engine import states as S
from everstep_flow.engine.calendar import Calendar, add_business_minutes, business_minutes_between
from everstep_flow.engine.conditions import ConditionError, holds
from everstep_flow.engine.definition import ServiceDefinition, to_snapshot
from everstep_flow.engine.runtime import advance, more_steps_possible
from everstep_flow.engine.seams import LINK, Client, client_fields, duplicates_mode, open_key
from everstep_flow.engine.sla import AT_RISK_SHARE, ON_TRACK, PAUSED, sla_status
from everstep_flow.engine.values import ValuesError, intake_context, plain, typed
from everstep_flow.engine.where import NOWHERE, WHERE_FIELDS, LiveStep, changed, where_now

# Clock.calendars key of the request's own calendar (its owner team's, else the service's).
REQUEST_CALENDAR = ""
# A new request is named by Frappe when it is inserted (naming series, Document Naming Rules): until then the plan
# refers to it by this mark, which no name can contain, and the shell puts the name in (requests.apply).
NEW_REQUEST = "<new request>"


def handoff_name_of(task: str) -> str:
	"""A handoff into a task is named after it ("H-FR-00012-finance_approval"): one handoff per receiving task."""
	return f"H-{task}"


class Refusal(ValueError):
	"""The action may not happen: `problems` names each bad field (or argument), `title` says what was refused.
	`one_line`: a move refused for one reason answers in one sentence ("reason: say why…"), not a list of fields."""

	def __init__(
		self, problems: Mapping[str, str], title: str = "Invalid request", *, one_line: bool = False
	):
		super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
		self.problems, self.title, self.one_line = dict(problems), title, one_line


@dataclass(frozen=True)
class Clock:
	"""Now, and business time: datetimes are naive in the site's timezone, as Frappe stores them."""

	now: datetime
	timezone: str = "UTC"
	calendars: Mapping[str, Calendar | None] = field(default_factory=dict)

	def _aware(self, moment: datetime) -> datetime:
		return moment.replace(tzinfo=ZoneInfo(self.timezone))

	def due_after(self, minutes: float, key: str, start: datetime | None = None) -> datetime | None:
		"""`minutes` of business time (of the calendar under `key`) after `start` (default now); 0 -> None."""
		if not minutes:
			return None
		moment = add_business_minutes(self.calendars.get(key), self._aware(start or self.now), minutes)
		return moment.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)

	def minutes_between(self, key: str, start: datetime, end: datetime) -> float:
		return business_minutes_between(self.calendars.get(key), self._aware(start), self._aware(end))


@dataclass(frozen=True)
class Event:
	"""One Flow Event row (the shell adds its name, time and actor)."""

	event_type: str
	task: str | None = None
	handoff: str | None = None
	from_team: str | None = None
	to_team: str | None = None
	from_state: str | None = None
	to_state: str | None = None
	details: Mapping[str, Any] | None = None
	is_internal: int = 0


@dataclass(frozen=True)
class NewTask:
	name: str
	fields: Mapping[str, Any]


@dataclass(frozen=True)
class NewHandoff:
	name: str
	fields: Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
	"""Everything one action writes. `request`: a new request's fields (intake); `request_update`: fields of the
	existing one; `mirror`: what the request's tasks copy of it; `linked_to`: the open request this intake joined."""

	request_name: str
	request: Mapping[str, Any] | None = None
	request_update: Mapping[str, Any] = field(default_factory=dict)
	tasks: tuple[NewTask, ...] = ()
	handoffs: tuple[NewHandoff, ...] = ()
	events: tuple[Event, ...] = ()
	mirror: Mapping[str, Any] = field(default_factory=dict)
	linked_to: str | None = None


# ---------------------------------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class IntakeFacts:
	"""What intake needs, loaded by the shell in one go. `request_name`: the bare request an email made (with
	`existing`); a new request is named when it is inserted (NEW_REQUEST); `open_request`: the client's open request of this service;
	`missing_links`: Link values given that name no document; `disabled_teams`: teams of the service that are
	disabled (it takes no new requests then)."""

	request_name: str
	service: str
	title: str
	version: int
	definition: ServiceDefinition
	values: Mapping[str, Any]
	client: Client = field(default_factory=Client)
	subject: str = ""
	requester: str | None = None
	requester_email: str | None = None
	duplicates: str | None = None
	service_duplicates: str | None = None
	open_request: str | None = None
	missing_links: frozenset[str] = frozenset()
	disabled_teams: frozenset[str] = frozenset()
	source: str = "API"
	source_doctype: str | None = None
	source_name: str | None = None
	trigger: str | None = None
	existing: bool = (
		False  # an email made the request bare: fill it in, validate what is given, require nothing
	)


def plan_intake(f: IntakeFacts, clock: Clock) -> Plan:
	"""The whole intake: refuse, link to the client's open request, or insert the request, its first tasks and
	their events, with its deadlines, status and where it is now."""
	if f.disabled_teams and not f.existing:
		teams = ", ".join(sorted(f.disabled_teams))
		raise Refusal(
			{"service": f"{f.title} takes no new requests: team {teams} is disabled."},
			"Service unavailable",
			one_line=True,
		)
	defn = f.definition
	try:
		clean, context = intake_context(defn, f.values, relaxed=f.existing)
	except ValuesError as e:
		raise Refusal(e.problems)
	missing = {
		x.fieldname: f"{x.label}: {x.options} {clean[x.fieldname]} does not exist"
		for x in defn.intake_fields
		if x.fieldtype == "Link" and x.fieldname in clean and x.fieldname in f.missing_links
	}
	if missing:
		raise Refusal(missing)
	mode = duplicates_mode(f.duplicates, f.service_duplicates)
	source = {"source": f.source, "source_doctype": f.source_doctype, "source_name": f.source_name}
	if not f.existing and mode == LINK and f.client.customer and f.open_request:
		details = {k: v for k, v in {**source, "trigger": f.trigger, "values": clean}.items() if v}
		# Internal: it names documents of the CRM or helpdesk that the requester does not see.
		return Plan(
			f.open_request,
			linked_to=f.open_request,
			events=(Event("linked", details=details, is_internal=1),),
		)

	name, now = f.request_name or NEW_REQUEST, clock.now
	decisions = advance(defn, {}, _conditions(defn, context))
	tasks = tuple(
		_new_task(name, f.service, defn, d.step, d.state, clock, first=True, request_sla="", request_due=None)
		for d in decisions
	)
	deadlines = _deadlines(defn.target_minutes, clock)
	states = {d.step: d.state for d in decisions}
	labels = {x.fieldname: x for x in defn.intake_fields}
	request = {
		"service": f.service,
		"service_version": f.version,
		"definition": to_snapshot(defn),
		"status": S.REQ_OPEN,
		**deadlines,
		"last_event_at": now,
		"history_at": now,
		**where_now(
			LiveStep(defn.step(d.step).title, defn.step(d.step).team, d.state, since=now) for d in decisions
		),
		"request_values": [
			{"fieldname": k, "label": labels[k].label, "fieldtype": labels[k].fieldtype, "value": v}
			for k, v in clean.items()
		],
		**client_fields(f.client),
		"open_key": open_key(f.service, f.client, mode),
		"source": f.source,
	}
	if not f.existing:
		request.update(
			subject=plain(f.subject or "").strip()[:240] or f.title,
			requester=f.requester,
			requester_email=f.requester_email,
			source_doctype=f.source_doctype,
			source_name=f.source_name,
			trigger=f.trigger,
		)
	events = [Event("created", to_state=S.REQ_OPEN, details={"service": f.service, "source": f.source})]
	events += [_task_event(t) for t in tasks]
	status = S.request_status(states.values(), more_steps=more_steps_possible(defn, states))
	if status != S.REQ_OPEN:  # every step skipped: done at once
		update, sla_events = status_change(
			SlaFacts(due_on=deadlines["due_on"], sla_status=deadlines["sla_status"]),
			S.REQ_OPEN,
			status,
			clock,
			defn,
		)
		request.update(status=status, **_status_fields(status, clock), **update)
		events += [*sla_events, Event("status_changed", from_state=S.REQ_OPEN, to_state=status)]
	# The task list shows its request's SLA and due date as the request ends up (Met, if it is done at once).
	mirror = {"request_sla": request["sla_status"], "request_due_on": request["due_on"]}
	tasks = tuple(NewTask(t.name, {**t.fields, **mirror}) for t in tasks)
	return Plan(name, request=request, tasks=tasks, events=tuple(events))


def _deadlines(target_minutes: int, clock: Clock) -> dict[str, Any]:
	"""due_on after the service target; at_risk_on when less than AT_RISK_SHARE of it is left."""
	if not target_minutes:
		return {"due_on": None, "at_risk_on": None, "sla_status": ""}
	return {
		"due_on": clock.due_after(target_minutes, REQUEST_CALENDAR),
		"at_risk_on": clock.due_after(target_minutes * (1 - AT_RISK_SHARE), REQUEST_CALENDAR),
		"sla_status": ON_TRACK,
	}


def _conditions(defn: ServiceDefinition, context: Mapping[str, Any]):
	"""The steps' conditions over the request's typed values (values.typed)."""

	def check(step) -> bool:
		try:
			return holds(step.condition, context, defn.field_names)
		except ConditionError as e:
			raise Refusal(
				{step.key: f"The condition of step {step.key} could not be evaluated: {e}"},
				"Invalid step condition",
			)

	return check


def _new_task(
	request: str,
	service: str,
	defn: ServiceDefinition,
	step_key: str,
	state: str,
	clock: Clock,
	*,
	first: bool,
	runs: int = 0,
	handoff: str | None = None,
	request_sla: str = "",
	request_due: datetime | None = None,
) -> NewTask:
	step = defn.step(step_key)
	base = f"{request}-{step.key}"
	name = base if first or not runs else f"{base}-{runs + 1}"
	return NewTask(
		name,
		{
			"title": step.title,
			"request": request,
			"service": service,  # the service's name now (a snapshot keeps the name it had)
			"step_key": step.key,
			"team": step.team,
			"status": state,
			"instructions": step.instructions,
			"due_on": clock.due_after(step.target_minutes, step.team),
			"awaiting_handoff": handoff_name_of(name) if handoff else None,
			"ready_on": clock.now if state == S.QUEUED and not handoff else None,
			"request_sla": request_sla,
			"request_due_on": request_due,
			"checklist_state": {item: 0 for item in step.checklist} if step.checklist else None,
		},
	)


def _task_event(task: NewTask) -> Event:
	state = task.fields["status"]
	return Event(
		"skipped" if state == S.SKIPPED else "created",
		task=task.name,
		to_team=task.fields["team"],
		to_state=state,
		details={"step": task.fields["step_key"]},
	)


def _status_fields(status: str, clock: Clock) -> dict[str, Any]:
	fields: dict[str, Any] = {"completed_on": clock.now if status == S.REQ_COMPLETED else None}
	if status == S.REQ_COMPLETED:
		fields["open_key"] = None  # a new request for this client and service may start again
	return fields


# ---------------------------------------------------------------------------------------------- the SLA clock


@dataclass(frozen=True)
class SlaFacts:
	due_on: datetime | None = None
	at_risk_on: datetime | None = None
	paused_since: datetime | None = None
	paused_minutes: int = 0
	sla_status: str = ""


def status_change(
	sla: SlaFacts, old: str, new: str, clock: Clock, defn: ServiceDefinition
) -> tuple[dict[str, Any], list[Event]]:
	"""The SLA fields a status change moves: Waiting on Customer pauses the clock, leaving it pushes the deadlines
	out by the paused business minutes; the status is worked out again (Met or Breached once completed)."""
	if not sla.due_on:
		return {}, []
	now = clock.now
	if new == S.REQ_WAITING and not sla.paused_since:
		return {"paused_since": now, "sla_status": PAUSED}, [
			Event("paused", from_state=sla.sla_status, to_state=PAUSED)
		]
	update: dict[str, Any] = {}
	events: list[Event] = []
	if old == S.REQ_WAITING and sla.paused_since:
		paused = max(0.0, clock.minutes_between(REQUEST_CALENDAR, sla.paused_since, now))
		update = {
			"paused_since": None,
			"paused_minutes": (sla.paused_minutes or 0) + round(paused),
			"due_on": clock.due_after(paused, REQUEST_CALENDAR, sla.due_on) or sla.due_on,
			"at_risk_on": clock.due_after(paused, REQUEST_CALENDAR, sla.at_risk_on)
			if sla.at_risk_on
			else None,
		}
		events.append(Event("resumed", details={"paused_minutes": round(paused)}))
	if new in (S.REQ_COMPLETED, S.REQ_CANCELLED, S.REQ_IN_PROGRESS, S.REQ_OPEN):
		due = update.get("due_on", sla.due_on)
		update["sla_status"] = (
			""
			if new == S.REQ_CANCELLED
			else sla_status(
				due_on=due,
				remaining_minutes=clock.minutes_between(REQUEST_CALENDAR, now, due),
				target_minutes=defn.target_minutes,
				paused=False,
				completed_on=now if new == S.REQ_COMPLETED else None,
			)
		)
	return update, events


# -------------------------------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class TaskRow:
	"""A task of the request as progress sees it (cancelled ones too: they count the runs of a step)."""

	name: str
	step_key: str
	status: str
	title: str = ""
	team: str = ""
	claimed_by: str = ""
	awaiting_handoff: str = ""
	since: datetime | None = None  # ready_on, else creation


@dataclass(frozen=True)
class Completed:
	"""The task just completed, whose team hands on to the steps it makes ready."""

	name: str
	step_key: str
	team: str
	outputs: Any = None
	note: str | None = None


@dataclass(frozen=True)
class RequestFacts:
	name: str
	status: str
	definition: ServiceDefinition
	tasks: tuple[TaskRow, ...]
	values: Mapping[str, str] = field(default_factory=dict)
	where: Mapping[str, Any] = field(default_factory=dict)
	sla: SlaFacts = field(default_factory=SlaFacts)
	actor: str = ""
	service: str = ""  # the service's name now (new tasks link to it)


def plan_progress(f: RequestFacts, clock: Clock, completed: Completed | None = None) -> Plan:
	"""After a move: the tasks (and handoffs) the completed step makes ready, then the request's derived status,
	its SLA clock and where it is now, each change once, with its events."""
	defn, now = f.definition, clock.now
	live = [t for t in f.tasks if t.status != S.CANCELLED]
	states = {t.step_key: t.status for t in live}
	steps = [
		LiveStep(t.title, t.team, t.status, t.claimed_by, bool(t.awaiting_handoff), t.since) for t in live
	]
	tasks: list[NewTask] = []
	handoffs: list[NewHandoff] = []
	events: list[Event] = []
	if completed is not None:
		runs: dict[str, int] = {}
		for t in f.tasks:
			runs[t.step_key] = runs.get(t.step_key, 0) + 1
		mirror = {"request_sla": f.sla.sla_status, "request_due": f.sla.due_on}
		for d in advance(
			defn, states, _conditions(defn, typed(defn, f.values)), completed_step=completed.step_key
		):
			handoff = bool(d.handoff_from)
			task = _new_task(
				f.name,
				f.service or defn.name,
				defn,
				d.step,
				d.state,
				clock,
				first=False,
				runs=runs.get(d.step, 0),
				handoff=handoff,
				**mirror,
			)
			runs[d.step] = runs.get(d.step, 0) + 1
			tasks.append(task)
			events.append(_task_event(task))
			states[d.step] = d.state
			step = defn.step(d.step)
			steps.append(LiveStep(step.title, step.team, d.state, "", handoff, now))
			if handoff:
				h = task.fields["awaiting_handoff"]
				handoffs.append(
					NewHandoff(
						h,
						{
							"request": f.name,
							"from_task": completed.name,
							"to_task": task.name,
							"to_step": step.key,
							"from_team": completed.team,
							"to_team": step.team,
							"status": S.PENDING,
							"sent_by": f.actor,
							"sent_on": now,
							"accept_by": clock.due_after(step.accept_minutes, step.team),
							"outputs": completed.outputs,
							"note": completed.note,
						},
					)
				)
				events.append(
					Event(
						"handed_off",
						task=completed.name,
						handoff=h,
						from_team=completed.team,
						to_team=step.team,
						to_state=S.PENDING,
						details={"to_task": task.name, "step": step.key},
					)
				)
	update: dict[str, Any]
	current = f.status
	if current == S.REQ_CANCELLED:
		new, update = current, changed(f.where, NOWHERE)
	else:
		new = S.request_status(states.values(), more_steps=more_steps_possible(defn, states))
		update = changed(f.where, where_now(steps))
		if new != current:
			update.update(status=new, **_status_fields(new, clock))
			sla_update, sla_events = status_change(f.sla, current, new, clock, defn)
			update.update(sla_update)
			events += sla_events
			events.append(Event("status_changed", from_state=current, to_state=new))
	mirror = {
		task_field: update[name]
		for name, task_field in (("sla_status", "request_sla"), ("due_on", "request_due_on"))
		if name in update
	}
	return Plan(
		f.name,
		request_update=update,
		tasks=tuple(tasks),
		handoffs=tuple(handoffs),
		events=tuple(events),
		mirror=mirror,
	)


__all__ = [
	"WHERE_FIELDS",
	"Clock",
	"Completed",
	"Event",
	"IntakeFacts",
	"NewHandoff",
	"NewTask",
	"Plan",
	"Refusal",
	"RequestFacts",
	"SlaFacts",
	"TaskRow",
	"plan_intake",
	"plan_progress",
	"status_change",
]
