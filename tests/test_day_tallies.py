"""Day tallies on plain data: a month's figures from its days' tallies are the figures of its tasks, whatever days
and teams they are pooled from; the period splits into trusted days and ranges read from the tasks."""

import json
from datetime import date, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import day_tallies as core
from everstep_flow.engine.reports import TaskFact, step_rows, step_tallies, task_measure

BASE = datetime(2026, 11, 1)


def _task(draw_service, step, team_day, minutes):
	ready = BASE + timedelta(days=team_day[1], minutes=minutes[0])
	claimed = ready + timedelta(minutes=minutes[1]) if minutes[1] % 3 else None
	started = ready + timedelta(minutes=minutes[2]) if minutes[2] % 4 else None
	done = ready + timedelta(minutes=max(minutes[1], minutes[2]) + minutes[3])
	return TaskFact(draw_service, step, ready, claimed, started, done, rework=minutes[3] % 2), team_day[0]


tasks = st.lists(
	st.builds(
		_task,
		st.sampled_from(["S1", "S2"]),
		st.sampled_from(["a", "b", "c"]),
		st.tuples(st.sampled_from(["T1", "T2", "T3"]), st.integers(0, 9)),
		st.tuples(*[st.integers(0, 5000)] * 4),
	),
	max_size=60,
)


def _by_day_and_team(facts):
	"""What the job builds: per completion day, the tally of each (service, step, team), through JSON."""
	days = {}
	for fact, team in facts:
		days.setdefault(fact.completed_on.date(), []).append((fact, team))
	built = {}
	for day, group in days.items():
		measures = [(f"{f.service}\x00{f.step}\x00{team}", "", *task_measure(f)[2:]) for f, team in group]
		tallies = {}
		for (key, _x), tally in _tally(measures).items():
			tallies[tuple(key.split("\x00"))] = tally
		built[day] = core.from_plain(json.loads(json.dumps(core.to_plain(tallies))))
	return built


def _tally(measures):
	from everstep_flow.engine.reports import tally_steps

	return tally_steps(measures)


def _same_rows(got, want):
	assert len(got) == len(want)
	for g, w in zip(got, want, strict=True):
		assert {k: v for k, v in g.items() if k != "flow_efficiency"} == {
			k: v for k, v in w.items() if k != "flow_efficiency"
		}
		assert (g["flow_efficiency"] is None) == (w["flow_efficiency"] is None)
		if w["flow_efficiency"] is not None:
			assert abs(g["flow_efficiency"] - w["flow_efficiency"]) <= 0.1  # sums added in another order


@given(tasks, st.sets(st.sampled_from(["T1", "T2", "T3"])), st.sampled_from([None, "S1"]))
def test_pooled_days_give_the_tasks_figures(facts, teams, service):
	built = _by_day_and_team(facts)
	pooled = core.pooled(built.values(), teams, service)
	want = step_tallies(f for f, team in facts if team in teams and (service is None or f.service == service))
	_same_rows(step_rows(pooled, {}), step_rows(want, {}))


@given(tasks)
def test_every_team_when_no_team_is_named(facts):
	pooled = core.pooled(_by_day_and_team(facts).values())
	_same_rows(step_rows(pooled, {}), step_rows(step_tallies(f for f, _t in facts), {}))


def test_a_tally_round_trips_exactly_through_its_text():
	facts = [_task("S1", "a", ("T1", 0), (10, 7, 9, 33))[0], _task("S1", "a", ("T1", 0), (1, 2, 5, 4))[0]]
	(tally,) = step_tallies(facts).values()
	plain = json.loads(json.dumps(core.to_plain({("S1", "a", "T1"): tally})))
	(back,) = core.from_plain(plain).values()
	assert back.wait_hours == tuple(
		sorted(tally.wait_hours)
	)  # kept sorted: a month pools into one sort of runs
	assert back.work_hours == tuple(sorted(tally.work_hours))
	assert (back.done, back.rework, back.ready_to_done_hours, back.worked_hours) == (
		tally.done,
		tally.rework,
		tally.ready_to_done_hours,
		tally.worked_hours,
	)
	assert core.merged([tally]) is tally


