"""A hundred people at once on everstep_flow, and the same number doing Frappe ToDo work beside them (issue 23).

Locust runs outside the bench: in a venv of its own, never in the bench's env nor as a dependency of the app
(its gevent monkey-patching and pinned libraries have no business in a Frappe process):

	python3 -m venv /tmp/locust-venv && /tmp/locust-venv/bin/pip install locust

Normally started by run.sh (loopback only, bounded in time, then the invariants and the report). By hand:

	LOAD_USERS=/tmp/load/users-<site>.json /tmp/locust-venv/bin/locust -f benchmarks/load/locustfile.py \
		--headless -u 100 -r 10 -t 10m --host http://127.0.0.1:8100 --csv /tmp/load/results/run

The users file comes from prepare.py (API keys: token auth, so no login nor CSRF token is timed); its `site`
becomes the Host header, so one gunicorn serves the site it names. Half the users (by weight) work the app:
- Agent: lists the open tasks of its teams, claims one (a claim lost to someone faster is the expected answer
  under load, counted as "flow:claim (lost)", not as an error), opens its view, starts it, now and then blocks and
  unblocks it, waits on the customer, releases it, and otherwise completes it with the outputs its step requires;
  accepts the handoffs sent to its teams (now and then returns one with a reason); finishes what it holds.
- Requester (a portal Website User): submits a request of a published service, reads its tracker page and its
  progress, and replies to requests that wait on them.
- Manager: runs the app's Script Reports through frappe.desk.query_report.run, searches, reads a client's
  timeline, the workspace's number cards and charts, and now and then the no-orphan check.
- Trigger: inserts a Note, which fires the "Load Note" Flow Trigger (a job makes the request).
The other half, Baseline, does comparable Frappe work on ToDo: insert, update, list, report view, get.

Every request is named by action ("flow:claim", "baseline:todo_insert"), so report.py can give p50 and p95 per
action and the ratio of each to its matching baseline action. Expected refusals (a lost race) are renamed
"<action> (lost)" and count as successes; every other non-200 answer is a failure.

Environment: LOAD_USERS (required), LOAD_WAIT_MIN / LOAD_WAIT_MAX (seconds between one user's actions, 1 and 3).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
OPEN_STATES = ("Claimed", "In Progress", "Blocked", "Waiting on Customer")
REPORTS = {
	"Team Queue Aging": lambda: {},
	"Leak Audit": lambda: {},
	"Handoffs by Seam": lambda: _last_30(),
	"Where Requests Wait": lambda: _last_30(),
	"SLA and OLA Compliance": lambda: {**_last_30(), "periodicity": "Weekly"},
	"Five Seam Audit": lambda: _last_30(),
}
# The workspace's time-series and group-by charts; its fourth (Median Handoff Latency by Seam) is a Report chart,
# which the desk draws from query_report.run of Handoffs by Seam (run under "flow:report"), never from this door.
CHARTS = ("Requests Created", "Requests Completed", "Open Tasks by Team")
WORDS = ("invoice", "laptop", "onboarding", "refund", "contract", "Globex", "urgent", "billing", "seats")
# Answers that mean "someone else got there first", not that anything broke.
LOST = re.compile(
	r"already claimed|Cannot \w[\w ]* a (task|handoff) that is|waits for its handoff|"
	r"is claimed by .*only they",
	re.IGNORECASE,
)


def _last_30() -> dict:
	today = date.today()
	return {"from_date": str(today - timedelta(days=30)), "to_date": str(today)}


def _load_users() -> dict:
	path = os.environ.get("LOAD_USERS")
	if not path:
		raise SystemExit("LOAD_USERS: the JSON file prepare.py wrote")
	with open(path) as f:
		return json.load(f)


DATA = _load_users()
SITE = DATA["site"]
_turns = {kind: itertools.count() for kind in DATA["users"]}


@events.test_start.add_listener
def _loopback_only(environment, **kw) -> None:
	host = urlsplit(environment.host or "").hostname
	if host not in LOOPBACK:
		raise SystemExit(f"--host must be a loopback address (127.0.0.1), not {environment.host!r}")


def _value(field: dict, n: int):
	"""A plausible value of an intake field's type (outputs are intake fields too)."""
	kind, name = field["fieldtype"], field["fieldname"]
	if kind == "Select":
		options = [o for o in field["options"].split("\n") if o]
		return random.choice(options) if options else ""
	if kind in ("Int", "Float", "Currency", "Percent"):
		return random.randint(1, 500)
	if kind == "Check":
		return random.randint(0, 1)
	if kind == "Date":
		return str(date.today() + timedelta(days=random.randint(1, 30)))
	if kind == "Email":
		return f"someone.{n}@example.com"
	if kind in ("Link", "Dynamic Link", "Attach", "Attach Image", "Table"):
		return None  # not filled by the benchmark (none of the demo's or scale's services require one)
	return f"{name} {random.choice(WORDS)} {n}"


