"""The visibility reports and the search on a year of work: 100,000 requests, 500,000 tasks, 2,000,000 events.

Bulk inserts a site's year (committed, then analysed, so the planner sees real tables): requests spread over the
last 365 days, about 85% Completed and 15% still open, over 8 teams and 5 services of 4-6 steps, each request with
its tasks, handoffs (about 2-3; some returned and redone), ledger events (20 per request: up to 3 notes or calls,
its lifecycle thinned to the rest or padded with notes, calls and nudges), two intake values and now and then a
follow-up; clients are a few hundred Contacts. Every time and state column the reports read is filled the way the engine fills it (where a
request is now, when a task became ready, was claimed, started, done; SLA status, due dates, paused minutes).

Then it times, warm (median of --repeats), as a Flow Manager and as a Flow Agent of two teams:
- each visibility Script Report's `execute` for the last 30 days, and the same through
  `frappe.desk.query_report.run` (what the desk calls); a report not written yet is listed as such;
- `everstep_flow.api.search.requests` for a subject word and for an intake value;
- a Frappe baseline in the same run: `frappe.get_list` of open tasks counted by team, and the list count of
  Flow Request (`frappe.desk.reportview.get_count`); every time is printed with its ratio to the first.
Targets: each report and search within 2 s on MariaDB, 3 s on PostgreSQL. `--explain` prints EXPLAIN of every
SELECT they ran (recorded by wrapping frappe.db.sql in this process only) and flags full scans of big tables.

Every row inserted belongs to a request named `SCALE-0000001`...; tasks and handoffs are named as the engine names
them ("SCALE-0000001-triage", "H-SCALE-0000001-review"), the rest `SCALE-...`, contacts `SCALE-C-...`. All of it is
removed at the end unless --keep; --remove alone removes what a kept or interrupted run left (and the "Scale ..."
services and teams; the scale.*@example.com users stay where Frappe refuses to delete them, see remove_fixtures).

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/scale_benchmark.py <site> [--requests 100000] [--repeats 5]
		[--keep] [--explain] [--save run.json] [--compare smaller_run.json]
	../env/bin/python ../apps/everstep_flow/benchmarks/scale_benchmark.py <site> --skip-insert [--explain]
	../env/bin/python ../apps/everstep_flow/benchmarks/scale_benchmark.py <site> --remove

How time grows with data: run once with --requests 10000 --save small.json, then at full size with
--compare small.json, which prints big/small per measurement next to the data ratio (10x).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from common import STANDARD_FIELDS, connected, median_seconds, standard_values

PREFIX = "SCALE-"
CONTACT_PREFIX = "SCALE-C-"
TARGET_SECONDS = {"mariadb": 2.0, "postgres": 3.0}
DAYS = 365
OPEN_SHARE = 0.15
EVENTS_PER_REQUEST = 20
FOLLOW_UP_SHARE = 0.03
CONTACTS = 300
REQUESTS_PER_COMMIT = 5_000
ROWS_PER_STATEMENT = 20_000
STATEMENT_BYTES = 8_000_000  # under MariaDB's default max_allowed_packet (16 MB)
REWORK_SHARE = 0.05  # handoffs returned by the receiving team (the sender reworks and hands on again)
WAIT_SHARE = 0.08  # tasks that waited on the customer for a while

REPORTS = (
	"everstep_flow.everstep_flow.report.team_queue_aging.team_queue_aging",
	"everstep_flow.everstep_flow.report.handoffs_by_seam.handoffs_by_seam",
	"everstep_flow.everstep_flow.report.where_requests_wait.where_requests_wait",
	"everstep_flow.everstep_flow.report.sla_and_ola_compliance.sla_and_ola_compliance",
	"everstep_flow.everstep_flow.report.leak_audit.leak_audit",
)

TEAM_KEYS = ("Intake", "Sales", "Finance", "Operations", "Logistics", "Support", "Legal", "Quality")
MEMBERS_PER_TEAM = 5
AGENT, AGENT_TEAMS = "scale.agent@example.com", ("Scale Sales", "Scale Finance")
MANAGER = "scale.manager@example.com"


def team(key: str) -> str:
	return f"Scale {key}"


def members_of(key: str) -> list[str]:
	return [f"scale.{key.lower()}.{i}@example.com" for i in range(1, MEMBERS_PER_TEAM + 1)]


@dataclass(frozen=True)
class Step:
	key: str
	title: str
	team: str


@dataclass(frozen=True)
class Service:
	title: str
	days: int  # target resolution
	weight: int
	steps: tuple[Step, ...]

	@property
	def step_hours(self) -> float:
		return self.days * 24 / len(self.steps)


def _steps(*rows: tuple[str, str, str]) -> tuple[Step, ...]:
	return tuple(Step(key, title, team(t)) for key, title, t in rows)


SERVICES = (
	Service(
		"Scale Refund",
		4,
		20,
		_steps(
			("triage", "Triage", "Support"),
			("review", "Finance review", "Finance"),
			("payout", "Pay out", "Finance"),
			("confirm", "Confirm to client", "Support"),
		),
	),
	Service(
		"Scale Onboarding",
		10,
		20,
		_steps(
			("qualify", "Qualify", "Sales"),
			("contract", "Contract", "Legal"),
			("setup", "Account setup", "Operations"),
			("train", "Training", "Support"),
			("review", "Quality review", "Quality"),
		),
	),
	Service(
		"Scale Order Exception",
		5,
		20,
		_steps(
			("triage", "Triage", "Support"),
			("check", "Check shipment", "Logistics"),
			("fix", "Reship or repair", "Logistics"),
			("invoice", "Correct invoice", "Finance"),
			("close", "Close with client", "Finance"),
		),
	),
	Service(
		"Scale Contract Change",
		8,
		20,
		_steps(
			("intake", "Intake", "Sales"),
			("draft", "Draft change", "Legal"),
			("review", "Legal review", "Legal"),
			("sign", "Signature", "Sales"),
			("archive", "Archive", "Intake"),
			("notify", "Notify client", "Intake"),
		),
	),
	Service(
		"Scale Complaint",
		6,
		20,
		_steps(
			("log", "Log complaint", "Intake"),
			("investigate", "Investigate", "Quality"),
			("remedy", "Remedy", "Operations"),
			("reply", "Reply to client", "Support"),
			("close", "Close", "Support"),
			("audit", "Audit", "Quality"),
		),
	),
)

SUBJECTS = (
	"Refund for {o}",
	"Replacement {o}",
	"Invoice question about {o}",
	"Delivery delay of {o}",
	"Warranty claim for {o}",
	"Address change for {o} order",
	"Damaged {o}",
	"Contract update for {o} lease",
	"Billing error on {o}",
	"Missing part of {o}",
)
OBJECTS = (
	"laptop",
	"printer",
	"desk chair",
	"monitor",
	"router",
	"phone",
	"tablet",
	"headset",
	"docking station",
	"keyboard",
	"camera",
	"projector",
)
NOTES = (
	"Called the client about the {o}",
	"Asked for photos of the {o}",
	"Client confirmed the address",
	"Waiting for the courier",
	"Checked stock for the {o}",
	"Escalated to the supplier",
	"Sent the form again",
)
# A call is logged with a follow-up or a reason for none (Log Call refuses it otherwise); a few came in before that
# rule (or around it) and are the Five Seam Audit's "call with no next step".
CALL_OUTCOMES = ("Answered on the call", "Client will write back", "Nothing left to do")
LEGACY_CALLS = 0.01
SEARCH_WORD = "projector"  # in about 1 subject of 12, and in notes: a LIKE that must look at many rows
SOURCES = ("Desk", "Desk", "Portal", "API", "Email")
OPEN_STATES = (  # where an open request stopped, and how often
	("awaiting", 15),
	("Queued", 30),
	("Claimed", 15),
	("In Progress", 25),
	("Waiting on Customer", 10),
	("Blocked", 5),
)


# ---------------------------------------------------------------- fixtures


def fixtures() -> None:
	"""Teams, users and services through the app's own helpers, so permissions and reports see real ones."""
	import frappe

	from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

	make_user(MANAGER, ("Flow Manager", "Flow Agent"))
	make_user(AGENT)
	for key in TEAM_KEYS:
		members = members_of(key) + ([AGENT] if team(key) in AGENT_TEAMS else [])
		make_team(team(key), *members, lead=members_of(key)[0])
	intake = [
		{"fieldname": "reference", "label": "Reference", "fieldtype": "Data", "required": 1, "at_intake": 1},
		{"fieldname": "details", "label": "Details", "fieldtype": "Small Text", "at_intake": 1},
	]
	for service in SERVICES:
		if frappe.db.exists("Flow Service", service.title):
			continue
		steps, previous = [], ""
		for step in service.steps:
			steps.append(
				step_row(
					step.key,
					step.team,
					previous,
					title=step.title,
					target_duration=int(service.step_hours * 3600),
					accept_window=4 * 3600,
				)
			)
			previous = step.key
		new_service(service.title, steps, intake, target_resolution=service.days * 86400).insert(
			ignore_permissions=True
		)
	frappe.db.commit()


