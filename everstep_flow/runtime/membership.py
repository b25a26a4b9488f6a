"""Who may act for a team: its available members (and anyone with Flow Manager)."""

from __future__ import annotations

import frappe

MANAGER_ROLES = {"Flow Manager", "System Manager"}


def is_manager(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def is_member(team: str, user: str | None = None) -> bool:
	"""A member who has not left the team (Away members may still act on their own work)."""
	user = user or frappe.session.user
	return bool(
		frappe.db.exists(
			"Flow Team Member",
			{"parenttype": "Flow Team", "parent": team, "user": user, "availability": ("!=", "Left")},
		)
	)


def user_teams(user: str | None = None) -> list[str]:
	user = user or frappe.session.user
	return frappe.get_all(
		"Flow Team Member",
		filters={"parenttype": "Flow Team", "user": user, "availability": ("!=", "Left")},
		pluck="parent",
		distinct=True,
		ignore_permissions=True,
	)


def team_lead(team: str) -> str | None:
	return frappe.db.get_value("Flow Team", team, "lead")


def require_member(team: str, doing: str, user: str | None = None) -> None:
	user = user or frappe.session.user
	if not (is_manager(user) or is_member(team, user)):
		frappe.throw(
			frappe._("Only members of team {0} (or a Flow Manager) can {1}.").format(
				frappe.bold(team), doing
			),
			frappe.PermissionError,
		)


def works_on(request: str, user: str | None = None) -> bool:
	"""Staff on this request: a Flow Manager, or a member of a team that has a task in it."""
	teams = user_teams(user)
	return is_manager(user) or bool(
		teams and frappe.db.exists("Flow Task", {"request": request, "team": ("in", teams)})
	)
