"""Follow-ups in Frappe CRM (issue 21): a follow-up owned by a CRM user is also a CRM Task, assigned to them on the
deal behind its request, and marking either done or moving either's date moves both. The follow-up moves only
through its own moves (clients.follow_ups: one ledger event); what each change means is engine.crm_tasks.

The link is the follow-up's `crm_task` (Data: CRM may be absent). No loop: a CRM Task we save carries the flag
`flow_follow_up`, which the CRM Task hook (clients.follow_ups.on_crm_task_update) ignores, and a move that came
from the task finds it already as it should be (only what differs is written). Nothing imports CRM; without it
nothing here queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html, get_datetime, get_fullname

from everstep_flow.engine import crm_tasks as core
from everstep_flow.engine.calls import FOLLOW_UP_OPEN
from everstep_flow.hosts import installed
from everstep_flow.seams.host_marks import FIRING

TASK = "CRM Task"
FOLLOW_UP = "Flow Follow Up"
FLAG = "flow_follow_up"  # on a CRM Task doc we save: not a change made in CRM
ONLY = "only its owner, its team or a Flow Manager can mark it done or move it."


def _moment(value: Any) -> datetime | None:
	return get_datetime(value) if value else None  # get_datetime(None) is now


# --------------------------------------------------------------------------------- the follow-up → the CRM Task


def made(follow_up) -> str | None:
	"""A new follow-up (its document): its CRM Task when its owner is a CRM user, else nothing (no query without
	CRM or an owner)."""
	owner = follow_up.assigned_to
	if not owner or not installed(TASK) or not core.is_crm_user(frappe.get_roles(owner)):
		return None
	fields = core.new_task(
		follow_up=follow_up.name,
		request=follow_up.request,
		what=follow_up.what,
		due_on=_moment(follow_up.due_on),
		owner=owner,
		on=_reference(follow_up),
	)
	task = frappe.get_doc({"doctype": TASK, **fields, "assigned_to": None})
	task.flags[FLAG] = follow_up.name
	task.insert(ignore_permissions=True)
	# CRM assigns the task as whoever saves it, who must be able to read it; the one logging the call may not be a
	# CRM user, so the assignment (a ToDo, and CRM's notification) is made here with our permission.
	link = {"assigned_to": owner, "reference_doctype": fields["reference_doctype"]}
	frappe.db.set_value(TASK, task.name, link, update_modified=False)
	from frappe.desk.form.assign_to import add as assign

	assign(
		{"assign_to": [owner], "doctype": TASK, "name": task.name, "description": task.title},
		ignore_permissions=True,
	)
	frappe.db.set_value(FOLLOW_UP, follow_up.name, "crm_task", str(task.name), update_modified=False)
	return str(task.name)


def _reference(follow_up) -> tuple[str, str] | None:
	"""The deal that started (or was linked to) the request, else the organization's most recent open deal."""
	firings = frappe.get_all(
		FIRING,
		filters={"request": follow_up.request, "reference_doctype": core.DEAL},
		fields=["reference_doctype", "status", "reference_name"],
		order_by="creation asc",
		as_list=True,
	)
	source = frappe.db.get_value("Flow Request", follow_up.request, ["source_doctype", "source_name"]) or (
		None,
		None,
	)
	deal = core.started_by(firings, *source)
	if deal and not frappe.db.exists(core.DEAL, deal):
		deal = None
	latest_open = None
	if not deal and follow_up.customer_type == core.ORGANIZATION and follow_up.customer:
		latest_open = frappe.db.get_value(
			core.DEAL,
			{"organization": follow_up.customer, "status": ("not in", core.CLOSED_DEALS)},
			"name",
			order_by="creation desc",
		)
	return core.reference(deal, follow_up.customer_type, latest_open)


def moved(crm_task: str | None, status: str, due_on: Any = None) -> None:
	"""A move of a follow-up (now `status`, due `due_on`), told to its CRM Task: no query without one."""
	if not crm_task or not installed(TASK):
		return
	current = frappe.db.get_value(TASK, crm_task, ["status", "due_date"], as_dict=True)
	if not current:
		return  # deleted in CRM: the follow-up goes on alone
	update = core.mirror(status, _moment(due_on), core.TaskState(current.status, _moment(current.due_date)))
	if not update:
		return  # the move came from the task itself
	task = frappe.get_doc(TASK, crm_task)
	task.update(update)
	task.flags[FLAG] = True
	task.save(ignore_permissions=True)


# --------------------------------------------------------------------------------- the CRM Task → the follow-up


def change_of(doc) -> frappe._dict | None:
	"""What a save of a CRM Task asks of its open follow-up (`kind` "done" or "push", `due_on`), with the
	follow-up's name, status, owner and team. No query unless the save marks the task Done or moves its due date;
	then one (by the indexed `crm_task`)."""
	if doc.flags.get(FLAG):
		return None  # our own write
	before = doc.get_doc_before_save()
	if before is None:
		return None  # a new task: no follow-up names it yet
	kind = core.crm_change(
		core.TaskState(before.status, _moment(before.due_date)),
		core.TaskState(doc.status, _moment(doc.due_date)),
	)
	if not kind:
		return None
	row = frappe.db.get_value(
		FOLLOW_UP,
		{"crm_task": str(doc.name)},
		["name", "status", "assigned_to", "owner_team"],
		as_dict=True,
	)
	if not row or row.status != FOLLOW_UP_OPEN:
		return None  # not a follow-up's task, or the follow-up is already done
	row.update(kind=kind, due_on=_moment(doc.due_date))
	return row


def left_as_it_was(doc, change) -> None:
	"""Someone who may change the CRM Task (CRM's rules) but not the follow-up (ours): the task keeps the change,
	the follow-up stays as it was (the sweep still nudges its owner) and says so on its timeline; the user is told
	with an alert."""
	user = frappe.session.user
	did = _("marked done") if change.kind == "done" else _("moved")
	note = _("{0} {1} its CRM Task {2} in Frappe CRM; the follow-up stays as it was: {3}").format(
		escape_html(get_fullname(user)), did, escape_html(str(doc.name)), _(ONLY)
	)
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": FOLLOW_UP,
			"reference_name": change.name,
			"content": note,
			"comment_email": user,
		}
	).insert(ignore_permissions=True)
	frappe.msgprint(
		_("CRM Task saved; its follow-up {0} stays as it was: {1}").format(change.name, _(ONLY)),
		indicator="orange",
		alert=True,
	)
