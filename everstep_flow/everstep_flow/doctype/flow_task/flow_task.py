# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from everstep_flow.requests import assignments
from everstep_flow.requests.guard import engine_only_insert, never_deleted
from everstep_flow.requests.progress import output_fields
from everstep_flow.requests.transitions import after_task, check_task
from everstep_flow.teams.membership import works_on
from everstep_flow.visibility.permissions import row_permlevels


class FlowTask(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		awaiting_handoff: DF.Link | None
		blocked_reason: DF.SmallText | None
		checklist_state: DF.JSON | None
		claimed_by: DF.Link | None
		completed_on: DF.Datetime | None
		customer_wait_since: DF.Datetime | None
		due_on: DF.Datetime | None
		escalation_level: DF.Int
		follow_up_on: DF.Datetime | None
		follow_up_sent_for: DF.Datetime | None
		instructions: DF.TextEditor | None
		outputs: DF.JSON | None
		request: DF.Link
		return_reason: DF.SmallText | None
		service: DF.Link | None
		started_on: DF.Datetime | None
		status: DF.Literal[
			"Queued",
			"Claimed",
			"In Progress",
			"Blocked",
			"Waiting on Customer",
			"Done",
			"Skipped",
			"Cancelled",
		]
		step_key: DF.Data | None
		team: DF.Link
		title: DF.Data | None
	# end: auto-generated types
	"""A step instance owned by a team. Every status change goes through requests.transitions."""

	def before_insert(self) -> None:
		if not self.flags.flow_system:
			engine_only_insert(self)  # refused: tasks are made by the engine

	def on_trash(self) -> None:
		never_deleted(self)

	def validate(self) -> None:
		if not self.is_new():  # an engine-made task has nothing to check yet (requests.apply)
			check_task(self)  # the gate: the move, who makes it, what it needs, and no other field changed
			if self.flags.flow_transition:
				assignments.prepare(self)  # a claim is an assignment (its ToDo follows the move)

	def get_permlevel_access(self, permission_type: str = "write") -> list[int]:
		"""Field levels are per role in Frappe; ours are per row too (a requester never reads level 1)."""
		return row_permlevels(self, super().get_permlevel_access(permission_type), permission_type)

	def onload(self) -> None:
		from everstep_flow.visibility.task_view import view

		if not works_on(self.request):
			self.set_onload("moves", [])
			return  # a requester reading their request's task: the view is for the teams (the portal is theirs)
		shown = view(self)
		self.set_onload("view", shown)
		self.set_onload("moves", shown["moves"])
		if "Complete" in shown["moves"]:
			self.set_onload("output_fields", output_fields(self))
		if shown["handoff_moves"]:
			self.set_onload("handoff_moves", shown["handoff_moves"])
		if self.status not in ("Done", "Skipped", "Cancelled"):
			client = frappe.db.get_value(
				"Flow Request", self.request, ["customer_type", "customer"], as_dict=True
			)
			self.set_onload(
				"log_call", {"request": self.request, "task": self.name, "team": self.team, **client}
			)

	def on_update(self) -> None:
		if self.flags.flow_transition:
			after_task(self)
		assignments.write(self)


def on_doctype_update() -> None:
	"""Team queues filter by team and status together. An agent's task count (`count(name)` over their teams) reads
	the team index alone: InnoDB's secondary indexes carry the primary key already, PostgreSQL's need it added."""
	from everstep_flow.indexes import covering_index, name_postgres_indexes

	name_postgres_indexes("Flow Task")
	# Where Requests Wait reads the month's done tasks from the index alone.
	covering_index(
		"Flow Task",
		"done_tasks",
		[
			"completed_on",
			"status",
			"service",
			"step_key",
			"ready_on",
			"claimed_on",
			"started_on",
			"rework_count",
		],
	)
	# SLA and OLA Compliance counts the open tasks created in the period (its done ones come from the day tallies);
	# Team Queue Aging and the Open Tasks by Team chart count every open task by team, holder, age and due date.
	covering_index(
		"Flow Task",
		"open_task_outcomes",
		["status", "creation", "due_on", "completed_on", "service", "team", "title", "claimed_by"],
		replacing=("open_outcomes", "created_tasks"),
	)
	# Where Requests Wait counts the open tasks of each step (15,000 among 500,000) and the no-orphan check finds
	# the open requests with no open task, from the index alone.
	covering_index("Flow Task", "open_tasks", ["status", "service", "step_key", "title", "request"])
	# Team queues filter by team and status; the no-orphan check reads who holds each open task of a team.
	covering_index(
		"Flow Task", "team_status_holder", ["team", "status", "claimed_by"], replacing="team_status_index"
	)
	if frappe.db.db_type != "mariadb":
		frappe.db.add_index("Flow Task", ["team", "status"])
	# "Does this request have a task of these teams?": an agent's request list (row permission) and works_on; "has
	# it an open task?": the no-orphan check, from the index alone.
	covering_index(
		"Flow Task", "request_team_status", ["request", "team", "status"], replacing="request_team_index"
	)
	if frappe.db.db_type != "mariadb":
		frappe.db.add_index("Flow Task", ["request", "team"])
	if frappe.db.db_type == "postgres":
		# PostgreSQL reads these two without touching the table (MariaDB's team index carries the name already,
		# and it probes request_team for the requests).
		frappe.db.add_index("Flow Task", ["team", "name"])
		frappe.db.add_index("Flow Task", ["team", "request"])
