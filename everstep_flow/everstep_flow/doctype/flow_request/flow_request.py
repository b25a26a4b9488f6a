# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from everstep_flow.base.catalog import definition_of
from everstep_flow.engine import render_svg
from everstep_flow.engine.values import plain
from everstep_flow.hosts.client_records import client_doctypes
from everstep_flow.requests.actions import progress
from everstep_flow.requests.apply import insert_values
from everstep_flow.requests.guard import check_save, never_deleted
from everstep_flow.teams.membership import mark_requester, works_on
from everstep_flow.visibility.permissions import row_permlevels


class FlowRequest(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from everstep_flow.everstep_flow.doctype.flow_request_value.flow_request_value import FlowRequestValue

		at_risk_on: DF.Datetime | None
		completed_on: DF.Datetime | None
		customer: DF.DynamicLink | None
		customer_type: DF.Link | None
		definition: DF.JSON | None
		due_on: DF.Datetime | None
		follow_up_on: DF.Datetime | None
		follow_up_sent_for: DF.Datetime | None
		last_customer_contact: DF.Datetime | None
		last_event_at: DF.Datetime | None
		paused_minutes: DF.Int
		paused_since: DF.Datetime | None
		request_values: DF.Table[FlowRequestValue]
		requester: DF.Link | None
		requester_email: DF.Data | None
		service: DF.Link
		service_version: DF.Int
		sla_status: DF.Literal["", "On Track", "At Risk", "Breached", "Paused", "Met"]
		source: DF.Literal["Desk", "Portal", "API", "Email", "Trigger"]
		source_doctype: DF.Link | None
		source_name: DF.DynamicLink | None
		stale_level: DF.Int
		status: DF.Literal["Open", "In Progress", "Waiting on Customer", "Completed", "Cancelled"]
		subject: DF.Data
	# end: auto-generated types
	"""One run of a service. Created only through intake (requests.intake.submit_request), never by a bare insert."""

	def before_insert(self) -> None:
		if self.flags.flow_values is not None:
			return  # made by intake
		if self.requester_email and not self.service:
			# Made by Frappe's inbound mail as the Email Account's "append to" document; the Communication hook
			# (requests.replies) routes it to a service and starts it.
			self.source, self.status = "Email", "Open"
			self.subject = plain(self.subject or "").strip()[:240] or _("(no subject)")
			return
		frappe.throw(
			_("Start requests through the service intake (everstep_flow.api.request.submit_request)."),
			frappe.ValidationError,
		)

	def after_insert(self) -> None:
		insert_values(self)  # intake's values, in one statement (requests.apply)

	def validate(self) -> None:
		if self.is_new():
			return  # made by intake's plan or by inbound mail (before_insert): checked and plain already
		check_save(self)
		self.subject = (
			plain(self.subject or "").strip() or self.subject
		)  # text, never markup (see engine.values)

	def on_update(self) -> None:
		mark_requester(self.requester)  # row permissions: this user now has a request

	def on_trash(self) -> None:
		never_deleted(self)

	def get_permlevel_access(self, permission_type: str = "write") -> list[int]:
		"""Field levels are per role in Frappe; ours are per row too (a requester never reads level 1)."""
		return row_permlevels(self, super().get_permlevel_access(permission_type), permission_type)

	def onload(self) -> None:
		if works_on(self.name):
			self.set_onload("can_link_client", True)
			self.set_onload("client_doctypes", client_doctypes())
		if not self.definition:
			return  # an email that no service took yet
		rows = progress(self)
		self.set_onload("progress", rows)
		states = {r["step"]: "Awaiting Acceptance" if r["awaiting_handoff"] else r["state"] for r in rows}
		self.set_onload("process_map", render_svg(definition_of(self), states=states))


def on_doctype_update() -> None:
	"""A client's timeline reads its requests newest history first (clients.timeline). SLA and OLA Compliance reads
	the month's requests by creation, from the index alone on MariaDB (Frappe gives this table no creation index:
	it read every request). The Five Seam Audit reads the month's requests whose client is unknown (a few among
	twenty thousand, with their subject: through the creation index MariaDB preferred to read the whole table)."""
	from everstep_flow.indexes import covering_index, name_postgres_indexes

	name_postgres_indexes("Flow Request")
	frappe.db.add_index("Flow Request", ["customer", "history_at"])
	frappe.db.add_index("Flow Request", ["client_unknown", "creation"])
	# The Five Seam Audit's lost deals and tickets: the open requests a host document started (a few hundred).
	frappe.db.add_index("Flow Request", ["source_doctype", "status"])
	# The no-orphan check (Leak Audit, the Open Leaks card, the sweep) reads the open requests with no open task,
	# and Leak Audit the open requests of a client twice in one service, with when each was made: 15,000 of
	# 100,000, from the index alone (one more text column would pass InnoDB's 3,072 bytes).
	covering_index(
		"Flow Request",
		"open_request_lines",
		["status", "service", "service_version", "customer_type", "customer", "current_team", "creation"],
		replacing="open_requests",
	)
	# Team Queue Aging's open tasks whose request is at risk: the thousand requests at risk, not every open one.
	frappe.db.add_index("Flow Request", ["sla_status", "status"])
	covering_index(
		"Flow Request",
		"created_requests",
		["creation", "status", "due_on", "service", "sla_status", "paused_minutes", "client_unknown"],
	)
