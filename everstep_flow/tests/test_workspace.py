"""The Flow workspace: installed with its number cards and charts, permission-aware, where Flow people land."""

from __future__ import annotations

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.api import orphans as orphans_api
from everstep_flow.boot import boot_session
from everstep_flow.requests.intake import submit_request
from everstep_flow.tests.utils import make_team, make_user, new_service, recorded_queries, step_row

AGENT, OTHER, MANAGER, PLAIN = (
	"ws.agent@example.com",
	"ws.other@example.com",
	"ws.manager@example.com",
	"ws.plain@example.com",
)
CARDS = (
	"Open Requests",
	"Unclaimed Tasks",
	"Handoffs Awaiting Acceptance",
	"Requests at Risk",
	"Requests Breached",
	"Open Leaks",
)
CHARTS = (
	"Requests Created",
	"Requests Completed",
	"Open Tasks by Team",
	"Median Handoff Latency by Seam",
)


def figures(chart: dict | None) -> list | None:
	"""A chart's (label, value) pairs; a group-by chart's sorted, as it orders by count alone and ties come in
	whatever order the database gives (Frappe's own twice in a row on PostgreSQL)."""
	if chart is None:
		return None
	pairs = list(zip(chart["labels"], chart["datasets"][0]["values"], strict=True))
	values = [v for _label, v in pairs]
	return sorted(pairs) if values == sorted(values, reverse=True) else pairs


