from frappe.model.document import Document


class FlowHostMilestone(Document):
	"""How one milestone of a request is posted on the host document that started it (Flow Service)."""
