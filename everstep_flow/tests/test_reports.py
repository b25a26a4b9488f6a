"""Visibility reports with hand-built work at known times (the clock is passed in, so figures are exact)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime

from everstep_flow.api import task as task_api
from everstep_flow.everstep_flow.report.team_queue_aging import team_queue_aging as aging
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

AGENT, OTHER, MANAGER = "rp.agent@example.com", "rp.other@example.com", "rp.manager@example.com"
NOW = get_datetime("2026-06-15 12:00:00")


class TestTeamQueueAging(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		make_team("RP Team", AGENT)
		make_team("RP Other", OTHER)
		for title, team in (("RP Service", "RP Team"), ("RP Other Service", "RP Other")):
			if not frappe.db.exists("Flow Service", title):
				new_service(title, [step_row("a", team)]).insert()
		cls.tasks = []
		frappe.set_user(MANAGER)
		# ages 2 hours, 2 days, 5 days, 10 days; the 5-day one is overdue, the 10-day one claimed
		for hours in (2, 48, 120, 240):
			request = submit_request("RP Service", {}).name
			task = frappe.db.get_value("Flow Task", {"request": request}, "name")
			frappe.db.set_value(
				"Flow Task", task, {"creation": NOW - timedelta(hours=hours)}, update_modified=False
			)
			cls.tasks.append(task)
		frappe.db.set_value("Flow Task", cls.tasks[2], "due_on", NOW - timedelta(hours=1))
		frappe.db.set_value("Flow Task", cls.tasks[3], "due_on", NOW + timedelta(days=1))
		frappe.db.set_value(
			"Flow Request", frappe.db.get_value("Flow Task", cls.tasks[0], "request"), "sla_status", "At Risk"
		)
		frappe.set_user(AGENT)
		task_api.claim(cls.tasks[3])
		frappe.set_user(MANAGER)
		submit_request("RP Other Service", {})
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def row(self, user: str, team: str):
		frappe.set_user(user)
		_columns, rows, _m, chart, summary = aging.execute({}, now=NOW)
		return {r["team"]: r for r in rows}.get(team), chart, summary

	def test_the_figures_of_a_hand_built_queue(self):
		row, chart, summary = self.row(MANAGER, "RP Team")
		self.assertEqual(
			{
				k: row[k]
				for k in (
					"open",
					"unclaimed",
					"claimed",
					"under_1d",
					"d1_3",
					"d3_7",
					"over_7d",
					"overdue",
					"at_risk",
				)
			},
			{
				"open": 4,
				"unclaimed": 3,
				"claimed": 1,
				"under_1d": 1,
				"d1_3": 1,
				"d3_7": 1,
				"over_7d": 1,
				"overdue": 1,
				"at_risk": 1,
			},
		)
		self.assertIn("RP Team", chart["data"]["labels"])
		self.assertEqual([s["label"] for s in summary], ["Open", "Unclaimed", "Overdue", "At Risk"])

	def test_an_agent_sees_only_their_teams(self):
		mine, _c, _s = self.row(AGENT, "RP Team")
		self.assertEqual(mine["open"], 4)
		theirs, _c, _s = self.row(AGENT, "RP Other")
		self.assertIsNone(theirs)
		frappe.set_user(AGENT)
		teams = {r["team"] for r in aging.execute({}, now=NOW)[1]} - {"Total"}
		self.assertEqual(teams, {"RP Team"})
		other, _c, _s = self.row(MANAGER, "RP Other")
		self.assertEqual(other["open"], 1)


HOUR = 3600
A_AGENT, B_AGENT, C_AGENT, RV_MANAGER = (
	"rv.a@example.com",
	"rv.b@example.com",
	"rv.c@example.com",
	"rv.manager@example.com",
)
PERIOD = {"from_date": "2026-06-08", "to_date": "2026-06-15"}


def hours_ago(h: float):
	return NOW - timedelta(hours=h)


def stamp(doctype: str, name: str, **fields) -> None:
	frappe.db.set_value(doctype, name, fields, update_modified=False)


class VisibilityCase(FrappeTestCase):
	"""Two requests of a two-team service, moved by real actions, then put at known times:

	R1: A done (ready -20h, claimed -18h, started -17h, done -10h) -> handoff sent -10h, accept by -9h, accepted -8h
	    -> B (claimed -7h, started -7h, done -1h). Completed, SLA Met, paused 90 minutes.
	R2: A done -> handoff sent -6h is returned -5h (accept by -1h) -> A reworked, done -3h (ready -12h, claimed -8h,
	    started -8h) -> handoff sent -3h, accept by -2h, still pending at NOW. SLA At Risk.
	R3: another team's service (C), SLA Breached.
	"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from everstep_flow.api import handoff as handoff_api

		make_user(RV_MANAGER, ("Flow Manager", "Flow Agent"))
		make_team("RV A", A_AGENT)
		make_team("RV B", B_AGENT)
		make_team("RV C", C_AGENT)
		if not frappe.db.exists("Flow Service", "RV Flow"):
			new_service(
				"RV Flow",
				[
					step_row("a", "RV A", target_duration=4 * HOUR),
					step_row("b", "RV B", "a", target_duration=8 * HOUR, accept_window=HOUR),
				],
				owner_team="RV A",
				target_resolution=48 * HOUR,
			).insert()
			new_service(
				"RV Other", [step_row("c", "RV C")], owner_team="RV C", target_resolution=HOUR
			).insert()
		frappe.set_user(RV_MANAGER)
		cls.r1, cls.r2 = submit_request("RV Flow", {}).name, submit_request("RV Flow", {}).name
		cls.r3 = submit_request("RV Other", {}).name

		def task_of(request, step, status=None):
			filters = {"request": request, "step_key": step}
			if status:
				filters["status"] = status
			return frappe.db.get_value("Flow Task", filters, "name", order_by="creation desc")

		def work(request, step, user):
			frappe.set_user(user)
			task = task_of(request, step)
			task_api.claim(task)
			task_api.start(task)
			task_api.complete(task)
			return task

		cls.r1_a = work(cls.r1, "a", A_AGENT)
		frappe.set_user(B_AGENT)
		cls.h1 = frappe.db.get_value("Flow Handoff", {"request": cls.r1}, "name")
		handoff_api.accept_handoff(cls.h1)
		cls.r1_b = work(cls.r1, "b", B_AGENT)
		cls.r2_a = work(cls.r2, "a", A_AGENT)
		frappe.set_user(B_AGENT)
		cls.h2 = frappe.db.get_value("Flow Handoff", {"request": cls.r2}, "name")
		handoff_api.return_handoff(cls.h2, "the quote is missing")
		frappe.set_user(A_AGENT)
		task_api.complete(cls.r2_a)
		cls.h3 = frappe.db.get_value("Flow Handoff", {"request": cls.r2, "status": "Pending"}, "name")
		cls.r2_b = task_of(cls.r2, "b", "Queued")
		frappe.set_user("Administrator")

		day_before = hours_ago(24)
		for request in (cls.r1, cls.r2, cls.r3):
			stamp("Flow Request", request, creation=day_before)
			for task in frappe.get_all("Flow Task", {"request": request}, pluck="name"):
				stamp("Flow Task", task, creation=day_before)
		stamp("Flow Request", cls.r1, sla_status="Met", paused_minutes=90)
		stamp("Flow Request", cls.r2, sla_status="At Risk")
		stamp("Flow Request", cls.r3, sla_status="Breached")
		stamp(
			"Flow Task",
			cls.r1_a,
			ready_on=hours_ago(20),
			claimed_on=hours_ago(18),
			started_on=hours_ago(17),
			completed_on=hours_ago(10),
			due_on=hours_ago(11),
		)
		stamp(
			"Flow Task",
			cls.r1_b,
			ready_on=hours_ago(8),
			claimed_on=hours_ago(7),
			started_on=hours_ago(7),
			completed_on=hours_ago(1),
			due_on=NOW,
		)
		stamp(
			"Flow Task",
			cls.r2_a,
			ready_on=hours_ago(12),
			claimed_on=hours_ago(8),
			started_on=hours_ago(8),
			completed_on=hours_ago(3),
			due_on=hours_ago(1),
		)
		stamp("Flow Task", cls.r2_b, due_on=NOW + timedelta(hours=5))
		stamp("Flow Handoff", cls.h1, sent_on=hours_ago(10), accept_by=hours_ago(9), accepted_on=hours_ago(8))
		stamp("Flow Handoff", cls.h2, sent_on=hours_ago(6), accept_by=hours_ago(1), returned_on=hours_ago(5))
		stamp("Flow Handoff", cls.h3, sent_on=hours_ago(3), accept_by=hours_ago(2))

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_report(self, module, user, **filters):
		frappe.set_user(user)
		try:
			period = PERIOD if "from_date" in module.FILTERS else {}  # Leak Audit and the aging have none
			return module.execute({**period, **filters}, now=NOW)
		finally:
			frappe.set_user("Administrator")


