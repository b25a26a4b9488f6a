"""REST: /api/method/everstep_flow.api.orphans.check_orphans (Flow Managers)."""

from __future__ import annotations

from dataclasses import asdict

import frappe

from everstep_flow.runtime.orphans import check_orphans as _check


@frappe.whitelist(methods=["GET", "POST"])
def check_orphans() -> list[dict]:
	"""Open requests with no open task, tasks of teams nobody can work, claims held by unavailable people,
	and requests whose next step is unclear."""
	frappe.only_for(("Flow Manager", "System Manager"))
	return [asdict(f) for f in _check()]
