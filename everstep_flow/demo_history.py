"""The living demo: four weeks of history played through the app's real actions, on a frozen clock.

	bench --site <site> execute everstep_flow.demo.play     # setup, then the history (once)
	bench --site <site> execute everstep_flow.demo.remove   # the history goes; users, teams, services stay

Nothing is inserted behind the engine's back: requests come in through intake (the desk's and the portal's doors),
people claim, start, complete, block, wait on the customer and cancel through the task actions, accept and return
handoffs, log calls, mark follow-ups done or push them, and the requester answers on the portal. Each action runs
at its moment of the past (freezegun moves the clock), so events, SLA deadlines, breaches, nudges and the reports'
figures are what four real weeks would have left. The sweep runs at each day's end, as the scheduler would.

Played once: the names of what it made are kept (a global default), so a second play changes nothing and remove
deletes exactly those rows, the engine's refusal to delete its history notwithstanding (a demo is not history).
"""

from __future__ import annotations

import heapq
import json
import random
import time
from datetime import datetime, timedelta
from typing import Any

import frappe
import pytz
from frappe.utils import get_system_timezone, now_datetime

from everstep_flow import demo_script as D
from everstep_flow.demo_records import clients, forget
from everstep_flow.engine import states as S

MARKER = "everstep_flow_demo_history"
START, END = D.START, D.END


def played() -> dict | None:
	raw = frappe.db.get_global(MARKER)
	return json.loads(raw) if raw else None


def play() -> dict[str, Any]:
	"""Play the history once; a second play returns what the first made and changes nothing."""
	if mark := played():
		return {"played": False, "requests": len(mark["requests"])}
	try:
		from freezegun import freeze_time
	except ImportError:
		frappe.throw("The living demo needs freezegun to play its past: bench pip install freezegun")
	began = time.monotonic()
	found, made = clients()
	history = History(found)
	with freeze_time(history.utc(history.at(0, START - 1)), auto_tick_seconds=0.001) as clock:
		history.run(clock)
	frappe.set_user("Administrator")
	from everstep_flow.visibility.day_tallies import forget_tasks

	# its past was written with past stamps, unseen by the day tallies of those days: they are built again
	forget_tasks(history.names)
	from everstep_flow.clock.sweep import run as sweep

	sweep()  # now, as the scheduler will
	frappe.db.set_global(MARKER, json.dumps({"requests": history.names, "records": made}))
	statuses = frappe.get_all(
		"Flow Request",
		filters={"name": ("in", history.names)},
		fields=["status", "count(name) as n"],
		group_by="status",
	)
	return {
		"played": True,
		"requests": len(history.names),
		"by_status": {r.status: r.n for r in statuses},
		"seconds": round(time.monotonic() - began, 1),
	}


def remove() -> dict[str, Any]:
	"""Delete what play made, and only that; then play may run again."""
	mark = played()
	if not mark:
		return {"removed": 0}
	removed = forget(mark["requests"], mark.get("records") or [])
	frappe.db.set_global(MARKER, None)
	frappe.db.delete("DefaultValue", {"parent": "__global", "defkey": MARKER})
	return {"removed": len(mark["requests"]), "rows": removed}


