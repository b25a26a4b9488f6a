"""Follow-ups in Frappe CRM (issue 21, point 4), on CRM's real doctypes: a CRM user's follow-up is also a CRM Task
on the deal, assigned to them; done or moved on either side, both move, through the follow-up's own moves (one
event); whoever may not act on the follow-up changes only the task; other CRM Task saves cost us nothing.
Skipped where Frappe CRM is not installed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime, now_datetime

from everstep_flow.clients import calls, follow_ups
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests import hosts_fixtures as fx
from everstep_flow.tests.hosts_fixtures import as_user
from everstep_flow.tests.utils import make_team, make_user, recorded_queries, step_row

SALES = "crmt.sales@example.com"  # a CRM user in the team
MATE = "crmt.mate@example.com"  # in the team, not a CRM user
OUTSIDER = "crmt.outsider@example.com"  # a CRM user outside the team, no Flow role
TEAM = "CRMT Sales Team"
SERVICE = "CRMT Deal Work"
TRIGGER = "CRMT new deal"
PREFIX = "CRMT "  # every organization, request subject and follow-up of this module starts so


class CrmTaskCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		fx.skip_unless_installed("CRM Task", "Frappe CRM")
		super().setUpClass()
		make_user(SALES, ("Sales User", "Flow Agent"))
		make_user(MATE, ("Flow Agent",))
		make_user(OUTSIDER, ("Sales User",))
		make_team(TEAM, SALES, MATE)
		fx.ensure_service(
			SERVICE,
			[step_row("work", TEAM)],
			[{"fieldname": "company_name", "label": "Company Name", "fieldtype": "Data", "required": 1}],
			duplicates="Always new",
		)
		fx.deal_statuses("Qualification", "Lost")
		fx.make_trigger(
			TRIGGER,
			SERVICE,
			"CRM Deal",
			{"company_name": "organization"},
			event="New",
			condition=f"(doc.organization or '').startswith('{PREFIX}')",  # only this module's deals
			client_from="CRM Deal",
			subject=PREFIX + "{{ doc.organization }}",
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		"""Anything CRM or a job committed, and the trigger: gone (the trigger is never left enabled)."""
		with fx.purged(SERVICE, TRIGGER) as requests:
			tasks = frappe.get_all("CRM Task", {"title": ("like", PREFIX + "%")}, pluck="name")
			tasks += frappe.get_all(
				"Flow Follow Up",
				{"request": ("in", requests or [""]), "crm_task": ("is", "set")},
				pluck="crm_task",
			)
			for task in {str(t) for t in tasks}:
				frappe.db.delete("ToDo", {"reference_type": "CRM Task", "reference_name": task})
				frappe.db.delete(
					"CRM Notification",
					{"notification_type_doctype": "CRM Task", "notification_type_doc": task},
				)
				frappe.db.delete("CRM Task", {"name": task})
			follow_ups_made = frappe.get_all(
				"Flow Follow Up", {"request": ("in", requests or [""])}, pluck="name"
			)
			frappe.db.delete(
				"Comment",
				{"reference_doctype": "Flow Follow Up", "reference_name": ("in", follow_ups_made or [""])},
			)
			frappe.db.delete("Flow Follow Up", {"name": ("in", follow_ups_made or [""])})
			calls_made = frappe.get_all(
				"Communication",
				{"reference_doctype": "Flow Request", "reference_name": ("in", requests or [""])},
				pluck="name",
			)
			frappe.db.delete("Communication Link", {"parent": ("in", calls_made or [""])})
			frappe.db.delete("Communication", {"name": ("in", calls_made or [""])})
			deals = frappe.get_all("CRM Deal", {"organization": ("like", PREFIX + "%")}, pluck="name")
			frappe.db.delete(
				"Comment", {"reference_doctype": "CRM Deal", "reference_name": ("in", deals or [""])}
			)
			frappe.db.delete("CRM Contacts", {"parent": ("in", deals or [""])})
			frappe.db.delete("CRM Deal", {"name": ("in", deals or [""])})
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	# ----------------------------------------------------------------------------------------- helpers

	def new_deal(self, what: str = "Deal") -> tuple[str, str]:
		"""(deal, organization): a deal made through CRM's own API, as its New Deal dialog does."""
		org = f"{PREFIX}{what} {frappe.generate_hash(length=6)}"
		return fx.create_deal(SALES, org, "Tia", fx.email_at("tia", org), last_name=what), org

	def started(self, deal: str) -> str:
		"""The request the deal started (its firing processed here, as the job would)."""
		return fx.started(TRIGGER, deal)

	def follow_up(self, request: str, owner: str | None = SALES, contact: str | None = None) -> frappe._dict:
		"""A call logged by the owner (a member of the team) ending with a follow-up they own, in two hours."""
		contact = contact or frappe.db.get_value("Flow Request", request, "contact")
		frappe.set_user(owner or MATE)
		try:
			name = calls.log_call(
				request,
				direction="Outgoing",
				contact=contact,
				duration=5,
				summary="Talked it through",
				follow_up_on=str(add_to_date(now_datetime(), hours=2)),
				follow_up_team=TEAM,
				follow_up_owner=owner,
				follow_up_what=f"{PREFIX}send the proposal",
			)["follow_up"]
		finally:
			frappe.set_user("Administrator")
		return frappe.db.get_value("Flow Follow Up", name, ["*"], as_dict=True)

	def events(self, request: str, kind: str) -> list[str]:
		return frappe.get_all("Flow Event", {"request": request, "event_type": kind}, pluck="details")

	def task(self, name: str) -> frappe._dict:
		return frappe.db.get_value("CRM Task", name, ["*"], as_dict=True)

	def made(self, what: str = "Deal") -> tuple[str, str, frappe._dict]:
		deal, _org = self.new_deal(what)
		request = self.started(deal)
		return deal, request, self.follow_up(request)


