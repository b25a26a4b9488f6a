"""The visibility figures on plain data: percentiles, seams, waiting and working time, SLA outcomes, duplicates,
where a request is now, and the measured process map."""

import statistics
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import render_svg
from everstep_flow.engine.reports import (
	HandoffFact,
	SlaFact,
	TaskFact,
	compliance_rows,
	crossed_again,
	duplicate_groups,
	flow_efficiency,
	group_columns,
	handoff_measure,
	is_late,
	percentile,
	period_of,
	ping_pongs,
	seam_rows,
	seam_tallies,
	seam_tally,
	seam_totals,
	sla_outcome,
	step_tallies,
	step_tally,
	step_totals,
	tally_seams,
	tally_steps,
	task_measure,
	wait_rows,
	waiting_hours,
	working_hours,
)
from everstep_flow.engine.where import LiveStep, changed, where_now
from tests.factories import onboarding

NOW = datetime(2026, 6, 15, 12, 0)
NS = {"svg": "http://www.w3.org/2000/svg"}


def ago(hours: float) -> datetime:
	return NOW - timedelta(hours=hours)


numbers = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50)


@given(numbers)
def test_the_median_is_statistics_median(values):
	assert abs(percentile(values, 0.5) - statistics.median(values)) < 1e-6


@given(numbers, st.floats(0, 1), st.floats(0, 1))
def test_percentiles_stay_within_the_values_and_grow_with_q(values, q1, q2):
	low, high = sorted((q1, q2))
	assert (
		min(values) - 1e-9 <= percentile(values, low) <= percentile(values, high) + 1e-9 <= max(values) + 1e-9
	)


def test_percentile_of_nothing_is_none_and_p90_interpolates():
	assert percentile([], 0.5) is None
	assert percentile([2, 4], 0.9) == 3.8


def handoff(request, source, target, status, sent, accept_by=None, accepted=None, returned=None):
	return HandoffFact(
		request,
		source,
		target,
		status,
		ago(sent),
		accept_by and ago(accept_by),
		accepted and ago(accepted),
		returned and ago(returned),
	)


def test_late_means_decided_after_the_window_or_pending_past_it():
	assert is_late(handoff("r", "A", "B", "Accepted", 10, accept_by=9, accepted=8), NOW)
	assert not is_late(handoff("r", "A", "B", "Returned", 6, accept_by=1, returned=5), NOW)
	assert is_late(handoff("r", "A", "B", "Pending", 3, accept_by=2), NOW)
	assert not is_late(handoff("r", "A", "B", "Pending", 3, accept_by=-1), NOW)
	assert not is_late(handoff("r", "A", "B", "Pending", 3), NOW)  # no window, never late


def test_ping_pong_is_one_steps_work_crossing_a_seam_again():
	def h(request, source, target, step, sent):
		return HandoffFact(
			request, source, target, "Accepted", ago(sent), accepted_on=ago(sent - 1), step=step
		)

	items = [
		h("r1", "A", "B", "review", 10),  # out, returned, out again: a ping-pong
		h("r1", "A", "B", "review", 6),
		h("r2", "A", "B", "review", 10),  # designed A -> B -> A: different steps, not one
		h("r2", "B", "A", "deliver", 8),
		h("r3", "B", "A", "deliver", 9),
		h("r3", "B", "A", "deliver", 5),
		h("r3", "B", "A", "deliver", 2),  # three crossings count once per request
	]
	assert ping_pongs(items) == {("A", "B"): 1, ("B", "A"): 1}


def test_seam_rows_figures():
	items = [
		handoff("r1", "A", "B", "Accepted", 10, accept_by=9, accepted=8),
		handoff("r2", "A", "B", "Returned", 6, accept_by=1, returned=5),
		handoff("r2", "A", "B", "Pending", 3, accept_by=2),
		handoff("r3", "B", "C", "Accepted", 5, accepted=4),
	]
	ab, bc = seam_rows(items, NOW)
	assert (ab["handoffs"], ab["median_accept_hours"], ab["late_share"], ab["bounce_rate"]) == (
		3,
		2.0,
		66.7,
		50.0,
	)
	assert (bc["handoffs"], bc["late_share"], bc["bounce_rate"], bc["pending"]) == (1, None, 0.0, 0)


def test_waiting_runs_from_ready_to_the_first_claim_or_start():
	assert waiting_hours(TaskFact("s", "a", ago(10), claimed_on=ago(8), started_on=ago(7))) == 2
	assert waiting_hours(TaskFact("s", "a", ago(10), started_on=ago(9))) == 1
	assert waiting_hours(TaskFact("s", "a", None, claimed_on=ago(8))) is None


