"""Nothing a manager writes runs with more power than a manager has; a trigger saved is in effect on every worker
(issue 18, items 5 to 7).

- Every hostile subject and condition of the pure tables (tests/test_expressions.py), saved by a Flow Manager over
  HTTP, answers 417 naming the field and stores nothing; one stored by an older version is refused when it would run.
- Logs and metadata cannot be a trigger's source; NUL is refused (PostgreSQL would answer 500).
- The trigger set in Redis: a request that read the triggers before a save committed never leaves the old set behind,
  deterministically and under load from several connections.
"""

from __future__ import annotations

import multiprocessing
import threading
import time

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from everstep_flow.seams import trigger_set
from everstep_flow.seams.trigger_values import condition_holds, subject_of
from everstep_flow.tests import workers as worker_processes
from everstep_flow.tests.http_client import PASSWORD, Session, messages
from everstep_flow.tests.payloads import HOSTILE_CONDITIONS, HOSTILE_TEMPLATES
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

MANAGER = "mw.manager@example.com"
TEAM, SERVICE, TRIGGER = "MW Team", "MW Service", "MW ToDo trigger"
FIELDS = [{"fieldname": "company", "label": "Company", "fieldtype": "Data", "required": 1}]
MARK = "mw-race"


def trigger_values(**kw) -> dict:
	return {
		"doctype": "Flow Trigger",
		"trigger_name": TRIGGER,
		"enabled": 0,
		"document_type": "ToDo",
		"event": "New",
		"service": SERVICE,
		"client_from": "Email Field",
		"client_field": "sender",
		"subject": "ToDo {{ doc.description|truncate(20) }}",
		"condition": f"doc.description.startswith('{MARK}')",
		"mapping": [{"intake_field": "company", "source_field": "description"}],
		**kw,
	}


class ManagerWritesCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		update_password(MANAGER, PASSWORD)
		make_team(TEAM, MANAGER)
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(SERVICE, [step_row("first", TEAM)], FIELDS, duplicates="Always new").insert()
		if not frappe.db.exists("Flow Trigger", TRIGGER):
			frappe.get_doc(trigger_values()).insert()
		frappe.db.set_value("Flow Trigger", TRIGGER, "enabled", 0)
		frappe.db.commit()
		cls.manager = Session(MANAGER)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.set_value("Flow Trigger", TRIGGER, "enabled", 0)
		todos = frappe.get_all("ToDo", filters={"description": ("like", f"{MARK}%")}, pluck="name")
		firings = frappe.get_all(
			"Flow Trigger Firing", filters={"trigger": TRIGGER}, fields=["name", "request"]
		)
		frappe.db.delete("Flow Trigger Firing", {"trigger": TRIGGER})
		from everstep_flow.tests.utils import purge_requests

		purge_requests(*[f.request for f in firings if f.request])
		frappe.db.delete("ToDo", {"name": ("in", todos or [""])})
		frappe.db.commit()
		trigger_set.forget_triggers()
		frappe.db.commit()
		super().tearDownClass()

	def stored(self) -> dict:
		return frappe.db.get_value(
			"Flow Trigger", TRIGGER, ["subject", "condition", "document_type", "modified"], as_dict=True
		)