class TestCrmTasks(CrmTaskCase):
	def test_a_crm_users_follow_up_is_their_crm_task_on_the_deal_due_when_it_is(self):
		deal, _request, fu = self.made("Start")
		self.assertTrue(fu.crm_task)
		task = self.task(fu.crm_task)
		self.assertEqual((task.reference_doctype, task.reference_docname), ("CRM Deal", deal))
		self.assertEqual((task.assigned_to, task.status), (SALES, "Todo"))
		self.assertEqual(get_datetime(task.due_date), get_datetime(fu.due_on))
		self.assertEqual(task.title, f"{PREFIX}send the proposal")
		self.assertIn(f"/app/flow-follow-up/{fu.name}", task.description)
		todo = {"reference_type": "CRM Task", "reference_name": str(task.name), "status": "Open"}
		self.assertEqual(frappe.get_all("ToDo", todo, pluck="allocated_to"), [SALES])
		# CRM lists it among the deal's tasks, for the sales user
		from crm.api.activities import get_deal_activities

		as_user(SALES, get_deal_activities, deal)  # the deal still opens in CRM
		seen = as_user(
			SALES,
			frappe.get_list,
			"CRM Task",
			filters={"reference_doctype": "CRM Deal", "reference_docname": deal},
			pluck="name",
		)
		self.assertEqual([str(n) for n in seen], [str(task.name)])

	def test_marking_the_crm_task_done_in_crm_marks_the_follow_up_done_once(self):
		_deal, request, fu = self.made("Done In CRM")
		as_user(SALES, frappe.client.set_value, "CRM Task", fu.crm_task, "status", "Done")  # as CRM's UI
		row = frappe.db.get_value("Flow Follow Up", fu.name, ["status", "done_by"], as_dict=True)
		self.assertEqual((row.status, row.done_by), ("Done", SALES))
		self.assertEqual(len(self.events(request, "follow_up_done")), 1)
		self.assertEqual(self.task(fu.crm_task).status, "Done")
		# saved again, reopened and done again in CRM: the follow-up stays done, still one event
		as_user(SALES, frappe.client.set_value, "CRM Task", fu.crm_task, "status", "Todo")
		as_user(SALES, frappe.client.set_value, "CRM Task", fu.crm_task, "status", "Done")
		self.assertEqual(len(self.events(request, "follow_up_done")), 1)

	def test_marking_the_follow_up_done_marks_the_crm_task_done_with_no_second_event(self):
		_deal, request, fu = self.made("Done Here")
		as_user(SALES, follow_ups.mark_done, fu.name, "sent")
		self.assertEqual(self.task(fu.crm_task).status, "Done")
		self.assertEqual(len(self.events(request, "follow_up_done")), 1)
		self.assertEqual(frappe.db.get_value("Flow Follow Up", fu.name, "note"), "sent")

	def test_moving_the_crm_tasks_due_date_pushes_the_follow_up_with_the_reason(self):
		_deal, request, fu = self.made("Moved In CRM")
		later = add_to_date(now_datetime(), days=3).replace(microsecond=0)
		as_user(SALES, frappe.client.set_value, "CRM Task", fu.crm_task, "due_date", str(later))
		self.assertEqual(get_datetime(frappe.db.get_value("Flow Follow Up", fu.name, "due_on")), later)
		(details,) = self.events(request, "follow_up_moved")
		self.assertIn("moved in Frappe CRM", details)
		self.assertEqual(get_datetime(self.task(fu.crm_task).due_date), later)

	def test_a_date_the_follow_up_cannot_take_is_refused_in_crm_too(self):
		_deal, request, fu = self.made("Past")
		frappe.db.savepoint("crmt_past")
		past = str(add_to_date(now_datetime(), days=-1))
		with self.assertRaises(frappe.ValidationError):
			as_user(SALES, frappe.client.set_value, "CRM Task", fu.crm_task, "due_date", past)
		frappe.db.rollback(save_point="crmt_past")
		self.assertEqual(self.events(request, "follow_up_moved"), [])

	def test_pushing_the_follow_up_moves_the_crm_task(self):
		_deal, request, fu = self.made("Pushed Here")
		later = add_to_date(now_datetime(), days=2).replace(microsecond=0)
		as_user(SALES, follow_ups.push, fu.name, str(later), "the client is away")
		self.assertEqual(get_datetime(self.task(fu.crm_task).due_date), later)
		self.assertEqual(len(self.events(request, "follow_up_moved")), 1)

	def test_someone_who_may_not_act_on_the_follow_up_changes_only_the_crm_task(self):
		_deal, request, fu = self.made("Outsider")
		as_user(OUTSIDER, frappe.client.set_value, "CRM Task", fu.crm_task, "status", "Done")
		self.assertEqual(self.task(fu.crm_task).status, "Done")  # CRM's rules: saved
		self.assertEqual(frappe.db.get_value("Flow Follow Up", fu.name, "status"), "Open")  # ours: left
		self.assertEqual(self.events(request, "follow_up_done"), [])
		said = frappe.get_all(
			"Comment",
			{"reference_doctype": "Flow Follow Up", "reference_name": fu.name, "comment_type": "Info"},
			pluck="content",
		)
		self.assertEqual(len(said), 1)
		self.assertIn("stays as it was", said[0])
		# the owner pushes it: the task is open again, on the new date
		later = add_to_date(now_datetime(), days=1).replace(microsecond=0)
		as_user(SALES, follow_ups.push, fu.name, str(later), "not done yet")
		task = self.task(fu.crm_task)
		self.assertEqual((task.status, get_datetime(task.due_date)), ("Todo", later))

	def test_a_follow_up_owned_by_someone_outside_crm_or_by_the_team_gets_no_crm_task(self):
		deal, _org = self.new_deal("No CRM")
		request = self.started(deal)
		before = frappe.db.count("CRM Task")
		for owner in (MATE, None):
			fu = self.follow_up(request, owner=owner)
			self.assertFalse(fu.crm_task)
			as_user(MATE, follow_ups.mark_done, fu.name)
		self.assertEqual(frappe.db.count("CRM Task"), before)

	def test_a_request_of_an_organization_goes_on_its_latest_open_deal_else_on_nothing(self):
		old, org = self.new_deal("Org")
		contact = frappe.db.get_value("Flow Request", self.started(old), "contact")
		newer = frappe.get_doc(
			{"doctype": "CRM Deal", "organization": org, "status": "Qualification", "deal_owner": SALES}
		).insert(ignore_permissions=True)
		request = as_user(
			SALES,  # a CRM user: they may read the organization
			submit_request,
			SERVICE,
			{"company_name": org},
			customer_type="CRM Organization",
			customer=org,
		).name
		fu = self.follow_up(request, contact=contact)
		self.assertEqual(self.task(fu.crm_task).reference_docname, newer.name)
		for deal in (old, newer.name):
			frappe.db.set_value("CRM Deal", deal, "status", "Lost")
		fu = self.follow_up(request, contact=contact)
		task = self.task(fu.crm_task)
		self.assertEqual(
			(task.reference_doctype, task.reference_docname, task.assigned_to), (None, None, SALES)
		)

	def test_a_crm_task_save_unrelated_to_any_follow_up_costs_at_most_one_query_of_ours(self):
		task = frappe.get_doc(
			{"doctype": "CRM Task", "title": f"{PREFIX}unrelated", "status": "Todo"}
		).insert(ignore_permissions=True)

		def saved(**change) -> list[str]:
			doc = frappe.get_doc("CRM Task", task.name)
			doc.update(change)
			with recorded_queries() as queries:
				doc.save(ignore_permissions=True)
			return [q for q in queries if "Flow Follow Up" in q]

		self.assertEqual(saved(title=f"{PREFIX}unrelated, renamed", priority="High"), [])
		self.assertEqual(saved(status="In Progress"), [])
		self.assertLessEqual(len(saved(status="Done")), 1)
		# the hook alone, everything it runs counted: none for a save that neither closes nor moves a task, else one
		for change, budget in (({"title": f"{PREFIX}again"}, 0), ({"status": "Done", "due_date": None}, 1)):
			doc = frappe.get_doc("CRM Task", task.name)
			doc.status = "Todo"
			doc._doc_before_save = frappe.get_doc("CRM Task", task.name)
			doc._doc_before_save.status = "Todo"
			doc.update(change)
			with recorded_queries() as queries:
				follow_ups.on_crm_task_update(doc, "on_update")
			self.assertEqual(len(queries), budget, queries)
