"""Calls and the client timeline inside Frappe CRM (issue 21), on CRM's real doctypes: a call completed in CRM on a
deal or lead joins the open request behind it once; seam 4 looks in CRM for its next step; a CRM Organization's
timeline shows its deals and the notes, tasks and calls on them to whoever may read them, never on the portal; Link
Client and de-duplication take a CRM Organization. Skipped where Frappe CRM is not installed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, now_datetime

from everstep_flow.api import client as client_api
from everstep_flow.api import request as request_api
from everstep_flow.base import ledger
from everstep_flow.clients import crm_calls, timeline
from everstep_flow.engine.calls import KINDS
from everstep_flow.requests.intake import submit_request
from everstep_flow.seams import trigger_set
from everstep_flow.tests import hosts_fixtures as fx
from everstep_flow.tests.hosts_fixtures import as_user
from everstep_flow.tests.utils import make_team, make_user, recorded_queries, step_row
from everstep_flow.visibility import seam_audit

SALES = "crmc.sales@example.com"  # sales, and on the onboarding team
RESTRICTED = "crmc.restricted@example.com"  # sales, allowed one deal only (a User Permission)
AGENT = "crmc.agent@example.com"  # on the onboarding team, no CRM role
TEAM = "CRMC Onboarding Team"
SERVICE = "CRMC Onboarding"
TRIGGER = "CRMC deal won"
CRM_KINDS = {"deal", "crm_note", "crm_task", "crm_call"}


class CrmCallsCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		fx.skip_unless_installed("CRM Call Log", "Frappe CRM")
		super().setUpClass()
		make_user(SALES, ("Sales User", "Flow Agent"))
		make_user(RESTRICTED, ("Sales User",))
		make_user(AGENT, ("Flow Agent",))
		make_team(TEAM, SALES, AGENT)
		fx.ensure_service(
			SERVICE,
			[step_row("kickoff", TEAM)],
			[{"fieldname": "company_name", "label": "Company", "fieldtype": "Data", "required": 1}],
		)
		fx.deal_statuses("Won", "Qualification")
		fx.make_won_trigger(TRIGGER, SERVICE, {"company_name": "organization"})
		frappe.db.commit()
		trigger_set.forget_triggers()

	@classmethod
	def tearDownClass(cls):
		with fx.purged(SERVICE, TRIGGER):
			frappe.db.delete("User Permission", {"user": RESTRICTED})
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.org = f"CRMC Org {frappe.generate_hash(length=6)}"

	def tearDown(self):
		frappe.set_user("Administrator")

	# ----------------------------------------------------------------------------------------- helpers

	def new_deal(self, org: str | None = None) -> str:
		"""A deal made through CRM's own API (its organization and primary contact too)."""
		org = org or self.org
		return fx.create_deal(SALES, org, "Nora", fx.email_at(f"nora.{frappe.generate_hash(length=6)}", org))

	def started(self, deal: str) -> str:
		"""Won through CRM's UI, the trigger's firing run: the request the deal started."""
		fx.win(SALES, deal)
		return fx.started(TRIGGER, deal)

	def request_of_org(self, org: str | None = None, duplicates: str | None = None) -> str:
		return submit_request(
			SERVICE,
			{"company_name": org or self.org},
			customer_type="CRM Organization",
			customer=org or self.org,
			duplicates=duplicates,
		).name

	def call(self, on: str, status="Completed", doctype="CRM Deal", minutes_ago=10, **kw):
		"""A call as CRM's telephony logs it (as Guest, ignoring permissions), ours from SALES."""
		return frappe.get_doc(
			{
				"doctype": "CRM Call Log",
				"id": f"CRMC-{frappe.generate_hash(length=10)}",
				"type": "Outgoing",
				"status": status,
				"from": "+15550100",
				"to": "+15550199",
				"caller": SALES,
				"start_time": add_to_date(now_datetime(), minutes=-minutes_ago),
				"end_time": now_datetime(),
				"duration": 300,
				"reference_doctype": doctype,
				"reference_docname": on,
				**kw,
			}
		).insert(ignore_permissions=True)

	def call_events(self, call: str) -> list[tuple[str, dict]]:
		return [
			(e.request, ledger.details_of(e))
			for e in frappe.get_all("Flow Event", {"event_type": "call_logged"}, ["request", "details"])
			if ledger.details_of(e).get("call_log") == call
		]

	def task(self, deal: str, due=True, **kw):
		return as_user(
			SALES,
			lambda: frappe.get_doc(
				{
					"doctype": "CRM Task",
					"title": "Send the onboarding pack",
					"status": "Todo",
					"due_date": add_days(now_datetime(), 2) if due else None,
					"reference_doctype": "CRM Deal",
					"reference_docname": deal,
					**kw,
				}
			).insert(),
		)

	def note(self, reference_doctype: str, name: str, title: str, content: str):
		return as_user(
			SALES,
			lambda: frappe.get_doc(
				{
					"doctype": "FCRM Note",
					"title": title,
					"content": content,
					"reference_doctype": reference_doctype,
					"reference_docname": name,
				}
			).insert(),
		)


