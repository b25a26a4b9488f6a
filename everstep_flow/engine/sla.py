"""SLA status of a request: On Track, At Risk, Breached, Paused or Met."""

from __future__ import annotations

from datetime import datetime

ON_TRACK, AT_RISK, BREACHED, PAUSED, MET = "On Track", "At Risk", "Breached", "Paused", "Met"
AT_RISK_SHARE = 0.2  # at risk when less than this share of the target is left


def sla_status(
	*,
	due_on: datetime | None,
	remaining_minutes: float | None,
	target_minutes: float,
	paused: bool,
	completed_on: datetime | None = None,
) -> str:
	"""`remaining_minutes` is business time from now to due_on (negative once past). No due date: no SLA ("")."""
	if due_on is None:
		return ""
	if completed_on is not None:
		return MET if completed_on <= due_on else BREACHED
	if paused:
		return PAUSED
	if remaining_minutes is None or remaining_minutes <= 0:
		return BREACHED
	if target_minutes and remaining_minutes < AT_RISK_SHARE * target_minutes:
		return AT_RISK
	return ON_TRACK
