"""Team owns, person borrows: work never stays with someone who cannot do it."""

from __future__ import annotations

import frappe

from everstep_flow.api import orphans as orphans_api
from everstep_flow.api import task as task_api
from everstep_flow.engine.orphans import CLAIMANT_UNAVAILABLE, NEXT_STEP_UNCLEAR, TEAM_UNAVAILABLE
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.test_runtime import MANAGER, FlowTestCase, events
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

RED, BLUE = "AB Red", "AB Blue"
WORKER, MATE, LEAD, BLUE_MATE = (
	"ab.worker@example.com",
	"ab.mate@example.com",
	"ab.lead@example.com",
	"ab.bluemate@example.com",
)
SOLO_RED, SOLO_BLUE = "AB Solo Red", "AB Solo Blue"


class TestAbsence(FlowTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (WORKER, MATE, LEAD, BLUE_MATE):
			make_user(user)
		make_team(RED, WORKER, MATE, lead=LEAD)
		make_team(BLUE, WORKER, BLUE_MATE, lead=LEAD)
		for title, team in ((SOLO_RED, RED), (SOLO_BLUE, BLUE)):
			if not frappe.db.exists("Flow Service", title):
				new_service(title, [step_row("only", team)]).insert()

	def setUp(self):
		"""Tests in a class share one transaction: start each from the same teams."""
		for team, members in ((RED, (WORKER, MATE)), (BLUE, (WORKER, BLUE_MATE))):
			doc = frappe.get_doc("Flow Team", team)
			doc.members = []
			for user in (*members, LEAD):
				doc.append("members", {"user": user, "availability": "Available"})
			doc.save()
		frappe.db.set_value("User", WORKER, "enabled", 1)

	def claimed_task(self, service: str, user: str = WORKER) -> str:
		frappe.set_user(MANAGER)
		request = submit_request(service, {}).name
		task = frappe.db.get_value("Flow Task", {"request": request}, "name")
		frappe.set_user(user)
		task_api.claim(task)
		frappe.set_user("Administrator")
		return task

	def set_member(self, team: str, user: str, **values):
		doc = frappe.get_doc("Flow Team", team)
		for row in doc.members:
			if row.user == user:
				row.update(values)
		doc.save()

	def test_disabling_a_user_returns_all_their_work_in_one_save(self):
		red1, red2 = self.claimed_task(SOLO_RED), self.claimed_task(SOLO_RED)
		blue = self.claimed_task(SOLO_BLUE)
		frappe.set_user(WORKER)
		task_api.start(red2)
		frappe.set_user("Administrator")
		self.set_member(BLUE, WORKER, delegate=BLUE_MATE)
		notes_before = frappe.db.count("Notification Log", {"for_user": LEAD})

		user = frappe.get_doc("User", WORKER)
		user.enabled = 0
		user.save()

		for task in (red1, red2):
			self.assertEqual(
				frappe.db.get_value("Flow Task", task, ["status", "claimed_by"]), ("Queued", None)
			)
			request = frappe.db.get_value("Flow Task", task, "request")
			released = events(request, task=task, event_type="released")
			self.assertEqual(len(released), 1)
		# Blue has an available delegate: the work goes to them, still in progress where it was.
		self.assertEqual(
			frappe.db.get_value("Flow Task", blue, ["status", "claimed_by"]), ("Claimed", BLUE_MATE)
		)
		request = frappe.db.get_value("Flow Task", blue, "request")
		self.assertEqual(len(events(request, task=blue, event_type="reassigned")), 1)
		self.assertEqual(frappe.db.count("Notification Log", {"for_user": LEAD}), notes_before + 3)
		user.enabled = 1
		user.save()

	def test_away_then_back_and_left_and_removed(self):
		task = self.claimed_task(SOLO_RED)
		other_team = self.claimed_task(SOLO_BLUE)
		self.set_member(RED, WORKER, availability="Away", away_until="2030-01-01")
		self.assertEqual(frappe.db.get_value("Flow Task", task, "claimed_by"), None)
		self.assertEqual(
			frappe.db.get_value("Flow Task", other_team, "claimed_by"), WORKER
		)  # other team untouched

		frappe.set_user(MATE)
		task_api.claim(task)
		frappe.set_user("Administrator")
		self.set_member(RED, WORKER, availability="Available")
		self.assertEqual(
			frappe.db.get_value("Flow Task", task, "claimed_by"), MATE
		)  # coming back takes nothing

		self.set_member(BLUE, WORKER, availability="Left")
		self.assertEqual(frappe.db.get_value("Flow Task", other_team, "status"), "Queued")

		again = self.claimed_task(SOLO_RED)
		team = frappe.get_doc("Flow Team", RED)
		team.members = [m for m in team.members if m.user != WORKER]
		team.save()
		self.assertEqual(frappe.db.get_value("Flow Task", again, "status"), "Queued")

	def test_no_orphan_check(self):
		lonely = "AB Lonely"
		make_team(lonely, "ab.lonely@example.com")
		new_service("AB Lonely Service", [step_row("only", lonely)]).insert()
		new_service("AB Chain", [step_row("first", RED), step_row("second", BLUE, "first")]).insert()
		frappe.set_user(MANAGER)
		stuck_team = submit_request("AB Lonely Service", {}).name
		chain = submit_request("AB Chain", {}).name
		frappe.set_user("Administrator")
		self.set_member(lonely, "ab.lonely@example.com", availability="Away")

		# A claim held by someone made unavailable behind the engine's back (e.g. a direct database edit).
		held = self.claimed_task(SOLO_RED, MATE)
		frappe.db.set_value(
			"Flow Team Member", {"parent": RED, "user": MATE}, "availability", "Left", update_modified=False
		)

		# A chain whose next step can never start: the first step is done, the second's task was cancelled.
		first = frappe.db.get_value("Flow Task", {"request": chain}, "name")
		self.work(WORKER, first)
		second = frappe.db.get_value("Flow Task", {"request": chain, "step_key": "second"}, "name")
		frappe.set_user(MANAGER)
		task_api.cancel(second)

		findings = orphans_api.check_orphans()
		kinds = {(f["kind"], f["request"]) for f in findings}
		self.assertIn((TEAM_UNAVAILABLE, stuck_team), kinds)
		self.assertIn((CLAIMANT_UNAVAILABLE, frappe.db.get_value("Flow Task", held, "request")), kinds)
		self.assertIn((NEXT_STEP_UNCLEAR, chain), kinds)
		frappe.set_user(WORKER)
		self.assertRaises(frappe.PermissionError, orphans_api.check_orphans)

	def test_team_form_shows_open_load_per_member(self):
		self.claimed_task(SOLO_RED)
		self.claimed_task(SOLO_RED)
		frappe.set_user(MANAGER)
		submit_request(SOLO_RED, {})
		frappe.set_user("Administrator")
		team = frappe.get_doc("Flow Team", RED)
		team.run_method("onload")
		load = {row["user"]: row for row in team.get_onload().load}
		self.assertGreaterEqual(load[WORKER]["by_status"]["Claimed"], 2)
		self.assertGreaterEqual(load[None]["by_status"]["Queued"], 1)
