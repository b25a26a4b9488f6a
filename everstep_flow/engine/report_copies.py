"""When a visibility report may be answered from a copy of its figures instead of reading them again (issue 23).

A month's report reads tens of thousands of rows; a manager opening it again and again reads the same month. A copy
is kept per user and filters (the shell: visibility.report_copies), stamped with when its reading began. It is
served as it is while fresh; served and read again behind the user's back while it is a little older (the desk is
told, and redraws); read at once when older than that, or when the user has changed something since it began
(their own change shows at once: read-your-writes)."""

from __future__ import annotations

from typing import Literal

# A copy older than FRESH seconds but younger than FRESH * STALE_FACTOR is served and refreshed behind; older, it
# is read again before answering.
STALE_FACTOR = 10

Decision = Literal["serve", "serve_and_refresh", "read"]


def decide(copy_at: float | None, written_at: float | None, now: float, fresh: float) -> Decision:
	"""What to do with a copy whose reading began at `copy_at` (None: there is none), for a user whose last change
	was committed at `written_at` (None: none known), at `now`, when copies stay fresh for `fresh` seconds."""
	if copy_at is None or fresh <= 0:
		return "read"
	if written_at is not None and written_at >= copy_at:
		return "read"  # the copy may have begun before the user's own change committed
	age = now - copy_at
	if age < 0 or age >= fresh * STALE_FACTOR:
		return "read"  # a copy from the future is a clock gone wrong: trust nothing
	return "serve" if age < fresh else "serve_and_refresh"


def lifetime(fresh: float) -> int:
	"""Seconds a copy is kept at all (the store forgets it after): never served older than this."""
	return max(1, int(fresh * STALE_FACTOR))
