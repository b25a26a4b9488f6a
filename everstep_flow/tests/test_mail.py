"""Mail where people have it on (issue 22, point 5): a handoff's arrival, an escalation and a due follow-up reach
people through Frappe's Notification Log of a type Frappe mails, and Frappe's Email Queue has a mail for those whose
Notification Settings allow it, none for the others; the bell rings for everyone who did not switch notifications
off altogether. In tests the mail is queued, not sent (as in production until Frappe's queue flushes)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from everstep_flow.api import task as task_api
from everstep_flow.clock import notify, sweep
from everstep_flow.clock.nudges import send
from everstep_flow.engine.escalation import TEAM, Nudge
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, max_queries, new_service, step_row

SENDER, ON, OFF, NO_ASSIGN, MUTED, AWAY, LEAD, OWNER = (
	f"ml.{who}@example.com" for who in ("sender", "on", "off", "noassign", "muted", "away", "lead", "owner")
)
FROM_TEAM, TO_TEAM, SERVICE = "ML Send", "ML Receive", "ML Relay"
MAILED = "Assignment"


def settings(user: str, **values) -> None:
	"""Set a person's Notification Settings as they would on their own settings page."""
	doc = (
		frappe.get_doc("Notification Settings", user)
		if frappe.db.exists("Notification Settings", user)
		else frappe.get_doc({"doctype": "Notification Settings", "name": user, "user": user})
	)
	doc.update(values)
	doc.save(ignore_permissions=True) if not doc.is_new() else doc.insert(ignore_permissions=True)


def mails_to(user: str) -> int:
	"""Mails Frappe queued for `user` (a notification mail carries no reference document, so count recipients)."""
	return frappe.db.count("Email Queue Recipient", {"recipient": user})


def after_commit_jobs(method: str) -> list[dict]:
	"""The keyword arguments of the jobs this transaction enqueues when it commits
	(`frappe.enqueue(..., enqueue_after_commit=True)`), read from Frappe's after-commit callbacks."""
	jobs = []
	for call in frappe.db.after_commit._functions:
		cells = dict(
			zip(call.__code__.co_freevars, (c.cell_contents for c in call.__closure__ or ()), strict=True)
		)
		args = cells.get("queue_args")
		if args and args["method"] == method:
			jobs.append(args["kwargs"])
	return jobs


class MailCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (SENDER, ON, OFF, NO_ASSIGN, MUTED, AWAY, LEAD, OWNER):
			make_user(user)
		make_team(FROM_TEAM, SENDER, OWNER)
		make_team(TO_TEAM, ON, OFF, NO_ASSIGN, MUTED, AWAY, lead=LEAD)
		for member in frappe.get_all("Flow Team Member", {"parent": TO_TEAM}, ["name", "user"]):
			availability = "Away" if member.user == AWAY else "Available"
			frappe.db.set_value(
				"Flow Team Member", member.name, "availability", availability
			)  # nothing moves
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(
				SERVICE, [step_row("a", FROM_TEAM), step_row("b", TO_TEAM, "a", title="Check & <b>ship</b>")]
			).insert()
		settings(ON, enabled=1, enable_email_notifications=1, enable_email_assignment=1)
		settings(OFF, enabled=1, enable_email_notifications=0)
		settings(NO_ASSIGN, enabled=1, enable_email_notifications=1, enable_email_assignment=0)
		settings(MUTED, enabled=0)
		if not frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "ML Outgoing",
					"email_id": "ml-outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "127.0.0.1",
					"no_smtp_authentication": 1,
				}
			).insert()  # not connected in tests: Frappe skips the SMTP check there
		frappe.local.outgoing_email_account = {}  # Frappe caches the outgoing account per request

	def setUp(self):
		frappe.db.savepoint("ml_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="ml_test")  # each test starts from the class's people and settings
		frappe.local.outgoing_email_account = {}

	def handoff(self) -> str:
		"""A request whose first step is done: its handoff waits at the receiving team."""
		frappe.set_user(SENDER)
		request = submit_request(SERVICE, {}).name
		task = frappe.db.get_value("Flow Task", {"request": request, "step_key": "a"}, "name")
		task_api.claim(task)
		task_api.start(task)
		task_api.complete(task)
		frappe.set_user("Administrator")
		return frappe.db.get_value("Flow Handoff", {"request": request, "status": "Pending"}, "name")

	def told(self, doctype: str, name: str) -> dict[str, frappe._dict]:
		rows = frappe.get_all(
			"Notification Log",
			filters={"document_type": doctype, "document_name": name},
			fields=["for_user", "type", "subject", "from_user"],
		)
		return {r.for_user: r for r in rows}

	def assert_mailed_by_settings(self, before: dict[str, int], told: set[str]) -> None:
		"""ON got a mail for each notice; who switched email (or emailed assignments) off got none."""
		self.assertEqual(mails_to(ON), before[ON] + 1)
		for user in (OFF, NO_ASSIGN, MUTED, AWAY):
			self.assertEqual(mails_to(user), before[user], user)
		self.assertTrue({ON, OFF, NO_ASSIGN} <= told, told)  # the bell rings with email off too
		self.assertNotIn(MUTED, told)  # notifications switched off altogether: Frappe's own rule


class TestHandoffArrival(MailCase):
	def test_a_handoff_is_told_to_the_available_members_after_the_move_commits(self):
		before = {u: mails_to(u) for u in (ON, OFF, NO_ASSIGN, MUTED, AWAY)}
		handoff = self.handoff()
		self.assertEqual(
			self.told("Flow Handoff", handoff), {}
		)  # nothing before commit: a rollback tells nobody
		jobs = [j for j in after_commit_jobs(notify.ARRIVAL_JOB) if j["handoff"] == handoff]
		self.assertEqual(jobs, [{"handoff": handoff}])

		self.assertEqual(
			notify.handoff_arrived(**jobs[0]), [LEAD, NO_ASSIGN, OFF, ON]
		)  # the job, as a worker runs it
		told = self.told("Flow Handoff", handoff)
		self.assertEqual(set(told), {LEAD, ON, OFF, NO_ASSIGN})  # not who is away, not the sender
		self.assertEqual({r.type for r in told.values()}, {MAILED})
		self.assertEqual({r.from_user for r in told.values()}, {SENDER})
		subject = told[ON].subject
		self.assertEqual(subject, f"Handoff from {FROM_TEAM} to {TO_TEAM}: Check &amp; ship")  # no markup
		self.assert_mailed_by_settings(before, set(told))

		self.assertEqual(notify.handoff_arrived(handoff), [])  # a second run tells nobody again
		self.assertEqual(len(self.told("Flow Handoff", handoff)), 4)

	def test_an_accepted_handoff_is_not_told_and_a_team_without_anyone_available_tells_its_lead(self):
		handoff = self.handoff()
		frappe.db.set_value("Flow Handoff", handoff, "status", "Accepted", update_modified=False)
		self.assertEqual(notify.handoff_arrived(handoff), [])
		frappe.db.set_value("Flow Handoff", handoff, "status", "Pending", update_modified=False)
		frappe.db.set_value("Flow Team Member", {"parent": TO_TEAM}, "availability", "Away")
		self.assertEqual(notify.handoff_arrived(handoff), [LEAD])  # the lead, though away: someone must know

	def test_the_sweep_tells_an_arrival_whose_job_was_lost(self):
		"""A worker killed mid-job loses the arrival: the sweep tells it once it is old enough, and only once."""
		from frappe.utils import add_to_date, now_datetime

		handoff = self.handoff()
		notify.catch_up_arrivals(now_datetime())
		self.assertEqual(self.told("Flow Handoff", handoff), {})  # its job may still run
		later = add_to_date(now_datetime(), minutes=15)
		notify.catch_up_arrivals(later)
		self.assertEqual(set(self.told("Flow Handoff", handoff)), {LEAD, ON, OFF, NO_ASSIGN})
		notify.catch_up_arrivals(later)
		self.assertEqual(len(self.told("Flow Handoff", handoff)), 4)  # once
		notify.catch_up_arrivals(add_to_date(now_datetime(), hours=2))  # past the hour: the ladder's nudges

	def test_telling_the_arrival_costs_the_move_no_query(self):
		doc = frappe.get_doc("Flow Handoff", self.handoff())
		with max_queries(self, 0):
			notify.on_handoff_inserted(doc)


class TestEscalationAndFollowUp(MailCase):
	def test_an_escalation_reaches_the_team_by_mail_where_people_have_it_on(self):
		frappe.db.set_value("Flow Team", TO_TEAM, "email", "ml-receive@example.com")
		handoff = self.handoff()
		request = frappe.db.get_value("Flow Handoff", handoff, "request")
		before = {u: mails_to(u) for u in (ON, OFF, NO_ASSIGN, MUTED, AWAY)}
		team_mails = mails_to("ml-receive@example.com")
		users = send(
			Nudge(TEAM, "team", True),
			request,
			team=TO_TEAM,
			doctype="Flow Handoff",
			name=handoff,
			subject="Handoff waits < <script>x</script>",
			kind="handoff_unaccepted",
		)
		self.assertEqual(users, [LEAD, NO_ASSIGN, OFF, ON])
		told = self.told("Flow Handoff", handoff)
		self.assertEqual({r.type for r in told.values()}, {MAILED})
		self.assertEqual(told[ON].subject, "Handoff waits &lt; x")
		self.assert_mailed_by_settings(before, set(told))
		self.assertEqual(mails_to("ml-receive@example.com"), team_mails + 1)  # the team's address, as before

	def test_a_due_follow_up_reaches_its_owner_once_across_sweeps(self):
		handoff = self.handoff()
		request = frappe.db.get_value("Flow Handoff", handoff, "request")
		due = now_datetime() - timedelta(minutes=5)
		follow_ups = {}
		for owner in (ON, OFF):
			doc = frappe.get_doc(
				{
					"doctype": "Flow Follow Up",
					"what": "Call back <b>about</b> the plan",
					"due_on": due,
					"owner_team": TO_TEAM,
					"assigned_to": owner,
					"request": request,
				}
			)
			doc.flags.flow_system = True  # as a logged call makes it
			doc.insert(ignore_permissions=True)
			follow_ups[owner] = doc.name
		before = {u: mails_to(u) for u in (ON, OFF, NO_ASSIGN, MUTED, AWAY)}
		sweep.run()
		sweep.run()  # a second sweep (or worker) tells nobody again
		for owner, follow_up in follow_ups.items():
			told = self.told("Flow Follow Up", follow_up)
			self.assertEqual(list(told), [owner])
			self.assertEqual(told[owner].type, MAILED)
			self.assertEqual(told[owner].subject, "Follow up: Call back about the plan")
		self.assertEqual(mails_to(ON), before[ON] + 1)
		self.assertEqual(mails_to(OFF), before[OFF])

	def test_without_an_outgoing_account_the_bell_rings_and_nothing_is_logged_as_an_error(self):
		frappe.db.set_value("Email Account", {"default_outgoing": 1}, "default_outgoing", 0)
		frappe.local.outgoing_email_account = {}
		errors = frappe.db.count("Error Log")
		handoff = self.handoff()
		self.assertEqual(notify.handoff_arrived(handoff), [LEAD, NO_ASSIGN, OFF, ON])
		self.assertEqual({r.type for r in self.told("Flow Handoff", handoff).values()}, {"Alert"})
		self.assertEqual(frappe.db.count("Error Log"), errors)
