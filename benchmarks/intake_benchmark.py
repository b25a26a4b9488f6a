"""Intake over HTTP against a running site, measured against Frappe's own cheapest write.

Interleaves `POST /api/method/everstep_flow.api.request.submit_request` (a 5-step service: the request, its intake
values, the first task and the ledger events) with a bare `POST /api/resource/ToDo` by the same user, and prints the
median of each, their ratio (target <= 1.5 on MariaDB) and the query count of each (measured in-process, queries
of other apps such as ERPNext left out, as the test budgets do).

	bench serve --port 8000 &          # or any running site
	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/intake_benchmark.py <site> --url http://127.0.0.1:8000

It creates a user, a team and a service once (kept, so runs are comparable), and removes every request and ToDo it
made. Exit status 1 when the ratio is over the target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from common import connected

TARGET_RATIO = 1.5
USER, TEAM, SERVICE = "intake.bench@example.com", "Intake Bench Team", "Intake Bench Five Steps"
STEPS = [("a", ""), ("b", "a"), ("c", "b"), ("d", "b"), ("e", "c, d")]


def fixture() -> tuple[str, str]:
	"""The benchmark user (Flow Manager, API key), team and 5-step service; returns the user's API token."""
	import frappe

	from everstep_flow.tests.test_runtime import FIELDS
	from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

	make_user(USER, ("Flow Manager", "Flow Agent"))
	make_team(TEAM, USER)
	if not frappe.db.exists("Flow Service", SERVICE):
		new_service(SERVICE, [step_row(k, TEAM, d) for k, d in STEPS], FIELDS).insert(ignore_permissions=True)
	user = frappe.get_doc("User", USER)
	secret = frappe.generate_hash(length=15)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	frappe.db.commit()
	return user.api_key, secret


def query_counts() -> tuple[int, int]:
	"""Queries of one intake and of one ToDo insert, in-process, as the benchmark user (rolled back)."""
	import frappe

	from everstep_flow.runtime.intake import submit_request
	from everstep_flow.tests.utils import recorded_queries

	frappe.set_user(USER)
	submit_request(SERVICE, {"company": "Warm-up", "plan": "Basic"})
	frappe.get_doc({"doctype": "ToDo", "description": "warm-up", "allocated_to": USER}).insert()
	with recorded_queries() as intake:
		submit_request(SERVICE, {"company": "Counted", "plan": "Basic", "seats": "5"})
	with recorded_queries() as todo:
		frappe.get_doc({"doctype": "ToDo", "description": "counted", "allocated_to": USER}).insert()
	frappe.db.rollback()
	frappe.set_user("Administrator")
	return (
		len([q for q in intake if not q.by_other_app]),
		len([q for q in todo if not q.by_other_app]),
	)


def main(argv: list[str]) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("site")
	parser.add_argument("--url", default="http://127.0.0.1:8000")
	parser.add_argument("--calls", type=int, default=60)
	args = parser.parse_args(argv)

	with connected(args.site):
		return run(args)


def run(args) -> int:
	import frappe
	import requests

	key, secret = fixture()
	http = requests.Session()
	http.headers.update(
		{"Authorization": f"token {key}:{secret}", "Host": args.site, "Accept": "application/json"}
	)
	made_requests, made_todos = [], []

	def intake(i: int) -> float:
		started = time.perf_counter()
		response = http.post(
			f"{args.url}/api/method/everstep_flow.api.request.submit_request",
			json={"service": SERVICE, "values": {"company": f"Bench {i}", "plan": "Basic", "seats": 5}},
		)
		elapsed = time.perf_counter() - started
		response.raise_for_status()
		made_requests.append(response.json()["message"]["name"])
		return elapsed

	def todo(i: int) -> float:
		started = time.perf_counter()
		response = http.post(
			f"{args.url}/api/resource/ToDo", json={"description": f"Bench {i}", "allocated_to": USER}
		)
		elapsed = time.perf_counter() - started
		response.raise_for_status()
		made_todos.append(response.json()["data"]["name"])
		return elapsed

	try:
		for i in range(5):  # warm the workers' caches
			intake(i)
			todo(i)
		intakes, todos = [], []
		for i in range(args.calls):  # interleaved, so both see the same machine
			intakes.append(intake(i))
			todos.append(todo(i))
		ours, baseline = statistics.median(intakes), statistics.median(todos)
		intake_queries, todo_queries = query_counts()
		ratio = ours / baseline
		print(f"site {args.site} ({frappe.db.db_type}), {args.calls} calls each, interleaved")
		print(f"submit_request (5-step service): median {ours * 1000:7.1f} ms, {intake_queries} queries")
		print(f"POST /api/resource/ToDo:         median {baseline * 1000:7.1f} ms, {todo_queries} queries")
		print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO})")
		return 0 if ratio <= TARGET_RATIO else 1
	finally:
		from everstep_flow.tests.utils import purge_requests

		purge_requests(*made_requests)
		for name in made_todos:
			frappe.db.delete("ToDo", {"name": name})
		frappe.db.commit()


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
