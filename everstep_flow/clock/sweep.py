"""The sweep: find work that waits too long and nudge, then escalate, up the ladder.

Runs every 5 minutes (hooks.scheduler_events) and on demand (everstep_flow.api.sweep.run_now). The core decides who
is nudged at which level (engine.escalation); this module only queries and sends. Properties:
- Cost grows with the items due, not with all open items: every query filters on an indexed moment
  (due_on, accept_by, follow_up_on, last_event_at, at_risk_on) and is capped at CHUNK rows; a full chunk enqueues
  a follow-up run (deduplicated) instead of working on.
- Idempotent and safe on two workers: an item's level is raised with a compare-and-set UPDATE; only the worker
  whose update changed the row sends the nudge, so a second run at the same moment sends nothing new.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.utils import add_to_date, flt, get_system_timezone, now_datetime

from everstep_flow.base import ledger
from everstep_flow.clock.notify import catch_up_arrivals
from everstep_flow.clock.nudges import send
from everstep_flow.clock.sweep_follow_ups import follow_ups
from everstep_flow.clock.sweep_rows import Report, candidates, raise_level
from everstep_flow.engine import states as S
from everstep_flow.engine.escalation import LEAD, MANAGERS, Ladder, Nudge, Waiting, plan_climb, plan_stale
from everstep_flow.engine.plans import Clock
from everstep_flow.engine.sla import AT_RISK, BREACHED, MET, ON_TRACK, PAUSED
from everstep_flow.seams.host_posts import catch_up
from everstep_flow.seams.triggers import requeue_lost
from everstep_flow.visibility.orphans import check_orphans

Task, Handoff, Request = DocType("Flow Task"), DocType("Flow Handoff"), DocType("Flow Request")


def settings() -> tuple[Ladder, int]:
	s = frappe.get_cached_doc("Flow Settings")

	def minutes(value) -> int:
		return round(flt(value) / 60)

	ladder = Ladder(
		claimant=minutes(s.nudge_claimant_after),
		team=max(minutes(s.nudge_claimant_after), minutes(s.escalate_team_after)),
		lead=max(minutes(s.escalate_team_after), minutes(s.escalate_lead_after)),
		managers=max(minutes(s.escalate_lead_after), minutes(s.escalate_managers_after)),
	)
	return ladder, minutes(s.stale_request_after)


def scheduled_sweep() -> None:
	run(commit_each=True)


def run(now=None, commit_each: bool = False) -> dict:
	now = now or now_datetime()
	ladder, stale_after = settings()
	report = Report(commit_each=commit_each)
	report.overdue_tasks = _overdue_tasks(now, ladder, report)
	report.late_handoffs = _late_handoffs(now, ladder, report)
	report.follow_ups = follow_ups(now, report)
	if stale_after:
		report.stale_requests = _stale_requests(now, stale_after, ladder, report)
	report.sla_changes = _sla(now)
	report.settle()  # its set-based updates lock every request whose status changed
	report.firings_requeued = requeue_lost(now)
	report.host_posts_caught_up = catch_up(now)
	report.handoffs_told = catch_up_arrivals(now, settle=report.settle)
	ledger.flush()
	if report.more_queued:
		frappe.enqueue(
			"everstep_flow.clock.sweep.scheduled_sweep",
			queue="long",
			job_id="everstep_flow:sweep",
			deduplicate=True,
			enqueue_after_commit=True,
		)
	if frappe.db.exists("Flow Team", {"assignment_rule": ("is", "set"), "disabled": 0}):
		# Teams that dispatch: what a lost job left, a rule's day begun, a member back (clock.dispatch)
		frappe.enqueue(
			"everstep_flow.clock.dispatch.run",
			queue="short",
			job_id="everstep_flow:dispatch",
			deduplicate=True,
			enqueue_after_commit=True,
		)
	frappe.enqueue(
		"everstep_flow.clock.sweep.orphan_sweep",
		queue="long",
		job_id="everstep_flow:orphans",
		deduplicate=True,
		enqueue_after_commit=True,
	)
	return report.as_dict()


def _ladder_query(table, moment, level_column, now, ladder: Ladder, extra):
	"""Items whose moment has passed by at least the first step, and not yet at the level their lateness reached.
	One indexed range per ladder step, so fully escalated items are not read again and again."""
	conditions = None
	for level, after in ladder.thresholds():
		step = (moment <= add_to_date(now, minutes=-after)) & (level_column < level)
		conditions = step if conditions is None else conditions | step
	return frappe.qb.from_(table).select("*").where(extra & moment.isnotnull() & conditions)


def _climb(
	table, doctype: str, moment: str, open_: object, now, ladder: Ladder, report: Report, describe
) -> int:
	"""Nudge every item of `table` whose `moment` passed, at the ladder level its lateness reached, once per level.
	`describe(row)` gives what the nudge needs: team, claimant, subject, kind."""
	level = table.escalation_level
	rows = candidates(_ladder_query(table, table[moment], level, now, ladder, open_), report)
	waiting = [Waiting(r.name, r.request, r[moment], r.escalation_level or 0, describe(r)) for r in rows]
	sent = 0
	for r in plan_climb(waiting, ladder, Clock(now, get_system_timezone())):
		if raise_level(table, r.name, level, r.sent_level, r.nudge.level):
			send(r.nudge, r.request, doctype=doctype, name=r.name, **r.about)
			sent += 1
		report.settle()
	return sent


def _overdue_tasks(now, ladder: Ladder, report: Report) -> int:
	return _climb(
		Task,
		"Flow Task",
		"due_on",
		Task.status.isin(S.TASK_OPEN),
		now,
		ladder,
		report,
		lambda t: {
			"team": t.team,
			"claimant": t.claimed_by,
			"subject": f"Overdue: {t.title}",
			"kind": "task_overdue",
		},
	)


def _late_handoffs(now, ladder: Ladder, report: Report) -> int:
	return _climb(
		Handoff,
		"Flow Handoff",
		"accept_by",
		Handoff.status == S.PENDING,
		now,
		ladder,
		report,
		lambda h: {
			"team": h.to_team,
			"subject": f"Handoff from {h.from_team} waits to be accepted",
			"kind": "handoff_unaccepted",
		},
	)


def _stale_requests(now, stale_after: int, ladder: Ladder, report: Report) -> int:
	"""No event for `stale_after` minutes: the service's owner team lead, then the Flow Managers."""
	threshold = add_to_date(now, minutes=-stale_after)
	later = add_to_date(threshold, minutes=-(ladder.managers - ladder.lead))
	query = (
		frappe.qb.from_(Request)
		.select("*")
		.where(
			Request.status.isin((S.REQ_OPEN, S.REQ_IN_PROGRESS))
			& (
				((Request.last_event_at <= threshold) & (Request.stale_level < LEAD))
				| ((Request.last_event_at <= later) & (Request.stale_level < MANAGERS))
			)
		)
	)
	waiting = [
		Waiting(
			req.name,
			req.name,
			req.last_event_at,
			req.stale_level or 0,
			{
				"team": frappe.get_cached_value("Flow Service", req.service, "owner_team"),
				"subject": f"No activity on {req.subject}",
				"kind": "stale_request",
			},
		)
		for req in candidates(query, report)
	]
	sent = 0
	for r in plan_stale(waiting, later):
		if raise_level(Request, r.name, Request.stale_level, r.sent_level, r.nudge.level):
			send(r.nudge, r.request, doctype="Flow Request", name=r.name, **r.about)
			sent += 1
		report.settle()
	return sent


