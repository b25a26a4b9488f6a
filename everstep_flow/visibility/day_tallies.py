"""Day tallies in the shell (engine.day_tallies decides): a job every five minutes builds the finished days'
figures and re-vouches the built ones; Where Requests Wait (the steps), SLA and OLA Compliance (the done tasks'
outcomes) and Handoffs by Seam (the seams: visibility.seam_tallies) read the trusted days of their period from
them and the rest (today, partial days, a day changed since its tally) from the tasks and handoffs.

A tally is trusted for changes stamped before its `as_of`. What can change a finished day's figures: a reopen
(an engine action: its `reopened` event, then the task's earlier completions), or a done task written behind the
engine's back (`modified` moves). Both are looked up from `as_of` on, by index (event_type + at; modified).
A day's seams are trusted while none of its handoffs was written since. Not seen: a write that leaves `modified`
alone or takes a task out of Done outside the engine (SQL, a patch): after one, `rebuild()`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Date, Max, Min, Sum
from frappe.utils import get_datetime, getdate, now_datetime
from pypika import Case

from everstep_flow.engine import day_tallies as core
from everstep_flow.engine import states as S
from everstep_flow.engine.reports import StepTally, step_tally, tally_groups
from everstep_flow.visibility import seam_tallies
from everstep_flow.visibility.reporting import hours_of, microseconds_between, read_columns
from everstep_flow.visibility.tally_rows import DOCTYPE, vouched

BATCH = 31  # days built per run: a site with years of history is caught up a month at a time
HISTORY_DAYS = 800  # what a report may ask for (reporting.MAX_DAYS) and some


def scheduled_refresh() -> None:
	refresh()


def rebuild() -> dict:
	"""Drop every tally and build them again (after data was changed outside the engine); reports read the tasks
	until the job has caught up. `bench --site <site> execute everstep_flow.visibility.day_tallies.rebuild`"""
	frappe.db.delete(DOCTYPE)
	frappe.db.commit()
	return refresh()


def forget_tasks(requests: list[str]) -> None:
	"""Before the tasks and handoffs of `requests` are deleted outside the engine (the demo's reset, tests'
	cleanup) or after they were written in the past (the demo's play): drop the tallies of the days they were done
	or sent on, which the next run builds again."""
	task = DocType("Flow Task")
	done = (
		frappe.qb.from_(task)
		.select(task.completed_on)
		.distinct()
		.where(task.request.isin(requests) & task.completed_on.isnotnull())
		.run()
	)
	days = {str(d.date()) for (d,) in done} | seam_tallies.sent_days(requests)
	if days:
		frappe.db.delete(DOCTYPE, {"name": ("in", sorted(days))})


def refresh(now: datetime | None = None, fresh: bool = True) -> dict:
	"""Re-vouch the built days (rebuild the changed ones) and build missing finished days. Safe on several workers:
	a day's name is its date, so a second builder's insert fails and is skipped; updates are idempotent."""
	if fresh:
		frappe.db.commit()  # a new snapshot: everything stamped before now - MARGIN is committed, and seen
	now = now or now_datetime()
	as_of = now - core.MARGIN
	last = (as_of - timedelta(days=1)).date()  # a day is finished once its midnight is before as_of
	built = {getdate(r.name): r.as_of for r in frappe.get_all(DOCTYPE, fields=["name", "as_of"])}
	unusable, corrected = changed_days(built)
	changed = unusable | corrected.keys() | seam_tallies.changed_days(built)
	rebuilt = sorted(changed, reverse=True)[:BATCH]  # the rest stay untrusted until a later run
	for day in rebuilt:
		_write(day, as_of, existing=True)
	vouched = [str(d) for d in built if d not in changed]
	if vouched:
		t = DocType(DOCTYPE)
		frappe.qb.update(t).set(t.as_of, as_of).where(t.name.isin(vouched) & (t.as_of < as_of)).run()
	first = _first_done_day()
	if first is not None:
		first = max(first, last - timedelta(days=HISTORY_DAYS))
	todo = core.days_to_build(first, last, built, BATCH)
	made = sum(_write(day, as_of, existing=False) for day in todo)
	if fresh:
		frappe.db.commit()
	return {"rebuilt": len(rebuilt), "built": made, "vouched": len(vouched)}


def trusted(start: datetime, end: datetime) -> dict[date, dict]:
	"""The tallies of the days in [start, end) still true now: {day: {(service, step, team): StepTally}}. Only
	those the job vouched for lately (engine.day_tallies.FRESH)."""
	rows = vouched(start, end, "steps")
	unusable, corrected = changed_days({d: as_of for d, (as_of, _v) in rows.items()})
	days = {
		day: core.from_plain(json.loads(v or "[]")) for day, (_a, v) in rows.items() if day not in unusable
	}
	if corrected:  # tasks reopened since: taken out of their day, as each was counted
		t = DocType(DOCTYPE)
		for name, tasks in (
			frappe.qb.from_(t).select(t.name, t.tasks).where(t.name.isin([str(d) for d in corrected])).run()
		):
			day, entries = getdate(name), json.loads(tasks or "{}")
			# a task it does not hold was reopened before the tally was built: it is not counted already
			fixed = core.without(days[day], [entries[task] for task in corrected[day] if task in entries])
			if fixed is None:
				del days[day]
			else:
				days[day] = fixed
	return days


def trusted_outcomes(start: datetime, end: datetime) -> dict[date, list[list]]:
	"""Of the days in [start, end), the done tasks' outcomes still true now (day_outcomes' rows), by the day they
	were done on. A day with a task reopened since is left to the tasks: reopens are rare."""
	rows = vouched(start, end, "outcomes")
	unusable, corrected = changed_days({d: as_of for d, (as_of, _v) in rows.items()})
	return {
		day: json.loads(value)
		for day, (_as_of, value) in rows.items()
		if value is not None and day not in unusable and day not in corrected
	}


def changed_days(built: dict[date, datetime]) -> tuple[set[date], dict[date, set[str]]]:
	"""Of the built days, those a change stamped after their as_of touched (engine.day_tallies.stale_days): tasks
	reopened since, and done tasks written since outside the engine. Index reads from the oldest as_of (event_type
	+ at; modified): a few rows, as done tasks are not written and reopens are rare."""
	if not built:
		return set(), {}
	since = min(built.values())
	first, after = min(built), max(built) + timedelta(days=1)
	task, event = DocType("Flow Task"), DocType("Flow Event")
	((edited,),) = (
		frappe.qb.from_(task)
		.select(Max(task.modified))
		.where(
			(task.modified > since)
			& (task.completed_on >= core.midnight(first))
			& (task.completed_on < core.midnight(after))
		)
		.run()
	)
	reopened: list[tuple[datetime, str, datetime]] = []
	unsaid: dict[str, datetime] = {}  # reopened before reopens said their completion: from the task's events
	for name, at, details in (
		frappe.qb.from_(event)
		.select(event.task, event.at, event.details)
		.where((event.event_type == "reopened") & (event.at > since))
		.run()
	):
		said = details if isinstance(details, dict) else json.loads(details or "{}")  # PostgreSQL: json
		if done_on := said.get("done_on"):
			reopened.append((at, name, get_datetime(done_on)))
		else:
			unsaid[name] = max(at, unsaid.get(name, at))
	once_done = []
	if unsaid:
		for name, at in (
			frappe.qb.from_(event)
			.select(event.task, event.at)
			.where((event.task.isin(list(unsaid))) & (event.event_type == "completed"))
			.run()
		):
			once_done.append((unsaid[name], at))
	return core.stale_days(built, reopened, edited, once_done)


def task_tallies(
	ranges: list[tuple[datetime, datetime]],
	narrowed: Callable = lambda query: query,
) -> dict[tuple[str, str], StepTally]:
	"""The StepTally per (service, step) of the tasks done in `ranges`."""
	if not ranges:
		return {}
	task = DocType("Flow Task")
	within = None
	for start, end in ranges:
		clause = (task.completed_on >= start) & (task.completed_on < end)
		within = clause if within is None else within | clause
	*keys, waits, works, wholes, reworks = _measured(
		narrowed(frappe.qb.from_(task).where(within & (task.status == S.DONE))), task.service, task.step_key
	)
	return tally_groups(zip(*keys, strict=True), step_tally, waits, works, wholes, reworks)


def _write(day: date, as_of: datetime, existing: bool) -> bool:
	"""Build one day's tally from its tasks and save it (insert, or overwrite a changed one); False when another
	worker inserted it first."""
	tallies, entries = day_figures(day)
	texts = {
		"steps": core.to_plain(tallies),
		"outcomes": day_outcomes(day),
		"seams": seam_tallies.day_seams(day),
		"tasks": entries,
	}
	texts = {field: json.dumps(value, separators=(",", ":")) for field, value in texts.items()}
	if existing:
		t = DocType(DOCTYPE)
		update = frappe.qb.update(t).set(t.as_of, as_of)
		for field, text in texts.items():
			update = update.set(t[field], text)
		update.where(t.name == str(day)).run()
		return True
	doc = frappe.get_doc({"doctype": DOCTYPE, "day": day, "as_of": as_of, **texts})
	doc.flags.from_day_tallies = True
	try:
		frappe.db.savepoint("day_tally")
		doc.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		frappe.db.rollback(save_point="day_tally")  # another worker built it
		return False
	return True


def day_figures(day: date) -> tuple[dict[core.TallyKey, StepTally], dict[str, core.TaskEntry]]:
	"""A day's tallies per (service, step, team), and each task as they count it."""
	task = DocType("Flow Task")
	start, end = core.midnight(day), core.midnight(day + timedelta(days=1))
	services, steps, teams, names, *measured = _measured(
		frappe.qb.from_(task).where(
			(task.completed_on >= start) & (task.completed_on < end) & (task.status == S.DONE)
		),
		task.service,
		task.step_key,
		task.team,
		task.name,
	)
	tallies = tally_groups(zip(services, steps, teams, strict=True), step_tally, *measured)
	entries = {name: [*row] for name, *row in zip(names, services, steps, teams, *measured, strict=True)}
	return tallies, entries


