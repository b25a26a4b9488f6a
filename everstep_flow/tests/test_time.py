"""Time, with frozen clocks: business-calendar due dates, SLA pauses, follow-ups, nudges and escalation."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import frappe
from frappe.utils import get_datetime

from everstep_flow.api import sweep as sweep_api
from everstep_flow.api import task as task_api
from everstep_flow.clock.sweep import orphan_sweep
from everstep_flow.clock.sweep import run as sweep
from everstep_flow.engine import escalation
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.test_runtime import MANAGER, FlowTestCase, events
from everstep_flow.tests.utils import (
	make_team,
	make_user,
	new_service,
	purge_requests,
	recorded_queries,
	step_row,
)

HOUR = 3600
T0 = datetime(2026, 11, 20, 9, 0)  # a Friday, in the site's timezone
ANN, BOB, LEAD = "tt.ann@example.com", "tt.bob@example.com", "tt.lead@example.com"
CLOCK, OTHER, OFFICE = "TT Clock", "TT Other", "TT Office"
SETTINGS = (
	"nudge_claimant_after",
	"escalate_team_after",
	"escalate_lead_after",
	"escalate_managers_after",
	"stale_request_after",
	"default_calendar",
)


def at(minutes: float) -> datetime:
	return T0 + timedelta(minutes=minutes)


def bell(user: str, document: str) -> int:
	"""Desk notifications `user` got about one document (other tests' items may be due at the same moments)."""
	return frappe.db.count("Notification Log", {"for_user": user, "document_name": document})


class TimeTestCase(FlowTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (ANN, BOB, LEAD):
			make_user(user)
		make_team(CLOCK, ANN, BOB, lead=LEAD)
		make_team(OTHER, BOB, lead=LEAD)
		settings = frappe.get_doc("Flow Settings")
		cls.saved_settings = {k: settings.get(k) for k in SETTINGS}
		settings.update(
			{
				"nudge_claimant_after": 0,
				"escalate_team_after": HOUR,
				"escalate_lead_after": 2 * HOUR,
				"escalate_managers_after": 4 * HOUR,
				"stale_request_after": 0,
				"default_calendar": None,
			}
		)
		settings.save()
		if not frappe.db.exists("Flow Service", "TT Hour"):
			new_service(
				"TT Hour",
				[
					step_row("work", CLOCK, target_duration=HOUR),
					step_row("check", OTHER, "work", accept_window=HOUR / 2),
				],
				target_resolution=HOUR,
			).insert()

	@classmethod
	def tearDownClass(cls):
		"""A class that commits (two workers) must not leave its test ladder in the site's Flow Settings."""
		for key, value in cls.saved_settings.items():
			frappe.db.set_single_value("Flow Settings", key, value)
		if cls.commits:
			frappe.db.commit()
		super().tearDownClass()

	commits = False

	def start(self, service: str = "TT Hour", claim: str | None = ANN) -> tuple[str, str]:
		frappe.set_user(MANAGER)
		request = submit_request(service, {}).name
		task = frappe.db.get_value("Flow Task", {"request": request}, "name")
		if claim:
			frappe.set_user(claim)
			task_api.claim(task)
		frappe.set_user("Administrator")
		return request, task


class TestDueDates(TimeTestCase):
	def test_due_dates_follow_the_team_calendar(self):
		if not frappe.db.exists("Flow Calendar", OFFICE):
			frappe.get_doc(
				{
					"doctype": "Flow Calendar",
					"calendar_name": OFFICE,
					# The site's own zone: frozen times below are site times, whatever the site's timezone is.
					"timezone": frappe.utils.get_system_timezone(),
					"working_hours": [
						{"weekday": day, "start_time": "09:00:00", "end_time": "17:00:00"}
						for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
					],
					"holidays": [{"holiday_date": "2026-11-26", "description": "Thanksgiving"}],
				}
			).insert()
		make_team("TT Office Team", ANN, lead=LEAD)
		frappe.db.set_value("Flow Team", "TT Office Team", "calendar", OFFICE)
		new_service(
			"TT Office Service",
			[step_row("work", "TT Office Team", target_duration=2 * HOUR)],
			owner_team="TT Office Team",
			target_resolution=8 * HOUR,
		).insert()
		with self.freeze_time(datetime(2026, 11, 20, 16, 0)):  # Friday 16:00, site time
			request, task = self.start("TT Office Service")
		# 1 h left on Friday, the second hour on Monday morning.
		self.assertEqual(
			get_datetime(frappe.db.get_value("Flow Task", task, "due_on")), datetime(2026, 11, 23, 10, 0)
		)
		due, at_risk = frappe.db.get_value("Flow Request", request, ["due_on", "at_risk_on"])
		self.assertEqual(get_datetime(due), datetime(2026, 11, 23, 16, 0))  # 1 h Friday + 7 h Monday
		self.assertEqual(get_datetime(at_risk), datetime(2026, 11, 23, 14, 24))  # 80 % of 8 h used

		with self.freeze_time(datetime(2026, 11, 25, 16, 0)):  # Wednesday before Thanksgiving
			_, task = self.start("TT Office Service")
		self.assertEqual(
			get_datetime(frappe.db.get_value("Flow Task", task, "due_on")), datetime(2026, 11, 27, 10, 0)
		)

	def test_an_invalid_calendar_is_refused(self):
		doc = frappe.get_doc({"doctype": "Flow Calendar", "calendar_name": "TT Bad", "timezone": "Mars/Base"})
		doc.append("working_hours", {"weekday": "Monday", "start_time": "09:00:00", "end_time": "17:00:00"})
		self.assertRaisesRegex(frappe.ValidationError, "Unknown timezone", doc.insert)


class TestNudgesAndEscalation(TimeTestCase):
	def test_overdue_task_climbs_the_ladder_once_per_level(self):
		frappe.db.set_value("Flow Team", CLOCK, "email", "clock-team@example.com")
		if not frappe.db.exists("Email Account", "TT Outgoing"):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "TT Outgoing",
					"email_id": "tt-outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "localhost",
					"no_smtp_authentication": 1,
				}
			).insert()  # not connected in tests: Frappe skips the SMTP check there
		with self.freeze_time(T0):
			request, task = self.start()
		before = {u: bell(u, task) for u in (ANN, BOB, LEAD, MANAGER)}

		with self.freeze_time(at(30)):
			sweep()
		self.assertEqual(frappe.db.get_value("Flow Task", task, "escalation_level"), 0)  # not due yet
		with self.freeze_time(at(61)):
			sweep()  # level 1: the claimant
			sweep()  # same moment: nothing new
		self.assertEqual(bell(ANN, task), before[ANN] + 1)
		self.assertEqual(bell(BOB, task), before[BOB])
		with self.freeze_time(at(60 + 61)):
			sweep()  # level 2: the team's available members
		self.assertEqual(bell(BOB, task), before[BOB] + 1)
		self.assertEqual(bell(LEAD, task), before[LEAD] + 1)  # the lead is a member of the team too
		# Beyond the claimant, the team's address gets an email too (queued through Frappe's Email Queue).
		self.assertEqual(
			frappe.db.count("Email Queue", {"reference_doctype": "Flow Task", "reference_name": task}), 1
		)
		with self.freeze_time(at(60 + 121)):
			sweep()  # level 3: the lead
		self.assertEqual(bell(LEAD, task), before[LEAD] + 2)
		with self.freeze_time(at(60 + 241)):
			sweep()  # level 4: the Flow Managers
			sweep()
		self.assertEqual(bell(MANAGER, task), before[MANAGER] + 1)
		with self.freeze_time(at(60 * 24)):
			sweep()  # the top was reached: silence
		self.assertEqual(frappe.db.get_value("Flow Task", task, "escalation_level"), 4)
		self.assertEqual(len(events(request, task=task, event_type="nudged")), 1)
		self.assertEqual(len(events(request, task=task, event_type="escalated")), 3)

	def test_without_an_outgoing_email_account_the_bell_still_rings(self):
		frappe.db.delete("Email Account", {"email_account_name": "TT Outgoing"})
		frappe.db.set_value("Email Account", {"default_outgoing": 1}, "default_outgoing", 0)
		frappe.local.outgoing_email_account = {}  # Frappe caches the outgoing account per request
		frappe.db.set_value("Flow Team", CLOCK, "email", "clock-team@example.com")
		with self.freeze_time(T0):
			request, task = self.start(claim=None)
		with self.freeze_time(at(60 + 61)):
			sweep()  # level 2: the team, whose address would get an email
		self.assertEqual(bell(BOB, task), 1)
		details = frappe.db.get_value(
			"Flow Event", {"request": request, "task": task, "event_type": "escalated"}, "details"
		)
		self.assertEqual(frappe.parse_json(details)["email"], "not sent: no outgoing email account")

	def test_a_handoff_past_its_accept_window_nudges_the_receiving_team(self):
		with self.freeze_time(T0):
			request, task = self.start()
			frappe.set_user(ANN)
			task_api.start(task)
			task_api.complete(task)
			frappe.set_user("Administrator")
		handoff = frappe.db.get_value("Flow Handoff", {"request": request}, "name")
		with self.freeze_time(at(29)):
			sweep()
		# no nudge yet; the bell is the arrival itself, told by the sweep since its job never ran (a test commits
		# nothing, so the after-commit job is never queued: as when a worker dies mid-job)
		self.assertEqual(bell(BOB, handoff), 1)
		self.assertEqual(len(events(request, handoff=handoff, event_type="nudged")), 0)
		with self.freeze_time(at(31)):
			sweep()
			sweep()
		self.assertEqual(bell(BOB, handoff), 2)
		self.assertEqual(len(events(request, handoff=handoff, event_type="nudged")), 1)

	def test_a_follow_up_resurfaces_once(self):
		with self.freeze_time(T0):
			_request, task = self.start()
			frappe.set_user(ANN)
			doc = frappe.get_doc("Flow Task", task)
			doc.follow_up_on = at(20)
			doc.save()
			frappe.set_user("Administrator")
			self.start()  # another, newer task in the same queue
		with self.freeze_time(at(25)):
			sweep()
			sweep()
			top = frappe.get_list(
				"Flow Task", filters={"team": CLOCK}, order_by="modified desc", limit=1, pluck="name"
			)
		self.assertEqual(top, [task])  # back at the top of the queue
		self.assertEqual(bell(ANN, task), 1)

	def test_orphans_reach_the_managers_once(self):
		make_team("TT Empty", "tt.gone@example.com")
		new_service("TT Orphan Service", [step_row("only", "TT Empty")]).insert()
		frappe.set_user(MANAGER)
		request = submit_request("TT Orphan Service", {}).name
		frappe.set_user("Administrator")
		frappe.db.set_value("User", "tt.gone@example.com", "enabled", 0)
		before = bell(MANAGER, request)
		orphan_sweep()
		orphan_sweep()
		self.assertEqual(bell(MANAGER, request), before + 1)

	def test_a_stale_request_reaches_the_managers(self):
		"""The sweep's own nudges are not activity: the lead's nudge must not restart the request's staleness."""
		frappe.db.set_single_value("Flow Settings", "stale_request_after", HOUR)
		try:
			with self.freeze_time(T0):
				request, _task = self.start(claim=None)
			with self.freeze_time(at(61)):
				sweep()
			self.assertEqual(frappe.db.get_value("Flow Request", request, "stale_level"), escalation.LEAD)
			self.assertEqual(get_datetime(frappe.db.get_value("Flow Request", request, "last_event_at")), T0)
			with self.freeze_time(at(60 + 121)):
				sweep()
			self.assertEqual(frappe.db.get_value("Flow Request", request, "stale_level"), escalation.MANAGERS)
			kinds = [e.event_type for e in events(request) if e.task is None]
			self.assertEqual(kinds.count("escalated") + kinds.count("nudged"), 2, kinds)
			self.assertIn("escalated", kinds)
		finally:
			frappe.db.set_single_value("Flow Settings", "stale_request_after", 0)

	def test_only_managers_run_the_sweep_by_hand(self):
		frappe.set_user(ANN)
		self.assertRaises(frappe.PermissionError, sweep_api.run_now)
		frappe.set_user(MANAGER)
		self.assertIn("overdue_tasks", sweep_api.run_now())