class TestWorkspace(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ("Flow Manager", "Flow Agent"))
		make_user(PLAIN, ("System Manager",))
		make_team("WS Team", AGENT)
		make_team("WS Other", OTHER)
		if not frappe.db.exists("Flow Service", "WS Service"):
			new_service("WS Service", [step_row("a", "WS Team")]).insert()
		frappe.set_user(MANAGER)
		cls.request = submit_request("WS Service", {}).name
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_the_workspace_ships_its_cards_charts_and_shortcuts(self):
		workspace = frappe.get_doc("Workspace", "Flow")
		self.assertEqual(workspace.module, "Everstep Flow")
		self.assertEqual({c.number_card_name for c in workspace.number_cards}, set(CARDS))
		self.assertEqual({c.chart_name for c in workspace.charts}, set(CHARTS))
		blocks = json.loads(workspace.content)
		self.assertTrue({b["data"].get("number_card_name") for b in blocks} >= set(CARDS))
		self.assertIn("flow-follow-ups", {s.link_to for s in workspace.shortcuts})
		for card in CARDS:
			self.assertEqual(frappe.db.get_value("Number Card", card, "is_standard"), 1, card)
		for chart in CHARTS:
			self.assertEqual(frappe.db.get_value("Dashboard Chart", chart, "is_standard"), 1, chart)

	def test_number_cards_count_only_what_the_user_may_open(self):
		from frappe.desk.doctype.number_card.number_card import get_result

		card = frappe.get_doc("Number Card", "Unclaimed Tasks")
		counts = {}
		for user in (AGENT, OTHER, MANAGER):
			frappe.set_user(user)
			counts[user] = get_result(card.as_dict(), card.filters_json)
		frappe.set_user("Administrator")
		self.assertGreaterEqual(counts[AGENT], 1)  # the WS Team's task
		self.assertEqual(
			counts[OTHER], frappe.db.count("Flow Task", {"team": "WS Other", "status": "Queued"})
		)
		self.assertGreaterEqual(counts[MANAGER], counts[AGENT] + counts[OTHER])
		from everstep_flow.everstep_flow.report.leak_audit.leak_audit import leaks

		counted = {}
		for user in (OTHER, MANAGER):
			frappe.set_user(user)
			frappe.cache.delete_value(f"everstep_flow:leak_count:{user}")
			counted[user] = orphans_api.leak_count()
			self.assertEqual(counted[user], len(leaks(frappe.utils.now_datetime())))  # the report's own lines
			self.assertEqual(orphans_api.leak_count(), counted[user])  # the cached count
		self.assertLessEqual(counted[OTHER], counted[MANAGER])

	def test_after_login_flow_people_reach_the_flow_workspace_on_every_site(self):
		"""Frappe's login sends a user to its apps screen's default path: our app is listed for Flow people, so with
		ERPNext (or Helpdesk, CRM) beside it they reach the desk, or its route, and the desk opens on Flow."""
		from frappe.apps import get_apps, get_default_path

		for user in (AGENT, MANAGER):
			frappe.set_user(user)
			frappe.db.set_value("User", user, "default_app", None)
			self.assertIn("everstep_flow", [a["name"] for a in get_apps()], user)
			path = get_default_path()
			info = frappe._dict(user=frappe._dict())
			boot_session(info)
			landing = (
				"/app/flow" if path == "/app" and info.user.default_workspace["name"] == "Flow" else path
			)
			self.assertEqual(landing, "/app/flow", (user, path))
		outsider = make_user("ws.outsider@example.com", ("Blogger",))  # a desk user who works no requests
		frappe.set_user(outsider)
		self.assertNotIn("everstep_flow", [a["name"] for a in get_apps()])

	def test_flow_people_land_on_the_workspace_unless_they_chose_one(self):
		for user, expected in ((AGENT, "Flow"), (MANAGER, "Flow"), (PLAIN, None)):
			frappe.set_user(user)
			info = frappe._dict(user=frappe._dict())
			boot_session(info)
			self.assertEqual((info.user.get("default_workspace") or {}).get("name"), expected, user)
		frappe.set_user(AGENT)
		own = frappe._dict(
			user=frappe._dict(default_workspace={"name": "Home", "public": 1, "title": "Home"})
		)
		boot_session(own)
		self.assertEqual(own.user.default_workspace["name"], "Home")

	def test_a_chart_of_ours_writes_nothing(self):
		"""With a read replica, our charts are computed on it: nothing in their path may write (Frappe's cache
		wrapper stamps the chart's last_synced_on, which a read-only replica refuses)."""
		from everstep_flow.visibility import read_doors

		chart = frappe.get_all(
			"Dashboard Chart", filters={"document_type": ("like", "Flow %")}, pluck="name"
		)[0]
		before = frappe.db.get_value("Dashboard Chart", chart, ["last_synced_on", "modified"])
		with recorded_queries() as queries:
			read_doors.get_chart(chart_name=chart, refresh=1)
		writes = [q for q in queries if q.lstrip().lower().startswith(("update", "insert", "delete"))]
		self.assertEqual(writes, [])
		self.assertEqual(
			frappe.db.get_value("Dashboard Chart", chart, ["last_synced_on", "modified"]), before
		)

	def test_our_charts_show_frappes_figures_counted_by_the_database(self):
		"""visibility.charts counts per day in the database where Frappe reads every row: the same figures as
		Frappe's own computation, for every chart of ours, grain and span, as a manager and the agents of two teams;
		and one grouped row per day travels, not one per request."""
		import inspect

		from frappe.desk.doctype.dashboard_chart import dashboard_chart

		from everstep_flow.visibility import charts

		names = frappe.get_all(
			"Dashboard Chart",
			filters={"document_type": ("like", "Flow %"), "chart_type": ("!=", "Report")},
			pluck="name",
		)
		self.assertTrue(names)
		for user in (MANAGER, AGENT, OTHER):
			frappe.set_user(user)
			for name in names:
				for grain in (None, "Daily", "Weekly", "Monthly", "Quarterly", "Yearly"):
					for span in (None, "Last Week", "Last Quarter", "Last Year", "All Time"):
						with self.subTest(user=user, chart=name, grain=grain, span=span):
							ours = charts.compute(name, None, time_interval=grain, timespan=span)
							frappes = inspect.unwrap(dashboard_chart.get)(
								chart_name=name, time_interval=grain, timespan=span
							)
							self.assertEqual(figures(ours), figures(frappes))
		# filtered on a request's values (Frappe joins the child table): Frappe's own count, no ambiguous column
		frappe.set_user(MANAGER)
		by_values = frappe.as_json([["Flow Request Value", "value", "like", "%a%"]])
		for name in names:
			if frappe.db.get_value("Dashboard Chart", name, "document_type") != "Flow Request":
				continue
			with self.subTest(chart=name, filters="values"):
				self.assertEqual(
					figures(charts.compute(name, None, filters=by_values)),
					figures(inspect.unwrap(dashboard_chart.get)(chart_name=name, filters=by_values)),
				)
		created = next(
			n for n in names if frappe.db.get_value("Dashboard Chart", n, "based_on") == "creation"
		)
		with recorded_queries() as queries:
			charts.compute(created, None, timespan="All Time")
		counted = [q for q in queries if "count(*)" in q.lower()]
		self.assertEqual(len(counted), 1, queries)
		self.assertIn("date(", counted[0].lower())

	def test_a_chart_of_ours_takes_the_desks_empty_options(self):
		"""The desk sends each unset option as an empty string; Frappe's own path reads them as unset, so does ours."""
		from everstep_flow.visibility import read_doors

		for chart in frappe.get_all(
			"Dashboard Chart", filters={"document_type": ("like", "Flow %")}, pluck="name"
		):
			with self.subTest(chart=chart):
				result = read_doors.get_chart(
					chart_name=chart,
					refresh=1,
					filters="",
					from_date="",
					to_date="",
					timespan="",
					time_interval="",
					heatmap_year="",
				)
				self.assertIn("datasets", result)
