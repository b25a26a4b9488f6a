"""Who may act for a team: its available members (and anyone with Flow Manager)."""

from __future__ import annotations

import frappe

from everstep_flow.base import fresh

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
# document check: both answers are kept per user in Redis (a few minutes at most, shared by every worker) and, for
# the rest of the request, in memory. They are stored only as read on a fresh connection (everstep_flow.base.fresh:
# a request that read before a team change committed can never store the old teams). Saving a team drops every
# user's answers, a new request its requester's, once the transaction commits; until then the transaction that made
# the change reads its own answers from its own (uncommitted) rows.
_KEY = "everstep_flow:rows:"  # not 0.9's "rows_of:", whose values Frappe pickled
_GEN = "everstep_flow:rows_generation"  # not under _KEY: dropping the answers keeps it
CACHE_SECONDS = 300
_TEAMS = """select distinct `parent` from `tabFlow Team Member`
	where `parenttype` = 'Flow Team' and `user` = %s and (`availability` is null or `availability` != 'Left')
	order by `parent`"""
_REQUESTED = "select 1 from `tabFlow Request` where `requester` = %s limit 1"


def _read(db, user: str) -> tuple[list[str], bool]:
	teams = [row[0] for row in db.sql(_TEAMS, (user,))]
	return teams, bool(db.sql(_REQUESTED, (user,)))


def _rows_of(user: str) -> tuple[list[str], bool]:
	memo = getattr(frappe.local, "flow_rows_of", None)  # within one request, no Redis round trip either
	if memo is None:
		memo = frappe.local.flow_rows_of = {}
	if user in memo:
		return memo[user]
	if frappe.local.flags.flow_rows_changed:
		known = _read(frappe.db, user)  # this transaction changed teams or requesters: its own view
	else:
		teams, requested = fresh.load(_KEY + user, _GEN, lambda db: _read(db, user), CACHE_SECONDS)
		known = (list(teams), bool(requested))
	memo[user] = known
	return known


def user_teams(user: str | None = None) -> list[str]:
	"""The teams `user` works in (members who have not left)."""
	return _rows_of(user or frappe.session.user)[0]


def has_requests(user: str) -> bool:
	"""Has `user` ever been the requester of a request? (Most agents never are: their lists then skip the clause.)"""
	return _rows_of(user)[1]


def _changed(drop_stored) -> None:
	"""Now: this request reads its own answers. After commit: a new generation, then the stored answers go."""
	frappe.local.flow_rows_of = {}
	frappe.local.flags.flow_rows_changed = True

	def committed() -> None:
		_forget_local()
		fresh.bump(_GEN)
		drop_stored()

	frappe.db.after_commit.add(committed)
	frappe.db.after_rollback.add(_forget_local)


def _forget_local() -> None:
	frappe.local.flow_rows_of = {}
	frappe.local.flags.flow_rows_changed = False


def forget_memberships() -> None:
	"""A team changed: everyone's teams are asked anew (a key scan, but teams change rarely)."""
	_changed(lambda: frappe.cache.delete_keys(_KEY))


def mark_requester(user: str | None) -> None:
	"""A request now names `user` as its requester: their answers are asked anew, unless every worker already knows
	they have requested (the usual case: otherwise every intake would start a new generation)."""
	stored = fresh.peek(_KEY + user) if user else None
	if user and not (stored and stored[1]):
		_changed(lambda: frappe.cache.delete_value(_KEY + user))


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