class TestSLA(TimeTestCase):
	def test_a_paused_request_does_not_breach(self):
		with self.freeze_time(T0):
			request, task = self.start()
			frappe.set_user(ANN)
			task_api.start(task)
		with self.freeze_time(at(10)):
			frappe.set_user(ANN)
			task_api.wait_on_customer(task)
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Flow Request", request, "sla_status"), "Paused")
		with self.freeze_time(at(300)):
			sweep()
			self.assertEqual(frappe.db.get_value("Flow Request", request, "sla_status"), "Paused")
			frappe.set_user(ANN)
			task_api.resume(task)
			frappe.set_user("Administrator")
		row = frappe.db.get_value(
			"Flow Request", request, ["due_on", "paused_minutes", "sla_status"], as_dict=True
		)
		self.assertEqual(row.paused_minutes, 290)
		self.assertEqual(get_datetime(row.due_on), at(60 + 290))  # the pause pushed the due date out
		self.assertEqual(row.sla_status, "On Track")
		with self.freeze_time(at(60 + 290 - 5)):
			sweep()
			self.assertEqual(frappe.db.get_value("Flow Request", request, "sla_status"), "At Risk")
		with self.freeze_time(at(60 + 291)):
			sweep()
			self.assertEqual(frappe.db.get_value("Flow Request", request, "sla_status"), "Breached")
		# The request's clock (not the task's own resumed event) paused and resumed once.
		clock = events(request, event_type=("in", ["paused", "resumed"]), task=("is", "not set"))
		self.assertEqual([e.event_type for e in clock], ["paused", "resumed"])