def remove_fixtures() -> None:
	"""Services and teams; the users too where Frappe allows it (it refuses to delete any user while no System
	Manager other than Administrator exists, as on a site whose setup wizard never ran)."""
	import frappe

	for service in SERVICES:
		if frappe.db.exists("Flow Service", service.title):
			frappe.delete_doc("Flow Service", service.title, force=True, ignore_permissions=True)
	for key in TEAM_KEYS:
		if frappe.db.exists("Flow Team", team(key)):
			frappe.delete_doc("Flow Team", team(key), force=True, ignore_permissions=True)
	frappe.db.commit()
	try:
		for user in [MANAGER, AGENT, *(u for key in TEAM_KEYS for u in members_of(key))]:
			if frappe.db.exists("User", user):
				frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()
	except frappe.ValidationError as e:
		frappe.db.rollback()
		frappe.clear_messages()
		print(f"  kept the scale.*@example.com users: {e}")


# ---------------------------------------------------------------- one request's life


class Life:
	"""One request's life in hours from its creation; becomes rows once its creation time is known."""

	def __init__(self, rng: random.Random, r: int, service: Service, is_open: bool, source: str) -> None:
		self.rng, self.service, self.is_open, self.source = rng, service, is_open, source
		self.name = f"{PREFIX}{r:07d}"
		self.t = 0.0
		self.events: list[tuple[float, dict]] = []
		self.tasks: list[dict] = []
		self.handoffs: list[dict] = []
		self.status = "Open"
		self.paused_hours = 0.0
		self.paused_since: float | None = None
		self.state_since = 0.0  # open requests: when the state they are in began
		self.members = {step.team: _claimants(step.team) for step in service.steps}

	def hours(self, mean: float) -> float:
		return self.rng.expovariate(1 / mean)

	def event(self, kind: str, task: dict | None = None, **fields) -> None:
		team_ = task["team"] if task else None
		actor = fields.pop("actor", None) or (task or {}).get("claimed_by") or "Administrator"
		row = {"event_type": kind, "task": task["name"] if task else None, "actor": actor, "is_internal": 0}
		if task:
			row.update(from_team=team_, to_team=team_)
		row.update(fields)
		self.events.append((self.t, row))

	def request_status(self, new: str) -> None:
		if new != self.status:
			self.event("status_changed", from_state=self.status, to_state=new)
			self.status = new

	def task_name(self, step_key: str) -> str:
		"""As the engine names tasks (requests.progress.task_name): request and step, "-2" for a second run."""
		runs = sum(1 for t in self.tasks if t["step_key"] == step_key)
		return f"{self.name}-{step_key}" + (f"-{runs + 1}" if runs else "")

	def new_task(self, step: Step) -> dict:
		task = {
			"name": self.task_name(step.key),
			"title": step.title,
			"team": step.team,
			"step_key": step.key,
			"status": "Queued",
			"created": self.t,
			"due_on": None,
			"ready_on": None,
			"claimed_on": None,
			"started_on": None,
			"completed_on": None,
			"claimed_by": None,
			"awaiting_handoff": None,
			"rework_count": 0,
			"blocked_reason": None,
			"escalation_level": 0,
			"modified": self.t,
		}
		self.tasks.append(task)
		self.event("created", task, from_team=None, to_state="Queued", details={"step": step.key})
		return task

	def hand_off(self, sender: dict, step: Step) -> tuple[dict, dict]:
		task = self.new_task(step)
		handoff = {
			"name": f"H-{task['name']}",  # named as the engine names them (requests.progress)
			"status": "Pending",
			"from_team": sender["team"],
			"to_team": step.team,
			"from_task": sender["name"],
			"to_task": task["name"],
			"to_step": step.key,
			"sent_by": sender["claimed_by"],
			"sent_on": self.t,
			"accept_by": self.t + 4,
			"accepted_by": None,
			"accepted_on": None,
			"returned_on": None,
			"return_reason": None,
			"modified": self.t,
		}
		self.handoffs.append(handoff)
		task["awaiting_handoff"] = handoff["name"]
		self.event(
			"handed_off",
			sender,
			handoff=handoff["name"],
			to_team=step.team,
			to_state="Pending",
			details={"to_task": task["name"], "step": step.key},
		)
		return task, handoff

	def work(self, task: dict, stop: str | None) -> bool:
		"""Claim, start, maybe wait on the customer, complete; False where an open request stopped."""
		rng = self.rng
		if stop == "Queued":
			return False
		self.t += self.hours(5)
		task.update(status="Claimed", claimed_by=rng.choice(self.members[task["team"]]), claimed_on=self.t)
		self.event("claimed", task, from_state="Queued", to_state="Claimed")
		self.request_status("In Progress")
		if stop == "Claimed":
			return False
		self.t += self.hours(0.5)
		task.update(status="In Progress", started_on=self.t)
		self.event("started", task, from_state="Claimed", to_state="In Progress")
		if stop == "In Progress":
			return False
		if stop == "Blocked":
			self.t += self.hours(self.service.step_hours * 0.2)
			task.update(status="Blocked", blocked_reason="Waiting for parts from the supplier")
			self.event("blocked", task, from_state="In Progress", to_state="Blocked")
			return False
		if stop == "Waiting on Customer" or rng.random() < WAIT_SHARE:
			self.t += self.hours(self.service.step_hours * 0.2)
			task["status"] = "Waiting on Customer"
			self.event("waiting", task, from_state="In Progress", to_state="Waiting on Customer")
			self.request_status("Waiting on Customer")
			self.event("paused", from_state="On Track", to_state="Paused")
			self.paused_since = self.t
			if stop:
				return False
			pause = self.hours(24)
			self.t += pause
			self.paused_hours += pause
			self.paused_since = None
			task["status"] = "In Progress"
			self.event("resumed", task, from_state="Waiting on Customer", to_state="In Progress")
			self.request_status("In Progress")
			self.event("resumed", details={"paused_minutes": round(pause * 60)})
		self.t += self.hours(self.service.step_hours * 0.5)
		task.update(status="Done", completed_on=self.t)
		self.event(
			"completed", task, from_state="In Progress", to_state="Done", details={"step": task["step_key"]}
		)
		return True

	def live(self) -> None:
		"""Walk the steps in order; an open request stops at a random step in a random state."""
		rng, steps = self.rng, self.service.steps
		self.event("created", to_state="Open", details={"service": self.service.title, "source": self.source})
		stop_at, stop = len(steps), None
		if self.is_open:
			stop_at = rng.randrange(len(steps))
			stop = rng.choices([s for s, _ in OPEN_STATES], [w for _, w in OPEN_STATES])[0]
		sender: dict | None = None
		for i, step in enumerate(steps):
			here = stop if i == stop_at else None
			if sender and sender["team"] != step.team:
				task, handoff = self.hand_off(sender, step)
				if here == "awaiting":
					break
				self.t += self.hours(2)
				if not here and rng.random() < REWORK_SHARE:
					task, handoff = self.rework(sender, step, task, handoff)
				handoff.update(
					status="Accepted",
					accepted_by=rng.choice(self.members[step.team]),
					accepted_on=self.t,
					modified=self.t,
				)
				self.event(
					"accepted",
					task,
					actor=handoff["accepted_by"],
					handoff=handoff["name"],
					from_team=sender["team"],
					from_state="Pending",
					to_state="Accepted",
				)
				task.update(awaiting_handoff=None, ready_on=self.t)
			else:
				task = self.new_task(step)
				task["ready_on"] = self.t
				if here == "awaiting":
					here = "Queued"
			task["due_on"] = (task["ready_on"] or task["created"]) + self.service.step_hours
			if not self.work(task, here):
				break
			sender = task
		else:
			self.request_status("Completed")
		self.state_since = self.paused_since if self.paused_since is not None else self.t

	def rework(self, sender: dict, step: Step, task: dict, handoff: dict) -> tuple[dict, dict]:
		"""The receiving team returns the handoff: its task is withdrawn, the sender's reopened, done again and
		handed on anew."""
		reason = "Details missing, please complete"
		handoff.update(status="Returned", returned_on=self.t, return_reason=reason, modified=self.t)
		actor = self.rng.choice(self.members[step.team])
		self.event(
			"returned",
			task,
			actor=actor,
			handoff=handoff["name"],
			from_team=sender["team"],
			from_state="Pending",
			to_state="Returned",
			details={"reason": reason},
		)
		task.update(status="Cancelled", awaiting_handoff=None, modified=self.t)
		self.event("withdrawn", task, actor=actor, from_state="Queued", to_state="Cancelled")
		sender.update(status="In Progress", rework_count=1, completed_on=None)
		self.event("reopened", sender, from_state="Done", to_state="In Progress", details={"reason": reason})
		self.t += self.hours(self.service.step_hours * 0.2)
		sender.update(status="Done", completed_on=self.t, modified=self.t)
		self.event(
			"completed",
			sender,
			from_state="In Progress",
			to_state="Done",
			details={"step": sender["step_key"]},
		)
		task, handoff = self.hand_off(sender, step)
		self.t += self.hours(2)
		return task, handoff

	def fit_events(self, end: float, subject_object: str) -> None:
		"""Exactly EVENTS_PER_REQUEST events: up to 3 notes or calls on any request, its lifecycle thinned to the
		room left (never its first or last event), and a short life padded with more of what people add around
		the work (notes, calls, and for open work the engine's nudges)."""
		rng, events = self.rng, self.events
		room = EVENTS_PER_REQUEST - rng.randint(0, 3)
		if len(events) > room:
			middle = sorted(rng.sample(range(1, len(events) - 1), room - 2))
			self.events = [events[0], *(events[i] for i in middle), events[-1]]
		teams = [s.team for s in self.service.steps]
		while len(self.events) < EVENTS_PER_REQUEST:
			at = rng.uniform(0, end)
			team_ = rng.choice(teams)
			kind = rng.choice(
				("commented", "commented", "call_logged", "nudged" if self.is_open else "commented")
			)
			note = rng.choice(NOTES).format(o=subject_object)
			details = {"text" if kind == "commented" else "summary": note}
			if kind == "call_logged" and rng.random() >= LEGACY_CALLS:
				details["no_follow_up_reason"] = rng.choice(
					CALL_OUTCOMES
				)  # Log Call asks for one (or a follow-up)
			row = {
				"event_type": kind,
				"task": None,
				"actor": rng.choice(self.members[team_]) if kind != "nudged" else "Administrator",
				"from_team": None,
				"to_team": team_,
				"is_internal": 1 if kind == "nudged" or rng.random() < 0.7 else 0,
				"details": {"level": 1} if kind == "nudged" else details,
			}
			self.events.append((at, row))
		self.events.sort(key=lambda e: e[0])


