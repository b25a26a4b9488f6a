"""The doors tried as an attacker would, over real HTTP (Frappe's WSGI app, each user's own session).

Tables, not stories: every REST method x every malformed argument; every Flow doctype x every field x every role
through /api/resource PUT and frappe.client.set_value; every portal page and desk renderer fed hostile text. Each
refusal is a 4xx that names the argument or field, and nothing is written.

Fixture (committed so the HTTP calls, which run on their own connection, see it; removed afterwards):
  teams HD A (agent a) and HD B (agent b, agent ra); service "HD Service": a1 (HD A, outputs amount) -> b1 (HD B)
  R1  requester = agent ra (an agent of HD B)   task T1 (HD A, Queued)
  R2  requester = portal user                     T2a (HD A, Done) -> handoff H2 (Pending) -> T2b (HD B)
"""

from __future__ import annotations

import json
import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from everstep_flow.api import task as task_api
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests import doors
from everstep_flow.tests.http_client import PASSWORD, Session, messages
from everstep_flow.tests.utils import make_team, make_user, new_service, purge_requests, step_row

MANAGER, A, B, RA = (
	"hd.manager@example.com",
	"hd.agent.a@example.com",
	"hd.agent.b@example.com",
	"hd.agent.ra@example.com",
)
PORTAL, SYSMAN = "hd.portal@example.com", "hd.sysman@example.com"
USERS = (MANAGER, A, B, RA, PORTAL, SYSMAN)
TEAM_A, TEAM_B, SERVICE, OTHER_SERVICE = "HD A", "HD B", "HD Service", "HD Other Service"
FIELDS = [
	{"fieldname": "company", "label": "Company", "fieldtype": "Data", "required": 1},
	{"fieldname": "notes", "label": "Notes", "fieldtype": "Long Text"},
	{"fieldname": "amount", "label": "Amount", "fieldtype": "Currency", "at_intake": 0},
]
FLOW_DOCTYPES = ("Flow Request", "Flow Task", "Flow Handoff", "Flow Event", "Flow Request Value")
MISSING = "HD-NOPE-404"  # names nothing: a call with only this wrong can never write
HTML = "<img src=x onerror=alert(1)>"


def counts() -> dict[str, int]:
	return {
		dt: frappe.db.count(dt)
		for dt in (
			*FLOW_DOCTYPES,
			"Comment",
			"Communication",
			"Communication Link",
			"Flow Trigger Firing",
			"Contact",
		)
	}


class HardeningCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		make_user(A)
		make_user(B)
		make_user(RA)
		make_user(PORTAL, ())
		make_user(SYSMAN, ("System Manager",))
		for user in USERS:
			update_password(user, PASSWORD)
		make_team(TEAM_A, A)
		make_team(TEAM_B, B, RA)
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(
				SERVICE,
				[step_row("a1", TEAM_A, required_outputs="amount"), step_row("b1", TEAM_B, "a1")],
				FIELDS,
				is_published=1,
			).insert()
		if not frappe.db.exists("Flow Service", OTHER_SERVICE):
			new_service(OTHER_SERVICE, [step_row("only", TEAM_B)]).insert()
		cls.names: dict[str, str] = {}
		frappe.set_user(MANAGER)
		cls.names["R1"] = submit_request(SERVICE, {"company": "One"}, requester=RA).name
		cls.names["R2"] = submit_request(SERVICE, {"company": "Two"}, requester=PORTAL).name
		frappe.set_user(A)
		t2a = frappe.db.get_value("Flow Task", {"request": cls.names["R2"]}, "name")
		task_api.claim(t2a)
		task_api.start(t2a)
		task_api.complete(t2a, outputs={"amount": 10}, note="for B")
		frappe.set_user("Administrator")
		cls.names["T1"] = frappe.db.get_value("Flow Task", {"request": cls.names["R1"]}, "name")
		cls.names["T2b"] = frappe.db.get_value(
			"Flow Task", {"request": cls.names["R2"], "step_key": "b1"}, "name"
		)
		cls.names["H2"] = frappe.db.get_value("Flow Handoff", {"request": cls.names["R2"]}, "name")
		cls.names["E1"] = frappe.db.get_value("Flow Event", {"request": cls.names["R1"]}, "name")
		# A follow-up (from a logged call) and a trigger firing: records only the engine writes
		from frappe.utils import add_days, now_datetime

		from everstep_flow.clients.calls import log_call

		contact = frappe.db.get_value("Contact", {"first_name": "HD Caller"}, "name") or (
			frappe.get_doc({"doctype": "Contact", "first_name": "HD Caller"})
			.insert(ignore_permissions=True)
			.name
		)
		frappe.set_user(MANAGER)
		cls.names["F1"] = log_call(
			cls.names["R1"],
			direction="Outgoing",
			contact=contact,
			duration=3,
			summary="Called",
			follow_up_on=str(add_days(now_datetime(), 2)),
			follow_up_team=TEAM_A,
			follow_up_what="Call back",
		)["follow_up"]
		frappe.set_user("Administrator")
		firing = frappe.get_doc(
			{
				"doctype": "Flow Trigger Firing",
				"reference_doctype": "ToDo",
				"reference_name": "hd-nothing",
				"status": "Failed",
				"key": frappe.generate_hash(length=20),
			}
		)
		firing.name = frappe.generate_hash(length=10)
		firing.db_insert()
		cls.names["TF1"] = firing.name
		cls.made: list[str] = []
		frappe.db.commit()
		cls.sessions = {user: Session(user) for user in USERS}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.delete("Flow Follow Up", {"request": ("in", (cls.names["R1"], cls.names["R2"]))})
		calls = frappe.get_all("Communication", {"reference_name": cls.names["R1"]}, pluck="name")
		frappe.db.delete("Communication Link", {"parent": ("in", calls or [""])})
		frappe.db.delete("Communication", {"name": ("in", calls or [""])})
		frappe.db.delete("Flow Trigger Firing", {"name": cls.names["TF1"]})
		purge_requests(cls.names["R1"], cls.names["R2"], *cls.made)
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")


