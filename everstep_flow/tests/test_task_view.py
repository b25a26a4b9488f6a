"""The work in front of the person: one task view with what its step needs and the moves they may make, checklist
ticks as ledger events, accept/return from the task, readable names (and the patch for old ones), and outputs the
portal may show."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.api import handoff as handoff_api
from everstep_flow.api import task as task_api
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

# The claimant's moves that bring the review task into each state
MOVES_TO = {
	"Queued": [],
	"Claimed": ["claim"],
	"In Progress": ["claim", "start"],
	"Blocked": ["claim", "start", ("block", "no stock")],
	"Waiting on Customer": ["claim", "start", "wait_on_customer"],
	"Done": ["claim", "start", ("complete", {"cost": "10", "vendor_note": "x"})],
}
CLAIMANT, MEMBER, FINANCE, MANAGER, REQUESTER = (
	"tv.ops@example.com",
	"tv.ops2@example.com",
	"tv.fin@example.com",
	"tv.manager@example.com",
	"tv.requester@example.com",
)
SERVICE = "TV Laptop"
FIELDS = [
	{"fieldname": "employee_email", "label": "Employee Email", "fieldtype": "Email", "required": 1},
	{
		"fieldname": "model",
		"label": "Model",
		"fieldtype": "Select",
		"options": "Standard\nPerformance",
		"required": 1,
	},
	{"fieldname": "needed_by", "label": "Needed By", "fieldtype": "Date"},
	{"fieldname": "justification", "label": "Justification", "fieldtype": "Small Text"},
	{"fieldname": "cost", "label": "Cost", "fieldtype": "Currency", "at_intake": 0},
	{"fieldname": "vendor_note", "label": "Vendor Note", "fieldtype": "Data", "at_intake": 0},
]
VALUES = {
	"employee_email": "new.hire@example.com",
	"model": "Performance",
	"needed_by": "2026-12-01",
	"justification": "Builds <b>models</b>",
}


class TaskViewCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		make_user(REQUESTER, ())
		make_team("TV Ops", CLAIMANT, MEMBER)
		make_team("TV Fin", FINANCE)
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(
				SERVICE,
				[
					step_row(
						"review",
						"TV Ops",
						instructions="Check stock first.\nThen quote.",
						checklist="Check stock\nGet a quote",
						required_outputs="cost, vendor_note",
						public_outputs="cost",
					),
					step_row("approve", "TV Fin", "review", accept_window=3600),
				],
				FIELDS,
				is_published=1,
			).insert()

	def tearDown(self):
		frappe.set_user("Administrator")

	def new_request(self) -> str:
		frappe.set_user(MANAGER)
		name = submit_request(SERVICE, VALUES, requester=REQUESTER).name
		frappe.set_user("Administrator")
		return name

	def review_in(self, state: str) -> str:
		"""A new request's review task, moved by its claimant into `state`."""
		task = f"{self.new_request()}-review"
		frappe.set_user(CLAIMANT)
		for step in MOVES_TO[state]:
			method, *extra = step if isinstance(step, tuple) else (step,)
			getattr(task_api, method)(task, *extra)
		frappe.set_user("Administrator")
		return task

	def as_user(self, user, fn, *args, **kw):
		frappe.set_user(user)
		try:
			return fn(*args, **kw)
		finally:
			frappe.set_user("Administrator")

	def handed_over(self) -> tuple[str, str, str]:
		"""A request whose review is done (outputs and a note) and whose approval waits for its handoff."""
		request = self.new_request()
		review = f"{request}-review"
		frappe.set_user(CLAIMANT)
		task_api.claim(review)
		task_api.start(review)
		task_api.tick(review, "Check stock", 1)
		task_api.complete(
			review, {"cost": "1450", "vendor_note": "Vendor X, 5 days"}, "Please approve by Friday"
		)
		frappe.set_user("Administrator")
		return request, review, f"{request}-approve"


