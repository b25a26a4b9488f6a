"""Seams 3 to 5 on a real site: calls, follow-ups that cannot be forgotten, one client timeline, the audit.

Runs everywhere; where ERPNext is installed the client is a Customer (and its Opportunities join the timeline, and a
telephony Call Log is linked instead of copied), elsewhere a Contact.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from everstep_flow.api import call as call_api
from everstep_flow.api import client as client_api
from everstep_flow.api import follow_up as follow_up_api
from everstep_flow.api import request as request_api
from everstep_flow.api import task as task_api
from everstep_flow.clock import sweep
from everstep_flow.everstep_flow.report.five_seam_audit import five_seam_audit as audit
from everstep_flow.hosts import installed
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

MANAGER, AGENT, MATE, OTHER = (
	"cl.manager@example.com",
	"cl.agent@example.com",
	"cl.mate@example.com",
	"cl.other@example.com",
)
PORTAL = "cl.portal@example.com"
TEAM, OTHER_TEAM, SERVICE = "CL Team", "CL Other Team", "CL Service"
CUSTOMER, EMAIL = "CL Client Ltd", "bo@cl-client.example"


def the_client() -> tuple[str, str, str]:
	"""(client type, client, contact): a Customer with a Contact where ERPNext is installed, else the Contact."""
	contact = frappe.db.get_value("Contact Email", {"email_id": EMAIL}, "parent")
	if not contact:
		doc = frappe.get_doc({"doctype": "Contact", "first_name": "Bo", "last_name": "CL", "user": PORTAL})
		doc.add_email(EMAIL, is_primary=True)
		doc.insert(ignore_permissions=True)
		contact = doc.name
	if not installed("Customer"):
		return "Contact", contact, contact
	if not frappe.db.exists("Customer", CUSTOMER):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
			}
		).insert(ignore_permissions=True)
	doc = frappe.get_doc("Contact", contact)
	if not doc.links:
		doc.append("links", {"link_doctype": "Customer", "link_name": CUSTOMER})
		doc.save(ignore_permissions=True)
	return "Customer", CUSTOMER, contact


class CallCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		make_user(PORTAL, ())
		make_team(TEAM, AGENT, MATE)
		make_team(OTHER_TEAM, OTHER)
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(
				SERVICE,
				[step_row("first", TEAM), step_row("second", OTHER_TEAM, "first")],
				[{"fieldname": "company", "label": "Company", "fieldtype": "Data", "required": 1}],
				duplicates="Always new",
			).insert()
		cls.kind, cls.client, cls.contact = the_client()

	@classmethod
	def tearDownClass(cls):
		"""Tests that commit (HTTP) commit what came before them in the class: remove every request of the service."""
		from everstep_flow.tests.utils import purge_requests

		frappe.db.rollback()
		made = frappe.get_all("Flow Request", {"service": SERVICE}, pluck="name")
		if made:
			frappe.db.delete("Flow Follow Up", {"request": ("in", made)})
			emails = frappe.get_all(
				"Communication",
				{"reference_doctype": "Flow Request", "reference_name": ("in", made)},
				pluck="name",
			)
			frappe.db.delete("Communication Link", {"parent": ("in", emails or [""])})
			frappe.db.delete("Communication", {"name": ("in", emails or [""])})
			purge_requests(*made)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def request(self, **kw) -> str:
		frappe.set_user(MANAGER)
		name = submit_request(
			SERVICE, {"company": "CL"}, customer_type=self.kind, customer=self.client, requester=PORTAL, **kw
		).name
		frappe.set_user("Administrator")
		return name

	def task_of(self, request: str) -> str:
		return frappe.db.get_value("Flow Task", {"request": request, "step_key": "first"}, "name")

	def log(self, request: str, user: str = AGENT, **kw) -> dict:
		frappe.set_user(user)
		values = {
			"request": request,
			"direction": "Outgoing",
			"contact": self.contact,
			"duration": 7,
			"summary": "Went through the setup",
			"follow_up_on": str(add_to_date(now_datetime(), hours=2)),
			"follow_up_team": TEAM,
			"follow_up_what": "Send the checklist",
			**kw,
		}
		try:
			return call_api.log_call(**values)
		finally:
			frappe.set_user("Administrator")


class TestCalls(CallCase):
	def test_a_call_on_a_task_shows_on_the_request_the_client_and_the_contact(self):
		request = self.request()
		task = self.task_of(request)
		result = self.log(request, task=task)
		comm = frappe.get_doc("Communication", result["communication"])
		self.assertEqual(
			(comm.communication_medium, comm.reference_doctype, comm.reference_name),
			("Phone", "Flow Request", request),
		)
		links = {(r.link_doctype, r.link_name) for r in comm.timeline_links}
		self.assertIn(("Contact", self.contact), links)
		self.assertIn((self.kind, self.client), links)
		# Frappe's own timelines read these: the request's (reference) and the client's and contact's (links)
		for doctype, name in ((self.kind, self.client), ("Contact", self.contact)):
			linked = frappe.get_all(
				"Communication",
				filters=[
					["Communication Link", "link_doctype", "=", doctype],
					["Communication Link", "link_name", "=", name],
				],
				pluck="name",
			)
			self.assertIn(comm.name, linked, doctype)
		[event] = frappe.get_all(
			"Flow Event",
			filters={"request": request, "event_type": "call_logged"},
			fields=["task", "details", "is_internal"],
		)
		self.assertEqual((event.task, event.is_internal), (task, 1))
		follow_up = frappe.get_doc("Flow Follow Up", result["follow_up"])
		self.assertEqual(
			(follow_up.owner_team, follow_up.task, follow_up.call, follow_up.customer),
			(TEAM, task, comm.name, self.client),
		)
		items = client_api.timeline(customer_type=self.kind, customer=self.client, kinds=["call"])["items"]
		self.assertIn(request, [i["reference_name"] for i in items])

	def test_a_call_without_its_next_step_is_refused_and_writes_nothing(self):
		request = self.request()
		before = frappe.db.count("Communication")
		with self.assertRaises(frappe.ValidationError) as caught:
			self.log(request, follow_up_on=None, follow_up_team=None, follow_up_what=None)
		self.assertIn("next step", str(caught.exception))
		for bad, argument in (
			({"follow_up_team": "No Such Team"}, "follow_up_team"),
			({"follow_up_owner": OTHER}, "follow_up_owner"),  # not a member of CL Team
			({"follow_up_on": str(add_to_date(now_datetime(), hours=-1))}, "follow_up_on"),
			({"contact": "Nobody At All"}, "contact"),
			({"direction": "Sideways"}, "direction"),
			({"no_follow_up_reason": "also this"}, "no_follow_up_reason"),
		):
			with self.assertRaises(frappe.ValidationError) as caught:
				self.log(request, **bad)
			self.assertIn(argument, str(caught.exception))
		self.assertEqual(frappe.db.count("Communication"), before)
		result = self.log(
			request,
			follow_up_on=None,
			follow_up_team=None,
			follow_up_what=None,
			no_follow_up_reason="All settled",
		)
		self.assertIsNone(result["follow_up"])

	def test_only_staff_on_the_request_log_calls(self):
		request = self.request()
		make_user("cl.stranger@example.com")
		self.assertRaises(
			(frappe.PermissionError, frappe.DoesNotExistError),
			self.log,
			request,
			user="cl.stranger@example.com",
		)
		self.assertRaises((frappe.PermissionError, frappe.DoesNotExistError), self.log, request, user=PORTAL)

	def test_a_telephony_call_log_is_linked_not_copied(self):
		if not installed("Call Log"):
			self.skipTest("ERPNext is not installed on this site: no telephony Call Log to link")
		request = self.request()
		frappe.get_doc("User", AGENT).add_roles("System Manager")  # telephony's Call Log is not ours to open
		log = frappe.get_doc(
			{
				"doctype": "Call Log",
				"id": frappe.generate_hash(length=10),
				"from": "+100",
				"to": "+200",
				"type": "Incoming",
				"status": "Completed",
			}
		).insert(ignore_permissions=True)
		before = frappe.db.count("Communication", {"communication_medium": "Phone"})
		result = self.log(request, call_log=log.name, call_log_doctype="Call Log", direction="Incoming")
		self.assertEqual(frappe.db.count("Communication", {"communication_medium": "Phone"}), before)
		links = {(r.link_doctype, r.link_name) for r in frappe.get_doc("Call Log", log.name).links}
		self.assertIn(("Flow Request", request), links)
		self.assertIn((self.kind, self.client), links)
		self.assertEqual(result["call_log"], log.name)


class TestFollowUps(CallCase):
	def test_a_due_follow_up_nudges_its_owner_once_and_tops_my_follow_ups(self):
		request = self.request()
		result = self.log(request, follow_up_owner=MATE)
		follow_up = result["follow_up"]
		due = frappe.db.get_value("Flow Follow Up", follow_up, "due_on")
		frappe.set_user(MATE)
		not_yet = follow_up_api.mine(until=str(now_datetime()))["follow_ups"]
		self.assertNotIn(follow_up, [f.name for f in not_yet])  # due in two hours: today's, not overdue
		frappe.set_user("Administrator")
		later = due + timedelta(minutes=1)
		sweep.run(now=later)
		sweep.run(now=later + timedelta(minutes=5))
		nudges = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Flow Follow Up", "document_name": follow_up},
			pluck="for_user",
		)
		self.assertEqual(nudges, [MATE])
		self.assertEqual(frappe.db.count("Flow Event", {"request": request, "event_type": "nudged"}), 1)
		frappe.db.set_value("Flow Follow Up", follow_up, "due_on", add_to_date(now_datetime(), hours=-3))
		frappe.set_user(MATE)
		mine = follow_up_api.mine()
		self.assertEqual(mine["follow_ups"][0].name, follow_up)  # the most overdue first
		self.assertGreaterEqual(mine["overdue"], 1)
		frappe.set_user(AGENT)  # a team mate sees it too (owned by the team, borrowed by MATE)
		self.assertIn(follow_up, [f.name for f in follow_up_api.mine()["follow_ups"]])
		frappe.set_user(OTHER)  # another team does not
		self.assertNotIn(follow_up, [f.name for f in follow_up_api.mine()["follow_ups"]])

	def test_push_and_done_are_events_and_only_for_the_owners(self):
		request = self.request()
		follow_up = self.log(request)["follow_up"]
		frappe.set_user(OTHER)
		self.assertRaises(
			(frappe.PermissionError, frappe.DoesNotExistError), follow_up_api.mark_done, follow_up=follow_up
		)
		frappe.set_user(AGENT)
		with self.assertRaises(frappe.ValidationError) as caught:
			follow_up_api.push(
				follow_up=follow_up, due_on=str(add_to_date(now_datetime(), hours=-1)), reason="x"
			)
		self.assertIn("due_on", str(caught.exception))
		follow_up_api.push(
			follow_up=follow_up, due_on=str(add_to_date(now_datetime(), days=2)), reason="Client away"
		)
		follow_up_api.mark_done(follow_up=follow_up, note="Sent")
		self.assertRaises(frappe.ValidationError, follow_up_api.mark_done, follow_up=follow_up)
		frappe.set_user("Administrator")
		kinds = frappe.get_all(
			"Flow Event",
			filters={"request": request, "event_type": ("like", "follow_up%")},
			pluck="event_type",
			order_by="at asc, creation asc",
		)
		self.assertEqual(sorted(kinds), ["follow_up_done", "follow_up_moved"])
		self.assertEqual(
			frappe.db.get_value("Flow Follow Up", follow_up, ["status", "done_by"]), ("Done", AGENT)
		)

	def test_follow_ups_are_changed_only_by_their_actions(self):
		request = self.request()
		follow_up = self.log(request)["follow_up"]
		doc = frappe.get_doc("Flow Follow Up", follow_up)
		doc.what = "Something else"
		self.assertRaises(frappe.PermissionError, doc.save, ignore_permissions=True)
		self.assertRaises(
			frappe.PermissionError, frappe.delete_doc, "Flow Follow Up", follow_up, ignore_permissions=True
		)
		self.assertRaises(
			frappe.PermissionError,
			frappe.get_doc(
				{
					"doctype": "Flow Follow Up",
					"what": "x",
					"due_on": now_datetime(),
					"owner_team": TEAM,
					"request": request,
				}
			).insert,
			ignore_permissions=True,
		)


class TestClientTimeline(CallCase):
	def build(self) -> str:
		"""A request with task moves, a call, a future follow-up, a handoff, a staff note and a client reply."""
		request = self.request()
		task = self.task_of(request)
		frappe.set_user(AGENT)
		task_api.claim(task)
		task_api.start(task)
		frappe.set_user("Administrator")
		self.log(request, task=task)
		frappe.set_user(AGENT)
		from everstep_flow.api import request as request_api

		request_api.comment(request=request, text="Internal: check the contract", is_internal=1)
		task_api.complete(task, note="Over to you")
		frappe.set_user("Administrator")
		email = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"sender": EMAIL,
				"subject": "About our invoice",
				"content": "Not on any request",
			}
		)
		email.add_link("Contact", self.contact)
		email.insert(ignore_permissions=True)
		if installed("Opportunity"):
			frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Customer",
					"party_name": self.client,
					"company": frappe.db.get_value("Company", {}, "name"),
				}
			).insert(ignore_permissions=True)
		return request

	def test_the_timeline_merges_every_kind_newest_first_and_pages_exactly(self):
		self.build()
		# Administrator reads every source (ERPNext's documents too); a Flow Manager without ERPNext roles does not
		frappe.set_user("Administrator")
		everything = client_api.timeline(customer_type=self.kind, customer=self.client, limit=100)["items"]
		kinds = {i["kind"] for i in everything}
		expected = {"request", "task", "handoff", "call", "email", "comment", "follow_up"} | (
			{"opportunity"} if installed("Opportunity") else set()
		)
		self.assertTrue(expected <= kinds, kinds)
		frappe.set_user(MANAGER)
		as_manager = {
			i["kind"]
			for i in client_api.timeline(customer_type=self.kind, customer=self.client, limit=100)["items"]
		}
		self.assertEqual(
			"opportunity" in as_manager,
			installed("Opportunity") and bool(frappe.has_permission("Opportunity", "read")),
		)
		frappe.set_user("Administrator")
		stamps = [i["at"] for i in everything]
		self.assertEqual(stamps, sorted(stamps, reverse=True))
		self.assertEqual(everything[0]["kind"], "follow_up")  # the future follow-up shows ahead
		pages = []
		for start in range(0, len(everything), 3):
			pages.extend(
				client_api.timeline(customer_type=self.kind, customer=self.client, start=start, limit=3)[
					"items"
				]
			)
		self.assertEqual(pages[: len(everything)], everything)
		calls = client_api.timeline(
			customer_type=self.kind, customer=self.client, kinds="call,follow_up", limit=100
		)["items"]
		self.assertEqual({i["kind"] for i in calls}, {"call", "follow_up"})
		with self.assertRaises(frappe.ValidationError):
			client_api.timeline(customer_type=self.kind, customer=self.client, kinds="calls")
		if not installed("Customer"):  # no ERPNext: no Customer table to ask (was a 500)
			with self.assertRaises(frappe.ValidationError) as caught:
				client_api.timeline(customer_type="Customer", customer="Anyone")
			self.assertIn("customer_type", str(caught.exception))

	def test_each_person_sees_only_what_they_may_open(self):
		request = self.build()
		frappe.set_user(OTHER)  # another team: none of the first step's work, only what its own team can open
		items = client_api.timeline(customer_type=self.kind, customer=self.client, limit=100)["items"]
		readable = set(frappe.get_list("Flow Request", pluck="name", limit_page_length=0))
		self.assertTrue(
			all(i["reference_doctype"] != "Flow Request" or i["reference_name"] in readable for i in items)
		)
		frappe.set_user(PORTAL)  # the client's own person: public items only, no calls, notes or follow-ups
		items = client_api.timeline(customer_type=self.kind, customer=self.client, limit=100)["items"]
		self.assertTrue(items)
		self.assertFalse([i for i in items if i["is_internal"]])
		self.assertFalse({i["kind"] for i in items} & {"call", "follow_up", "email", "opportunity"})
		self.assertNotIn("Internal: check the contract", str(items))
		self.assertIn(request, {i["reference_name"] for i in items})
		# and not another client's
		self.assertRaises(
			frappe.DoesNotExistError, client_api.timeline, customer_type="Contact", customer="Someone Else"
		)
		frappe.set_user("Guest")
		self.assertRaises(
			frappe.PermissionError, client_api.timeline, customer_type=self.kind, customer=self.client
		)

	def test_the_portal_page_shows_the_clients_public_timeline(self):
		from frappe.utils.password import update_password

		from everstep_flow.tests.http_client import PASSWORD, Session
		from everstep_flow.tests.utils import purge_requests

		request = self.build()
		frappe.db.set_value("Flow Request", request, "subject", "Portal <b>visible</b> subject")
		update_password(PORTAL, PASSWORD)
		frappe.db.commit()
		try:
			page = Session(PORTAL).get("/flow/timeline")
			html = page.get_data(as_text=True)
			self.assertEqual(page.status_code, 200)
			self.assertIn("Portal &lt;b&gt;visible&lt;/b&gt; subject", html)
			self.assertNotIn("Internal: check the contract", html)
			self.assertNotIn("Went through the setup", html)  # the call's summary is a staff note
			self.assertNotIn("Send the checklist", html)  # and so is the follow-up
			self.assertIn(Session().get("/flow/timeline").status_code, (301, 302))  # guests log in first
		finally:
			frappe.db.delete("Flow Follow Up", {"request": request})
			emails = frappe.get_all("Communication", {"reference_name": request}, pluck="name")
			frappe.db.delete("Communication Link", {"parent": ("in", emails or [""])})
			frappe.db.delete("Communication", {"name": ("in", emails or [""])})
			purge_requests(request)

	def test_a_page_costs_the_page_not_the_history(self):
		from everstep_flow.tests.utils import recorded_queries

		for _ in range(3):
			self.build()
		frappe.set_user(MANAGER)
		client_api.timeline(customer_type=self.kind, customer=self.client, limit=5)  # warm Frappe's caches
		with recorded_queries() as few:
			client_api.timeline(customer_type=self.kind, customer=self.client, limit=5)
		frappe.set_user("Administrator")
		for _ in range(3):
			self.build()
		frappe.set_user(MANAGER)
		client_api.timeline(customer_type=self.kind, customer=self.client, limit=5)
		with recorded_queries() as more:
			client_api.timeline(customer_type=self.kind, customer=self.client, limit=5)
		self.assertEqual(len(more), len(few), "\n".join(more))


class TestFiveSeamAudit(CallCase):
	def waiting_on_the_customer(self) -> tuple[str, str]:
		"""A request and its task, claimed, started and waiting on the customer."""
		waiting = self.request()
		task = self.task_of(waiting)
		frappe.set_user(AGENT)
		task_api.claim(task)
		task_api.start(task)
		task_api.wait_on_customer(task)
		frappe.set_user("Administrator")
		return waiting, task

	def test_the_audit_finds_each_planted_leak(self):
		now = now_datetime()
		# seam 1: a request whose client is unknown
		frappe.set_user(MANAGER)
		unknown = submit_request(SERVICE, {"company": "Unknown"}).name
		frappe.db.set_value("Flow Request", unknown, "client_unknown", 1)
		# seam 3: a task waiting on the customer with no call since
		waiting, task = self.waiting_on_the_customer()
		# seam 4: a call written around the rule (no follow-up, no reason), on another request
		from everstep_flow.base import ledger

		planted = self.request()
		ledger.record(planted, "call_logged", details={"summary": "planted"})
		ledger.flush()
		# seam 5: a follow-up past due that nobody was nudged about
		follow_up = self.log(self.request())["follow_up"]
		frappe.db.set_value("Flow Follow Up", follow_up, "due_on", add_to_date(now, hours=-2))
		# seam 2: a missed seam
		frappe.get_doc(
			{
				"doctype": "Flow Trigger Firing",
				"name": "cl-missed",
				"trigger": None,
				"reference_doctype": "ToDo",
				"reference_name": "x",
				"status": "Failed",
				"key": "cl-missed",
				"error": "planted",
			}
		).db_insert()

		_columns, rows, _message, _chart, summary = audit.execute(
			{"from_date": add_to_date(now, days=-1), "to_date": now}
		)
		found = {(r["reference_doctype"], r["reference_name"]) for r in rows}
		self.assertIn(("Flow Request", unknown), found)
		self.assertIn(("Flow Task", task), found)
		self.assertIn(("Flow Request", planted), found)  # the planted call
		self.assertIn(("Flow Follow Up", follow_up), found)
		self.assertIn(("Flow Trigger Firing", "cl-missed"), found)
		self.assertEqual([s["label"][0] for s in summary], ["1", "2", "3", "4", "5"])
		self.assertTrue(all(s["value"] >= 1 and s["indicator"] == "Red" for s in summary))

		# Fixed, they are gone: a call logged on the waiting task, the follow-up nudged, the firing done...
		self.log(
			waiting,
			task=task,
			no_follow_up_reason="Left a message",
			follow_up_on=None,
			follow_up_team=None,
			follow_up_what=None,
		)
		sweep.run(now=now)
		frappe.db.set_value("Flow Trigger Firing", "cl-missed", "status", "Done")
		frappe.db.set_value("Flow Request", unknown, "client_unknown", 0)
		_c, rows, _m, _ch, _s = audit.execute({"from_date": add_to_date(now, days=-1), "to_date": now})
		found = {(r["reference_doctype"], r["reference_name"]) for r in rows}
		for item in (
			("Flow Request", unknown),
			("Flow Task", task),
			("Flow Follow Up", follow_up),
			("Flow Trigger Firing", "cl-missed"),
		):
			self.assertNotIn(item, found)

	def test_a_call_that_happened_before_the_wait_clears_nothing(self):
		"""Issue 18, item 9: the audit asks when the call happened, not when it was logged."""
		now = now_datetime()
		waiting, task = self.waiting_on_the_customer()
		self.log(
			waiting,
			task=task,
			at=str(add_to_date(now, days=-1)),
			no_follow_up_reason="Left a message",
			follow_up_on=None,
			follow_up_team=None,
			follow_up_what=None,
		)
		_c, rows, _m, _ch, _s = audit.execute({"from_date": add_to_date(now, days=-2), "to_date": now})
		self.assertIn(("Flow Task", task), {(r["reference_doctype"], r["reference_name"]) for r in rows})
		with self.assertRaises(frappe.ValidationError) as caught:  # and a call cannot be logged ahead
			self.log(waiting, task=task, at=str(add_to_date(now, days=1)), no_follow_up_reason="x")
		self.assertIn("is in the future", str(caught.exception))

	def test_the_wait_and_the_last_contact_are_kept_by_the_ledger(self):
		"""The audit compares the task's wait with the request's last contact: both follow the actions, a call logged
		late never moves the last contact back, and the patch fills them for a wait that predates them."""
		now = now_datetime()
		waiting, task = self.waiting_on_the_customer()
		began = frappe.db.get_value("Flow Task", task, "customer_wait_since")
		self.assertIsNotNone(began)
		self.assertIsNone(frappe.db.get_value("Flow Request", waiting, "last_customer_contact"))
		self.log(waiting, task=task)
		called = frappe.db.get_value("Flow Request", waiting, "last_customer_contact")
		self.assertGreaterEqual(called, began)
		self.log(waiting, task=task, at=str(add_to_date(now, days=-1)))
		frappe.set_user(AGENT)
		request_api.comment(waiting, "A note among staff")  # no contact with the customer
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Flow Request", waiting, "last_customer_contact"), called)
		# the patch asks the ledger the same question
		from everstep_flow.patches import fill_customer_waits

		frappe.db.set_value("Flow Task", task, "customer_wait_since", None, update_modified=False)
		frappe.db.set_value("Flow Request", waiting, "last_customer_contact", None, update_modified=False)
		fill_customer_waits.execute()
		# (from the wait's ledger event, written in the same action a moment after the move)
		refilled = frappe.db.get_value("Flow Task", task, "customer_wait_since")
		self.assertAlmostEqual(refilled, began, delta=timedelta(seconds=1))
		self.assertEqual(frappe.db.get_value("Flow Request", waiting, "last_customer_contact"), called)

	def test_only_flow_managers_run_it(self):
		frappe.set_user(AGENT)
		self.assertRaises(frappe.PermissionError, audit.execute, {})
