"""When a report is answered from a user's copy of its figures (engine.report_copies.decide)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.report_copies import STALE_FACTOR, decide, lifetime

FRESH = 30.0
moments = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


def test_no_copy_or_copies_off_reads():
	assert decide(None, None, 100.0, FRESH) == "read"
	assert decide(90.0, None, 100.0, 0) == "read"


def test_fresh_served_older_served_and_refreshed_oldest_read():
	assert decide(100.0, None, 100.0, FRESH) == "serve"
	assert decide(100.0, None, 129.9, FRESH) == "serve"
	assert decide(100.0, None, 130.0, FRESH) == "serve_and_refresh"
	assert decide(100.0, None, 100.0 + FRESH * STALE_FACTOR - 0.1, FRESH) == "serve_and_refresh"
	assert decide(100.0, None, 100.0 + FRESH * STALE_FACTOR, FRESH) == "read"


def test_own_change_after_copy_began_reads():
	assert decide(100.0, 100.0, 101.0, FRESH) == "read"  # committed as the copy began: it may lack it
	assert decide(100.0, 100.5, 101.0, FRESH) == "read"
	assert decide(100.0, 99.0, 101.0, FRESH) == "serve"  # the copy began after the change committed


def test_copy_from_the_future_reads():
	assert decide(200.0, None, 100.0, FRESH) == "read"


@given(copy_at=moments, written_at=st.none() | moments, now=moments, fresh=st.integers(0, 3600))
def test_never_serves_what_the_user_may_not_have_seen_or_older_than_its_lifetime(
	copy_at, written_at, now, fresh
):
	decision = decide(copy_at, written_at, now, fresh)
	if decision != "read":
		assert written_at is None or written_at < copy_at
		assert 0 <= now - copy_at < lifetime(fresh)
	if decision == "serve":
		assert now - copy_at < fresh