# ---------------------------------------------------------------------------------------------- bad arguments

# Each REST method with a call that names nothing real (so it can never write), and the kind of each argument.
NAME, TEXT, REASON, OBJECT, FLAG = "name", "text", "reason", "object", "flag"
DOORS: dict[str, tuple[dict, dict[str, tuple[str, bool]]]] = {
	**{
		f"everstep_flow.api.task.{m}": ({"task": MISSING}, {"task": (NAME, True)})
		for m in ("claim", "release", "start", "unblock", "wait_on_customer", "resume", "cancel")
	},
	"everstep_flow.api.task.complete": (
		{"task": MISSING, "outputs": {"amount": 1}, "note": "done"},
		{"task": (NAME, True), "outputs": (OBJECT, False), "note": (REASON, False)},
	),
	"everstep_flow.api.task.block": (
		{"task": MISSING, "reason": "vendor"},
		{"task": (NAME, True), "reason": (REASON, True)},
	),
	"everstep_flow.api.task.view": ({"task": MISSING}, {"task": (NAME, True)}),
	"everstep_flow.api.task.tick": (
		{"task": MISSING, "item": "Check", "done": 1},
		{"task": (NAME, True), "item": (NAME, True), "done": (FLAG, False)},
	),
	"everstep_flow.api.handoff.accept_handoff": ({"handoff": MISSING}, {"handoff": (NAME, True)}),
	"everstep_flow.api.handoff.return_handoff": (
		{"handoff": MISSING, "reason": "wrong"},
		{"handoff": (NAME, True), "reason": (REASON, True)},
	),
	"everstep_flow.api.request.submit_request": (
		{"service": MISSING, "values": {"company": "X"}, "subject": "S"},
		{
			"service": (NAME, True),
			"values": (OBJECT, False),
			"subject": (TEXT, False),
			"customer_type": (NAME, False),
			"customer": (NAME, False),
			"requester": (NAME, False),
		},
	),
	"everstep_flow.api.request.cancel_request": (
		{"request": MISSING, "reason": "no"},
		{"request": (NAME, True), "reason": (REASON, True)},
	),
	"everstep_flow.api.request.comment": (
		{"request": MISSING, "text": "hi", "is_internal": 1},
		{"request": (NAME, True), "text": (REASON, True), "is_internal": (FLAG, False)},
	),
	"everstep_flow.api.request.set_client": (
		{"request": MISSING, "customer_type": "Contact", "customer": MISSING},
		{"request": (NAME, True), "customer_type": (NAME, True), "customer": (NAME, True)},
	),
	"everstep_flow.api.trigger.run_again": ({"firing": MISSING}, {"firing": (NAME, True)}),
	"everstep_flow.api.team.sync_with_hd_team": ({"team": MISSING}, {"team": (NAME, True)}),
	# The sidebar's Assign To on a task (a list of users or of names is what these take: not probed with a list)
	"everstep_flow.api.assign.add": (
		{"doctype": "Flow Task", "name": MISSING, "assign_to": '["rt.sales@example.com"]'},
		{"doctype": (NAME, True), "name": (NAME, True)},
	),
	"everstep_flow.api.assign.add_multiple": (
		{"doctype": "Flow Task", "name": f'["{MISSING}"]', "assign_to": '["rt.sales@example.com"]'},
		{"doctype": (NAME, True)},
	),
	**{
		f"everstep_flow.api.assign.{m}": (
			{"doctype": "Flow Task", "name": MISSING, "assign_to": "rt.sales@example.com"},
			{"doctype": (NAME, True), "name": (NAME, True), "assign_to": (NAME, True)},
		)
		for m in ("remove", "close")
	},
	"everstep_flow.api.assign.remove_multiple": (
		{"doctype": "Flow Task", "names": f'["{MISSING}"]'},
		{"doctype": (NAME, True)},
	),
	"everstep_flow.api.request.intake_form": ({"service": MISSING}, {"service": (NAME, True)}),
	"everstep_flow.api.call.log_call": (
		{
			"request": MISSING,
			"direction": "Outgoing",
			"contact": "C",
			"duration": 5,
			"summary": "s",
			"no_follow_up_reason": "none",
		},
		{
			"request": (NAME, True),
			"direction": (NAME, True),
			"contact": (NAME, True),
			"summary": (REASON, True),
			"follow_up_on": (NAME, False),
			"follow_up_team": (NAME, False),
			"no_follow_up_reason": (REASON, False),
		},
	),
	"everstep_flow.api.follow_up.mark_done": (
		{"follow_up": MISSING},
		{"follow_up": (NAME, True), "note": (REASON, False)},
	),
	"everstep_flow.api.follow_up.push": (
		{"follow_up": MISSING, "due_on": "2030-01-01 10:00:00", "reason": "later"},
		{"follow_up": (NAME, True), "due_on": (NAME, True), "reason": (REASON, True)},
	),
	"everstep_flow.api.search.requests": (
		{"text": "x", "service": MISSING},
		{"text": (TEXT, False), "service": (NAME, False), "team": (NAME, False), "from_date": (NAME, False)},
	),
	"everstep_flow.api.client.timeline": (
		{"customer_type": "Contact", "customer": MISSING},
		{"customer_type": (NAME, True), "customer": (NAME, True)},
	),
	"everstep_flow.api.request.timeline": ({"request": MISSING}, {"request": (NAME, True)}),
	"everstep_flow.api.request.progress": ({"request": MISSING}, {"request": (NAME, True)}),
	"everstep_flow.api.portal.submit": (
		{"service": MISSING, "values": {"company": "X"}},
		{
			"service": (NAME, True),
			"values": (OBJECT, False),
			"subject": (TEXT, False),
			"requester_email": (TEXT, False),
		},
	),
	"everstep_flow.api.portal.reply": (
		{"request": MISSING, "text": "hi"},
		{"request": (NAME, True), "text": (REASON, True)},
	),
	"everstep_flow.api.follow_up.mine": ({}, {"until": (NAME, False)}),
	"everstep_flow.visibility.read_doors.get_chart": ({"chart_name": MISSING}, {"chart_name": (NAME, False)}),
	"everstep_flow.api.orphans.leak_count": ({}, {"filters": (OBJECT, False)}),
	**{
		f"everstep_flow.visibility.read_doors.{m}": (
			{"doctype": "Flow Request", **extra},
			{"doctype": (NAME, True)},
		)
		for m, extra in (
			("get_count", {}),
			("get", {"name": MISSING}),
			("get_group_by_count", {"current_filters": "[]", "field": "status"}),
			("get_open_count", {"name": MISSING}),
			("getdoc", {"name": MISSING}),
			("get_docinfo", {"name": MISSING}),
			("get_communications", {"name": MISSING}),
		)
	},
	"everstep_flow.everstep_flow.doctype.flow_calendar.flow_calendar.import_holiday_list": (
		{"calendar": MISSING, "holiday_list": MISSING},
		{"calendar": (NAME, True), "holiday_list": (NAME, True)},
	),
}


