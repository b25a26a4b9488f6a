# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FlowTriggerField(Document):
	"""One intake value of a triggered request: a field of the source document, or a fixed value."""
