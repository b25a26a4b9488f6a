"""Internal notes were also written as Frappe Comments on the request, which Frappe shows (form sidebar, docinfo)
to anyone who may read the request, its requester included (issue 18). The ledger keeps them; the comments go."""

import json

import frappe
from frappe.utils import escape_html


def execute() -> None:
	notes = frappe.get_all(
		"Flow Event",
		filters={"event_type": "commented", "is_internal": 1},
		fields=["request", "details"],
		order_by=None,
	)
	for note in notes:
		details = note.details if isinstance(note.details, dict) else json.loads(note.details or "{}")
		text = details.get("text")
		if not text:
			continue
		frappe.db.delete(
			"Comment",
			{
				"reference_doctype": "Flow Request",
				"reference_name": note.request,
				"comment_type": "Comment",
				"content": escape_html(text),
			},
		)
