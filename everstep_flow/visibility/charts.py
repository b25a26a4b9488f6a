"""The figures of a Dashboard Chart of our doctypes, as Frappe's Dashboard Chart computes them, with the database
doing the counting.

Frappe's count time series groups by the date field itself, a datetime: every row of the period travels to Python
(the workspace's Requests Created, a month of 8,000 requests: 0.26 s) to be bucketed there. Here the database counts
per day, and Frappe's own `get_result` buckets the days: its count of a period adds up the counts of the rows it
reads, so days (any grain is a day or longer) give the same figures. And our doctypes are not submittable (their
docstatus is always 0): the "not cancelled" filter Frappe adds would only make the database read every row for a
column no index of ours holds. Other charts (sums, averages, heatmaps) are Frappe's own computation."""

from __future__ import annotations

import inspect

import frappe
from frappe import _
from frappe.desk.doctype.dashboard_chart import dashboard_chart as frappe_chart
from frappe.model import numeric_fieldtypes
from frappe.utils import get_datetime, getdate, now_datetime
from frappe.utils.data import format_date
from frappe.utils.dateutils import (
	get_from_date_from_timespan,
	get_period,
	get_period_beginning,
)


def compute(chart_name: str | None, chart, **options) -> dict | None:
	"""What `frappe.desk.doctype.dashboard_chart.dashboard_chart.get` answers, without its cache (see
	read_doors.get_chart), for the same options (filters, from_date, to_date, timespan, time_interval,
	heatmap_year). The chart's doctype is one of ours (the caller checked)."""
	doc = (
		frappe.get_doc("Dashboard Chart", chart_name)
		if chart_name
		else frappe._dict(frappe.parse_json(chart))
	)
	if (
		doc.type == "Heatmap"
		or doc.chart_type not in ("Count", "Group By")
		or frappe.get_meta(doc.document_type).is_submittable
	):
		return inspect.unwrap(frappe_chart.get)(
			chart_name=chart_name, chart=None if chart_name else chart, **options
		)
	_check_columns(doc)
	# as Frappe's `get` reads its arguments
	from_date, to_date = options.get("from_date"), options.get("to_date")
	time_interval = options.get("time_interval")
	timespan = options.get("timespan") or doc.timespan
	if timespan == "Select Date Range":
		from_date = get_datetime(from_date) if from_date else doc.from_date
		to_date = get_datetime(to_date) if to_date else get_datetime(doc.to_date)
	filters = frappe.parse_json(options.get("filters")) or frappe.parse_json(doc.filters_json) or []
	if doc.chart_type == "Group By":
		return frappe_chart.get_group_by_chart_config(doc, filters)
	if _joins_another_table(doc.document_type, filters):
		# a filter on a child table (a request's values) joins it: `date(creation)` would be ambiguous, and
		# Frappe reads a table-qualified column inside a function as a table name; Frappe's own count serves
		filters.append([doc.document_type, "docstatus", "<", 2, False])
		return frappe_chart.get_chart_config(
			doc, filters, timespan, time_interval or doc.time_interval, from_date, to_date
		)
	return count_series(doc, filters, timespan, time_interval or doc.time_interval, from_date, to_date)


def _check_columns(doc) -> None:
	"""A chart given as JSON names its own columns, which go into the SQL: each must be a column of the doctype
	(the date a count is based on: a date or datetime; a sum or average: a number, as Frappe's chart form offers)."""
	meta = frappe.get_meta(doc.document_type)
	if doc.chart_type == "Group By":
		columns = meta.get_valid_columns()
		if doc.group_by_based_on not in columns:
			frappe.throw(_("chart: group_by_based_on must be a field of {0}").format(doc.document_type))
		numbers = {df.fieldname for df in meta.fields if df.fieldtype in numeric_fieldtypes}
		if doc.aggregate_function_based_on and doc.aggregate_function_based_on not in numbers:
			frappe.throw(
				_("chart: aggregate_function_based_on must be a number field of {0}").format(
					doc.document_type
				)
			)
		return
	dates = {"creation", "modified"} | {
		df.fieldname for df in meta.fields if df.fieldtype in ("Date", "Datetime")
	}
	if doc.based_on not in dates:
		frappe.throw(_("chart: based_on must be a date field of {0}").format(doc.document_type))


def _joins_another_table(doctype: str, filters) -> bool:
	"""Does a filter name another doctype (Frappe joins its table)? Filters as a dict name the chart's own."""
	if isinstance(filters, dict):
		return False
	return any(
		isinstance(f, list | tuple) and len(f) >= 4 and f[0] and f[0] != doctype for f in filters or []
	)


def count_series(doc, filters: list, timespan, timegrain, from_date, to_date) -> dict:
	"""Frappe's `get_chart_config` for a count chart, counted per day by the database."""
	if not from_date:
		from_date = get_period_beginning(get_from_date_from_timespan(to_date, timespan), timegrain)
	if not to_date:
		to_date = now_datetime()
	from_date = getdate(from_date).strftime("%Y-%m-%d")
	doctype, datefield = doc.document_type, doc.based_on
	filters.append([doctype, datefield, ">=", from_date, False])
	filters.append([doctype, datefield, "<=", to_date, False])
	day = f"date({datefield})"  # unqualified: Frappe reads a qualified column in a function as a table
	data = frappe.get_list(
		doctype,
		fields=[day, "count(*)", "count(*)"],  # (day, sum, count): a count chart reads the count
		filters=filters,
		group_by=day,
		order_by=day,
		as_list=True,
		parent_doctype=doc.parent_document_type,
	)
	result = frappe_chart.get_result(
		[(getdate(d), s, n) for d, s, n in data], timegrain, from_date, to_date, doc.chart_type
	)
	return {
		"labels": [
			format_date(get_period(r[0], timegrain), parse_day_first=True)
			if timegrain in ("Daily", "Weekly")
			else get_period(r[0], timegrain)
			for r in result
		],
		"datasets": [{"name": doc.name, "values": [r[1] for r in result]}],
	}
