# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from everstep_flow.base.catalog import definition_from_doc, throw_problems
from everstep_flow.base.door import throw_field_problems
from everstep_flow.engine import fingerprint, problems, render_svg
from everstep_flow.hosts.helpdesk import check_service
from everstep_flow.requests.guard import refuse_changes
from everstep_flow.teams.availability import disabled_teams_of
from everstep_flow.visibility.measures import edge_bounces, step_waits


class FlowService(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from everstep_flow.everstep_flow.doctype.flow_intake_field.flow_intake_field import FlowIntakeField
		from everstep_flow.everstep_flow.doctype.flow_service_step.flow_service_step import FlowServiceStep

		allow_guest: DF.Check
		calendar: DF.Link | None
		category: DF.Data | None
		definition_hash: DF.Data | None
		description: DF.TextEditor | None
		email_body_field: DF.Data | None
		intake_email_account: DF.Link | None
		intake_fields: DF.Table[FlowIntakeField]
		is_published: DF.Check
		owner_team: DF.Link | None
		steps: DF.Table[FlowServiceStep]
		target_resolution: DF.Duration | None
		title: DF.Data
		version: DF.Int
	# end: auto-generated types
	"""A catalog entry: the process definition is validated by the core; the controller only maps and persists."""

	def validate(self) -> None:
		if self.is_new():
			self.version, self.definition_hash = 0, None  # computed here, never taken from the caller
		refuse_changes(self, ("version", "definition_hash"), _("it follows the process definition"))
		definition = definition_from_doc(self)
		if found := problems(definition):
			throw_problems(found, "Invalid process definition")
		if found := check_service(self):
			throw_field_problems(found, "Invalid Helpdesk settings")
		self.bump_version(fingerprint(definition))

	def bump_version(self, new_fingerprint: str) -> None:
		"""Running requests keep their snapshot; the version tells people which definition they run."""
		if new_fingerprint != self.definition_hash:
			self.version = cint(self.version) + 1
			self.definition_hash = new_fingerprint

	def onload(self) -> None:
		definition = definition_from_doc(self)
		self.set_onload("process_map", render_svg(definition))
		if not self.is_new():
			self.set_onload(
				"measured_map",
				render_svg(definition, waits=step_waits(self.name), bounces=edge_bounces(self.name)),
			)
		self.set_onload("disabled_teams", disabled_teams_of(self))
