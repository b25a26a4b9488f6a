"""The permission model as a table: who sees and moves what, through every door (Python API, /api/resource, methods).

Fixture (committed, because the /api/resource calls run the real WSGI app on another connection; removed after):
  teams PM A (agent.a, agent.ab) and PM B (agent.b, agent.ab); service "PM Service": a1 (team A) -> b1 (team B)
  R1  requester = desk requester   tasks: T1 (A, queued)
  R2  requester = portal user 1    tasks: T2a (A, done), T2b (B, awaiting handoff H2 A->B); an internal note
  R3  requester = portal user 2    tasks: T3 (A, queued)
"""

from __future__ import annotations

import json

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client
from frappe.utils.password import update_password

from everstep_flow.api import handoff as handoff_api
from everstep_flow.api import orphans as orphans_api
from everstep_flow.api import request as request_api
from everstep_flow.api import task as task_api
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, purge_requests, step_row

PASSWORD = "Pm-matrix-2026!"
MANAGER, A, B, AB = (
	"pm.manager@example.com",
	"pm.agent.a@example.com",
	"pm.agent.b@example.com",
	"pm.agent.ab@example.com",
)
REQUESTER, PORTAL1, PORTAL2, GUEST = (
	"pm.requester@example.com",
	"pm.portal1@example.com",
	"pm.portal2@example.com",
	"Guest",
)
USERS = (MANAGER, A, B, AB, REQUESTER, PORTAL1, PORTAL2, GUEST)
TEAM_A, TEAM_B, SERVICE = "PM A", "PM B", "PM Service"
DENIED = "denied"

# --- what each user sees in lists (frappe.get_list, report view, /api/resource) -------------------------------
# Values are fixture labels; DENIED means no read permission on the doctype at all.
VISIBLE = {
	"Flow Request": {
		MANAGER: {"R1", "R2", "R3"},
		A: {"R1", "R2", "R3"},
		B: {"R2"},
		AB: {"R1", "R2", "R3"},
		REQUESTER: {"R1"},
		PORTAL1: {"R2"},
		PORTAL2: {"R3"},
		GUEST: DENIED,
	},
	"Flow Task": {
		MANAGER: {"T1", "T2a", "T2b", "T3"},
		A: {"T1", "T2a", "T3"},
		B: {"T2b"},
		AB: {"T1", "T2a", "T2b", "T3"},
		REQUESTER: {"T1"},
		PORTAL1: {"T2a", "T2b"},
		PORTAL2: {"T3"},
		GUEST: DENIED,
	},
	"Flow Handoff": {
		MANAGER: {"H2"},
		A: {"H2"},
		B: {"H2"},
		AB: {"H2"},
		REQUESTER: DENIED,
		PORTAL1: DENIED,
		PORTAL2: DENIED,
		GUEST: DENIED,
	},
	# Events are listed by the request they belong to; "R2 note" is the internal note on R2.
	"Flow Event": {
		MANAGER: {"R1", "R2", "R2 note", "R3"},
		A: {"R1", "R2", "R2 note", "R3"},
		B: {"R2", "R2 note"},
		AB: {"R1", "R2", "R2 note", "R3"},
		REQUESTER: {"R1"},
		PORTAL1: {"R2"},
		PORTAL2: {"R3"},
		GUEST: DENIED,
	},
}

# --- who may write (save) and delete which document ----------------------------------------------------------
WRITE = {
	"T1": {MANAGER, A, AB},
	"T2b": {MANAGER, B, AB},
	"H2": {MANAGER, A, B, AB},  # row access; accepting it also needs membership of the receiving team (below)
	"R1": {MANAGER, A, AB},  # staff on the request, for its follow-up date (nothing else is editable)
}
DELETE = {"T1": set(), "R1": set(), "H2": set(), "E1": set()}  # nothing is lost: cancel, never delete

# --- whitelisted methods: ok / denied (PermissionError) ------------------------------------------------------
ALL_LOGGED_IN = {MANAGER, A, B, AB, REQUESTER, PORTAL1, PORTAL2}
METHODS = {
	"submit_request": ALL_LOGGED_IN,
	"my_teams": ALL_LOGGED_IN,
	"claim T1": {MANAGER, A, AB},
	"accept H2": {MANAGER, B, AB},
	"return H2": {MANAGER, B, AB},
	"timeline R2": {MANAGER, A, B, AB, PORTAL1},
	"progress R3": {MANAGER, A, AB, PORTAL2},
	"comment R1": {MANAGER, A, AB, REQUESTER},
	"cancel_request R1": {MANAGER, REQUESTER},
	"check_orphans": {MANAGER},
}


