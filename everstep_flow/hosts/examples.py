"""Example triggers, shipped disabled: installed on install and migrate for each host doctype that exists."""

from __future__ import annotations

import frappe

from everstep_flow.hosts import crm, erpnext, helpdesk, installed


def all_examples() -> tuple[dict, ...]:
	return (*erpnext.EXAMPLES, *helpdesk.EXAMPLES, *crm.EXAMPLES)


def install_example_triggers() -> list[str]:
	"""Idempotent: adds a missing example, never changes one that exists (a Flow Manager may have tuned or
	enabled it), except to fill in its service once that service exists (the demo makes them). Never fails the
	install or migrate that calls it: a problem is logged."""
	made = []
	for example in all_examples():
		name = example["trigger_name"]
		if not installed(example["document_type"]):
			continue
		service = example["service"] if frappe.db.exists("Flow Service", example["service"]) else None
		try:
			if frappe.db.exists("Flow Trigger", name):
				doc = frappe.get_doc("Flow Trigger", name)
				if not doc.service and service and not doc.enabled:
					doc.service = service
					doc.save(ignore_permissions=True)
				continue
			frappe.get_doc({"doctype": "Flow Trigger", **example, "enabled": 0, "service": service}).insert(
				ignore_permissions=True
			)
			made.append(name)
		except frappe.ValidationError:
			# Most likely a service of that name with other intake fields: keep the example without a service.
			frappe.clear_last_message()
			try:
				if not frappe.db.exists("Flow Trigger", name):
					frappe.get_doc(
						{"doctype": "Flow Trigger", **example, "enabled": 0, "service": None}
					).insert(ignore_permissions=True)
					made.append(name)
			except frappe.ValidationError:
				frappe.clear_last_message()
				frappe.log_error(title=f"everstep_flow: example trigger {name} not installed")
	return made
