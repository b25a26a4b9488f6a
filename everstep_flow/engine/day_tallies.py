"""Day tallies: each finished day's step figures, kept so a month's report reads thirty small rows instead of every
task done in the month (Where Requests Wait's cost grew with the tasks it counted: issue 23).

A day's tally holds, per (service, step, team), the StepTally of the tasks completed that day: the waits and works
themselves (percentiles do not add up, so nothing is averaged away) and the sums behind flow efficiency. Merging
day tallies gives the figures the tasks give, in any order. A tally is trusted only for what happened before its
`as_of`: the shell re-reads a day whose tasks changed after it (a reopen, a correction) from the tasks."""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import TypeVar

from everstep_flow.engine.reports import SeamTally, StepTally

T = TypeVar("T", StepTally, SeamTally)

# Key of a tally: (service, step key, team)
TallyKey = tuple[str, str, str]

# How long a change may take between being stamped (`modified`) and being committed. A tally built at J counts
# what was committed by J, so it vouches only for changes stamped before J - MARGIN: a web request lives 120 s at
# most and a background job 25 minutes (Frappe's long queue), a migration pauses the scheduler.
MARGIN = timedelta(minutes=30)
# A tally the job has not vouched for lately is not read (the job is stopped: the scheduler is off): checking it
# would read every task written since its as_of, which would cost more than reading the tasks of its day.
FRESH = timedelta(hours=2)


def merged(tallies: Iterable[T]) -> T:
	"""One tally of several (days, teams; a StepTally or a SeamTally): counts added, sums added exactly (fsum: in
	any order the same), durations pooled."""
	tallies = list(tallies)
	if len(tallies) == 1:
		return tallies[0]
	values = {}
	for field in fields(tallies[0]):
		column = [getattr(t, field.name) for t in tallies]
		if isinstance(column[0], tuple):
			values[field.name] = tuple(chain.from_iterable(column))
		elif isinstance(column[0], float):
			values[field.name] = math.fsum(column)
		else:
			values[field.name] = sum(column)
	return type(tallies[0])(**values)


def to_plain(tallies: Mapping[TallyKey, StepTally]) -> list[list]:
	"""A day's tallies as JSON-ready lists, in key order (a rebuild of an unchanged day writes the same text). The
	waits and works go sorted and packed (base64 of little-endian doubles): exact, and read back at C speed where
	a month of them as JSON numbers took 0.04 s to parse; sorted, a month of days pools into one sort of runs."""
	return [
		[
			*key,
			t.done,
			t.rework,
			_packed(t.wait_hours),
			_packed(t.work_hours),
			t.ready_to_done_hours,
			t.worked_hours,
		]
		for key, t in sorted(tallies.items())
	]


def from_plain(rows: Iterable[list]) -> dict[TallyKey, StepTally]:
	"""to_plain read back."""
	tallies = {}
	for service, step, team, done, rework, waits, works, whole, worked in rows:
		tallies[(service, step, team)] = StepTally(
			done=done,
			rework=rework,
			wait_hours=_unpacked(waits),
			work_hours=_unpacked(works),
			ready_to_done_hours=whole,
			worked_hours=worked,
		)
	return tallies


def _packed(values: Iterable[float]) -> str:
	numbers = array("d", sorted(values))
	if sys.byteorder == "big":
		numbers.byteswap()
	return base64.b64encode(numbers.tobytes()).decode("ascii")


def _unpacked(text: str) -> tuple[float, ...]:
	numbers = array("d")
	numbers.frombytes(base64.b64decode(text))
	if sys.byteorder == "big":
		numbers.byteswap()
	return tuple(numbers)


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


# One task as its day's tally counted it: (service, step, team, wait hours, work hours, ready-to-done hours, rework),
# kept by task name so that a reopen can take it out again
TaskEntry = list


def stale_days(
	built: Mapping[date, datetime],
	reopened: Iterable[tuple[datetime, str, datetime]],
	edited: datetime | None,
	unsaid: Iterable[tuple[datetime, datetime]] = (),
) -> tuple[set[date], dict[date, set[str]]]:
	"""What changes stamped after a built day's as_of did to it: (the days no longer usable, and per still usable
	day the tasks to take out of it). `reopened`: (when, task, the completion it undid) - the task leaves that day.
	`edited`: the latest time a done task with a completion in a built day was written outside the engine (the
	engine never writes a done task but to reopen it); it may have come from any day, so every day built before it
	is unusable. `unsaid`: (when, a completion of the task) for reopens whose event does not say which completion
	they undid (written before it did): each day the task was ever completed is unusable."""
	unusable: set[date] = set()
	if edited is not None:
		unusable.update(day for day, as_of in built.items() if as_of < edited)
	for stamped, completed_on in unsaid:
		day = completed_on.date()
		if day in built and stamped > built[day]:
			unusable.add(day)
	out: dict[date, set[str]] = {}
	for stamped, task, completed_on in reopened:
		day = completed_on.date()
		if day in built and stamped > built[day] and day not in unusable:
			out.setdefault(day, set()).add(task)
	return unusable, out