_CLAIMANTS: dict[str, list[str]] = {}


def _claimants(team_name: str) -> list[str]:
	if team_name not in _CLAIMANTS:
		key = team_name.removeprefix("Scale ")
		_CLAIMANTS[team_name] = members_of(key) + ([AGENT] if team_name in AGENT_TEAMS else [])
	return _CLAIMANTS[team_name]


# ---------------------------------------------------------------- rows


TIME_FIELDS = {
	"created",
	"modified",
	"due_on",
	"ready_on",
	"claimed_on",
	"started_on",
	"completed_on",
	"sent_on",
	"accept_by",
	"accepted_on",
	"returned_on",
}

REQUEST_FIELDS = (
	*STANDARD_FIELDS,
	"subject",
	"service",
	"status",
	"requester",
	"requester_email",
	"customer_type",
	"customer",
	"contact",
	"client_unknown",
	"source",
	"current_steps",
	"current_team",
	"current_holder",
	"waiting_since",
	"due_on",
	"follow_up_on",
	"sla_status",
	"paused_minutes",
	"completed_on",
	"at_risk_on",
	"paused_since",
	"last_event_at",
	"history_at",
	"stale_level",
	"service_version",
	"definition",
)
TASK_FIELDS = (
	*STANDARD_FIELDS,
	"title",
	"request",
	"team",
	"status",
	"claimed_by",
	"awaiting_handoff",
	"service",
	"step_key",
	"due_on",
	"escalation_level",
	"blocked_reason",
	"started_on",
	"completed_on",
	"ready_on",
	"claimed_on",
	"rework_count",
	"request_sla",
	"request_due_on",
)
HANDOFF_FIELDS = (
	*STANDARD_FIELDS,
	"request",
	"status",
	"from_team",
	"to_team",
	"from_task",
	"to_task",
	"to_step",
	"sent_by",
	"sent_on",
	"accept_by",
	"escalation_level",
	"accepted_by",
	"accepted_on",
	"returned_on",
	"return_reason",
)
EVENT_FIELDS = (
	*STANDARD_FIELDS,
	"request",
	"event_type",
	"at",
	"actor",
	"task",
	"handoff",
	"from_team",
	"to_team",
	"from_state",
	"to_state",
	"is_internal",
	"details",
)
VALUE_FIELDS = (
	*STANDARD_FIELDS,
	"parent",
	"parenttype",
	"parentfield",
	"idx",
	"fieldname",
	"label",
	"fieldtype",
	"value",
)
FOLLOW_UP_FIELDS = (
	*STANDARD_FIELDS,
	"what",
	"due_on",
	"status",
	"owner_team",
	"assigned_to",
	"request",
	"task",
	"customer_type",
	"customer",
	"done_on",
	"done_by",
)
DOCTYPE_FIELDS = {
	"Flow Request": REQUEST_FIELDS,
	"Flow Request Value": VALUE_FIELDS,
	"Flow Task": TASK_FIELDS,
	"Flow Handoff": HANDOFF_FIELDS,
	"Flow Event": EVENT_FIELDS,
	"Flow Follow Up": FOLLOW_UP_FIELDS,
}
NOT_ACTIVITY = {"nudged", "escalated"}


