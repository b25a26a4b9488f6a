"""What the visibility reports decide, on plain data: age buckets, percentiles, the figures of each seam and step, SLA
outcomes, duplicates. The reports query; this module computes, so the figures are tested without a database."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Age of open work, by when it was created: (label, older than, not older than)
AGE_BUCKETS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
	("under_1d", timedelta(0), timedelta(days=1)),
	("d1_3", timedelta(days=1), timedelta(days=3)),
	("d3_7", timedelta(days=3), timedelta(days=7)),
	("over_7d", timedelta(days=7), None),
)
AGE_LABELS = {"under_1d": "< 1 day", "d1_3": "1-3 days", "d3_7": "3-7 days", "over_7d": "> 7 days"}


def bucket_edges(now: datetime) -> list[tuple[str, datetime | None, datetime]]:
	"""Each bucket as (key, created after, created at or before): what the SQL compares `creation` with."""
	edges = []
	for key, younger, older in AGE_BUCKETS:
		edges.append((key, now - older if older else None, now - younger))
	return edges


def bucket_of(created: datetime, now: datetime) -> str:
	age = now - created
	for key, younger, older in AGE_BUCKETS:
		if age >= younger and (older is None or age < older):
			return key
	return AGE_BUCKETS[0][0]  # created in the future (clock skew): the youngest


QUEUE_COLUMNS = ("open", "unclaimed", "claimed", *AGE_LABELS, "overdue", "at_risk")


def totals(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
	"""The summary row: every count column added up."""
	total = dict.fromkeys(QUEUE_COLUMNS, 0)
	for row in rows:
		for column in QUEUE_COLUMNS:
			total[column] += int(row.get(column) or 0)
	return total


# ---------------------------------------------------------------- shared figures


def percentile(values: Sequence[float], q: float) -> float | None:
	"""The q-quantile with linear interpolation between ranks (q=0.5 is the median); None for no values."""
	if not values:
		return None
	ordered = sorted(values)
	position = (len(ordered) - 1) * q
	low = int(position)
	high = min(low + 1, len(ordered) - 1)
	return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
	"""Hours from start to end, never negative. (The reports' shell has the database compute durations:
	visibility.reporting.microseconds_between.)"""
	if start is None or end is None:
		return None
	return max(0.0, (end - start).total_seconds() / 3600)


def rounded(value: float | None, digits: int = 2) -> float | None:
	return None if value is None else round(value, digits)


def share(part: int, whole: int) -> float | None:
	"""Percent, one decimal; None (not 0) when there is nothing to divide."""
	return round(100.0 * part / whole, 1) if whole else None


# ---------------------------------------------------------------- handoffs by seam


@dataclass(frozen=True)
class HandoffFact:
	request: str
	from_team: str
	to_team: str
	status: str
	sent_on: datetime
	accept_by: datetime | None = None
	accepted_on: datetime | None = None
	returned_on: datetime | None = None
	step: str = ""  # the receiving step


def is_late(h: HandoffFact, now: datetime) -> bool:
	"""Decided after its accept window, or still pending past it."""
	if h.accept_by is None:
		return False
	decided = h.accepted_on or h.returned_on
	if decided is None:
		return h.status == "Pending" and now > h.accept_by
	return decided > h.accept_by


def ping_pongs(handoffs: Iterable[HandoffFact]) -> dict[tuple[str, str], int]:
	"""Per seam A -> B: requests whose work for one step crossed it more than once (A -> B, back to A by a return
	or a handoff, and A -> B again). A process that is designed to go A -> B -> A is not counted: its steps differ."""
	return repeated_crossings((h.request, h.from_team, h.to_team, h.step) for h in handoffs)


def repeated_crossings(crossings: Iterable[tuple[str, str, str, str]]) -> dict[tuple[str, str], int]:
	"""ping_pongs from each handoff's (request, from team, to team, receiving step)."""
	times = Counter(crossings)
	return crossed_again((source, target, n) for (_r, source, target, _s), n in times.items())