def hostile_values(kind: str, required: bool) -> dict[str, object]:
	cases: dict[str, object] = {
		"a list": ["x"],
		"an object": {"name": ["like", "%"]},
		"a number": 12345,
		"1 MB of text": "x" * 1_000_000,
		"a NUL byte": "a\x00b",
	}
	if required:
		cases["missing"] = ...
		cases["null"] = None
	if kind == OBJECT:
		cases.pop("an object")
	return cases


class TestEveryDoorRefusesBadArguments(HardeningCase):
	def test_the_table_has_every_door_that_takes_arguments(self):
		"""New doors join the table by construction (everstep_flow/tests/doors.py lists them all)."""
		self.assertEqual(set(doors.METHODS) - doors.NO_ARGUMENTS, set(DOORS))

	def test_every_method_x_every_malformed_argument(self):
		before = counts()
		for method, (base, arguments) in DOORS.items():
			for argument, (kind, required) in arguments.items():
				for label, value in hostile_values(kind, required).items():
					data = dict(base)
					if value is ...:
						data.pop(argument, None)
					else:
						data[argument] = value
					with self.subTest(method=method, argument=argument, value=label):
						response = self.sessions[MANAGER].call(method, data)
						said = messages(response)
						self.assertTrue(
							400 <= response.status_code < 500, (response.status_code, said[-500:])
						)
						self.assertIn(argument.split(".")[0], said)
		self.assertEqual(counts(), before)

	def test_hostile_names_are_refused_and_never_echoed_raw(self):
		before = counts()
		for method, (base, arguments) in DOORS.items():
			for argument, (kind, _required) in arguments.items():
				if kind != NAME:
					continue
				with self.subTest(method=method, argument=argument):
					response = self.sessions[MANAGER].call(method, {**base, argument: HTML})
					self.assertTrue(400 <= response.status_code < 500, response.status_code)
					self.assertNotIn("<img", messages(response))
		self.assertEqual(counts(), before)

	def test_a_filter_object_never_reaches_the_database(self):
		"""On MariaDB `service={"name": ["like", "%"]}` used to start a request of whatever service matched."""
		before = counts()
		for session in (self.sessions[MANAGER], Session()):
			for method in ("everstep_flow.api.request.submit_request", "everstep_flow.api.portal.submit"):
				response = session.call(
					method, {"service": {"name": ["like", "%"]}, "values": {"company": "X"}}
				)
				self.assertTrue(400 <= response.status_code < 500, method)
		self.assertEqual(counts(), before)

	def test_a_framework_permission_error_is_a_403_on_both_databases(self):
		"""Issue 18, item 8: a PermissionError raised without arguments (here by Frappe's list permission check)
		used to become a 500 on MariaDB inside the door's collision check."""
		for method in ("everstep_flow.api.follow_up.mine", "everstep_flow.api.task.my_teams"):
			for session in (self.sessions[PORTAL], Session()):
				with self.subTest(method=method, user=session.user):
					response = session.call(method, {})
					self.assertIn(response.status_code, (200, 403), messages(response)[-300:])
		from everstep_flow.base.door import collided

		self.assertFalse(collided(frappe.PermissionError()))
		self.assertFalse(collided(frappe.ValidationError()))

	def test_reports_never_echo_a_hostile_date(self):
		"""Issue 18, item 11: Frappe's getdate echoes the text it refuses inside <strong>."""
		for report in (
			"Handoffs by Seam",
			"Where Requests Wait",
			"SLA and OLA Compliance",
			"Five Seam Audit",
		):
			for field in ("from_date", "to_date"):
				with self.subTest(report=report, field=field):
					response = self.sessions[MANAGER].call(
						"frappe.desk.query_report.run",
						{"report_name": report, "filters": {field: HTML}, "ignore_prepared_report": 1},
					)
					said = messages(response)
					self.assertEqual(response.status_code, 417, said[-300:])
					self.assertIn(field, said)
					self.assertNotIn("<img", said)

	def test_a_reports_filters_are_an_object_without_nul(self):
		"""Frappe's report door hands filters to frappe._dict: a list used to be a 500, and a NUL in a filter a 500
		on PostgreSQL. Both are a 417 naming the filter, for our reports; Frappe's own are left as they are."""
		for report in ("Handoffs by Seam", "Where Requests Wait", "Leak Audit"):
			for label, filters in (
				("a list", [["team", "=", "x"]]),
				("a number", 5),
				("not JSON", "[team"),
				("a NUL", {"team": "Sa\x00les"}),
			):
				with self.subTest(report=report, filters=label):
					response = self.sessions[MANAGER].call(
						"frappe.desk.query_report.run", {"report_name": report, "filters": filters}
					)
					said = messages(response)
					self.assertEqual(response.status_code, 417, said[-300:])
					self.assertTrue("filters" in said or "team" in said, said[-300:])
		fine = self.sessions[MANAGER].call(
			"frappe.desk.query_report.run", {"report_name": "Leak Audit", "filters": "{}"}
		)
		self.assertEqual(fine.status_code, 200, messages(fine)[-300:])

	def test_the_status_says_done_not_claimed(self):
		t2a = frappe.db.get_value("Flow Task", {"request": self.names["R2"], "step_key": "a1"}, "name")
		response = self.sessions[A].call("everstep_flow.api.task.claim", {"task": t2a})
		self.assertEqual(response.status_code, 417)
		self.assertIn("Cannot claim a task that is Done", messages(response))

	def test_an_unknown_service_on_the_portal_says_so(self):
		response = Session().call("everstep_flow.api.portal.submit", {"service": "No Such Service"})
		self.assertEqual(response.status_code, 404)
		self.assertIn("service: no published service named No Such Service", messages(response))