def test_wait_rows_and_flow_efficiency():
	done = [
		TaskFact("S", "a", ago(20), ago(18), ago(17), ago(10)),
		TaskFact("S", "a", ago(12), ago(8), ago(8), ago(3), rework=1),
	]
	(row, idle) = wait_rows(done, {("S", "a"): 0, ("S", "z"): 4})
	assert (row["throughput"], row["median_wait_hours"], row["p90_wait_hours"]) == (2, 3.0, 3.8)
	assert (row["median_work_hours"], row["flow_efficiency"], row["rework"]) == (6.0, 63.2, 1)
	assert (idle["step"], idle["wip"], idle["throughput"], idle["median_wait_hours"]) == ("z", 4, 0, None)
	assert flow_efficiency([]) is None


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100), st.floats(0, 100)), max_size=20))
def test_flow_efficiency_is_a_percent(times):
	tasks = []
	for a, b, c in times:
		ready, started, done = sorted((a, b, c), reverse=True)
		tasks.append(TaskFact("s", "a", ago(ready), started_on=ago(started), completed_on=ago(done)))
	value = flow_efficiency(tasks)
	assert value is None or 0 <= value <= 100


hours = st.one_of(st.none(), st.integers(0, 200))
handoff_facts = st.lists(
	st.builds(
		lambda r, seam, status, sent, window, accepted, returned, step: HandoffFact(
			f"r{r}",
			*seam,
			status,
			ago(sent),
			accept_by=None if window is None else ago(sent - window),
			accepted_on=None if accepted is None or status != "Accepted" else ago(max(0, sent - accepted)),
			returned_on=None if returned is None or status != "Returned" else ago(max(0, sent - returned)),
			step=step,
		),
		st.integers(0, 5),
		st.sampled_from((("A", "B"), ("B", "A"), ("B", "C"))),
		st.sampled_from(("Pending", "Accepted", "Returned")),
		st.integers(0, 300),
		hours,
		hours,
		hours,
		st.sampled_from(("x", "y")),
	),
	max_size=40,
)


@given(handoff_facts)
def test_a_seams_tally_gives_the_figures_of_its_handoffs(facts):
	"""The report reads one tally per seam from the database; its summary is what one fact per handoff gives."""
	total = seam_totals(seam_tallies(facts, NOW).values())
	accepted = [h for h in facts if h.status == "Accepted"]
	returned = sum(1 for h in facts if h.status == "Returned")
	latency = [(h.accepted_on - h.sent_on).total_seconds() / 3600 for h in accepted if h.accepted_on]
	windowed = [h for h in facts if h.accept_by]
	assert total["handoffs"] == len(facts)
	assert total["median_accept_hours"] == (round(statistics.median(latency), 2) if latency else None)
	late = sum(1 for h in windowed if is_late(h, NOW))
	assert total["late_share"] == (round(100 * late / len(windowed), 1) if windowed else None)
	both = len(accepted) + returned
	assert total["bounce_rate"] == (round(100 * returned / both, 1) if both else None)
	assert sum(r["handoffs"] for r in seam_rows(facts, NOW)) == len(facts)


def test_crossing_a_seam_again_counts_once_per_steps_work():
	assert crossed_again([("A", "B", 2), ("A", "B", 1), ("A", "B", 5), ("B", "A", 1)]) == {("A", "B"): 2}
	assert crossed_again([]) == {}


def task_fact(service, step, known_ready, wait, work, rework, claimed) -> TaskFact:
	"""Ready 300 hours ago (or not known), taken `wait` hours later (claimed, or only started), worked `work`
	hours (or never started), done at the end."""
	taken = ago(300 - (wait or 0))
	started = None if work is None else taken
	done = ago(300 - (wait or 0) - (work or 0))
	return TaskFact(
		service,
		step,
		ago(300) if known_ready else None,
		claimed_on=taken if claimed else None,
		started_on=started,
		completed_on=done,
		rework=rework,
	)


task_facts = st.lists(
	st.builds(
		task_fact,
		st.sampled_from(("S", "T")),
		st.sampled_from(("a", "b")),
		st.booleans(),
		st.integers(0, 100),
		st.one_of(st.none(), st.integers(0, 100)),
		st.integers(0, 2),
		st.booleans(),
	),
	max_size=40,
)


@given(task_facts, handoff_facts)
def test_tallies_of_columns_are_the_tallies_of_rows(done, handoffs):
	"""The reports read a month a column at a time and tally each group's columns: the same tallies as row by row."""
	measures = [task_measure(t) for t in done]
	keys, *columns = (list(c) for c in zip(*measures, strict=True)) if measures else ([], [], [], [], [], [])
	by_step = group_columns(zip(keys, columns[0], strict=True), *columns[1:])
	assert {key: step_tally(*c) for key, c in by_step.items()} == tally_steps(measures)
	measures = [handoff_measure(h, NOW) for h in handoffs]
	sources, targets, *columns = (list(c) for c in zip(*measures, strict=True)) if measures else ([],) * 6
	by_seam = group_columns(zip(sources, targets, strict=True), *columns)
	assert {key: seam_tally(*c) for key, c in by_seam.items()} == tally_seams(measures)


