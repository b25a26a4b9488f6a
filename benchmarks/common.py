"""What the benchmarks share: a connection to a site and the median time of a call.

Run from `frappe-bench/sites`; each benchmark puts this folder first on sys.path by being run as a script.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# The columns Frappe fills on every row; bulk inserts must give them too.
STANDARD_FIELDS = ("name", "creation", "modified", "owner", "modified_by", "docstatus")


def standard_values(name: str, at) -> tuple:
	return (name, at, at, "Administrator", "Administrator", 0)


@contextmanager
def connected(site: str) -> Iterator[None]:
	"""Connect to `site` as Administrator; always disconnect."""
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.destroy()


def median_seconds(call: Callable[[], object], repeats: int, warm: bool = True) -> float:
	if warm:
		call()
	timings = []
	for _ in range(repeats):
		started = time.perf_counter()
		call()
		timings.append(time.perf_counter() - started)
	return statistics.median(timings)
