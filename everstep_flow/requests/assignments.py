"""A claim is a Frappe assignment: the claimant's open ToDo, the task's `_assign`, Frappe's notification.

Every move of a task passes the gate (requests.transitions), which asks the core (engine.assignments) what the move
does to the assignment and has it written here with the move. The ToDo is written as one row (not through ToDo's
controller: that would load the task again, add a timeline comment the ledger already tells, and cost a dozen
queries a move; Frappe's own `update_in_reference` is what `_assign` is set to). A claim costs two queries: the
ToDo and `_assign`. Anyone else writing a ToDo on a task (the sidebar, `/api/resource/ToDo`, a script, Frappe's
generic Assignment Rule) is stopped by `guard_todo`: the sidebar's doors go through the engine (api.assign).
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import escape_html, now_datetime, nowdate

from everstep_flow.base.door import job_transaction
from everstep_flow.base.ledger import STANDARD_FIELDS, insert_rows, standard_row
from everstep_flow.engine import assignments as A
from everstep_flow.engine.notices import notice_type

TASK = "Flow Task"
TODO_FIELDS = (
	*STANDARD_FIELDS,
	"status",
	"priority",
	"date",
	"allocated_to",
	"description",
	"reference_type",
	"reference_name",
	"assigned_by",
	"assigned_by_full_name",
	"assignment_rule",
)


def prepare(task) -> None:
	"""validate(), once the move is decided: what it does to the assignment, written by `write` after the save."""
	before = task.get_doc_before_save()
	if before is None:
		return
	task.flags.flow_assignment = A.change(before.status, before.claimed_by, task.status, task.claimed_by)


def write(task) -> None:
	"""on_update(): the assignment change the move decided (none when the holder stays)."""
	if change := task.flags.pop("flow_assignment", None):
		apply(task.name, change, title=task.title, rule=task.flags.pop("flow_rule", None))


def apply(name: str, change: A.Change, *, title: str | None = None, rule: str | None = None) -> None:
	"""Close the old holder's open ToDo, open the new holder's, and set `_assign`; the new holder is told as
	Frappe tells an assignee, unless they claimed it themselves."""
	user, now = frappe.session.user, now_datetime()
	if change.close:
		todo = frappe.qb.DocType("ToDo")
		(
			frappe.qb.update(todo)
			.set(todo.status, change.close_as)
			.set(todo.modified, now)
			.set(todo.modified_by, user)
			.where(
				(todo.reference_type == TASK)
				& (todo.reference_name == name)
				& (todo.allocated_to == change.close)
				& (todo.status == "Open")
			)
		).run()
	if change.open:
		description = escape_html(title or name)
		row = {
			**standard_row(frappe.generate_hash(length=10), now, user),
			"status": "Open",
			"priority": "Medium",
			"date": nowdate(),
			"allocated_to": change.open,
			"description": description,
			"reference_type": TASK,
			"reference_name": name,
			"assigned_by": user,
			"assigned_by_full_name": frappe.get_cached_value("User", user, "full_name") or user,
			"assignment_rule": rule,
		}
		insert_rows("ToDo", TODO_FIELDS, [tuple(row[f] for f in TODO_FIELDS)])
		if change.open != user:
			notify(change.open, name, description)
	frappe.db.set_value(
		TASK, name, "_assign", json.dumps(change.assigned) if change.assigned else "", update_modified=False
	)


def notify(assignee: str, name: str, description: str) -> None:
	"""Frappe's assignment notification (the bell, and mail where the assignee has it on), sent once the move is
	committed: a move that rolls back assigns nobody."""
	from frappe.desk.doctype.notification_log.notification_log import get_title_html, make_notification_logs
	from frappe.email.doctype.email_account.email_account import EmailAccount

	by = frappe.get_cached_value("User", frappe.session.user, "full_name") or frappe.session.user
	doc = frappe._dict(
		# Frappe's own type; bell-only where the site has no outgoing account (its mail would fail the job)
		type=notice_type(bool(EmailAccount.find_outgoing())),
		document_type=TASK,
		document_name=name,
		from_user=frappe.session.user,
		subject=_("{0} assigned a new task {1} {2} to you").format(
			frappe.bold(escape_html(by)), frappe.bold(_(TASK)), get_title_html(description)
		),
		email_content=f"<div>{description}</div>",
	)
	if frappe.flags.in_test:
		# Under tests the job would run at once, and its mail would be sent (and commit) mid-test: the mail stays
		# queued, as in production (Frappe's own mute_emails flag).
		muted, frappe.flags.mute_emails = frappe.flags.mute_emails, True
		try:
			make_notification_logs(doc, [assignee])
		finally:
			frappe.flags.mute_emails = muted
		return
	frappe.enqueue(
		"everstep_flow.requests.assignments.notification_job",
		doc=doc,
		users=[assignee],
		enqueue_after_commit=True,
	)


def notification_job(doc: dict, users: list[str]) -> None:
	"""Frappe's make_notification_logs in a transaction of its own, run again when it collides: Frappe marks a
	person's notifications unseen on one row per user, and two notices to one person at once deadlock on MariaDB or
	fail serialization on PostgreSQL (3 of 1,100 claims in a PostgreSQL load run). A notice that still collides is
	lost; the ToDo and the task's Assigned To are there."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	job_transaction(make_notification_logs, frappe._dict(doc), users)


# ------------------------------------------------------------------------------------------------- the guard

_OWNED = ("status", "allocated_to", "reference_type", "reference_name")


def guard_todo(doc, method=None) -> None:
	"""validate()/on_trash() of a ToDo: a task's assignments follow its claims, so no ToDo on a task is made,
	moved, closed or deleted but by the engine (a claim, release, completion, reassignment or dispatch)."""
	before = None if method == "on_trash" or doc.is_new() else doc.get_doc_before_save()
	if TASK not in (doc.reference_type, before and before.reference_type):
		return  # no query for any other ToDo
	if frappe.flags.in_install or frappe.flags.in_uninstall or frappe.flags.in_migrate:
		return
	if method == "on_trash" and doc.status != "Open":
		return  # a closed assignment is history Frappe may clean up (a deleted user's ToDos)
	if before is not None and all(before.get(f) == doc.get(f) for f in _OWNED):
		return  # a note, a date or a priority: the assignee's own
	frappe.throw(
		_(
			"A Flow Task is assigned by claiming it: its claimant holds its one assignment. Claim it, release it "
			"or complete it from the task (a team lead or a Flow Manager may give it to a member with Assign To)."
		),
		frappe.PermissionError,
		title=_("Assignments follow claims"),
	)
