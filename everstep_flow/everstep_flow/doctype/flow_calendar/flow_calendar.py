# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.engine.calendar import CalendarError
from everstep_flow.teams.calendars import calendar_from_doc


class FlowCalendar(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from everstep_flow.everstep_flow.doctype.flow_calendar_holiday.flow_calendar_holiday import (
			FlowCalendarHoliday,
		)
		from everstep_flow.everstep_flow.doctype.flow_calendar_hours.flow_calendar_hours import (
			FlowCalendarHours,
		)

		calendar_name: DF.Data
		holidays: DF.Table[FlowCalendarHoliday]
		timezone: DF.Autocomplete
		working_hours: DF.Table[FlowCalendarHours]
	# end: auto-generated types
	"""Business hours in a timezone, minus holidays; the core checks it (engine.calendar)."""

	def validate(self) -> None:
		try:
			calendar_from_doc(self)
		except CalendarError as e:
			frappe.throw(str(e), frappe.ValidationError, title=_("Invalid calendar"))
		if not self.working_hours:
			frappe.throw(_("working_hours: add at least one shift"), frappe.ValidationError)
		dates = [str(h.holiday_date) for h in self.holidays]
		if len(dates) != len(set(dates)):
			frappe.throw(_("holidays: a date is listed twice"), frappe.ValidationError)


@endpoint()
def import_holiday_list(calendar: str | None = None, holiday_list: str | None = None) -> int:
	"""Copy the dates of an ERPNext Holiday List (when ERPNext is installed) into a calendar."""
	calendar = args.name(calendar, "calendar")
	holiday_list = args.name(holiday_list, "holiday_list")
	if not frappe.db.table_exists("Holiday List") or not frappe.db.exists("Holiday List", holiday_list):
		frappe.throw(
			_("holiday_list: no Holiday List {0} (is ERPNext installed?)").format(escape_html(holiday_list)),
			frappe.ValidationError,
		)
	if not frappe.db.exists("Flow Calendar", calendar):
		frappe.throw(
			_("calendar: no Flow Calendar {0}").format(escape_html(calendar)), frappe.DoesNotExistError
		)
	doc = frappe.get_doc("Flow Calendar", calendar)
	doc.check_permission("write")
	known = {str(h.holiday_date) for h in doc.holidays}
	added = 0
	for row in frappe.get_all(
		"Holiday",
		filters={"parent": holiday_list},
		fields=["holiday_date", "description"],
		order_by="holiday_date",
	):
		if str(row.holiday_date) not in known:
			doc.append("holidays", {"holiday_date": row.holiday_date, "description": row.description})
			added += 1
	doc.save()
	return added
