"""REST: /api/method/everstep_flow.api.handoff.<method>"""

from __future__ import annotations

import frappe

from everstep_flow.runtime import actions


def _result(handoff) -> dict:
	return {"name": handoff.name, "status": handoff.status, "to_task": handoff.to_task}


@frappe.whitelist(methods=["POST"])
def accept_handoff(handoff: str) -> dict:
	return _result(actions.act_on_handoff(handoff, "Accept"))


@frappe.whitelist(methods=["POST"])
def return_handoff(handoff: str, reason: str) -> dict:
	"""Send the work back to the sending team, saying why; their task reopens."""
	return _result(actions.act_on_handoff(handoff, "Return", reason=reason))