class TestCallsJoinRequests(CrmCallsCase):
	def test_a_completed_call_on_the_deal_joins_the_request_it_started_once(self):
		deal = self.new_deal()
		request = self.started(deal)
		call = self.call(deal, status="Ringing")
		self.assertEqual(self.call_events(call.name), [])  # not a conversation yet
		call.status = "Completed"
		call.save(ignore_permissions=True)
		((on, details),) = self.call_events(call.name)
		self.assertEqual(on, request)
		self.assertEqual((details["call_log_doctype"], details["reference_docname"]), ("CRM Call Log", deal))
		self.assertEqual((details["direction"], details["duration"]), ("Outgoing", 5))
		event = frappe.get_all(
			"Flow Event", {"request": request, "event_type": "call_logged"}, ["actor", "is_internal"]
		)
		self.assertEqual([(e.actor, e.is_internal) for e in event], [(SALES, 1)])
		# saved again and again (a note, a recording, the same status): still one event
		for duration in (310, 320):
			call.reload()
			call.duration = duration
			call.save(ignore_permissions=True)
		call.reload()
		call.status = "In Progress"
		call.save(ignore_permissions=True)
		call.status = "Completed"
		call.save(ignore_permissions=True)
		self.assertEqual(len(self.call_events(call.name)), 1)
		# and on the request's timeline and the client's, as a call
		items = timeline.page("CRM Organization", self.org, kinds=("call",), limit=50)
		self.assertIn(request, {i["reference_name"] for i in items})

	def test_a_call_with_no_firing_joins_the_clients_one_open_request_and_a_leads_call_too(self):
		deal = self.new_deal()
		request = self.request_of_org()
		call = self.call(deal)
		self.assertEqual([r for r, _d in self.call_events(call.name)], [request])
		lead = as_user(
			SALES,
			lambda: frappe.get_doc(
				{"doctype": "CRM Lead", "first_name": "Lena", "organization": self.org, "status": "New"}
			).insert(),
		)
		on_lead = self.call(lead.name, doctype="CRM Lead")
		self.assertEqual([r for r, _d in self.call_events(on_lead.name)], [request])

	def test_a_client_with_two_open_requests_and_no_firing_gets_no_guess(self):
		deal = self.new_deal()
		self.request_of_org(duplicates="Always new")
		self.request_of_org(duplicates="Always new")
		self.assertEqual(self.call_events(self.call(deal).name), [])

	def test_a_call_of_a_client_with_no_open_request_is_left_alone_for_one_query(self):
		deal = self.new_deal()
		call = self.call(deal)
		self.assertEqual(self.call_events(call.name), [])
		with recorded_queries() as queries:
			crm_calls.on_call_log_update(call)  # as on insert: everything "changed"
		self.assertEqual(len(queries), 1, queries)
		call._doc_before_save = frappe.get_doc("CRM Call Log", call.name)
		ringing = self.call(deal, status="Ringing")
		with recorded_queries() as queries:
			crm_calls.on_call_log_update(call)  # saved again, nothing that matters changed
			crm_calls.on_call_log_update(ringing)  # no conversation
		self.assertEqual(queries, [])
		# a request that completed is no longer open: its deal's later calls are left alone too
		request = self.started(deal)
		frappe.db.set_value("Flow Request", request, {"status": "Completed", "open_key": None})
		self.assertEqual(self.call_events(self.call(deal).name), [])


class TestSeamFour(CrmCallsCase):
	def test_a_crm_call_names_its_next_step_with_a_dated_task_or_a_note_saying_why_none(self):
		request = self.started(self.new_deal())  # the organization's open request: each deal's calls join it
		calls = {}
		for case in ("bare", "tasked", "undated", "task first", "someone else's task", "noted", "summary"):
			deal = self.new_deal()
			calls[case] = self.call(deal, minutes_ago=-1 if case == "task first" else 10)
			if case == "tasked":
				self.task(deal)  # by the caller, after the call began, with a due date
			elif case in ("undated", "task first"):
				self.task(deal, due=case != "undated")
			elif case == "someone else's task":
				self.task(deal).db_set("owner", RESTRICTED)  # made by someone not on the call
			elif case in ("noted", "summary"):
				title, text = {
					"noted": ("No follow-up needed", "<p>They renewed for two years already</p>"),
					"summary": ("Call summary", "<p>Talked about pricing</p>"),
				}[case]
				calls[case].note = self.note("CRM Deal", deal, title, text).name
				calls[case].save(ignore_permissions=True)
		for call in calls.values():
			self.assertEqual(len(self.call_events(call.name)), 1)
		start, end = add_days(now_datetime(), -1), add_days(now_datetime(), 1)
		listed = {
			f["reference_name"]: f
			for f in seam_audit.calls(start, end)
			if f["reference_doctype"] == "CRM Call Log"
		}
		self.assertEqual(
			{case for case, call in calls.items() if call.name in listed},
			{"bare", "undated", "task first", "someone else's task", "summary"},
		)
		self.assertTrue(
			all(
				leak["detail"].startswith(request)
				for leak in listed.values()
				if leak["reference_name"] in {c.name for c in calls.values()}
			)
		)