def _fields_of(service: str) -> dict[str, dict]:
	return {f["fieldname"]: f for f in DATA["services"].get(service, {}).get("fields", [])}


class Person(HttpUser):
	abstract = True
	kind = ""
	wait_time = between(float(os.environ.get("LOAD_WAIT_MIN", 1)), float(os.environ.get("LOAD_WAIT_MAX", 3)))

	def on_start(self) -> None:
		people = DATA["users"][self.kind]
		self.me = people[next(_turns[self.kind]) % len(people)]
		self.client.headers.update(
			{
				"Host": SITE,
				"Authorization": f"token {self.me['api_key']}:{self.me['api_secret']}",
				"Accept": "application/json",
			}
		)

	def call(
		self, name: str, method: str, data: dict | None = None, get: bool = False, lost_ok: bool = False
	):
		"""POST (or GET) /api/method/<method>; returns its `message`, or None when it failed or was lost."""
		url = f"/api/method/{method}"
		kw = {"params": _encode(data)} if get else {"json": data or {}}
		return self._send("GET" if get else "POST", url, name, kw, lost_ok)

	def _send(self, verb: str, url: str, name: str, kw: dict, lost_ok: bool = False):
		with self.client.request(verb, url, name=name, catch_response=True, **kw) as r:
			if r.status_code == 200:
				r.success()
				try:
					body = r.json()
				except ValueError:
					return r.text
				return body.get("message", body.get("data"))
			if lost_ok and r.status_code in (409, 417) and LOST.search(r.text or ""):
				r.request_meta["name"] = f"{name} (lost)"
				r.success()
				return None
			r.failure(f"{r.status_code}: {_reason(r)}")
			return None

	def get_list(
		self, name: str, doctype: str, filters, fields, limit: int = 20, order_by: str | None = None
	):
		data = {
			"doctype": doctype,
			"filters": json.dumps(filters),
			"fields": json.dumps(fields),
			"limit_page_length": limit,
		}
		if order_by:
			data["order_by"] = order_by
		return self.call(name, "frappe.client.get_list", data, get=True) or []


def _encode(data: dict | None) -> dict:
	return {k: v if isinstance(v, str | int | float) else json.dumps(v) for k, v in (data or {}).items()}


def _reason(r) -> str:
	"""The shortest useful line of a Frappe error answer."""
	try:
		body = r.json()
	except ValueError:
		return (r.text or "")[:200]
	if body.get("exception"):
		return str(body["exception"])[:300]
	if body.get("_server_messages"):
		try:
			return " | ".join(json.loads(m).get("message", m) for m in json.loads(body["_server_messages"]))[
				:300
			]
		except (ValueError, AttributeError):
			return str(body["_server_messages"])[:300]
	return (r.text or "")[:200]


