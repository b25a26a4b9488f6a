import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow import demo
from everstep_flow.base.catalog import get_definition
from everstep_flow.engine import problems, ready_steps


class TestDemo(FrappeTestCase):
	def test_demo_is_idempotent_and_valid(self):
		made = demo.setup()
		for title in made["services"]:  # new ones start at version 1
			self.assertEqual(frappe.db.get_value("Flow Service", title, "version"), 1)
		counts = {
			dt: frappe.db.count(dt) for dt in ("User", "Flow Team", "Flow Service", "Flow Service Step")
		}
		versions = {
			s["title"]: frappe.db.get_value("Flow Service", s["title"], "version") for s in demo.SERVICES
		}
		self.assertEqual(
			demo.setup(),
			{"users": [], "teams": [], "services": [], "calendars": [], "clients": [], "triggers": []},
		)
		self.assertEqual(
			counts,
			{dt: frappe.db.count(dt) for dt in ("User", "Flow Team", "Flow Service", "Flow Service Step")},
		)
		for service in demo.SERVICES:
			# a second setup changes nothing (a site's own edits may have moved the version on: it stays there)
			self.assertEqual(
				frappe.db.get_value("Flow Service", service["title"], "version"), versions[service["title"]]
			)
			self.assertEqual(problems(get_definition(service["title"])), [])

	def test_onboarding_runs_parallel_then_joins_across_three_teams(self):
		demo.setup()
		onboarding = get_definition("New client onboarding")
		self.assertEqual(set(onboarding.teams), {"Sales", "Operations", "Finance"})
		self.assertEqual(ready_steps(onboarding), ["sales_handover"])
		self.assertEqual(ready_steps(onboarding, done={"sales_handover"}), ["provisioning", "billing_setup"])
		self.assertEqual(
			ready_steps(onboarding, done={"sales_handover", "provisioning", "billing_setup"}),
			["support_kickoff"],
		)
		laptop = get_definition("Laptop request")
		self.assertEqual(
			[s.team for s in laptop.steps], ["Operations", "Finance", "Operations"]
		)  # IT -> Finance approval -> IT
