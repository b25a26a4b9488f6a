"""Business time in the shell: load Flow Calendars into the core, and the Clock a plan runs on.

Frappe stores datetimes naive, in the site's system timezone; the Clock (engine.plans) converts them for the core.
Which calendar: the team's, else the service's, else Flow Settings' default, else none (round the clock).
"""

from __future__ import annotations

from datetime import time, timedelta

import frappe
from frappe.utils import get_datetime, get_system_timezone, now_datetime

from everstep_flow.engine import ServiceDefinition
from everstep_flow.engine.calendar import Calendar
from everstep_flow.engine.plans import REQUEST_CALENDAR, Clock

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def calendar_from_doc(doc) -> Calendar:
	hours: dict[int, list] = {}
	for row in doc.get("working_hours") or []:
		hours.setdefault(WEEKDAYS.index(row.weekday), []).append((_time(row.start_time), _time(row.end_time)))
	return Calendar(
		doc.timezone or "UTC",
		{day: tuple(shifts) for day, shifts in hours.items()},
		frozenset(get_datetime(h.holiday_date).date() for h in doc.get("holidays") or []),
	)


def _time(value):
	"""Frappe gives Time fields as timedelta or 'HH:MM:SS' strings."""
	if isinstance(value, timedelta):
		seconds = int(value.total_seconds()) % 86400
		return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
	if isinstance(value, time):
		return value
	parts = [int(float(p)) for p in str(value).split(":")]
	return time(*[*parts, 0, 0][:3])


def load_calendar(name: str | None) -> Calendar | None:
	if not name:
		return None
	return calendar_from_doc(frappe.get_cached_doc("Flow Calendar", name))


def calendar_for(team: str | None = None, service: str | None = None) -> Calendar | None:
	name = None
	if team:
		name = frappe.get_cached_value("Flow Team", team, "calendar")
	if not name and service:
		name = frappe.get_cached_value("Flow Service", service, "calendar")
	if not name:
		name = frappe.db.get_single_value("Flow Settings", "default_calendar", cache=True)
	return load_calendar(name)


def clock_for(defn: ServiceDefinition, service: str) -> Clock:
	"""The clock an action's plan runs on (engine.plans.Clock): now, the site's timezone, and the calendars of the
	request (its owner team's, else the service's, else the default) and of each team of the service."""
	owner_team = frappe.get_cached_value("Flow Service", service, "owner_team")
	return Clock(
		now_datetime(),
		get_system_timezone(),
		{
			REQUEST_CALENDAR: calendar_for(owner_team, service),
			**{team: calendar_for(team, service) for team in defn.teams},
		},
	)
