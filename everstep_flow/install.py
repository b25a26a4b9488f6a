"""Install and migrate hooks: the app's roles must always exist, even if someone deleted one."""

import frappe

ROLES = ("Flow Manager", "Flow Agent")


def ensure_roles() -> None:
	"""Idempotent: creates a missing role, never touches an existing one (admins may have tuned it)."""
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def after_install() -> None:
	ensure_roles()


def after_migrate() -> None:
	ensure_roles()
