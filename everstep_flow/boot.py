"""Desk boot info: the user's teams, so the task list can open on their queue without a round trip, this site's
client doctypes (ERPNext's, Helpdesk's, CRM's, Contact), and the Flow workspace as the landing page of people who work requests (unless they chose a default workspace themselves)."""

import frappe

from everstep_flow.hosts.client_records import client_doctypes
from everstep_flow.teams.membership import user_teams

FLOW_ROLES = {"Flow Agent", "Flow Manager"}


def boot_session(bootinfo) -> None:
	if frappe.session.user == "Guest":
		return
	bootinfo.flow_teams = user_teams()
	bootinfo.flow_client_doctypes = client_doctypes()  # the client timeline's Client Type (cached: no query)
	user = bootinfo.get("user")
	if (
		user is not None
		and not user.get("default_workspace")
		and FLOW_ROLES & set(frappe.get_roles())
		and frappe.db.exists("Workspace", "Flow")
	):
		user.default_workspace = {"name": "Flow", "public": 1, "title": "Flow"}


def has_app_permission() -> bool:
	"""Frappe's apps screen lists Flow for those who work requests (and System Managers)."""
	if frappe.session.user == "Administrator":
		return True
	return bool((FLOW_ROLES | {"System Manager"}) & set(frappe.get_roles()))
