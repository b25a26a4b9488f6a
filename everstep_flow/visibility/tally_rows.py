"""The rows of Flow Day Tally as the reports read them: a column of the days of a period, those the job vouched for
lately (visibility.day_tallies writes them; each report's part says what else makes a day untrusted)."""

from __future__ import annotations

from datetime import date, datetime

import frappe
from frappe.query_builder import DocType
from frappe.utils import getdate, now_datetime

from everstep_flow.engine import day_tallies as core

DOCTYPE = "Flow Day Tally"


def vouched(start: datetime, end: datetime, column: str) -> dict[date, tuple[datetime, str | None]]:
	"""{day: (as_of, `column`)} of the tallies of [start, end) the job vouched for lately (engine.day_tallies.FRESH)."""
	t = DocType(DOCTYPE)
	fresh = now_datetime() - core.FRESH - core.MARGIN
	return {
		getdate(name): (as_of, value)
		for name, as_of, value in frappe.qb.from_(t)
		.select(t.name, t.as_of, t[column])
		.where((t.day >= start.date()) & (t.day < end.date()))
		.run()
		if as_of >= fresh
	}