class TestSweepCost(TimeTestCase):
	def test_query_count_does_not_grow_with_open_tasks(self):
		"""Same number of due items, 10 or 1,000 open tasks: the same queries."""
		with self.freeze_time(T0):
			warm, _ = self.start()
		with self.freeze_time(at(61)):
			sweep()  # warm caches and the claimant's notification settings
			task = frappe.db.get_value("Flow Task", {"request": warm}, "name")
			frappe.set_user(ANN)
			task_api.start(task)
			task_api.complete(task)
			frappe.set_user("Administrator")

		def due_batch() -> None:
			with self.freeze_time(at(1000)):
				for _ in range(3):
					self.start()

		def not_due(count: int) -> None:
			rows = []
			now = frappe.utils.now_datetime()
			for _i in range(count):
				name = frappe.generate_hash(length=12)
				rows.append(
					(
						name,
						now,
						now,
						"Administrator",
						"Administrator",
						0,
						"Not due",
						warm,
						CLOCK,
						"Queued",
						at(10**6),
						0,
						"work",
					)
				)
			frappe.db.bulk_insert(
				"Flow Task",
				(
					"name",
					"creation",
					"modified",
					"owner",
					"modified_by",
					"docstatus",
					"title",
					"request",
					"team",
					"status",
					"due_on",
					"escalation_level",
					"step_key",
				),
				rows,
			)

		not_due(7)
		with self.freeze_time(at(1061)):
			sweep()  # whatever else on this site is due at that moment is nudged now, not while measuring
		due_batch()
		with self.freeze_time(at(1061)), recorded_queries() as small:
			self.assertEqual(sweep()["overdue_tasks"], 3)
		not_due(990)
		due_batch()
		with self.freeze_time(at(1061)), recorded_queries() as large:
			self.assertEqual(sweep()["overdue_tasks"], 3)
		open_tasks = frappe.db.count("Flow Task", {"status": ("in", ["Queued", "Claimed"]), "team": CLOCK})
		self.assertGreaterEqual(open_tasks, 1000)
		self.assertEqual(len(large), len(small), "\n".join(large))
		if frappe.db.db_type != "postgres":  # Frappe's assertQueryCount cannot run on PostgreSQL (see utils)
			due_batch()
			with self.freeze_time(at(1061)), self.assertQueryCount(len(small)):
				sweep()


