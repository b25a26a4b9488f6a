"""REST: /api/method/everstep_flow.api.client.timeline: one chronological view of everything about a client."""

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.base.door import endpoint
from everstep_flow.clients import timeline as _timeline
from everstep_flow.engine import args
from everstep_flow.engine.calls import wanted_kinds
from everstep_flow.hosts import client_records as clients

MAX_LIMIT = 100


@endpoint(methods=("GET", "POST"))
@frappe.read_only()  # served by a read replica where the site has one
def timeline(
	customer_type: str | None = None,
	customer: str | None = None,
	start: int | str | None = None,
	limit: int | str | None = None,
	kinds: list | str | None = None,
) -> dict:
	"""Newest first, `limit` items from `start`, of the `kinds` asked (default all): items of one shape (kind, at,
	actor, title, reference_doctype, reference_name, summary, is_internal). Staff see what they may open; a portal
	user only their own client's public items."""
	customer_type = args.name(customer_type, "customer_type")
	customer = args.name(customer, "customer")
	start = args.integer(start, "start", default=0, maximum=10_000)
	limit = args.integer(limit, "limit", default=20, minimum=1, maximum=MAX_LIMIT)
	asked = args.names(kinds, "kinds")
	portal = (
		frappe.session.user != "Guest"
		and frappe.get_cached_value("User", frappe.session.user, "user_type") == "Website User"
	)
	try:
		allowed = _timeline.PUBLIC_KINDS if portal else None
		chosen = wanted_kinds(asked, allowed) if allowed else wanted_kinds(asked)
	except ValueError as e:
		frappe.throw(_("kinds: {0}").format(escape_html(str(e))), frappe.ValidationError)
	if customer_type not in clients.client_doctypes():  # "Customer" without ERPNext: no such table
		frappe.throw(
			_("customer_type: must be one of {0}").format(", ".join(clients.client_doctypes())),
			frappe.ValidationError,
		)
	if portal:
		own = clients.of_user(frappe.session.user)
		if (own.customer_type, own.customer) != (customer_type, customer):
			frappe.throw(_("customer: not found"), frappe.DoesNotExistError)
	elif not (
		frappe.db.exists(customer_type, customer)
		and (frappe.has_permission(customer_type, "read", customer) or _works_for(customer_type, customer))
	):
		frappe.throw(
			_("customer: no {0} {1}").format(_(customer_type), escape_html(customer)),
			frappe.DoesNotExistError,
		)
	items = _timeline.page(customer_type, customer, start=start, limit=limit, kinds=chosen, portal=portal)
	return {"items": items, "start": start, "limit": limit, "more": len(items) == limit}


def _works_for(customer_type: str, customer: str) -> bool:
	"""Staff on any request of this client may see its timeline (Frappe hides a website user's Contact from
	people who cannot read Users; the timeline itself still shows only what they may open)."""
	return bool(
		frappe.get_list(
			"Flow Request",
			filters={"customer_type": customer_type, "customer": customer},
			pluck="name",
			limit=1,
		)
	)
