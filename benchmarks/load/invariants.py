"""What must hold after a load run, whatever the timings said: nothing lost, nothing doubled, nothing left behind.

Each check prints PASS or FAIL with its counts; the exit status is 1 when any fails. Checks are exact and cheap on a
site with 100,000 requests: the ones that follow histories look only at rows written since the run began (--mark
records that moment on the site's own clock before the run; --since-file reads it back), the rest are one
indexed query each.

1. ledger: one event per state change. For every task moved during the run, its task events (handoff None, from_state
   and to_state set) chain: each starts in the state the one before ended in, and the last ends in the task's
   status now. A move without its event, or an event without its move, breaks the chain. Likewise for handoffs.
   Tasks made during the run: every one past Queued (and not Cancelled) has a `claimed` event, and completed
   events = reopened events (+ 1 if Done).
2. teams: no task without a team (the whole table).
3. orphans: everstep_flow's own no-orphan check (visibility.orphans.check_orphans); findings on requests made during
   the run fail, older ones (a scale site's data) are listed as pre-existing.
4. duplicates: no two open requests share an open_key, and no request made during the run is open beside another
   open request of the same service and client unless the service is "Always new".
5. firings: every Flow Trigger Firing of the run is Done, Linked or Failed; none still Queued after --grace seconds
   (the sweep re-queues a lost one after 2 minutes); every Done or Linked one names its request.
6. handoffs: each handoff of the run agrees with its tasks: Pending -> its task Queued and awaiting it; Accepted ->
   its task no longer awaiting it; Returned or Cancelled -> its task Cancelled.
7. sweep: the scheduler ran the five-minute sweep during the run (a site Frappe thinks dormant is swept once a
   day only: log in once on a load site used through API tokens alone).
8. errors: Error Log rows written during the run (listed by title), and the 5xx lines of the access logs given with
   --access-log (gunicorn's or `bench serve`'s; from the byte offset --mark recorded, so only the run's lines).

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/load/invariants.py <site> --mark /tmp/load/mark.json \
		[--access-log /tmp/load/logs/gunicorn-access.log]
	... the run ...
	../env/bin/python ../apps/everstep_flow/benchmarks/load/invariants.py <site> --since-file /tmp/load/mark.json \
		[--access-log LOG ...] [--grace 180] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/, for common

from common import connected

OPEN = ("Open", "In Progress", "Waiting on Customer")
# gunicorn's `"GET /x HTTP/1.1" 200` and bench serve's (werkzeug, with colour codes inside the quotes)
STATUS_OF_LINE = re.compile(r'"(?:\x1b\[[0-9;]*m)*[A-Z]+ [^"]*" (\d{3})\b')
SHOWN = 5  # examples printed per failed check


class Checks:
	def __init__(self) -> None:
		self.results: list[dict] = []

	def add(self, name: str, ok: bool, counts: dict, examples: list | None = None) -> None:
		self.results.append({"check": name, "ok": ok, "counts": counts, "examples": (examples or [])[:SHOWN]})
		line = ", ".join(f"{k} {v}" for k, v in counts.items())
		print(f"{'PASS' if ok else 'FAIL'}  {name}: {line}")
		for e in (examples or [])[:SHOWN] if not ok else []:
			print(f"        {e}")

	@property
	def ok(self) -> bool:
		return all(r["ok"] for r in self.results)


def _chain(rows: list[dict], current: dict[str, str]) -> tuple[int, list[str]]:
	"""Rows of one kind (ordered by at, creation), grouped by document: how many documents break their chain."""
	by_doc: dict[str, list[dict]] = defaultdict(list)
	for r in rows:
		by_doc[r["doc"]].append(r)
	broken = []
	for doc, events in by_doc.items():
		for before, after in pairwise(events):
			if before["to_state"] != after["from_state"]:
				broken.append(
					f"{doc}: {before['event_type']} to {before['to_state']}, then {after['event_type']} "
					f"from {after['from_state']}"
				)
				break
		else:
			if doc in current and events[-1]["to_state"] != current[doc]:
				broken.append(
					f"{doc}: last event {events[-1]['event_type']} to {events[-1]['to_state']}, "
					f"but it is {current[doc]}"
				)
	return len(by_doc), broken


def ledger(checks: Checks, since: str) -> None:
	import frappe

	fields = ["task", "handoff", "event_type", "from_state", "to_state"]
	rows = frappe.get_all(
		"Flow Event",
		filters={"at": (">=", since), "to_state": ("is", "set"), "from_state": ("is", "set")},
		fields=fields,
		order_by="at asc, creation asc",
	)
	task_rows = [
		{**r, "doc": r.task} for r in rows if r.task and not r.handoff and r.from_state != r.to_state
	]
	handoff_rows = [{**r, "doc": r.handoff} for r in rows if r.handoff]
	for kind, doctype, chain_rows in (
		("task", "Flow Task", task_rows),
		("handoff", "Flow Handoff", handoff_rows),
	):
		names = list({r["doc"] for r in chain_rows})
		current = {}
		for i in range(0, len(names), 1000):
			for d in frappe.get_all(
				doctype, filters={"name": ("in", names[i : i + 1000])}, fields=["name", "status"]
			):
				current[d.name] = d.status
		moved, broken = _chain(chain_rows, current)
		checks.add(
			f"ledger: one event per {kind} state change (chains since the mark)",
			not broken,
			{f"{kind}s moved": moved, "events": len(chain_rows), "broken": len(broken)},
			broken,
		)
	tasks = frappe.get_all("Flow Task", filters={"creation": (">=", since)}, fields=["name", "status"])
	if not tasks:
		checks.add("ledger: claimed/completed events of the run's tasks", True, {"tasks made": 0})
		return
	counts: dict[str, Counter] = defaultdict(Counter)
	names = [t.name for t in tasks]
	for i in range(0, len(names), 1000):
		for e in frappe.get_all(
			"Flow Event",
			filters={
				"task": ("in", names[i : i + 1000]),
				"handoff": ("is", "not set"),
				"event_type": ("in", ("claimed", "completed", "reopened")),
			},
			fields=["task", "event_type"],
		):
			counts[e.task][e.event_type] += 1
	bad = []
	for t in tasks:
		c = counts[t.name]
		if t.status not in ("Queued", "Cancelled") and not c["claimed"]:
			bad.append(f"{t.name}: {t.status} with no claimed event")
		if c["completed"] != c["reopened"] + (1 if t.status == "Done" else 0):
			bad.append(
				f"{t.name}: {t.status}, {c['completed']} completed and {c['reopened']} reopened events"
			)
	checks.add(
		"ledger: the run's tasks have their claimed and completed events",
		not bad,
		{"tasks made": len(tasks), "done": sum(t.status == "Done" for t in tasks), "wrong": len(bad)},
		bad,
	)


def teams(checks: Checks) -> None:
	import frappe

	lost = frappe.get_all("Flow Task", filters={"team": ("is", "not set")}, pluck="name", limit=SHOWN)
	n = frappe.db.count("Flow Task", {"team": ("is", "not set")}) if lost else 0
	checks.add("teams: no task without a team", not n, {"tasks without team": n}, lost)


def orphans(checks: Checks, since: str) -> None:
	import frappe

	from everstep_flow.visibility.orphans import check_orphans

	found = check_orphans()
	requests = list({f.request for f in found if f.request})
	new = set()
	for i in range(0, len(requests), 1000):
		new |= set(
			frappe.get_all(
				"Flow Request",
				filters={"name": ("in", requests[i : i + 1000]), "creation": (">=", since)},
				pluck="name",
			)
		)
	firings = [f.firing for f in found if f.firing and not f.request]
	new_firings = set(
		frappe.get_all(
			"Flow Trigger Firing", filters={"name": ("in", firings), "creation": (">=", since)}, pluck="name"
		)
		if firings
		else ()
	)
	fresh = [f for f in found if f.request in new or f.firing in new_firings]
	kinds = Counter(f.kind for f in found)
	checks.add(
		"orphans: none on the run's requests (check_orphans)",
		not fresh,
		{
			"of the run": len(fresh),
			"pre-existing": len(found) - len(fresh),
			**{f"kind {k}": v for k, v in kinds.items()},
		},
		[f"{f.kind} {f.request} {f.task} {f.message}" for f in fresh],
	)


def duplicates(checks: Checks, since: str) -> None:
	import frappe

	doubled = frappe.db.sql(
		"""select open_key, count(*) from `tabFlow Request`
		where open_key is not null and open_key != '' group by open_key having count(*) > 1""",
	)
	always_new = set(frappe.get_all("Flow Service", filters={"duplicates": "Always new"}, pluck="name"))
	made = frappe.get_all(
		"Flow Request",
		filters={"creation": (">=", since), "status": ("in", OPEN), "customer": ("is", "set")},
		fields=["name", "service", "customer_type", "customer"],
	)
	beside = []
	for r in made:
		if r.service in always_new:
			continue
		others = frappe.get_all(
			"Flow Request",
			filters={
				"service": r.service,
				"customer_type": r.customer_type,
				"customer": r.customer,
				"status": ("in", OPEN),
				"name": ("!=", r.name),
			},
			pluck="name",
		)
		if others:
			beside.append(f"{r.name} open beside {', '.join(others[:3])} ({r.service}, {r.customer})")
	checks.add(
		"duplicates: no second open request per client and service",
		not doubled and not beside,
		{
			"shared open_key": len(doubled),
			"open requests of the run with a client": len(made),
			"beside": len(beside),
		},
		[f"open_key {k} x{n}" for k, n in doubled] + beside,
	)


def firings(checks: Checks, since: str, grace: int) -> None:
	import frappe
	from frappe.utils import add_to_date, now_datetime

	rows = frappe.get_all(
		"Flow Trigger Firing",
		filters={"creation": (">=", since)},
		fields=["name", "status", "request", "creation", "error"],
	)
	cutoff = add_to_date(now_datetime(), seconds=-grace)
	stuck = [r for r in rows if r.status == "Queued" and r.creation < cutoff]
	unlinked = [r for r in rows if r.status in ("Done", "Linked") and not r.request]
	by = Counter(r.status for r in rows)
	checks.add(
		f"firings: every firing Done, Linked or Failed (none Queued after {grace} s)",
		not stuck and not unlinked,
		{"firings": len(rows), **dict(by), "stuck": len(stuck), "done without request": len(unlinked)},
		[f"{r.name} {r.status} since {r.creation}" for r in stuck + unlinked],
	)
	failed = [r for r in rows if r.status == "Failed"]
	if failed:
		print(
			f"        (Failed firings are recorded, not lost; first: {failed[0].name}: {(failed[0].error or '')[:200]})"
		)


def handoffs(checks: Checks, since: str) -> None:
	import frappe

	rows = frappe.get_all(
		"Flow Handoff",
		filters={"modified": (">=", since)},
		fields=["name", "status", "to_task"],
	)
	tasks = {}
	names = list({r.to_task for r in rows if r.to_task})
	for i in range(0, len(names), 1000):
		for t in frappe.get_all(
			"Flow Task",
			filters={"name": ("in", names[i : i + 1000])},
			fields=["name", "status", "awaiting_handoff"],
		):
			tasks[t.name] = t
	bad = []
	for h in rows:
		t = tasks.get(h.to_task)
		if not t:
			bad.append(f"{h.name} {h.status}: its task {h.to_task} does not exist")
		elif h.status == "Pending" and (t.awaiting_handoff != h.name or t.status != "Queued"):
			bad.append(f"{h.name} Pending, but {t.name} is {t.status} awaiting {t.awaiting_handoff}")
		elif h.status == "Accepted" and t.awaiting_handoff == h.name:
			bad.append(f"{h.name} Accepted, but {t.name} still awaits it")
		elif h.status in ("Returned", "Cancelled") and t.status != "Cancelled":
			bad.append(f"{h.name} {h.status}, but {t.name} is {t.status}")
	by = Counter(h.status for h in rows)
	checks.add(
		"handoffs: each Accepted, Returned, Pending or Cancelled as its task says",
		not bad,
		{"handoffs moved": len(rows), **dict(by), "inconsistent": len(bad)},
		bad,
	)


def errors(checks: Checks, since: str, logs: list[tuple[Path, int]]) -> None:
	import frappe

	titles = Counter(
		(e.method or "")[:120]
		for e in frappe.get_all("Error Log", filters={"creation": (">=", since)}, fields=["method"])
	)
	checks.add(
		"errors: no Error Log during the run",
		not titles,
		{"error logs": sum(titles.values())},
		[f"{n} x {t}" for t, n in titles.most_common()],
	)
	for path, offset in logs:
		status = Counter()
		bad = []
		with open(path, "rb") as f:
			f.seek(offset)
			for raw in f:
				line = raw.decode(errors="replace")
				m = STATUS_OF_LINE.search(line)
				if m:
					status[m.group(1)[0] + "xx"] += 1
					if m.group(1).startswith("5"):
						bad.append(line.strip()[:200])
		checks.add(
			f"errors: no 5xx in {path}",
			not bad,
			{"lines": sum(status.values()), **dict(sorted(status.items()))},
			bad,
		)


def sweep_ran(checks: Checks, since: str) -> None:
	"""The scheduler swept during the run (the load includes it): a run of the five-minute sweep logged since the
	mark. Frappe schedules a site it thinks dormant (no Activity Log for `dormant_days`) once a day only, and a site
	used through API tokens alone writes none: such a run would measure no sweep."""
	import frappe

	runs = Counter(
		frappe.get_all(
			"Scheduled Job Log",
			filters={"scheduled_job_type": "sweep.scheduled_sweep", "creation": (">=", since)},
			pluck="status",
		)
	)
	checks.add(
		"sweep: the scheduler swept during the run", bool(runs), {"sweeps": sum(runs.values()), **runs}
	)


def mark(site: str, out: Path, logs: list[Path]) -> None:
	import frappe
	from frappe.utils import now

	with connected(site):
		at = now()
		# what the figures depend on: reports from a replica, answered from the users' copies
		setup = {
			"read_from_replica": bool(frappe.conf.get("read_from_replica")),
			"report_copies_seconds": frappe.conf.get("everstep_flow_report_copies") or 0,
		}
	out.write_text(
		json.dumps(
			{"site": site, "since": at, "setup": setup, "logs": {str(p): p.stat().st_size for p in logs}}
		)
	)
	print(
		f"{site}: marked {at}; {setup}; logs at {', '.join(f'{p}:{p.stat().st_size}' for p in logs) or 'none'}"
	)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("site")
	parser.add_argument(
		"--mark", type=Path, help="record now (and the access logs' sizes) to this file, then exit"
	)
	parser.add_argument("--since-file", type=Path, help="what --mark wrote")
	parser.add_argument("--since", help="YYYY-MM-DD HH:MM:SS on the site's clock (instead of --since-file)")
	parser.add_argument("--access-log", type=Path, action="append", default=[])
	parser.add_argument("--grace", type=int, default=180, help="seconds a firing may still be Queued")
	parser.add_argument("--json", type=Path, help="write the results here too")
	a = parser.parse_args()
	if a.mark:
		mark(a.site, a.mark, a.access_log)
		return 0
	offsets: dict[str, int] = {}
	since = a.since
	if a.since_file:
		marked = json.loads(a.since_file.read_text())
		since, offsets = marked["since"], marked.get("logs", {})
	if not since:
		since = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
	logs = [(p, offsets.get(str(p), 0)) for p in a.access_log]
	checks = Checks()
	started = time.perf_counter()
	print(f"{a.site}: invariants since {since}")
	with connected(a.site):
		ledger(checks, since)
		teams(checks)
		orphans(checks, since)
		duplicates(checks, since)
		firings(checks, since, a.grace)
		handoffs(checks, since)
		sweep_ran(checks, since)
		errors(checks, since, logs)
	failed = sum(not r["ok"] for r in checks.results)
	print(f"{len(checks.results) - failed} passed, {failed} failed ({time.perf_counter() - started:.0f} s)")
	if a.json:
		a.json.write_text(
			json.dumps({"site": a.site, "since": since, "results": checks.results}, indent=1, default=str)
		)
	return 0 if checks.ok else 1


if __name__ == "__main__":
	sys.exit(main())