def crossed_again(crossings: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
	"""Per seam, how many of (one request's work for one step, times it crossed the seam) crossed more than once."""
	found: dict[tuple[str, str], int] = {}
	for source, target, times in crossings:
		if times > 1:
			found[(source, target)] = found.get((source, target), 0) + 1
	return found


@dataclass(frozen=True)
class SeamTally:
	"""The handoffs of one seam (from -> to), counted."""

	handoffs: int = 0
	accepted: int = 0
	returned: int = 0
	pending: int = 0
	windowed: int = 0  # handoffs with an accept window
	late: int = 0  # of those, decided after it or pending past it (is_late)
	accept_hours: tuple[float, ...] = ()  # sent -> accepted, of the accepted ones


# What one handoff adds to its seam's tally: (from team, to team, status, hours to accept if accepted, has an accept
# window, is late). The report reads these from the database, numbers only, with no datetime to parse: a month of a
# busy site is tens of thousands of handoffs.
HandoffMeasure = tuple[str, str, str, "float | None", bool, bool]


def handoff_measure(h: HandoffFact, now: datetime) -> HandoffMeasure:
	accepted = h.status == "Accepted" and h.accepted_on is not None
	return (
		h.from_team,
		h.to_team,
		h.status,
		hours_between(h.sent_on, h.accepted_on) if accepted else None,
		h.accept_by is not None,
		is_late(h, now),
	)


def group_columns(keys: Iterable, *columns: Sequence) -> dict:
	"""Columns of rows, split by each row's key: {key: [its values of each column, in row order]}. The month reports
	read their rows a column at a time, and tally each group's columns (seam_tally, step_tally)."""
	rows_of: dict = {}
	for i, key in enumerate(keys):
		rows_of.setdefault(key, []).append(i)
	return {key: [[column[i] for i in rows] for column in columns] for key, rows in rows_of.items()}


def tally_groups(keys: Iterable, tally, *columns: Sequence) -> dict:
	"""`tally` (seam_tally, step_tally) of each key's columns."""
	return {key: tally(*c) for key, c in group_columns(keys, *columns).items()}


def tally_seams(measures: Iterable[HandoffMeasure]) -> dict[tuple[str, str], SeamTally]:
	return _tally_rows(measures, seam_tally)


def _tally_rows(measures: Iterable[tuple], tally) -> dict:
	"""Rows whose first two values are their key, tallied per key from the key's columns (`tally`)."""
	rows = list(measures)
	if not rows:
		return {}
	first, second, *columns = zip(*rows, strict=True)
	return tally_groups(zip(first, second, strict=True), tally, *columns)


def seam_tally(
	statuses: Sequence[str],
	accept_hours: Sequence[float | None],
	windowed: Sequence,
	late: Sequence,
) -> SeamTally:
	"""One seam's tally from its handoffs' columns, in one order (what HandoffMeasure holds, column by column: the
	report reads a month's handoffs a column at a time)."""
	counted = Counter(statuses)
	return SeamTally(
		handoffs=len(statuses),
		accepted=counted["Accepted"],
		returned=counted["Returned"],
		pending=counted["Pending"],
		windowed=sum(1 for w in windowed if w),
		late=sum(1 for w, x in zip(windowed, late, strict=True) if w and x),
		accept_hours=tuple(h for h in accept_hours if h is not None),
	)


def seam_tallies(handoffs: Iterable[HandoffFact], now: datetime) -> dict[tuple[str, str], SeamTally]:
	return tally_seams(handoff_measure(h, now) for h in handoffs)


def seam_rows(handoffs: Sequence[HandoffFact], now: datetime) -> list[dict]:
	"""One row per pair of teams (from -> to), busiest first."""
	return tally_rows(seam_tallies(handoffs, now), ping_pongs(handoffs))


def tally_rows(
	tallies: Mapping[tuple[str, str], SeamTally], back: Mapping[tuple[str, str], int]
) -> list[dict]:
	"""The report's rows from each seam's tally and its ping-pongs, busiest first."""
	rows = []
	for (source, target), t in tallies.items():
		accept = sorted(t.accept_hours)  # once: percentile's sort is then linear
		rows.append(
			{
				"from_team": source,
				"to_team": target,
				"handoffs": t.handoffs,
				"accepted": t.accepted,
				"returned": t.returned,
				"pending": t.pending,
				"median_accept_hours": rounded(percentile(accept, 0.5)),
				"p90_accept_hours": rounded(percentile(accept, 0.9)),
				"late_share": share(t.late, t.windowed),
				"bounce_rate": share(t.returned, t.accepted + t.returned),
				"ping_pong": back.get((source, target), 0),
			}
		)
	rows.sort(key=lambda r: (-r["handoffs"], r["from_team"], r["to_team"]))
	return rows


def seam_totals(tallies: Iterable[SeamTally]) -> dict:
	"""The summary over every seam shown: handoffs, median hours to accept, past-window and bounce shares."""
	tallies = list(tallies)
	hours = [h for t in tallies for h in t.accept_hours]
	accepted = sum(t.accepted for t in tallies)
	returned = sum(t.returned for t in tallies)
	return {
		"handoffs": sum(t.handoffs for t in tallies),
		"median_accept_hours": rounded(percentile(hours, 0.5)),
		"late_share": share(sum(t.late for t in tallies), sum(t.windowed for t in tallies)),
		"bounce_rate": share(returned, accepted + returned),
	}


# ---------------------------------------------------------------- where requests wait


@dataclass(frozen=True)
class TaskFact:
	service: str
	step: str
	ready_on: datetime | None
	claimed_on: datetime | None = None
	started_on: datetime | None = None
	completed_on: datetime | None = None
	rework: int = 0


def waiting_hours(t: TaskFact) -> float | None:
	"""Ready until someone took it (claimed, or started if nobody claimed first)."""
	taken = min((d for d in (t.claimed_on, t.started_on) if d is not None), default=None)
	return hours_between(t.ready_on, taken)


def working_hours(t: TaskFact) -> float | None:
	return hours_between(t.started_on, t.completed_on)


def flow_efficiency(items: Iterable[TaskFact]) -> float | None:
	"""Working time as a percent of the time from ready to done (waiting, blocked and paused time is the rest), over
	the tasks that have both."""
	return step_totals(step_tallies(items).values())["flow_efficiency"]


@dataclass(frozen=True)
class StepTally:
	"""The tasks of one step finished in a period, counted."""

	done: int = 0
	rework: int = 0
	wait_hours: tuple[float, ...] = ()  # ready -> first claim or start, where both are known
	work_hours: tuple[float, ...] = ()  # started -> done
	ready_to_done_hours: float = 0.0  # summed over the tasks with both (flow efficiency's whole)
	worked_hours: float = 0.0  # summed over the same tasks (its part)


# What one finished task adds to its step's tally: (service, step, waiting hours, working hours, ready-to-done hours
# where both are known, rework). Numbers only, as the report reads them from the database.
TaskMeasure = tuple[str, str, "float | None", "float | None", "float | None", int]


def task_measure(t: TaskFact) -> TaskMeasure:
	whole = hours_between(t.ready_on, t.completed_on) if t.ready_on and t.completed_on else None
	return (t.service, t.step, waiting_hours(t), working_hours(t), whole, t.rework)


def tally_steps(measures: Iterable[TaskMeasure]) -> dict[tuple[str, str], StepTally]:
	return _tally_rows(measures, step_tally)


def step_tally(
	wait_hours: Sequence[float | None],
	work_hours: Sequence[float | None],
	ready_to_done_hours: Sequence[float | None],
	rework: Sequence[int | None],
) -> StepTally:
	"""One step's tally from its tasks' columns, in one order (what TaskMeasure holds, column by column: the report
	reads a month's tasks a column at a time)."""
	return StepTally(
		done=len(wait_hours),
		rework=sum(r or 0 for r in rework),
		wait_hours=tuple(w for w in wait_hours if w is not None),
		work_hours=tuple(w for w in work_hours if w is not None),
		ready_to_done_hours=math.fsum(h for h in ready_to_done_hours if h is not None),
		worked_hours=math.fsum(
			w or 0 for h, w in zip(ready_to_done_hours, work_hours, strict=True) if h is not None
		),
	)


def step_tallies(done: Iterable[TaskFact]) -> dict[tuple[str, str], StepTally]:
	return tally_steps(map(task_measure, done))


def efficiency(tally: StepTally) -> float | None:
	"""Working time as a percent of ready-to-done, over a tally's tasks that have both."""
	total, worked = tally.ready_to_done_hours, tally.worked_hours
	return round(100.0 * min(worked, total) / total, 1) if total else None


def wait_rows(done: Sequence[TaskFact], wip: Mapping[tuple[str, str], int]) -> list[dict]:
	"""Per service and step: work in progress now, and for the tasks finished in the period their throughput,
	waiting and working time (median, p90), flow efficiency (working / ready-to-done) and rework."""
	return step_rows(step_tallies(done), wip)


def step_rows(tallies: Mapping[tuple[str, str], StepTally], wip: Mapping[tuple[str, str], int]) -> list[dict]:
	"""The report's rows from each step's tally and its work in progress now."""
	rows = []
	for service, step in {**dict.fromkeys(wip), **dict.fromkeys(tallies)}:
		t = tallies.get((service, step), StepTally())
		waits, works = sorted(t.wait_hours), sorted(t.work_hours)  # once: percentile's sort is then linear
		rows.append(
			{
				"service": service,
				"step": step,
				"wip": wip.get((service, step), 0),
				"throughput": t.done,
				"median_wait_hours": rounded(percentile(waits, 0.5)),
				"p90_wait_hours": rounded(percentile(waits, 0.9)),
				"median_work_hours": rounded(percentile(works, 0.5)),
				"p90_work_hours": rounded(percentile(works, 0.9)),
				"flow_efficiency": efficiency(t),
				"rework": t.rework,
			}
		)
	rows.sort(key=lambda r: (r["service"], r["step"]))
	return rows


def step_totals(tallies: Iterable[StepTally]) -> dict:
	"""The summary over every step shown: tasks done, median wait and flow efficiency."""
	tallies = list(tallies)
	whole = StepTally(
		done=sum(t.done for t in tallies),
		ready_to_done_hours=math.fsum(t.ready_to_done_hours for t in tallies),
		worked_hours=math.fsum(t.worked_hours for t in tallies),
	)
	waits = [w for t in tallies for w in t.wait_hours]
	return {
		"done": whole.done,
		"median_wait_hours": rounded(percentile(waits, 0.5)),
		"flow_efficiency": efficiency(whole),
	}


# ---------------------------------------------------------------- SLA and OLA compliance

PERIODS = ("Weekly", "Monthly", "Whole Range")


def period_of(day: date, periodicity: str, start: date) -> date:
	"""The first day of the period `day` falls in (a week starts on Monday); the whole range starts at `start`."""
	if periodicity == "Weekly":
		return day - timedelta(days=day.weekday())
	if periodicity == "Monthly":
		return day.replace(day=1)
	return start


@dataclass(frozen=True)
class SlaFact:
	period: date
	service: str
	team: str
	step: str  # "" for the request's SLA, else the step's OLA
	outcome: str  # "met", "breached", "open" (within target so far)
	at_risk: bool = False
	paused_minutes: int = 0
	count: int = 1  # facts of the same kind, counted by the database
	at_risk_count: int = -1  # with `count`: how many of them are at risk (-1: `at_risk` applies to each)


def sla_outcome(due_on: datetime | None, done_on: datetime | None, now: datetime) -> str | None:
	"""Met (done by the due moment), breached (done late, or open past due), open; None without a target."""
	if due_on is None:
		return None
	if done_on is not None:
		return "met" if done_on <= due_on else "breached"
	return "breached" if now > due_on else "open"


def compliance_rows(facts: Iterable[SlaFact]) -> list[dict]:
	"""Per period and service: the request SLA row, then one OLA row per step."""
	groups: dict[tuple[date, str, str, str], dict] = {}
	for f in facts:
		row = groups.setdefault(
			(f.period, f.service, f.step, f.team),
			{
				"period": f.period,
				"service": f.service,
				"step": f.step,
				"team": f.team,
				"met": 0,
				"breached": 0,
				"open": 0,
				"at_risk": 0,
				"paused_hours": 0.0,
			},
		)
		row[f.outcome] += f.count
		row["at_risk"] += f.at_risk_count if f.at_risk_count >= 0 else int(f.at_risk) * f.count
		row["paused_hours"] += f.paused_minutes / 60
	# A step row always sits under its service's row (a tree): add an empty one where no request had an SLA.
	parents = {(r["period"], r["service"]) for r in groups.values() if not r["step"]}
	for r in list(groups.values()):
		if r["step"] and (r["period"], r["service"]) not in parents:
			parents.add((r["period"], r["service"]))
			groups[(r["period"], r["service"], "", "")] = {
				**r,
				"step": "",
				"team": "",
				**dict.fromkeys(("met", "breached", "open", "at_risk"), 0),
				"paused_hours": 0.0,
			}
	rows = sorted(groups.values(), key=lambda r: (r["period"], r["service"], r["step"] != "", r["step"]))
	for row in rows:
		row["compliance"] = share(row["met"], row["met"] + row["breached"])
		row["paused_hours"] = round(row["paused_hours"], 2)
		row["indent"] = 1 if row["step"] else 0
	return rows


# ---------------------------------------------------------------- leak audit


def duplicate_groups(requests: Iterable[tuple[str, str, str, str]]) -> list[list[str]]:
	"""Open requests (name, service, client type, client) of one client and service, more than one: each group's
	names, oldest (lowest name) first."""
	groups: dict[tuple[str, str, str], list[str]] = {}
	for name, service, client_type, client in requests:
		if client:
			groups.setdefault((service, client_type, client), []).append(name)
	return [sorted(names) for names in groups.values() if len(names) > 1]
