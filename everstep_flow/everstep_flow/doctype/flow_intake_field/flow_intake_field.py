# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowIntakeField(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		at_intake: DF.Check
		fieldname: DF.Data
		fieldtype: DF.Literal[
			"Data",
			"Small Text",
			"Long Text",
			"Int",
			"Float",
			"Currency",
			"Date",
			"Datetime",
			"Select",
			"Check",
			"Email",
			"Phone",
			"Link",
			"Attach",
		]
		help: DF.SmallText | None
		label: DF.Data
		options: DF.SmallText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		required: DF.Check
	# end: auto-generated types
	pass
