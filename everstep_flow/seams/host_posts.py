"""The host document that started a request is told of its work: milestones in a Helpdesk ticket's activity,
replies the customer sees in Helpdesk's portal, and the ticket's status following the request.

A move never waits for the host: the ledger tells us which requests it wrote events for (hooks:
`everstep_flow_events_written`, one query, only for events that can be milestones), and a job posts them once the
move has committed. Each source document (a Flow Trigger Firing that started or was linked to the request) keeps
how far it has been told (seams.host_marks); the job moves that mark with a compare-and-set before it posts, so two
workers, a retry and the sweep's catch-up never post twice, an event committed late is still posted, and a lost
job is made good by the sweep. What each milestone becomes is decided by engine.milestones on plain data.
"""

from __future__ import annotations

from typing import Any

import frappe

from everstep_flow.base.catalog import definition_of
from everstep_flow.base.door import collided
from everstep_flow.base.ledger import details_of
from everstep_flow.engine import milestones as core
from everstep_flow.hosts.client_records import is_staff
from everstep_flow.seams.host_marks import (
	FIRING,
	HOSTS,
	POSTED,
	advance,
	any_host,
	behind_requests,
	host_of,
	links_of,
	unposted,
)

MILESTONE_EVENTS = frozenset(
	{
		"created",
		"started",
		"completed",
		"accepted",
		"returned",
		"waiting",
		"resumed",
		"status_changed",
		"cancelled",
	}
)


def _could_post(row: dict[str, Any]) -> bool:
	kind = row["event_type"]
	return kind in MILESTONE_EVENTS or (kind == "commented" and not row["is_internal"])


def events_written(rows: list[dict[str, Any]]) -> None:
	"""Ledger listener (base.ledger.flush): the requests among these events that a host document follows get a
	post job after commit. No query without Helpdesk or without a milestone; else one."""
	if not any_host():
		return
	requests = sorted({r["request"] for r in rows if _could_post(r)})
	if not requests:
		return
	followed = frappe.get_all(
		FIRING,
		filters={"request": ("in", requests), "reference_doctype": ("in", HOSTS), "status": ("in", POSTED)},
		pluck="request",
		distinct=True,
	)
	if followed:
		enqueue(followed)


def enqueue(requests: list[str]) -> None:
	frappe.enqueue(
		"everstep_flow.seams.host_posts.post",
		queue="short",
		requests=sorted(set(requests)),
		enqueue_after_commit=True,
	)


def post(requests: list[str]) -> None:
	"""Job: post each request's new milestones on its host documents, one transaction per request."""
	for request in requests:
		try:
			post_request(request)
			frappe.db.commit()
		except Exception as e:
			frappe.db.rollback()
			frappe.local.message_log = []
			if not collided(e):  # another worker posts them; otherwise the sweep tries again
				frappe.log_error(title=f"everstep_flow: could not post {request} to its source")


def post_request(request: str) -> int:
	"""Post what each host document of `request` has not been told yet; returns the number of posts."""
	links = links_of(request)
	if not links:
		return 0
	req = frappe.get_doc("Flow Request", request)
	facts = _request_facts(req)
	settings = _settings(req.service)
	count = 0
	for link in links:
		count += _post_link(link, facts, settings)
	return count


def _post_link(link, facts: core.RequestFact, settings: core.Settings) -> int:
	linked = link.status == "Linked" and not link.posted_until
	events, mark, recent = unposted(link, facts.name)
	if not events and not linked:
		return 0
	host = host_of(link.reference_doctype)
	ticket = host.state(link.reference_name)
	if ticket is None:  # the ticket was deleted (the audit reports the lost source): nothing more to tell it
		advance(link, mark, recent)
		return 0
	plan = core.plan_posts(
		[_event_fact(e) for e in events],
		_tasks(events),
		facts,
		host.settings_for(settings, ticket),
		host_status=ticket.status,
		closed_statuses=host.closed_statuses(),
		linked=linked,
	)
	if not advance(link, mark, recent):
		return 0  # posted by another worker in the meantime
	user = frappe.session.user
	try:
		for p in plan.posts:
			_post_one(host, link, p)
	finally:
		frappe.set_user(user)
	if plan.status:
		frappe.db.savepoint("flow_ticket_status")
		try:
			host.set_status(link.reference_name, plan.status)
		except Exception:  # Helpdesk refused the save (its own rules): the posts stand, the refusal is logged
			frappe.db.rollback(save_point="flow_ticket_status")
			frappe.clear_last_message()
			frappe.log_error(
				title=f"everstep_flow: {link.reference_doctype} {link.reference_name} could not move to {plan.status}",
				reference_doctype=link.reference_doctype,
				reference_name=str(link.reference_name),
			)
	return len(plan.posts)


