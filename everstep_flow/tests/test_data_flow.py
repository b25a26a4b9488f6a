"""Data flows one way: load -> decide (the core, once) -> apply. Measured on the real calls, not on the code.

Following a value (the service through intake, the task through `complete`): a call of our own code, made by our
own code, that is given the value (as an argument other than `self`, or as the name, service, request or definition
of one) is a step on its way. A file is *visited* when such a call enters it from another file; the core *returns
into the shell* when such a call of the core ends back in the shell, and *climbs* into the shell when the core calls
shell code (a callback). What Frappe's document lifecycle calls (controllers, `doc_events`) is Frappe's, not a step;
what those controllers then call is ours again.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import frappe

from everstep_flow.api import request as request_api
from everstep_flow.api import task as task_api
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.test_runtime import FIELDS, FIN, OPS, SALES, FlowTestCase, tasks_of
from everstep_flow.tests.utils import max_queries, new_service, step_row

APP = str(Path(__file__).resolve().parent.parent)
CORE = f"{APP}/engine/"
TESTS = f"{APP}/tests/"
FAN_OUT = "DF Fan-out"


def carries(value, needle: str, depth: int = 2) -> bool:
	if isinstance(value, str):
		return value == needle
	if depth == 0 or value is None or isinstance(value, int | float | bool | bytes):
		return False
	if isinstance(value, dict):
		return any(carries(v, needle, depth - 1) for v in list(value.values())[:50])
	for attr in ("name", "service", "request", "request_name", "definition"):
		try:
			inner = getattr(value, attr, None)
		except Exception:
			continue
		if inner is not None and carries(inner, needle, depth - 1):
			return True
	return False


def follow(action, needle: str) -> tuple[Counter, int, int, list[str]]:
	"""Run `action`, following `needle`: (visits per file, returns from the core into the shell, climbs, the way)."""
	visits: Counter = Counter()
	counted: set[int] = set()  # ids of the frames that are steps of the way
	way: list[str] = []
	returns = climbs = 0

	def ours(path: str) -> bool:
		return path.startswith(APP) and not path.startswith(TESTS)

	def given(frame) -> bool:
		code = frame.f_code
		names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
		return any(carries(frame.f_locals.get(n), needle) for n in names if n != "self")

	def profile(frame, event, _arg):
		nonlocal returns, climbs
		path, caller = frame.f_code.co_filename, frame.f_back.f_code.co_filename if frame.f_back else ""
		if event == "call" and ours(path) and ours(caller) and given(frame):
			counted.add(id(frame))
			if caller != path:
				visits[path] += 1
				way.append(f"{path.removeprefix(APP + '/')}:{frame.f_code.co_name}")
			if caller.startswith(CORE) and not path.startswith(CORE):
				climbs += 1
		elif event == "return" and id(frame) in counted:
			counted.discard(id(frame))
			if path.startswith(CORE) and not caller.startswith(CORE):
				returns += 1

	sys.setprofile(profile)
	try:
		action()
	finally:
		sys.setprofile(None)
	return visits, returns, climbs, way


class TestDataFlow(FlowTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Flow Service", FAN_OUT):
			new_service(
				FAN_OUT,
				[
					step_row("a", SALES),
					step_row("b", OPS, condition="seats > 1"),
					step_row("c", FIN, "a, b"),
				],
				FIELDS,
			).insert()

	def intake(self, **values):
		if frappe.session.user != "rt.manager@example.com":
			frappe.set_user(
				"rt.manager@example.com"
			)  # (a new user starts Frappe's new-document templates cold)
		return submit_request(FAN_OUT, {"company": "Acme", "plan": "Basic", "seats": "3", **values})

	def assert_one_way(self, visits: Counter, returns: int, climbs: int, way: list[str]):
		trail = "\n".join(way)
		self.assertLessEqual(max(visits.values()), 2, f"{visits}\n{trail}")
		self.assertLessEqual(returns, 2, trail)
		self.assertEqual(climbs, 0, trail)

	def test_intake_visits_each_file_at_most_twice(self):
		"""From the REST door: its argument checks, intake's load, the plan, apply, the answer."""
		self.intake()  # warm caches
		values = {"company": "Acme", "plan": "Basic", "seats": "3"}
		visits, returns, climbs, way = follow(lambda: request_api.submit_request(FAN_OUT, values), FAN_OUT)
		self.assertEqual(way[0], "api/request.py:submit_request")
		self.assertTrue(any("engine/plans.py" in w for w in way), way)  # the core decided
		self.assertTrue(any("requests/apply.py" in w for w in way), way)  # the shell applied
		self.assert_one_way(visits, returns, climbs, way)

	def test_complete_visits_each_file_at_most_twice(self):
		request = self.intake().name
		task = tasks_of(request)["a"].name
		frappe.set_user("rt.sales@example.com")
		task_api.claim(task)
		task_api.start(task)
		visits, returns, climbs, way = follow(lambda: task_api.complete(task), task)
		self.assertEqual(way[0], "api/task.py:complete")
		self.assertTrue(any("engine/plans.py" in w for w in way), way)
		self.assert_one_way(visits, returns, climbs, way)

	def test_a_fan_out_intake_stays_in_budget(self):
		"""2 series, the request, its values (one bulk insert), 2 tasks, the events (one bulk insert); PostgreSQL
		adds Frappe's 2 information_schema lookups."""
		self.intake()
		with max_queries(self, 10 if frappe.db.db_type == "postgres" else 8):
			self.intake(company="Counted")

	def test_completing_a_step_stays_in_budget(self):
		"""The move itself (Frappe's save of the task), then progress: the request, its tasks (locked), its values,
		the next task and its handoff, the request's update, the events; and the claimant's assignment closed."""
		request = self.intake().name
		task = tasks_of(request)["a"].name
		frappe.set_user("rt.sales@example.com")
		task_api.claim(task)
		task_api.start(task)
		with max_queries(
			self, 18 if frappe.db.db_type == "postgres" else 16
		):  # 0.14: + the ToDo closed, `_assign`
			task_api.complete(task)

	def test_values_written_in_bulk_are_cleaned_as_frappe_cleans_a_child_and_hooks_see_them(self):
		"""Intake writes a request's values in one statement (requests.apply.insert_values): markup in them is
		sanitised as Frappe's own child insert does, and the document carries them by on_update."""
		service = "DF Attach"
		if not frappe.db.exists("Flow Service", service):
			new_service(
				service,
				[step_row("a", SALES)],
				[
					{"fieldname": "doc", "label": "Document", "fieldtype": "Attach"},
					{"fieldname": "notes", "label": "Notes", "fieldtype": "Small Text"},
				],
			).insert()
		frappe.set_user("rt.manager@example.com")
		hostile = '<img src=x onerror="alert(document.cookie)">'
		request = submit_request(service, {"doc": hostile, "notes": "fine <b>bold</b>"})
		stored = dict(
			frappe.get_all(
				"Flow Request Value", {"parent": request.name}, ["fieldname", "value"], as_list=True
			)
		)
		self.assertNotIn("onerror", stored["doc"])
		self.assertEqual(stored["notes"], "fine bold")  # text is plain text (engine.values)
		# The document on_update hooks receive already carries them (written in after_insert).
		self.assertEqual({r.fieldname: r.value for r in request.request_values}, stored)

	def test_a_link_value_given_as_a_number_is_checked_as_the_text_it_is_stored_as(self):
		service = "DF Link"
		if not frappe.db.exists("Flow Service", service):
			new_service(
				service,
				[step_row("a", SALES)],
				[{"fieldname": "person", "label": "Person", "fieldtype": "Link", "options": "User"}],
			).insert()
		frappe.set_user("rt.manager@example.com")
		for value in (12.0, 12, "nobody@nowhere.example"):
			with self.assertRaisesRegex(frappe.ValidationError, "does not exist"):
				submit_request(service, {"person": value})

	def test_a_large_flush_stays_under_the_placeholder_limit(self):
		"""The ledger writes with parameterised INSERTs: 4,000 events (72,000 values) need more than one."""
		from everstep_flow.base import ledger

		request = self.intake().name
		for i in range(4000):
			ledger.record(request, "nudged", details={"i": i})
		ledger.flush()
		self.assertEqual(frappe.db.count("Flow Event", {"request": request, "event_type": "nudged"}), 4000)
