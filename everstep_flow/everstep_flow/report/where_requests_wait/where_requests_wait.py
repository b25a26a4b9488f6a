# Copyright (c) 2026, everstep_flow contributors
"""Where requests wait: per service and step, the work in progress now and, for the tasks finished in the period,
throughput, waiting time (ready -> claimed or started), working time (started -> done), flow efficiency and rework.

Open tasks are read grouped (index: status). The period's finished days come from their day tallies (kept by a
job: visibility.day_tallies), the rest of it (today, a day changed since its tally) from the tasks completed in it
(index: completed_on), as numbers computed by the database. Times are wall-clock hours. An agent sees their teams'
steps only."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime

from everstep_flow.engine import states as S
from everstep_flow.engine.day_tallies import merged, pooled, split_period
from everstep_flow.engine.reports import StepTally, step_rows, step_totals
from everstep_flow.visibility import day_tallies, report_copies
from everstep_flow.visibility.reporting import (
	checked_service,
	escaped,
	period,
	report_filters,
	visible_teams,
)

FILTERS = ("from_date", "to_date", "service", "team")  # as its .js declares them


def execute(filters: dict | None = None, now=None):
	return report_copies.served("Where Requests Wait", __name__, report_filters(filters, FILTERS), now)


def compute(filters: frappe._dict, now=None):
	"""The figures, read now (execute serves the user's copy of them where the site keeps copies)."""
	now = now or now_datetime()
	tallies, wip, titles = facts(filters, now)
	rows = step_rows(tallies, wip)
	for row in rows:
		row["step_title"] = titles.get((row["service"], row["step"]), row["step"])
	escaped(rows, "step_title", "step")
	return columns(), rows, None, chart(rows), summary(tallies.values(), rows)


def facts(filters, now) -> tuple[dict[tuple[str, str], StepTally], dict, dict]:
	"""Each step's tally of the period, its work in progress now, and its title."""
	start, end = period(filters, now)
	teams = visible_teams(filters.get("team"))
	service = checked_service(filters.get("service"))
	if teams == []:
		return {}, {}, {}
	task = DocType("Flow Task")

	def narrowed(query):
		if teams is not None:
			query = query.where(task.team.isin(teams))
		if service:
			query = query.where(task.service == service)
		return query

	titles: dict[tuple[str, str], str] = {}
	wip: dict[tuple[str, str], int] = {}
	open_rows = narrowed(
		frappe.qb.from_(task)
		.select(task.service, task.step_key, task.title, Count("*"))
		.where(task.status.isin(S.TASK_OPEN))
		.groupby(task.service, task.step_key, task.title)
	).run()
	for svc, step, title, count in open_rows:
		wip[(svc, step)] = wip.get((svc, step), 0) + count
		titles[(svc, step)] = title

	# The period's finished days from their tallies, the rest (today, a changed day) from the tasks
	days = day_tallies.trusted(start, end)
	inside, ranges = split_period(start, end, days)
	tallies = pooled([days[d] for d in inside], teams, service)
	for key, tally in day_tallies.task_tallies(ranges, narrowed).items():
		tallies[key] = merged([tallies[key], tally]) if key in tallies else tally
	missing = tallies.keys() - titles.keys()  # steps with nothing open now: their title in the catalog
	if missing:
		for svc, step, title in frappe.get_all(
			"Flow Service Step",
			filters={"parenttype": "Flow Service", "parent": ("in", list({svc for svc, _s in missing}))},
			fields=["parent", "step_key", "title"],
			as_list=True,
		):
			if (svc, step) in missing:
				titles[(svc, step)] = title
	return tallies, wip, titles


def columns() -> list[dict]:
	def col(name, label, fieldtype="Float", width=110):
		return {"fieldname": name, "label": _(label), "fieldtype": fieldtype, "width": width}

	return [
		{
			"fieldname": "service",
			"label": _("Service"),
			"fieldtype": "Link",
			"options": "Flow Service",
			"width": 170,
		},
		{"fieldname": "step_title", "label": _("Step"), "fieldtype": "Data", "width": 170},
		col("wip", "In Progress Now", "Int"),
		col("throughput", "Done in Period", "Int"),
		col("median_wait_hours", "Median Wait (h)"),
		col("p90_wait_hours", "P90 Wait (h)"),
		col("median_work_hours", "Median Work (h)"),
		col("p90_work_hours", "P90 Work (h)"),
		col("flow_efficiency", "Flow Efficiency %", "Percent"),
		col("rework", "Rework", "Int"),
	]


def chart(rows: list[dict]) -> dict:
	rows = sorted(rows, key=lambda r: -(r["median_wait_hours"] or 0))[:15]
	return {
		"data": {
			"labels": [f"{r['service']}: {r['step_title']}" for r in rows],
			"datasets": [
				{"name": _("Median wait (h)"), "values": [r["median_wait_hours"] or 0 for r in rows]},
				{"name": _("Median work (h)"), "values": [r["median_work_hours"] or 0 for r in rows]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}


def summary(tallies, rows: list[dict]) -> list[dict]:
	total = step_totals(tallies)
	return [
		{
			"label": _("In Progress Now"),
			"value": sum(r["wip"] for r in rows),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{"label": _("Done in Period"), "value": total["done"], "datatype": "Int", "indicator": "Green"},
		{
			"label": _("Median Wait (h)"),
			"value": total["median_wait_hours"] or 0,
			"datatype": "Float",
			"indicator": "Orange",
		},
		{
			"label": _("Flow Efficiency %"),
			"value": total["flow_efficiency"] or 0,
			"datatype": "Percent",
			"indicator": "Blue",
		},
		{
			"label": _("Rework"),
			"value": sum(r["rework"] for r in rows),
			"datatype": "Int",
			"indicator": "Orange" if any(r["rework"] for r in rows) else "Green",
		},
	]
