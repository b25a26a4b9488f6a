# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowServiceStep(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accept_window: DF.Duration | None
		checklist: DF.SmallText | None
		condition: DF.Code | None
		depends_on: DF.Data | None
		instructions: DF.TextEditor | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		required_outputs: DF.SmallText | None
		step_key: DF.Data
		target_duration: DF.Duration | None
		team: DF.Link
		title: DF.Data
	# end: auto-generated types
	pass
