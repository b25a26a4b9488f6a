"""One list of people: a Flow Team that names a Helpdesk team takes its members from it (hosts/helpdesk_teams.py).

Runs on a site with Helpdesk, against its real HD Team; skipped elsewhere.
"""

from __future__ import annotations

import unittest
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.api import task as task_api
from everstep_flow.api import team as team_api
from everstep_flow.hosts import helpdesk_teams, installed
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import (
	make_user,
	max_queries,
	new_service,
	purge_requests,
	recorded_queries,
	step_row,
)

ANN, BOB, CAT, DAN = (f"hdt.{n}@example.com" for n in ("ann", "bob", "cat", "dan"))
MANAGER = "hdt.manager@example.com"


def hd_team(name: str, *users: str):
	return frappe.get_doc(
		{"doctype": "HD Team", "team_name": name, "users": [{"user": u} for u in users]}
	).insert(ignore_permissions=True)


def set_hd_users(name: str, *users: str):
	doc = frappe.get_doc("HD Team", name)
	doc.set("users", [{"user": u} for u in users])
	doc.save(ignore_permissions=True)
	return doc


def flow_team(name: str, hd: str | None, *users: str, **values):
	return frappe.get_doc(
		{
			"doctype": "Flow Team",
			"team_name": name,
			"hd_team": hd,
			"members": [{"user": u, "availability": "Available"} for u in users],
			**values,
		}
	).insert(ignore_permissions=True)


def members(team: str) -> dict[str, str]:
	rows = frappe.get_all(
		"Flow Team Member",
		filters={"parenttype": "Flow Team", "parent": team},
		fields=["user", "availability"],
		order_by="idx",
	)
	return {row.user: row.availability for row in rows}


def clean_up() -> None:
	"""What an earlier run left (Helpdesk's HD Team code commits: its Assignment Rule is made and dropped with it)."""
	services = frappe.get_all("Flow Service", {"name": ("like", "HDT %")}, pluck="name")
	if services:
		purge_requests(*frappe.get_all("Flow Request", {"service": ("in", services)}, pluck="name"))
		for child in ("Flow Service Step", "Flow Intake Field"):
			frappe.db.delete(child, {"parenttype": "Flow Service", "parent": ("in", services)})
		frappe.db.delete("Flow Service", {"name": ("in", services)})
	for doctype, child in (("Flow Team", "Flow Team Member"), ("HD Team", "HD Team Member")):
		names = frappe.get_all(doctype, {"name": ("like", "HDT %")}, pluck="name")
		if names:
			frappe.db.delete(child, {"parenttype": doctype, "parent": ("in", names)})
			frappe.db.delete(doctype, {"name": ("in", names)})
	for child in ("Assignment Rule Day", "Assignment Rule User"):
		frappe.db.delete(child, {"parenttype": "Assignment Rule", "parent": ("like", "HDT %")})
	frappe.db.delete("Assignment Rule", {"name": ("like", "HDT %")})
	frappe.db.commit()