def _where(open_tasks: list[dict]) -> dict:
	"""Where an open request is now, written as the engine writes it (engine.where when this checkout has it)."""
	try:
		from everstep_flow.engine.where import LiveStep, where_now
	except ImportError:
		first = open_tasks[0] if open_tasks else None
		return {
			"current_steps": first and f"{first['title']} · {first['team']}",
			"current_team": first and first["team"],
			"current_holder": first and first["claimed_by"],
			"waiting_since": first and (first["ready_on"] or first["created"]),
		}
	return where_now(
		LiveStep(
			t["title"],
			t["team"],
			t["status"],
			t["claimed_by"] or "",
			bool(t["awaiting_handoff"]),
			t["ready_on"] or t["created"],
		)
		for t in open_tasks
	)


class Generator:
	"""Rows of every doctype for a range of requests, reproducible from the seed."""

	def __init__(self, requests: int, seed: int, now: datetime) -> None:
		import frappe

		from everstep_flow.base.catalog import get_definition
		from everstep_flow.engine.definition import to_snapshot

		self.requests, self.seed, self.now = requests, seed, now
		self.start = now - timedelta(days=DAYS)
		self.snapshots = {s.title: to_snapshot(get_definition(s.title)) for s in SERVICES}
		self.versions = {s.title: frappe.db.get_value("Flow Service", s.title, "version") for s in SERVICES}
		self.contacts = [f"{CONTACT_PREFIX}{i:04d}" for i in range(CONTACTS)]
		self.reference_of = lambda r: f"REF-{(r * 7919 + 13) % 10_000_000:07d}"

	def rows(self, first: int, last: int) -> dict[str, list[tuple]]:
		out: dict[str, list[dict]] = {doctype: [] for doctype in DOCTYPE_FIELDS}
		for r in range(first, last):
			self.one(r, out)
		return out

	def one(self, r: int, out: dict[str, list]) -> None:
		rng = random.Random(self.seed * 1_000_003 + r)
		service = rng.choices(SERVICES, [s.weight for s in SERVICES])[0]
		life = Life(rng, r, service, rng.random() < OPEN_SHARE, rng.choice(SOURCES))
		life.live()
		if life.is_open:
			age_hours = (
				rng.expovariate(1 / 36)
				if rng.random() < 0.7
				else rng.uniform(3 * 24, 60 * 24)
				if rng.random() < 0.9
				else rng.uniform(60 * 24, 300 * 24)
			)
			end = life.state_since + age_hours
			created = self.now - timedelta(hours=end)
		else:
			end = life.t
			finished = self.now - timedelta(hours=rng.uniform(0.5, DAYS * 24))
			created = finished - timedelta(hours=end)
		if created < self.start:
			created = self.start + timedelta(hours=rng.uniform(0, 24))
			end = min(end, (self.now - created).total_seconds() / 3600)
		at = lambda hours: created + timedelta(seconds=int(hours * 3600))  # noqa: E731
		obj = rng.choice(OBJECTS)
		life.fit_events(end, obj)

		def absolute(row: dict) -> dict:
			return {k: (at(v) if k in TIME_FIELDS and v is not None else v) for k, v in row.items()}

		tasks = [absolute(t) for t in life.tasks]
		handoffs = [absolute(h) for h in life.handoffs]
		request = self.request_row(r, rng, life, created, at, end, obj, tasks)
		for task in tasks:
			task.update(
				creation=task.pop("created"),
				request=life.name,
				service=service.title,
				request_sla=request["sla_status"],
				request_due_on=request["due_on"],
			)
			task["modified"] = max(
				v
				for v in (task["modified"], task["completed_on"], task["started_on"], task["claimed_on"])
				if v
			)
			if task["status"] not in ("Done", "Cancelled") and task["due_on"] and task["due_on"] < self.now:
				task["escalation_level"] = 1
		for handoff in handoffs:
			handoff.update(request=life.name, creation=handoff["sent_on"], escalation_level=0)
		events = []
		for k, (hours, event) in enumerate(life.events):
			when = at(hours)
			details = event.get("details")
			events.append(
				{
					**event,
					"name": f"{life.name}-E{k:02d}",
					"creation": when,
					"modified": when,
					"owner": event["actor"],
					"request": life.name,
					"at": when,
					"details": json.dumps(details, sort_keys=True) if details else None,
				}
			)
		out["Flow Request"].append(request)
		out["Flow Task"].extend(tasks)
		out["Flow Handoff"].extend(handoffs)
		out["Flow Event"].extend(events)
		for idx, (fieldname, label, fieldtype, value) in enumerate(
			(
				("reference", "Reference", "Data", self.reference_of(r)),
				("details", "Details", "Small Text", f"{obj.title()} serial {rng.randrange(10**8):08d}"),
			),
			start=1,
		):
			out["Flow Request Value"].append(
				{
					"name": f"{life.name}-V{idx}",
					"creation": created,
					"modified": created,
					"parent": life.name,
					"parenttype": "Flow Request",
					"parentfield": "request_values",
					"idx": idx,
					"fieldname": fieldname,
					"label": label,
					"fieldtype": fieldtype,
					"value": value,
				}
			)
		if rng.random() < FOLLOW_UP_SHARE:
			out["Flow Follow Up"].append(self.follow_up(rng, life, tasks, request, created, at))

	def request_row(self, r, rng, life: Life, created, at, end, obj, tasks) -> dict:
		service = life.service
		paused_minutes = round(life.paused_hours * 60)
		due = created + timedelta(days=service.days, minutes=paused_minutes)
		at_risk = created + timedelta(days=service.days * 0.8, minutes=paused_minutes)
		completed_on = None if life.is_open else at(life.t)
		if life.is_open:
			sla = (
				"Paused"
				if life.status == "Waiting on Customer"
				else "Breached"
				if self.now > due
				else "At Risk"
				if self.now > at_risk
				else "On Track"
			)
			where = _where([t for t in tasks if t["status"] not in ("Done", "Skipped", "Cancelled")])
		else:
			sla = "Met" if completed_on <= due else "Breached"
			where = dict.fromkeys(("current_steps", "current_team", "current_holder", "waiting_since"))
		activity = [h for h, e in life.events if e["event_type"] not in NOT_ACTIVITY]
		source = life.source
		contact = rng.choice(self.contacts)
		history_at = at(max(h for h, _ in life.events))
		return {
			"name": life.name,
			"creation": created,
			"modified": history_at,
			"subject": rng.choice(SUBJECTS).format(o=obj),
			"service": service.title,
			"status": life.status,
			"requester": rng.choice(_claimants(rng.choice(service.steps).team)[:MEMBERS_PER_TEAM])
			if source == "Desk"
			else None,
			"requester_email": f"client{contact[-4:]}@example.com",
			"customer_type": "Contact",
			"customer": contact,
			"contact": contact,
			"client_unknown": 0,
			"source": source,
			**where,
			"due_on": due,
			"follow_up_on": None,
			"sla_status": sla,
			"paused_minutes": paused_minutes,
			"completed_on": completed_on,
			"at_risk_on": at_risk,
			"paused_since": at(life.paused_since) if life.is_open and life.paused_since is not None else None,
			"last_event_at": at(max(activity)) if activity else created,
			"history_at": history_at,
			"stale_level": 1 if life.is_open and (self.now - history_at).days > 7 else 0,
			"service_version": self.versions[service.title],
			"definition": self.snapshots[service.title],
		}

	def follow_up(self, rng, life: Life, tasks, request, created, at) -> dict:
		task = rng.choice(tasks)
		due = at(rng.uniform(0, max(1.0, (request["history_at"] - created).total_seconds() / 3600)))
		open_ = life.is_open and rng.random() < 0.6
		assignee = rng.choice(_claimants(task["team"]))
		if open_:
			request["follow_up_on"] = due
		return {
			"name": f"{life.name}-F",
			"creation": created,
			"modified": due,
			"what": f"Call the client back about the {life.service.title.removeprefix('Scale ').lower()}",
			"due_on": due,
			"status": "Open" if open_ else "Done",
			"owner_team": task["team"],
			"assigned_to": assignee,
			"request": life.name,
			"task": task["name"],
			"customer_type": "Contact",
			"customer": request["customer"],
			"done_on": None if open_ else due,
			"done_by": None if open_ else assignee,
		}


