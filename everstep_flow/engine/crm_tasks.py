"""Follow-ups in Frappe CRM (issue 21): a CRM user's follow-up is also a CRM Task on the deal, and the two move
together. Plain data: which deal the task goes on, what it says, what a save of it means for the follow-up, and
what the task must become after a move of the follow-up (only what differs, so no change comes back as another).

The shell (clients.crm_tasks) reads and writes; the follow-up's own moves stay engine.follow_ups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from everstep_flow.engine.calls import FOLLOW_UP_DONE, FOLLOW_UP_OPEN
from everstep_flow.engine.seams import DEAL, ORGANIZATION

CRM_ROLES = frozenset({"Sales User", "Sales Manager"})
CLOSED_DEALS = ("Won", "Lost")  # CRM 9caae47ec's deal statuses say nothing else of being closed
STARTED, LINKED = "Done", "Linked"  # a Flow Trigger Firing that started its request, or was linked to it
TASK_DONE, TASK_CANCELED, TASK_TODO = "Done", "Canceled", "Todo"
MOVED_IN_CRM = "moved in Frappe CRM"  # the reason of a push made by moving the CRM Task's due date
TITLE_LENGTH = 140  # CRM Task.title is Data


@dataclass(frozen=True)
class TaskState:
	status: str | None
	due_date: datetime | None


def is_crm_user(roles: Iterable[str]) -> bool:
	return bool(CRM_ROLES & set(roles))


def started_by(
	firings: Iterable[tuple[str, str, str]], source_doctype: str | None, source_name: str | None
) -> str | None:
	"""The deal behind a request: of its firings (reference doctype, status, name; oldest first) the deal that
	started it, else the first deal linked to it, else the request's own source when that is a deal."""
	deals = [(status, name) for doctype, status, name in firings if doctype == DEAL and name]
	for wanted in (STARTED, LINKED):
		found = next((name for status, name in deals if status == wanted), None)
		if found:
			return found
	return source_name if source_doctype == DEAL and source_name else None


def reference(deal: str | None, customer_type: str | None, open_deal: str | None) -> tuple[str, str] | None:
	"""What the CRM Task is on: the deal, else (the client being an organization) its most recent open deal."""
	if deal:
		return (DEAL, deal)
	if customer_type == ORGANIZATION and open_deal:
		return (DEAL, open_deal)
	return None


def new_task(
	*,
	follow_up: str,
	request: str,
	what: str,
	due_on: datetime,
	owner: str,
	on: tuple[str, str] | None,
) -> dict[str, Any]:
	"""The CRM Task's fields (assigned_to is the owner's, set by the shell once the task exists)."""
	what = " ".join((what or "").split())
	title = what if len(what) <= TITLE_LENGTH else what[: TITLE_LENGTH - 1].rstrip() + "…"
	return {
		"title": title or f"Follow up {request}",
		"priority": "Medium",
		"status": TASK_TODO,
		"due_date": due_on,
		"assigned_to": owner,
		"description": (
			f"<p>{escape(what)}</p><p>Follow-up <a href='/app/flow-follow-up/{escape(follow_up)}'>"
			f"{escape(follow_up)}</a> of request <a href='/app/flow-request/{escape(request)}'>"
			f"{escape(request)}</a>: done or moved here, it is done or moved there too.</p>"
		),
		"reference_doctype": on[0] if on else None,
		"reference_docname": on[1] if on else None,
	}


def crm_change(before: TaskState, after: TaskState) -> str | None:
	"""What a save of the CRM Task asks of its follow-up: "done" (it became Done), "push" (its due date moved while
	it is neither done nor cancelled), or nothing (Canceled, reopened, any other field: the follow-up has no such
	move)."""
	if after.status == TASK_DONE and before.status != TASK_DONE:
		return "done"
	if after.due_date != before.due_date and after.status not in (TASK_DONE, TASK_CANCELED):
		return "push"
	return None


def mirror(status: str, due_on: datetime | None, task: TaskState) -> dict[str, Any]:
	"""What the CRM Task must become after a move of its follow-up: only what differs (nothing when the move came
	from the task itself). A follow-up still open after a push reopens a task marked done or cancelled in CRM."""
	if status == FOLLOW_UP_DONE:
		return {} if task.status == TASK_DONE else {"status": TASK_DONE}
	if status != FOLLOW_UP_OPEN:
		return {}
	update: dict[str, Any] = {}
	if due_on is not None and due_on != task.due_date:
		update["due_date"] = due_on
		if task.status in (TASK_DONE, TASK_CANCELED):
			update["status"] = TASK_TODO
	return update