class Agent(Person):
	"""A Flow Agent of two teams, working their queues."""

	kind = "agent"
	weight = 25

	def on_start(self) -> None:
		super().on_start()
		self.teams = self.me.get("teams") or []

	@task(6)
	def work_the_queue(self) -> None:
		queued = self.get_list(
			"flow:task_list",
			"Flow Task",
			[
				["team", "in", self.teams],
				["status", "=", "Queued"],
				["claimed_by", "is", "not set"],
				["awaiting_handoff", "is", "not set"],
			],
			["name", "service", "step_key", "request"],
			limit=5,  # the oldest few: agents take the oldest work, so they collide as people do
			order_by="ready_on asc",
		)
		if not queued:
			return
		t = random.choice(queued)
		if self.call("flow:claim", "everstep_flow.api.task.claim", {"task": t["name"]}, lost_ok=True) is None:
			return
		self.call("flow:task_view", "everstep_flow.api.task.view", {"task": t["name"]}, get=True)
		if self.call("flow:start", "everstep_flow.api.task.start", {"task": t["name"]}, lost_ok=True) is None:
			return
		self.finish(t)

	def finish(self, t: dict) -> None:
		"""What happens to a task in progress: mostly done, sometimes blocked, waiting, or given back."""
		roll = random.random()
		name = t["name"]
		if roll < 0.06:
			reason = {"task": name, "reason": "Waiting for the supplier's answer"}
			if self.call("flow:block", "everstep_flow.api.task.block", reason, lost_ok=True) is not None:
				self.call("flow:unblock", "everstep_flow.api.task.unblock", {"task": name}, lost_ok=True)
			return  # finished on a later turn through my_work
		if roll < 0.10:
			self.call(
				"flow:wait_on_customer",
				"everstep_flow.api.task.wait_on_customer",
				{"task": name},
				lost_ok=True,
			)
			return
		if roll < 0.13:
			self.call("flow:release", "everstep_flow.api.task.release", {"task": name}, lost_ok=True)
			return
		self.complete(t)

	def complete(self, t: dict) -> None:
		service = DATA["services"].get(t.get("service") or "", {})
		fields = _fields_of(t.get("service") or "")
		outputs = {}
		for fieldname in service.get("outputs", {}).get(t.get("step_key") or "", []):
			field = fields.get(fieldname, {"fieldname": fieldname, "fieldtype": "Data", "options": ""})
			outputs[fieldname] = _value(field, random.randint(1, 10**6))
		data = {"task": t["name"], "outputs": outputs, "note": "Done under load"}
		self.call("flow:complete", "everstep_flow.api.task.complete", data, lost_ok=True)

	@task(3)
	def accept_handoffs(self) -> None:
		pending = self.get_list(
			"flow:handoff_list",
			"Flow Handoff",
			[["to_team", "in", self.teams], ["status", "=", "Pending"]],
			["name"],
			limit=20,
			order_by="sent_on asc",
		)
		if not pending:
			return
		h = random.choice(pending)["name"]
		if random.random() < 0.1:
			data = {"handoff": h, "reason": "Missing the signed form"}
			self.call("flow:return_handoff", "everstep_flow.api.handoff.return_handoff", data, lost_ok=True)
		else:
			self.call(
				"flow:accept_handoff",
				"everstep_flow.api.handoff.accept_handoff",
				{"handoff": h},
				lost_ok=True,
			)

	@task(2)
	def my_work(self) -> None:
		"""Finish what I hold: reopened after a return, blocked, waiting too long, or claimed and not started."""
		mine = self.get_list(
			"flow:my_tasks",
			"Flow Task",
			[["claimed_by", "=", self.me["user"]], ["status", "in", OPEN_STATES]],
			["name", "status", "service", "step_key"],
			limit=20,
		)
		if not mine:
			return
		t = random.choice(mine)
		name, status = t["name"], t["status"]
		if status == "Claimed":
			if self.call("flow:start", "everstep_flow.api.task.start", {"task": name}, lost_ok=True) is None:
				return
		elif status == "Blocked":
			if (
				self.call("flow:unblock", "everstep_flow.api.task.unblock", {"task": name}, lost_ok=True)
				is None
			):
				return
		elif status == "Waiting on Customer":
			if random.random() < 0.7:
				return  # give the requester time to answer
			if (
				self.call("flow:resume", "everstep_flow.api.task.resume", {"task": name}, lost_ok=True)
				is None
			):
				return
		self.complete(t)


class Requester(Person):
	"""A portal user: asks, follows, answers."""

	kind = "requester"
	weight = 12

	def on_start(self) -> None:
		super().on_start()
		self.mine: list[str] = []
		self.services = [s for s, d in DATA["services"].items() if d.get("published")]

	@task(3)
	def submit(self) -> None:
		if not self.services:
			return
		service = random.choice(self.services)
		n = random.randint(1, 10**6)
		values = {}
		for f in DATA["services"][service]["fields"]:
			if f["at_intake"] and (f["required"] or random.random() < 0.5):
				value = _value(f, n)
				if value is not None:
					values[f["fieldname"]] = value
		data = {"service": service, "values": values, "subject": f"{service} {random.choice(WORDS)} {n}"}
		answer = self.call("flow:portal_submit", "everstep_flow.api.portal.submit", data)
		if answer and answer.get("name"):
			self.mine = [answer["name"], *self.mine][:10]

	@task(4)
	def follow(self) -> None:
		if not self.mine:
			return
		name = random.choice(self.mine)
		with self.client.get(f"/flow/requests/{name}", name="flow:tracker_page", catch_response=True) as r:
			if r.status_code == 200:
				r.success()
			else:
				r.failure(f"{r.status_code}")
		self.call("flow:progress", "everstep_flow.api.request.progress", {"request": name}, get=True)

	@task(2)
	def answer(self) -> None:
		waiting = self.get_list(
			"flow:my_requests",
			"Flow Request",
			[["requester", "=", self.me["user"]], ["status", "=", "Waiting on Customer"]],
			["name"],
			limit=10,
		)
		if waiting:
			data = {"request": random.choice(waiting)["name"], "text": "Here is what you asked for."}
			self.call("flow:portal_reply", "everstep_flow.api.portal.reply", data)