class History:
	"""The script's people acting at their moments, in time order (one queue of what happens next)."""

	def __init__(self, found: dict[str, tuple[str, str, str]]):
		self.clients = found
		self.tz = pytz.timezone(get_system_timezone())
		self.end = now_datetime() - timedelta(minutes=2)
		self.days = D.working_days(self.end.date())
		self.names: list[str] = []
		self.queue: list[tuple[datetime, int, str, int]] = []
		self.state: dict[int, dict[str, Any]] = {}
		self.seq = 0

	def at(self, day: int, hour: float) -> datetime:
		return datetime.combine(self.days[day], datetime.min.time()) + timedelta(hours=hour)

	def utc(self, moment: datetime) -> datetime:
		return self.tz.localize(moment).astimezone(pytz.utc)

	def push(self, when: datetime, kind: str, index: int) -> None:
		self.seq += 1
		heapq.heappush(self.queue, (when, self.seq, kind, index))

	def run(self, clock) -> None:
		for i, req in enumerate(D.REQUESTS):
			self.push(self.at(req.day, req.hour), "intake", i)
		for i, call in enumerate(D.CALLS):
			self.push(self.at(call.day, call.hour), "call", i)
			if call.then:
				self.push(self.at(call.then[1], 11), "follow_up", i)
		self.push(self.at(*D.PORTAL_NOTE[1:3]), "note", D.PORTAL_NOTE[0])
		for day in range(D.HISTORY_DAYS):
			self.push(self.at(day, END + 0.5), "sweep", day)
		now = self.at(0, START - 1)
		while self.queue:
			when, _, kind, index = heapq.heappop(self.queue)
			now = max(now, min(when, self.end))
			clock.move_to(self.utc(now))
			later = getattr(self, kind)(index)
			frappe.set_user("Administrator")
			if later is not None:
				self.push(D.after(now, later), "move", index)

	# What happens, one kind at a time; a move returns the working minutes until the request's next one.
	def intake(self, i: int) -> int | None:
		from everstep_flow.api import portal
		from everstep_flow.requests.intake import submit_request

		req = D.REQUESTS[i]
		subject, values = D.values(i, req)
		if req.by == D.PORTAL:
			frappe.set_user(D.REQUESTER)
			name = portal.submit(service=D.SERVICES[req.service], values=values, subject=subject)["name"]
		else:
			frappe.set_user(req.by)
			kind, customer, _ = self.clients.get(req.client or "", (None, None, None))
			name = submit_request(
				D.SERVICES[req.service],
				values,
				subject=subject,
				customer_type=kind,
				customer=customer,
				source="Desk",
			).name
		self.names.append(name)
		self.state[i] = {"name": name, "done": 0, "returned": False, "waited": False, "turn": i}
		return None if req.fate == "open" else self.pace(i)

	def pace(self, i: int) -> int:
		rng = random.Random(i * 7919 + self.state[i]["done"] * 31 + self.state[i]["turn"])
		return rng.randint(480, 840) if D.REQUESTS[i].fate == "late" else rng.randint(15, 150)

	def move(self, i: int) -> int | None:
		"""The request's next move by whoever would make it, or None when its fate is reached."""
		from everstep_flow.api import handoff, portal, request, task

		req, st = D.REQUESTS[i], self.state[i]
		name, fate, reached = st["name"], req.fate, st["done"] >= req.n
		if fate == "cancel" and reached:
			frappe.set_user(D.REQUESTER if req.by == D.PORTAL else D.MANAGER)
			request.cancel_request(request=name, reason=D.CANCEL_REASONS[req.service])
			return None
		pending = frappe.get_all(
			"Flow Handoff",
			filters={"request": name, "status": S.PENDING},
			fields=["name", "to_team", "to_task"],
			order_by="creation asc",
		)
		if pending:
			h = pending[0]
			if fate == "pending" and reached:
				return None
			frappe.set_user(self.person(i, h.to_team))
			if fate == "return" and not st["returned"]:
				st["returned"] = True
				step = frappe.db.get_value("Flow Task", h.to_task, "step_key")
				handoff.return_handoff(handoff=h.name, reason=D.RETURN_REASONS[step])
			else:
				handoff.accept_handoff(handoff=h.name)
			return self.pace(i)
		tasks = frappe.get_all(
			"Flow Task",
			filters={"request": name, "status": ("in", S.TASK_OPEN), "awaiting_handoff": ("is", "not set")},
			fields=["name", "status", "team", "step_key", "claimed_by"],
			order_by="creation asc",
		)
		for t in tasks:
			if t.status == S.QUEUED:
				frappe.set_user(self.person(i, t.team))
				task.claim(task=t.name)
			elif t.status == S.CLAIMED and fate != "claimed":
				frappe.set_user(t.claimed_by)
				task.start(task=t.name)
			elif t.status == S.IN_PROGRESS and (fate in ("wait", "reply") and reached and not st["waited"]):
				st["waited"] = True
				frappe.set_user(t.claimed_by)
				task.wait_on_customer(task=t.name)
			elif t.status == S.IN_PROGRESS and fate == "blocked" and reached:
				frappe.set_user(t.claimed_by)
				task.block(task=t.name, reason=D.BLOCK_REASON)
			elif t.status == S.IN_PROGRESS and not (fate in ("progress", "pending") and reached):
				frappe.set_user(t.claimed_by)
				values, note = D.outputs(i, t.step_key)
				task.complete(task=t.name, outputs=values, note=note)
				st["done"] += 1
			elif t.status == S.WAITING and fate == "reply":
				if req.by == D.PORTAL:
					frappe.set_user(D.REQUESTER)
					portal.reply(request=name, text=D.REPLY)
				else:
					frappe.set_user(t.claimed_by)
					task.resume(task=t.name)
			else:
				continue
			return self.pace(i)
		return None

	def person(self, i: int, team: str) -> str:
		people = D.PEOPLE[team]
		self.state[i]["turn"] += 1
		return people[self.state[i]["turn"] % len(people)]

	def call(self, c: int) -> None:
		from everstep_flow.api.call import log_call

		call = D.CALLS[c]
		request = self.state[call.request]["name"]
		_, _, contact = self.clients[D.REQUESTS[call.request].client]
		follow = {}
		if call.follow_up:
			day, team, owner, what = call.follow_up
			follow = {
				"follow_up_on": str(self.at(day, 10)),
				"follow_up_team": team,
				"follow_up_owner": owner,
				"follow_up_what": what,
			}
		frappe.set_user(call.by)
		log_call(
			request=request,
			direction=call.direction,
			contact=contact,
			duration=call.minutes,
			summary=call.summary,
			no_follow_up_reason="" if call.follow_up else "Nothing left to do: solved on the call.",
			**follow,
		)

	def follow_up(self, c: int) -> None:
		from everstep_flow.api import follow_up

		call = D.CALLS[c]
		request = self.state[call.request]["name"]
		name = frappe.db.get_value("Flow Follow Up", {"request": request, "status": "Open"}, "name")
		kind, _, text = call.then
		frappe.set_user(call.follow_up[2])
		if kind == "done":
			follow_up.mark_done(follow_up=name, note=text)
		else:
			follow_up.push(follow_up=name, due_on=str(self.at(D.PUSH_TO, 10)), reason=text)

	def note(self, i: int) -> None:
		from everstep_flow.api import portal

		frappe.set_user(D.REQUESTER)
		portal.reply(request=self.state[i]["name"], text=D.PORTAL_NOTE[3])

	def sweep(self, day: int) -> None:
		from everstep_flow.clock.sweep import run

		run(now_datetime())