# ---------------------------------------------------------------- insert, settle, remove


def present_fields(doctype: str, wanted: Iterable[str]) -> tuple[str, ...]:
	"""The wanted columns this site's table has (the schema is still growing: migrate to get the rest)."""
	import frappe

	columns = set(frappe.db.get_table_columns(doctype))
	return tuple(f for f in wanted if f in columns)


def insert_rows(doctype: str, fields: tuple[str, ...], rows: Iterable[tuple]) -> None:
	"""frappe.db.bulk_insert's statements, with their text built here: bulk_insert formats every value through
	pypika's term objects, 2.5 of the 3.5 s that 20,000 events took, which made 2,000,000 events a 6-minute insert."""
	import frappe

	quote = '"' if frappe.db.db_type == "postgres" else "`"
	head = f"insert into {quote}tab{doctype}{quote} ({', '.join(quote + f + quote for f in fields)}) values "
	literal = _literal_of(frappe.db.db_type)
	cursor = frappe.db._cursor
	values, size = [], 0
	for row in rows:
		text = "(" + ",".join(map(literal, row)) + ")"
		values.append(text)
		size += len(text)
		if len(values) >= ROWS_PER_STATEMENT or size >= STATEMENT_BYTES:
			cursor.execute(head + ",".join(values))
			values, size = [], 0
	if values:
		cursor.execute(head + ",".join(values))


