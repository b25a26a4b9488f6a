# Copyright (c) 2026, everstep_flow contributors
"""The five-seam audit (SEAMS.md): for a period, the leaks at each seam and the list behind them, green at zero."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from everstep_flow.engine.calls import SEAMS
from everstep_flow.teams.membership import is_manager
from everstep_flow.visibility import report_copies
from everstep_flow.visibility.reporting import escaped, period, quick_datetimes, report_filters
from everstep_flow.visibility.seam_audit import LIMIT, calls, follow_ups, inbox, waiting
from everstep_flow.visibility.seam_audit_deals import deals

FILTERS = ("from_date", "to_date", "seam")  # as its .js declares them


def execute(filters: dict | None = None):
	if not is_manager():
		frappe.throw(_("Only a Flow Manager can run the five-seam audit."), frappe.PermissionError)
	return report_copies.served("Five Seam Audit", __name__, report_filters(filters, FILTERS))


def compute(filters: frappe._dict, now=None):
	"""The figures, read now (execute serves the user's copy of them where the site keeps copies)."""
	start, end = period(filters, now)
	now = now or now_datetime()
	with quick_datetimes():
		leaks = {
			1: inbox(start, end),
			2: deals(start, end),
			3: waiting(now),
			4: calls(start, end),
			5: follow_ups(now),
		}
	rows = []
	for seam, label in SEAMS:
		if filters.get("seam") and str(seam) != str(filters.seam):
			continue
		for leak in leaks[seam][:LIMIT]:
			rows.append({"seam": f"{seam}. {label}", **leak})
	summary = [
		{
			"label": f"{seam}. {label}",
			"value": len(leaks[seam]),
			"indicator": "Green" if not leaks[seam] else "Red",
			"datatype": "Int",
		}
		for seam, label in SEAMS
	]
	chart = {
		"data": {
			"labels": [label for _seam, label in SEAMS],
			"datasets": [{"name": _("Leaks"), "values": [len(leaks[s]) for s, _label in SEAMS]}],
		},
		"type": "bar",
		"colors": ["#e24c4c"],
	}
	message = (
		_("Calls with no next step: none, as expected (logging a call requires one).")
		if not leaks[4]
		else _("Calls with no next step were found: they predate the rule or were written around it.")
	)
	return columns(), escaped(rows, "leak", "detail"), message, chart, summary


def columns() -> list[dict]:
	return [
		{"fieldname": "seam", "label": _("Seam"), "fieldtype": "Data", "width": 160},
		{"fieldname": "leak", "label": _("Leak"), "fieldtype": "Data", "width": 280},
		# Data, not a Link to DocType: a Flow Manager may not read DocType (the item's link needs only the name)
		{"fieldname": "reference_doctype", "label": _("Type"), "fieldtype": "Data", "width": 140},
		{
			"fieldname": "reference_name",
			"label": _("Item"),
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 180,
		},
		{"fieldname": "at", "label": _("Since"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "detail", "label": _("Detail"), "fieldtype": "Data", "width": 300},
	]
