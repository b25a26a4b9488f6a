# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowTeamMember(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		availability: DF.Literal["Available", "Away", "Left"]
		away_until: DF.Date | None
		delegate: DF.Link | None
		delegate_full_name: DF.Data | None
		is_lead: DF.Check
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		user: DF.Link
		user_full_name: DF.Data | None
	# end: auto-generated types
	pass
