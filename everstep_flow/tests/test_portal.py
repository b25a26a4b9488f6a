"""One intake path, three doors: the customer portal, REST, and email. Pages render for the right people only,
bad input gets a clear error naming the field, and nothing is written when it is refused."""

from __future__ import annotations

import random
from email.message import EmailMessage
from email.utils import make_msgid

import frappe
from frappe.email.receive import InboundMail
from frappe.handler import execute_cmd
from frappe.utils import set_request
from frappe.website.serve import get_response

from everstep_flow.api import portal
from everstep_flow.api import task as task_api
from everstep_flow.tests.test_runtime import FlowTestCase, events, tasks_of
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

PT1, PT2, AGENT = "pt.portal1@example.com", "pt.portal2@example.com", "pt.agent@example.com"
TEAM, GUEST_SVC, MEMBER_SVC, HIDDEN_SVC, EMAIL_SVC = (
	"PT Team",
	"PT Guest",
	"PT Members",
	"PT Hidden",
	"PT Email",
)
FIELDS = [
	{"fieldname": "company", "label": "Company", "fieldtype": "Data", "required": 1},
	{"fieldname": "seats", "label": "Seats", "fieldtype": "Int"},
	{"fieldname": "notes", "label": "Notes", "fieldtype": "Long Text"},
]


def render(path: str, user: str = "Guest") -> int:
	frappe.set_user(user)
	set_request(method="GET", path=path)
	try:
		return get_response(path).status_code
	finally:
		frappe.set_user("Administrator")


def counts() -> dict:
	return {
		dt: frappe.db.count(dt) for dt in ("Flow Request", "Flow Task", "Flow Event", "Flow Request Value")
	}


