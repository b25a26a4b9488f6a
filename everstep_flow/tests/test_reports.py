"""Visibility reports with hand-built work at known times (the clock is passed in, so figures are exact)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime

from everstep_flow.api import task as task_api
from everstep_flow.everstep_flow.report.team_queue_aging import team_queue_aging as aging
from everstep_flow.runtime.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

AGENT, OTHER, MANAGER = "rp.agent@example.com", "rp.other@example.com", "rp.manager@example.com"
NOW = get_datetime("2026-06-15 12:00:00")


class TestTeamQueueAging(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		make_team("RP Team", AGENT)
		make_team("RP Other", OTHER)
		for title, team in (("RP Service", "RP Team"), ("RP Other Service", "RP Other")):
			if not frappe.db.exists("Flow Service", title):
				new_service(title, [step_row("a", team)]).insert()
		cls.tasks = []
		frappe.set_user(MANAGER)
		# ages 2 hours, 2 days, 5 days, 10 days; the 5-day one is overdue, the 10-day one claimed
		for hours in (2, 48, 120, 240):
			request = submit_request("RP Service", {}).name
			task = frappe.db.get_value("Flow Task", {"request": request}, "name")
			frappe.db.set_value(
				"Flow Task", task, {"creation": NOW - timedelta(hours=hours)}, update_modified=False
			)
			cls.tasks.append(task)
		frappe.db.set_value("Flow Task", cls.tasks[2], "due_on", NOW - timedelta(hours=1))
		frappe.db.set_value("Flow Task", cls.tasks[3], "due_on", NOW + timedelta(days=1))
		frappe.db.set_value(
			"Flow Request", frappe.db.get_value("Flow Task", cls.tasks[0], "request"), "sla_status", "At Risk"
		)
		frappe.set_user(AGENT)
		task_api.claim(cls.tasks[3])
		frappe.set_user(MANAGER)
		submit_request("RP Other Service", {})
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def row(self, user: str, team: str):
		frappe.set_user(user)
		_columns, rows, _m, chart, summary = aging.execute({}, now=NOW)
		return {r["team"]: r for r in rows}.get(team), chart, summary

	def test_the_figures_of_a_hand_built_queue(self):
		row, chart, summary = self.row(MANAGER, "RP Team")
		self.assertEqual(
			{
				k: row[k]
				for k in (
					"open",
					"unclaimed",
					"claimed",
					"under_1d",
					"d1_3",
					"d3_7",
					"over_7d",
					"overdue",
					"at_risk",
				)
			},
			{
				"open": 4,
				"unclaimed": 3,
				"claimed": 1,
				"under_1d": 1,
				"d1_3": 1,
				"d3_7": 1,
				"over_7d": 1,
				"overdue": 1,
				"at_risk": 1,
			},
		)
		self.assertIn("RP Team", chart["data"]["labels"])
		self.assertEqual([s["label"] for s in summary], ["Open", "Unclaimed", "Overdue", "At Risk"])

	def test_an_agent_sees_only_their_teams(self):
		mine, _c, _s = self.row(AGENT, "RP Team")
		self.assertEqual(mine["open"], 4)
		theirs, _c, _s = self.row(AGENT, "RP Other")
		self.assertIsNone(theirs)
		frappe.set_user(AGENT)
		teams = {r["team"] for r in aging.execute({}, now=NOW)[1]} - {"Total"}
		self.assertEqual(teams, {"RP Team"})
		other, _c, _s = self.row(MANAGER, "RP Other")
		self.assertEqual(other["open"], 1)
