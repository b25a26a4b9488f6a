"""The escalation decision and SLA status are pure functions: a table of cases each."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.escalation import Ladder, Nudge, decide, level_for
from everstep_flow.engine.sla import AT_RISK, BREACHED, MET, ON_TRACK, PAUSED, sla_status

LADDER = Ladder(claimant=0, team=60, lead=120, managers=240)


@pytest.mark.parametrize(
	"overdue, sent, has_claimant, expected",
	[
		(-5, 0, True, None),  # not due yet
		(0, 0, True, Nudge(1, "claimant", False)),  # due now: the claimant
		(0, 0, False, Nudge(1, "team", False)),  # unclaimed: the team queue
		(30, 1, True, None),  # already nudged at this level: nothing new
		(60, 1, True, Nudge(2, "team", True)),
		(119, 2, True, None),
		(120, 2, True, Nudge(3, "lead", True)),
		(500, 0, True, Nudge(4, "managers", True)),  # first sweep after a long outage: straight to the top
		(500, 4, True, None),  # the top was reached: silence
	],
)
def test_decide(overdue, sent, has_claimant, expected):
	assert decide(overdue, sent, LADDER, has_claimant) == expected


@given(st.floats(-1000, 10_000), st.floats(-1000, 10_000))
def test_levels_only_climb(a, b):
	lo, hi = sorted((a, b))
	assert level_for(lo, LADDER) <= level_for(hi, LADDER)


@given(st.floats(0, 10_000), st.integers(0, 4))
def test_idempotent(overdue, sent):
	first = decide(overdue, sent, LADDER)
	if first:
		assert decide(overdue, first.level, LADDER) is None


def test_ladder_must_be_ordered():
	with pytest.raises(ValueError):
		Ladder(claimant=0, team=100, lead=50, managers=200)


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
	"kwargs, expected",
	[
		({"remaining_minutes": 600, "paused": False}, ON_TRACK),
		({"remaining_minutes": 100, "paused": False}, AT_RISK),  # < 20 % of 1000 left
		({"remaining_minutes": -1, "paused": False}, BREACHED),
		({"remaining_minutes": -1, "paused": True}, PAUSED),  # a pause really pauses
		({"remaining_minutes": 5, "paused": False, "completed_on": NOW - timedelta(hours=1)}, MET),
		({"remaining_minutes": 5, "paused": False, "completed_on": NOW + timedelta(hours=1)}, BREACHED),
	],
)
def test_sla_status(kwargs, expected):
	assert sla_status(due_on=NOW, target_minutes=1000, **kwargs) == expected


def test_no_due_date_no_sla():
	assert sla_status(due_on=None, remaining_minutes=None, target_minutes=0, paused=False) == ""
