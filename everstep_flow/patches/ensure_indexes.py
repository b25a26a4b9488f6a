"""0.9: the indexes our doctypes declare in `on_doctype_update` (composite ones, and on PostgreSQL the single-column
ones Frappe 15 left out, see everstep_flow.indexes), for sites whose doctypes did not change since they were added:
Frappe runs `on_doctype_update` only when a doctype is synced."""

import frappe

from everstep_flow.indexes import OUR_INDEXED


def execute() -> None:
	for doctype in OUR_INDEXED:
		module = frappe.get_meta(doctype).module
		controller = frappe.get_module(
			f"{frappe.scrub(frappe.local.module_app[frappe.scrub(module)])}.{frappe.scrub(module)}"
			f".doctype.{frappe.scrub(doctype)}.{frappe.scrub(doctype)}"
		)
		if hook := getattr(controller, "on_doctype_update", None):
			hook()