# ---------------------------------------------------------------------------------------------- engine fields

# What a plain save may change, and who (everything else only through actions): README "What you may edit".
EDITABLE = {
	("Flow Task", "T1", "follow_up_on"): {MANAGER, A, SYSMAN},
	("Flow Task", "T2b", "follow_up_on"): {MANAGER, B, RA, SYSMAN},
	("Flow Request", "R1", "follow_up_on"): {MANAGER, A, SYSMAN},
	("Flow Request", "R1", "subject"): {MANAGER, SYSMAN},
}
DOCS = (
	("Flow Task", "T1"),
	("Flow Task", "T2b"),
	("Flow Handoff", "H2"),
	("Flow Request", "R1"),
	("Flow Event", "E1"),
	("Flow Follow Up", "F1"),
	("Flow Trigger Firing", "TF1"),
)


class TestEngineFieldsChangeOnlyThroughActions(HardeningCase):
	def other_value(self, df, current):
		"""A different, well-formed value for the field (a real document for links where one is at hand)."""
		links = {
			"Flow Team": TEAM_B if current == TEAM_A else TEAM_A,
			"User": B if current != B else A,
			"Flow Request": self.names["R2"] if current != self.names["R2"] else self.names["R1"],
			"Flow Task": self.names["T2b"] if current != self.names["T2b"] else self.names["T1"],
			"Flow Handoff": ""
			if current == self.names["H2"]
			else self.names["H2"],  # clearing it skips acceptance
			"Flow Service": OTHER_SERVICE if current == SERVICE else SERVICE,
			"DocType": "ToDo",
		}
		kind = df.fieldtype
		if kind == "Link":
			return links.get(df.options, "Administrator")
		if kind == "Dynamic Link":
			return "Administrator"
		if kind == "Datetime":
			return "2031-01-02 10:00:00"
		if kind == "Date":
			return "2031-01-02"
		if kind == "Check":
			return 0 if current else 1
		if kind == "Int":
			return 7
		if kind == "Select":
			options = [o for o in (df.options or "").split("\n") if o and o != current]
			return options[0] if options else "x"
		if kind == "JSON":
			return {"tampered": 1}
		return "changed by a test"

	def fields_of(self, doctype: str):
		return [
			df
			for df in frappe.get_meta(doctype).fields
			if df.fieldtype not in ("Section Break", "Column Break", "Tab Break", "HTML", "Table")
		]

	def stored(self, doctype: str, name: str) -> dict:
		frappe.db.rollback()  # a fresh snapshot (PostgreSQL: REPEATABLE READ)
		return frappe.get_doc(doctype, name).as_dict()

	def test_every_field_x_every_role_x_put_and_set_value(self):
		for doctype, label in DOCS:
			name = self.names[label]
			for df in self.fields_of(doctype):
				for user in USERS:
					for door in ("PUT", "set_value"):
						original = self.stored(doctype, name)[df.fieldname]
						value = self.other_value(df, original)
						with self.subTest(doctype=doctype, field=df.fieldname, user=user, door=door):
							if door == "PUT":
								response = self.sessions[user].put(doctype, name, {df.fieldname: value})
							else:
								response = self.sessions[user].call(
									"frappe.client.set_value",
									{
										"doctype": doctype,
										"name": name,
										"fieldname": df.fieldname,
										"value": value,
									},
								)
							now = self.stored(doctype, name)[df.fieldname]
							if user in EDITABLE.get((doctype, label, df.fieldname), ()):
								self.assertEqual(response.status_code, 200, messages(response)[-400:])
								self.assertNotEqual(now, original)
								frappe.db.set_value(
									doctype, name, df.fieldname, original, update_modified=False
								)
								frappe.db.commit()
							else:
								self.assertTrue(
									400 <= response.status_code < 500,
									(response.status_code, messages(response)[-300:]),
								)
								self.assertEqual(str(now), str(original))

	def test_configuration_is_for_managers_and_computed_fields_for_nobody(self):
		"""Teams, services, calendars and settings: only Flow Managers (and System Managers) edit them; a service's
		version follows its definition and is edited by nobody."""
		managers = {MANAGER, SYSMAN}
		member = frappe.db.get_value("Flow Team Member", {"parent": TEAM_A}, "name")
		cases = [
			("PUT", "Flow Team", TEAM_A, {"description": "edited"}, managers),
			("PUT", "Flow Service", SERVICE, {"description": "edited"}, managers),
			("PUT", "Flow Service", SERVICE, {"version": 99}, set()),
			("PUT", "Flow Service", SERVICE, {"definition_hash": "x"}, set()),
			("PUT", "Flow Settings", "Flow Settings", {"portal_title": "Edited"}, managers),
			("set_value", "Flow Team Member", member, {"availability": "Away"}, managers),
		]
		originals = {
			(doctype, name): {f: frappe.db.get_value(doctype, name, f) for f in data}
			for _door, doctype, name, data, _allowed in cases
		}
		for door, doctype, name, data, allowed in cases:
			for user in USERS:
				with self.subTest(door=door, doctype=doctype, field=next(iter(data)), user=user):
					if door == "PUT":
						response = self.sessions[user].put(doctype, name, data)
					else:
						field, value = next(iter(data.items()))
						response = self.sessions[user].call(
							"frappe.client.set_value",
							{"doctype": doctype, "name": name, "fieldname": field, "value": value},
						)
					if user in allowed:
						self.assertEqual(response.status_code, 200, messages(response)[-300:])
						frappe.db.rollback()
						for field, value in originals[(doctype, name)].items():
							frappe.db.set_value(doctype, name, field, value, update_modified=False)
						frappe.db.commit()
					else:
						self.assertTrue(
							400 <= response.status_code < 500,
							(response.status_code, messages(response)[-300:]),
						)
					frappe.db.rollback()
		self.assertEqual(frappe.get_doc("Flow Service", SERVICE).version, 1)

	def test_intake_values_stay_as_given(self):
		row = frappe.get_all(
			"Flow Request Value", filters={"parent": self.names["R1"]}, fields=["name", "value"], limit=1
		)[0]
		for user in USERS:
			with self.subTest(user=user, door="set_value on the child row"):
				response = self.sessions[user].call(
					"frappe.client.set_value",
					{"doctype": "Flow Request Value", "name": row.name, "fieldname": "value", "value": "X"},
				)
				self.assertTrue(400 <= response.status_code < 500, response.status_code)
			with self.subTest(user=user, door="PUT the table"):
				rows = json.loads(
					frappe.as_json(frappe.get_doc("Flow Request", self.names["R1"]).request_values)
				)
				rows[0]["value"] = "X"
				response = self.sessions[user].put("Flow Request", self.names["R1"], {"request_values": rows})
				self.assertTrue(400 <= response.status_code < 500, response.status_code)
			with self.subTest(user=user, door="DELETE the child row"):
				response = self.sessions[user]._send("delete", f"/api/resource/Flow Request Value/{row.name}")
				self.assertTrue(400 <= response.status_code < 500, response.status_code)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Flow Request Value", row.name, "value"), row.value)

	def test_malformed_values_for_the_editable_fields_are_refused(self):
		before = {
			"follow_up_on": frappe.db.get_value("Flow Task", self.names["T1"], "follow_up_on"),
			"subject": frappe.db.get_value("Flow Request", self.names["R1"], "subject"),
		}
		bad_text = (["x"], {"a": 1}, 12345, "x" * 1_000_000, "a\x00b")
		bad_date = ("not a date", "2031-13-45 99:99:99", *bad_text)
		for doctype, name, field, user, hostile in (
			("Flow Task", self.names["T1"], "follow_up_on", A, bad_date),
			("Flow Request", self.names["R1"], "follow_up_on", MANAGER, bad_date),
			("Flow Request", self.names["R1"], "subject", MANAGER, bad_text),
		):
			for value in hostile:
				with self.subTest(field=field, value=repr(value)[:30]):
					response = self.sessions[user].put(doctype, name, {field: value})
					said = messages(response)
					self.assertTrue(400 <= response.status_code < 500, (response.status_code, said[-300:]))
					self.assertTrue(field in said, said[-300:])
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.get_value("Flow Task", self.names["T1"], "follow_up_on"), before["follow_up_on"]
		)
		frappe.db.set_value(
			"Flow Request", self.names["R1"], "subject", before["subject"], update_modified=False
		)
		frappe.db.commit()

	def test_the_refusal_names_the_field(self):
		response = self.sessions[A].put("Flow Task", self.names["T1"], {"claimed_by": A})
		self.assertEqual(response.status_code, 403)
		self.assertIn("claimed_by", messages(response))
		self.assertIn("changes only through its actions", messages(response))

	def test_a_handoff_cannot_be_pointed_at_its_sender(self):
		response = self.sessions[A].put("Flow Handoff", self.names["H2"], {"to_team": TEAM_A})
		self.assertEqual(response.status_code, 403)
		self.assertIn("to_team", messages(response))
		response = self.sessions[A].call(
			"everstep_flow.api.handoff.accept_handoff", {"handoff": self.names["H2"]}
		)
		self.assertEqual(response.status_code, 403)

	def test_a_requester_who_is_an_agent_cannot_move_another_teams_task_on_their_request(self):
		response = self.sessions[RA].call("everstep_flow.api.task.claim", {"task": self.names["T1"]})
		self.assertEqual(response.status_code, 403)
		response = self.sessions[RA].put(
			"Flow Task", self.names["T1"], {"follow_up_on": "2031-01-02 10:00:00"}
		)
		self.assertEqual(response.status_code, 403)

	def test_nobody_creates_tasks_or_handoffs_by_hand(self):
		before = counts()
		for user in (MANAGER, SYSMAN, A):
			for doctype, doc in (
				("Flow Task", {"request": self.names["R1"], "team": TEAM_A, "title": "sneaky"}),
				("Flow Handoff", {"request": self.names["R1"], "from_team": TEAM_A, "to_team": TEAM_B}),
				("Flow Event", {"request": self.names["R1"], "event_type": "claimed", "at": "2031-01-01"}),
			):
				with self.subTest(user=user, doctype=doctype):
					response = self.sessions[user]._send("post", f"/api/resource/{doctype}", json=doc)
					self.assertTrue(400 <= response.status_code < 500, response.status_code)
		self.assertEqual(counts(), before)