def test_the_period_splits_into_trusted_days_and_ranges_to_read():
	d = date(2026, 11, 3)
	start, end = datetime(2026, 11, 1), datetime(2026, 11, 8)
	inside, ranges = core.split_period(
		start, end, [d, d + timedelta(days=1), d + timedelta(days=3), date(2026, 12, 1)]
	)
	assert inside == [d, d + timedelta(days=1), d + timedelta(days=3)]
	assert ranges == [
		(start, datetime(2026, 11, 3)),
		(datetime(2026, 11, 5), datetime(2026, 11, 6)),
		(datetime(2026, 11, 7), end),
	]
	# a period starting mid-day reads its first day from the tasks; nothing trusted reads the whole period
	noon = datetime(2026, 11, 3, 12)
	assert core.split_period(noon, end, [d]) == ([], [(noon, end)])
	assert core.split_period(start, end, []) == ([], [(start, end)])
	every = [date(2026, 11, 1) + timedelta(days=i) for i in range(7)]
	assert core.split_period(start, end, every) == (every, [])


@given(st.dates(date(2026, 1, 1), date(2026, 3, 1)), st.sets(st.dates(date(2026, 1, 1), date(2026, 3, 1))))
def test_trusted_days_and_ranges_cover_the_period_once(first, trusted):
	start, end = core.midnight(first), core.midnight(first + timedelta(days=20))
	inside, ranges = core.split_period(start, end, trusted)
	pieces = sorted([(core.midnight(d), core.midnight(d + timedelta(days=1))) for d in inside] + ranges)
	assert pieces[0][0] == start and pieces[-1][1] == end
	assert all(a[1] == b[0] for a, b in pairwise(pieces))  # no gap, no overlap


def test_days_to_build_newest_first_in_batches():
	last = date(2026, 12, 6)
	built = [date(2026, 12, 5)]
	assert core.days_to_build(date(2026, 12, 1), last, built, 3) == [
		date(2026, 12, 6),
		date(2026, 12, 4),
		date(2026, 12, 3),
	]
	assert core.days_to_build(None, last, built, 3) == []
	assert core.days_to_build(date(2026, 12, 7), last, built, 3) == []


def test_what_changes_after_a_tally_do_to_its_day():
	built = {
		date(2026, 12, 1): datetime(2026, 12, 2, 0, 30),
		date(2026, 11, 30): datetime(2026, 12, 2, 0, 30),
	}
	reopened = [
		(datetime(2026, 12, 2, 1), "T1", datetime(2026, 12, 1, 9)),  # reopened after the tally: taken out
		(datetime(2026, 12, 2, 0, 10), "T2", datetime(2026, 11, 30, 23, 59)),  # before it: counted already
		(
			datetime(2026, 12, 3),
			"T3",
			datetime(2026, 12, 2, 8),
		),  # a day with no tally: read from the tasks anyway
	]
	assert core.stale_days(built, reopened, None) == (set(), {date(2026, 12, 1): {"T1"}})
	# a reopen that does not say its completion: every day the task was completed is read from the tasks
	unsaid = [(datetime(2026, 12, 2, 1), datetime(2026, 11, 30, 8))]
	assert core.stale_days(built, reopened, None, unsaid) == (
		{date(2026, 11, 30)},
		{date(2026, 12, 1): {"T1"}},
	)
	# a done task written outside the engine may have come from any day built before the write
	built[date(2026, 11, 29)] = datetime(2026, 12, 3)
	assert core.stale_days(built, reopened, datetime(2026, 12, 2, 1)) == (
		{date(2026, 12, 1), date(2026, 11, 30)},
		{},
	)
	assert core.stale_days(built, [], datetime(2026, 12, 1)) == (set(), {})


@given(tasks, st.data())
def test_taking_reopened_tasks_out_gives_the_figures_of_the_rest(facts, data):
	"""A day's tally less some of its tasks is the tally of the others."""
	keyed = [(f"{team}:{i}", f, team) for i, (f, team) in enumerate(facts)]
	gone = data.draw(st.sets(st.sampled_from([k for k, _f, _t in keyed]))) if keyed else set()

	def tallied(rows):
		measures = [(f"{f.service}\x00{f.step}\x00{team}", "", *task_measure(f)[2:]) for _k, f, team in rows]
		return {tuple(k.split("\x00")): t for (k, _x), t in _tally(measures).items()}

	entries = {k: [f.service, f.step, team, *task_measure(f)[2:]] for k, f, team in keyed}
	left = core.without(tallied(keyed), [entries[k] for k in gone])
	want = tallied([row for row in keyed if row[0] not in gone])
	assert left.keys() == want.keys()
	for key, t in want.items():
		got = left[key]
		assert (got.done, got.rework, sorted(got.wait_hours), sorted(got.work_hours)) == (
			t.done,
			t.rework,
			sorted(t.wait_hours),
			sorted(t.work_hours),
		)
		assert abs(got.ready_to_done_hours - t.ready_to_done_hours) < 1e-6
		assert abs(got.worked_hours - t.worked_hours) < 1e-6


