"""Inside Frappe Helpdesk (issue 20), on Helpdesk's real doctypes: a ticket starts the work behind it, tied to its
HD Customer; the ticket's activity shows the milestones and the customer gets the public ones as replies; the
customer's reply resumes the step waiting on them; the ticket follows the request and does not close while it is open.
Skipped where Helpdesk is not installed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from everstep_flow.clients import timeline
from everstep_flow.hosts import helpdesk
from everstep_flow.requests import actions
from everstep_flow.requests.intake import submit_request
from everstep_flow.seams import host_posts, trigger_set, triggers
from everstep_flow.tests import hosts_fixtures as fx
from everstep_flow.tests.http_client import PASSWORD, Session, messages
from everstep_flow.tests.utils import make_team, make_user, recorded_queries, step_row, together
from everstep_flow.visibility import seam_audit
from everstep_flow.visibility.seam_audit_deals import deals

AGENT = "hdx.agent@example.com"
OTHER = "hdx.other@example.com"
TEAM = "HDX Support"
SERVICE = "HDX Case"
TRIGGER = "HDX ticket trigger"
HD_CUSTOMER = "HDX Client Co"
EMAIL = "ann@hdx-client.example"
SECRET = "internal-only-hdx-note"
FIELDS = [
	{"fieldname": "summary", "label": "Summary", "fieldtype": "Data", "required": 1},
	{"fieldname": "details", "label": "Details", "fieldtype": "Long Text"},
	{"fieldname": "fix", "label": "Fix", "fieldtype": "Data", "at_intake": 0},
	{"fieldname": "cost", "label": "Cost", "fieldtype": "Data", "at_intake": 0},
]


def hd_contact() -> str:
	name = frappe.db.get_value("Contact Email", {"email_id": EMAIL}, "parent")
	if not name:
		contact = frappe.get_doc({"doctype": "Contact", "first_name": "Ann", "last_name": "HDX"})
		contact.add_email(EMAIL, is_primary=True)
		contact.append("links", {"link_doctype": "HD Customer", "link_name": HD_CUSTOMER})
		contact.insert(ignore_permissions=True)
		name = contact.name
	return name


class HelpdeskCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		fx.skip_unless_installed("HD Ticket", "Frappe Helpdesk")
		super().setUpClass()
		make_user(AGENT, ("Flow Agent", "Agent"))
		make_user(OTHER, ("Flow Agent", "Agent"))
		for user in (AGENT, OTHER):
			if not frappe.db.exists("HD Agent", user):
				frappe.get_doc({"doctype": "HD Agent", "user": user, "is_active": 1}).insert(
					ignore_permissions=True
				)
		make_team(TEAM, AGENT)
		if not frappe.db.exists("HD Customer", HD_CUSTOMER):
			frappe.get_doc({"doctype": "HD Customer", "customer_name": HD_CUSTOMER}).insert(
				ignore_permissions=True
			)
		fx.ensure_service(
			SERVICE,
			[
				step_row("triage", TEAM, required_outputs="fix, cost", public_outputs="cost"),
				step_row("fix", TEAM, depends_on="triage"),
			],
			FIELDS,
		)
		cls.contact = hd_contact()
		fx.make_trigger(
			TRIGGER,
			SERVICE,
			"HD Ticket",
			{"summary": "subject", "details": "description"},
			event="New",
			client_from="Helpdesk Ticket",
			subject="{{ doc.subject }}",
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		with fx.purged(SERVICE, ("like", "HDX %")):
			tickets = frappe.get_all(
				"Flow Trigger Firing", {"trigger": ("like", "HDX %")}, pluck="reference_name"
			) + frappe.get_all("HD Ticket", {"raised_by": EMAIL}, pluck="name")
			for ticket in set(map(str, tickets)):
				frappe.db.delete("HD Ticket Comment", {"reference_ticket": ticket})
				frappe.db.delete(
					"Communication", {"reference_doctype": "HD Ticket", "reference_name": ticket}
				)
				frappe.db.delete("HD Ticket Activity", {"ticket": ticket})
				frappe.db.delete("HD Ticket", {"name": ticket})
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		if not frappe.db.get_value("Flow Trigger", TRIGGER, "enabled"):
			frappe.db.set_value("Flow Trigger", TRIGGER, "enabled", 1)
			trigger_set.forget_triggers()
		fx.cancel_open_requests(SERVICE)
		service = frappe.get_doc("Flow Service", SERVICE)
		service.host_milestones = []
		service.ticket_status_on_complete = "Resolved"
		service.ticket_status_on_cancel = None
		service.ticket_status_waiting = "Replied"
		service.ticket_close_open = "Refuse"
		service.save()

	def tearDown(self):
		frappe.set_user("Administrator")
		trigger_set.forget_triggers()

	# ----------------------------------------------------------------------------------------- helpers

	def ticket(self, subject="Printer hdx", **kw):
		return frappe.get_doc(
			{
				"doctype": "HD Ticket",
				"subject": subject,
				"description": "<p>It prints nothing</p>",
				"raised_by": EMAIL,
				"contact": self.contact,
				"customer": HD_CUSTOMER,
				**kw,
			}
		).insert(ignore_permissions=True)

	def firing(self, ticket):
		fields = ("name", "status", "request", "reference_name", "posted_until")
		return fx.firings(TRIGGER, str(ticket.name), fields, reference_doctype="HD Ticket")

	def started(self, ticket) -> str:
		return fx.started(TRIGGER, str(ticket.name), reference_doctype="HD Ticket")

	def task(self, request, step="triage") -> str:
		return frappe.db.get_value("Flow Task", {"request": request, "step_key": step}, "name")

	def act(self, task, *moves, **kw):
		frappe.set_user(AGENT)
		try:
			for move in moves:
				actions.act_on_task(task, move, **(kw if move == "Complete" else {}))
		finally:
			frappe.set_user("Administrator")

	def comments(self, ticket) -> list[str]:
		return frappe.get_all(
			"HD Ticket Comment",
			filters={"reference_ticket": str(ticket.name)},
			pluck="content",
			order_by="creation asc",
		)

	def replies(self, ticket) -> list[str]:
		return frappe.get_all(
			"Communication",
			filters={
				"reference_doctype": "HD Ticket",
				"reference_name": str(ticket.name),
				"sent_or_received": "Sent",
			},
			pluck="content",
			order_by="creation asc",
		)

	def customer_reply(self, ticket, text="Here is the serial number"):
		return frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": f"Re: {ticket.subject}",
				"sender": EMAIL,
				"content": text,
				"reference_doctype": "HD Ticket",
				"reference_name": ticket.name,
			}
		).insert(ignore_permissions=True)


class TestTicketStartsWork(HelpdeskCase):
	def test_a_new_ticket_starts_one_request_tied_to_its_hd_customer(self):
		ticket = self.ticket()
		(firing,) = self.firing(ticket)
		self.assertEqual(firing.status, "Queued")
		self.assertEqual(firing.reference_name, str(ticket.name))
		request = frappe.get_doc("Flow Request", self.started(ticket))
		self.assertEqual((request.customer_type, request.customer), ("HD Customer", HD_CUSTOMER))
		self.assertEqual(request.contact, self.contact)
		self.assertEqual((request.source_doctype, request.source_name), ("HD Ticket", str(ticket.name)))
		self.assertEqual(request.subject, "Printer hdx")
		# a re-save, a status flip: still one firing
		ticket.reload()
		ticket.priority = ticket.priority
		ticket.save(ignore_permissions=True)
		self.assertEqual(len(self.firing(ticket)), 1)

	def test_a_ticket_without_hd_customer_takes_its_contacts(self):
		ticket = self.ticket(customer=None)
		request = frappe.get_doc("Flow Request", self.started(ticket))
		self.assertEqual((request.customer_type, request.customer), ("HD Customer", HD_CUSTOMER))

	def test_a_second_ticket_of_the_customer_joins_the_open_request_and_says_so(self):
		first = self.ticket("First hdx")
		request = self.started(first)
		second = self.ticket("Second hdx")
		self.assertEqual(self.started(second), request)
		self.assertEqual(self.firing(second)[0].status, "Linked")
		host_posts.post_request(request)
		(said,) = self.comments(second)
		self.assertIn("Linked to the open request", said)
		self.assertIn(request, said)
		self.assertTrue(any("Request opened" in c for c in self.comments(first)))
		# later, the work moves on: the joined ticket hears of that, never of what came before it joined
		self.act(self.task(request), "Claim", "Start")
		host_posts.post_request(request)
		later = " ".join(self.comments(second))
		self.assertIn("Step started", later)
		self.assertNotIn("Request opened", later)

	def test_the_hd_customers_timeline_lists_its_tickets_and_requests(self):
		ticket = self.ticket("Timeline hdx")
		request = self.started(ticket)
		items = timeline.page("HD Customer", HD_CUSTOMER, kinds=("request", "ticket"), limit=50)
		refs = {(i["reference_doctype"], str(i["reference_name"])) for i in items}
		self.assertIn(("HD Ticket", str(ticket.name)), refs)
		self.assertIn(("Flow Request", request), refs)
		data = frappe.get_meta(
			"HD Customer"
		).get_dashboard_data()  # and its desk form's connections list them
		self.assertIn("Flow Request", [i for g in data.transactions for i in g["items"]])

	def test_the_audit_sees_a_ticket_that_never_fired(self):
		ticket = self.ticket("Unseen hdx")
		frappe.db.delete("Flow Trigger Firing", {"reference_name": str(ticket.name), "trigger": TRIGGER})
		fired = self.ticket("Seen hdx")
		start, end = frappe.utils.add_days(frappe.utils.now_datetime(), -1), frappe.utils.add_days(None, 1)
		found = {(f["reference_doctype"], str(f["reference_name"])) for f in deals(start, end)}
		self.assertIn(("HD Ticket", str(ticket.name)), found)
		self.assertNotIn(("HD Ticket", str(fired.name)), found)

	def test_a_field_becoming_a_value_fires_once_per_document_and_value(self):
		team = frappe.get_all("HD Team", pluck="name", limit=1)
		if not team:
			team = [frappe.get_doc({"doctype": "HD Team", "team_name": "HDX Billing"}).insert().name]
		frappe.db.set_value("Flow Trigger", TRIGGER, "enabled", 0)
		moved = frappe.get_doc(
			{
				"doctype": "Flow Trigger",
				"trigger_name": "HDX ticket to team",
				"enabled": 1,
				"document_type": "HD Ticket",
				"event": "Field Becomes Value",
				"field": "agent_group",
				"values": team[0],
				"service": SERVICE,
				"client_from": "Helpdesk Ticket",
				"mapping": [{"intake_field": "summary", "source_field": "subject"}],
			}
		).insert()
		trigger_set.forget_triggers()
		ticket = self.ticket("Escalated hdx")
		fired = lambda: frappe.get_all(  # noqa: E731
			"Flow Trigger Firing", {"trigger": moved.name, "reference_name": str(ticket.name)}, pluck="value"
		)
		self.assertEqual(fired(), [])  # born without the team: nothing
		for _ in range(2):  # moved to the team, then saved again: one firing
			ticket.reload()
			ticket.agent_group = team[0]
			ticket.save(ignore_permissions=True)
		self.assertEqual(fired(), [team[0]])

	def test_a_ticket_save_with_no_enabled_trigger_costs_no_query_of_ours(self):
		ticket = self.ticket("Cheap hdx")
		frappe.db.set_value("Flow Trigger", {"document_type": "HD Ticket"}, "enabled", 0)
		trigger_set.forget_triggers()
		trigger_set.triggered_doctypes()
		frappe.local.flags.flow_triggers_changed = False
		ticket.reload()
		ticket.subject = "Cheaper hdx"
		with recorded_queries() as queries:
			triggers.on_change(ticket)
			from everstep_flow.seams.ticket_flow import on_ticket_validate

			on_ticket_validate(ticket)
		self.assertEqual(len(queries), 0, queries)


class TestTicketShowsWork(HelpdeskCase):
	def test_milestones_are_internal_comments_public_ones_replies_and_nothing_internal_leaks(self):
		ticket = self.ticket("Milestones hdx")
		request = self.started(ticket)
		triage = self.task(request)
		frappe.set_user(AGENT)
		from everstep_flow.api.request import comment

		comment(request, SECRET, is_internal=1)
		frappe.set_user("Administrator")
		self.act(
			triage, "Claim", "Start", "Complete", outputs={"fix": "swap-drum-internal", "cost": "40 EUR"}
		)
		self.assertGreater(host_posts.post_request(request), 0)
		said = self.comments(ticket)
		text = " ".join(said)
		for milestone in ("Request opened", "Step started", "Step done"):
			self.assertIn(milestone, text)
		self.assertIn(f"/app/flow-request/{request}", text)
		self.assertIn(TEAM, text)
		self.assertNotIn(SECRET, text)
		self.assertNotIn("swap-drum-internal", text)
		replies = " ".join(self.replies(ticket))
		self.assertIn("40 EUR", replies)  # the public output, for the customer
		self.assertNotIn("swap-drum-internal", replies)
		self.assertNotIn(SECRET, replies)
		# the customer (a website user) reads none of the internal comments; Helpdesk keeps them for agents
		customer = make_user("hdx.customer@hdx-client.example", ())
		frappe.set_user(customer)
		try:
			self.assertFalse(frappe.has_permission("HD Ticket Comment", "read"))
		finally:
			frappe.set_user("Administrator")
		# the sweep's catch-up sees nothing behind once posted; more work puts the request behind again
		self.assertNotIn(request, host_posts.behind_requests())
		self.act(self.task(request, "fix"), "Claim")
		self.assertIn(request, host_posts.behind_requests())
		host_posts.post_request(request)
		self.assertNotIn(request, host_posts.behind_requests())
		said = self.comments(ticket)
		# posted once: running again (a second worker, the sweep) adds nothing
		self.assertEqual(host_posts.post_request(request), 0)
		self.assertEqual(len(self.comments(ticket)), len(said))

	def test_a_message_for_the_customer_is_a_reply_and_a_service_can_turn_milestones_off(self):
		service = frappe.get_doc("Flow Service", SERVICE)
		service.append("host_milestones", {"milestone": "Step started", "post_as": "Not posted"})
		service.append("host_milestones", {"milestone": "Request opened", "post_as": "Reply to the customer"})
		service.save()
		ticket = self.ticket("Settings hdx")
		request = self.started(ticket)
		from everstep_flow.api.request import comment

		frappe.set_user(AGENT)
		self.act(self.task(request), "Claim", "Start")
		frappe.set_user(AGENT)
		comment(request, "Could you send a photo?", is_internal=0)
		frappe.set_user("Administrator")
		host_posts.post_request(request)
		self.assertNotIn("Step started", " ".join(self.comments(ticket)))
		replies = " ".join(self.replies(ticket))
		self.assertIn("Could you send a photo?", replies)
		self.assertIn("Request opened", replies)

	def test_an_event_committed_after_a_later_one_was_posted_is_posted_once(self):
		ticket = self.ticket("Late hdx")
		request = self.started(ticket)
		host_posts.post_request(request)
		mark = frappe.db.get_value("Flow Trigger Firing", self.firing(ticket)[0].name, "posted_until")
		late = frappe.utils.add_to_date(
			mark, minutes=-1
		)  # recorded before the mark, committed after the post
		frappe.get_doc(
			{
				"doctype": "Flow Event",
				"request": request,
				"event_type": "started",
				"task": self.task(request),
				"to_team": TEAM,
				"at": late,
				"actor": AGENT,
			}
		).db_insert()
		frappe.db.set_value(
			"Flow Event", {"request": request, "at": late}, "creation", late, update_modified=False
		)
		self.assertEqual(host_posts.post_request(request), 1)
		self.assertEqual(host_posts.post_request(request), 0)
		self.assertEqual(sum("Step started" in c for c in self.comments(ticket)), 1)

	def test_a_deleted_ticket_is_told_nothing_and_does_not_stay_behind(self):
		ticket = self.ticket("Deleted hdx")
		request = self.started(ticket)
		frappe.db.delete("HD Ticket", {"name": ticket.name})
		self.assertIn(request, host_posts.behind_requests())
		self.assertEqual(host_posts.post_request(request), 0)
		self.assertNotIn(request, host_posts.behind_requests())

	def test_bad_settings_are_refused_naming_the_field(self):
		service = frappe.get_doc("Flow Service", SERVICE)
		service.ticket_status_on_complete = "Done-ish"
		with self.assertRaises(frappe.ValidationError) as caught:
			service.save()
		self.assertIn("ticket_status_on_complete", str(caught.exception))
		service.reload()
		service.ticket_status_waiting = (
			"Closed"  # would close the ticket while the request waits on its customer
		)
		with self.assertRaises(frappe.ValidationError) as caught:
			service.save()
		self.assertIn("ticket_status_waiting", str(caught.exception))


class TestConversationAndStatus(HelpdeskCase):
	def test_waiting_pauses_the_ticket_and_the_customers_reply_resumes_the_step(self):
		ticket = self.ticket("Waiting hdx")
		request = self.started(ticket)
		triage = self.task(request)
		self.act(triage, "Claim", "Start", "Wait on Customer")
		host_posts.post_request(request)
		self.assertEqual(frappe.db.get_value("HD Ticket", ticket.name, "status"), "Replied")
		# seam 3: waiting with no contact since is a leak, until the agent writes to the customer on the ticket
		now = frappe.utils.add_to_date(None, minutes=1)
		self.assertIn(triage, [f["reference_name"] for f in seam_audit.waiting(now)])
		helpdesk.reply(str(ticket.name), "<p>Which model is it?</p>")  # as Helpdesk's agent reply does
		self.assertNotIn(triage, [f["reference_name"] for f in seam_audit.waiting(now)])
		before = frappe.db.count("Flow Event", {"request": request})
		self.customer_reply(ticket)
		self.assertEqual(frappe.db.get_value("Flow Task", triage, "status"), "In Progress")
		new = frappe.get_all(
			"Flow Event",
			filters={"request": request},
			fields=["event_type", "task"],
			order_by="creation desc",
			limit=frappe.db.count("Flow Event", {"request": request}) - before,
		)
		self.assertIn(("resumed", triage), [(e.event_type, e.task) for e in new])
		self.assertEqual(sum(1 for e in new if e.task == triage), 1)  # one ledger event for the step
		host_posts.post_request(request)
		self.assertEqual(frappe.db.get_value("HD Ticket", ticket.name, "status"), "Open")
		self.assertIn("Resumed", " ".join(self.comments(ticket)))

	def test_a_reply_with_nothing_waiting_changes_nothing(self):
		ticket = self.ticket("Chatty hdx")
		request = self.started(ticket)
		before = frappe.db.count("Flow Event", {"request": request})
		self.customer_reply(ticket, "thanks!")
		self.assertEqual(frappe.db.count("Flow Event", {"request": request}), before)

	def test_completion_resolves_the_ticket_and_tells_the_customer(self):
		ticket = self.ticket("Done hdx")
		request = self.started(ticket)
		self.act(self.task(request), "Claim", "Start", "Complete", outputs={"fix": "x", "cost": "1"})
		self.act(self.task(request, "fix"), "Claim", "Start", "Complete")
		self.assertEqual(frappe.db.get_value("Flow Request", request, "status"), "Completed")
		host_posts.post_request(request)
		self.assertEqual(frappe.db.get_value("HD Ticket", ticket.name, "status"), "Resolved")
		self.assertIn("is complete", " ".join(self.replies(ticket)))

	def test_closing_a_ticket_while_its_request_is_open_is_refused_naming_request_and_team(self):
		ticket = self.ticket("Close hdx")
		request = self.started(ticket)
		ticket.reload()
		ticket.status = "Closed"
		with self.assertRaises(frappe.ValidationError) as caught:
			ticket.save(ignore_permissions=True)
		self.assertIn(request, str(caught.exception))
		self.assertIn(TEAM, str(caught.exception))
		frappe.db.set_value("Flow Service", SERVICE, "ticket_close_open", "Allow with an internal comment")
		frappe.clear_document_cache("Flow Service", SERVICE)
		ticket.reload()
		ticket.status = "Closed"
		ticket.save(ignore_permissions=True)
		self.assertIn("Ticket closed while its request is open", " ".join(self.comments(ticket)))

	def test_cancelling_the_request_moves_the_ticket_as_configured(self):
		frappe.db.set_value("Flow Service", SERVICE, "ticket_status_on_cancel", "Closed")
		frappe.clear_document_cache("Flow Service", SERVICE)
		ticket = self.ticket("Cancel hdx")
		request = self.started(ticket)
		actions.cancel_request(request, "duplicate of another ticket")
		host_posts.post_request(request)
		self.assertEqual(frappe.db.get_value("HD Ticket", ticket.name, "status"), "Closed")
		self.assertIn("Cancelled", " ".join(self.comments(ticket)))

	def test_a_move_tells_the_ticket_with_at_most_two_queries_after_commit(self):
		"""The same move on a request a ticket follows and on one nobody follows: the ticket costs at most two
		more queries (the ledger listener's lookup; the posting runs in a job after commit)."""

		def start_costs(request: str) -> list:
			task = self.task(request)
			self.act(task, "Claim")
			frappe.set_user(AGENT)
			try:
				with recorded_queries() as queries:
					actions.act_on_task(task, "Start")
			finally:
				frappe.set_user("Administrator")
			return queries

		followed = start_costs(self.started(self.ticket("Budget hdx")))
		plain = start_costs(submit_request(SERVICE, {"summary": "x"}, subject="No ticket hdx").name)
		self.assertLessEqual(len(followed) - len(plain), 2, followed)
		self.assertLessEqual(len([q for q in followed if "Flow Trigger Firing" in q]), 1, followed)
		self.assertEqual(frappe.get_all("HD Ticket Comment", {"content": ("like", "%Budget hdx%")}), [])


class TestTicketsAtOnce(HelpdeskCase):
	def test_ten_tickets_at_once_from_one_customer_give_one_request_and_one_firing_each(self):
		frappe.db.commit()
		contact = self.contact

		def raise_ticket(i):
			def go():
				return (
					frappe.get_doc(
						{
							"doctype": "HD Ticket",
							"subject": f"Burst {i} hdx",
							"description": "<p>burst</p>",
							"raised_by": EMAIL,
							"contact": contact,
							"customer": HD_CUSTOMER,
						}
					)
					.insert(ignore_permissions=True)
					.name
				)

			return go

		tickets = together([raise_ticket(i) for i in range(10)])
		self.assertTrue(all(isinstance(t, int) for t in tickets), tickets)
		firings = frappe.get_all(
			"Flow Trigger Firing",
			filters={"trigger": TRIGGER, "reference_name": ("in", [str(t) for t in tickets])},
			fields=["name", "reference_name"],
		)
		self.assertEqual(sorted(f.reference_name for f in firings), sorted(str(t) for t in tickets))
		statuses = together([lambda f=f: triggers.run_firing(f.name) for f in firings])
		self.assertEqual(sorted(statuses), ["Done"] + ["Linked"] * 9, statuses)
		requests = set(
			frappe.get_all(
				"Flow Trigger Firing", filters={"name": ("in", [f.name for f in firings])}, pluck="request"
			)
		)
		self.assertEqual(len(requests), 1)


class TestHelpdeskDoorsOverHttp(HelpdeskCase):
	"""Helpdesk's own doors, as its users reach them (real WSGI, JSON bodies, Helpdesk's permission hooks)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.ann = make_user(EMAIL, ())
		cls.eve = make_user("eve@hdx-other.example", ())
		for user in (cls.ann, cls.eve, AGENT):
			update_password(user, PASSWORD)
		frappe.db.set_value("Contact", cls.contact, "user", cls.ann)
		frappe.db.commit()

	def waiting_ticket(self):
		ticket = self.ticket("Http hdx")
		request = self.started(ticket)
		task = self.task(request)
		self.act(task, "Claim", "Start", "Wait on Customer")
		frappe.db.commit()
		return ticket, request, task

	def reply_as(self, user: str, ticket):
		return Session(user).call(
			"run_doc_method",
			{
				"dt": "HD Ticket",
				"dn": ticket.name,
				"method": "create_communication_via_contact",
				"args": {"message": "<p>the photo you asked for</p>"},
			},
		)

	def test_another_customer_cannot_reply_on_the_ticket_nor_resume_its_work(self):
		ticket, _request, task = self.waiting_ticket()
		response = self.reply_as(self.eve, ticket)
		self.assertIn(response.status_code, (403, 404), messages(response))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "Waiting on Customer")

	def test_the_customers_reply_through_helpdesk_resumes_the_step(self):
		ticket, _request, task = self.waiting_ticket()
		response = self.reply_as(self.ann, ticket)
		self.assertEqual(response.status_code, 200, messages(response))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "In Progress")
		resumed = frappe.get_all("Flow Event", {"task": task, "event_type": "resumed"}, pluck="actor")
		self.assertEqual(len(resumed), 1)

	def test_an_agent_closing_the_ticket_over_rest_gets_a_417_naming_the_request_and_nothing_changes(self):
		ticket, request, _task = self.waiting_ticket()
		response = Session(AGENT).put("HD Ticket", ticket.name, {"status": "Closed"})
		self.assertEqual(response.status_code, 417, messages(response))
		self.assertIn(request, messages(response))
		frappe.db.rollback()
		self.assertNotEqual(frappe.db.get_value("HD Ticket", ticket.name, "status"), "Closed")

	def test_the_customer_counts_and_probes_none_of_the_internal_comments_nor_reads_the_process(self):
		ticket, request, _task = self.waiting_ticket()
		host_posts.post_request(request)
		frappe.db.commit()
		self.assertTrue(self.comments(ticket))
		customer = Session(self.ann)
		answers = {
			probe: customer.call(
				"frappe.client.get_count",
				{"doctype": "HD Ticket Comment", "filters": [["content", "like", f"%{probe}%"]]},
			)
			for probe in (request, "no-such-word-in-any-comment")
		}
		for response in answers.values():
			self.assertEqual(response.status_code, 403, messages(response))
		# as the requester they read their request, but not the process behind it (instructions, conditions)
		response = customer.get(f"/api/resource/Flow Request/{request}")
		if response.status_code == 200:
			self.assertNotIn("definition", response.get_json()["data"])

	def test_a_customer_naming_another_customers_hd_customer_gets_no_part_of_its_work(self):
		"""Helpdesk keeps the `customer` a customer types into their own ticket: our client is who they are."""
		victim = self.ticket("Victim hdx")  # raised by staff for Ann's client: an open request
		victims_request = self.started(victim)
		frappe.db.commit()
		response = Session(self.eve).call(
			"helpdesk.helpdesk.doctype.hd_ticket.api.new",
			{
				"doc": {
					"subject": "Spoof hdx",
					"description": "x",
					"customer": HD_CUSTOMER,
					"raised_by": EMAIL,
				}
			},
		)
		self.assertEqual(response.status_code, 200, messages(response))
		frappe.db.rollback()
		spoof = response.get_json()["message"]["name"]
		(firing,) = frappe.get_all(
			"Flow Trigger Firing", {"trigger": TRIGGER, "reference_name": str(spoof)}, pluck="name"
		)
		triggers.process(firing)
		request = frappe.get_doc(
			"Flow Request", frappe.db.get_value("Flow Trigger Firing", firing, "request")
		)
		self.assertNotEqual(request.name, victims_request)
		self.assertNotEqual(request.customer, HD_CUSTOMER)
		self.assertEqual(request.requester, self.eve)
		frappe.db.commit()
		# as its requester she reads her request, but a filter cannot confirm what its staff-only process says
		probes = {
			text: Session(self.eve).call(
				"frappe.client.get_count",
				{"doctype": "Flow Request", "filters": [["definition", "like", f"%{text}%"]]},
			)
			for text in (TEAM, "no-such-text-anywhere")
		}
		answers = {k: (r.status_code, r.get_json().get("message")) for k, r in probes.items()}
		self.assertEqual(answers[TEAM], answers["no-such-text-anywhere"], answers)

	def test_a_customer_reply_racing_an_agents_resume_is_kept_and_resumes_once(self):
		ticket, _request, task = self.waiting_ticket()

		def agent_resumes():
			frappe.set_user(AGENT)
			actions.act_on_task(task, "Resume")

		def customer_replies():
			frappe.set_user(self.ann)
			frappe.get_doc("HD Ticket", ticket.name).create_communication_via_contact("<p>here it is</p>")

		outcome = together([agent_resumes, customer_replies])
		self.assertEqual(outcome, [None, None], outcome)
		self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "In Progress")
		self.assertEqual(frappe.db.count("Flow Event", {"task": task, "event_type": "resumed"}), 1)
		self.assertTrue(
			frappe.db.exists(
				"Communication", {"reference_name": str(ticket.name), "content": "<p>here it is</p>"}
			)
		)

	def test_staff_writing_received_on_a_ticket_does_not_resume_the_customers_step(self):
		ticket, _request, task = self.waiting_ticket()
		frappe.set_user(AGENT)
		try:
			self.customer_reply(ticket, "typed by an agent")
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), "Waiting on Customer")