# ---------------------------------------------------------------------------------------------- escaping

PAYLOADS = (
	"<img src=x onerror=alert(1)//",
	"<svg onload=alert(1)//",
	"<script>alert(1)</script>",
	'"><img src=x onerror=alert(1)>',
)
RAW = ("<img", "<svg onload", "<script>alert")


class TestEverythingUsersWroteIsEscaped(HardeningCase):
	def test_portal_pages_with_hostile_text_in_every_field(self):
		from everstep_flow.api import portal

		frappe.set_user(PORTAL)
		payload = " ".join(PAYLOADS)
		request = portal.submit(SERVICE, {"company": payload, "notes": payload}, subject=payload)["name"]
		self.made.append(request)
		portal.reply(request, payload)
		frappe.set_user(MANAGER)
		from everstep_flow.api import request as request_api

		request_api.comment(request, payload, is_internal=False)
		task = frappe.db.get_value("Flow Task", {"request": request}, "name")
		frappe.set_user(A)
		task_api.claim(task)
		task_api.start(task)
		task_api.block(task, payload)
		frappe.set_user("Administrator")
		for path in ("/flow", f"/flow/new/{SERVICE}", "/flow/requests", f"/flow/requests/{request}"):
			with self.subTest(path=path):
				html = self.page(path, PORTAL)
				for raw in RAW:
					self.assertNotIn(raw, html)
				if path.endswith(request):
					self.assertIn("img src=x onerror=alert(1)//", html)  # what was typed, as text

	def page(self, path: str, user: str) -> str:
		from frappe.utils import set_request
		from frappe.website.serve import get_response

		frappe.set_user(user)
		set_request(method="GET", path=path)
		try:
			return get_response(path).get_data(as_text=True)
		finally:
			frappe.set_user("Administrator")

	def test_desk_renderers_get_escaped_or_plain_data(self):
		"""The process map is drawn on the server (escaped SVG); the tracker, history and team load are plain data
		that the desk scripts pass through everstep_flow.esc (frappe.utils.escape_html) before use."""
		from everstep_flow.base.catalog import definition_from_doc
		from everstep_flow.engine import render_svg

		service = frappe.get_doc("Flow Service", SERVICE)
		service.steps[0].title = PAYLOADS[0]
		svg = render_svg(definition_from_doc(service))
		for raw in RAW:
			self.assertNotIn(raw, svg)
		frappe.set_user(MANAGER)
		from everstep_flow.api import request as request_api

		request_api.comment(self.names["R1"], PAYLOADS[1], is_internal=False)
		event = request_api.timeline(self.names["R1"])[-1]
		self.assertIsInstance(event.details, dict)  # one shape on both databases
		# Stored as text (its markup removed), and escaped again wherever it is shown.
		self.assertEqual(event.details["text"], "svg onload=alert(1)//")
		comment = frappe.get_all(
			"Comment", filters={"reference_name": self.names["R1"]}, pluck="content", order_by="creation desc"
		)[0]
		self.assertNotIn("<svg", comment)