class TestVisibilityReports(VisibilityCase):
	def test_handoffs_by_seam(self):
		from everstep_flow.everstep_flow.report.handoffs_by_seam import handoffs_by_seam as report

		_c, rows, _m, chart, summary = self.run_report(report, RV_MANAGER, team="RV B")
		(row,) = [r for r in rows if (r["from_team"], r["to_team"]) == ("RV A", "RV B")]
		self.assertEqual(
			{k: row[k] for k in row if k not in ("from_team", "to_team")},
			{
				"handoffs": 3,
				"accepted": 1,
				"returned": 1,
				"pending": 1,
				"median_accept_hours": 2.0,
				"p90_accept_hours": 2.0,
				"late_share": 66.7,  # accepted after its window, and the pending one past it
				"bounce_rate": 50.0,
				"ping_pong": 1,  # R2's step B was handed over, returned, and handed over again
			},
		)
		self.assertEqual(chart["data"]["labels"], ["RV A → RV B"])
		self.assertEqual(summary[0]["value"], 3)
		# The C agent's team has no handoffs: nothing of the other teams' seams
		self.assertEqual(self.run_report(report, C_AGENT)[1], [])
		self.assertEqual(len(self.run_report(report, B_AGENT)[1]), 1)

	def test_where_requests_wait(self):
		from everstep_flow.everstep_flow.report.where_requests_wait import where_requests_wait as report

		_c, rows, _m, _chart, summary = self.run_report(report, RV_MANAGER, service="RV Flow")
		by_step = {r["step"]: r for r in rows}
		a, b = by_step["a"], by_step["b"]
		self.assertEqual(
			{k: a[k] for k in a if k not in ("service", "step", "step_title")},
			{
				"wip": 0,
				"throughput": 2,
				"median_wait_hours": 3.0,
				"p90_wait_hours": 3.8,
				"median_work_hours": 6.0,
				"p90_work_hours": 6.8,
				"flow_efficiency": 63.2,  # 12 h worked of 19 h from ready to done
				"rework": 1,
			},
		)
		self.assertEqual(
			(b["wip"], b["throughput"], b["median_wait_hours"], b["flow_efficiency"]), (1, 1, 1.0, 85.7)
		)
		self.assertEqual(a["step_title"], "A")
		self.assertEqual(summary[1]["value"], 3)
		frappe.set_user(A_AGENT)
		self.assertEqual({r["step"] for r in self.run_report(report, A_AGENT, service="RV Flow")[1]}, {"a"})

	def test_sla_and_ola_compliance(self):
		from everstep_flow.everstep_flow.report.sla_and_ola_compliance import sla_and_ola_compliance as report

		_c, rows, _m, chart, summary = self.run_report(report, RV_MANAGER, periodicity="Weekly")
		mine = [r for r in rows if r["service"] == "RV Flow"]
		service_row, step_a, step_b = mine
		week = get_datetime("2026-06-08").date()
		self.assertEqual(
			(service_row["period"], service_row["step"], service_row["team"], service_row["indent"]),
			(week, "", "RV A", 0),
		)
		figures = ("met", "breached", "open", "at_risk", "compliance", "paused_hours")
		self.assertEqual([service_row[k] for k in figures], [1, 0, 1, 1, 100.0, 1.5])
		self.assertEqual((step_a["step"], step_a["team"], step_a["indent"]), ("A", "RV A", 1))
		self.assertEqual([step_a[k] for k in ("met", "breached", "open", "compliance")], [1, 1, 0, 50.0])
		self.assertEqual([step_b[k] for k in ("met", "breached", "open", "compliance")], [1, 0, 1, 100.0])
		other = [r for r in rows if r["service"] == "RV Other" and not r["step"]]
		self.assertEqual(other[0]["breached"], 1)
		self.assertIn(str(week), chart["data"]["labels"])
		self.assertEqual(summary[0]["label"], "SLA Met")
		# B's agent: B's step only, under an empty row of its service; nothing of RV Other
		rows_b = self.run_report(report, B_AGENT, periodicity="Weekly")[1]
		self.assertEqual(
			[(r["service"], r["step"], r["team"]) for r in rows_b],
			[("RV Flow", "", ""), ("RV Flow", "B", "RV B")],
		)
		with self.assertRaises(frappe.ValidationError):
			self.run_report(report, RV_MANAGER, periodicity="Hourly")

	def test_leak_audit(self):
		from everstep_flow.everstep_flow.report.leak_audit import leak_audit as report

		stamp(
			"Flow Request",
			self.r2,
			follow_up_on=hours_ago(2),
			history_at=hours_ago(3),
			subject="<img src=x onerror=alert(1)>",  # from the portal: the grid must show it as text
		)
		_c, rows, _m, chart, summary = self.run_report(report, RV_MANAGER)
		stale = next(r for r in rows if r["reference_name"] == self.r2)
		self.assertEqual(stale["detail"], "&lt;img src=x onerror=alert(1)&gt;")
		mine = {(r["kind"], r["reference_name"]) for r in rows if r["request"] in (self.r1, self.r2)}
		self.assertEqual(mine, {("Late handoff", self.h3), ("Stale follow-up", self.r2)})
		self.assertEqual(len(chart["data"]["labels"]), 5)
		self.assertEqual([s["label"] for s in summary][:2], ["Orphan", "Late handoff"])
		late = next(r for r in rows if r["reference_name"] == self.h3)
		self.assertEqual((late["team"], late["since"]), ("RV B", hours_ago(2)))
		# A's agent does not see B's late handoff; B's does. C sees neither.
		seen = {
			user: {r["reference_name"] for r in self.run_report(report, user)[1]}
			for user in (A_AGENT, B_AGENT, C_AGENT)
		}
		self.assertNotIn(self.h3, seen[A_AGENT])
		self.assertIn(self.h3, seen[B_AGENT])
		self.assertFalse(seen[C_AGENT] & {self.h3, self.r2})
		with self.assertRaises(frappe.ValidationError):
			self.run_report(report, RV_MANAGER, kind="Everything")

	def test_leak_audit_waiting_and_duplicates(self):
		from everstep_flow.everstep_flow.report.leak_audit import leak_audit as report
		from everstep_flow.hosts.client_records import make_contact
		from everstep_flow.requests.actions import cancel_request

		contact = make_contact("rv.client@example.com", "RV Client")
		frappe.set_user(RV_MANAGER)
		first, second = (
			submit_request(
				"RV Flow", {}, customer_type="Contact", customer=contact, duplicates="Always new"
			).name
			for _ in range(2)
		)
		frappe.set_user(A_AGENT)
		waiting = frappe.db.get_value("Flow Task", {"request": first}, "name")
		task_api.claim(waiting)
		task_api.start(waiting)
		task_api.wait_on_customer(waiting)
		lines = {(r["kind"], r["reference_name"]) for r in self.run_report(report, RV_MANAGER)[1]}
		self.assertIn(("Waiting, no follow-up", waiting), lines)
		self.assertIn(("Duplicate open request", second), lines)
		self.assertNotIn(("Duplicate open request", first), lines)  # the first one is the one to keep
		line = next(r for r in self.run_report(report, RV_MANAGER)[1] if r["reference_name"] == second)
		self.assertEqual(line["since"], frappe.db.get_value("Flow Request", second, "creation"))
		# a manager's waiting tasks and duplicates are counted by the database past the lines it builds
		frappe.set_user(RV_MANAGER)
		waits = "Waiting, no follow-up"
		every, counts = report.audit(NOW)
		self.assertEqual(counts[waits], len([f for f in every if f["kind"] == waits]))
		for shown in (0, 1):
			built, counted = report.audit(NOW, shown=shown)
			self.assertEqual(counted, counts)
			self.assertEqual(len([f for f in built if f["kind"] == waits]), shown)
		# a date to chase the customer ends the waiting leak
		stamp("Flow Request", first, follow_up_on=NOW + timedelta(days=1))
		lines = {
			(r["kind"], r["reference_name"])
			for r in self.run_report(report, RV_MANAGER, kind="Waiting, no follow-up")[1]
		}
		self.assertNotIn(("Waiting, no follow-up", waiting), lines)
		# an agent of another team sees neither (they cannot open these requests)
		seen = {r["reference_name"] for r in self.run_report(report, C_AGENT)[1]}
		self.assertFalse(seen & {waiting, first, second})
		self.assertIn(second, {r["reference_name"] for r in self.run_report(report, A_AGENT)[1]})
		frappe.set_user(RV_MANAGER)
		for request in (first, second):  # the other tests count this service's open work
			cancel_request(request, "done testing")

	def test_columns_read_at_once_give_back_every_rows_names_and_numbers(self):
		"""MariaDB reads a month's rows as one text per column (reporting.read_columns): NULL numbers and names stay
		None, a name may hold anything Frappe allows in a name ("|", spaces, any script), and a value holding the
		separator, or a text cut short, is read row by row instead."""
		from frappe.query_builder import DocType

		from everstep_flow.visibility import reporting

		odd = make_team("RV | Nuit — ünïcode", A_AGENT)
		team = DocType("Flow Team")
		query = frappe.qb.from_(team).where(team.name.isin(["RV A", odd, "RV B"])).orderby(team.name)
		names, numbers = [team.name, team.lead, team.calendar], [team.idx, team.disabled]
		by_rows = [list(column) for column in zip(*query.select(*names, *numbers).run(), strict=True)]
		self.assertEqual(len(by_rows[0]), 3)
		self.assertEqual(reporting.read_columns(query, names, numbers), by_rows)
		nobody = frappe.qb.from_(team).where(team.name == "no such team")
		self.assertEqual(reporting.read_columns(nobody, names, numbers), [[], [], [], [], []])
		# a value with the separator in it (a description may hold one): the count tells, the rows are read
		described = [team.name, team.description]
		before = frappe.db.get_value("Flow Team", odd, "description")
		frappe.db.set_value("Flow Team", odd, "description", "first > second", update_modified=False)
		try:
			self.assertEqual(
				reporting.read_columns(query, described, []),
				[list(column) for column in zip(*query.select(*described).run(), strict=True)],
			)
		finally:
			frappe.db.set_value("Flow Team", odd, "description", before, update_modified=False)
		with self.assertRaises(frappe.NameError):  # why ">" separates: no name holds one
			make_team("RV > C", A_AGENT)

	def test_a_managers_duplicates_are_counted_not_built(self):
		"""Leak Audit shows a few hundred lines of each kind. A manager's duplicates are counted by the database and
		only the groups shown are read: the count is every line's, and the lines are the first of the full list."""
		from everstep_flow.everstep_flow.report.leak_audit import leak_audit as report
		from everstep_flow.hosts.client_records import make_contact
		from everstep_flow.requests.actions import cancel_request

		frappe.set_user(RV_MANAGER)
		made = []
		for email in ("rv.twice@example.com", "rv.thrice@example.com"):
			contact = make_contact(email, email)
			for _ in range(2 if "twice" in email else 3):
				made.append(
					submit_request(
						"RV Flow", {}, customer_type="Contact", customer=contact, duplicates="Always new"
					).name
				)
		try:
			every = [f for f in report.leaks(NOW) if f["kind"] == report.DUPLICATE]
			self.assertGreaterEqual(len(every), 3)
			for shown in (0, 1, 2, len(every) + 5):
				lines, counts = report.audit(NOW, shown=shown)
				doubles = [f for f in lines if f["kind"] == report.DUPLICATE]
				self.assertEqual(counts[report.DUPLICATE], len(every), shown)
				self.assertEqual(doubles, every[: len(doubles)], shown)  # the first groups, whole
				self.assertGreaterEqual(len(doubles), min(shown, len(every)), shown)
			_c, rows, _m, _chart, summary = report.execute({"kind": report.DUPLICATE}, now=NOW)
			self.assertEqual(next(s["value"] for s in summary if s["label"] == report.DUPLICATE), len(every))
			self.assertEqual(
				[r["reference_name"] for r in rows], [f["reference_name"] for f in every[: report.LIMIT]]
			)
			# an agent's duplicates are read from the groups their teams hold: the lines of every group they see
			from everstep_flow.teams.membership import user_teams

			for agent in (A_AGENT, C_AGENT):
				frappe.set_user(agent)
				mine = set(user_teams())
				theirs = [f["reference_name"] for f in report.leaks(NOW) if f["kind"] == report.DUPLICATE]
				self.assertEqual(theirs, [f["reference_name"] for f in every if f["team"] in mine], agent)
			frappe.set_user(RV_MANAGER)
			# a manager's team filter reaches the database as a parameter, whatever it holds (PostgreSQL's query
			# rewriting once broke "x' OR 1=1" apart when it was written into the SQL text)
			for team in ("x' OR 1=1 -- ", "a=1"):
				rows = report.execute({"team": team, "kind": report.DUPLICATE}, now=NOW)[1]
				self.assertTrue(all(r["kind"] == report.DUPLICATE for r in rows), team)
		finally:
			for request in made:
				cancel_request(request, "done testing")

	def test_the_database_counts_what_the_core_counts(self):
		"""Handoffs by Seam and Where Requests Wait count per seam and step in the database. Over every handoff and
		task of this site, in this week and in two years, their rows are the core's from one fact per row."""
		from frappe.query_builder import DocType

		from everstep_flow.engine.reports import HandoffFact, TaskFact, seam_rows, wait_rows
		from everstep_flow.everstep_flow.report.handoffs_by_seam import handoffs_by_seam
		from everstep_flow.everstep_flow.report.where_requests_wait import where_requests_wait
		from everstep_flow.visibility.reporting import period

		h, task = DocType("Flow Handoff"), DocType("Flow Task")
		# Ping-pong reads each handoff's receiving step from the handoff: the engine writes it, the patch filled it
		steps = (
			frappe.qb.from_(h).join(task).on(task.name == h.to_task).select(h.to_step, task.step_key).run()
		)
		self.assertTrue(steps)
		self.assertEqual([s for s in steps if s[0] != s[1]], [])
		for filters in (PERIOD, {"from_date": "2024-06-16", "to_date": "2026-06-15"}):
			start, end = period(filters, NOW)
			facts = [
				HandoffFact(*row[:-1], step=row[-1] or "")
				for row in frappe.qb.from_(h)
				.left_join(task)
				.on(task.name == h.to_task)
				.select(
					h.request,
					h.from_team,
					h.to_team,
					h.status,
					h.sent_on,
					h.accept_by,
					h.accepted_on,
					h.returned_on,
					task.step_key,
				)
				.where((h.sent_on >= start) & (h.sent_on < end) & (h.status != "Cancelled"))
				.run()
			]
			rows = self.run_report(handoffs_by_seam, RV_MANAGER, **filters)[1]
			self.assertTrue(facts)
			self.assertEqual(rows, seam_rows(facts, NOW))
			done = [
				TaskFact(*row[:-1], rework=row[-1] or 0)
				for row in frappe.qb.from_(task)
				.select(
					task.service,
					task.step_key,
					task.ready_on,
					task.claimed_on,
					task.started_on,
					task.completed_on,
					task.rework_count,
				)
				.where((task.completed_on >= start) & (task.completed_on < end) & (task.status == "Done"))
				.run()
			]
			wip = {}
			for row in frappe.get_all(
				"Flow Task",
				filters={
					"status": ("in", ("Queued", "Claimed", "In Progress", "Blocked", "Waiting on Customer"))
				},
				fields=["service", "step_key", "count(*) as n"],
				group_by="service, step_key",
			):
				wip[(row.service, row.step_key)] = row.n
			rows = self.run_report(where_requests_wait, RV_MANAGER, **filters)[1]
			self.assertTrue(done)
			self.assertEqual(
				[{k: v for k, v in r.items() if k != "step_title"} for r in rows], wait_rows(done, wip)
			)

	def test_the_no_orphan_check_reads_only_what_may_be_wrong(self):
		"""The check reads the open tasks that could be findings, not every open one; it finds what reading every
		open task finds. B's team away makes R2's queued step a finding, then its agent away with a claim too."""
		from everstep_flow.engine.orphans import TEAM_UNAVAILABLE, find_orphans
		from everstep_flow.visibility import orphans

		def both():
			available, disabled = orphans.available_members(), orphans.disabled_teams()
			narrow = find_orphans(orphans.open_requests(available, disabled), available, disabled)
			# as if no team could work: every open request and every open task is read
			every = find_orphans(orphans.open_requests({}), available, disabled)
			self.assertEqual(sorted(map(repr, narrow)), sorted(map(repr, every)))
			return narrow

		self.assertNotIn(self.r2_b, {f.task for f in both()})
		member = frappe.db.get_value("Flow Team Member", {"parent": "RV B", "user": B_AGENT}, "name")
		frappe.db.set_value("Flow Team Member", member, "availability", "Away")
		try:
			self.assertIn((TEAM_UNAVAILABLE, self.r2_b), {(f.kind, f.task) for f in both()})
		finally:
			frappe.db.set_value("Flow Team Member", member, "availability", "Available")
		self.assertNotIn(self.r2_b, {f.task for f in both()})

	def test_the_measured_process_map(self):
		from everstep_flow.visibility.measures import edge_bounces, step_waits

		self.assertEqual(step_waits("RV Flow", now=NOW), {"a": (3.0, 2), "b": (1.0, 1)})
		self.assertEqual(edge_bounces("RV Flow", now=NOW), {("a", "b"): 50.0})
		doc = frappe.get_doc("Flow Service", "RV Flow")
		doc.run_method("onload")
		self.assertIn("esf-legend", doc.get_onload().measured_map)
		self.assertNotIn("esf-legend", doc.get_onload().process_map)

	def test_bad_filters_are_refused(self):
		from everstep_flow.everstep_flow.report.handoffs_by_seam import handoffs_by_seam as report

		for filters in (
			{"from_date": "2026-06-15", "to_date": "2026-06-01"},
			{"from_date": "not a date"},
			{"from_date": "2020-01-01", "to_date": "2026-06-01"},
			{"team": ["RV A"]},
		):
			with self.subTest(filters=filters), self.assertRaises(frappe.ValidationError):
				frappe.set_user(RV_MANAGER)
				report.execute(filters, now=NOW)
		from everstep_flow.everstep_flow.report.five_seam_audit import five_seam_audit
		from everstep_flow.everstep_flow.report.leak_audit import leak_audit
		from everstep_flow.everstep_flow.report.sla_and_ola_compliance import sla_and_ola_compliance
		from everstep_flow.everstep_flow.report.where_requests_wait import where_requests_wait

		for module in (
			report,
			aging,
			where_requests_wait,
			sla_and_ola_compliance,
			leak_audit,
			five_seam_audit,
		):
			# a filter the report does not have is refused too: ignoring it would answer as if it were applied
			bad = ("str", [["team", "=", "x"]], 5, {"nosuch": "x"}, {"<b>x</b>": 1}) + (
				() if module is five_seam_audit else ({"team": {"a": 1}},)
			)
			for filters in bad:
				with (
					self.subTest(report=module.__name__, filters=filters),
					self.assertRaises(frappe.ValidationError),
				):
					frappe.set_user(RV_MANAGER)
					module.execute(filters)


