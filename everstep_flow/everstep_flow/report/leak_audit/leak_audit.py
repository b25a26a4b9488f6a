# Copyright (c) 2026, everstep_flow contributors
"""Leak audit: one line per place work is falling through, with a link to it.

- Orphans: what the no-orphan check finds (no open task, a team nobody can work, a claim held by someone away, a
  next step that is unclear, a trigger that fired without a request).
- Late handoffs: pending past their accept window.
- Waiting, no follow-up: a task waits on the customer and nothing (task, request or Flow Follow Up) says when to
  chase them.
- Stale follow-ups: a follow-up date passed and nothing happened on the request since.
- Duplicate open requests: one client with two open requests of one service.

Every read is of open work (indexes: status, due_on, accept_by), so the cost grows with what is open, not with
history. An agent sees the lines of their teams, and duplicates among the requests they may open."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime
from pypika.terms import ExistsCriterion

from everstep_flow.engine import states as S
from everstep_flow.visibility import report_copies
from everstep_flow.visibility.duplicates import open_duplicates
from everstep_flow.visibility.orphans import check_orphans
from everstep_flow.visibility.reporting import escaped, quick_datetimes, report_filters, visible_teams

ORPHAN, LATE, WAITING, STALE, DUPLICATE = (
	"Orphan",
	"Late handoff",
	"Waiting, no follow-up",
	"Stale follow-up",
	"Duplicate open request",
)
KINDS = (ORPHAN, LATE, WAITING, STALE, DUPLICATE)
LIMIT = 500  # lines per kind shown; the counts stay exact


FILTERS = ("kind", "team")  # as its .js declares them


def execute(filters: dict | None = None, now=None):
	return report_copies.served("Leak Audit", __name__, report_filters(filters, FILTERS), now)


def compute(filters: frappe._dict, now=None):
	"""The figures, read now (execute serves the user's copy of them where the site keeps copies)."""
	kind = filters.get("kind") or None
	if kind is not None and kind not in KINDS:
		frappe.throw(_("kind: one of {0}").format(", ".join(KINDS)), frappe.ValidationError)
	with quick_datetimes():
		found, counts = audit(now or now_datetime(), filters.get("team"), shown=LIMIT)
	rows = []
	for k in KINDS:
		if kind in (None, k):
			rows.extend([line for line in found if line["kind"] == k][:LIMIT])
	chart = {
		"data": {
			"labels": [_(k) for k in KINDS],
			"datasets": [{"name": _("Leaks"), "values": list(counts.values())}],
		},
		"type": "bar",
		"colors": ["#e24c4c"],
	}
	summary = [
		{"label": _(k), "value": n, "datatype": "Int", "indicator": "Red" if n else "Green"}
		for k, n in counts.items()
	]
	return columns(), escaped(rows, "detail"), None, chart, summary


def columns() -> list[dict]:
	return [
		{"fieldname": "kind", "label": _("Leak"), "fieldtype": "Data", "width": 170},
		# Data, not a Link to DocType: an agent may not read DocType (the item's link needs only the name)
		{"fieldname": "reference_doctype", "label": _("Type"), "fieldtype": "Data", "width": 120},
		{
			"fieldname": "reference_name",
			"label": _("Item"),
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 150,
		},
		{
			"fieldname": "request",
			"label": _("Request"),
			"fieldtype": "Link",
			"options": "Flow Request",
			"width": 110,
		},
		{"fieldname": "team", "label": _("Team"), "fieldtype": "Link", "options": "Flow Team", "width": 130},
		{"fieldname": "since", "label": _("Since"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "detail", "label": _("Detail"), "fieldtype": "Data", "width": 320},
	]


def line(
	kind: str, doctype: str, name: str, request: str | None, team: str | None, since, detail: str
) -> dict:
	return {
		"kind": kind,
		"reference_doctype": doctype,
		"reference_name": name,
		"request": request,
		"team": team,
		"since": since,
		"detail": detail,
	}


def leaks(now, team: str | None = None) -> list[dict]:
	"""Every leak line this user may see (optionally of one team)."""
	return audit(now, team)[0]


def audit(now, team: str | None = None, shown: int | None = None) -> tuple[list[dict], dict[str, int]]:
	"""The leak lines this user may see (optionally of one team) and how many there are of each kind. With `shown`,
	a manager's duplicates and waiting tasks are counted by the database and only the first `shown` lines of each
	are built: a busy site has thousands, and the report shows a few hundred of each kind."""
	teams = visible_teams(team)
	if teams == []:
		return [], dict.fromkeys(KINDS, 0)
	found = orphans() + late_handoffs(now) + stale_follow_ups(now)
	if teams is None:
		waiting, waiting_total = waiting_without_follow_up(shown)
		doubles, total = duplicates(shown)
		counts = _counts(found)
		counts[WAITING], counts[DUPLICATE] = waiting_total, total
		return found + waiting + doubles, counts
	found += waiting_without_follow_up()[0] + duplicates(teams=teams)[0]
	mine = set(teams)
	unowned = list({f["request"] for f in found if not f["team"] and f["request"]})
	readable = (
		set(frappe.get_list("Flow Request", filters={"name": ("in", unowned)}, pluck="name", limit=0))
		if unowned and not team
		else set()
	)
	found = [f for f in found if f["team"] in mine or (not f["team"] and f["request"] in readable)]
	return found, _counts(found)


def _counts(found: list[dict]) -> dict[str, int]:
	counts = dict.fromkeys(KINDS, 0)
	for f in found:
		counts[f["kind"]] += 1
	return counts


def orphans() -> list[dict]:
	found = []
	for f in check_orphans():
		if f.firing:
			found.append(
				line(ORPHAN, "Flow Trigger Firing", f.firing, None, None, None, f"{f.kind}: {f.message}")
			)
		else:
			doctype, name = ("Flow Task", f.task) if f.task else ("Flow Request", f.request)
			found.append(
				line(ORPHAN, doctype, name, f.request, f.team or None, None, f"{f.kind}: {f.message}")
			)
	return found


def late_handoffs(now) -> list[dict]:
	h = DocType("Flow Handoff")
	rows = (
		frappe.qb.from_(h)
		.select(h.name, h.request, h.from_team, h.to_team, h.accept_by)
		.where((h.status == S.PENDING) & (h.accept_by < now))
		.orderby(h.accept_by)
		.run(as_dict=True)
	)
	return [
		line(LATE, "Flow Handoff", r.name, r.request, r.to_team, r.accept_by, f"{r.from_team} → {r.to_team}")
		for r in rows
	]


def waiting_without_follow_up(shown: int | None = None) -> tuple[list[dict], int]:
	"""Tasks waiting on the customer that nothing says when to chase (task, request or an open Flow Follow Up), and
	how many: with `shown`, only that many lines are read, and the database counts the rest when there are more."""
	# Query builder, not get_all: Frappe's "is not set" on a Datetime compares it with '' (PostgreSQL refuses).
	task, request, follow_up = DocType("Flow Task"), DocType("Flow Request"), DocType("Flow Follow Up")
	chased = ExistsCriterion(
		frappe.qb.from_(follow_up)
		.select(follow_up.name)
		.where((follow_up.request == task.request) & (follow_up.status == "Open"))
	)
	waiting = (
		(task.status == S.WAITING)
		& task.follow_up_on.isnull()
		& request.follow_up_on.isnull()
		& chased.negate()
	)
	query = frappe.qb.from_(task).join(request).on(request.name == task.request).where(waiting)
	lines = query.select(task.name, task.request, task.team, task.title, task.modified)
	rows = [] if shown == 0 else (lines.limit(shown) if shown else lines).run(as_dict=True)
	total = len(rows)
	if shown is not None and total >= shown:
		total = query.select(Count("*")).run()[0][0]
	return [line(WAITING, "Flow Task", t.name, t.request, t.team, t.modified, t.title) for t in rows], total


def stale_follow_ups(now) -> list[dict]:
	follow_up, request = DocType("Flow Follow Up"), DocType("Flow Request")
	rows = (
		frappe.qb.from_(follow_up)
		.left_join(request)
		.on(request.name == follow_up.request)
		.select(follow_up.name, follow_up.request, follow_up.owner_team, follow_up.due_on, follow_up.what)
		.where(
			(follow_up.status == "Open")
			& (follow_up.due_on < now)
			& (request.name.isnull() | request.history_at.isnull() | (request.history_at < follow_up.due_on))
		)
		.orderby(follow_up.due_on)
		.run(as_dict=True)
	)
	found = [
		line(STALE, "Flow Follow Up", r.name, r.request, r.owner_team, r.due_on, r.what or "") for r in rows
	]
	open_requests = (
		frappe.qb.from_(request)
		.select(request.name, request.follow_up_on, request.history_at, request.current_team, request.subject)
		.where(
			request.status.isin(S.REQ_OPEN_STATES)
			& request.follow_up_on.notnull()
			& (request.follow_up_on < now)
			& (request.history_at.isnull() | (request.history_at < request.follow_up_on))
		)
		.orderby(request.follow_up_on)
		.run(as_dict=True)
	)
	for r in open_requests:
		found.append(line(STALE, "Flow Request", r.name, r.name, r.current_team, r.follow_up_on, r.subject))
	return found


def duplicates(shown: int | None = None, teams: list[str] | None = None) -> tuple[list[dict], int]:
	"""The duplicate open requests' lines (visibility.duplicates), each seen by the team holding it, and their
	count."""
	found, total = open_duplicates(shown, teams)
	already = _("{0} {1} already has {2} open for {3}")  # translated once: a busy site has thousands of lines
	lines = [
		line(
			DUPLICATE,
			"Flow Request",
			d.name,
			d.name,
			d.team,
			d.created,
			already.format(d.customer_type, d.customer, d.first, d.service),
		)
		for d in found
	]
	return lines, total
