"""Reads reveal nothing their reader could not open directly (issue 18), as tables over real HTTP.

read door x role x hidden datum: the door neither returns the datum nor confirms it. "Returns": the secret text is
not in the response. "Confirms": a door asked with the secret answers exactly as when asked with a text that
matches nothing (same status, same rows, same counts). Positive controls show that each probe does find the datum
for someone allowed to read it, so that silence elsewhere means something.

Fixture (committed, so the HTTP calls on their own connections see it; removed afterwards). Secrets carry a fresh
suffix each run, so leftovers of an earlier run on a used site never match.
  teams RD A (agent a), RD B (agent b), RD C (agent c, agent ra); service RD Service: a1 (RD A, output amount,
  not public) -> b1 (RD B); RD C Service: c1 (RD C)
  R1 requester ra (an agent of RD C); a1 done by RD A with the amount, handed to RD B; internal note of A; intake
     value notes
  R2 requester portal; a1 done with the amount, handed to RD B; internal note of A; intake value notes
  R3 requester manager, worked by RD A only, a secret subject
  R4 requester portal2 (another client), worked by RD C only, a secret subject
"""

from __future__ import annotations

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime
from frappe.utils.password import update_password

from everstep_flow.api import request as request_api
from everstep_flow.api import task as task_api
from everstep_flow.engine.seams import Client
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests import doors
from everstep_flow.tests.http_client import PASSWORD, Session
from everstep_flow.tests.utils import make_team, make_user, new_service, purge_requests, step_row

MANAGER, A, B, C, RA = (
	"rd.manager@example.com",
	"rd.agent.a@example.com",
	"rd.agent.b@example.com",
	"rd.agent.c@example.com",
	"rd.agent.ra@example.com",
)
PORTAL, PORTAL2, GUEST = "rd.portal@example.com", "rd.portal2@example.com", "Guest"
ROLES = {
	"requester": PORTAL,
	"portal user of another client": PORTAL2,
	"agent of the team": A,
	"agent of another team": C,
	"agent who is also a requester": RA,
	"Flow Manager": MANAGER,
	"guest": GUEST,
}
TEAM_A, TEAM_B, TEAM_C = "RD A", "RD B", "RD C"
SERVICE, C_SERVICE = "RD Service", "RD C Service"
FIELDS = [
	{"fieldname": "company", "label": "Company", "fieldtype": "Data", "required": 1},
	{"fieldname": "notes", "label": "Notes", "fieldtype": "Long Text"},
	{"fieldname": "amount", "label": "Amount", "fieldtype": "Data", "at_intake": 0},
]
NOTHING = "rdnomatch"
# The app's saved charts by the doctype they count (a chart is asked by name, with the user's filters)
CHARTS = {
	"Flow Request": ("Requests Created",),
	"Flow Task": ("Open Tasks by Team",),
}  # the control: a text nothing holds