def _literal_of(db_type: str) -> Callable[[object], str]:
	if db_type == "postgres":
		text = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731 (standard_conforming_strings is on)
	else:
		from pymysql.converters import escape_string

		text = lambda v: "'" + escape_string(v) + "'"  # noqa: E731

	def literal(value: object) -> str:
		if value is None:
			return "NULL"
		if isinstance(value, str):
			return text(value)
		if isinstance(value, datetime):
			return f"'{value:%Y-%m-%d %H:%M:%S.%f}'"
		if isinstance(value, bool | int):
			return str(int(value))
		if isinstance(value, float):
			return repr(value)
		return text(str(value))

	return literal


def insert_contacts() -> None:
	import frappe
	from frappe.utils import now_datetime

	if frappe.db.exists("Contact", f"{CONTACT_PREFIX}0000"):
		return
	at = now_datetime() - timedelta(days=DAYS + 30)
	fields = (*STANDARD_FIELDS, "first_name", "last_name", "full_name", "email_id", "status")
	rows = [
		(
			*standard_values(f"{CONTACT_PREFIX}{i:04d}", at),
			*("Client", f"{i:04d}", f"Client {i:04d}", f"client{i:04d}@example.com", "Passive"),
		)
		for i in range(CONTACTS)
	]
	frappe.db.bulk_insert("Contact", fields, rows)
	frappe.db.commit()


def insert(requests: int, seed: int) -> dict[str, float]:
	"""Generate and bulk insert in chunks of REQUESTS_PER_COMMIT requests, one commit each."""
	import frappe
	from frappe.utils import now_datetime

	insert_contacts()
	generator = Generator(requests, seed, now_datetime())
	fields = {doctype: present_fields(doctype, wanted) for doctype, wanted in DOCTYPE_FIELDS.items()}
	for doctype, wanted in DOCTYPE_FIELDS.items():
		missing = [f for f in wanted if f not in fields[doctype]]
		if missing:
			print(f"  note: {doctype} has no column {', '.join(missing)} on this site (not filled)")
	spent = {"generate": 0.0, **dict.fromkeys(DOCTYPE_FIELDS, 0.0)}
	standard = {"owner": "Administrator", "modified_by": "Administrator", "docstatus": 0}
	started = time.perf_counter()
	for first in range(0, requests, REQUESTS_PER_COMMIT):
		last = min(first + REQUESTS_PER_COMMIT, requests)
		t0 = time.perf_counter()
		rows = generator.rows(first, last)
		spent["generate"] += time.perf_counter() - t0
		for doctype, dicts in rows.items():
			if not dicts:
				continue
			t0 = time.perf_counter()
			names = fields[doctype]
			values = (tuple({**standard, **d}.get(f) for f in names) for d in dicts)
			insert_rows(doctype, names, values)
			spent[doctype] += time.perf_counter() - t0
		frappe.db.commit()
		elapsed = time.perf_counter() - started
		print(f"\r  inserted {last:>7,} / {requests:,} requests   {elapsed:6.0f} s", end="", flush=True)
	print()
	spent["total"] = time.perf_counter() - started
	return spent


TABLES = ("Flow Request", "Flow Request Value", "Flow Task", "Flow Handoff", "Flow Event", "Flow Follow Up")


def settle() -> None:
	"""What a live site's maintenance would have done by now: fresh statistics (and on PostgreSQL the visibility
	map that lets a count read the index alone)."""
	import frappe

	if frappe.db.db_type == "postgres":
		frappe.db.commit()
		connection = frappe.db._conn
		connection.rollback()  # VACUUM runs outside a transaction
		connection.autocommit = True
		try:
			with connection.cursor() as cursor:
				for doctype in TABLES:
					cursor.execute(f'vacuum analyze "tab{doctype}"')
		finally:
			connection.autocommit = False
			frappe.db.begin()
	else:
		frappe.db.sql("analyze table " + ", ".join(f"`tab{d}`" for d in TABLES))


OWNER_FIELD = {  # the column that ties each row to its SCALE- request
	"Flow Event": "request",
	"Flow Handoff": "request",
	"Flow Follow Up": "request",
	"Flow Task": "request",
	"Flow Request Value": "parent",
	"Flow Request": "name",
}
NAME_PREFIXES = {"Flow Handoff": ("H-" + PREFIX, PREFIX)}  # handoffs are named "H-<task>"


def remove() -> None:
	"""Every row of a SCALE- request, 5,000 requests at a time (each delete reads an index), then any leftover of
	an interrupted insert by its name."""
	import frappe

	while names := frappe.db.sql_list(
		"select name from `tabFlow Request` where name like %s limit 5000", (PREFIX + "%",)
	):
		for doctype, field in OWNER_FIELD.items():
			frappe.db.delete(doctype, {field: ("in", names)})
		frappe.db.commit()
	for doctype in OWNER_FIELD:
		for prefix in NAME_PREFIXES.get(doctype, (PREFIX,)):
			frappe.db.delete(doctype, {"name": ("like", prefix + "%")})
	frappe.db.delete("Contact", {"name": ("like", CONTACT_PREFIX + "%")})
	frappe.db.commit()


def counts() -> dict[str, int]:
	import frappe

	return {d: frappe.db.count(d, {OWNER_FIELD[d]: ("like", PREFIX + "%")}) for d in TABLES}


# ---------------------------------------------------------------- what is timed


@dataclass
class Measure:
	label: str
	user: str
	call: Callable[[], object] | None
	kind: str  # baseline / report / desk / search
	note: str = ""
	seconds: float | None = None
	size: int | None = None


def report_calls(filters: dict) -> list[tuple[str, str, Callable | None, Callable | None, str]]:
	"""(title, module path, execute, desk run, note) for each visibility report; missing ones have no calls."""
	import frappe
	from frappe.desk.query_report import run

	found = []
	for path in REPORTS:
		short = path.rsplit(".", 1)[1]
		try:
			spec = importlib.util.find_spec(path)
		except ModuleNotFoundError:
			spec = None
		if spec is None:
			found.append((short, path, None, None, "not yet written"))
			continue
		try:
			module = importlib.import_module(path)
		except Exception as e:
			found.append((short, path, None, None, f"import error: {e}"))
			continue
		# only the filters the report has: it refuses any other (reporting.report_filters answers 417)
		taken = getattr(module, "FILTERS", None)
		mine = {k: v for k, v in filters.items() if taken is None or k in taken}
		report_json = Path(module.__file__).with_suffix(".json")
		name = json.loads(report_json.read_text())["name"] if report_json.exists() else None
		desk = None
		note = ""
		if name and frappe.db.exists("Report", name):
			desk = lambda name=name, mine=mine: run(name, dict(mine))  # noqa: E731
		else:
			note = "no Report record (migrate the site)"
		found.append(
			(name or short, path, lambda module=module, mine=mine: module.execute(dict(mine)), desk, note)
		)
	return found


