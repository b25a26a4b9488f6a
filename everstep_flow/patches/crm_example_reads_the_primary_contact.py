"""0.13: the shipped example "CRM deal won: onboard the client" took the contact's address from the deal's own
`email`, which CRM fills only from a primary contact row that has one; it now reads `primary_contact_email` (the
deal's primary contact, else the Contact's own address). Only an example still as shipped and disabled is changed:
one a Flow Manager tuned or enabled is theirs."""

import frappe

EXAMPLE = "CRM deal won: onboard the client"


def execute() -> None:
	if not frappe.db.exists("Flow Trigger", EXAMPLE) or frappe.db.get_value(
		"Flow Trigger", EXAMPLE, "enabled"
	):
		return
	row = frappe.db.get_value(
		"Flow Trigger Field",
		{
			"parenttype": "Flow Trigger",
			"parent": EXAMPLE,
			"intake_field": "contact_email",
			"source_field": "email",
		},
		"name",
	)
	if row:
		frappe.db.set_value("Flow Trigger Field", row, "source_field", "primary_contact_email")
