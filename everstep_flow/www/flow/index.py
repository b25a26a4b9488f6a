"""/flow: the catalog of published services (guests see the ones open to guests)."""

import frappe
from frappe import _
from frappe.utils import escape_html

no_cache = 1


def get_context(context):
	filters = {"is_published": 1}
	if frappe.session.user == "Guest":
		filters["allow_guest"] = 1
	services = frappe.get_all(
		"Flow Service",
		filters=filters,
		fields=["name", "title", "category", "description"],
		order_by="category asc, title asc",
		ignore_permissions=True,
	)
	context.categories = {}
	for service in services:
		context.categories.setdefault(service.category or _("Other"), []).append(service)
	context.heading = frappe.db.get_single_value("Flow Settings", "portal_title") or _("Service Catalog")
	context.title = escape_html(context.heading)  # Frappe's base template and breadcrumbs print it raw
	context.show_sidebar = frappe.session.user != "Guest"
	return context