class TestTaskView(TaskViewCase):
	def test_the_view_has_what_the_step_needs(self):
		request, review, approve = self.handed_over()
		self.assertTrue(frappe.db.exists("Flow Task", approve))
		self.assertEqual(frappe.db.get_value("Flow Task", approve, "awaiting_handoff"), f"H-{approve}")
		view = self.as_user(FINANCE, task_api.view, approve)
		self.assertEqual(view["task"]["status"], "Awaiting Acceptance")
		self.assertEqual((view["request"]["name"], view["request"]["service"]), (request, SERVICE))
		self.assertEqual(
			[(a["label"], a["fieldtype"], a["value"]) for a in view["asked"]],
			[
				("Employee Email", "Email", "new.hire@example.com"),
				("Model", "Select", "Performance"),
				("Needed By", "Date", "2026-12-01"),
				("Justification", "Small Text", "Builds models"),  # markup was stripped at intake
			],
		)
		(handoff,) = view["handed_on"]
		self.assertEqual(
			(handoff["name"], handoff["from_team"], handoff["sent_by"], handoff["status"], handoff["note"]),
			(f"H-{approve}", "TV Ops", CLAIMANT, "Pending", "Please approve by Friday"),
		)
		self.assertEqual(
			[(o["label"], o["fieldtype"], str(o["value"])) for o in handoff["outputs"]],
			[("Cost", "Currency", "1450"), ("Vendor Note", "Data", "Vendor X, 5 days")],
		)
		self.assertEqual((view["moves"], view["handoff_moves"]), ([], ["Accept", "Return"]))
		self.assertIn('data-step="approve"', view["process_map"])
		self.assertIn("esf-here", view["process_map"])
		self.assertEqual(view["history"][0]["event_type"], "handed_off")
		ats = [e["at"] for e in view["history"]]
		self.assertEqual(ats, sorted(ats, reverse=True))  # newest first
		# the review task: its instructions and checklist, as its claimant left them
		view = self.as_user(CLAIMANT, task_api.view, review)
		self.assertEqual(view["instructions"], "Check stock first.\nThen quote.")
		self.assertEqual(
			view["checklist"], [{"item": "Check stock", "done": True}, {"item": "Get a quote", "done": False}]
		)
		self.assertFalse(view["checklist_blocks"])
		self.assertEqual(view["handed_on"], [])

	def test_moves_for_each_role_and_state(self):
		"""Who may do what, for the review task (team TV Ops) in each state, and the approve task awaiting its
		handoff (team TV Fin). "404": the user cannot open the task at all."""
		expected = {
			"Queued": {
				MEMBER: ["Claim"],
				FINANCE: "404",
				MANAGER: ["Claim", "Cancel"],
				REQUESTER: "404",
			},
			"Claimed": {
				CLAIMANT: ["Start", "Release"],
				MEMBER: [],
				FINANCE: "404",
				MANAGER: ["Start", "Release", "Cancel"],
				REQUESTER: "404",
			},
			"In Progress": {
				CLAIMANT: ["Release", "Complete", "Block", "Wait on Customer"],
				MEMBER: [],
				FINANCE: "404",
				MANAGER: ["Release", "Complete", "Block", "Wait on Customer", "Cancel"],
				REQUESTER: "404",
			},
			"Blocked": {
				CLAIMANT: ["Unblock"],
				MEMBER: [],
				FINANCE: "404",
				MANAGER: ["Unblock", "Cancel"],
				REQUESTER: "404",
			},
			"Waiting on Customer": {
				CLAIMANT: ["Resume"],
				MEMBER: [],
				FINANCE: "404",
				MANAGER: ["Resume", "Cancel"],
				REQUESTER: "404",
			},
			"Done": {CLAIMANT: [], MEMBER: [], FINANCE: "404", MANAGER: [], REQUESTER: "404"},
		}
		seen = {}
		for state in MOVES_TO:
			task = self.review_in(state)
			self.assertEqual(frappe.db.get_value("Flow Task", task, "status"), state)
			seen[state] = {}
			for user in expected[state]:
				try:
					seen[state][user] = self.as_user(user, task_api.view, task)["moves"]
				except frappe.DoesNotExistError:
					seen[state][user] = "404"
		self.assertEqual(seen, expected)
		# Awaiting Acceptance: only the receiving team (and a manager) may accept or return; nobody may claim yet
		_request, _review, approve = self.handed_over()
		table = {}
		for user in (FINANCE, MANAGER, CLAIMANT, REQUESTER):
			try:
				view = self.as_user(user, task_api.view, approve)
				table[user] = (view["moves"], view["handoff_moves"])
			except frappe.DoesNotExistError:
				table[user] = "404"
		self.assertEqual(
			table,
			{
				FINANCE: ([], ["Accept", "Return"]),
				MANAGER: (["Cancel"], ["Accept", "Return"]),
				CLAIMANT: "404",
				REQUESTER: "404",
			},
		)

	def test_the_rest_doors_allow_exactly_the_declared_moves(self):
		"""Issue 19: the workflow files walked through the REST doors. For the review task in each state, every
		member action of the task workflow is tried by each user: it succeeds exactly when the core offers it
		(the moves of the view, built from everstep_flow/workflows/flow_task.json), and is refused otherwise."""
		from everstep_flow.engine import states as S

		doors = {
			"Claim": (task_api.claim, ()),
			"Start": (task_api.start, ()),
			"Release": (task_api.release, ()),
			"Complete": (task_api.complete, ({"cost": "10", "vendor_note": "x"},)),
			"Block": (task_api.block, ("no stock",)),
			"Unblock": (task_api.unblock, ()),
			"Wait on Customer": (task_api.wait_on_customer, ()),
			"Resume": (task_api.resume, ()),
			"Cancel": (task_api.cancel, ()),
		}
		self.assertEqual(set(doors), S.TASK.actions_by("member"))
		for state in MOVES_TO:
			task = self.review_in(state)
			for user in (CLAIMANT, MEMBER, FINANCE, MANAGER, REQUESTER):
				try:
					offered = set(self.as_user(user, task_api.view, task)["moves"])
				except frappe.DoesNotExistError:
					offered = set()
				for action, (door, extra) in doors.items():
					with self.subTest(state=state, user=user, action=action):
						self.assertEqual(self.succeeds(user, door, task, *extra), action in offered)
		_request, _review, approve = self.handed_over()
		handoff = frappe.db.get_value("Flow Task", approve, "awaiting_handoff")
		for user, allowed in ((FINANCE, True), (MANAGER, True), (CLAIMANT, False), (REQUESTER, False)):
			for action, door, extra in (
				("Accept", handoff_api.accept_handoff, ()),
				("Return", handoff_api.return_handoff, ("wrong",)),
			):
				with self.subTest(handoff=action, user=user):
					self.assertEqual(self.succeeds(user, door, handoff, *extra), allowed)

	def succeeds(self, user, door, *args) -> bool:
		"""Run one REST door as `user` and undo it: True when it went through, False when it was refused."""
		frappe.db.savepoint("walk")
		try:
			self.as_user(user, door, *args)
			return True
		except (frappe.PermissionError, frappe.ValidationError, frappe.DoesNotExistError):
			return False
		finally:
			frappe.db.rollback(save_point="walk")
			frappe.local.flags.pop("flow_events", None)
			frappe.clear_messages()

	def test_checklist_ticks_are_ledger_events(self):
		request = self.new_request()
		task = f"{request}-review"
		frappe.set_user(CLAIMANT)
		task_api.claim(task)
		rows = task_api.tick(task, "Get a quote", 1)
		self.assertEqual(
			rows, [{"item": "Check stock", "done": False}, {"item": "Get a quote", "done": True}]
		)
		task_api.tick(task, "Get a quote", 0)
		task_api.tick(task, "Get a quote", "true")
		events = frappe.get_all(
			"Flow Event",
			filters={"request": request, "event_type": "checklist_ticked"},
			fields=["details", "actor", "task"],
			order_by="creation asc",
		)
		self.assertEqual(len(events), 3)
		self.assertEqual({e.task for e in events}, {task})
		self.assertEqual({e.actor for e in events}, {CLAIMANT})
		with self.assertRaises(frappe.ValidationError):
			task_api.tick(task, "Not an item", 1)
		frappe.set_user(MEMBER)  # same team, not the claimant
		with self.assertRaises(frappe.PermissionError):
			task_api.tick(task, "Check stock", 1)
		frappe.set_user(FINANCE)  # cannot open the task at all
		with self.assertRaises(frappe.DoesNotExistError):
			task_api.tick(task, "Check stock", 1)
		frappe.set_user(CLAIMANT)
		task_api.start(task)
		task_api.complete(task, {"cost": "10", "vendor_note": "x"})
		completed = frappe.get_all(
			"Flow Event", filters={"task": task, "event_type": "completed"}, fields=["details"]
		)[0]
		self.assertIn("Check stock", frappe.parse_json(completed.details)["unticked"])
		with self.assertRaises(frappe.PermissionError):  # done: nothing to tick any more
			task_api.tick(task, "Check stock", 1)

	def test_accept_and_return_from_the_task_are_the_handoffs_own(self):
		request, review, approve = self.handed_over()
		handoff = self.as_user(FINANCE, task_api.view, approve)["task"]["awaiting_handoff"]
		self.as_user(FINANCE, handoff_api.return_handoff, handoff, "Quote is missing the tax")
		self.assertEqual(frappe.db.get_value("Flow Handoff", handoff, "status"), "Returned")
		self.assertEqual(frappe.db.get_value("Flow Task", approve, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("Flow Task", review, "status"), "In Progress")
		# the review runs again; its next handoff goes to a second approval task, named so
		frappe.set_user(CLAIMANT)
		task_api.complete(review, {"cost": "1500", "vendor_note": "with tax"})
		frappe.set_user("Administrator")
		again = f"{request}-approve-2"
		self.assertEqual(frappe.db.get_value("Flow Task", again, "awaiting_handoff"), f"H-{again}")
		self.as_user(FINANCE, handoff_api.accept_handoff, f"H-{again}")
		view = self.as_user(FINANCE, task_api.view, again)
		self.assertEqual((view["task"]["status"], view["moves"]), ("Queued", ["Claim"]))
		# The second run's view still has the first handoff, returned, with its reason (issue 18, item 10)
		handed = {h["name"]: h for h in view["handed_on"]}
		self.assertEqual(handed[handoff]["status"], "Returned")
		self.assertEqual(handed[handoff]["return_reason"], "Quote is missing the tax")
		self.assertEqual(handed[f"H-{again}"]["status"], "Accepted")

	def test_bad_arguments_are_refused(self):
		request = self.new_request()
		frappe.set_user(CLAIMANT)
		for call in (
			lambda: task_api.view(None),
			lambda: task_api.view(["x"]),
			lambda: task_api.tick(f"{request}-review", None, 1),
			lambda: task_api.tick(f"{request}-review", "x" * 600, 1),
			lambda: task_api.tick(f"{request}-review", "Check stock", "maybe"),
		):
			with self.assertRaises(frappe.ValidationError):
				call()
		with self.assertRaises(frappe.DoesNotExistError):
			task_api.view("no-such-task")


class TestNamesAndPortal(TaskViewCase):
	def test_old_names_are_renamed_with_every_link(self):
		from everstep_flow.patches import readable_task_names as patch

		request, review, approve = self.handed_over()
		handoff = f"H-{approve}"
		# make them look like documents of before 0.9: hash names
		patch.rename("Flow Task", {review: "oldhash001", approve: "oldhash002"})
		patch.rename("Flow Handoff", {handoff: "oldhash003"})
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"name": "oldtodo001",
				"description": "look",
				"reference_type": "Flow Task",
				"reference_name": "oldhash001",
			}
		).db_insert()  # as an assignment of before 0.14 (today only a claim writes one: requests.assignments)
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Comment",
				"reference_doctype": "Flow Task",
				"reference_name": "oldhash002",
				"content": "hello",
			}
		).insert(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Flow Task", "oldhash002", "awaiting_handoff"), "oldhash003")
		patch.execute()
		self.assertFalse(frappe.db.exists("Flow Task", "oldhash001"))
		self.assertEqual(frappe.db.get_value("Flow Task", approve, "awaiting_handoff"), handoff)
		self.assertEqual(
			frappe.db.get_value("Flow Handoff", handoff, ["from_task", "to_task"]), (review, approve)
		)
		self.assertTrue(frappe.db.exists("ToDo", {"reference_type": "Flow Task", "reference_name": review}))
		self.assertTrue(
			frappe.db.exists("Comment", {"reference_doctype": "Flow Task", "reference_name": approve})
		)
		tasks_of_events = set(frappe.get_all("Flow Event", {"request": request}, pluck="task")) - {None}
		self.assertEqual(tasks_of_events, {review, approve})
		self.assertEqual(
			set(frappe.get_all("Flow Event", {"request": request}, pluck="handoff")) - {None}, {handoff}
		)

	def test_internal_outputs_never_reach_the_portal(self):
		portal_page = frappe.get_module("everstep_flow.www.flow.request")  # a page module, not a package

		request, _review, _approve = self.handed_over()
		frappe.set_user(REQUESTER)
		frappe.form_dict.name = request
		context = portal_page.get_context(frappe._dict())
		frappe.set_user("Administrator")
		review = next(s for s in context.steps if s["step"] == "review")
		self.assertEqual([o["label"] for o in review["outputs"]], ["Cost"])  # not the vendor note
		self.assertIn("1,450", review["outputs"][0]["value"])
		rendered = str(context.steps)
		self.assertNotIn("Vendor X", rendered)
		self.assertFalse(any(e.get("text") and "Vendor X" in e["text"] for e in context.history))

	def test_the_requester_reads_no_values_or_outputs_through_frappes_api(self):
		"""Their request and its tasks are readable (the portal's data), but values and outputs are permission
		level 1: only the teams read them, through every Frappe door."""
		from frappe import client

		request, review, _approve = self.handed_over()
		frappe.set_user(REQUESTER)
		try:
			self.assertEqual(client.get("Flow Request", request).get("request_values"), [])
			self.assertFalse(client.get("Flow Task", review).get("outputs"))  # withheld
			rows = frappe.get_list(
				"Flow Request", filters={"name": request}, fields=["name", "request_values.value"]
			)
			self.assertFalse(
				any(r.get("value") for r in rows)
			)  # no rows, since issue 18: it asks for level 1
			self.assertTrue(frappe.get_list("Flow Request", filters={"name": request}))
			children = frappe.get_list(
				"Flow Request Value", parent_doctype="Flow Request", fields=["name", "value"], limit=5
			)
			self.assertFalse(any(r.get("value") for r in children))
			outputs = frappe.get_list("Flow Task", filters={"name": review}, fields=["name", "outputs"])
			self.assertFalse(any(r.get("outputs") for r in outputs))
		finally:
			frappe.set_user("Administrator")
		frappe.set_user(CLAIMANT)
		self.assertTrue(client.get("Flow Request", request).get("request_values"))  # the teams do

	def test_a_public_output_must_be_a_required_output(self):
		service = new_service(
			"TV Bad Public",
			[step_row("a", "TV Ops", required_outputs="cost", public_outputs="cost, vendor_note")],
			FIELDS,
		)
		with self.assertRaises(frappe.ValidationError) as caught:
			service.insert()
		self.assertIn("vendor_note", str(caught.exception))