# ---------------------------------------------------------------------------------------------- uninstall


class TestUninstallCleansUp(HardeningCase):
	def test_before_uninstall_removes_what_the_app_made_outside_its_tables(self):
		from everstep_flow.install import ROLES, before_uninstall

		frappe.db.savepoint("uninstall")
		try:
			# A used site has files on its requests; deleting one comments on the request ("Attachment
			# Removed"), after the comments were purged (issue 18, item 12).
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "rd-uninstall.txt",
					"content": b"x",
					"attached_to_doctype": "Flow Request",
					"attached_to_name": self.names["R1"],
					"is_private": 1,
				}
			).insert(ignore_permissions=True)
			before_uninstall()
			for role in ROLES:
				self.assertFalse(frappe.db.exists("Role", role))
				self.assertFalse(frappe.db.exists("Has Role", {"role": role}))
			self.assertFalse(frappe.db.exists("Scheduled Job Type", {"method": ("like", "everstep_flow.%")}))
			self.assertFalse(frappe.db.exists("Comment", {"reference_doctype": "Flow Request"}))
		finally:
			frappe.db.rollback(save_point="uninstall")
			frappe.clear_cache()
		self.assertTrue(frappe.db.exists("Role", "Flow Agent"))


# ---------------------------------------------------------------------------------------------- concurrency

