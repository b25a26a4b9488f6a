"""What the visibility reports decide, on plain data: age buckets, and a team's row from its counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

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
