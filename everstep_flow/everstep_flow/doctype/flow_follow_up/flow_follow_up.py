# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from everstep_flow.requests.guard import never_deleted


class FlowFollowUp(Document):
	"""The next step a call ended with: when, which team (and maybe which member), what. Made by logging a call;
	changed only by its actions (Mark Done, Push), each a ledger event (everstep_flow.clients.calls)."""

	def before_insert(self) -> None:
		if not self.flags.flow_system:
			frappe.throw(_("A follow-up is made by logging a call."), frappe.PermissionError)

	def validate(self) -> None:
		if not self.is_new() and not self.flags.flow_system:
			frappe.throw(
				_("A follow-up changes only through Mark Done and Push (everstep_flow.api.follow_up)."),
				frappe.PermissionError,
			)

	def on_trash(self) -> None:
		never_deleted(self)


def on_doctype_update() -> None:
	"""See everstep_flow.indexes."""
	from everstep_flow.indexes import name_postgres_indexes

	name_postgres_indexes("Flow Follow Up")
