"""REST: /api/method/everstep_flow.api.sweep.run_now (Flow Managers)."""

import frappe

from everstep_flow.runtime.door import endpoint
from everstep_flow.runtime.membership import is_manager
from everstep_flow.runtime.sweep import run


@endpoint()
def run_now() -> dict:
	"""Run the sweep now instead of waiting for the scheduler; returns what it found and sent."""
	if not is_manager():
		frappe.throw(frappe._("Only a Flow Manager can run the sweep."), frappe.PermissionError)
	return run()
