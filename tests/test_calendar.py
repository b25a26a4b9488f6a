"""Business-time math: properties over random calendars and moments, plus the awkward days by example."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from everstep_flow.engine.calendar import (
	Calendar,
	CalendarError,
	add_business_minutes,
	business_minutes_between,
	is_working,
	office_hours,
)

NY = ZoneInfo("America/New_York")
ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney")


@st.composite
def calendars(draw):
	hours = {}
	for weekday in range(7):
		shifts = []
		for _ in range(draw(st.integers(0, 2))):
			start = draw(st.integers(0, 23 * 4)) * 15
			length = draw(st.integers(1, 12 * 4)) * 15
			end = (start + length) % (24 * 60)
			shifts.append((time(start // 60, start % 60), time(end // 60, end % 60)))
		hours[weekday] = tuple(s for s in shifts if s[0] != s[1])
	assume(any(hours.values()))
	holidays = frozenset(draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20)))
	return Calendar(draw(st.sampled_from(ZONES)), hours, holidays)


moments = st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 30), timezones=st.just(UTC))
minutes = st.integers(0, 60 * 24 * 20)


def fits(cal: Calendar, n: int) -> bool:
	"""The work fits well inside the 10-year search horizon (a calendar may have 15 minutes a week)."""
	weekly = sum(
		((end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)) % (24 * 60)
		for shifts in cal.hours.values()
		for start, end in shifts
	)
	return n <= weekly * 52 * 5  # 5 years of its working time, minus at most 20 holidays


@settings(max_examples=300, deadline=None)
@given(calendars(), moments, minutes)
def test_add_then_diff_returns_the_input(cal, start, n):
	assume(fits(cal, n))
	end = add_business_minutes(cal, start, n)
	assert business_minutes_between(cal, start, end) == pytest.approx(n, abs=1e-6)
	assert end >= start


@settings(max_examples=200, deadline=None)
@given(calendars(), moments, minutes, minutes)
def test_adding_is_monotonic(cal, start, a, b):
	lo, hi = sorted((a, b))
	assume(fits(cal, hi))
	assert add_business_minutes(cal, start, lo) <= add_business_minutes(cal, start, hi)


@settings(max_examples=200, deadline=None)
@given(calendars(), moments, st.integers(1, 60 * 24 * 10))
def test_a_due_time_falls_in_working_time(cal, start, n):
	"""The last minute counted is a working minute: nothing lands on a weekend, a holiday or after hours."""
	assume(fits(cal, n))
	end = add_business_minutes(cal, start, n)
	assert is_working(cal, end - timedelta(microseconds=1))  # a start 1 µs into a shift ends 1 µs into one


@settings(max_examples=200, deadline=None)
@given(calendars(), moments, moments)
def test_between_is_antisymmetric_and_bounded(cal, a, b):
	forward = business_minutes_between(cal, a, b)
	assert forward == pytest.approx(-business_minutes_between(cal, b, a))
	assert abs(forward) <= abs((b - a).total_seconds()) / 60 + 1e-9


def test_weekends_and_holidays_are_skipped():
	cal = office_hours("Europe/Berlin", holidays=[date(2026, 12, 25)])
	friday_4pm = datetime(2026, 12, 18, 16, tzinfo=ZoneInfo("Europe/Berlin"))
	# 1 h left on Friday, then Monday 21st from 09:00.
	assert add_business_minutes(cal, friday_4pm, 120).astimezone(cal.zone) == datetime(
		2026, 12, 21, 10, tzinfo=cal.zone
	)
	thursday_4pm = datetime(2026, 12, 24, 16, tzinfo=cal.zone)
	# Christmas (Friday) is a holiday: the second hour is on Monday 28th.
	assert add_business_minutes(cal, thursday_4pm, 120).astimezone(cal.zone) == datetime(
		2026, 12, 28, 10, tzinfo=cal.zone
	)


def test_overnight_shift_and_dst():
	night = Calendar("America/New_York", {d: ((time(22), time(6)),) for d in range(7)})
	# US clocks go forward on 2026-03-08 at 02:00: that night's shift is 7 h long.
	start = datetime(2026, 3, 7, 22, tzinfo=NY)
	assert business_minutes_between(night, start, datetime(2026, 3, 8, 6, tzinfo=NY)) == 7 * 60
	# ... and back on 2026-11-01 at 02:00: 9 h.
	start = datetime(2026, 10, 31, 22, tzinfo=NY)
	assert business_minutes_between(night, start, datetime(2026, 11, 1, 6, tzinfo=NY)) == 9 * 60
	# A day shift on the DST day is still 8 real hours.
	day = office_hours("America/New_York", days=range(7))
	assert (
		business_minutes_between(day, datetime(2026, 3, 8, 0, tzinfo=NY), datetime(2026, 3, 9, 0, tzinfo=NY))
		== 480
	)
	# Adding from inside last night's shift finishes it first.
	assert add_business_minutes(night, datetime(2026, 1, 6, 5, tzinfo=NY), 120).astimezone(NY) == datetime(
		2026, 1, 6, 23, tzinfo=NY
	)


def test_no_calendar_means_elapsed_time():
	start = datetime(2026, 1, 1, tzinfo=UTC)
	assert add_business_minutes(None, start, 90) == start + timedelta(minutes=90)
	assert business_minutes_between(None, start, start + timedelta(hours=2)) == 120


def test_bad_input_is_refused():
	with pytest.raises(CalendarError):
		Calendar("Mars/Olympus")
	with pytest.raises(CalendarError):
		add_business_minutes(office_hours(), datetime(2026, 1, 1), 10)  # naive
	with pytest.raises(CalendarError):
		add_business_minutes(Calendar("UTC", {}), datetime(2026, 1, 1, tzinfo=UTC), 10)
	with pytest.raises(CalendarError):
		Calendar("UTC", {0: ((time(9), time(9)),)})
