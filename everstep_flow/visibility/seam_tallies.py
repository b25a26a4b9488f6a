"""Handoffs by Seam's part of the day tallies (engine.day_tallies.SeamDay): per seam, the handoffs sent on a
finished day, written with the day's other figures by visibility.day_tallies.

A handoff sent on a day is often decided on a later one: a day is trusted for its seams only while none of its
handoffs was written after the tally's as_of (read by index: modified), and read from the handoffs until the job
builds it again. A pending handoff's lateness moves with the clock: the tally keeps its window, and the report
tells it at its `now`."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from pypika import Case

from everstep_flow.engine import day_tallies as core
from everstep_flow.engine import states as S
from everstep_flow.engine.reports import SeamTally, seam_tally, tally_groups
from everstep_flow.visibility.reporting import hours_of, microseconds_between, read_columns
from everstep_flow.visibility.tally_rows import vouched

Crossing = tuple[str, str, str, str]  # (request, from team, to team, receiving step)


def read_seams(where, now: datetime | None) -> tuple[dict[core.SeamKey, SeamTally], list[Crossing]]:
	"""Each seam's tally of the handoffs `where` selects (cancelled ones left out), and their crossings. The
	database computes each handoff's hours to accept and whether it was late (engine.reports.is_late, said in SQL;
	a bench test checks the two agree). Without `now`, a pending handoff is not late (its day's tally keeps its
	window)."""
	h = DocType("Flow Handoff")
	decided = Coalesce(h.accepted_on, h.returned_on)
	late = decided > h.accept_by
	if now is not None:
		late = late | (decided.isnull() & (h.status == S.PENDING) & (h.accept_by < now))
	requests, sources, targets, statuses, steps, accepts, windowed, lates = read_columns(
		frappe.qb.from_(h).where(where & (h.status != S.CANCELLED)),
		[h.request, h.from_team, h.to_team, h.status, h.to_step],
		[
			Case().when(h.status == S.ACCEPTED, microseconds_between(h.sent_on, h.accepted_on)),
			_flag(h.accept_by.notnull()),
			_flag(h.accept_by.notnull() & late),
		],
	)
	tallies = tally_groups(
		zip(sources, targets, strict=True), seam_tally, statuses, hours_of(accepts), windowed, lates
	)
	return tallies, list(zip(requests, sources, targets, (s or "" for s in steps), strict=True))


def _flag(condition) -> Case:
	return Case().when(condition, 1).else_(0)


def sent_within(ranges: list[tuple[datetime, datetime]]):
	h = DocType("Flow Handoff")
	within = None
	for start, end in ranges:
		clause = (h.sent_on >= start) & (h.sent_on < end)
		within = clause if within is None else within | clause
	return within


def day_seams(day: date) -> list[list]:
	"""A day's seams, JSON-ready (engine.day_tallies.seams_to_plain)."""
	h = DocType("Flow Handoff")
	sent = sent_within([(core.midnight(day), core.midnight(day + timedelta(days=1)))])
	tallies, crossings = read_seams(sent, None)
	due: dict[core.SeamKey, list[datetime]] = {}
	for source, target, accept_by in (
		frappe.qb.from_(h)
		.select(h.from_team, h.to_team, h.accept_by)
		.where(
			sent
			& (h.status == S.PENDING)
			& h.accept_by.notnull()
			& h.accepted_on.isnull()
			& h.returned_on.isnull()
		)
		.run()
	):
		due.setdefault((source, target), []).append(accept_by)
	steps: dict[core.SeamKey, list[tuple[str, str]]] = {}
	for request, source, target, step in crossings:
		steps.setdefault((source, target), []).append((request, step))
	return core.seams_to_plain(
		{
			key: core.SeamDay(tally, tuple(due.get(key, ())), tuple(steps.get(key, ())))
			for key, tally in tallies.items()
		}
	)


def trusted(
	start: datetime, end: datetime, teams: list[str] | None = None
) -> dict[date, dict[core.SeamKey, core.SeamDay]]:
	"""Of the days in [start, end), the seams touching `teams` (None: all) of the handoffs sent then: the days the
	job vouched for lately, none of whose handoffs changed since."""
	rows = vouched(start, end, "seams")
	unusable = changed_days({day: as_of for day, (as_of, _value) in rows.items()})
	return {
		day: core.seams_from_plain(json.loads(value), teams)
		for day, (_as_of, value) in rows.items()
		if value is not None and day not in unusable
	}


def changed_days(built: dict[date, datetime]) -> set[date]:
	"""Of the built days, those with a handoff written after their as_of (sent, decided, cancelled since)."""
	if not built:
		return set()
	h = DocType("Flow Handoff")
	first, after = min(built), max(built) + timedelta(days=1)
	rows = (
		frappe.qb.from_(h)
		.select(h.sent_on, h.modified)
		.where(
			(h.modified > min(built.values()))
			& (h.sent_on >= core.midnight(first))
			& (h.sent_on < core.midnight(after))
		)
		.run()
	)
	return {sent.date() for sent, modified in rows if sent.date() in built and modified > built[sent.date()]}


def sent_days(requests: list[str]) -> set[str]:
	"""The days the handoffs of `requests` were sent on (their tallies go before the handoffs are deleted)."""
	h = DocType("Flow Handoff")
	sent = frappe.qb.from_(h).select(h.sent_on).distinct().where(h.request.isin(requests)).run()
	return {str(d.date()) for (d,) in sent if d}