class TestHostilePayloads(ManagerWritesCase):
	def test_every_hostile_subject_and_condition_is_refused_naming_the_field(self):
		templates, conditions = HOSTILE_TEMPLATES, HOSTILE_CONDITIONS
		before = self.stored()
		count = frappe.db.count("Flow Trigger")
		for field, payloads in (("subject", templates), ("condition", conditions)):
			for payload in payloads:
				for how, send in (
					("update", lambda body: self.manager.put("Flow Trigger", TRIGGER, body)),
					(
						"insert",
						lambda body: self.manager._send(
							"post",
							"/api/resource/Flow Trigger",
							json={
								**trigger_values(trigger_name=f"MW hostile {frappe.generate_hash(length=6)}"),
								**body,
							},
						),
					),
				):
					with self.subTest(field=field, how=how, payload=payload[:60]):
						response = send({field: payload})
						said = messages(response)
						self.assertEqual(response.status_code, 417, said[-300:])
						self.assertIn(field, said)
		self.assertEqual(self.stored(), before)
		self.assertEqual(frappe.db.count("Flow Trigger"), count)

	def test_logs_and_metadata_are_no_source(self):
		for doctype in ("Error Log", "Version", "Comment", "Activity Log", "Scheduled Job Log", "DocType"):
			with self.subTest(doctype=doctype):
				response = self.manager.put(
					"Flow Trigger", TRIGGER, {"document_type": doctype, "mapping": []}
				)
				self.assertEqual(response.status_code, 417, messages(response)[-300:])
				self.assertIn("document_type", messages(response))
		self.assertEqual(self.stored().document_type, "ToDo")

	def test_nul_is_refused_on_both_databases(self):
		for field in ("condition", "subject", "trigger_name"):
			with self.subTest(field=field):
				response = self.manager.put("Flow Trigger", TRIGGER, {field: "doc.name\x00"})
				self.assertEqual(response.status_code, 417, messages(response)[-300:])
				self.assertIn(field, messages(response))

	def test_a_stored_hostile_subject_is_refused_when_it_would_run(self):
		"""A subject saved before these rules (or written to the database directly) never renders."""
		frappe.db.set_value(
			"Flow Trigger",
			TRIGGER,
			{"subject": '{{ frappe.db.sql("select count(*) from `__Auth`")[0][0] }}', "condition": None},
		)
		source = frappe.get_doc({"doctype": "ToDo", "description": f"{MARK} stored"})
		with self.assertRaises(frappe.ValidationError) as caught:
			subject_of(frappe.get_doc("Flow Trigger", TRIGGER), source)
		self.assertIn("subject", str(caught.exception))
		frappe.db.set_value("Flow Trigger", TRIGGER, "condition", "doc.db_set('description', 'x')")
		with self.assertRaises(Exception):
			condition_holds(frappe.db.get_value("Flow Trigger", TRIGGER, "condition"), source)
		frappe.db.rollback()

	def test_a_plain_subject_renders_the_document_values(self):
		source = frappe.get_doc({"doctype": "ToDo", "description": f"{MARK} printer on fire", "name": "x"})
		trigger = frappe.get_doc("Flow Trigger", TRIGGER)
		trigger.subject = "Case: {{ doc.description|upper }}"
		self.assertEqual(subject_of(trigger, source), f"Case: {MARK.upper()} PRINTER ON FIRE")


# ------------------------------------------------------------------------------------------------ the cache


def on_own_connection(fn, *, ready: threading.Event | None = None, go: threading.Event | None = None):
	"""Run `fn` in a thread on its own connection (committing), optionally pausing mid-transaction: `before` runs,
	then `ready` is set and the thread waits for `go`."""
	site = frappe.local.site
	out: dict = {}

	def run():
		frappe.init(site=site)
		frappe.connect()
		try:
			out["value"] = fn(ready, go)
			frappe.db.commit()
		except Exception as e:
			frappe.db.rollback()
			out["error"] = e
		finally:
			frappe.destroy()

	thread = threading.Thread(target=run)
	thread.start()
	return thread, out


def host_save(tag: str) -> str:
	"""A new ToDo that the trigger's condition matches, saved as a user would: one transaction of its own."""
	todo = frappe.get_doc({"doctype": "ToDo", "description": f"{MARK} {tag}", "sender": "mw@example.com"})
	todo.insert(ignore_permissions=True)
	return todo.name


def fired(todo: str) -> bool:
	frappe.db.rollback()  # a fresh snapshot: the thread committed after this connection last read
	return bool(frappe.db.exists("Flow Trigger Firing", {"trigger": TRIGGER, "reference_name": todo}))


