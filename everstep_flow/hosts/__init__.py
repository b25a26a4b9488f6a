"""Hosts: what everstep_flow knows of the apps it runs on (see SEAMS.md).

One module per host app (`erpnext`, `helpdesk`, `crm`), each used only when that app's doctypes are installed, and
never imported at module top; `client_records` resolves the client record (Frappe core's Contact, ERPNext's
Customer, the helpdesk's and CRM's own); `resolvers` finds the client of a host document; `dashboards` shows a
client's requests on its form; `examples` are the demo's triggers.
"""

import frappe
from frappe.utils.caching import site_cache


@site_cache(ttl=300)
def installed(doctype: str) -> bool:
	"""Is this host doctype on the site? (cached per process for 5 minutes: apps are not installed every minute)"""
	return bool(frappe.db.exists("DocType", doctype))