class TestPermissionMatrix(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Role", "PM Desk Requester"):
			frappe.get_doc({"doctype": "Role", "role_name": "PM Desk Requester", "desk_access": 1}).insert()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		for user in (A, B, AB):
			make_user(user)
		make_user(REQUESTER, ("PM Desk Requester",))
		make_user(PORTAL1, ())
		make_user(PORTAL2, ())
		for user in USERS[:-1]:
			update_password(user, PASSWORD)
		make_team(TEAM_A, A, AB)
		make_team(TEAM_B, B, AB)
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(SERVICE, [step_row("a1", TEAM_A), step_row("b1", TEAM_B, "a1")]).insert()

		cls.names: dict[str, str] = {}
		for label, requester in (("R1", REQUESTER), ("R2", PORTAL1), ("R3", PORTAL2)):
			frappe.set_user(MANAGER)
			cls.names[label] = submit_request(SERVICE, {}, requester=requester).name
		frappe.set_user(A)
		t2a = frappe.db.get_value("Flow Task", {"request": cls.names["R2"]}, "name")
		task_api.claim(t2a)
		task_api.start(t2a)
		task_api.complete(t2a)
		frappe.set_user(MANAGER)
		request_api.comment(cls.names["R2"], "Internal: check the credit limit", is_internal=True)
		frappe.set_user("Administrator")

		def task(label, step):
			return frappe.db.get_value("Flow Task", {"request": cls.names[label], "step_key": step}, "name")

		cls.names.update(T1=task("R1", "a1"), T2a=t2a, T2b=task("R2", "b1"), T3=task("R3", "a1"))
		cls.names["H2"] = frappe.db.get_value("Flow Handoff", {"request": cls.names["R2"]}, "name")
		cls.names["E1"] = frappe.db.get_value("Flow Event", {"request": cls.names["R1"]}, "name")
		cls.labels = {v: k for k, v in cls.names.items()}
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		purge_requests(*(cls.names[r] for r in ("R1", "R2", "R3")))
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	# ---------------------------------------------------------------------------------------- helpers
	def seen(self, doctype: str, names: list[str], fields: dict) -> set[str]:
		"""Translate document names into fixture labels (events by request, internal notes apart)."""
		ours = {self.names[r] for r in ("R1", "R2", "R3")}
		if doctype == "Flow Event":
			out = set()
			for row in fields:
				if row["request"] in ours:
					label = self.labels[row["request"]]
					out.add(f"{label} note" if row.get("is_internal") else label)
			return out
		return {self.labels[n] for n in names if n in self.labels}

	def listed(self, doctype: str, user: str):
		frappe.set_user(user)
		try:
			fields = ["name", "request", "is_internal"] if doctype == "Flow Event" else ["name"]
			rows = frappe.get_list(doctype, fields=fields, limit_page_length=0)
		except frappe.PermissionError:
			return DENIED
		finally:
			frappe.set_user("Administrator")
		return self.seen(doctype, [r.name for r in rows], rows)

	# ---------------------------------------------------------------------------------------- the matrix
	def test_get_list_and_report_views(self):
		for doctype, expected in VISIBLE.items():
			for user, visible in expected.items():
				with self.subTest(doctype=doctype, user=user):
					self.assertEqual(self.listed(doctype, user), visible)

	def test_get_doc_read(self):
		for doctype, expected in VISIBLE.items():
			if doctype == "Flow Event":
				continue
			labels = {"Flow Request": ("R1", "R2", "R3"), "Flow Task": ("T1", "T2a", "T2b", "T3")}.get(
				doctype, ("H2",)
			)
			for user, visible in expected.items():
				for label in labels:
					allowed = visible != DENIED and label in visible
					with self.subTest(doctype=doctype, user=user, doc=label):
						doc = frappe.get_doc(doctype, self.names[label])
						self.assertEqual(bool(doc.has_permission("read", user=user)), allowed)

	def test_save_and_delete(self):
		doctypes = {"T": "Flow Task", "R": "Flow Request", "H": "Flow Handoff", "E": "Flow Event"}
		for label, writers in WRITE.items():
			for user in USERS:
				with self.subTest(write=label, user=user):
					doc = frappe.get_doc(doctypes[label[0]], self.names[label])
					self.assertEqual(bool(doc.has_permission("write", user=user)), user in writers)
		for label, deleters in DELETE.items():
			for user in USERS:
				with self.subTest(delete=label, user=user):
					doc = frappe.get_doc(doctypes[label[0]], self.names[label])
					self.assertEqual(bool(doc.has_permission("delete", user=user)), user in deleters)
		# A real save by someone outside the team is refused; by the team it goes through.
		frappe.set_user(B)
		self.assertRaises(frappe.PermissionError, frappe.get_doc("Flow Task", self.names["T1"]).save)
		frappe.set_user(A)
		frappe.get_doc("Flow Task", self.names["T1"]).save()
		# Events are append-only whatever the role.
		frappe.set_user("Administrator")
		event = frappe.get_doc("Flow Event", self.names["E1"])
		event.details = {"tampered": True}
		self.assertRaises(frappe.PermissionError, event.save, ignore_permissions=True)
		self.assertRaises(
			frappe.PermissionError, frappe.delete_doc, "Flow Event", self.names["E1"], ignore_permissions=True
		)

	def test_whitelisted_methods(self):
		calls = {
			"submit_request": lambda: request_api.submit_request(SERVICE, {}),
			"my_teams": task_api.my_teams,
			"claim T1": lambda: task_api.claim(self.names["T1"]),
			"accept H2": lambda: handoff_api.accept_handoff(self.names["H2"]),
			"return H2": lambda: handoff_api.return_handoff(self.names["H2"], "Wrong customer"),
			"timeline R2": lambda: request_api.timeline(self.names["R2"]),
			"progress R3": lambda: request_api.progress(self.names["R3"]),
			"comment R1": lambda: request_api.comment(self.names["R1"], "Any news?"),
			"cancel_request R1": lambda: request_api.cancel_request(self.names["R1"], "No longer needed"),
			"check_orphans": orphans_api.check_orphans,
		}
		functions = {
			"submit_request": request_api.submit_request,
			"my_teams": task_api.my_teams,
			"claim T1": task_api.claim,
			"accept H2": handoff_api.accept_handoff,
			"return H2": handoff_api.return_handoff,
			"timeline R2": request_api.timeline,
			"progress R3": request_api.progress,
			"comment R1": request_api.comment,
			"cancel_request R1": request_api.cancel_request,
			"check_orphans": orphans_api.check_orphans,
		}
		for method, allowed in METHODS.items():
			for user in USERS:
				with self.subTest(method=method, user=user):
					frappe.db.savepoint("matrix")
					frappe.set_user(user)
					try:
						frappe.is_whitelisted(functions[method])  # what /api/method checks first
						calls[method]()
						outcome = "ok"
					except (frappe.PermissionError, frappe.DoesNotExistError):
						outcome = DENIED  # a request you cannot read "does not exist" for you
					finally:
						frappe.set_user("Administrator")
						frappe.db.rollback(save_point="matrix")
					self.assertEqual(outcome, "ok" if user in allowed else DENIED)

	def test_timeline_hides_internal_notes_from_the_requester(self):
		frappe.set_user(PORTAL1)
		events = request_api.timeline(self.names["R2"])
		self.assertTrue(events)
		self.assertFalse([e for e in events if e.is_internal])
		frappe.set_user(B)
		self.assertTrue([e for e in request_api.timeline(self.names["R2"]) if e.is_internal])

	def test_api_resource_list_and_get(self):
		"""The real /api/resource endpoints, logged in as each user over the WSGI app."""
		for user in USERS:
			client = get_test_client()
			if user != GUEST:
				login = make_request(
					target=client.post,
					args=("/api/method/login",),
					kwargs={"data": {"usr": user, "pwd": PASSWORD}},
				)
				self.assertEqual(login.status_code, 200, user)
			for doctype in ("Flow Request", "Flow Task"):
				with self.subTest(api="list", doctype=doctype, user=user):
					response = make_request(
						target=client.get,
						args=(f"/api/resource/{doctype}",),
						kwargs={"query_string": {"limit_page_length": 0}},
					)
					expected = VISIBLE[doctype][user]
					if expected == DENIED:
						self.assertEqual(response.status_code, 403)
					else:
						names = [row["name"] for row in response.json["data"]]
						self.assertEqual(self.seen(doctype, names, []), expected)
			for label, doctype in (("R1", "Flow Request"), ("T2b", "Flow Task"), ("H2", "Flow Handoff")):
				with self.subTest(api="get", doc=label, user=user):
					response = make_request(
						target=client.get, args=(f"/api/resource/{doctype}/{self.names[label]}",)
					)
					visible = VISIBLE[doctype][user]
					allowed = visible != DENIED and label in visible
					self.assertEqual(
						response.status_code, 200 if allowed else 403, json.dumps(response.json)[:300]
					)
