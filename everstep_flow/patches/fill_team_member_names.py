import frappe


def execute():
	"""Team members' names moved to user_full_name / delegate_full_name (Frappe's `<link>_full_name` convention,
	so the grid shows each User link with its own name). Fill them for existing rows."""
	for row in frappe.get_all("Flow Team Member", fields=["name", "user", "delegate"]):
		frappe.db.set_value(
			"Flow Team Member",
			row.name,
			{
				"user_full_name": frappe.db.get_value("User", row.user, "full_name"),
				"delegate_full_name": frappe.db.get_value("User", row.delegate, "full_name")
				if row.delegate
				else None,
			},
			update_modified=False,
		)
