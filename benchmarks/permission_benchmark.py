"""An agent's desk list of Flow Tasks on a big site, against Administrator's (who has no row condition).

Bulk inserts 100,000 requests and 1,000,000 tasks over 20 teams (committed, so the optimizer sees real tables),
then times, for Administrator and for an agent of two teams, what the desk's list view asks for on every load:
`frappe.desk.reportview.get_count` (with the list's limit of 1001, and the full count a report view shows) and
`frappe.desk.reportview.get` (the first page of 20, newest first). Target: each within 1.5x of Administrator's.
Prints EXPLAIN of the agent's count too. Everything it inserted is deleted at the end.

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/permission_benchmark.py <site> [--tasks 1000000]
"""

from __future__ import annotations

import argparse
import sys

from common import STANDARD_FIELDS, connected, median_seconds, standard_values

TARGET_RATIO = 1.5
TEAMS = [f"PB Team {i:02d}" for i in range(20)]
AGENT, SERVICE = "perm.bench@example.com", "PB Service"
PER_REQUEST = 10


def fixture() -> None:
	import frappe

	from everstep_flow.tests.utils import make_team, make_user, new_service, step_row

	make_user(AGENT)
	for i, team in enumerate(TEAMS):
		make_team(team, *([AGENT] if i < 2 else []))
	if not frappe.db.exists("Flow Service", SERVICE):
		new_service(SERVICE, [step_row("work", TEAMS[0])]).insert(ignore_permissions=True)
	frappe.db.commit()


def bulk_insert(tasks: int) -> None:
	import frappe
	from frappe.utils import add_to_date, now_datetime

	now = now_datetime()
	requests = tasks // PER_REQUEST
	request_fields = (*STANDARD_FIELDS, "subject", "service", "status", "requester", "source")
	task_fields = (*STANDARD_FIELDS, "title", "request", "team", "status", "step_key")
	chunk = 10_000
	for start in range(0, requests, chunk):
		rows, task_rows = [], []
		for r in range(start, min(start + chunk, requests)):
			name = f"PB-{r:07d}"
			at = add_to_date(now, seconds=-r)
			rows.append(
				(*standard_values(name, at), f"Bench {r}", SERVICE, "Open", "pb.someone@example.com", "API")
			)
			for t in range(PER_REQUEST):
				team = TEAMS[(r * PER_REQUEST + t) % len(TEAMS)]
				task_rows.append((*standard_values(f"{name}-{t}", at), "Bench", name, team, "Queued", "work"))
		frappe.db.bulk_insert("Flow Request", request_fields, rows, chunk_size=chunk)
		frappe.db.bulk_insert("Flow Task", task_fields, task_rows, chunk_size=chunk)
		frappe.db.commit()
		print(f"\r  inserted {min(start + chunk, requests) * PER_REQUEST:>9,} tasks", end="", flush=True)
	print()
	settle()


def settle() -> None:
	"""What a live site's background maintenance would have done by now: fresh statistics (and, on PostgreSQL,
	the visibility map that lets counts read the index alone)."""
	import frappe

	if frappe.db.db_type == "postgres":
		frappe.db.commit()
		connection = frappe.db._conn
		connection.rollback()  # leave the transaction Frappe opened after the commit: VACUUM runs outside one
		connection.autocommit = True
		try:
			with connection.cursor() as cursor:
				cursor.execute('vacuum analyze "tabFlow Task"')
				cursor.execute('vacuum analyze "tabFlow Request"')
		finally:
			connection.autocommit = False
			frappe.db.begin()
	else:
		frappe.db.sql("analyze table `tabFlow Task`, `tabFlow Request`")


def remove() -> None:
	import frappe

	for doctype in ("Flow Task", "Flow Request"):
		while True:
			names = frappe.get_all(doctype, filters={"name": ("like", "PB-%")}, pluck="name", limit=20_000)
			if not names:
				break
			frappe.db.delete(doctype, {"name": ("in", names)})
			frappe.db.commit()


def timed(user: str, call, repeats: int) -> float:
	import frappe

	frappe.set_user(user)
	try:
		return median_seconds(call, repeats)
	finally:
		frappe.set_user("Administrator")


def list_calls(doctype: str):
	import frappe
	from frappe.desk import reportview

	table = f"`tab{doctype}`"

	def count(limit):
		def call():
			frappe.local.form_dict = frappe._dict(
				doctype=doctype, filters="[]", fields=f'["{table}.`name`"]', distinct="false", limit=limit
			)
			return reportview.get_count()

		return call

	def first_page():
		frappe.local.form_dict = frappe._dict(
			doctype=doctype,
			fields=f'["{table}.`name`", "{table}.`status`"]',
			filters="[]",
			order_by=f"{table}.`modified` desc",
			start=0,
			page_length=20,
			with_comment_count=1,
		)
		return reportview.get()

	return {"count (list, limit 1001)": count(1001), "count (full)": count(0), "first page of 20": first_page}


def main(argv: list[str]) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("site")
	parser.add_argument("--tasks", type=int, default=1_000_000)
	parser.add_argument("--repeats", type=int, default=30)
	parser.add_argument("--keep", action="store_true", help="keep the inserted rows (for a later --reuse)")
	parser.add_argument("--reuse", action="store_true", help="use rows a --keep run left")
	args = parser.parse_args(argv)

	with connected(args.site):
		return run(args)


def run(args) -> int:
	import frappe

	from everstep_flow.visibility.permissions import condition

	def query_of(doctype: str) -> str:
		return condition(doctype, AGENT)

	worst = 0.0
	try:
		fixture()
		print(
			f"site {args.site} ({frappe.db.db_type}): {args.tasks:,} tasks, {args.tasks // PER_REQUEST:,} requests"
		)
		if not args.reuse:
			bulk_insert(args.tasks)
		else:
			settle()
		for doctype in ("Flow Task", "Flow Request"):
			for label, call in list_calls(doctype).items():
				admin = timed("Administrator", call, args.repeats)
				agent = timed(AGENT, call, args.repeats)
				ratio = agent / admin if admin else 1.0
				if doctype == "Flow Task":
					worst = max(worst, ratio)  # the budget; requests are shown for what they cost
				print(
					f"{doctype:<13} {label:<26} Administrator {admin * 1000:8.1f} ms   "
					f"agent {agent * 1000:8.1f} ms   ratio {ratio:.2f}"
				)
			agent_condition = query_of(doctype)
			print(f"agent's condition on {doctype}:", agent_condition)
			table = f"`tab{doctype}`"
			for label, query in (
				("count", f"select count(*) from {table} where {agent_condition}"),
				(
					"first page",
					f"select name from {table} where {agent_condition} order by modified desc limit 20",
				),
			):
				print(f"EXPLAIN {label}:")
				for row in frappe.db.sql(f"explain {query}"):
					print("  ", row)
		print(f"worst ratio {worst:.2f} (target <= {TARGET_RATIO})")
		return 0 if worst <= TARGET_RATIO else 1
	finally:
		frappe.set_user("Administrator")
		if not args.keep:
			remove()


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
