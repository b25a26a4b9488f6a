"""People's actions on tasks, handoffs and requests: lock the row, check the move, save through the one gate."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html, now_datetime

from everstep_flow.base import door, ledger
from everstep_flow.base.catalog import definition_of
from everstep_flow.base.door import decided
from everstep_flow.engine import states as S
from everstep_flow.engine import topological_order
from everstep_flow.engine.moves import HandoffFacts, TaskFacts, plan_cancel
from everstep_flow.requests.transitions import system_move
from everstep_flow.teams.membership import is_manager, is_member, team_lead, works_on


def lock(doctype: str, name: str, fields: list[str]) -> frappe._dict:
	"""SELECT ... FOR UPDATE: the second of two simultaneous actions waits here, then sees the first one's result.

	On PostgreSQL (REPEATABLE READ) the waiter fails instead; a door that owns its transaction retries it from the
	start (api.door), so the waiter then sees the first one's result as on MariaDB."""
	try:
		row = frappe.db.get_value(doctype, name, fields, as_dict=True, for_update=True)
	except Exception as e:
		if (door.collided(e) or frappe.db.is_timedout(e)) and not door.can_retry():
			frappe.throw(
				_("{0} {1} was changed by someone else at the same moment. Reload and try again.").format(
					_(doctype), name
				),
				door.Collision,
			)
		raise
	if not row:
		if not is_manager():  # as for a row they may not read: a name confirms nothing
			not_yours(doctype, name)
		frappe.throw(_("{0} {1} not found").format(_(doctype), escape_html(name)), frappe.DoesNotExistError)
	return row


def not_yours(doctype: str, name: str) -> None:
	"""The one refusal for a row the user may not act on, whether it exists or not."""
	frappe.throw(
		_("{0} {1} is not part of your teams' work.").format(_(doctype), escape_html(name)),
		frappe.PermissionError,
	)


def require_access(doctype: str, name: str, ptype: str = "write") -> None:
	"""A clear refusal instead of Frappe's bare PermissionError; says nothing about the document itself."""
	if not frappe.has_permission(doctype, ptype, name):
		not_yours(doctype, name)


def _member_move(machine: S.Machine, status: str, action: str) -> S.Transition | None:
	try:
		t = machine.find(status, action)
	except S.IllegalTransition:
		return None
	return t if t.by == "member" else None


def act_on_task(
	name: str,
	action: str,
	*,
	outputs: dict[str, Any] | None = None,
	reason: str | None = None,
	note: str | None = None,
):
	"""`outputs`, `reason` and `note` come checked by the door (api.task, engine.args)."""
	row = lock("Flow Task", name, ["status", "claimed_by"])
	require_access("Flow Task", name)
	t = _member_move(S.TASK, row.status, action)
	if t is None:
		if action not in S.TASK.actions_by("member"):
			msg = _("{0} is not an action on a task.").format(escape_html(action))
		elif action == "Claim" and row.status in S.TASK_OPEN and row.claimed_by:
			msg = _("This task is already claimed by {0}.").format(frappe.bold(row.claimed_by))
		else:
			msg = _("Cannot {0} a task that is {1}.").format(_(action).lower(), _(row.status))
		frappe.throw(msg, frappe.ValidationError)
	# Read as the lock read it (the latest row, not the transaction's first snapshot): on MariaDB's repeatable
	# read a plain read could miss what the sweep committed a moment ago (an escalation level), and the guard would
	# take that difference for an edit.
	task = frappe.get_doc("Flow Task", name, for_update=True)
	task.status = t.target
	if t.needs:
		task.set(t.needs, reason)
	task.flags.flow_action = t
	task.flags.flow_outputs = outputs or {}
	task.handoff_note = note
	task.save()
	return task


def act_on_handoff(name: str, action: str, *, reason: str | None = None):
	row = lock("Flow Handoff", name, ["status"])
	require_access("Flow Handoff", name)
	t = _member_move(S.HANDOFF, row.status, action)
	if t is None:
		if action not in S.HANDOFF.actions_by("member"):
			msg = _("{0} is not an action on a handoff.").format(escape_html(action))
		else:
			msg = _("Cannot {0} a handoff that is {1}.").format(_(action).lower(), _(row.status))
		frappe.throw(msg, frappe.ValidationError)
	handoff = frappe.get_doc("Flow Handoff", name, for_update=True)  # as the lock read it (see act_on_task)
	handoff.status = t.target
	if t.needs:
		handoff.set(t.needs, reason)
	handoff.flags.flow_action = t
	handoff.save()
	return handoff


def task_moves_for(task) -> list[str]:
	"""The moves the current user may make on `task` now (the desk's buttons), decided by the core."""
	user = frappe.session.user
	actor = S.Actor(
		manager=is_manager(user),
		member=is_member(task.team, user),
		claimant=bool(task.claimed_by) and task.claimed_by == user,
		lead=team_lead(task.team) == user,
	)
	return S.task_moves(task.status, bool(task.awaiting_handoff), actor)


def handoff_moves_for(name: str, handoff=None) -> list[str]:
	"""Accept / Return for the receiving team while the handoff is pending."""
	row = handoff or frappe.db.get_value("Flow Handoff", name, ["status", "to_team"], as_dict=True)
	if not row:
		return []
	user = frappe.session.user
	actor = S.Actor(manager=is_manager(user), member=is_member(row.to_team, user))
	return S.handoff_moves(row.status, actor)


