# Copyright (c) 2026, everstep_flow contributors
"""Handoffs by seam: per pair of teams (from -> to), how fast handoffs are accepted, how many come late or bounce,
and how often work for one step crosses the same seam again on one request (ping-pong).

Reads the handoffs sent in the period (index: sent_on) as numbers (engine.reports.HandoffMeasure, computed by the
database: no datetime travels), with each handoff's receiving step for ping-pong. An agent sees the seams touching
their teams only."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import escape_html, now_datetime
from pypika import Case

from everstep_flow.engine import states as S
from everstep_flow.engine.reports import (
	SeamTally,
	repeated_crossings,
	seam_tally,
	seam_totals,
	tally_groups,
	tally_rows,
)
from everstep_flow.visibility.reporting import (
	hours_of,
	microseconds_between,
	period,
	read_columns,
	report_filters,
	visible_teams,
)


def execute(filters: dict | None = None, now=None):
	filters = report_filters(filters)
	now = now or now_datetime()
	tallies, back = seams(filters, now)
	rows = tally_rows(tallies, back)
	return columns(), rows, None, chart(rows), summary(tallies.values(), rows)


def seams(filters, now) -> tuple[dict[tuple[str, str], SeamTally], dict[tuple[str, str], int]]:
	"""Each seam's tally and its ping-pongs."""
	start, end = period(filters, now)
	teams = visible_teams(filters.get("team"))
	if teams == []:
		return {}, {}
	h = DocType("Flow Handoff")
	sent = (h.sent_on >= start) & (h.sent_on < end) & (h.status != S.CANCELLED)
	if teams is not None:
		sent &= h.from_team.isin(teams) | h.to_team.isin(teams)

	def flag(condition) -> Case:
		return Case().when(condition, 1).else_(0)

	# engine.reports.is_late, said in SQL (a bench test checks the two agree)
	decided = Coalesce(h.accepted_on, h.returned_on)
	late = h.accept_by.notnull() & (
		(decided > h.accept_by) | (decided.isnull() & (h.status == S.PENDING) & (h.accept_by < now))
	)
	requests, sources, targets, statuses, steps, accepts, windowed, lates = read_columns(
		frappe.qb.from_(h).where(sent),
		[h.request, h.from_team, h.to_team, h.status, h.to_step],
		[
			Case().when(h.status == S.ACCEPTED, microseconds_between(h.sent_on, h.accepted_on)),
			flag(h.accept_by.notnull()),
			flag(late),
		],
	)
	tallies = tally_groups(
		zip(sources, targets, strict=True), seam_tally, statuses, hours_of(accepts), windowed, lates
	)
	# Ping-pong: a step's work crossing one seam twice (the handoff keeps its receiving step)
	return tallies, repeated_crossings(zip(requests, sources, targets, (s or "" for s in steps), strict=True))


def columns() -> list[dict]:
	def col(name, label, fieldtype="Int", width=110):
		return {"fieldname": name, "label": _(label), "fieldtype": fieldtype, "width": width}

	team = {"fieldtype": "Link", "options": "Flow Team", "width": 150}
	return [
		{"fieldname": "from_team", "label": _("From Team"), **team},
		{"fieldname": "to_team", "label": _("To Team"), **team},
		col("handoffs", "Handoffs"),
		col("accepted", "Accepted"),
		col("returned", "Returned"),
		col("pending", "Pending"),
		col("median_accept_hours", "Median Hours to Accept", "Float", 130),
		col("p90_accept_hours", "P90 Hours to Accept", "Float", 130),
		col("late_share", "Past Window %", "Percent"),
		col("bounce_rate", "Bounce Rate %", "Percent"),
		col("ping_pong", "Ping-Pong"),
	]


def chart(rows: list[dict]) -> dict:
	rows = rows[:15]
	return {
		"data": {
			"labels": [escape_html(f"{r['from_team']} → {r['to_team']}") for r in rows],
			"datasets": [
				{
					"name": _("Median hours to accept"),
					"values": [r["median_accept_hours"] or 0 for r in rows],
				},
				{"name": _("P90 hours to accept"), "values": [r["p90_accept_hours"] or 0 for r in rows]},
			],
		},
		"type": "bar",
	}


def summary(tallies, rows: list[dict]) -> list[dict]:
	total = seam_totals(tallies)
	late, bounce = total["late_share"], total["bounce_rate"]
	return [
		{"label": _("Handoffs"), "value": total["handoffs"], "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Median Hours to Accept"),
			"value": total["median_accept_hours"] or 0,
			"datatype": "Float",
			"indicator": "Blue",
		},
		{
			"label": _("Past Window %"),
			"value": late or 0,
			"datatype": "Percent",
			"indicator": "Red" if late else "Green",
		},
		{
			"label": _("Bounce Rate %"),
			"value": bounce or 0,
			"datatype": "Percent",
			"indicator": "Orange" if bounce else "Green",
		},
		{
			"label": _("Ping-Pong"),
			"value": sum(r["ping_pong"] for r in rows),
			"datatype": "Int",
			"indicator": "Orange" if any(r["ping_pong"] for r in rows) else "Green",
		},
	]