def test_a_task_the_tally_did_not_count_cannot_be_taken_out():
	(tally,) = step_tallies([_task("S1", "a", ("T1", 0), (10, 7, 9, 33))[0]]).values()
	tallies = {("S1", "a", "T1"): tally}
	assert core.without(tallies, [["S1", "a", "T2", None, None, None, 0]]) is None
	assert core.without(tallies, [["S1", "a", "T1", 99.0, None, None, 0]]) is None


# ---------------------------------------------------------------- seams


def _handoff(request, seam, step, status, sent, window, decided_after):
	from everstep_flow.engine.reports import HandoffFact

	sent_on = BASE + timedelta(hours=sent)
	accept_by = sent_on + timedelta(hours=window) if window else None
	decided = sent_on + timedelta(hours=decided_after)
	return HandoffFact(
		request,
		*seam,
		status,
		sent_on,
		accept_by,
		accepted_on=decided if status == "Accepted" else None,
		returned_on=decided if status == "Returned" else None,
		step=step,
	)


handoffs = st.lists(
	st.builds(
		_handoff,
		st.sampled_from(["R1", "R2", "R3"]),
		st.sampled_from([("T1", "T2"), ("T2", "T1"), ("T2", "T3")]),
		st.sampled_from(["a", "b"]),
		st.sampled_from(["Accepted", "Returned", "Pending"]),
		st.integers(0, 240),
		st.sampled_from([0, 4, 24]),
		st.integers(0, 48),
	),
	max_size=40,
)


def _seam_days(facts):
	"""What the job builds: per day sent, each seam's tally (a pending handoff never late, its window kept) and
	crossings, through JSON."""
	from everstep_flow.engine.reports import SeamTally, handoff_measure, seam_tally

	days = {}
	for h in facts:
		days.setdefault(h.sent_on.date(), {}).setdefault((h.from_team, h.to_team), []).append(h)
	built = {}
	for day, seams in days.items():
		plain = {}
		for key, group in seams.items():
			measures = [
				handoff_measure(h, datetime.min) for h in group
			]  # at the dawn of time: nothing pending is late
			tally = seam_tally(*[[m[i] for m in measures] for i in range(2, 6)])
			due = tuple(h.accept_by for h in group if h.status == "Pending" and h.accept_by)
			crossings = tuple((h.request, h.step) for h in group)
			assert isinstance(tally, SeamTally)
			plain[key] = core.SeamDay(tally, due, crossings)
		built[day] = core.seams_from_plain(json.loads(json.dumps(core.seams_to_plain(plain))))
	return built


@given(handoffs, st.integers(0, 300), st.sampled_from([None, ["T1"], ["T3"]]))
def test_a_periods_seams_from_its_days_are_the_seams_of_its_handoffs(facts, hours, teams):
	from everstep_flow.engine.reports import repeated_crossings, seam_rows, tally_rows

	now = BASE + timedelta(hours=hours)
	seen = [h for h in facts if teams is None or h.from_team in teams or h.to_team in teams]
	tallies, crossings = core.seams_at(_seam_days(facts).values(), now, teams)
	assert tally_rows(tallies, repeated_crossings(crossings)) == seam_rows(seen, now)


def test_seams_merge_and_read_back():
	from everstep_flow.engine.reports import SeamTally

	a = SeamTally(2, 1, 1, 0, 2, 1, (0.5,))
	b = SeamTally(1, 0, 0, 1, 1, 0, ())
	assert core.merged([a]) is a
	assert core.merged([a, b]) == SeamTally(3, 1, 1, 1, 3, 1, (0.5,))
	due = datetime(2026, 11, 3, 9, 30, 0, 250)
	day = {("T1", "T2"): core.SeamDay(b, (due,), (("R1", "a"),))}
	back = core.seams_from_plain(json.loads(json.dumps(core.seams_to_plain(day))))
	assert back == day
	tallies, crossings = core.seams_at([back, back], due + timedelta(seconds=1), None)
	assert tallies[("T1", "T2")].late == 2 and crossings == [("R1", "T1", "T2", "a")] * 2
	assert core.seams_at([back], due, ["T3"]) == ({}, [])