class TestReadsRevealNothing(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		suffix = frappe.generate_hash(length=8).lower()
		cls.secret = {
			key: f"rdx{key.replace('_', '')}{suffix}"
			for key in (
				"note_r1",
				"note_r2",
				"output_r1",
				"output_r2",
				"value_r1",
				"value_r2",
				"subject_r3",
				"subject_r4",
			)
		}
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		for agent in (A, B, C, RA):
			make_user(agent)
		make_user(PORTAL, ())
		make_user(PORTAL2, ())
		for user in (MANAGER, A, B, C, RA, PORTAL, PORTAL2):
			update_password(user, PASSWORD)
		make_team(TEAM_A, A)
		make_team(TEAM_B, B)
		make_team(TEAM_C, C, RA)
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(
				SERVICE,
				[step_row("a1", TEAM_A, required_outputs="amount"), step_row("b1", TEAM_B, "a1")],
				FIELDS,
				is_published=1,
				duplicates="Always new",
			).insert()
		if not frappe.db.exists("Flow Service", C_SERVICE):
			new_service(
				C_SERVICE, [step_row("c1", TEAM_C)], FIELDS[:2], is_published=1, duplicates="Always new"
			).insert()
		cls.clients = {user: cls._contact(user) for user in (PORTAL, PORTAL2)}
		s = cls.secret
		frappe.set_user(MANAGER)
		r = cls.requests = {}
		r["R1"] = submit_request(SERVICE, {"company": "One", "notes": s["value_r1"]}, requester=RA).name
		r["R2"] = submit_request(
			SERVICE,
			{"company": "Two", "notes": s["value_r2"]},
			requester=PORTAL,
			client=cls.clients[PORTAL],
		).name
		r["R3"] = submit_request(
			SERVICE, {"company": "Three"}, subject=s["subject_r3"], requester=MANAGER
		).name
		r["R4"] = submit_request(
			C_SERVICE,
			{"company": "Four"},
			subject=s["subject_r4"],
			requester=PORTAL2,
			client=cls.clients[PORTAL2],
		).name
		frappe.set_user(A)
		request_api.comment(r["R1"], s["note_r1"], is_internal=True)
		request_api.comment(r["R2"], s["note_r2"], is_internal=True)
		t1a = frappe.db.get_value("Flow Task", {"request": r["R1"], "step_key": "a1"}, "name")
		task_api.claim(t1a)
		task_api.start(t1a)
		task_api.complete(t1a, outputs={"amount": s["output_r1"]}, note="for B")
		t2a = frappe.db.get_value("Flow Task", {"request": r["R2"], "step_key": "a1"}, "name")
		task_api.claim(t2a)
		task_api.start(t2a)
		task_api.complete(t2a, outputs={"amount": s["output_r2"]}, note="for B")
		frappe.set_user("Administrator")
		cls.t2a = t2a
		cls.tasks = {
			key: frappe.get_all("Flow Task", {"request": name}, pluck="name") for key, name in r.items()
		}
		frappe.db.commit()
		cls.sessions = {role: Session(user) for role, user in ROLES.items()}
		# Who must learn nothing of each datum (the others may read it)
		staff_only = {
			"requester",
			"portal user of another client",
			"agent of another team",
			"agent who is also a requester",
			"guest",
		}
		cls.hidden_from = {
			**dict.fromkeys(
				("note_r1", "note_r2", "output_r2", "output_r1", "value_r1", "value_r2", "subject_r3"),
				staff_only,
			),
			"subject_r4": {"requester", "agent of the team", "guest"},
		}
		cls.request_of = {
			"note_r1": "R1",
			"note_r2": "R2",
			"output_r2": "R2",
			"output_r1": "R1",
			"value_r1": "R1",
			"value_r2": "R2",
			"subject_r3": "R3",
			"subject_r4": "R4",
		}

	@classmethod
	def _contact(cls, user: str) -> Client:
		name = frappe.db.get_value("Contact", {"user": user}, "name")
		if not name:
			contact = frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": user.split("@")[0],
					"user": user,
					"email_ids": [{"email_id": user, "is_primary": 1}],
				}
			).insert(ignore_permissions=True)
			name = contact.name
		return Client("Contact", name, name, unknown=False)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		purge_requests(*cls.requests.values())
		super().tearDownClass()

	# ------------------------------------------------------------------------------------------- the probes

	def filter_probes(self) -> dict[str, callable]:
		"""Doors that take a text to look for: each returns what an attacker observes (rows, counts, status)."""

		def call(method, **data):
			return lambda session, text: _observe(session.call(method, _fill(data, text)))

		def resource(doctype, filters):
			return lambda session, text: _observe(
				session.get(
					f"/api/resource/{doctype}",
					filters=json.dumps(_fill(filters, text)),
					limit_page_length="500",
				)
			)

		where = {
			"request value": ("Flow Request", [["Flow Request Value", "value", "like", "%{t}%"]]),
			"request subject": ("Flow Request", [["subject", "like", "%{t}%"]]),
			"task outputs": ("Flow Task", [["outputs", "like", "%{t}%"]]),
			"handoff outputs": ("Flow Handoff", [["outputs", "like", "%{t}%"]]),
			"event details": ("Flow Event", [["details", "like", "%{t}%"]]),
		}
		probes = {"everstep_flow.api.search.requests": call("everstep_flow.api.search.requests", text="{t}")}
		for label, (doctype, filters) in where.items():
			probes[f"frappe.client.get_list / {label}"] = call(
				"frappe.client.get_list", doctype=doctype, filters=filters, limit_page_length=500
			)
			probes[f"frappe.client.get_count / {label}"] = call(
				"frappe.client.get_count", doctype=doctype, filters=filters
			)
			probes[f"frappe.client.get / {label}"] = call(
				"frappe.client.get", doctype=doctype, filters=filters
			)
			probes[f"frappe.client.get_value / {label}"] = call(
				"frappe.client.get_value", doctype=doctype, fieldname="name", filters=filters
			)
			probes[f"frappe.desk.reportview.get / {label}"] = call(
				"frappe.desk.reportview.get", doctype=doctype, fields=["name"], filters=filters
			)
			probes[f"frappe.desk.reportview.get_count / {label}"] = call(
				"frappe.desk.reportview.get_count", doctype=doctype, filters=filters
			)
			for field in ("status", "assigned_to", "owner"):
				probes[f"frappe.desk.listview.get_group_by_count {field} / {label}"] = call(
					"frappe.desk.listview.get_group_by_count",
					doctype=doctype,
					current_filters=filters,
					field=field,
				)
			probes[f"/api/resource (list) / {label}"] = resource(doctype, filters)
			probes[f"frappe.desk.doctype.number_card.number_card.get_result / {label}"] = call(
				"frappe.desk.doctype.number_card.number_card.get_result",
				doc={"document_type": doctype, "function": "Count"},
				filters=filters,
			)
			for chart in CHARTS.get(doctype, ()):
				probes[f"everstep_flow.visibility.read_doors.get_chart {chart} / {label}"] = call(
					"frappe.desk.doctype.dashboard_chart.dashboard_chart.get",
					chart_name=chart,
					filters=filters,
				)
		probes["frappe.client.get_list / child table"] = call(
			"frappe.client.get_list",
			doctype="Flow Request Value",
			parent="Flow Request",
			fields=["parent"],
			filters=[["value", "like", "%{t}%"]],
		)
		probes["frappe.client.get_count / child table"] = call(
			"frappe.client.get_count", doctype="Flow Request Value", filters=[["value", "like", "%{t}%"]]
		)
		probes["frappe.desk.search.search_link"] = call(
			"frappe.desk.search.search_link", doctype="Flow Request", txt="{t}"
		)
		probes["everstep_flow.api.orphans.leak_count"] = call(
			"everstep_flow.api.orphans.leak_count", filters={"subject": "{t}"}
		)
		return probes

	def content_probes(self, key: str) -> dict[str, callable]:
		"""Doors that show data: what an attacker reads there (the body of the response)."""
		request = self.requests[self.request_of[key]]
		task = self.tasks[self.request_of[key]][0]
		client = self.clients[PORTAL2 if key == "subject_r4" else PORTAL]

		def call(method, **data):
			return lambda session: _body(session.call(method, data))

		def listing(doctype, *fields):
			return call("frappe.client.get_list", doctype=doctype, fields=list(fields), limit_page_length=500)

		probes = {
			"everstep_flow.api.search.requests (all)": call("everstep_flow.api.search.requests", limit=100),
			"everstep_flow.api.request.timeline": call("everstep_flow.api.request.timeline", request=request),
			"everstep_flow.api.request.progress": call("everstep_flow.api.request.progress", request=request),
			"everstep_flow.api.request.intake_form": call(
				"everstep_flow.api.request.intake_form", service=SERVICE
			),
			"everstep_flow.api.task.view": call("everstep_flow.api.task.view", task=task),
			"everstep_flow.api.task.my_teams": call("everstep_flow.api.task.my_teams"),
			"everstep_flow.api.follow_up.mine": call("everstep_flow.api.follow_up.mine"),
			"everstep_flow.api.orphans.check_orphans": call("everstep_flow.api.orphans.check_orphans"),
			"everstep_flow.api.client.timeline": call(
				"everstep_flow.api.client.timeline", customer_type="Contact", customer=client.customer
			),
			"everstep_flow.visibility.read_doors.get_open_count": call(
				"frappe.desk.notifications.get_open_count", doctype="Contact", name=client.customer
			),
			"everstep_flow.visibility.read_doors.getdoc": call(
				"frappe.desk.form.load.getdoc", doctype="Flow Request", name=request
			),
			"everstep_flow.visibility.read_doors.get_docinfo": call(
				"frappe.desk.form.load.get_docinfo", doctype="Flow Request", name=request
			),
			"everstep_flow.visibility.read_doors.get_communications": call(
				"frappe.desk.form.load.get_communications", doctype="Flow Request", name=request
			),
			"everstep_flow.visibility.read_doors.get": call(
				"frappe.client.get", doctype="Flow Request", name=request
			),
			"frappe.client.get (task)": call("frappe.client.get", doctype="Flow Task", name=task),
			"/api/resource (document)": lambda session: _body(
				session.get(f"/api/resource/Flow Request/{request}")
			),
			"/api/resource (task)": lambda session: _body(session.get(f"/api/resource/Flow Task/{task}")),
			"frappe.client.get_list (fields)": listing("Flow Task", "name", "outputs", "title"),
			"frappe.client.get_list (all fields)": listing("Flow Task", "*"),
			"/api/resource (all fields)": lambda session: _body(
				session.get("/api/resource/Flow Task", fields='["*"]', limit_page_length="500")
			),
			"frappe.client.get_list (events)": listing("Flow Event", "name", "details"),
			"frappe.client.get_list (handoffs)": listing("Flow Handoff", "name", "outputs", "note"),
			"frappe.client.get_list (requests)": listing("Flow Request", "name", "subject"),
			"frappe.client.get_list (link field)": listing("Flow Task", "name", "request.subject"),
			"frappe.desk.reportview.get (child column)": call(
				"frappe.desk.reportview.get",
				doctype="Flow Request",
				fields=["`tabFlow Request`.`name`", "`tabFlow Request Value`.`value`"],
			),
			"everstep_flow.visibility.read_doors.get_group_by_count (outputs)": call(
				"frappe.desk.listview.get_group_by_count",
				doctype="Flow Task",
				current_filters="[]",
				field="outputs",
			),
			"everstep_flow.visibility.read_doors.get_group_by_count (subject)": call(
				"frappe.desk.listview.get_group_by_count",
				doctype="Flow Request",
				current_filters="[]",
				field="subject",
			),
			"everstep_flow.visibility.read_doors.get_count": call(
				"frappe.client.get_count", doctype="Flow Request"
			),
			"portal /flow/requests": lambda session: _body(session.get("/flow/requests")),
			"portal /flow/requests/<name>": lambda session: _body(session.get(f"/flow/requests/{request}")),
			"portal /flow/timeline": lambda session: _body(session.get("/flow/timeline")),
			"portal /flow": lambda session: _body(session.get("/flow")),
			"portal /flow/new": lambda session: _body(session.get(f"/flow/new/{SERVICE}")),
		}
		for report in sorted(doors.REPORTS):
			probes[f"report {report}"] = call(
				"frappe.desk.query_report.run", report_name=report, filters={}, ignore_prepared_report=1
			)
		return probes

	# ------------------------------------------------------------------------------------------- the tables

	def test_the_tables_probe_every_read_door(self):
		"""New read doors join the tables by construction (everstep_flow/tests/doors.py)."""
		probed = set(self.content_probes("note_r2")) | set(self.filter_probes())

		def unprobed(names) -> set[str]:
			return {d for d in names if not any(p == d or p.startswith(d + " ") for p in probed)}

		self.assertEqual(unprobed(m for m, kind in doors.METHODS.items() if kind == doors.READ), set())
		self.assertEqual(unprobed(f"report {r}" for r in doors.REPORTS), set())
		self.assertEqual(unprobed(doors.FRAPPE_READS), set())

	def test_no_door_confirms_a_hidden_datum(self):
		probes = self.filter_probes()
		control = {
			(role, door): probe(self.sessions[role], NOTHING)
			for role in ROLES
			for door, probe in probes.items()
		}
		for (role, door), (status, _seen) in control.items():
			with self.subTest(role=role, door=door):
				self.assertLess(
					status, 500
				)  # a refusal is a 4xx (PostgreSQL's json, a bad field...), never a crash
		for key, secret in self.secret.items():
			for role in self.hidden_from[key]:
				for door, probe in probes.items():
					with self.subTest(datum=key, role=role, door=door):
						seen = probe(self.sessions[role], secret)
						if seen != control[(role, door)]:
							# the control again: the site's day may have turned since (a chart's date labels move)
							control[(role, door)] = probe(self.sessions[role], NOTHING)
						self.assertEqual(seen, control[(role, door)])

	def test_no_door_returns_a_hidden_datum(self):
		for key, secret in self.secret.items():
			for door, probe in self.content_probes(key).items():
				for role in self.hidden_from[key]:
					with self.subTest(datum=key, role=role, door=door):
						status, body = probe(self.sessions[role])
						self.assertLess(status, 500, body[-500:])  # a refusal is a 4xx, never a crash
						self.assertNotIn(secret, body)

	def test_is_set_on_a_date_answers_on_both_databases(self):
		"""Frappe says "is set" on a date as `col != ''`, which PostgreSQL refused with a 500 (reads.fit_time_columns);
		and the ledger's level-1 dates (last customer contact, wait start) confirm nothing to a requester."""
		frappe.db.set_value(
			"Flow Request",
			self.requests["R2"],
			"last_customer_contact",
			now_datetime(),
			update_modified=False,
		)
		frappe.db.commit()
		fields = {
			"Flow Request": ("due_on", "last_customer_contact", "creation"),
			"Flow Task": ("due_on", "customer_wait_since"),
		}
		for role in ("requester", "agent of the team", "Flow Manager"):
			for doctype, names in fields.items():
				for field in names:
					for value in ("set", "not set"):
						with self.subTest(role=role, doctype=doctype, field=field, value=value):
							status, body = _observe(
								self.sessions[role].get(
									f"/api/resource/{doctype}", filters=json.dumps([[field, "is", value]])
								)
							)
							self.assertEqual(status, 200, body)
		status, body = _observe(
			self.sessions["requester"].get(
				"/api/resource/Flow Request", filters=json.dumps([["last_customer_contact", "is", "set"]])
			)
		)
		self.assertEqual(json.loads(body), [])
		status, body = _observe(
			self.sessions["Flow Manager"].get(
				"/api/resource/Flow Request", filters=json.dumps([["last_customer_contact", "is", "set"]])
			)
		)
		self.assertIn(self.requests["R2"], body)  # the requester's own request

	def test_a_chart_is_computed_for_its_reader_not_for_whoever_loaded_it_first(self):
		"""Frappe caches a chart under its name alone: the Flow Manager's figures (every team) were everyone's."""

		def total(role: str) -> int:
			response = self.sessions[role].call(
				"frappe.desk.doctype.dashboard_chart.dashboard_chart.get",
				{"chart_name": "Open Tasks by Team", "refresh": 1 if role == "Flow Manager" else 0},
			)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[-300:])
			data = json.loads(response.get_data(as_text=True))["message"]
			return dict(zip(data["labels"], data["datasets"][0]["values"], strict=False))

		everyone = total("Flow Manager")
		self.assertIn(TEAM_C, everyone)
		self.assertNotIn(TEAM_C, total("agent of the team"))
		self.assertNotIn(TEAM_A, total("agent of another team"))

	def test_positive_controls_the_probes_do_find_what_may_be_read(self):
		"""Without these, a probe that never finds anything would pass every row above."""
		search = self.filter_probes()["everstep_flow.api.search.requests"]
		for key, role in (
			("note_r2", "agent of the team"),
			("value_r2", "agent of the team"),
			("output_r2", "agent of the team"),
			("subject_r3", "agent of the team"),
			("subject_r4", "agent of another team"),
			("note_r1", "Flow Manager"),
		):
			with self.subTest(datum=key, role=role):
				self.assertIn(
					self.requests[self.request_of[key]], str(search(self.sessions[role], self.secret[key]))
				)
		counted = self.filter_probes()["frappe.client.get_count / request value"]
		self.assertEqual(counted(self.sessions["agent of the team"], self.secret["value_r2"]), (200, "1"))
		outputs = self.filter_probes()["frappe.client.get_list / task outputs"]
		self.assertIn(self.t2a, str(outputs(self.sessions["agent of the team"], self.secret["output_r2"])))
		own = self.content_probes("subject_r4")["portal /flow/requests"]
		self.assertIn(self.secret["subject_r4"], own(self.sessions["portal user of another client"])[1])


def _fill(value, text: str):
	if isinstance(value, str):
		return value.replace("{t}", text)
	if isinstance(value, list):
		return [_fill(v, text) for v in value]
	if isinstance(value, dict):
		return {k: _fill(v, text) for k, v in value.items()}
	return value


def _observe(response) -> tuple:
	"""What a caller learns: the status and the data (never the message text, which names what was asked)."""
	try:
		data = json.loads(response.get_data(as_text=True))
	except ValueError:
		return (response.status_code, None)
	payload = data.get("message", data.get("data"))
	return (
		response.status_code,
		json.dumps(payload, sort_keys=True, default=str) if payload is not None else None,
	)


def _body(response) -> tuple[int, str]:
	return response.status_code, response.get_data(as_text=True)