class PortalTestCase(FlowTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(PT1, ())
		make_user(PT2, ())
		make_team(TEAM, AGENT)
		for title, extra in (
			(GUEST_SVC, {"is_published": 1, "allow_guest": 1}),
			(MEMBER_SVC, {"is_published": 1}),
			(HIDDEN_SVC, {"is_published": 0}),
		):
			if not frappe.db.exists("Flow Service", title):
				new_service(title, [step_row("handle", TEAM)], FIELDS, **extra).insert()

	def setUp(self):
		# Page renders leave a request object behind; the portal's rate limiter then needs a client address,
		# as every real request has. A fresh one per test: the limiter's counters live in Redis, not the DB.
		frappe.local.request_ip = (
			f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
		)

	def guest_submit(self, service=GUEST_SVC, values=None, email="buyer@example.com"):
		frappe.set_user("Guest")
		try:
			return portal.submit(
				service, values if values is not None else {"company": "Acme"}, requester_email=email
			)
		finally:
			frappe.set_user("Administrator")


class TestPortalPages(PortalTestCase):
	def test_routes_for_guests_and_portal_users(self):
		frappe.set_user(PT1)
		own = portal.submit(MEMBER_SVC, {"company": "Acme"})["name"]
		frappe.set_user("Administrator")
		cases = [
			("/flow", "Guest", 200),
			("/flow", PT1, 200),
			(f"/flow/new/{GUEST_SVC}", "Guest", 200),
			(f"/flow/new/{MEMBER_SVC}", "Guest", 403),  # a guest on a non-guest service
			(f"/flow/new/{MEMBER_SVC}", PT1, 200),
			(f"/flow/new/{HIDDEN_SVC}", PT1, 404),  # unpublished
			("/flow/new/No Such Service", PT1, 404),
			("/flow/requests", "Guest", 301),  # to the login page
			("/flow/requests", PT1, 200),
			(f"/flow/requests/{own}", PT1, 200),
			(f"/flow/requests/{own}", PT2, 404),  # someone else's request: not found, not "forbidden"
			(f"/flow/requests/{own}", "Guest", 301),
		]
		for path, user, status in cases:
			with self.subTest(path=path, user=user):
				self.assertEqual(render(path, user), status)

	def test_catalog_lists_what_each_visitor_may_request(self):
		frappe.set_user("Guest")
		set_request(method="GET", path="/flow")
		html = get_response("/flow").get_data(as_text=True)
		self.assertIn(GUEST_SVC, html)
		self.assertNotIn(MEMBER_SVC, html)
		self.assertNotIn(HIDDEN_SVC, html)
		frappe.set_user(PT1)
		set_request(method="GET", path="/flow")
		html = get_response("/flow").get_data(as_text=True)
		self.assertIn(MEMBER_SVC, html)
		frappe.set_user("Administrator")


class TestPortalIntake(PortalTestCase):
	def test_guest_submit_with_sanitized_values(self):
		result = self.guest_submit(
			values={"company": "<b>Acme</b>", "notes": "<script>alert(1)</script>Call us"}
		)
		self.assertIsNone(result["route"])  # guests have no request page
		request = frappe.get_doc("Flow Request", result["name"])
		self.assertEqual(
			(request.source, request.requester, request.requester_email),
			("Portal", None, "buyer@example.com"),
		)
		values = {row.fieldname: row.value for row in request.request_values}
		self.assertEqual(values["company"], "Acme")
		self.assertNotIn("<", values["notes"])
		self.assertEqual(list(tasks_of(request.name)), ["handle"])

	def test_portal_user_submit_lands_on_their_request(self):
		frappe.set_user(PT1)
		result = portal.submit(MEMBER_SVC, {"company": "Acme", "seats": "3"}, subject="Three seats")
		frappe.set_user("Administrator")
		self.assertEqual(result["route"], f"/flow/requests/{result['name']}")
		self.assertEqual(frappe.db.get_value("Flow Request", result["name"], "requester"), PT1)

	def test_bad_input_is_refused_and_nothing_is_written(self):
		before = counts()
		cases = [
			(lambda: self.guest_submit(MEMBER_SVC), frappe.PermissionError, "log in to request"),
			(lambda: self.guest_submit(HIDDEN_SVC), frappe.DoesNotExistError, "no published service"),
			(lambda: self.guest_submit("No Such Service"), frappe.DoesNotExistError, "no published service"),
			(lambda: self.guest_submit(email=None), frappe.ValidationError, "requester_email"),
			(lambda: self.guest_submit(email="not-an-address"), frappe.ValidationError, "requester_email"),
			(lambda: self.guest_submit(values={}), frappe.ValidationError, "company"),
			(
				lambda: self.guest_submit(values={"company": "A", "seats": "many"}),
				frappe.ValidationError,
				"seats",
			),
			(lambda: self.guest_submit(values={"company": "A" * 141}), frappe.ValidationError, "too long"),
			(lambda: self.guest_submit(values={"company": "A", "bogus": 1}), frappe.ValidationError, "bogus"),
			(lambda: self.guest_submit(values="[1]"), frappe.ValidationError, "values"),
		]
		for call, error, message in cases:
			with self.subTest(message=message):
				with self.assertRaises(error) as raised:
					call()
				self.assertIn(message, str(raised.exception))
		self.assertEqual(counts(), before)

	def test_rest_dispatch_and_guest_rate_limit(self):
		"""Through /api/method's own dispatcher (whitelist, argument types, rate limiter), as a guest."""
		frappe.db.set_single_value("Flow Settings", "guest_rate_limit", 2)
		frappe.set_user("Guest")
		set_request(method="POST", path="/api/method/everstep_flow.api.portal.submit")
		frappe.local.request_ip = (
			f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
		)
		try:
			for _ in range(2):
				frappe.local.form_dict = frappe._dict(
					cmd="everstep_flow.api.portal.submit",
					service=GUEST_SVC,
					values='{"company": "Acme"}',
					requester_email="buyer@example.com",
				)
				self.assertTrue(execute_cmd("everstep_flow.api.portal.submit")["name"].startswith("FR-"))
			self.assertRaises(frappe.RateLimitExceededError, execute_cmd, "everstep_flow.api.portal.submit")
			frappe.local.form_dict = frappe._dict(
				cmd="everstep_flow.api.portal.reply", request="FR-1", text="hi"
			)
			self.assertRaises(frappe.PermissionError, execute_cmd, "everstep_flow.api.portal.reply")
		finally:
			frappe.local.request_ip = None
			frappe.set_user("Administrator")

	def test_colleagues_behind_one_address_do_not_use_up_the_guests_allowance(self):
		frappe.db.set_single_value("Flow Settings", "guest_rate_limit", 2)
		set_request(method="POST", path="/api/method/everstep_flow.api.portal.submit")
		frappe.local.request_ip = (
			f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
		)
		form = {
			"cmd": "everstep_flow.api.portal.submit",
			"service": MEMBER_SVC,
			"values": '{"company": "Acme"}',
		}
		try:
			frappe.set_user(PT1)
			for _ in range(3):  # logged in: not counted
				frappe.local.form_dict = frappe._dict(form)
				self.assertTrue(execute_cmd("everstep_flow.api.portal.submit")["name"].startswith("FR-"))
			frappe.set_user("Guest")
			form.update(service=GUEST_SVC, requester_email="buyer@example.com")
			for _ in range(2):  # the guests still have their two
				frappe.local.form_dict = frappe._dict(form)
				self.assertTrue(execute_cmd("everstep_flow.api.portal.submit")["name"].startswith("FR-"))
			frappe.local.form_dict = frappe._dict(form)
			self.assertRaises(frappe.RateLimitExceededError, execute_cmd, "everstep_flow.api.portal.submit")
		finally:
			frappe.local.request_ip = None
			frappe.set_user("Administrator")

	def test_a_reply_resumes_waiting_work(self):
		frappe.set_user(PT1)
		request = portal.submit(MEMBER_SVC, {"company": "Acme"})["name"]
		task = tasks_of(request)["handle"].name
		frappe.set_user(AGENT)
		task_api.claim(task)
		task_api.start(task)
		task_api.wait_on_customer(task)
		self.assertEqual(frappe.db.get_value("Flow Request", request, "status"), "Waiting on Customer")
		frappe.set_user(PT2)
		self.assertRaises(frappe.DoesNotExistError, portal.reply, request, "Not mine")
		frappe.set_user(PT1)
		self.assertRaisesRegex(frappe.ValidationError, "text", portal.reply, request, "   ")
		self.assertEqual(portal.reply(request, "Here is the <i>licence</i> key")["resumed"], 1)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "In Progress")
		self.assertEqual(frappe.db.get_value("Flow Request", request, "status"), "In Progress")
		reply = events(request, event_type="commented")
		self.assertEqual(len(reply), 1)

	def test_a_reply_and_an_agent_resuming_at_once_both_hold(self):
		"""Issue 23: under load a reply lost a race with another move of the same task ("modified after you opened
		it"). The reply reads the waiting tasks with a lock, in the order an agent's move takes its locks: whoever
		goes first, the customer's words are kept, the task is In Progress once, the agent's late resume is a plain
		refusal, and a collision (PostgreSQL) is the door's to run again."""
		from everstep_flow.base import door
		from everstep_flow.tests.utils import at_once, purge_requests

		def as_the_door_does(call) -> None:
			for _attempt in range(5):  # a door that owns its transaction runs again after a collision
				try:
					call()
					return
				except Exception as e:
					if not door.collided(e):
						raise
					frappe.db.rollback()
					frappe.local.flags.pop("flow_events", None)
			raise AssertionError("kept colliding")

		made = []
		try:
			for _round in range(3):
				frappe.set_user(PT1)
				request = portal.submit(MEMBER_SVC, {"company": "Acme"})["name"]
				made.append(request)
				task = tasks_of(request)["handle"].name
				frappe.set_user(AGENT)
				if not frappe.db.get_value("Flow Task", task, "claimed_by"):  # the queue may give it to them
					task_api.claim(task)
				task_api.start(task)
				task_api.wait_on_customer(task)
				frappe.set_user("Administrator")
				frappe.db.commit()  # the two use their own connections
				results = at_once(
					{
						PT1: lambda r=request: as_the_door_does(lambda: portal.reply(r, "Here it is")),
						AGENT: lambda t=task: as_the_door_does(lambda: task_api.resume(t)),
					}
				)
				self.assertEqual(results[PT1], "done", results)
				if results[AGENT] != "done":
					self.assertIsInstance(results[AGENT], frappe.ValidationError, results)
					self.assertRegex(str(results[AGENT]), "Cannot resume")
				frappe.db.rollback()  # read what the two committed
				self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "In Progress")
				self.assertEqual(len(events(request, event_type="commented")), 1)
				self.assertEqual(len(events(request, task=task, event_type="resumed")), 1)
				# out of the way of the next round's request (the service links a client's second open one)
				frappe.db.set_value("Flow Request", request, {"status": "Cancelled", "open_key": None})
				frappe.db.commit()
		finally:
			frappe.set_user("Administrator")
			purge_requests(*made)