class TestTwoWorkers(TimeTestCase):
	commits = True

	def test_two_sweeps_at_once_nudge_once(self):
		"""Two workers, two connections, the same due task: exactly one nudge and one event."""
		request, task = self.start()
		# The workers commit: sweep at a moment long before any real work on this site was due, so they touch
		# nothing but this task (freezegun's clock is process-wide, the threads see it too).
		past = datetime(2020, 1, 6, 9, 0)
		frappe.db.set_value("Flow Task", task, "due_on", past - timedelta(minutes=5))
		frappe.db.commit()  # the workers use their own connections
		site = frappe.local.site
		barrier = threading.Barrier(2)
		errors: list[Exception] = []

		def worker():
			frappe.init(site=site)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				barrier.wait(timeout=10)
				sweep()
				frappe.db.commit()
			except Exception as e:
				frappe.db.rollback()
				errors.append(e)
			finally:
				frappe.destroy()

		try:
			with self.freeze_time(past):
				threads = [threading.Thread(target=worker) for _ in range(2)]
				for t in threads:
					t.start()
				for t in threads:
					t.join(timeout=120)
			self.assertEqual(errors, [])
			self.assertEqual(len(events(request, task=task, event_type="nudged")), 1)
			self.assertEqual(bell(ANN, task), 1)
			self.assertEqual(frappe.db.get_value("Flow Task", task, "escalation_level"), 1)
		finally:
			purge_requests(request)
