"""Requests and their values left Frappe's global search (issue 18): its results are filtered by doctype, not by
row, so anyone who may read one request would find every other request's subject and values there. The app's own
search (Find Requests) answers with the rows the user may open."""

import frappe

OURS = ("Flow Request", "Flow Request Value")


def execute() -> None:
	if frappe.db.table_exists("__global_search"):
		frappe.db.delete("__global_search", {"doctype": ("in", OURS)})
