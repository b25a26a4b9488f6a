"""Business time: working hours per weekday in a timezone, minus holidays.

Rules, so results are predictable:
- A shift belongs to the local date it starts on. A shift whose end is not after its start runs overnight into the
  next day (22:00-06:00). A holiday removes the shifts that start on it.
- Business time is real elapsed time inside shifts: a 22:00-06:00 shift is 7 h on the night clocks go forward and
  9 h on the night they go back. Local times that do not exist (the hour skipped in spring) resolve as zoneinfo does.
- All inputs and outputs are timezone-aware datetimes; naive ones are refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HORIZON_DAYS = 3660  # how far ahead we look for working time before giving up (10 years)
Shift = tuple[time, time]


class CalendarError(ValueError):
	pass


@dataclass(frozen=True)
class Calendar:
	timezone: str = "UTC"
	# weekday (0 = Monday) -> shifts
	hours: Mapping[int, tuple[Shift, ...]] = field(default_factory=dict)
	holidays: frozenset[date] = frozenset()

	def __post_init__(self):
		try:
			ZoneInfo(self.timezone)
		except Exception:
			raise CalendarError(f"Unknown timezone {self.timezone!r}")
		for weekday, shifts in self.hours.items():
			if weekday not in range(7):
				raise CalendarError(f"Weekday must be 0 (Monday) to 6, not {weekday!r}")
			for start, end in shifts:
				if start == end:
					raise CalendarError(f"An empty shift {start}-{end} on weekday {weekday}")

	@property
	def zone(self) -> ZoneInfo:
		return ZoneInfo(self.timezone)

	@property
	def has_hours(self) -> bool:
		return any(self.hours.get(d) for d in range(7))


def office_hours(
	timezone: str = "UTC", start: time = time(9), end: time = time(17), days: range = range(5), holidays=()
) -> Calendar:
	return Calendar(timezone, {d: ((start, end),) for d in days}, frozenset(holidays))


def _aware(moment: datetime, name: str) -> datetime:
	if moment.tzinfo is None or moment.utcoffset() is None:
		raise CalendarError(f"{name} must be timezone-aware")
	return moment


def intervals(cal: Calendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
	"""Working intervals (UTC, start < end) that end after `since`, in order."""
	zone = cal.zone
	local_day = since.astimezone(zone).date() - timedelta(
		days=1
	)  # an overnight shift from yesterday may be running
	reached = since - timedelta(days=2)  # overlapping shifts are merged: never yield time twice
	for offset in range(HORIZON_DAYS):
		day = local_day + timedelta(days=offset)
		if day in cal.holidays:
			continue
		for start, end in sorted(cal.hours.get(day.weekday(), ())):
			end_day = day if end > start else day + timedelta(days=1)
			begin = max(datetime.combine(day, start, zone).astimezone(UTC), reached)
			finish = datetime.combine(end_day, end, zone).astimezone(UTC)
			if finish <= begin:
				continue
			reached = finish
			if finish > since:
				yield begin, finish


def add_business_minutes(cal: Calendar | None, start: datetime, minutes: float) -> datetime:
	"""The moment `minutes` of working time after `start` (returned in UTC). None calendar: plain elapsed time."""
	start = _aware(start, "start").astimezone(UTC)
	if minutes < 0:
		raise CalendarError("minutes must not be negative")
	if cal is None:
		return start + timedelta(minutes=minutes)
	if not cal.has_hours:
		raise CalendarError("The calendar has no working hours")
	remaining = timedelta(minutes=minutes)
	if not remaining:
		return start
	for begin, finish in intervals(cal, start):
		begin = max(begin, start)
		available = finish - begin
		if remaining <= available:
			return begin + remaining
		remaining -= available
	raise CalendarError(f"No working time within {HORIZON_DAYS} days (holidays cover every shift?)")


def business_minutes_between(cal: Calendar | None, start: datetime, end: datetime) -> float:
	"""Working minutes from `start` to `end` (negative when end is before start)."""
	start = _aware(start, "start").astimezone(UTC)
	end = _aware(end, "end").astimezone(UTC)
	if end < start:
		return -business_minutes_between(cal, end, start)
	if cal is None:
		return (end - start).total_seconds() / 60
	total = timedelta()
	for begin, finish in intervals(cal, start):
		if begin >= end:
			break
		total += min(finish, end) - max(begin, start)
	return total.total_seconds() / 60


def is_working(cal: Calendar | None, moment: datetime) -> bool:
	moment = _aware(moment, "moment").astimezone(UTC)
	if cal is None:
		return True
	for begin, finish in intervals(cal, moment):
		return begin <= moment < finish
	return False