def cancel_request(name: str, reason: str):
	"""Cancel a whole request in one decision (engine.moves.plan_cancel): its pending handoffs and open tasks are
	withdrawn, each through the gate with the move already planned, in one transaction."""
	row = lock("Flow Request", name, ["status", "requester"])
	if not (is_manager() or row.requester == frappe.session.user):
		frappe.throw(_("Only the requester or a Flow Manager can cancel a request."), frappe.PermissionError)
	tasks = frappe.get_all(
		"Flow Task",
		filters={"request": name, "status": ("in", S.TASK_OPEN)},
		fields=["name", "step_key", "team", "status"],
		order_by="creation asc",
		ignore_permissions=True,
	)
	handoffs = frappe.get_all(
		"Flow Handoff",
		filters={"request": name, "status": S.PENDING},
		fields=["name", "from_task", "to_task", "from_team", "to_team"],
		order_by="creation asc",
		ignore_permissions=True,
	)
	plan = decided(
		plan_cancel,
		row.status,
		reason,
		tuple(TaskFacts(t.name, t.step_key, t.team, t.status) for t in tasks),
		tuple(HandoffFacts(h.name, h.from_task, h.to_task, h.from_team, h.to_team) for h in handoffs),
		actor=frappe.session.user,
		now=now_datetime(),
	)
	for handoff, move in plan.handoffs:
		doc = frappe.get_doc("Flow Handoff", handoff)
		doc.status = S.CANCELLED
		doc.flags.flow_system, doc.flags.flow_planned = True, move
		doc.save(ignore_permissions=True)
	frappe.db.set_value("Flow Request", name, dict(plan.request_update))
	for task, move in plan.tasks:
		system_move(task, S.CANCELLED, planned=move)
	ledger.record_plan(name, (plan.event,))
	return frappe.get_doc("Flow Request", name)


def progress(request) -> list[dict]:
	"""One row per step of the snapshot, in process order, with its live task (if any): the request's tracker."""
	defn = definition_of(request)
	tasks: dict[str, dict] = {}
	for task in frappe.get_all(
		"Flow Task",
		filters={"request": request.name},
		fields=[
			"name",
			"step_key",
			"status",
			"team",
			"claimed_by",
			"awaiting_handoff",
			"creation",
			"started_on",
			"completed_on",
			"due_on",
		],
		order_by="creation asc",
		ignore_permissions=True,
	):
		if task.step_key not in tasks or task.status != S.CANCELLED:
			tasks[task.step_key] = task
	rows = []
	for key in topological_order(defn):
		step = defn.step(key)
		task = tasks.get(key)
		rows.append(
			{
				"step": key,
				"title": step.title,
				"team": step.team,
				"state": (task.status if task else "Not Started"),
				"task": task.name if task else None,
				"claimed_by": task.claimed_by if task else None,
				"awaiting_handoff": task.awaiting_handoff if task else None,
				"since": task.creation if task else None,
				"started_on": task.started_on if task else None,
				"completed_on": task.completed_on if task else None,
				"due_on": task.due_on if task else None,
			}
		)
	return rows


def set_client(name: str, client) -> frappe.model.document.Document:
	"""Link a request to its client (a request that came in with "client unknown", or one that named the wrong
	one): staff on the request only; one `client_set` event; the request's emails are linked to the client too."""
	row = lock("Flow Request", name, ["status", "customer_type", "customer", "contact"])
	if not works_on(name):
		frappe.throw(_("Only staff on this request can link its client."), frappe.PermissionError)
	if (row.customer_type, row.customer) == (client.customer_type, client.customer):
		frappe.throw(
			_("customer: the request is already linked to {0}").format(escape_html(client.customer)),
			frappe.ValidationError,
		)
	contact = client.contact or row.contact
	frappe.db.set_value(
		"Flow Request",
		name,
		{
			"customer_type": client.customer_type,
			"customer": client.customer,
			"contact": contact,
			"client_unknown": 0,
		},
	)
	ledger.record(
		name,
		"client_set",
		details={
			"from": f"{row.customer_type} {row.customer}" if row.customer else None,
			"to": f"{client.customer_type} {client.customer}",
		},
	)
	link_emails(name, client.customer_type, client.customer)
	ledger.flush()
	return frappe.get_doc("Flow Request", name)


def link_emails(request: str, doctype: str, name: str) -> None:
	"""Every email of the request shows on the client's timeline (Communication timeline_links)."""
	emails = frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Flow Request", "reference_name": request},
		pluck="name",
		limit=500,
	)
	if not emails:
		return
	linked = set(
		frappe.get_all(
			"Communication Link",
			filters={"parent": ("in", emails), "link_doctype": doctype, "link_name": name},
			pluck="parent",
		)
	)
	for email in emails:
		if email not in linked:
			frappe.get_doc(
				{
					"doctype": "Communication Link",
					"parent": email,
					"parenttype": "Communication",
					"parentfield": "timeline_links",
					"link_doctype": doctype,
					"link_name": name,
				}
			).db_insert()
