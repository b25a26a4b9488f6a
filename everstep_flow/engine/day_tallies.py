"""Day tallies: each finished day's step figures, kept so a month's report reads thirty small rows instead of every
task done in the month (Where Requests Wait's cost grew with the tasks it counted: issue 23).

A day's tally holds, per (service, step, team), the StepTally of the tasks completed that day: the waits and works
themselves (percentiles do not add up, so nothing is averaged away) and the sums behind flow efficiency. Merging
day tallies gives the figures the tasks give, in any order. A tally is trusted only for what happened before its
`as_of`: the shell re-reads a day whose tasks changed after it (a reopen, a correction) from the tasks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from everstep_flow.engine.reports import StepTally

# Key of a tally: (service, step key, team)
TallyKey = tuple[str, str, str]

# How long a change may take between being stamped (`modified`) and being committed. A tally built at J counts
# what was committed by J, so it vouches only for changes stamped before J - MARGIN: a web request lives 120 s at
# most and a background job 25 minutes (Frappe's long queue), a migration pauses the scheduler.
MARGIN = timedelta(minutes=30)


def merged(tallies: Iterable[StepTally]) -> StepTally:
	"""One StepTally of several (days, teams): counts and sums added, waits and works pooled."""
	tallies = list(tallies)
	if len(tallies) == 1:
		return tallies[0]
	return StepTally(
		done=sum(t.done for t in tallies),
		rework=sum(t.rework for t in tallies),
		wait_hours=tuple(w for t in tallies for w in t.wait_hours),
		work_hours=tuple(w for t in tallies for w in t.work_hours),
		ready_to_done_hours=math.fsum(t.ready_to_done_hours for t in tallies),
		worked_hours=math.fsum(t.worked_hours for t in tallies),
	)


def to_plain(tallies: Mapping[TallyKey, StepTally]) -> list[list]:
	"""A day's tallies as JSON-ready lists, in key order (a rebuild of an unchanged day writes the same text)."""
	return [
		[
			*key,
			t.done,
			t.rework,
			list(t.wait_hours),
			list(t.work_hours),
			t.ready_to_done_hours,
			t.worked_hours,
		]
		for key, t in sorted(tallies.items())
	]


def from_plain(rows: Iterable[list]) -> dict[TallyKey, StepTally]:
	"""to_plain read back: floats round-trip exactly through JSON."""
	tallies = {}
	for service, step, team, done, rework, waits, works, whole, worked in rows:
		tallies[(service, step, team)] = StepTally(
			done=done,
			rework=rework,
			wait_hours=tuple(waits),
			work_hours=tuple(works),
			ready_to_done_hours=whole,
			worked_hours=worked,
		)
	return tallies


def pooled(
	days: Iterable[Mapping[TallyKey, StepTally]],
	teams: Iterable[str] | None = None,
	service: str | None = None,
) -> dict[tuple[str, str], StepTally]:
	"""Per (service, step), the tallies of the days given, over `teams` (None: every team) and `service`."""
	allowed = None if teams is None else set(teams)
	parts: dict[tuple[str, str], list[StepTally]] = {}
	for day in days:
		for (svc, step, team), tally in day.items():
			if (allowed is None or team in allowed) and (not service or svc == service):
				parts.setdefault((svc, step), []).append(tally)
	return {key: merged(group) for key, group in parts.items()}


def midnight(day: date) -> datetime:
	return datetime.combine(day, time.min)


def split_period(
	start: datetime, end: datetime, trusted: Iterable[date]
) -> tuple[list[date], list[tuple[datetime, datetime]]]:
	"""[start, end) as the trusted days wholly inside it, and the ranges left to read from the tasks (each maximal,
	in order). Whatever is not a whole trusted day is read: partial days at the edges, today, a changed day."""
	inside = sorted(
		d for d in set(trusted) if midnight(d) >= start and midnight(d + timedelta(days=1)) <= end
	)
	ranges: list[tuple[datetime, datetime]] = []
	cursor = start
	for d in inside:
		if midnight(d) > cursor:
			ranges.append((cursor, midnight(d)))
		cursor = midnight(d + timedelta(days=1))
	if cursor < end:
		ranges.append((cursor, end))
	return inside, ranges


def days_to_build(first: date | None, last: date, built: Iterable[date], limit: int) -> list[date]:
	"""The days from `first` to `last` (both included) with no tally yet, newest first, at most `limit`: a site
	with years of history is caught up a batch per run, the days reports ask for most first."""
	if first is None or first > last:
		return []
	have = set(built)
	missing = []
	day = last
	while day >= first and len(missing) < limit:
		if day not in have:
			missing.append(day)
		day -= timedelta(days=1)
	return missing


def stale_days(
	built: Mapping[date, datetime],
	reopened: Iterable[tuple[datetime, datetime]],
	edited: Iterable[datetime],
) -> set[date]:
	"""The built days a change stamped after their as_of makes untrue. `reopened`: (when, a completion of the
	reopened task) - a reopen clears completed_on, so every day the task was completed. `edited`: when a done task
	with a completion in a built day was written outside the engine's actions (the engine never writes a done
	task but to reopen it); its completion may have moved from any day, so every day built before it is stale."""
	days = set()
	for stamped, completed_on in reopened:
		day = completed_on.date()
		if day in built and stamped > built[day]:
			days.add(day)
	latest = max(edited, default=None)
	if latest is not None:
		days.update(day for day, as_of in built.items() if as_of < latest)
	return days