def _event_fact(e) -> core.EventFact:
	return core.EventFact(
		e.event_type,
		task=e.task or "",
		handoff=e.handoff or "",
		from_team=e.from_team or "",
		to_team=e.to_team or "",
		to_state=e.to_state or "",
		actor=e.actor or "",
		is_internal=bool(e.is_internal),
		details=details_of(e),
	)


def _tasks(events) -> dict[str, core.TaskFact]:
	names = sorted({e.task for e in events if e.task})
	if not names:
		return {}
	rows = frappe.get_all(
		"Flow Task", filters={"name": ("in", names)}, fields=["name", "title", "step_key", "team"]
	)
	return {r.name: core.TaskFact(r.title or "", r.step_key or "", r.team or "") for r in rows}


def _post_one(host, link, p: core.Post) -> None:
	"""One post, in a savepoint: one the host refuses (its own rules) is logged and skipped, never holding back the
	others nor, retried for ever, the ones after it."""
	author = _speaker(p.actor)
	if p.kind == core.REPLY and not host.may_reply(author):
		author = "Administrator"  # a reply goes out as someone the host lets reply (Helpdesk: an agent)
	frappe.set_user(author)  # the staff member who made the move speaks on the document, else the system
	frappe.db.savepoint("flow_host_post")
	try:
		if p.kind == core.COMMENT:
			host.comment(link.reference_name, p.html, author)
		else:
			host.reply(link.reference_name, p.html)
	except Exception:
		frappe.db.rollback(save_point="flow_host_post")
		frappe.clear_last_message()
		frappe.log_error(
			title=f"everstep_flow: {p.milestone} not posted on {link.reference_doctype} {link.reference_name}",
			reference_doctype=link.reference_doctype,
			reference_name=str(link.reference_name),
		)


def _speaker(actor: str) -> str:
	"""Who speaks on the ticket for a move: its staff member, else the system (never the customer, whose reply
	resumed the work, nor another website user)."""
	return actor if is_staff(actor) else "Administrator"


def _request_facts(req) -> core.RequestFact:
	return core.RequestFact(
		name=req.name,
		subject=req.subject or "",
		service_title=frappe.get_cached_value("Flow Service", req.service, "title") or req.service or "",
		status=req.status or "",
		current_team=req.current_team or "",
		requester=req.requester or "",
		definition=definition_of(req) if req.definition else None,
		values={row.fieldname: row.value for row in req.request_values},
	)


def _settings(service: str | None) -> core.Settings:
	if not service or not frappe.db.exists("Flow Service", service):
		return core.Settings(status_on_complete="Resolved")
	doc = frappe.get_cached_doc("Flow Service", service)
	return core.Settings(
		post_as={row.milestone: row.post_as for row in doc.get("host_milestones") or []},
		status_on_complete=doc.get("ticket_status_on_complete") or "",
		status_on_cancel=doc.get("ticket_status_on_cancel") or "",
		status_waiting=doc.get("ticket_status_waiting") or "",
	)


# ------------------------------------------------------------------------------------------- the sweep


def catch_up(now=None, limit: int = 200) -> int:
	"""Sweep: requests with events their host documents were not told of (a job lost with Redis or a worker) get
	a post job again; idempotent, and a no-op for a request whose job is still on its way (the mark)."""
	behind = behind_requests(now, limit)
	if behind:
		enqueue(behind)
	return len(behind)
