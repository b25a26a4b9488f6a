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
  is set (Availability, Away Until and Delegate stay editable: absences are still set here); adding or removing
  rows by hand (through the API, say) is refused. A team that starts following an HD Team takes its users then.
- Who: an HD Team saved by a Flow Manager (or System Manager) is followed at once. Any Helpdesk agent may edit an
  HD Team too, and who is in a Flow Team decides who reads and works its requests, so a change made by anyone else
  changes nothing here: it waits, named on the Flow Team's timeline, until a Flow Manager applies it (*Sync with
  Helpdesk Team*, `everstep_flow.api.team.sync_with_hd_team`).
- When: an HD Team is saved (each Flow Team linked to it is saved if, and only if, something changed), a Flow Team
  starts following one or is synced (in its validate), an HD Team is deleted (the link is cleared, the
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
SYNC = "flow_sync_hd_team"
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
	"""Flow Team validate. A team that starts following an HD Team (or changes which one) takes its users now: a
	Flow Manager chose it. Otherwise its people change only with the HD Team (and `sync`): adding or removing rows
	by hand is refused, naming the HD Team; availability, delegates and absences stay editable here."""
	hd_team = team.get(FIELD)
	if not hd_team or team.flags.get(FROM_HD_TEAM):
		return
	before = team.get_doc_before_save()
	if team.flags.get(SYNC) or before is None or before.get(FIELD) != hd_team:
		rows = [Member(user=row.user, availability=row.availability or "Available") for row in team.members]
		_apply(team, plan_sync(rows, _users_of(hd_team)))
		return
	if {r.user for r in team.members} != {r.user for r in before.members}:
		frappe.throw(
			_(
				"members: this team takes its members from Helpdesk team {0}: add and remove people there "
				"(a Flow Manager applies that team's changes with Sync with Helpdesk Team)"
			).format(escape_html(hd_team)),
			frappe.ValidationError,
		)


def sync(team_name: str) -> None:
	"""A Flow Manager takes the HD Team's people in as they are now (what an agent changed there waits for this)."""
	team = frappe.get_doc("Flow Team", team_name)
	team.check_permission("write")
	if not team.get(FIELD):
		frappe.throw(_("team: {0} does not follow a Helpdesk team").format(escape_html(team_name)))
	team.flags[SYNC] = True
	team.save()


def _users_of(hd_team: str) -> list[str]:
	return frappe.get_all(
		"HD Team Member",
		filters={"parenttype": "HD Team", "parentfield": "users", "parent": hd_team},
		pluck="user",
		order_by="idx asc",
	)


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
		if plan and not manager:
			_awaiting(name, doc.name, plan)
		elif plan:
			team = frappe.get_doc("Flow Team", name)
			_apply(team, plan)
			team.flags[FROM_HD_TEAM] = True
			team.save(ignore_permissions=True)


def _awaiting(team: str, hd_team: str, plan: SyncPlan) -> None:
	"""Any Helpdesk agent may edit an HD Team, but who is in a Flow Team decides who reads and works its requests:
	a change made there by someone who may not manage Flow Teams waits for a Flow Manager (Sync with Helpdesk
	Team). The Flow Team's timeline says what waits."""
	coming = ", ".join([*plan.add, *plan.rejoin]) or "-"
	going = ", ".join(plan.leave) or "-"
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "Flow Team",
			"reference_name": team,
			"content": _(
				"{0} changed Helpdesk team {1} (in: {2}; out: {3}): waiting for a Flow Manager to Sync with "
				"Helpdesk Team."
			).format(
				escape_html(frappe.session.user),
				escape_html(hd_team),
				escape_html(coming),
				escape_html(going),
			),
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
