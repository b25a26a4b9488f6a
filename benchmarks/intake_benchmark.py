"""Intake over HTTP against a running site, measured against Frappe's own cheapest write.

Interleaves `POST /api/method/everstep_flow.api.request.submit_request` with a bare `POST /api/resource/ToDo` by
the same user (`--shape chain`: a 5-step service, three intake values; `--shape fanout`: two intake values and two
parallel first tasks), and prints the median of each, their ratio (target <= 1.3) and the query count of each
(measured in-process, queries of other apps such as ERPNext left out, as the test budgets do).

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

TARGET_RATIO = 1.3
USER, TEAM = "intake.bench@example.com", "Intake Bench Team"
# Two shapes: a 5-step chain with three intake values, and two intake values that fan out to two parallel first
# steps (which then join).
SHAPES = {
	"chain": (
		"Intake Bench Five Steps",
		[("a", ""), ("b", "a"), ("c", "b"), ("d", "b"), ("e", "c, d")],
		{"company": "Bench", "plan": "Basic", "seats": 5},
	),
	"fanout": (
		"Intake Bench Fan-out",
		[("a", ""), ("b", ""), ("c", "a, b")],
		{"company": "Bench", "plan": "Basic"},
	),
}


def fixture(service: str, steps: list) -> tuple[str, str]:
	"""The benchmark user (Flow Manager, API key), team and service; returns the user's API token."""
	import frappe

	from everstep_flow.tests.test_runtime import FIELDS
	from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

	make_user(USER, ("Flow Manager", "Flow Agent"))
	make_team(TEAM, USER)
	if not frappe.db.exists("Flow Service", service):
		new_service(service, [step_row(k, TEAM, d) for k, d in steps], FIELDS).insert(ignore_permissions=True)
	user = frappe.get_doc("User", USER)
	secret = frappe.generate_hash(length=15)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	frappe.db.commit()
	return user.api_key, secret


def query_counts(service: str, values: dict) -> tuple[int, int]:
	"""Queries of one intake and of one ToDo insert, in-process, as the benchmark user (rolled back)."""
	import frappe

	from everstep_flow.requests.intake import submit_request
	from everstep_flow.tests.utils import recorded_queries

	frappe.set_user(USER)
	submit_request(service, {**values, "company": "Warm-up"})
	frappe.get_doc({"doctype": "ToDo", "description": "warm-up", "allocated_to": USER}).insert()
	with recorded_queries() as intake:
		submit_request(service, {**values, "company": "Counted"})
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
	parser.add_argument("--shape", choices=sorted(SHAPES), default="chain")
	args = parser.parse_args(argv)

	with connected(args.site):
		return run(args)


def run(args) -> int:
	import frappe
	import requests

	service, steps, values = SHAPES[args.shape]
	key, secret = fixture(service, steps)
	http = requests.Session()
	http.headers.update(
		{"Authorization": f"token {key}:{secret}", "Host": args.site, "Accept": "application/json"}
	)
	made_requests, made_todos = [], []

	def intake(i: int) -> float:
		started = time.perf_counter()
		response = http.post(
			f"{args.url}/api/method/everstep_flow.api.request.submit_request",
			json={"service": service, "values": {**values, "company": f"Bench {i}"}},
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
		intake_queries, todo_queries = query_counts(service, values)
		ratio = ours / baseline
		print(f"site {args.site} ({frappe.db.db_type}), {args.calls} calls each, interleaved")
		print(
			f"submit_request ({args.shape}, {service}): median {ours * 1000:7.1f} ms, {intake_queries} queries"
		)
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
