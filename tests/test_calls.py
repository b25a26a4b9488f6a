"""Seams 3-5 in the core: a call must name its next step; the client timeline merges sources page by page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.calls import (
	CallPlan,
	FollowUpPlan,
	call_problems,
	event_kind,
	item,
	merge_page,
	summary_of,
	wanted_kinds,
)

NOW = datetime(2026, 11, 22, 10, 0)
LATER = NOW + timedelta(days=1)


def call(**kw) -> CallPlan:
	values = {
		"direction": "Outgoing",
		"contact": "Ann",
		"at": NOW - timedelta(minutes=5),
		"duration_minutes": 12,
		"summary": "Discussed the rollout",
		"follow_up": FollowUpPlan(LATER, "Sales", "", "Send the quote"),
	}
	values.update(kw)
	return CallPlan(**values)


def test_a_call_with_a_follow_up_or_a_reason_is_fine():
	assert call_problems(call(), NOW) == {}
	assert call_problems(call(follow_up=None, no_follow_up_reason="All settled"), NOW) == {}


def test_a_call_without_its_next_step_is_refused():
	problems = call_problems(call(follow_up=None), NOW)
	assert "next step" in problems["follow_up"]
	both = call_problems(call(no_follow_up_reason="x"), NOW)
	assert "not both" in both["no_follow_up_reason"]
	assert "follow_up" in call_problems(call(follow_up=None, no_follow_up_reason="   "), NOW)


@pytest.mark.parametrize(
	("change", "argument"),
	[
		({"direction": "Sideways"}, "direction"),
		({"contact": ""}, "contact"),
		({"at": None}, "at"),
		({"at": NOW + timedelta(hours=1)}, "at"),
		({"duration_minutes": None}, "duration"),
		({"duration_minutes": "ten"}, "duration"),
		({"duration_minutes": True}, "duration"),
		({"duration_minutes": -1}, "duration"),
		({"duration_minutes": 24 * 60 + 1}, "duration"),
		({"summary": "  "}, "summary"),
		({"follow_up": FollowUpPlan(None, "Sales", "", "x")}, "follow_up_on"),
		({"follow_up": FollowUpPlan(NOW, "Sales", "", "x")}, "follow_up_on"),
		({"follow_up": FollowUpPlan(LATER, "", "", "x")}, "follow_up_team"),
		({"follow_up": FollowUpPlan(LATER, "Sales", "", " ")}, "follow_up_what"),
	],
)
def test_each_problem_names_its_argument(change, argument):
	assert argument in call_problems(call(**change), NOW)


def test_event_kinds():
	assert event_kind("created") == "request"
	assert event_kind("created", on_task=True) == "task"
	assert event_kind("accepted") == "handoff"
	assert event_kind("call_logged") == "call"
	assert event_kind("commented") == "comment"
	assert event_kind("follow_up_done") == "follow_up"
	assert event_kind("claimed") == event_kind("nudged") == "task"


def test_wanted_kinds():
	assert wanted_kinds(None) == wanted_kinds([]) != ()
	assert wanted_kinds(["call", "email"]) == ("call", "email")
	with pytest.raises(ValueError, match="unknown kind"):
		wanted_kinds(["calls"])


def test_summary_of_takes_the_first_human_line_and_shortens_it():
	assert summary_of({"reason": "vendor late", "text": "x"}) == "vendor late"
	assert summary_of({}) == ""
	assert summary_of({"text": "y" * 500}, limit=10) == "y" * 9 + "…"


stamps = st.lists(st.integers(0, 10_000), max_size=30)


@given(st.lists(stamps, min_size=1, max_size=5), st.integers(0, 40), st.integers(1, 15))
def test_a_page_of_the_merge_is_the_same_slice_of_everything_sorted(sources, start, limit):
	base = datetime(2026, 1, 1)
	built = [
		sorted(
			(
				item("task", base + timedelta(minutes=m), reference_name=f"s{i}", tiebreak=str(j))
				for j, m in enumerate(s)
			),
			key=lambda x: x.sort_key,
			reverse=True,
		)
		for i, s in enumerate(sources)
	]
	everything = sorted((x for s in built for x in s), key=lambda x: x.sort_key, reverse=True)
	# each source only needs its first start + limit items
	page = merge_page([s[: start + limit] for s in built], start, limit)
	assert page == everything[start : start + limit]


def test_follow_up_leaks():
	from everstep_flow.engine.calls import follow_up_leak

	due = NOW - timedelta(hours=1)
	assert follow_up_leak(LATER, None, "", {"a"}, NOW) is None  # not due yet
	assert follow_up_leak(due, due, "", {"a"}, NOW) is None  # due, nudged
	assert "nudged" in follow_up_leak(due, None, "", {"a"}, NOW)
	assert "nudged" in follow_up_leak(
		due, due - timedelta(days=1), "", {"a"}, NOW
	)  # nudged for an older date
	assert "nobody available" in follow_up_leak(due, due, "", set(), NOW)
	assert "not available" in follow_up_leak(due, due, "b", {"a"}, NOW)


def test_calls_and_waiting_leaks():
	from everstep_flow.engine.calls import call_without_next_step, waiting_without_contact

	assert call_without_next_step({})
	assert call_without_next_step({"no_follow_up_reason": "  "})
	assert not call_without_next_step({"follow_up": "f1"})
	assert not call_without_next_step({"no_follow_up_reason": "done"})
	assert waiting_without_contact(NOW, [NOW - timedelta(minutes=1)])
	assert not waiting_without_contact(NOW, [NOW + timedelta(minutes=1)])
	assert waiting_without_contact(NOW, [])


def test_contact_at_tells_contact_from_other_events():
	from everstep_flow.engine.calls import contact_at

	earlier = NOW - timedelta(hours=3)
	assert contact_at("call_logged", {"at": str(earlier)}, NOW) == earlier  # when it happened
	assert contact_at("call_logged", {"at": earlier}, NOW) == earlier
	assert contact_at("call_logged", {}, NOW) == NOW  # no time said: when it was logged
	assert contact_at("call_logged", {"at": "yesterday-ish"}, NOW) == NOW
	assert contact_at("commented", {"via": "portal", "text": "hi"}, NOW) == NOW
	assert contact_at("commented", {"text": "a note among staff"}, NOW) is None
	assert contact_at("waiting", {}, NOW) is None


@given(st.text(max_size=20), st.sampled_from([{}, {"via": "portal"}, {"at": str(NOW)}]))
def test_only_the_contact_events_can_be_contact(event_type, details):
	"""The ledger reads the details of CONTACT_EVENTS only: no other event type may be contact."""
	from everstep_flow.engine.calls import CONTACT_EVENTS, contact_at

	if event_type not in CONTACT_EVENTS:
		assert contact_at(event_type, details, NOW) is None


EVENT = st.tuples(
	st.sampled_from(["r1", "r2", "r3"]),
	st.sampled_from(["call_logged", "commented", "waiting", "completed"]),
	st.fixed_dictionaries(
		{},
		optional={
			"via": st.sampled_from(["", "portal", "email"]),
			"at": st.datetimes(min_value=NOW - timedelta(days=9), max_value=NOW).map(str),
		},
	),
	st.datetimes(min_value=NOW - timedelta(days=9), max_value=NOW),
)


@given(
	st.lists(EVENT, max_size=30),
	st.lists(EVENT, max_size=30),
	st.datetimes(min_value=NOW - timedelta(days=9), max_value=NOW),
)
def test_latest_contact_kept_per_operation_answers_as_every_contact_would(first, second, wait_began):
	"""What the ledger keeps on the request (the latest contact, never moving back, operation by operation) tells a
	wait with no contact since exactly as all the request's contacts read at once would."""
	from everstep_flow.engine.calls import contact_at, latest_contacts, waiting_without_contact

	kept: dict[str, datetime] = {}
	for operation in (first, second):
		for request, at in latest_contacts(operation).items():
			if request not in kept or kept[request] < at:
				kept[request] = at
	for request in ("r1", "r2", "r3"):
		every = [
			m
			for r, kind, details, at in first + second
			if r == request
			for m in [contact_at(kind, details, at)]
			if m
		]
		assert waiting_without_contact(
			wait_began, [kept[request]] if request in kept else []
		) == waiting_without_contact(wait_began, every)


def test_report_age_buckets_and_totals():
	from everstep_flow.engine.reports import bucket_edges, bucket_of, totals

	assert bucket_of(NOW - timedelta(hours=2), NOW) == "under_1d"
	assert bucket_of(NOW - timedelta(days=1), NOW) == "d1_3"
	assert bucket_of(NOW - timedelta(days=5), NOW) == "d3_7"
	assert bucket_of(NOW - timedelta(days=30), NOW) == "over_7d"
	assert bucket_of(NOW + timedelta(minutes=1), NOW) == "under_1d"
	edges = dict((k, (after, until)) for k, after, until in bucket_edges(NOW))
	assert edges["under_1d"] == (NOW - timedelta(days=1), NOW)
	assert edges["over_7d"] == (None, NOW - timedelta(days=7))
	assert totals([{"open": 2, "overdue": 1}, {"open": 3, "d1_3": 1}])["open"] == 5
