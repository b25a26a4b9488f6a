# Copyright (c) 2026, everstep_flow contributors
"""Handoffs by seam: per pair of teams (from -> to), how fast handoffs are accepted, how many come late or bounce,
and how often work for one step crosses the same seam again on one request (ping-pong).

The finished days of the period come from their day tallies (visibility.seam_tallies: a month of a busy site is
40,000 handoffs); the rest from the handoffs sent then (index: sent_on), read as numbers computed by the database,
with each handoff's receiving step for ping-pong. An agent sees the seams touching their teams only."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html, now_datetime

from everstep_flow.engine.day_tallies import merged, seams_at, split_period
from everstep_flow.engine.reports import SeamTally, repeated_crossings, seam_totals, tally_rows
from everstep_flow.visibility import report_copies, seam_tallies
from everstep_flow.visibility.reporting import period, report_filters, visible_teams

FILTERS = ("from_date", "to_date", "team")  # as its .js declares them


def execute(filters: dict | None = None, now=None):
	return report_copies.served("Handoffs by Seam", __name__, report_filters(filters, FILTERS), now)


def compute(filters: frappe._dict, now=None):
	"""The figures, read now (execute serves the user's copy of them where the site keeps copies)."""
	now = now or now_datetime()
	tallies, back = seams(filters, now)
	rows = tally_rows(tallies, back)
	return columns(), rows, None, chart(rows), summary(tallies.values(), rows)


def seams(filters, now) -> tuple[dict[tuple[str, str], SeamTally], dict[tuple[str, str], int]]:
	"""Each seam's tally and its ping-pongs: the finished days' from their tallies, the rest (today, a day whose
	handoffs changed since its tally) from the handoffs."""
	start, end = period(filters, now)
	teams = visible_teams(filters.get("team"))
	if teams == []:
		return {}, {}
	days = seam_tallies.trusted(start, end, teams)
	inside, ranges = split_period(start, end, days)
	tallies, crossings = seams_at([days[day] for day in inside], now, teams)
	if ranges:
		h = DocType("Flow Handoff")
		sent = seam_tallies.sent_within(ranges)
		if teams is not None:
			sent &= h.from_team.isin(teams) | h.to_team.isin(teams)
		read, more = seam_tallies.read_seams(sent, now)
		for key, tally in read.items():
			tallies[key] = merged([tallies[key], tally]) if key in tallies else tally
		crossings.extend(more)
	# Ping-pong: a step's work crossing one seam twice (the handoff keeps its receiving step)
	return tallies, repeated_crossings(crossings)


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