class TestTriggerCacheIsCoherent(ManagerWritesCase):
	def toggle(self, enabled: int) -> None:
		response = self.manager.put("Flow Trigger", TRIGGER, {"enabled": enabled})
		self.assertEqual(response.status_code, 200, messages(response)[-300:])

	def next_save_fires(self, tag: str) -> bool:
		thread, out = on_own_connection(lambda _r, _g: host_save(tag))
		thread.join(30)
		self.assertNotIn("error", out, out.get("error"))
		return fired(out["value"])

	def stale_reader(self, tag: str):
		"""A request that read the triggers' table before the save commits, and computes the cached set after it
		(the cache was cleared meanwhile, as `bench clear-cache` or any `frappe.clear_cache()` does)."""
		ready, go = threading.Event(), threading.Event()

		def body(ready, go):
			frappe.get_all("Flow Trigger", pluck="name")  # the snapshot starts here
			ready.set()
			go.wait(30)
			frappe.cache.delete_value(trigger_set.CACHE_KEY)
			trigger_set.triggered_doctypes()
			return host_save(tag)

		thread, out = on_own_connection(body, ready=ready, go=go)
		self.assertTrue(ready.wait(30))
		return thread, out, go

	def test_a_request_that_read_before_the_save_never_brings_the_old_set_back(self):
		for enabled in (1, 0, 1, 0):
			with self.subTest(enabled=enabled):
				thread, out, go = self.stale_reader(f"stale {enabled}")
				self.toggle(enabled)
				go.set()
				thread.join(30)
				self.assertNotIn("error", out, out.get("error"))
				self.assertEqual(self.next_save_fires(f"after {enabled}"), bool(enabled))
				self.assertEqual(self.next_save_fires(f"again {enabled}"), bool(enabled))

	def test_toggles_raced_against_host_saves_from_several_processes(self):
		"""Three processes (as gunicorn and RQ workers are) save host documents and clear the cache at random
		moments while the trigger is switched on and off over HTTP; after each 200 the next save fires exactly
		when the trigger is enabled."""
		context = multiprocessing.get_context("spawn")
		stop, failures, saves = context.Event(), context.Queue(), context.Value("i", 0)
		workers = [
			context.Process(
				target=worker_processes.churn,
				args=(frappe.local.site, frappe.local.sites_path, worker, stop, failures, saves),
			)
			for worker in range(3)
		]
		for w in workers:
			w.start()
		try:
			deadline = time.monotonic() + 120
			while saves.value < 30 and time.monotonic() < deadline:  # every process is saving
				time.sleep(0.1)
			before = saves.value
			outcomes = []
			for round_ in range(8):
				enabled = (round_ + 1) % 2
				self.toggle(enabled)
				outcomes.append((enabled, self.next_save_fires(f"round {round_}")))
		finally:
			stop.set()
			for w in workers:
				w.join(60)
		errors = []
		while not failures.empty():
			errors.append(failures.get())
		self.assertEqual(errors, [])
		self.assertTrue(all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers])
		self.assertGreater(saves.value, before, "the processes saved while the trigger was switched")
		self.assertEqual([fired_ for _e, fired_ in outcomes], [bool(e) for e, _f in outcomes])


MEMBER = "mw.member@example.com"
MEMBER_TEAM = "MW Member Team"


class TestMembershipCacheIsCoherent(ManagerWritesCase):
	"""Row permissions keep each user's teams in Redis: a request that read before a team change committed must not
	store the old teams (the user would keep, or miss, access for minutes on every worker)."""

	def test_a_request_that_read_before_a_team_change_never_stores_the_old_teams(self):
		from everstep_flow.teams import membership

		make_user(MEMBER)
		make_team(MEMBER_TEAM)
		frappe.db.commit()
		for joined in (True, False, True):
			with self.subTest(joined=joined):
				ready, go = threading.Event(), threading.Event()

				def stale(ready, go):
					frappe.get_all("Flow Team Member", pluck="name")  # the snapshot starts here
					ready.set()
					go.wait(30)
					frappe.cache.delete_value(membership._KEY + MEMBER)  # as a team save or the TTL does
					return membership.user_teams(MEMBER)

				thread, out = on_own_connection(stale, ready=ready, go=go)
				self.assertTrue(ready.wait(30))
				team = frappe.get_doc("Flow Team", MEMBER_TEAM)
				team.members = [m for m in team.members if m.user != MEMBER]
				if joined:
					team.append("members", {"user": MEMBER})
				team.save(ignore_permissions=True)
				frappe.db.commit()
				go.set()
				thread.join(30)
				self.assertNotIn("error", out, out.get("error"))
				frappe.local.flow_rows_of = {}  # a later request, on any worker
				self.assertEqual(MEMBER_TEAM in membership.user_teams(MEMBER), joined)
		team = frappe.get_doc("Flow Team", MEMBER_TEAM)
		team.members = []
		team.save(ignore_permissions=True)
		frappe.db.commit()
