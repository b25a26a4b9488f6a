"""/flow/timeline: the portal client's own timeline (public items of its requests, newest first, paged)."""

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from everstep_flow.clients import timeline
from everstep_flow.engine.calls import KINDS
from everstep_flow.hosts import client_records as clients

no_cache = 1
PAGE = 20


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=/flow/timeline"
		raise frappe.Redirect
	client = clients.of_user(frappe.session.user)
	start = max(0, min(cint(frappe.form_dict.get("start")), 10_000))
	context.client = client.customer
	context.entries = []
	if client.customer:
		kinds = tuple(k for k in timeline.PUBLIC_KINDS if k in KINDS)
		context.entries = timeline.page(
			client.customer_type, client.customer, start=start, limit=PAGE, kinds=kinds, portal=True
		)
	own = set(
		frappe.get_all(
			"Flow Request",
			filters={
				"requester": frappe.session.user,
				"name": ("in", [i["reference_name"] for i in context.entries] or [""]),
			},
			pluck="name",
			ignore_permissions=True,
		)
	)
	for entry in context.entries:
		entry["own"] = entry["reference_name"] in own  # a colleague's request is listed, not opened
	context.start, context.page = start, PAGE
	context.more = len(context.entries) == PAGE
	context.heading = _("Our Timeline")
	context.title = escape_html(context.heading)
	context.show_sidebar = True
	return context
