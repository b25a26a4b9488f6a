"""Desk boot info: the user's teams, so the task list can open on their queue without a round trip."""

import frappe

from everstep_flow.runtime.membership import user_teams


def boot_session(bootinfo) -> None:
	if frappe.session.user != "Guest":
		bootinfo.flow_teams = user_teams()
