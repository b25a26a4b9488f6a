# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.tests.utils import make_user


def team(name: str, members: list[dict], lead: str | None = None):
	return frappe.get_doc({"doctype": "Flow Team", "team_name": name, "lead": lead, "members": members})


class TestFlowTeam(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.ann = make_user("team.ann@example.com")
		cls.bob = make_user("team.bob@example.com")

	def test_lead_becomes_a_flagged_member(self):
		doc = team("Test Lead Team", [{"user": self.ann}], lead=self.bob).insert()
		self.assertEqual({m.user: m.is_lead for m in doc.members}, {self.ann: 0, self.bob: 1})

	def test_away_until_only_kept_while_away(self):
		doc = team(
			"Test Away Team",
			[
				{"user": self.ann, "availability": "Away", "away_until": "2030-01-01"},
				{"user": self.bob, "availability": "Available", "away_until": "2030-01-01"},
			],
		).insert()
		self.assertEqual(str(doc.members[0].away_until), "2030-01-01")
		self.assertIsNone(doc.members[1].away_until)

	def test_bad_membership_is_refused_naming_the_member(self):
		with self.assertRaisesRegex(frappe.ValidationError, "team.ann@example.com is listed more than once"):
			team("Test Dup Team", [{"user": self.ann}, {"user": self.ann}]).insert()
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be their own delegate"):
			team("Test Self Delegate", [{"user": self.ann, "delegate": self.ann}]).insert()
		self.assertFalse(frappe.db.exists("Flow Team", "Test Dup Team"))
