"""REST: /api/method/everstep_flow.api.sweep.run_now (Flow Managers)."""

import frappe

from everstep_flow.base.door import endpoint
from everstep_flow.clock.sweep import run
from everstep_flow.teams.membership import is_manager


@endpoint()
def run_now() -> dict:
	"""Run the sweep now instead of waiting for the scheduler; returns what it found and sent."""
	if not is_manager():
		frappe.throw(frappe._("Only a Flow Manager can run the sweep."), frappe.PermissionError)
	return run()
