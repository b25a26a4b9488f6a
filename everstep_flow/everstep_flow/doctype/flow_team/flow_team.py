# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from everstep_flow.clock import dispatch
from everstep_flow.clock.absence import on_team_update
from everstep_flow.clock.dispatch import check_rule
from everstep_flow.engine.team import Member, lead_of, member_problems
from everstep_flow.hosts.helpdesk_teams import follow as follow_hd_team
from everstep_flow.teams import availability as teams
from everstep_flow.teams.membership import forget_memberships
from everstep_flow.visibility.orphans import team_load


class FlowTeam(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from everstep_flow.everstep_flow.doctype.flow_team_member.flow_team_member import FlowTeamMember

		calendar: DF.Link | None
		description: DF.SmallText | None
		disabled: DF.Check
		email: DF.Data | None
		lead: DF.Link | None
		members: DF.Table[FlowTeamMember]
		team_name: DF.Data
	# end: auto-generated types
	"""A team that owns work. The Lead field is the one place a lead is chosen; member rows mirror it."""

	def validate(self) -> None:
		members = [
			Member(
				user=row.user,
				is_lead=bool(row.is_lead),
				availability=row.availability or "Available",
				delegate=row.delegate or "",
			)
			for row in self.members
		]
		if found := member_problems(members):
			frappe.throw("<br>".join(frappe.utils.escape_html(m) for m in found), title=_("Invalid team"))
		self.lead = lead_of(self.lead, members) or None
		if self.lead and self.lead not in {row.user for row in self.members}:
			self.append("members", {"user": self.lead, "availability": "Available"})
		follow_hd_team(self)  # linked to a Helpdesk team: its users are the members (hosts/helpdesk_teams.py)
		for row in self.members:
			row.is_lead = int(row.user == self.lead)
			if row.availability != "Away":
				row.away_until = None
		check_rule(self)

	def on_update(self) -> None:
		forget_memberships()
		on_team_update(self)
		if self.assignment_rule and not self.disabled:
			dispatch.enqueue([self.name])  # a member back, a new limit or rule: deal what waits

	def on_trash(self) -> None:
		teams.check_delete(self.name)
		forget_memberships()

	def after_rename(self, old: str, new: str, merge: bool = False) -> None:
		forget_memberships()
		teams.after_rename(old, new)

	def onload(self) -> None:
		self.set_onload("load", team_load(self.name))
