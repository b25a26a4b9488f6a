"""Editing teams never breaks runs in flight: renaming, disabling, and refusing to delete a team that had work."""

from __future__ import annotations

import frappe

from everstep_flow.api import request as request_api
from everstep_flow.api import task as task_api
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.test_runtime import MANAGER, FlowTestCase, tasks_of
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row
from everstep_flow.visibility.orphans import check_orphans

FIRST, SECOND = "TM First", "TM Second"
ANN, BOB = "tm.ann@example.com", "tm.bob@example.com"


class TestTeamsChangeWhileWorkRuns(FlowTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(ANN)
		make_user(BOB)

	def service(self, title: str, first: str, second: str) -> str:
		if not frappe.db.exists("Flow Service", title):
			new_service(title, [step_row("one", first), step_row("two", second, "one")]).insert()
		return title

	def start(self, service: str) -> str:
		frappe.set_user(MANAGER)
		name = submit_request(service, {}).name
		frappe.set_user("Administrator")
		return name

	def test_renaming_the_next_team_mid_flight(self):
		make_team(FIRST, ANN)
		make_team(SECOND, BOB)
		request = self.start(self.service("TM Across", FIRST, SECOND))
		frappe.rename_doc("Flow Team", SECOND, "TM Second Renamed")
		self.work(ANN, tasks_of(request)["one"].name)
		two = tasks_of(request)["two"]
		self.assertEqual(two.team, "TM Second Renamed")
		self.accept(BOB, two.name)
		self.work(BOB, two.name)
		self.assertEqual(frappe.db.get_value("Flow Request", request, "status"), "Completed")

	def test_renaming_the_team_of_both_steps_and_cancelling(self):
		make_team("TM Both", ANN)
		request = self.start(self.service("TM Within", "TM Both", "TM Both"))
		frappe.rename_doc("Flow Team", "TM Both", "TM Both Renamed")
		self.work(ANN, tasks_of(request)["one"].name)
		two = tasks_of(request)["two"]
		self.assertEqual(two.team, "TM Both Renamed")
		frappe.set_user(ANN)
		task_api.claim(two.name)  # the member can work it
		frappe.set_user(MANAGER)
		request_api.cancel_request(request, "No longer needed")  # and a manager can still cancel
		self.assertEqual(frappe.db.get_value("Flow Request", request, "status"), "Cancelled")

	def test_a_disabled_team_takes_no_new_work_but_keeps_what_it_has(self):
		make_team("TM Retiring", BOB)
		make_team("TM Staying", ANN)
		service = self.service("TM Retire", "TM Staying", "TM Retiring")
		request = self.start(service)
		self.work(ANN, tasks_of(request)["one"].name)
		frappe.db.set_value("Flow Team", "TM Retiring", "disabled", 1)
		frappe.set_user(MANAGER)
		with self.assertRaisesRegex(frappe.ValidationError, "team TM Retiring is disabled"):
			submit_request(service, {})
		frappe.set_user("Administrator")
		two = tasks_of(request)["two"].name
		found = [f for f in check_orphans() if f.task == two]
		self.assertEqual([f.kind for f in found], ["team_disabled"])
		doc = frappe.get_doc("Flow Service", service)
		doc.run_method("onload")
		self.assertEqual(doc.get_onload().disabled_teams, ["TM Retiring"])

	def test_a_team_that_had_work_is_never_deleted_and_the_refusal_names_the_task(self):
		make_team("TM Worked", ANN)
		request = self.start(self.service("TM Delete", "TM Worked", "TM Worked"))
		task = tasks_of(request)["one"].name
		with self.assertRaises(frappe.LinkExistsError) as refused:
			frappe.delete_doc("Flow Team", "TM Worked")
		self.assertIn(task, str(refused.exception))
		self.assertIn("Disabled", str(refused.exception))