@given(task_facts)
def test_a_steps_tally_gives_the_figures_of_its_tasks(done):
	"""Where Requests Wait reads one tally per step from the database; its figures are the ones of each task."""
	tallies = step_tallies(done)
	total = step_totals(tallies.values())
	waits = [w for w in map(waiting_hours, done) if w is not None]
	assert total["done"] == len(done)
	assert total["median_wait_hours"] == (round(percentile(waits, 0.5), 2) if waits else None)
	assert total["flow_efficiency"] == flow_efficiency(done)
	for (service, step), tally in tallies.items():
		mine = [t for t in done if (t.service, t.step) == (service, step)]
		assert sorted(tally.work_hours) == sorted(w for w in map(working_hours, mine) if w is not None)
		assert tally.rework == sum(t.rework for t in mine)


def test_periods_start_on_monday_or_the_first():
	day = date(2026, 6, 14)  # a Sunday
	assert period_of(day, "Weekly", date(2026, 6, 1)) == date(2026, 6, 8)
	assert period_of(day, "Monthly", date(2026, 6, 1)) == date(2026, 6, 1)
	assert period_of(day, "Whole Range", date(2026, 5, 20)) == date(2026, 5, 20)


def test_sla_outcomes():
	assert sla_outcome(None, None, NOW) is None
	assert sla_outcome(ago(1), ago(2), NOW) == "met"
	assert sla_outcome(ago(2), ago(1), NOW) == "breached"
	assert sla_outcome(ago(1), None, NOW) == "breached"
	assert sla_outcome(ago(-1), None, NOW) == "open"


def test_compliance_rows_put_each_step_under_its_service():
	week = date(2026, 6, 8)
	rows = compliance_rows(
		[
			SlaFact(week, "S", "A", "", "met", paused_minutes=90),
			SlaFact(week, "S", "A", "", "open", at_risk=True),
			SlaFact(week, "S", "B", "Step B", "breached"),
			SlaFact(week, "T", "C", "Step C", "met"),  # no request row of T: an empty parent is added
		]
	)
	assert [(r["service"], r["step"], r["indent"]) for r in rows] == [
		("S", "", 0),
		("S", "Step B", 1),
		("T", "", 0),
		("T", "Step C", 1),
	]
	s, b, t, _c = rows
	assert (s["met"], s["open"], s["at_risk"], s["compliance"], s["paused_hours"]) == (1, 1, 1, 100.0, 1.5)
	assert (b["compliance"], t["met"], t["compliance"]) == (0.0, 0, None)


def test_duplicates_group_one_client_and_service_keeping_the_oldest_first():
	groups = duplicate_groups(
		[
			("FR-3", "S", "Contact", "c1"),
			("FR-1", "S", "Contact", "c1"),
			("FR-2", "T", "Contact", "c1"),
			("FR-4", "S", "Contact", ""),
			("FR-5", "S", "Contact", ""),
		]
	)
	assert groups == [["FR-1", "FR-3"]]


def test_where_now_names_the_longest_waiting_step():
	steps = [
		LiveStep("Review", "Ops", "Claimed", "ana@x", since=ago(2)),
		LiveStep("Approve", "Finance", "Queued", awaiting_handoff=True, since=ago(5)),
		LiveStep("Done one", "Ops", "Done", since=ago(9)),
	]
	where = where_now(steps)
	assert where == {
		"current_steps": "Approve · Finance · awaiting acceptance; Review · Ops · ana@x",
		"current_team": "Finance",
		"current_holder": None,
		"waiting_since": ago(5),
	}
	assert where_now([LiveStep("x", "T", "Done")]) == dict.fromkeys(where)
	assert (
		where_now([LiveStep("x", "T", "Blocked", "bo@x", since=ago(1))])["current_steps"]
		== "x · T · bo@x · blocked"
	)


def test_changed_ignores_microseconds_and_empty_strings():
	stored = {"current_team": "", "waiting_since": "2026-06-15 12:00:00"}
	assert changed(stored, {"current_team": None, "waiting_since": NOW.replace(microsecond=5)}) == {}
	assert changed(stored, {"current_team": "T", "waiting_since": NOW}) == {"current_team": "T"}


def test_the_measured_map_colours_steps_labels_arrows_and_has_a_legend():
	defn = onboarding()
	waits = {"sales_handover": (0.5, 10), "provisioning": (30.0, 4)}
	bounces = {("sales_handover", "provisioning"): 25.0, ("sales_handover", "billing_setup"): 0.0}
	svg = render_svg(defn, waits=waits, bounces=bounces)
	assert svg == render_svg(defn, waits=waits, bounces=bounces)  # deterministic
	root = ET.fromstring(svg)
	fills = {
		g.get("data-step"): g.find("svg:rect", NS).get("fill")
		for g in root.findall("svg:g[@class='esf-step']", NS)
	}
	assert fills["sales_handover"] == "#ebf9ee" and fills["provisioning"] == "#fff0f0"
	assert fills["support_kickoff"] == "#ffffff"  # nothing measured
	labels = [t.text for t in root.findall("svg:text[@class='esf-bounce']", NS)]
	assert sorted(labels) == ["0% back", "25% back"]
	assert root.find("svg:g[@class='esf-legend']", NS) is not None
	assert "waits 30.0 h, median of 4" in svg
	# the plain map has none of it
	assert "esf-legend" not in render_svg(defn)