class TestCrmTimeline(CrmCallsCase):
	def build(self):
		"""Two deals of the organization, the first with a task, a call and a note; a note on the organization."""
		first, second = self.new_deal(), self.new_deal()
		request = self.started(first)
		task = self.task(first)
		call = self.call(first)
		on_deal = self.note("CRM Deal", first, "Kickoff", "<p>Agreed on the kickoff date</p>")
		on_org = self.note("CRM Organization", self.org, "About them", "<p>Long-time client</p>")
		on_second = self.note("CRM Deal", second, "Second deal", "<p>Upsell</p>")
		return frappe._dict(locals())

	def refs(self, items) -> set[tuple[str, str, str]]:
		return {(i["kind"], i["reference_doctype"], str(i["reference_name"])) for i in items}

	def test_the_organizations_timeline_shows_its_deals_notes_tasks_and_calls_newest_first(self):
		b = self.build()
		items = client_api.timeline(customer_type="CRM Organization", customer=self.org, limit=100)["items"]
		refs = self.refs(items)
		for expected in (
			("deal", "CRM Deal", b.first),
			("deal", "CRM Deal", b.second),
			("crm_task", "CRM Task", str(b.task.name)),
			("crm_call", "CRM Call Log", b.call.name),
			("crm_note", "CRM Deal", b.first),
			("crm_note", "CRM Organization", self.org),
			("crm_note", "CRM Deal", b.second),
			("call", "Flow Request", b.request),  # the call joined the request too
		):
			self.assertIn(expected, refs)
		stamps = [i["at"] for i in items]
		self.assertEqual(stamps, sorted(stamps, reverse=True))
		self.assertTrue(all(i["is_internal"] for i in items if i["kind"] in CRM_KINDS))
		only = client_api.timeline(
			customer_type="CRM Organization", customer=self.org, kinds="crm_call,crm_task", limit=100
		)["items"]
		self.assertEqual({i["kind"] for i in only}, {"crm_call", "crm_task"})
		pages = []
		for start in range(0, len(items), 2):
			pages += client_api.timeline(
				customer_type="CRM Organization", customer=self.org, start=start, limit=2
			)["items"]
		self.assertEqual(pages, items)
		with self.assertRaises(frappe.ValidationError):
			client_api.timeline(customer_type="CRM Organization", customer=self.org, kinds="crm_calls")

	def test_each_sees_only_the_crm_documents_they_may_read_and_the_portal_none(self):
		b = self.build()
		# a sales user allowed only the second deal sees nothing of the first, nor what hangs on it
		frappe.get_doc(
			{"doctype": "User Permission", "user": RESTRICTED, "allow": "CRM Deal", "for_value": b.second}
		).insert(ignore_permissions=True)
		seen = self.refs(
			as_user(
				RESTRICTED,
				client_api.timeline,
				customer_type="CRM Organization",
				customer=self.org,
				limit=100,
			)["items"]
		)
		self.assertIn(("deal", "CRM Deal", b.second), seen)
		self.assertIn(("crm_note", "CRM Deal", b.second), seen)
		self.assertIn(("crm_note", "CRM Organization", self.org), seen)
		self.assertFalse({r for r in seen if b.first in r or str(b.task.name) == r[2] or b.call.name in r})
		# a Flow Agent on the request with no CRM role sees the request's history, no CRM document
		kinds = {
			i["kind"]
			for i in as_user(
				AGENT, client_api.timeline, customer_type="CRM Organization", customer=self.org, limit=100
			)["items"]
		}
		self.assertIn("request", kinds)
		self.assertFalse(kinds & CRM_KINDS, kinds)
		# the portal never shows them
		portal = timeline.page("CRM Organization", self.org, kinds=KINDS, limit=100, portal=True)
		self.assertTrue(portal)
		self.assertFalse({i["kind"] for i in portal} & CRM_KINDS)


class TestCrmOrganizationClient(CrmCallsCase):
	def test_link_client_takes_a_crm_organization_and_duplicates_link_to_its_open_request(self):
		self.new_deal()  # the organization, made by CRM
		contact = frappe.get_doc({"doctype": "Contact", "first_name": "Cora", "last_name": self.org}).insert(
			ignore_permissions=True
		)
		request = submit_request(
			SERVICE, {"company_name": self.org}, customer_type="Contact", customer=contact.name
		).name
		# Flow roles read the client records of the site (install grants it, as for Customer and HD Customer), so a
		# Flow Agent on the request names the organization; a user with no Flow role cannot reach the door at all
		done = as_user(
			AGENT,
			request_api.set_client,
			request=request,
			customer_type="CRM Organization",
			customer=self.org,
		)
		self.assertEqual((done["customer_type"], done["customer"]), ("CRM Organization", self.org))
		self.assertEqual(frappe.db.count("Flow Event", {"request": request, "event_type": "client_set"}), 1)
		again = submit_request(
			SERVICE, {"company_name": self.org}, customer_type="CRM Organization", customer=self.org
		)
		self.assertEqual(again.name, request)
		self.assertTrue(again.flags.flow_linked)
