# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class FlowEventText(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		details: DF.LongText | None
		is_internal: DF.Check
		request: DF.Link
	# end: auto-generated types
	"""A copy of one text event's details, written by base.ledger with the event (in bulk, never as a document):
	nobody inserts, edits or deletes one, whatever their role."""

	def validate(self) -> None:
		frappe.throw(_("Flow Event Texts are written by the ledger only."), frappe.PermissionError)

	def on_trash(self) -> None:
		frappe.throw(_("Flow Event Texts are append-only and cannot be deleted."), frappe.PermissionError)


def on_doctype_update() -> None:
	from everstep_flow.indexes import name_postgres_indexes

	name_postgres_indexes("Flow Event Text")
