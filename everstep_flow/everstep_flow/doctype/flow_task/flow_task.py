# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from everstep_flow.runtime.progress import output_fields
from everstep_flow.runtime.transitions import after_task, check_task


class FlowTask(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		awaiting_handoff: DF.Link | None
		blocked_reason: DF.SmallText | None
		checklist_state: DF.JSON | None
		claimed_by: DF.Link | None
		completed_on: DF.Datetime | None
		due_on: DF.Datetime | None
		escalation_level: DF.Int
		follow_up_on: DF.Datetime | None
		follow_up_sent_for: DF.Datetime | None
		instructions: DF.TextEditor | None
		outputs: DF.JSON | None
		request: DF.Link
		return_reason: DF.SmallText | None
		service: DF.Link | None
		started_on: DF.Datetime | None
		status: DF.Literal[
			"Queued",
			"Claimed",
			"In Progress",
			"Blocked",
			"Waiting on Customer",
			"Done",
			"Skipped",
			"Cancelled",
		]
		step_key: DF.Data | None
		team: DF.Link
		title: DF.Data | None
	# end: auto-generated types
	"""A step instance owned by a team. Every status change goes through runtime.transitions."""

	def validate(self) -> None:
		check_task(self)

	def onload(self) -> None:
		if self.status == "In Progress":
			self.set_onload("output_fields", output_fields(self))

	def on_update(self) -> None:
		after_task(self)

	def validate_workflow(self) -> None:
		# Engine-made moves (created Skipped, reopened on a returned handoff) are checked by the core machine;
		# Frappe's Workflow check is for what people do.
		if not self.flags.flow_system:
			super().validate_workflow()


def on_doctype_update() -> None:
	"""Team queues filter by team and status together."""
	frappe.db.add_index("Flow Task", ["team", "status"])
