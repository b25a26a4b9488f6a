"""Find any request: by intake value, by a note in its history, by its source document; never a row the user
cannot open, and never by a note the user may not read."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.api import request as request_api
from everstep_flow.api import search as search_api
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

AGENT, OTHER, REQUESTER = "sr.agent@example.com", "sr.other@example.com", "sr.requester@example.com"


class TestSearch(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team("SR Team", AGENT)
		make_team("SR Other", OTHER)
		make_user(REQUESTER, ())
		if not frappe.db.exists("Flow Service", "SR Service"):
			new_service(
				"SR Service",
				[step_row("a", "SR Team")],
				[{"fieldname": "asset", "label": "Asset", "fieldtype": "Data"}],
			).insert()
		frappe.set_user(REQUESTER)
		cls.request = submit_request(
			"SR Service",
			{"asset": "Zebra-7731"},
			subject="Broken scanner",
			source_doctype="ToDo",
			source_name="sr-todo-4242",
		).name
		frappe.set_user(AGENT)
		request_api.comment(request=cls.request, text="needle-in-the-notes 99", is_internal=1)
		request_api.comment(request=cls.request, text="words-for-the-client 77", is_internal=0)
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def found(self, user: str, **kw) -> list[str]:
		frappe.set_user(user)
		return [r.name for r in search_api.requests(**kw)]

	def test_finds_by_intake_value_ledger_note_and_source_document(self):
		for text in ("Zebra-7731", "needle-in-the-notes", "sr-todo-4242", "Broken scanner"):
			self.assertIn(self.request, self.found(AGENT, text=text), text)
		self.assertIn(self.request, self.found(AGENT, team="SR Team"))
		self.assertNotIn(self.request, self.found(AGENT, text="Zebra-7731", status="Completed"))
		self.assertNotIn(self.request, self.found(AGENT, text="nothing-like-this-anywhere"))

	def test_never_a_row_the_user_cannot_open_nor_a_hidden_note(self):
		self.assertNotIn(self.request, self.found(OTHER, text="Zebra-7731"))
		self.assertNotIn(self.request, self.found(OTHER))
		self.assertIn(self.request, self.found(REQUESTER, text="Broken scanner"))  # their own
		self.assertNotIn(self.request, self.found(REQUESTER, text="needle-in-the-notes"))  # an internal note
		frappe.set_user("Guest")
		self.assertRaises(frappe.PermissionError, search_api.requests, text="Zebra")

	def test_the_ledgers_text_is_searched_under_the_ledgers_rule(self):
		"""Search reads the copies of the text events (Flow Event Text): one per event, matched as the ledger would
		be (any case), a requester finding their request by what was said to them but not by an internal note."""
		texts = frappe.get_all(
			"Flow Event", {"request": self.request, "event_type": "commented"}, ["name", "is_internal"]
		)
		copies = frappe.get_all("Flow Event Text", {"request": self.request}, ["name", "is_internal"])
		self.assertEqual(sorted(texts, key=str), sorted(copies, key=str))
		self.assertIn(self.request, self.found(AGENT, text="NEEDLE-in-the-NOTES"))
		self.assertIn(self.request, self.found(REQUESTER, text="words-for-the-client"))
		self.assertNotIn(self.request, self.found(OTHER, text="words-for-the-client"))

	def test_the_text_copies_are_closed_but_to_search(self):
		from everstep_flow.visibility import read_doors

		# written by the ledger only: not even the Administrator makes, edits or deletes one
		forged = frappe.get_doc({"doctype": "Flow Event Text", "request": self.request, "details": "forged"})
		self.assertRaises(frappe.PermissionError, forged.insert, ignore_permissions=True)
		copy = frappe.get_all("Flow Event Text", {"request": self.request}, pluck="name", limit=1)[0]
		self.assertRaises(
			frappe.PermissionError, frappe.delete_doc, "Flow Event Text", copy, ignore_permissions=True
		)
		self.assertTrue(frappe.db.exists("Flow Event Text", copy))

		for user in (AGENT, REQUESTER):
			frappe.set_user(user)
			self.assertRaises(frappe.PermissionError, frappe.get_list, "Flow Event Text")
			self.assertRaises(
				frappe.PermissionError,
				read_doors.get_count,
				"Flow Event Text",
				filters={"details": ("like", "%needle%")},
			)

	def test_text_that_looks_like_sql_is_only_text(self):
		"""Frappe's PostgreSQL layer rewrites `=1`, `>5` and `from tab…` even inside string literals: search passes
		what it can as parameters and never answers a 500 (issue 23, found by an attacker's search for 1=1)."""
		frappe.set_user(REQUESTER)
		odd = submit_request("SR Service", {"asset": "x=1 and y>5"}, subject="odd 1=1 or from tabby a>5").name
		frappe.set_user(AGENT)
		request_api.comment(request=odd, text="said: limit <3 and select 1=1 from tabFlow", is_internal=1)
		for text in ("1=1", "a>5", "from tabby", "x=1 and y>5", "limit <3", "' or 1=1 --", "from tabFlow"):
			found = self.found(AGENT, text=text)
			if text != "' or 1=1 --":
				self.assertIn(odd, found, text)

	def test_bad_arguments_are_named(self):
		frappe.set_user(AGENT)
		for kwargs, word in (
			({"from_date": "not-a-date"}, "from_date"),
			({"limit": 1000}, "limit"),
			({"text": ["x"]}, "text"),
		):
			with self.assertRaises((frappe.ValidationError, frappe.FrappeTypeError)) as caught:
				search_api.requests(**kwargs)  # a list where text belongs: Frappe's own type check names it
			self.assertIn(word, str(caught.exception))
