"""Builders for integration tests: real users, teams and services in the test site (rolled back after each class)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager

import frappe
from frappe.model.document import Document


def make_user(email: str, roles: tuple[str, ...] = ("Flow Agent",)) -> str:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"roles": [{"role": r} for r in roles],
			}
		).insert(ignore_permissions=True)
	return email


def make_team(name: str, *users: str, lead: str | None = None) -> str:
	if not frappe.db.exists("Flow Team", name):
		frappe.get_doc(
			{
				"doctype": "Flow Team",
				"team_name": name,
				"lead": lead,
				"members": [{"user": make_user(u)} for u in users],
			}
		).insert(ignore_permissions=True)
	return name


def step_row(key: str, team: str, depends_on: str = "", **kw) -> dict:
	return {
		"step_key": key,
		"title": key.replace("_", " ").title(),
		"team": team,
		"depends_on": depends_on,
		**kw,
	}


def new_service(title: str, steps: list[dict], fields: list[dict] | None = None, **kw) -> Document:
	"""An unsaved Flow Service, so a test can insert it or expect the insert to fail."""
	return frappe.get_doc(
		{"doctype": "Flow Service", "title": title, "intake_fields": fields or [], "steps": steps, **kw}
	)


@contextmanager
def max_queries(test_case, budget: int):
	"""At most `budget` queries of our own and Frappe's inside the block, on MariaDB and PostgreSQL alike.

	Queries run by other installed apps' code are left out (ERPNext, for one, adds its own to every insert through
	its `doc_events`): a budget counts what is ours, and holds on a site that runs ERPNext too. Recorded as text
	because Frappe 15's assertQueryCount fails on PostgreSQL whatever the count (it joins LazyDecode objects).
	"""
	with recorded_queries() as queries:
		yield
	counted = [q for q in queries if not q.by_other_app]
	test_case.assertLessEqual(len(counted), budget, "Queries executed:\n" + "\n\n".join(counted))


class Query(str):
	"""One recorded statement; `by_other_app` when another installed app's code (not Frappe's, not ours) ran it."""

	by_other_app = False


def _run_by_other_app(others: set[str]) -> bool:
	frame = sys._getframe(2)
	while frame is not None:
		if frame.f_globals.get("__name__", "").split(".")[0] in others:
			return True
		frame = frame.f_back
	return False


@contextmanager
def recorded_queries():
	"""Every SQL statement run inside the block, as text (works on MariaDB and PostgreSQL)."""
	queries: list[Query] = []
	orig_sql = frappe.db.__class__.sql
	others = set(frappe.get_installed_apps()) - {"frappe", "everstep_flow"}

	def counting_sql(db, *args, **kwargs):
		result = orig_sql(db, *args, **kwargs)
		query = Query(str(db.last_query))
		query.by_other_app = bool(others) and _run_by_other_app(others)
		queries.append(query)
		return result

	frappe.db.__class__.sql = counting_sql
	try:
		yield queries
	finally:
		frappe.db.__class__.sql = orig_sql


def purge_requests(*requests: str) -> None:
	"""Remove committed test requests and everything they made, then commit (for tests that had to commit so
	other connections could see their data). Deletes rows directly: the ledger is append-only by design."""
	requests = [r for r in requests if r]
	if not requests:
		return
	from everstep_flow.visibility.day_tallies import forget_tasks

	tasks = frappe.get_all("Flow Task", {"request": ("in", requests)}, pluck="name")
	forget_tasks(requests)
	for doctype in ("Flow Event", "Flow Event Text", "Flow Handoff", "Flow Task"):
		frappe.db.delete(doctype, {"request": ("in", requests)})
	frappe.db.delete("Flow Request Value", {"parent": ("in", requests)})
	frappe.db.delete("Flow Request", {"name": ("in", requests)})
	if tasks:
		frappe.db.delete("Workflow Action", {"reference_name": ("in", tasks)})
		frappe.db.delete("Notification Log", {"document_name": ("in", tasks)})
		frappe.db.delete("ToDo", {"reference_type": "Flow Task", "reference_name": ("in", tasks)})
	frappe.db.commit()


def at_once(calls: dict[str, Callable[[], object]]) -> dict[str, object]:
	"""Run each call as its user (the key), on its own connection, all released together: "done" when it committed,
	else the exception it raised (rolled back). The caller commits first what the calls must see."""
	site = frappe.local.site
	barrier = threading.Barrier(len(calls))
	results: dict[str, object] = {}

	def run(user: str, call: Callable[[], object]):
		frappe.init(site=site)
		frappe.connect()
		try:
			frappe.set_user(user)
			barrier.wait(timeout=10)
			call()
			frappe.db.commit()
			results[user] = "done"
		except Exception as e:
			frappe.db.rollback()
			results[user] = e
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=run, args=item) for item in calls.items()]
	for t in threads:
		t.start()
	for t in threads:
		t.join(timeout=60)
	return results


def together(calls: list) -> list:
	"""Each call on its own connection as Administrator, all released at once; what each returned or raised."""
	site, sites_path = frappe.local.site, frappe.local.sites_path
	barrier = threading.Barrier(len(calls))
	results: list = [None] * len(calls)

	def go(i: int, call):
		frappe.init(site=site, sites_path=sites_path)
		frappe.connect()
		try:
			frappe.set_user("Administrator")
			barrier.wait(timeout=60)
			results[i] = call()
			frappe.db.commit()
		except Exception as e:
			frappe.db.rollback()
			results[i] = repr(e)
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=300)
	frappe.db.rollback()
	return results