class TestWhereNow(VisibilityCase):
	def test_the_request_says_where_it_is(self):
		r2 = frappe.db.get_value(
			"Flow Request",
			self.r2,
			["current_steps", "current_team", "current_holder", "waiting_since"],
			as_dict=True,
		)
		self.assertEqual(r2.current_team, "RV B")
		self.assertIsNone(r2.current_holder)
		self.assertIn("awaiting acceptance", r2.current_steps)
		self.assertIsNotNone(r2.waiting_since)
		done = frappe.db.get_value(
			"Flow Request", self.r1, ["status", "current_team", "current_steps"], as_dict=True
		)
		self.assertEqual((done.status, done.current_team, done.current_steps), ("Completed", None, None))
		# accepting and claiming move it on: the holder is the claimant, waiting since the acceptance
		from everstep_flow.api import handoff as handoff_api

		frappe.set_user(B_AGENT)
		handoff_api.accept_handoff(self.h3)
		accepted = frappe.db.get_value(
			"Flow Request", self.r2, ["current_steps", "waiting_since"], as_dict=True
		)
		self.assertEqual(accepted.current_steps, "B · RV B · unclaimed")
		self.assertEqual(
			accepted.waiting_since.replace(microsecond=0),
			get_datetime(frappe.db.get_value("Flow Task", self.r2_b, "ready_on")).replace(microsecond=0),
		)
		task_api.claim(self.r2_b)
		self.assertEqual(frappe.db.get_value("Flow Request", self.r2, "current_holder"), B_AGENT)
		self.assertEqual(frappe.db.get_value("Flow Task", self.r2_b, "claimed_on") is not None, True)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Flow Task", self.r2_a, "rework_count"), 1)
		self.assertIsNotNone(frappe.db.get_value("Flow Handoff", self.h2, "returned_on"))

	def test_the_task_list_shows_its_requests_sla(self):
		from everstep_flow.clock.sweep import _sla

		fresh = submit_request("RV Flow", {}).name
		task = frappe.db.get_value(
			"Flow Task", {"request": fresh}, ["name", "request_sla", "request_due_on"], as_dict=True
		)
		due = frappe.db.get_value("Flow Request", fresh, "due_on")
		self.assertEqual((task.request_sla, task.request_due_on), ("On Track", due))
		_sla(due + timedelta(minutes=1))
		self.assertEqual(frappe.db.get_value("Flow Task", task.name, "request_sla"), "Breached")

	def test_cancelled_requests_are_nowhere(self):
		from everstep_flow.requests.actions import cancel_request

		frappe.set_user(RV_MANAGER)
		fresh = submit_request("RV Flow", {}).name
		self.assertEqual(frappe.db.get_value("Flow Request", fresh, "current_team"), "RV A")
		cancel_request(fresh, "testing")
		self.assertEqual(
			frappe.db.get_value("Flow Request", fresh, ["current_team", "current_steps"]), (None, None)
		)
