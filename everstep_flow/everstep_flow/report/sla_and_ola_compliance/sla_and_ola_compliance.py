# Copyright (c) 2026, everstep_flow contributors
"""SLA and OLA compliance: for the requests created in the period, per period and service, how many met their SLA,
breached it, are still open (and at risk), and how long their clocks were paused; under each service, the same per
step against the step's own target (its OLA).

The request's outcome is the engine's SLA status (which knows about pauses); a step's is its due date against when it
was done. A period row counts what was *created* in that week or month. Reads the requests created in the period
(index: creation), the open tasks (index: status) and the done ones from the day tallies of the days they were done
on (visibility.day_tallies; a month's tasks grouped by the database took 0.18 s of 500,000). An agent sees their
teams' steps and the services their teams own."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder import Case, DocType
from frappe.query_builder.functions import Count, Date, Sum
from frappe.utils import getdate, now_datetime

from everstep_flow.engine import day_tallies as day_core
from everstep_flow.engine import sla as sla_core
from everstep_flow.engine import states as S
from everstep_flow.engine.reports import PERIODS, SlaFact, compliance_rows, period_of, share
from everstep_flow.visibility import day_tallies, report_copies
from everstep_flow.visibility.reporting import checked_service, escaped, period, report_filters, visible_teams

OUTCOME_OF_SLA = {sla_core.MET: "met", sla_core.BREACHED: "breached"}


FILTERS = ("from_date", "to_date", "periodicity", "service", "team")  # as its .js declares them


def execute(filters: dict | None = None, now=None):
	return report_copies.served("SLA and OLA Compliance", __name__, report_filters(filters, FILTERS), now)


def compute(filters: frappe._dict, now=None):
	"""The figures, read now (execute serves the user's copy of them where the site keeps copies)."""
	now = now or now_datetime()
	periodicity = filters.get("periodicity") or "Weekly"
	if periodicity not in PERIODS:
		frappe.throw(_("periodicity: one of {0}").format(", ".join(PERIODS)), frappe.ValidationError)
	rows = escaped(compliance_rows(facts(filters, periodicity, now)), "step")
	return columns(), rows, None, chart(rows), summary(rows)


def owner_of(service: str) -> str | None:
	return frappe.get_cached_value("Flow Service", service, "owner_team")


def facts(filters, periodicity: str, now) -> list[SlaFact]:
	"""Counted by the database per day (a few thousand rows at most, whatever the volume): requests by their SLA
	status, tasks by their outcome against their due date (the same rule as engine.reports.sla_outcome)."""
	start, end = period(filters, now)
	teams = visible_teams(filters.get("team"))
	service = checked_service(filters.get("service"))
	if teams == []:
		return []
	first_day = getdate(start)
	request = DocType("Flow Request")
	found: list[SlaFact] = []
	day = Date(request.creation)
	requests = (
		frappe.qb.from_(request)
		.select(
			request.service,
			day,
			request.sla_status,
			Count("*"),
			Sum(request.paused_minutes),
		)
		.where(
			(request.creation >= start)
			& (request.creation < end)
			& request.due_on.notnull()
			& (request.status != S.REQ_CANCELLED)
		)
		.groupby(request.service, day, request.sla_status)
	)
	if service:
		requests = requests.where(request.service == service)
	for svc, created, sla_status, count, paused in requests.run():
		team = owner_of(svc) or ""
		if teams is not None and team not in teams:
			continue
		found.append(
			SlaFact(
				period_of(getdate(created), periodicity, first_day),
				svc,
				team,
				"",
				OUTCOME_OF_SLA.get(sla_status, "open"),
				at_risk=sla_status == sla_core.AT_RISK,
				paused_minutes=int(paused or 0),
				count=int(count),
			)
		)
	for svc, title, team, created, result, count in task_outcomes(start, end, now, teams, service):
		found.append(
			SlaFact(
				period_of(getdate(created), periodicity, first_day),
				svc,
				team,
				title,
				result,
				count=int(count),
			)
		)
	return found


def columns() -> list[dict]:
	def col(name, label, fieldtype="Int", width=100):
		return {"fieldname": name, "label": _(label), "fieldtype": fieldtype, "width": width}

	return [
		{"fieldname": "period", "label": _("Period From"), "fieldtype": "Date", "width": 130},
		{
			"fieldname": "service",
			"label": _("Service"),
			"fieldtype": "Link",
			"options": "Flow Service",
			"width": 160,
		},
		{"fieldname": "step", "label": _("Step (OLA)"), "fieldtype": "Data", "width": 160},
		{"fieldname": "team", "label": _("Team"), "fieldtype": "Link", "options": "Flow Team", "width": 130},
		col("met", "Met"),
		col("breached", "Breached"),
		col("open", "Open, Within Target", width=130),
		col("at_risk", "At Risk"),
		col("compliance", "Compliance %", "Percent", 110),
		col("paused_hours", "Paused (h)", "Float"),
	]


def chart(rows: list[dict]) -> dict:
	by_period: dict = {}
	for row in rows:
		if not row["step"]:
			entry = by_period.setdefault(row["period"], [0, 0])
			entry[0] += row["met"]
			entry[1] += row["breached"]
	periods = sorted(by_period)
	return {
		"data": {
			"labels": [str(p) for p in periods],
			"datasets": [
				{"name": _("Met"), "values": [by_period[p][0] for p in periods]},
				{"name": _("Breached"), "values": [by_period[p][1] for p in periods]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#28a745", "#e24c4c"],
	}


def summary(rows: list[dict]) -> list[dict]:
	requests = [r for r in rows if not r["step"]]
	met = sum(r["met"] for r in requests)
	breached = sum(r["breached"] for r in requests)
	compliance = share(met, met + breached)
	return [
		{"label": _("SLA Met"), "value": met, "datatype": "Int", "indicator": "Green"},
		{
			"label": _("SLA Breached"),
			"value": breached,
			"datatype": "Int",
			"indicator": "Red" if breached else "Green",
		},
		{
			"label": _("SLA Compliance %"),
			"value": compliance if compliance is not None else 100,
			"datatype": "Percent",
			"indicator": "Green" if (compliance or 100) >= 90 else "Orange",
		},
		{
			"label": _("At Risk Now"),
			"value": sum(r["at_risk"] for r in requests),
			"datatype": "Int",
			"indicator": "Orange",
		},
		{
			"label": _("Paused (h)"),
			"value": round(sum(r["paused_hours"] for r in requests), 2),
			"datatype": "Float",
			"indicator": "Blue",
		},
	]


def task_outcomes(start: datetime, end: datetime, now: datetime, teams, service) -> list[tuple]:
	"""(service, step title, team, day created, outcome, count) of the tasks created in [start, end) with a due
	date, not cancelled or skipped. The done ones come from the day tallies of the days they were done on, where
	trusted (visibility.day_tallies), else from the tasks; the open ones from the tasks (an index of open tasks)."""
	task = DocType("Flow Task")
	upper = day_core.midnight(now.date() + timedelta(days=1))
	days = day_tallies.trusted_outcomes(start, upper)
	inside, ranges = day_core.split_period(start, upper, days)
	counted: Counter = Counter()  # summed here: a day created is done over many days, each its own entry
	first, last = str(start.date()), str(end.date())
	allowed = None if teams is None else set(teams)
	for day in inside:
		for created, svc, title, team, met, breached in days[day]:
			if (
				first <= created < last
				and (not service or svc == service)
				and (allowed is None or team in allowed)
			):
				counted[(svc, title, team, created, "met")] += met
				counted[(svc, title, team, created, "breached")] += breached
	found: list[tuple] = [
		(svc, title, team, date.fromisoformat(created), outcome, n)
		for (svc, title, team, created, outcome), n in counted.items()
		if n
	]
	# the days left to the tasks, the last one open-ended (a task done after `now`: a report run for the past)
	within = task.completed_on >= (ranges[-1][0] if ranges and ranges[-1][1] == upper else upper)
	for lower, higher in ranges:
		if higher != upper:
			within = within | ((task.completed_on >= lower) & (task.completed_on < higher))
	outcome = (
		Case()
		.when(task.completed_on.notnull() & (task.completed_on <= task.due_on), "met")
		.when(task.completed_on.notnull() | (task.due_on < now), "breached")
		.else_("open")
	)
	created = Date(task.creation)
	for which in (task.status.isin(S.TASK_OPEN), (task.status == S.DONE) & within):
		query = (
			frappe.qb.from_(task)
			.select(task.service, task.title, task.team, created, outcome, Count("*"))
			.where(which & (task.creation >= start) & (task.creation < end) & task.due_on.notnull())
			.groupby(task.service, task.title, task.team, created, outcome)
		)
		if service:
			query = query.where(task.service == service)
		if teams is not None:
			query = query.where(task.team.isin(teams))
		found.extend(query.run())
	return found