A2 = "hd.agent.a2@example.com"


class TestConcurrentLoad(HardeningCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(A2)
		update_password(A2, PASSWORD)
		team = frappe.get_doc("Flow Team", TEAM_A)
		if A2 not in {m.user for m in team.members}:
			team.append("members", {"user": A2})
			team.save()
		frappe.db.commit()

	def race(self, calls: list[tuple[Session, str, dict]]) -> list:
		"""Start every call at the same moment, each on its own connection; the responses in call order."""
		barrier = threading.Barrier(len(calls))
		results: list = [None] * len(calls)

		def go(i: int, session: Session, method: str, data: dict):
			barrier.wait(timeout=60)
			results[i] = session.call(method, data)

		threads = [threading.Thread(target=go, args=(i, *call)) for i, call in enumerate(calls)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=300)
		return results

	def test_twenty_parallel_intakes_all_succeed(self):
		sessions = [Session(MANAGER) for _ in range(20)]
		calls = [
			(
				s,
				"everstep_flow.api.request.submit_request",
				{"service": SERVICE, "values": {"company": f"C{i}"}},
			)
			for i, s in enumerate(sessions)
		]
		responses = self.race(calls)
		names = [r.json.get("message", {}).get("name") for r in responses if r.status_code == 200]
		self.made.extend(names)
		self.assertEqual(
			[r.status_code for r in responses], [200] * 20, [messages(r)[-300:] for r in responses]
		)
		self.assertEqual(len(set(names)), 20)
		frappe.db.rollback()
		for name in names:
			self.assertEqual(frappe.db.count("Flow Task", {"request": name}), 1)
			self.assertEqual(frappe.db.count("Flow Event", {"request": name, "event_type": "created"}), 2)

	def test_racing_claims_have_one_winner_and_tell_the_others_who(self):
		frappe.set_user(MANAGER)
		request = submit_request(SERVICE, {"company": "Race"}).name
		frappe.set_user("Administrator")
		self.made.append(request)
		task = frappe.db.get_value("Flow Task", {"request": request}, "name")
		frappe.db.commit()
		claim = "everstep_flow.api.task.claim"  # what the desk's Claim button calls too
		calls = [(Session(user), claim, {"task": task}) for user in (A, A2, A, A2)]
		responses = self.race(calls)
		codes = [r.status_code for r in responses]
		self.assertEqual(codes.count(200), 1, [messages(r)[-300:] for r in responses])
		frappe.db.rollback()
		winner = frappe.db.get_value("Flow Task", task, "claimed_by")
		for response in responses:
			if response.status_code != 200:
				self.assertEqual(response.status_code, 417)
				self.assertIn(
					f"already claimed by {winner}",
					messages(response).replace("<strong>", "").replace("</strong>", ""),
				)
		self.assertEqual(frappe.db.count("Flow Event", {"task": task, "event_type": "claimed"}), 1)


# ---------------------------------------------------------------------------------------------- the desk's buttons


class TestDeskButtons(HardeningCase):
	def moves(self, user: str, doctype: str, name: str) -> list[str]:
		frappe.set_user(user)
		try:
			doc = frappe.get_doc(doctype, name)
			doc.run_method("onload")
			return doc.get_onload().moves
		finally:
			frappe.set_user("Administrator")

	def test_buttons_are_the_moves_the_gate_allows(self):
		self.assertEqual(self.moves(A, "Flow Task", self.names["T1"]), ["Claim"])
		self.assertEqual(self.moves(B, "Flow Task", self.names["T1"]), [])
		self.assertEqual(self.moves(RA, "Flow Task", self.names["T1"]), [])  # the requester, of another team
		self.assertEqual(self.moves(MANAGER, "Flow Task", self.names["T1"]), ["Claim", "Cancel"])
		self.assertEqual(self.moves(B, "Flow Task", self.names["T2b"]), [])  # its handoff waits
		frappe.set_user(B)
		task = frappe.get_doc("Flow Task", self.names["T2b"])
		task.run_method("onload")
		self.assertEqual(task.get_onload().handoff_moves, ["Accept", "Return"])
		frappe.set_user("Administrator")
		self.assertEqual(self.moves(B, "Flow Handoff", self.names["H2"]), ["Accept", "Return"])
		self.assertEqual(self.moves(A, "Flow Handoff", self.names["H2"]), [])  # the sender

	def test_no_frappe_workflow_and_no_workflow_action_rows(self):
		self.assertFalse(
			frappe.db.exists("Workflow", {"document_type": ("in", ("Flow Task", "Flow Handoff"))})
		)
		self.assertFalse(
			frappe.db.exists("Workflow Action", {"reference_doctype": ("in", ("Flow Task", "Flow Handoff"))})
		)

	def test_a_state_change_by_saving_is_refused(self):
		frappe.set_user(A)
		task = frappe.get_doc("Flow Task", self.names["T1"])
		task.status = "Claimed"
		with self.assertRaisesRegex(frappe.PermissionError, "changes only through its actions"):
			task.save()
