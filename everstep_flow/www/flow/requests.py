"""/flow/requests: the portal user's own requests."""

import frappe
from frappe import _
from frappe.utils import escape_html

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=/flow/requests"
		raise frappe.Redirect
	context.requests = frappe.get_all(
		"Flow Request",
		filters={"requester": frappe.session.user},
		fields=["name", "subject", "service", "status", "sla_status", "creation", "due_on"],
		order_by="creation desc",
		limit_page_length=200,
		ignore_permissions=True,  # filtered to the user's own requests right here
	)
	context.heading = _("My Requests")
	context.title = escape_html(context.heading)  # Frappe's base template and breadcrumbs print it raw
	context.show_sidebar = True
	return context