def without(
	tallies: Mapping[TallyKey, StepTally], entries: Iterable[TaskEntry]
) -> dict[TallyKey, StepTally] | None:
	"""A day's tallies with some of its tasks taken out (reopened since), or None when one is not in them."""
	parts = {key: [list(t.wait_hours), list(t.work_hours), t] for key, t in tallies.items()}
	changes: dict[TallyKey, list] = {}
	for service, step, team, wait, work, whole, rework in entries:
		key = (service, step, team)
		if key not in parts:
			return None
		waits, works, _t = parts[key]
		try:
			if wait is not None:
				waits.remove(wait)
			if work is not None:
				works.remove(work)
		except ValueError:
			return None
		change = changes.setdefault(key, [0, 0, [], []])
		change[0] += 1
		change[1] += rework or 0
		if whole is not None:
			change[2].append(whole)
			change[3].append(work or 0)
	result = dict(tallies)
	for key, (done, rework, wholes, worked) in changes.items():
		waits, works, t = parts[key]
		result[key] = StepTally(
			done=t.done - done,
			rework=t.rework - rework,
			wait_hours=tuple(waits),
			work_hours=tuple(works),
			ready_to_done_hours=math.fsum([t.ready_to_done_hours, *(-w for w in wholes)]),
			worked_hours=math.fsum([t.worked_hours, *(-w for w in worked)]),
		)
		if not result[key].done:
			del result[key]
	return result


# ---------------------------------------------------------------- seams (Handoffs by Seam)

SeamKey = tuple[str, str]  # (from team, to team)


@dataclass(frozen=True)
class SeamDay:
	"""One seam's handoffs sent on a day (not cancelled). `tally` counts a pending one as pending and never late:
	`due` holds the accept windows of the pending ones, late once passed (engine.reports.is_late, at read time).
	`crossings`: each handoff's (request, receiving step), for ping-pong over a period."""

	tally: SeamTally
	due: tuple[datetime, ...] = ()
	crossings: tuple[tuple[str, str], ...] = ()


def seams_to_plain(seams: Mapping[SeamKey, SeamDay]) -> list[list]:
	"""A day's seams as JSON-ready lists, in key order; hours to accept packed as the steps' waits are."""
	return [
		[
			source,
			target,
			d.tally.handoffs,
			d.tally.accepted,
			d.tally.returned,
			d.tally.pending,
			d.tally.windowed,
			d.tally.late,
			_packed(d.tally.accept_hours),
			sorted(str(due) for due in d.due),
			# a text of its own: a report parses the crossings of the seams it shows only
			json.dumps(sorted([request, step] for request, step in d.crossings), separators=(",", ":")),
		]
		for (source, target), d in sorted(seams.items())
	]


def seams_from_plain(rows: Iterable[list], teams: Iterable[str] | None = None) -> dict[SeamKey, SeamDay]:
	"""seams_to_plain read back: the seams touching `teams` (None: every seam)."""
	allowed = None if teams is None else set(teams)
	seams = {}
	for source, target, handoffs, accepted, returned, pending, windowed, late, hours, due, crossings in rows:
		if allowed is not None and source not in allowed and target not in allowed:
			continue
		seams[(source, target)] = SeamDay(
			SeamTally(handoffs, accepted, returned, pending, windowed, late, _unpacked(hours)),
			tuple(datetime.fromisoformat(d) for d in due),
			tuple((request, step) for request, step in json.loads(crossings)),
		)
	return seams


def seams_at(
	days: Iterable[Mapping[SeamKey, SeamDay]], now: datetime, teams: Iterable[str] | None = None
) -> tuple[dict[SeamKey, SeamTally], list[tuple[str, str, str, str]]]:
	"""The days' seams touching `teams` (None: every seam) pooled, each pending handoff past its window at `now`
	counted late; and their crossings as (request, from team, to team, step), for engine.reports.repeated_crossings."""
	allowed = None if teams is None else set(teams)
	parts: dict[SeamKey, list[SeamDay]] = {}
	for day in days:
		for key, seam in day.items():
			if allowed is None or key[0] in allowed or key[1] in allowed:
				parts.setdefault(key, []).append(seam)
	tallies, crossings = {}, []
	for (source, target), group in parts.items():
		tallies[(source, target)] = merged(
			[replace(s.tally, late=s.tally.late + sum(1 for due in s.due if due < now)) for s in group]
		)
		crossings.extend((request, source, target, step) for s in group for request, step in s.crossings)
	return tallies, crossings
