"""Seams: where work crosses from the CRM, the helpdesk and the inbox into everstep_flow (see SEAMS.md).

One module per host app (erpnext, helpdesk, crm), each used only when that app's doctypes are installed, and never
imported by them at module top; `clients` resolves the client record (Frappe core's Contact, ERPNext's Customer);
`triggers` starts services from other documents; `dashboards` shows a client's requests on its form.
"""

import frappe
from frappe.utils.caching import site_cache


@site_cache(ttl=300)
def installed(doctype: str) -> bool:
	"""Is this host doctype on the site? (cached per process for 5 minutes: apps are not installed every minute)"""
	return bool(frappe.db.exists("DocType", doctype))
