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


# Row permissions ask "which teams is this user in?" and "has this user any request?" on every list, count and
# document check: both answers are kept per user in one Redis key (a few minutes at most) and, for the rest of the
# request, in memory. Saving a team drops every user's answers; a new request drops its requester's; each time
# again when the transaction ends, so neither a rolled-back nor a concurrent change leaves a stale answer behind.
_KEY = "everstep_flow:rows_of:"
CACHE_SECONDS = 300


def _rows_of(user: str) -> tuple[list[str], bool]:
	memo = getattr(frappe.local, "flow_rows_of", None)  # within one request, no Redis round trip either
	if memo is None:
		memo = frappe.local.flow_rows_of = {}
	if user in memo:
		return memo[user]
	key = _KEY + user
	known = frappe.cache.get_value(key, expires=True)
	if known is None:
		teams = frappe.get_all(
			"Flow Team Member",
			filters={"parenttype": "Flow Team", "user": user, "availability": ("!=", "Left")},
			pluck="parent",
			distinct=True,
			ignore_permissions=True,
		)
		known = (teams, bool(frappe.db.exists("Flow Request", {"requester": user})))
		frappe.cache.set_value(key, known, expires_in_sec=CACHE_SECONDS)
	memo[user] = known
	return known


def user_teams(user: str | None = None) -> list[str]:
	"""The teams `user` works in (members who have not left)."""
	return _rows_of(user or frappe.session.user)[0]


def has_requests(user: str) -> bool:
	"""Has `user` ever been the requester of a request? (Most agents never are: their lists then skip the clause.)"""
	return _rows_of(user)[1]


def _now_and_at_the_end(drop) -> None:
	drop()
	frappe.db.after_commit.add(drop)
	frappe.db.after_rollback.add(drop)


def forget_memberships() -> None:
	"""A team changed: everyone's teams are asked anew (a key scan, but teams change rarely)."""

	def drop() -> None:
		frappe.local.flow_rows_of = {}
		frappe.cache.delete_keys(_KEY)

	_now_and_at_the_end(drop)


def mark_requester(user: str | None) -> None:
	"""A request now names `user` as its requester: their answers are asked anew."""
	if not user:
		return

	def drop() -> None:
		(getattr(frappe.local, "flow_rows_of", None) or {}).pop(user, None)
		frappe.cache.delete_value(_KEY + user)

	_now_and_at_the_end(drop)


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
