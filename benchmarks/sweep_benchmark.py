"""Time the sweep with few and many open tasks, the same number due, and print the ratio.

The sweep must cost O(items due), not O(open items): with 100 tasks due, 1,000 and 100,000 open tasks should take
about the same time (target ratio <= 1.5). Run it in a bench, on a site that has everstep_flow installed:

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/sweep_benchmark.py <site> [--small 1000] [--large 100000]

Everything it creates lives in one transaction that is rolled back at the end: the site is left as it was.
Exit status 1 when the ratio is over the target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta

from common import STANDARD_FIELDS, standard_values

TARGET_RATIO = 1.5
DUE = 100
TEAM, SERVICE, USER = "Benchmark Team", "Benchmark Service", "benchmark.agent@example.com"


def setup_fixture():
	import frappe

	from everstep_flow.requests.intake import submit_request

	if not frappe.db.exists("User", USER):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": USER,
				"first_name": "Bench",
				"send_welcome_email": 0,
				"roles": [{"role": "Flow Agent"}],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Flow Team", TEAM):
		frappe.get_doc({"doctype": "Flow Team", "team_name": TEAM, "members": [{"user": USER}]}).insert(
			ignore_permissions=True
		)
	if not frappe.db.exists("Flow Service", SERVICE):
		frappe.get_doc(
			{
				"doctype": "Flow Service",
				"title": SERVICE,
				"steps": [{"step_key": "work", "title": "Work", "team": TEAM, "target_duration": 3600}],
			}
		).insert(ignore_permissions=True)
	return submit_request(SERVICE, {}).name


def add_tasks(request: str, count: int, due: bool) -> None:
	import frappe
	from frappe.utils import now_datetime

	now = now_datetime()
	due_on = now - timedelta(minutes=5) if due else now + timedelta(days=365)
	fields = (*STANDARD_FIELDS, "title", "request", "team", "status", "claimed_by", "due_on")
	fields += ("escalation_level", "step_key")
	rows = [
		(
			*standard_values(frappe.generate_hash(length=14), now),
			"Benchmark task",
			request,
			TEAM,
			"Claimed",
			USER,
			due_on,
			0,
			"work",
		)
		for _ in range(count)
	]
	frappe.db.bulk_insert("Flow Task", fields, rows, chunk_size=5000)


def time_sweep(repeats: int) -> tuple[float, dict]:
	"""Median seconds of a sweep that nudges the DUE tasks (their level is reset between runs)."""
	import frappe
	from frappe.query_builder import DocType

	from everstep_flow.clock.sweep import run

	task = DocType("Flow Task")
	timings, report = [], {}
	for _ in range(repeats):
		frappe.qb.update(task).set(task.escalation_level, 0).where(
			(task.team == TEAM) & (task.due_on < frappe.utils.now_datetime())
		).run()
		started = time.perf_counter()
		report = run()
		timings.append(time.perf_counter() - started)
	return statistics.median(timings), report


def main(argv: list[str]) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("site")
	parser.add_argument("--small", type=int, default=1_000)
	parser.add_argument("--large", type=int, default=100_000)
	parser.add_argument("--repeats", type=int, default=5)
	args = parser.parse_args(argv)

	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		request = setup_fixture()
		add_tasks(request, DUE, due=True)
		add_tasks(request, args.small - DUE, due=False)
		time_sweep(1)  # warm caches
		small, report = time_sweep(args.repeats)
		print(f"{args.small:>7} open tasks, {DUE} due: sweep {small * 1000:8.1f} ms  {report}")
		add_tasks(request, args.large - args.small, due=False)
		large, report = time_sweep(args.repeats)
		print(f"{args.large:>7} open tasks, {DUE} due: sweep {large * 1000:8.1f} ms  {report}")
		ratio = large / small
		print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO})")
		return 0 if ratio <= TARGET_RATIO else 1
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
