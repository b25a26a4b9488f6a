"""REST: /api/method/everstep_flow.api.orphans.check_orphans (Flow Managers)."""

from dataclasses import asdict

import frappe

from everstep_flow.runtime.door import endpoint
from everstep_flow.runtime.membership import is_manager
from everstep_flow.runtime.orphans import check_orphans as _check


@endpoint(methods=("GET", "POST"))
def check_orphans() -> list[dict]:
	"""Open requests with no open task, tasks of teams nobody can work, claims held by unavailable people,
	and requests whose next step is unclear."""
	# Not frappe.only_for: it allows everyone while tests run, so it could never be tested.
	if not is_manager():
		frappe.throw(frappe._("Only a Flow Manager can run the no-orphan check."), frappe.PermissionError)
	return [asdict(f) for f in _check()]


@endpoint(methods=("GET", "POST"))
def leak_count(filters: dict | str | None = None) -> int:
	"""The workspace's "Open Leaks" number card: what the no-orphan check finds that this user may open (a Flow
	Manager also counts the missed seams, which belong to no request)."""
	findings = _check()
	if is_manager():
		return len(findings)
	requests = list({f.request for f in findings if f.request})
	if not requests:
		return 0
	readable = set(frappe.get_list("Flow Request", filters={"name": ("in", requests)}, pluck="name", limit=0))
	return sum(1 for f in findings if f.request in readable)