def measures(filters: dict, subject_word: str, intake_value: str) -> list[Measure]:
	import frappe
	from frappe.desk import reportview

	from everstep_flow.api.search import requests as search
	from everstep_flow.engine.states import TASK_OPEN

	def open_tasks_by_team():
		return frappe.get_list(
			"Flow Task",
			fields=["team", "count(name) as n"],
			filters={"status": ("in", TASK_OPEN)},
			group_by="team",
			order_by="team",
		)

	def request_count():
		frappe.local.form_dict = frappe._dict(
			doctype="Flow Request", filters="[]", fields='["`tabFlow Request`.`name`"]', distinct="false"
		)
		return reportview.get_count()

	out: list[Measure] = []
	reports = report_calls(filters)
	for who in ("manager", "agent"):
		out.append(Measure("baseline: get_list open tasks by team", who, open_tasks_by_team, "baseline"))
		out.append(Measure("baseline: get_count Flow Request", who, request_count, "reference"))
		for title, _path, execute, desk, note in reports:
			if execute is None:
				out.append(Measure(f"report {title}", who, None, "report", note))
				continue
			out.append(Measure(f"report {title}: execute", who, execute, "report"))
			out.append(Measure(f"report {title}: query_report.run", who, desk, "desk", note))
		out.append(Measure(f"search text={subject_word!r}", who, lambda: search(text=subject_word), "search"))
		out.append(
			Measure("search text=<an intake reference>", who, lambda: search(text=intake_value), "search")
		)
	return out


def as_user(measure: Measure) -> str:
	return MANAGER if measure.user == "manager" else AGENT


def size_of(result) -> int | None:
	if isinstance(result, list):
		return len(result)
	if isinstance(result, tuple) and len(result) > 1 and isinstance(result[1], list):
		return len(result[1])
	if isinstance(result, dict) and isinstance(result.get("result"), list):
		return len(result["result"])
	if isinstance(result, int):
		return result
	return None


def time_all(items: list[Measure], repeats: int) -> None:
	import frappe

	for m in items:
		if m.call is None:
			continue
		frappe.set_user(as_user(m))
		try:
			m.size = size_of(m.call())
			m.seconds = median_seconds(m.call, repeats)
		except Exception as e:
			m.note = f"error: {type(e).__name__}: {' '.join(str(e).split())[:160]}"
			frappe.db.rollback()
		finally:
			frappe.set_user("Administrator")
		print(f"  timed {m.user:<7} {m.label:<62} {_ms(m.seconds)}", flush=True)


def _ms(seconds: float | None) -> str:
	return f"{seconds * 1000:10.1f} ms" if seconds is not None else "         -   "


def print_table(items: list[Measure], target: float) -> bool:
	ok = True
	print(f"\n{'what':<62} {'user':<8} {'median ms':>10} {'rows':>6} {'x base':>7}  result")
	base = {m.user: m.seconds for m in items if m.kind == "baseline"}
	for m in items:
		if m.seconds is None:
			print(f"{m.label:<62} {m.user:<8} {'-':>10} {'':>6} {'':>7}  {m.note}")
			ok = ok and (m.call is None and "not yet written" in m.note)
			continue
		ratio = m.seconds / base[m.user] if base.get(m.user) else 0.0
		result = ""
		if m.kind in ("report", "desk", "search"):
			passed = m.seconds <= target
			ok = ok and passed
			result = "PASS" if passed else "FAIL"
		size = "" if m.size is None else str(m.size)
		print(
			f"{m.label:<62} {m.user:<8} {m.seconds * 1000:>10.1f} {size:>6} {ratio:>7.1f}  {result} {m.note}".rstrip()
		)
	return ok


def compare(items: list[Measure], requests: int, path: str) -> None:
	"""Each measurement against the same one of a run at another size (saved with --save): with x times the
	data, a time may grow at most x times (no worse than linear)."""
	other = json.loads(Path(path).read_text())
	size_ratio = requests / other["requests"]
	print(f"\nagainst {path} ({other['requests']:,} requests): data x{size_ratio:.1f}")
	print(f"{'what':<62} {'user':<8} {'then ms':>9} {'now ms':>9} {'ratio':>7}  growth")
	for m in items:
		then = other["seconds"].get(f"{m.user}|{m.label}")
		if m.seconds is None or not then:
			continue
		ratio = m.seconds / then
		growth = "flat" if ratio < 2 else "sub-linear" if ratio < 0.8 * size_ratio else "about linear"
		verdict = f"ok (<= x{size_ratio:.0f})" if ratio <= size_ratio else f"OVER x{size_ratio:.0f}"
		if ratio > 1.25 * size_ratio:
			growth = "SUPER-LINEAR"
		print(
			f"{m.label:<62} {m.user:<8} {then * 1000:>9.1f} {m.seconds * 1000:>9.1f} {ratio:>7.2f}  "
			f"{verdict} {growth}"
		)


def reference_both_see(requests: int) -> str:
	"""The intake reference of a request in the middle that the agent's teams work on too."""
	import frappe

	request = frappe.db.sql(
		"select request from `tabFlow Task` where team = %s and request >= %s order by request limit 1",
		(AGENT_TEAMS[0], f"{PREFIX}{requests // 2:07d}"),
	)
	return frappe.db.get_value(
		"Flow Request Value", {"parent": request[0][0] if request else "", "fieldname": "reference"}, "value"
	)


# ---------------------------------------------------------------- EXPLAIN


BIG_ROWS = 10_000


def explain(items: list[Measure]) -> None:
	"""EXPLAIN every distinct SELECT on our tables that the reports, the search and the baseline ran."""
	import frappe

	from everstep_flow.tests.utils import recorded_queries

	seen: dict[str, str] = {}
	for m in items:
		if m.call is None or m.kind == "desk" or m.seconds is None:
			continue
		frappe.set_user(as_user(m))
		try:
			with recorded_queries() as queries:
				m.call()
		finally:
			frappe.set_user("Administrator")
		for query in queries:
			text = str(query).strip()
			if text.lower().startswith("select") and "tabFlow" in text and text not in seen:
				seen[text] = f"{m.label} ({m.user})"
	print(f"\nEXPLAIN of {len(seen)} distinct statements ({frappe.db.db_type})")
	big = set()
	if frappe.db.db_type == "postgres":  # its plan shows the rows a scan keeps, not the rows it reads
		big = set(
			frappe.db.sql_list(
				"select relname from pg_class where relkind = 'r' and reltuples >= %s", BIG_ROWS
			)
		)
	for text, where in seen.items():
		print(f"\n-- {where}\n   {_short(text)}")
		cursor = frappe.db._conn.cursor()
		try:
			cursor.execute("EXPLAIN " + text)
			rows, columns = cursor.fetchall(), [c[0] for c in cursor.description]
		finally:
			cursor.close()
		for line in _plan_lines(rows, columns, big):
			print("   " + line)


