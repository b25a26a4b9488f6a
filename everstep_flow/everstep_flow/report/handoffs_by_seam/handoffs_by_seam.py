# Copyright (c) 2026, everstep_flow contributors
"""Handoffs by seam: per pair of teams (from -> to), how fast handoffs are accepted, how many come late or bounce,
and how often work for one step crosses the same seam again on one request (ping-pong).

Reads the handoffs sent in the period (index: sent_on); an agent sees the seams touching their teams only."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html, now_datetime

from everstep_flow.engine import states as S
from everstep_flow.engine.reports import (
	HandoffFact,
	hours_between,
	is_late,
	percentile,
	rounded,
	seam_rows,
	share,
)
from everstep_flow.visibility.reporting import period, report_filters, visible_teams


def execute(filters: dict | None = None, now=None):
	filters = report_filters(filters)
	now = now or now_datetime()
	facts = handoffs(filters, now)
	rows = seam_rows(facts, now)
	return columns(), rows, None, chart(rows), summary(facts, rows, now)


def handoffs(filters, now) -> list[HandoffFact]:
	start, end = period(filters, now)
	teams = visible_teams(filters.get("team"))
	if teams == []:
		return []
	h, task = DocType("Flow Handoff"), DocType("Flow Task")
	query = (
		frappe.qb.from_(h)
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
		.where((h.sent_on >= start) & (h.sent_on < end) & (h.status != S.CANCELLED))
	)
	if teams is not None:
		query = query.where(h.from_team.isin(teams) | h.to_team.isin(teams))
	return [HandoffFact(*row[:-1], step=row[-1] or "") for row in query.run()]


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


def summary(facts: list[HandoffFact], rows: list[dict], now) -> list[dict]:
	latency = [hours_between(h.sent_on, h.accepted_on) for h in facts if h.accepted_on]
	accepted = sum(r["accepted"] for r in rows)
	returned = sum(r["returned"] for r in rows)
	windowed = [h for h in facts if h.accept_by]
	late = share(sum(1 for h in windowed if is_late(h, now)), len(windowed))
	bounce = share(returned, accepted + returned)
	return [
		{"label": _("Handoffs"), "value": len(facts), "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("Median Hours to Accept"),
			"value": rounded(percentile(latency, 0.5)) or 0,
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
