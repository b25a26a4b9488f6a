# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class FlowEvent(Document):
	"""Append-only ledger row. Written by runtime.ledger; nobody edits or deletes one, whatever their role."""

	def validate(self) -> None:
		if not self.is_new():
			frappe.throw(_("Flow Events are append-only and cannot be edited."), frappe.PermissionError)

	def on_trash(self) -> None:
		frappe.throw(_("Flow Events are append-only and cannot be deleted."), frappe.PermissionError)
