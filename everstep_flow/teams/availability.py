"""Editing teams never breaks runs in flight.

- Renaming a team: Frappe renames every Link to it (tasks, handoffs, steps, events); the definition snapshots that
  requests run on are JSON, so they are rewritten here, or the next step would be created in a team that no longer
  exists.
- Retiring a team: a team is disabled, not deleted. A disabled team takes no new requests (services that use it are
  flagged and refuse intake), its open work stays where it is and shows in the no-orphan check until someone moves
  or finishes it. A team that ever had work cannot be deleted; the refusal names the task.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html

from everstep_flow.base.catalog import definition_from_doc, definition_of
from everstep_flow.engine.definition import teams_of, to_snapshot, with_team_renamed
from everstep_flow.engine.states import REQ_CANCELLED, REQ_COMPLETED

Request, Task = DocType("Flow Request"), DocType("Flow Task")


def disabled_teams(teams) -> list[str]:
	"""Which of these teams are disabled (cached team documents: no query on a warm intake)."""
	return [team for team in sorted(set(teams)) if frappe.get_cached_value("Flow Team", team, "disabled")]


def disabled_teams_of(service_doc) -> list[str]:
	"""Teams of the service's steps that are disabled."""
	return disabled_teams(teams_of(definition_from_doc(service_doc)))


def service_unavailable(service_doc) -> str | None:
	"""Why a service takes no new requests now (a step belongs to a disabled team), or None."""
	if disabled := disabled_teams_of(service_doc):
		return _("{0} takes no new requests: team {1} is disabled.").format(
			escape_html(service_doc.title or service_doc.name), escape_html(", ".join(disabled))
		)
	return None


def after_rename(old: str, new: str) -> None:
	"""Rewrite the snapshots of every open request, and of closed ones that had work in the team."""
	open_requests = (
		frappe.qb.from_(Request)
		.select(Request.name, Request.definition)
		.where(Request.status.notin((REQ_COMPLETED, REQ_CANCELLED)) & Request.definition.isnotnull())
	)
	worked = (
		frappe.qb.from_(Request)
		.select(Request.name, Request.definition)
		.where(Request.name.isin(frappe.qb.from_(Task).select(Task.request).where(Task.team == new)))
	)
	rows = {r.name: r for r in open_requests.run(as_dict=True) + worked.run(as_dict=True)}
	for row in rows.values():
		defn = definition_of(row)
		if old not in teams_of(defn) and defn.owner_team != old:
			continue
		frappe.qb.update(Request).set(
			Request.definition, to_snapshot(with_team_renamed(defn, old, new))
		).where(Request.name == row.name).run()


def check_delete(team: str) -> None:
	"""on_trash: a team that had work is disabled, never deleted (its history names it)."""
	task = frappe.db.get_value(
		"Flow Task", {"team": team}, ["name", "request", "status"], as_dict=True, order_by="creation desc"
	)
	if task:
		frappe.throw(
			_(
				"Team {0} cannot be deleted: it has work, e.g. task {1} of request {2} ({3}). "
				"Tick Disabled instead: the team then takes no new work."
			).format(escape_html(team), task.name, task.request, _(task.status)),
			frappe.LinkExistsError,
		)