def _short(text: str, keep: int = 700) -> str:
	text = re.sub(r"\s+", " ", text)
	return text if len(text) <= keep else f"{text[: keep - 200]} ... [{len(text):,} chars] ... {text[-180:]}"


def _plan_lines(rows, columns, big: set[str]) -> list[str]:
	"""The plan, a full read of a table (or, on MariaDB, of a whole index) of BIG_ROWS rows or more flagged."""
	if columns == ["QUERY PLAN"]:  # PostgreSQL
		lines = []
		for (line,) in rows:
			found = re.search(r"Seq Scan on \"?([^\"]+)\"?", line)
			flag = "   <-- FULL SCAN" if found and found.group(1) in big else ""
			lines.append(line + flag)
		return lines
	lines = []
	for row in rows:
		r = dict(zip(columns, row, strict=False))
		many = int(r.get("rows") or 0) >= BIG_ROWS
		flag = (
			{"ALL": "   <-- FULL SCAN", "index": "   <-- FULL INDEX SCAN"}.get(r.get("type"), "")
			if many
			else ""
		)
		if r.get("type") == "index" and not many and r.get("key") != "PRIMARY":
			# ORDER BY ... LIMIT read in index order: `rows` is the LIMIT; a rare match reads the whole index
			flag = "   <-- INDEX WALK until LIMIT matches"
		lines.append(
			f"{r.get('select_type')!s:<12} {r.get('table')!s:<22} type={r.get('type')!s:<7} "
			f"key={r.get('key')!s:<28} rows={r.get('rows')!s:<9} {r.get('Extra') or ''}{flag}"
		)
	return lines


# ---------------------------------------------------------------- main


def main(argv: list[str]) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("site")
	parser.add_argument("--requests", type=int, default=100_000)
	parser.add_argument("--repeats", type=int, default=5)
	parser.add_argument("--seed", type=int, default=1)
	parser.add_argument(
		"--keep", action="store_true", help="keep the inserted rows (for a later --skip-insert)"
	)
	parser.add_argument("--remove", action="store_true", help="only remove what an earlier run left")
	parser.add_argument("--skip-insert", action="store_true", help="time the rows a --keep run left (kept)")
	parser.add_argument("--explain", action="store_true", help="print EXPLAIN of every SELECT timed")
	parser.add_argument("--save", help="write the timings to this JSON file (for a later --compare)")
	parser.add_argument("--compare", help="print growth against the timings a --save run wrote")
	args = parser.parse_args(argv)
	with connected(args.site):
		if not alone():
			print(f"another scale_benchmark run is using {args.site}; try again when it has finished")
			return 3
		return run(args)


def alone() -> bool:
	"""A lock on the database for this connection's life: two runs on one site would delete each other's rows
	(each run starts by removing leftovers) or collide on the same names."""
	import frappe

	if frappe.db.db_type == "postgres":
		return bool(
			frappe.db.sql("select pg_try_advisory_lock(hashtext('everstep_flow scale_benchmark'))")[0][0]
		)
	return bool(frappe.db.sql("select get_lock(concat(database(), ':scale_benchmark'), 0)")[0][0])


def run(args) -> int:
	import frappe
	from frappe.utils import add_days, today

	if args.remove:
		started = time.perf_counter()
		remove()
		remove_fixtures()
		print(
			f"removed every {PREFIX} row, the Scale services and teams in {time.perf_counter() - started:.0f} s"
		)
		return 0
	keep = args.keep or args.skip_insert
	try:
		started = time.perf_counter()
		fixtures()
		print(f"site {args.site} ({frappe.db.db_type}); fixtures in {time.perf_counter() - started:.1f} s")
		if args.skip_insert:
			requests = frappe.db.count("Flow Request", {"name": ("like", PREFIX + "%")})
			if not requests:
				print("no kept rows: run once with --keep first")
				return 2
		else:
			remove()
			requests = args.requests
			print(f"inserting {requests:,} requests ...")
			spent = insert(requests, args.seed)
			print(
				"  insert seconds: "
				+ ", ".join(f"{k} {v:.0f}" for k, v in spent.items() if k not in ("total", "generate"))
				+ f"; generating rows {spent['generate']:.0f}; total {spent['total']:.0f}"
			)
		started = time.perf_counter()
		settle()
		print(f"analysed the tables in {time.perf_counter() - started:.0f} s")
		rows = counts()
		print("rows: " + ", ".join(f"{d} {n:,}" for d, n in rows.items()))
		sla = dict(
			frappe.db.sql(
				"select status, count(*) from `tabFlow Request` where name like %s group by status",
				(PREFIX + "%",),
			)
		)
		print("requests by status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(sla.items())))

		target = TARGET_SECONDS.get(frappe.db.db_type, 2.0)
		filters = {"from_date": add_days(today(), -30), "to_date": today()}
		intake_value = reference_both_see(requests)
		items = measures(filters, SEARCH_WORD, intake_value or "REF-0000000")
		print(
			f"timing (median of {args.repeats}, warm), report filters {filters}, search words {SEARCH_WORD!r} "
			f"and {intake_value!r}, target {target:.0f} s"
		)
		time_all(items, args.repeats)
		ok = print_table(items, target)
		print(f"targets (each report and search <= {target:.0f} s): {'met' if ok else 'MISSED'}")
		if args.save:
			saved = {f"{m.user}|{m.label}": m.seconds for m in items if m.seconds is not None}
			Path(args.save).write_text(
				json.dumps({"requests": requests, "rows": rows, "seconds": saved}, indent=1)
			)
		if args.compare:
			compare(items, requests, args.compare)
		if args.explain:
			explain(items)
		return 0 if ok else 1
	finally:
		frappe.set_user("Administrator")
		frappe.db.rollback()
		if not keep:
			started = time.perf_counter()
			remove()
			remove_fixtures()
			print(f"removed everything inserted in {time.perf_counter() - started:.0f} s")
		else:
			print(f"kept the {PREFIX} rows; remove them with --remove")


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
