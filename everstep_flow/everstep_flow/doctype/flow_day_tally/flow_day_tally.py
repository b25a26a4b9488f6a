# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class FlowDayTally(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		as_of: DF.Datetime
		day: DF.Date
		outcomes: DF.LongText | None
		seams: DF.LongText | None
		steps: DF.LongText | None
		tasks: DF.LongText | None
	# end: auto-generated types
	"""Figures derived from the tasks, kept by visibility.day_tallies alone: nobody writes one, whatever their role
	(deleting one is harmless: the next run builds it again)."""

	def validate(self) -> None:
		if not self.flags.from_day_tallies:
			frappe.throw(_("Flow Day Tallies are kept by the day tallies job only."), frappe.PermissionError)