class TestHelpdeskTeams(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		if not installed("HD Team"):
			raise unittest.SkipTest(
				"Frappe Helpdesk is not installed on this site: no HD Team to take members from"
			)
		super().setUpClass()
		for user in (ANN, BOB, CAT, DAN):
			make_user(user)
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		clean_up()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		clean_up()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_the_link_is_a_custom_field_made_once(self):
		self.assertEqual(
			frappe.get_meta("Flow Team").get_field("hd_team").options, "HD Team"
		)  # never in flow_team.json: sites without Helpdesk have no Link to a missing doctype
		counts = (frappe.db.count("Custom Field"), frappe.db.count("Property Setter"))
		helpdesk_teams.ensure_fields()
		helpdesk_teams.ensure_fields()
		self.assertEqual((frappe.db.count("Custom Field"), frappe.db.count("Property Setter")), counts)

	def test_linking_makes_the_members_the_hd_teams_users(self):
		hd_team("HDT Link", ANN, BOB)
		flow_team("HDT Link Flow", "HDT Link", CAT)  # CAT added by hand: not in the HD Team
		self.assertEqual(members("HDT Link Flow"), {CAT: "Left", ANN: "Available", BOB: "Available"})

	def test_users_added_and_removed_on_the_hd_team(self):
		hd_team("HDT Move", ANN, BOB)
		flow_team("HDT Move Flow", "HDT Move")
		set_hd_users("HDT Move", BOB, CAT)
		self.assertEqual(members("HDT Move Flow"), {ANN: "Left", BOB: "Available", CAT: "Available"})
		set_hd_users("HDT Move", BOB, CAT, ANN)  # back again
		self.assertEqual(members("HDT Move Flow"), {ANN: "Available", BOB: "Available", CAT: "Available"})

	def test_an_agents_change_to_the_hd_team_waits_for_a_flow_manager(self):
		"""Any Helpdesk agent may edit an HD Team; who is in a Flow Team decides who reads its requests."""
		agent = make_user("hdt.agent@example.com", ("Agent", "Flow Agent"))
		hd_team("HDT Guard", ANN, BOB)
		flow_team("HDT Guard Flow", "HDT Guard")
		doc = frappe.get_doc("HD Team", "HDT Guard")
		doc.set("users", [{"user": ANN}, {"user": agent}])  # Bob out, themselves in
		frappe.set_user(agent)
		try:  # the hook as the agent's save runs it (Helpdesk's own rotation code wants more than Agent here)
			helpdesk_teams.on_hd_team_update(doc)
		finally:
			frappe.set_user("Administrator")
		# what the agent's save stored
		frappe.db.delete("HD Team Member", {"parenttype": "HD Team", "parent": "HDT Guard", "user": BOB})
		frappe.get_doc(
			{
				"doctype": "HD Team Member",
				"parenttype": "HD Team",
				"parent": "HDT Guard",
				"parentfield": "users",
				"user": agent,
			}
		).db_insert()
		self.assertEqual(members("HDT Guard Flow"), {ANN: "Available", BOB: "Available"})
		said = frappe.get_all(
			"Comment", {"reference_doctype": "Flow Team", "reference_name": "HDT Guard Flow"}, pluck="content"
		)
		self.assertTrue(any(agent in c and "waiting for a Flow Manager" in c for c in said), said)
		frappe.set_user(MANAGER)
		try:
			team = frappe.get_doc("Flow Team", "HDT Guard Flow")
			team.description = "unrelated edit"
			team.save()  # an unrelated save takes nobody in
			self.assertEqual(members("HDT Guard Flow"), {ANN: "Available", BOB: "Available"})
			result = team_api.sync_with_hd_team("HDT Guard Flow")  # the Flow Manager's own decision
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(
			{r.user: r.availability for r in result["members"]},
			{ANN: "Available", BOB: "Left", agent: "Available"},
		)
		frappe.set_user(agent)
		try:
			with self.assertRaises(frappe.PermissionError):
				team_api.sync_with_hd_team("HDT Guard Flow")
		finally:
			frappe.set_user("Administrator")

	def test_an_away_member_stays_away_until_they_leave_the_hd_team(self):
		hd_team("HDT Away", ANN, BOB)
		flow_team("HDT Away Flow", "HDT Away")
		team = frappe.get_doc("Flow Team", "HDT Away Flow")
		for row in team.members:
			if row.user == ANN:
				row.update({"availability": "Away", "away_until": "2030-01-01"})
		team.save()  # the form's own save: absences are still set on the Flow Team
		set_hd_users("HDT Away", ANN, BOB, CAT)
		self.assertEqual(members("HDT Away Flow"), {ANN: "Away", BOB: "Available", CAT: "Available"})
		set_hd_users("HDT Away", BOB, CAT)
		self.assertEqual(members("HDT Away Flow")[ANN], "Left")

	def test_adding_or_removing_rows_by_hand_is_refused_naming_the_hd_team(self):
		hd_team("HDT Hand", ANN)
		flow_team("HDT Hand Flow", "HDT Hand")
		team = frappe.get_doc("Flow Team", "HDT Hand Flow")
		team.append("members", {"user": DAN, "availability": "Available"})
		with self.assertRaises(frappe.ValidationError) as caught:
			team.save()
		self.assertIn("HDT Hand", str(caught.exception))
		team.reload()
		team.members = []
		with self.assertRaises(frappe.ValidationError):
			team.save()
		team.reload()
		team.members[0].availability = "Away"  # absences are still set here
		team.save()
		self.assertEqual(members("HDT Hand Flow"), {ANN: "Away"})

	def test_a_member_taken_out_of_the_hd_team_gives_back_their_claimed_work(self):
		hd_team("HDT Work", ANN, BOB)
		flow_team("HDT Work Flow", "HDT Work")
		new_service("HDT Work Service", [step_row("only", "HDT Work Flow")]).insert()
		frappe.set_user(MANAGER)
		request = submit_request("HDT Work Service", {}).name
		task = frappe.db.get_value("Flow Task", {"request": request}, "name")
		frappe.set_user(ANN)
		task_api.claim(task)
		frappe.set_user("Administrator")
		set_hd_users("HDT Work", BOB)
		self.assertEqual(frappe.db.get_value("Flow Task", task, ["status", "claimed_by"]), ("Queued", None))

	def test_deleting_the_hd_team_clears_the_link_and_keeps_the_members(self):
		hd_team("HDT Gone", ANN, BOB)
		flow_team("HDT Gone Flow", "HDT Gone")
		before = members("HDT Gone Flow")
		with patch.object(
			frappe.db, "commit"
		):  # Helpdesk's HD Team.on_trash commits; the test keeps its rollback
			frappe.delete_doc("HD Team", "HDT Gone", ignore_permissions=True)
		self.assertFalse(frappe.db.exists("HD Team", "HDT Gone"))
		self.assertIsNone(frappe.db.get_value("Flow Team", "HDT Gone Flow", "hd_team"))
		self.assertEqual(members("HDT Gone Flow"), before)

	def test_a_flow_team_without_the_link_is_untouched(self):
		hd_team("HDT Other", ANN)
		flow_team("HDT Own Flow", None, ANN, DAN)
		modified = frappe.db.get_value("Flow Team", "HDT Own Flow", "modified")
		set_hd_users("HDT Other", BOB)
		self.assertEqual(members("HDT Own Flow"), {ANN: "Available", DAN: "Available"})
		self.assertEqual(frappe.db.get_value("Flow Team", "HDT Own Flow", "modified"), modified)

	def test_an_hd_team_no_flow_team_follows_costs_one_query(self):
		doc = hd_team("HDT Alone", ANN)
		frappe.get_meta("Flow Team")  # warm, as any worker's
		with max_queries(self, 1):
			helpdesk_teams.on_hd_team_update(doc)
		doc.set("users", [{"user": ANN}, {"user": BOB}])
		with recorded_queries() as queries:
			doc.save(ignore_permissions=True)  # the real save: Helpdesk's own work and ours
		self.assertLessEqual(len([q for q in queries if "tabFlow Team" in q]), 1, "\n\n".join(queries))

	def test_nothing_changed_writes_nothing(self):
		doc = hd_team("HDT Still", ANN, BOB)
		flow_team("HDT Still Flow", "HDT Still")
		modified = frappe.db.get_value("Flow Team", "HDT Still Flow", "modified")
		with max_queries(
			self, 1
		):  # reads the Flow Team's members; the HD Team's users are the saved document's
			helpdesk_teams.on_hd_team_update(doc)
		doc.ignore_restrictions = int(not doc.ignore_restrictions)
		doc.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Flow Team", "HDT Still Flow", "modified"), modified)
		self.assertEqual(members("HDT Still Flow"), {ANN: "Available", BOB: "Available"})