class Manager(Person):
	"""A Flow Manager looking at the whole: reports, search, a client's timeline, the workspace."""

	kind = "manager"
	weight = 8

	@task(4)
	def report(self) -> None:
		name = random.choice(list(REPORTS))
		data = {"report_name": name, "filters": json.dumps(REPORTS[name]())}
		self.call(f"flow:report {name}", "frappe.desk.query_report.run", data)

	@task(3)
	def search(self) -> None:
		data = {"text": random.choice(WORDS), "limit": 20}
		if random.random() < 0.5:
			data = {"status": "Open", "limit": 20}
		self.call("flow:search", "everstep_flow.api.search.requests", data, get=True)

	@task(2)
	def client_timeline(self) -> None:
		requesters = DATA["users"].get("requester") or []
		if not requesters:
			return
		contact = random.choice(requesters)["contact"]
		data = {"customer_type": "Contact", "customer": contact, "limit": 20}
		self.call("flow:client_timeline", "everstep_flow.api.client.timeline", data, get=True)

	@task(2)
	def workspace(self) -> None:
		"""What the Flow workspace loads: its six number cards and four charts."""
		for card in DATA.get("cards", []):
			data = {"doc": json.dumps(card), "filters": card.get("filters_json") or "[]"}
			self.call("flow:number_card", "frappe.desk.doctype.number_card.number_card.get_result", data)
		self.call("flow:leak_card", "everstep_flow.api.orphans.leak_count", {})
		chart = random.choice(CHARTS)
		self.call(
			"flow:chart", "frappe.desk.doctype.dashboard_chart.dashboard_chart.get", {"chart_name": chart}
		)

	@task(1)
	def orphans(self) -> None:
		self.call("flow:check_orphans", "everstep_flow.api.orphans.check_orphans", get=True)


class Trigger(Person):
	"""Someone working in another part of the desk whose Note starts a request by itself."""

	kind = "trigger"
	weight = 5

	@task
	def note(self) -> None:
		client = random.choice(DATA["client_emails"])
		data = {"title": client, "content": f"Printer broken again, ticket {random.randint(1, 10**6)}"}
		self._send("POST", "/api/resource/Note", "trigger:note_insert", {"json": data})


class Baseline(Person):
	"""Frappe's own ToDo at the same concurrency: what every app action is compared with."""

	kind = "baseline"
	weight = 50

	def on_start(self) -> None:
		super().on_start()
		self.todos: list[str] = []

	@task(3)
	def insert(self) -> None:
		data = {
			"description": f"Call back {random.choice(WORDS)} {random.randint(1, 10**6)}",
			"priority": "Medium",
			"allocated_to": self.me[
				"user"
			],  # as the desk's ToDo does: Frappe lets a user make only their own
		}
		doc = self._send("POST", "/api/resource/ToDo", "baseline:todo_insert", {"json": data})
		if doc and doc.get("name"):
			self.todos = [doc["name"], *self.todos][:20]

	@task(3)
	def update(self) -> None:
		if not self.todos:
			return
		data = {
			"status": random.choice(("Open", "Closed")),
			"priority": random.choice(("Low", "Medium", "High")),
		}
		url = f"/api/resource/ToDo/{random.choice(self.todos)}"
		self._send("PUT", url, "baseline:todo_update", {"json": data})

	@task(4)
	def list(self) -> None:
		self.get_list(
			"baseline:todo_list",
			"ToDo",
			[["status", "=", "Open"]],
			["name", "description", "priority", "date"],
			limit=20,
			order_by="modified desc",
		)

	@task(2)
	def report_view(self) -> None:
		data = {
			"doctype": "ToDo",
			"fields": json.dumps(["`tabToDo`.`name`", "`tabToDo`.`status`", "`tabToDo`.`priority`"]),
			"filters": json.dumps([["ToDo", "status", "=", "Open"]]),
			"order_by": "`tabToDo`.`modified` desc",
			"start": 0,
			"page_length": 20,
			"view": "Report",
			"with_comment_count": 1,
		}
		self.call("baseline:todo_reportview", "frappe.desk.reportview.get", data)

	@task(2)
	def get(self) -> None:
		if self.todos:
			data = {"doctype": "ToDo", "name": random.choice(self.todos)}
			self.call("baseline:todo_get", "frappe.client.get", data, get=True)
