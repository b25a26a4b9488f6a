"""One list of people: a Flow Team may take its members from a Frappe Helpdesk team (HD Team).

The link is the Flow Team's `hd_team` field, a Custom Field made only where Helpdesk is installed (`ensure_fields`,
on install, migrate and when Helpdesk is installed after us), so a site without Helpdesk never has a Link to a
doctype it lacks. Nothing here imports Helpdesk: HD Team is read through frappe.

While the link is set, the HD Team says who is in and the Flow Team keeps its own word on availability (the
decision is `engine.team_sync.plan_sync`):

- a user added to the HD Team becomes an Available member; a member no longer in it is marked Left, never
  deleted, so history and the absence rules (clock/absence.py: their claimed work goes to their delegate or back to
  the queue) work as for anyone who leaves; a Left member back in the HD Team is Available again; an Away member
  stays Away while still in it.
- Members are added and removed in Helpdesk only. In the form the rows' User column is read-only while the link
  is set (Availability, Away Until and Delegate stay editable: absences are still set here), and every save of a
  linked Flow Team makes its members exactly the HD Team's users: a row added by hand (through the API, say) is
  marked Left, a row deleted by hand comes back. A lead who is not in the HD Team is a Left member too.
- Who: any Helpdesk agent may edit an HD Team, and membership of a Flow Team opens its requests, so an HD Team
  saved by someone who may not manage Flow Teams only takes people out (marked Left); those it adds wait, named on
  the Flow Team's timeline, until a Flow Manager saves the Flow Team or the HD Team.
- When: an HD Team is saved (each Flow Team linked to it is saved if, and only if, something changed), a linked
  Flow Team is saved (on the rows being saved, in its validate), an HD Team is deleted (the link is cleared, the
  members stay as they are). The rows are always written by a save of the Flow Team, so its own hooks (the
  membership cache, claims released by absence) run; a save made here carries `FROM_HD_TEAM` in its flags so the
  Flow Team does not ask the HD Team again.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html

from everstep_flow.engine.team import Member
from everstep_flow.engine.team_sync import SyncPlan, plan_sync
from everstep_flow.teams.membership import is_manager

FIELD = "hd_team"
FROM_HD_TEAM = "flow_from_hd_team"
MODULE = "Everstep Flow"
CUSTOM_FIELDS = {
	"Flow Team": [
		{
			"fieldname": FIELD,
			"fieldtype": "Link",
			"options": "HD Team",
			"label": "Members from Helpdesk team",
			"insert_after": "calendar",
			"module": MODULE,
			"description": "The members are this Helpdesk team's agents: add and remove people there. Someone "
			"taken out of it is marked Left here (their claimed work goes to their delegate or back to the queue); "
			"Away is still set here.",
		}
	]
}
# The rows' User column cannot be edited while the team follows an HD Team (the grid passes the team as `parent`).
USER_READ_ONLY = {
	"doctype_or_field": "DocField",
	"doc_type": "Flow Team Member",
	"field_name": "user",
	"property": "read_only_depends_on",
	"property_type": "Code",
	"value": f"eval:parent.{FIELD}",
}


def ensure_fields() -> None:
	"""Idempotent: the Flow Team's link to an HD Team, and the rule that keeps its rows' users read-only. Call only
	where HD Team is installed. Both belong to our module, so uninstalling everstep_flow removes them."""
	from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

	create_custom_fields(CUSTOM_FIELDS)
	setter = {k: USER_READ_ONLY[k] for k in ("doc_type", "field_name", "property")}
	if frappe.db.get_value("Property Setter", setter, "value") != USER_READ_ONLY["value"]:
		frappe.get_doc({"doctype": "Property Setter", "module": MODULE, **USER_READ_ONLY}).insert(
			ignore_permissions=True
		)


def _linked() -> bool:
	"""Has the Flow Team the link? (cached meta, no query; missing if someone deleted the Custom Field)"""
	return frappe.get_meta("Flow Team").has_field(FIELD)


def follow(team) -> None:
	"""Flow Team validate: a linked team's rows become its HD Team's users, unless this save was made here."""
	if not team.get(FIELD) or team.flags.get(FROM_HD_TEAM):
		return
	users = frappe.get_all(
		"HD Team Member",
		filters={"parenttype": "HD Team", "parentfield": "users", "parent": team.get(FIELD)},
		pluck="user",
		order_by="idx asc",
	)
	rows = [Member(user=row.user, availability=row.availability or "Available") for row in team.members]
	_apply(team, plan_sync(rows, users))


def on_hd_team_update(doc, method=None) -> None:
	"""HD Team on_update: each linked Flow Team is saved if its members change. One query when nothing changes."""
	if not _linked():
		return
	Team, Row = DocType("Flow Team"), DocType("Flow Team Member")
	found = (
		frappe.qb.from_(Team)
		.left_join(Row)
		.on((Row.parent == Team.name) & (Row.parenttype == "Flow Team") & (Row.parentfield == "members"))
		.select(Team.name.as_("team"), Row.user, Row.availability)
		.where(Team[FIELD] == doc.name)
		.orderby(Team.name)
		.orderby(Row.idx)
		.run(as_dict=True)
	)
	members: dict[str, list[Member]] = {}
	for row in found:
		rows = members.setdefault(row.team, [])
		if row.user:
			rows.append(Member(user=row.user, availability=row.availability or "Available"))
	users = [row.user for row in doc.get("users") or ()]
	manager = is_manager()
	for name, rows in members.items():
		plan = plan_sync(rows, users)
		granted = plan if manager else plan.removals()
		if granted:
			team = frappe.get_doc("Flow Team", name)
			_apply(team, granted)
			team.flags[FROM_HD_TEAM] = True
			team.save(ignore_permissions=True)
		if (plan.add or plan.rejoin) and not manager:
			_awaiting(name, doc.name, [*plan.add, *plan.rejoin])


def _awaiting(team: str, hd_team: str, users: list[str]) -> None:
	"""Any Helpdesk agent may edit an HD Team, but joining a Flow Team opens its requests: people added there by
	someone who may not manage Flow Teams wait for a Flow Manager, who takes them in by saving the Flow Team (or
	the HD Team). The Flow Team's timeline says who waits."""
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "Flow Team",
			"reference_name": team,
			"content": _(
				"{0} added {1} to Helpdesk team {2}: a Flow Manager takes them in by saving this team."
			).format(escape_html(frappe.session.user), escape_html(", ".join(users)), escape_html(hd_team)),
		}
	).insert(ignore_permissions=True)


def on_hd_team_trash(doc, method=None) -> None:
	"""HD Team on_trash: its Flow Teams stop following it and keep their members (Frappe would otherwise refuse
	to delete an HD Team a Flow Team links to). Saved, so the team's history shows the link going."""
	if not _linked():
		return
	for name in frappe.get_all("Flow Team", filters={FIELD: doc.name}, pluck="name"):
		team = frappe.get_doc("Flow Team", name)
		team.set(FIELD, None)
		team.flags[FROM_HD_TEAM] = True
		team.save(ignore_permissions=True)


def _apply(team, plan: SyncPlan) -> None:
	"""Change the team's rows in place, as the plan says (the caller saves, or is the save)."""
	if not plan:
		return
	changed = plan.availability()
	for row in team.members:
		if row.user in changed:
			row.availability = changed[row.user]
	for user in plan.add:
		team.append("members", {"user": user, "availability": "Available"})