def _sla(now) -> int:
	"""Set-based: requests whose at-risk or due moment passed change status (paused ones never breach)."""
	open_ = Request.status.isin((S.REQ_OPEN, S.REQ_IN_PROGRESS))
	changed = 0
	frappe.qb.update(Request).set(Request.sla_status, BREACHED).where(
		open_ & (Request.due_on <= now) & Request.sla_status.notin((BREACHED, PAUSED, MET))
	).run()
	changed += frappe.db._cursor.rowcount
	frappe.qb.update(Request).set(Request.sla_status, AT_RISK).where(
		open_ & (Request.at_risk_on <= now) & (Request.sla_status == ON_TRACK)
	).run()
	changed += frappe.db._cursor.rowcount
	if changed > 0:
		# The task list shows each task's request SLA: the open tasks of the requests that just changed follow.
		for status in (BREACHED, AT_RISK):
			requests = (
				frappe.qb.from_(Request).select(Request.name).where(open_ & (Request.sla_status == status))
			)
			frappe.qb.update(Task).set(Task.request_sla, status).where(
				Task.status.isin(S.TASK_OPEN)
				& Task.request.isin(requests)
				& (Task.request_sla.isnull() | (Task.request_sla != status))
			).run()
	return max(changed, 0)


def orphan_sweep() -> None:
	"""Enqueued, deduplicated: the no-orphan check costs with open work, so it stays out of the 5-minute path.
	Each finding goes to the Flow Managers once a day per request, task and kind (the ledger remembers)."""
	since = add_to_date(now_datetime(), days=-1)
	for finding in check_orphans():
		if not finding.request:
			continue  # a missed seam has no request to nudge about; the check and the Error Log report it
		recent = frappe.get_all(
			"Flow Event",
			filters={"request": finding.request, "event_type": "escalated", "at": (">=", since)},
			pluck="details",
		)  # details is JSON (a json column on PostgreSQL: compared here, not with LIKE)
		if any(
			(d := frappe.parse_json(details) or {}).get("kind") == finding.kind
			and (d.get("task") or "") == (finding.task or "")
			for details in recent
		):
			continue
		send(
			Nudge(MANAGERS, "managers", True),
			finding.request,
			team=finding.team or None,
			doctype="Flow Request",
			name=finding.request,
			subject=finding.message,
			kind=finding.kind,
			task=finding.task,
		)
	ledger.flush()
