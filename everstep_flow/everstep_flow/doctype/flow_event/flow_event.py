# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document


class FlowEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		actor: DF.Link | None
		at: DF.Datetime
		details: DF.JSON | None
		event_type: DF.Literal[
			"created",
			"claimed",
			"released",
			"started",
			"completed",
			"skipped",
			"blocked",
			"unblocked",
			"waiting",
			"resumed",
			"cancelled",
			"handed_off",
			"accepted",
			"returned",
			"reopened",
			"withdrawn",
			"status_changed",
			"commented",
			"nudged",
			"escalated",
			"paused",
			"reassigned",
		]
		from_state: DF.Data | None
		from_team: DF.Link | None
		handoff: DF.Link | None
		is_internal: DF.Check
		request: DF.Link
		task: DF.Link | None
		to_state: DF.Data | None
		to_team: DF.Link | None
	# end: auto-generated types
	"""Append-only ledger row. Written by base.ledger; nobody edits or deletes one, whatever their role."""

	def validate(self) -> None:
		if not self.is_new():
			frappe.throw(_("Flow Events are append-only and cannot be edited."), frappe.PermissionError)

	def after_insert(self) -> None:
		"""An event inserted as a document (the ledger writes its rows in bulk, with their text): its text copy."""
		from everstep_flow.base import ledger

		details = self.details
		row = {
			**self.as_dict(),
			"details": json.dumps(details, sort_keys=True)
			if details and not isinstance(details, str)
			else details,
		}
		ledger.write_texts([tuple(row.get(field) for field in ledger.EVENT_FIELDS)])

	def on_trash(self) -> None:
		frappe.throw(_("Flow Events are append-only and cannot be deleted."), frappe.PermissionError)


def on_doctype_update() -> None:
	"""The Five Seam Audit reads one type's events of a period (the calls of the month among millions of events);
	(event_type, request) finds a request's events of a kind."""
	from everstep_flow.indexes import name_postgres_indexes

	name_postgres_indexes("Flow Event")
	frappe.db.add_index("Flow Event", ["event_type", "request"])
	frappe.db.add_index("Flow Event", ["event_type", "at"])
