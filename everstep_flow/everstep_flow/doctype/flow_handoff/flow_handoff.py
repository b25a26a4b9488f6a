# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from everstep_flow.clock.notify import on_handoff_inserted
from everstep_flow.requests.actions import handoff_moves_for
from everstep_flow.requests.guard import engine_only_insert, never_deleted
from everstep_flow.requests.transitions import after_handoff, check_handoff


class FlowHandoff(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accept_by: DF.Datetime | None
		accepted_by: DF.Link | None
		accepted_on: DF.Datetime | None
		escalation_level: DF.Int
		from_task: DF.Link | None
		from_team: DF.Link | None
		note: DF.SmallText | None
		outputs: DF.JSON | None
		request: DF.Link
		return_reason: DF.SmallText | None
		sent_by: DF.Link | None
		sent_on: DF.Datetime | None
		status: DF.Literal["Pending", "Accepted", "Returned", "Cancelled"]
		to_step: DF.Data | None
		to_task: DF.Link | None
		to_team: DF.Link | None
	# end: auto-generated types
	"""An explicit transfer between teams: Pending until the receiving team accepts or returns it."""

	def before_insert(self) -> None:
		if not self.flags.flow_system:
			engine_only_insert(self)  # refused: handoffs are made by the engine

	def after_insert(self) -> None:
		on_handoff_inserted(self)  # the receiving team is told once the move commits

	def on_trash(self) -> None:
		never_deleted(self)

	def validate(self) -> None:
		if not self.is_new():  # an engine-made handoff has nothing to check yet (requests.apply)
			check_handoff(self)  # the gate, including that no other field changed

	def on_update(self) -> None:
		if self.flags.flow_transition:
			after_handoff(self)

	def onload(self) -> None:
		from everstep_flow.base.catalog import definition_of
		from everstep_flow.engine.task_view import labelled
		from everstep_flow.visibility.task_view import as_object

		self.set_onload("moves", handoff_moves_for(self.name, self))
		request = frappe.db.get_value("Flow Request", self.request, ["name", "definition"], as_dict=True)
		if request and request.definition:
			self.set_onload("outputs", labelled(definition_of(request), as_object(self.outputs)))


def on_doctype_update() -> None:
	"""A team's pending handoffs: to_team + status."""
	from everstep_flow.indexes import covering_index, name_postgres_indexes

	name_postgres_indexes("Flow Handoff")
	# Handoffs by Seam reads the month's handoffs from the index alone.
	covering_index(
		"Flow Handoff",
		"seam_handoffs",
		[
			"sent_on",
			"status",
			"from_team",
			"to_team",
			"request",
			"accept_by",
			"accepted_on",
			"returned_on",
			"to_step",
		],
		replacing="sent_handoffs",
	)
	frappe.db.add_index("Flow Handoff", ["to_team", "status"])
