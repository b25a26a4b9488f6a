# Copyright (c) 2026, everstep_flow contributors
"""Team queue aging: per team, its open work, who holds it, how old it is, what is overdue or at risk.

One grouped query over open tasks (index: team, status), cost with the open work; an agent sees their own teams'
rows only (the Flow Managers every team's)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Case, DocType
from frappe.query_builder.functions import Count, Sum
from frappe.utils import escape_html, now_datetime

from everstep_flow.engine import states as S
from everstep_flow.engine.reports import AGE_LABELS, bucket_edges, totals
from everstep_flow.visibility.reporting import report_filters, visible_teams

FILTERS = ("team",)  # as its .js declares them


def execute(filters: dict | None = None, now=None):
	filters = report_filters(filters, FILTERS)
	rows = queue_rows(now or now_datetime(), filters.get("team"))
	total = totals(rows)
	chart = {
		"data": {
			"labels": [escape_html(r["team"]) for r in rows],
			"datasets": [
				{"name": _(label), "values": [r[key] for r in rows]} for key, label in AGE_LABELS.items()
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}
	summary = [
		{"label": _("Open"), "value": total["open"], "datatype": "Int", "indicator": "Blue"},
		{"label": _("Unclaimed"), "value": total["unclaimed"], "datatype": "Int", "indicator": "Orange"},
		{
			"label": _("Overdue"),
			"value": total["overdue"],
			"datatype": "Int",
			"indicator": "Red" if total["overdue"] else "Green",
		},
		{
			"label": _("At Risk"),
			"value": total["at_risk"],
			"datatype": "Int",
			"indicator": "Orange" if total["at_risk"] else "Green",
		},
	]
	return columns(), rows + ([{"team": _("Total"), **total}] if rows else []), None, chart, summary


def columns() -> list[dict]:
	count = lambda name, label: {"fieldname": name, "label": _(label), "fieldtype": "Int", "width": 100}  # noqa: E731
	return [
		{"fieldname": "team", "label": _("Team"), "fieldtype": "Link", "options": "Flow Team", "width": 180},
		count("open", "Open"),
		count("unclaimed", "Unclaimed"),
		count("claimed", "Claimed"),
		*(count(key, label) for key, label in AGE_LABELS.items()),
		count("overdue", "Overdue"),
		count("at_risk", "Request At Risk"),
	]


def queue_rows(now, team: str | None = None) -> list[dict]:
	task, request = DocType("Flow Task"), DocType("Flow Request")
	query = (
		frappe.qb.from_(task)
		.left_join(request)
		.on(request.name == task.request)
		.select(
			task.team,
			Count("*").as_("open"),
			Sum(Case().when(task.claimed_by.isnull(), 1).else_(0)).as_("unclaimed"),
			Sum(Case().when(task.claimed_by.notnull(), 1).else_(0)).as_("claimed"),
			Sum(Case().when(task.due_on < now, 1).else_(0)).as_("overdue"),
			Sum(Case().when(request.sla_status == "At Risk", 1).else_(0)).as_("at_risk"),
		)
		.where(task.status.isin(S.TASK_OPEN))
		.groupby(task.team)
		.orderby(task.team)
	)
	for key, after, until in bucket_edges(now):
		condition = task.creation <= until
		if after is not None:
			condition &= task.creation > after
		query = query.select(Sum(Case().when(condition, 1).else_(0)).as_(key))
	teams = visible_teams(team)
	if teams == []:
		return []
	if teams is not None:  # an agent's own teams' figures only (or the one asked for)
		query = query.where(task.team.isin(teams))
	return [{k: (int(v) if k != "team" else v) for k, v in row.items()} for row in query.run(as_dict=True)]