class TestEmailIntake(PortalTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for account in ("PT Support", "PT Unrouted"):
			if not frappe.db.exists("Email Account", account):
				frappe.get_doc(
					{
						"doctype": "Email Account",
						"email_account_name": account,
						"email_id": f"{account.lower().replace(' ', '.')}@example.com",
						"enable_incoming": 1,
						"append_to": "Flow Request",
						"use_imap": 0,
						"email_server": "localhost",
						"no_smtp_authentication": 1,
					}
				).insert()  # no mail server is contacted in tests
		if not frappe.db.exists("Flow Service", EMAIL_SVC):
			new_service(
				EMAIL_SVC,
				[step_row("triage", TEAM)],
				FIELDS,
				intake_email_account="PT Support",
				is_published=1,
			).insert()

	def receive(self, account: str, subject: str, body: str, in_reply_to: str | None = None, attach=False):
		"""Hand a real MIME message to Frappe's inbound mail processing, as the mail poller would."""
		message = EmailMessage()
		message["From"] = "Customer <customer@example.com>"
		message["To"] = frappe.db.get_value("Email Account", account, "email_id")
		message["Subject"] = subject
		message["Message-ID"] = make_msgid(domain="example.com")
		if in_reply_to:
			message["In-Reply-To"] = in_reply_to
		message.set_content(body)
		if attach:
			message.add_attachment(b"serial: X-42\n", maintype="text", subtype="plain", filename="serial.txt")
		mail = InboundMail(message.as_string(), frappe.get_doc("Email Account", account))
		return mail.process(), message["Message-ID"]

	def test_a_new_email_starts_a_request_and_a_reply_resumes_it(self):
		communication, message_id = self.receive(
			"PT Support", "Printer on fire", "It smells of smoke.", attach=True
		)
		request = frappe.get_doc("Flow Request", communication.reference_name)
		self.assertEqual(communication.reference_doctype, "Flow Request")
		self.assertEqual(
			(request.service, request.source, request.subject, request.requester_email),
			(EMAIL_SVC, "Email", "Printer on fire", "customer@example.com"),
		)
		self.assertIn("It smells of smoke.", {r.fieldname: r.value for r in request.request_values}["notes"])
		self.assertEqual(list(tasks_of(request.name)), ["triage"])
		self.assertTrue(
			frappe.db.exists(
				"File", {"attached_to_doctype": "Communication", "attached_to_name": communication.name}
			)
		)  # attachments kept, on the request's email thread

		task = tasks_of(request.name)["triage"].name
		frappe.set_user(AGENT)
		task_api.claim(task)
		task_api.start(task)
		task_api.wait_on_customer(task)
		frappe.set_user("Administrator")
		reply, _ = self.receive(
			"PT Support", "Re: Printer on fire", "Serial number attached.", in_reply_to=message_id
		)
		self.assertEqual(reply.reference_name, request.name)
		self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "In Progress")
		self.assertEqual(len(tasks_of(request.name)), 1)  # a reply never starts a second request's work

	def test_an_email_no_service_takes_is_kept_and_reported(self):
		communication, _ = self.receive("PT Unrouted", "Where do I send this?", "Hello?")
		request = communication.reference_name
		self.assertEqual(frappe.db.get_value("Flow Request", request, "service"), None)
		from everstep_flow.visibility.orphans import check_orphans

		self.assertIn(request, {f.request for f in check_orphans()})