def day_outcomes(day: date) -> list[list]:
	"""The tasks done on `day` with a due date, per the day they were created, service, step title and team:
	[created, service, title, team, met, breached] (met: done by its due date, as engine.reports.sla_outcome)."""
	task = DocType("Flow Task")
	created = Date(task.creation)
	met = Sum(Case().when(task.completed_on <= task.due_on, 1).else_(0))
	rows = (
		frappe.qb.from_(task)
		.select(created, task.service, task.title, task.team, met, Count("*"))
		.where(
			(task.completed_on >= core.midnight(day))
			& (task.completed_on < core.midnight(day + timedelta(days=1)))
			& (task.status == S.DONE)
			& task.due_on.notnull()
		)
		.groupby(created, task.service, task.title, task.team)
		.run()
	)
	return sorted(
		[str(getdate(on)), service or "", title or "", team or "", int(met or 0), int(count) - int(met or 0)]
		for on, service, title, team, met, count in rows
	)


def _measured(query, *keys) -> list[list]:
	"""The columns of `keys`, then each done task's waiting, working and ready-to-done hours and its rework: the
	database computes the durations (engine.reports.task_measure said in SQL; waiting runs from ready to the
	first of claimed and started)."""
	task = DocType("Flow Task")
	taken = (
		Case()
		.when(task.claimed_on.isnull(), task.started_on)
		.when(task.started_on.isnull(), task.claimed_on)
		.when(task.claimed_on < task.started_on, task.claimed_on)
		.else_(task.started_on)
	)
	*names, waits, works, wholes, reworks = read_columns(
		query,
		list(keys),
		[
			microseconds_between(task.ready_on, taken),
			microseconds_between(task.started_on, task.completed_on),
			microseconds_between(task.ready_on, task.completed_on),
			task.rework_count,
		],
	)
	return [*names, hours_of(waits), hours_of(works), hours_of(wholes), reworks]


def _first_done_day() -> date | None:
	task = DocType("Flow Task")
	(first,), *_rest = frappe.qb.from_(task).select(Min(task.completed_on)).where(task.status == S.DONE).run()
	return getdate(first) if first else None
