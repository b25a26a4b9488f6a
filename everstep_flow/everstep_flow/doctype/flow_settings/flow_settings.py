# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		default_calendar: DF.Link | None
		escalate_lead_after: DF.Duration | None
		escalate_managers_after: DF.Duration | None
		escalate_team_after: DF.Duration | None
		guest_rate_limit: DF.Int
		nudge_claimant_after: DF.Duration | None
		portal_title: DF.Data | None
		stale_request_after: DF.Duration | None
	# end: auto-generated types
	pass
