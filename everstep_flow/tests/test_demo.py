import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from everstep_flow import demo, demo_history, demo_script
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


# What the living demo touches: after remove, each of these counts is what it was before play.
TOUCHED = (
	"Flow Request",
	"Flow Request Value",
	"Flow Task",
	"Flow Handoff",
	"Flow Event",
	"Flow Follow Up",
	"ToDo",
	"Notification Log",
	"Comment",
	"Communication",
	"Communication Link",
	"Contact",
	"Contact Email",
	"Dynamic Link",
	"Customer",
	"Version",
	"Email Queue",
	"Deleted Document",
)


def counts() -> dict[str, int]:
	return {dt: frappe.db.count(dt) for dt in TOUCHED if frappe.db.table_exists(dt)}


class TestLivingDemo(FrappeTestCase):
	"""One play for the class (everything is rolled back at its end, a site's own played demo included)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		demo_history.remove()  # a site where the demo was played: its history comes back with the rollback
		demo.setup()
		cls.before = counts()
		cls.logs = set(frappe.get_all("Notification Log", pluck="name"))
		cls.result = demo.play()
		cls.requests = demo_history.played()["requests"]

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_second_play_changes_nothing(self):
		self.assertTrue(self.result["played"])
		self.assertGreaterEqual(len(self.requests), 40)
		after = counts()
		self.assertEqual(demo.play(), {"played": False, "requests": len(self.requests)})
		self.assertEqual(counts(), after)

	def test_every_state_a_breach_waiting_work_and_an_overdue_follow_up(self):
		mine = {"request": ("in", self.requests)}
		statuses = set(frappe.get_all("Flow Request", {"name": ("in", self.requests)}, pluck="status"))
		self.assertEqual(statuses, {"Open", "In Progress", "Waiting on Customer", "Completed", "Cancelled"})
		breached = frappe.get_all("Flow Request", {"name": ("in", self.requests), "sla_status": "Breached"})
		self.assertTrue(breached)
		self.assertEqual(
			{"Accepted", "Returned", "Pending"} - set(frappe.get_all("Flow Handoff", mine, pluck="status")),
			set(),
		)
		overdue = frappe.get_all(
			"Flow Follow Up", {**mine, "status": "Open", "due_on": ("<", now_datetime())}
		)
		self.assertTrue(overdue)
		clients = frappe.get_all(
			"Flow Request", {"name": ("in", self.requests), "customer": ("is", "set")}, pluck="customer"
		)
		self.assertGreaterEqual(len(set(clients)), 2)
		calls = frappe.get_all(
			"Communication", {"reference_name": ("in", self.requests), "communication_medium": "Phone"}
		)
		self.assertGreaterEqual(len(calls), 4)
		replies = frappe.get_all(
			"Flow Event", {**mine, "event_type": "commented", "actor": demo_script.REQUESTER}
		)
		self.assertTrue(replies)

	def test_history_spans_weeks_through_the_actions(self):
		mine = {"request": ("in", self.requests)}
		created = frappe.get_all("Flow Event", {**mine, "event_type": "created", "task": ("is", "not set")})
		self.assertEqual(len(created), len(self.requests))  # every request came in through intake
		first = frappe.get_all(
			"Flow Request", {"name": ("in", self.requests)}, pluck="creation", order_by="creation"
		)
		self.assertGreaterEqual((first[-1] - first[0]).days, 20)
		self.assertTrue(frappe.get_all("Flow Event", {**mine, "event_type": "returned"}))
		self.assertTrue(frappe.get_all("Flow Event", {**mine, "event_type": "escalated"}))

	def test_remove_deletes_the_history_and_only_it(self):  # (runs last: the tests run in name order)
		demo_history.remove()
		# The play's sweep runs over the whole site, as the scheduler's does: on a used site it may nudge the site's
		# own late work. Those notices are not the demo's history (their documents are not the demo's): they stay.
		theirs = [
			log
			for log in frappe.get_all(
				"Notification Log",
				{"name": ("not in", list(self.logs) or [""])},
				["name", "document_type", "document_name"],
			)
			if log.document_type
			and log.document_type.startswith("Flow ")
			and frappe.db.exists(log.document_type, log.document_name)
		]
		after = counts()
		after["Notification Log"] -= len(theirs)
		self.assertEqual(after, self.before)
		self.assertIsNone(demo_history.played())
		self.assertEqual(demo_history.remove(), {"removed": 0})
