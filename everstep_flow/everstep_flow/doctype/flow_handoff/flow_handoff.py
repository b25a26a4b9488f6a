# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from everstep_flow.runtime.transitions import after_handoff, check_handoff


class FlowHandoff(Document):
	"""An explicit transfer between teams: Pending until the receiving team accepts or returns it."""

	def validate(self) -> None:
		check_handoff(self)

	def on_update(self) -> None:
		after_handoff(self)

	def validate_workflow(self) -> None:
		if not self.flags.flow_system:
			super().validate_workflow()


def on_doctype_update() -> None:
	"""A team's pending handoffs: to_team + status."""
	frappe.db.add_index("Flow Handoff", ["to_team", "status"])
