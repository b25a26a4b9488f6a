"""Day tallies on a real site: Where Requests Wait, SLA and OLA Compliance and Handoffs by Seam give the same figures
from the days' tallies as from the tasks and handoffs, and a day changed after its tally (a reopen, a task written
behind the engine's back, a handoff decided since) is read from them."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from everstep_flow.everstep_flow.report.handoffs_by_seam import handoffs_by_seam as seams
from everstep_flow.everstep_flow.report.sla_and_ola_compliance import sla_and_ola_compliance as sla
from everstep_flow.everstep_flow.report.where_requests_wait import where_requests_wait as report
from everstep_flow.tests.test_reports import B_AGENT, PERIOD, RV_MANAGER, VisibilityCase
from everstep_flow.visibility import day_tallies, seam_tallies
from everstep_flow.visibility.reporting import period

DOCTYPE = day_tallies.DOCTYPE


class TestDayTallies(VisibilityCase):
	def setUp(self):
		frappe.db.savepoint("day_tallies")
		start, end = period(PERIOD, None)
		self.start, self.end = start, end
		self.days = [(start + timedelta(days=i)).date() for i in range((end - start).days)]
		frappe.db.delete(DOCTYPE, {"day": ("in", self.days)})

	def tearDown(self):
		frappe.db.rollback(save_point="day_tallies")  # each test moves the same work
		super().tearDown()

	def build(self):
		as_of = now_datetime()
		for day in self.days:
			day_tallies._write(day, as_of, existing=False)
		return as_of

	def figures(self, user=RV_MANAGER, **filters):
		return self.run_report(report, user, **filters)[1:]

	def test_the_tallies_give_the_tasks_figures(self):
		from_tasks = self.figures(), self.figures(team="RV B"), self.figures(B_AGENT)
		self.build()
		self.assertEqual(sorted(day_tallies.trusted(self.start, self.end)), self.days)
		self.assertEqual((self.figures(), self.figures(team="RV B"), self.figures(B_AGENT)), from_tasks)
		# the tallies are what was read: a tally's figures show (then the day is built again)
		day = frappe.db.get_value("Flow Task", self.r2_a, "completed_on").date()
		frappe.db.set_value(DOCTYPE, str(day), "steps", "[]", update_modified=False)
		self.assertNotEqual(self.figures(), from_tasks[0])
		frappe.db.set_value(DOCTYPE, str(day), "as_of", self.start, update_modified=False)
		self.assertEqual(
			self.figures(), from_tasks[0]
		)  # not vouched for lately: its day comes from the tasks

	def test_sla_outcomes_come_from_the_tallies(self):
		def outcomes(user=RV_MANAGER, **filters):
			return self.run_report(sla, user, periodicity="Weekly", **filters)[1:]

		from_tasks = outcomes(), outcomes(team="RV B"), outcomes(B_AGENT), outcomes(service="RV Other")
		self.build()
		self.assertEqual(
			(outcomes(), outcomes(team="RV B"), outcomes(B_AGENT), outcomes(service="RV Other")), from_tasks
		)
		# the tallies are what was read: a day's outcomes emptied show
		day = frappe.db.get_value("Flow Task", self.r2_a, "completed_on").date()
		self.assertTrue(day_tallies.trusted_outcomes(self.start, self.end)[day])
		frappe.db.set_value(DOCTYPE, str(day), "outcomes", "[]", update_modified=False)
		self.assertNotEqual(outcomes(), from_tasks[0])
		# a task reopened since its tally: its day comes from the tasks (the emptied outcomes are not read)
		from everstep_flow.api import handoff as handoff_api

		frappe.set_user(B_AGENT)
		handoff_api.return_handoff(self.h3, "still no quote")
		frappe.set_user("Administrator")
		self.assertNotIn(day, day_tallies.trusted_outcomes(self.start, self.end))
		with_tallies = outcomes()
		frappe.db.delete(DOCTYPE, {"day": ("in", self.days)})
		self.assertEqual(with_tallies, outcomes())

	def test_seams_come_from_the_tallies(self):
		from everstep_flow.api import handoff as handoff_api

		def figures(user=RV_MANAGER, **filters):
			return self.run_report(seams, user, **filters)[1:]

		from_handoffs = figures(), figures(team="RV B"), figures(B_AGENT)
		# a pending handoff past its window is late at NOW
		self.assertTrue(any(row["late_share"] for row in from_handoffs[0][0]))
		self.build()
		day = frappe.db.get_value("Flow Handoff", self.h3, "sent_on").date()
		self.assertIn(day, seam_tallies.trusted(self.start, self.end))
		self.assertEqual((figures(), figures(team="RV B"), figures(B_AGENT)), from_handoffs)
		# the tallies are what was read: a day's seams emptied show
		frappe.db.set_value(DOCTYPE, str(day), "seams", "[]", update_modified=False)
		self.assertNotEqual(figures(), from_handoffs[0])
		# a handoff decided since its day's tally: the day comes from the handoffs
		frappe.set_user(B_AGENT)
		handoff_api.return_handoff(self.h3, "still no quote")
		frappe.set_user("Administrator")
		self.assertNotIn(day, seam_tallies.trusted(self.start, self.end))
		with_tallies = figures()
		frappe.db.delete(DOCTYPE, {"day": ("in", self.days)})
		self.assertEqual(with_tallies, figures())

	def test_a_reopen_after_the_tally_sends_its_day_back_to_the_tasks(self):
		from everstep_flow.api import handoff as handoff_api

		self.build()
		frappe.set_user(B_AGENT)
		handoff_api.return_handoff(
			self.h3, "still no quote"
		)  # reopens R2's step A: its completion is cleared
		frappe.set_user("Administrator")
		day = (self.start + timedelta(days=7)).date()  # R2's A was done on the period's last day
		trusted = day_tallies.trusted(self.start, self.end)
		self.assertEqual(
			trusted[day][("RV Flow", "a", "RV A")].done, 1
		)  # taken out of its day, as it was counted
		with_tallies = self.figures()
		frappe.db.delete(DOCTYPE, {"day": ("in", self.days)})
		self.assertEqual(with_tallies, self.figures())

	def test_a_task_written_behind_the_engines_back_is_seen(self):
		self.build()
		frappe.db.set_value("Flow Task", self.r1_b, "completed_on", self.start + timedelta(hours=30))
		trusted = day_tallies.trusted(self.start, self.end)
		self.assertNotIn((self.start + timedelta(days=1)).date(), trusted)  # where it went
		self.assertNotIn((self.start + timedelta(days=7)).date(), trusted)  # where it came from
		with_tallies = self.figures()
		frappe.db.delete(DOCTYPE, {"day": ("in", self.days)})
		self.assertEqual(with_tallies, self.figures())

	def test_refresh_builds_vouches_and_rebuilds(self):
		before = set(frappe.get_all(DOCTYPE, pluck="name"))
		try:
			first = day_tallies.refresh(fresh=False)
			self.assertGreaterEqual(first["built"], 1)
			again = day_tallies.refresh(fresh=False)
			self.assertEqual((again["built"], again["rebuilt"]) if first["built"] < 31 else (0, 0), (0, 0))
			# a tally written by hand is refused, whoever writes it
			doc = frappe.get_doc({"doctype": DOCTYPE, "day": "2020-01-01", "as_of": now_datetime()})
			self.assertRaises(frappe.PermissionError, doc.insert, ignore_permissions=True)
		finally:
			made = set(frappe.get_all(DOCTYPE, pluck="name")) - before
			if made:
				frappe.db.delete(DOCTYPE, {"name": ("in", list(made))})
