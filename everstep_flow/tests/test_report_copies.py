"""Copies of the visibility reports (visibility.report_copies): off by default; where the site keeps them, a user's
copy is served while fresh, read again after their own change, never served to anyone else, refreshed behind them
when it gets old."""

from __future__ import annotations

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from everstep_flow.base import writers
from everstep_flow.everstep_flow.report.team_queue_aging import team_queue_aging as aging
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, max_queries, new_service, step_row
from everstep_flow.visibility import report_copies

AGENT, MANAGER, MANAGER2 = "rc.agent@example.com", "rc.manager@example.com", "rc.manager2@example.com"
FRESH = 30


class TestReportCopies(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for manager in (MANAGER, MANAGER2):
			make_user(manager, ("Flow Manager", "Flow Agent"))
		make_team("RC Team", AGENT)
		make_team("RC Other")
		for title, team in (("RC Service", "RC Team"), ("RC Other Service", "RC Other")):
			if not frappe.db.exists("Flow Service", title):
				new_service(title, [step_row("a", team)]).insert()
		frappe.set_user(MANAGER)
		submit_request("RC Service", {})
		submit_request("RC Other Service", {})
		frappe.set_user("Administrator")

	def setUp(self):
		frappe.flags.flow_copies_in_test = True  # copies are off while tests run, unless a test asks for them
		frappe.local.conf[writers.COPIES_CONF] = FRESH
		frappe.cache.delete_keys("everstep_flow:report_copy:")
		for user in (AGENT, MANAGER, MANAGER2):
			frappe.cache.execute_command("DEL", writers._key(user))

	def tearDown(self):
		frappe.flags.flow_copies_in_test = False
		frappe.local.conf.pop(writers.COPIES_CONF, None)
		frappe.cache.delete_keys("everstep_flow:report_copy:")
		frappe.set_user("Administrator")

	def copy_at(self, user: str, filters: dict | None = None) -> float | None:
		frappe.set_user(user)
		at = frappe.cache.execute_command(
			"HGET", report_copies._key(aging.__name__, filters or {}, user), "at"
		)
		return None if at is None else float(at)

	def run_as(self, user: str, filters: dict | None = None):
		frappe.set_user(user)
		return aging.execute(filters or {})

	def open_tasks(self, result, team: str) -> int:
		return sum(r["open"] for r in result[1] if r["team"] == team)

	def test_off_by_default_no_copy_and_no_message(self):
		frappe.local.conf.pop(writers.COPIES_CONF, None)
		result = self.run_as(MANAGER)
		self.assertIsNone(result[2])
		self.assertIsNone(self.copy_at(MANAGER))

	def test_copy_served_while_fresh_without_reading_the_report(self):
		first = self.run_as(MANAGER)
		self.assertIn("Figures as of", first[2])
		began = self.copy_at(MANAGER)
		self.assertIsNotNone(began)
		frappe.set_user(MANAGER)
		with max_queries(self, 3):  # the user's teams and roles at most: none of the report's own reads
			again = aging.execute({})
		self.assertEqual(self.copy_at(MANAGER), began)
		self.assertEqual(again[1], frappe.parse_json(frappe.as_json(first[1])))
		self.assertEqual(again[2], first[2])

	def test_own_change_is_seen_at_once(self):
		before = self.open_tasks(self.run_as(MANAGER), "RC Team")
		began = self.copy_at(MANAGER)
		frappe.set_user(MANAGER)
		submit_request("RC Service", {})
		self.assertTrue(frappe.local.flags.get("flow_mark_written"), "the ledger notes the change")
		writers._mark(MANAGER)  # what the commit runs (a test does not commit)
		after = self.run_as(MANAGER)
		self.assertGreater(self.copy_at(MANAGER), began)
		self.assertEqual(self.open_tasks(after, "RC Team"), before + 1)

	def test_a_copy_is_never_anyone_elses(self):
		managers = self.run_as(MANAGER)
		self.assertTrue({"RC Team", "RC Other"} <= {r["team"] for r in managers[1]})
		# another manager has a copy of their own; an agent (their figures hang on what they may open) none
		self.run_as(MANAGER2)
		self.assertNotEqual(self.copy_at(MANAGER2), self.copy_at(MANAGER))
		agents = self.run_as(AGENT)
		self.assertEqual({r["team"] for r in agents[1]} - {"Total"}, {"RC Team"})
		self.assertIsNone(agents[2])
		self.assertIsNone(self.copy_at(AGENT))
		# a manager who loses the role is no longer served their copy: read as who they are now
		frappe.set_user("Administrator")
		user = frappe.get_doc("User", MANAGER2)
		user.remove_roles("Flow Manager")
		try:
			# (saving the user may clear the site's cache; put a fresh copy back to be sure it is not served)
			frappe.set_user(MANAGER2)
			key = report_copies._key(aging.__name__, {}, MANAGER2)
			kept = [[], [{"team": "RC Other", "open": 99}], "the manager's copy", None, None]
			frappe.cache.execute_command(
				"HSET", key, "at", repr(writers.redis_now()), "body", json.dumps(kept)
			)
			now = self.run_as(MANAGER2)
			self.assertNotEqual(now[2], "the manager's copy")
			self.assertEqual({r["team"] for r in now[1]} - {"Total"}, set())
		finally:
			frappe.set_user("Administrator")
			frappe.get_doc("User", MANAGER2).add_roles("Flow Manager")

	def test_filters_have_copies_of_their_own(self):
		self.run_as(MANAGER)
		self.assertIsNone(self.copy_at(MANAGER, {"team": "RC Team"}))
		rows = self.run_as(MANAGER, {"team": "RC Team"})[1]
		self.assertEqual({r["team"] for r in rows} - {"Total"}, {"RC Team"})
		# bad filters are refused before any copy is looked at
		with self.assertRaises(frappe.ValidationError):
			self.run_as(MANAGER, {"nosuch": 1})

	def test_old_copy_served_then_refreshed_behind(self):
		self.run_as(MANAGER)
		key = report_copies._key(aging.__name__, {}, MANAGER)
		old = writers.redis_now() - FRESH * 2
		body = json.loads(frappe.cache.execute_command("HGET", key, "body"))
		body[2] = "the old copy"
		frappe.cache.execute_command("HSET", key, "at", repr(old), "body", frappe.as_json(body))
		# served as it is; the reading goes to a worker (which may be quick: what was served is what counts)
		self.assertEqual(self.run_as(MANAGER)[2], "the old copy")
		frappe.set_user(MANAGER)
		report_copies.refresh("Team Queue Aging", aging.__name__, frappe._dict())
		self.assertGreater(self.copy_at(MANAGER), old)

	def test_too_old_copy_and_a_given_moment_are_read(self):
		self.run_as(MANAGER)
		key = report_copies._key(aging.__name__, {}, MANAGER)
		frappe.cache.execute_command("HSET", key, "at", repr(writers.redis_now() - FRESH * 20))
		self.run_as(MANAGER)
		self.assertGreater(self.copy_at(MANAGER), writers.redis_now() - FRESH)
		frappe.set_user(MANAGER)
		self.assertIsNone(aging.execute({}, now=now_datetime())[2], "a report for a moment is read, no copy")
