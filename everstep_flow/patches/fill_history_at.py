"""0.8: Flow Request.history_at (when its history last grew) for requests made before it existed."""

import frappe
from frappe.query_builder.functions import Coalesce


def execute() -> None:
	request = frappe.qb.DocType("Flow Request")
	frappe.qb.update(request).set(
		request.history_at, Coalesce(request.last_event_at, request.creation)
	).where(request.history_at.isnull()).run()
