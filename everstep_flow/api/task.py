"""REST: /api/method/everstep_flow.api.task.<method>. Each returns the task's new state."""

from __future__ import annotations

import frappe

from everstep_flow.runtime import actions
from everstep_flow.runtime.membership import user_teams


def _result(task) -> dict:
	return {"name": task.name, "status": task.status, "claimed_by": task.claimed_by, "request": task.request}


@frappe.whitelist(methods=["POST"])
def claim(task: str) -> dict:
	return _result(actions.act_on_task(task, "Claim"))


@frappe.whitelist(methods=["POST"])
def release(task: str) -> dict:
	return _result(actions.act_on_task(task, "Release"))


@frappe.whitelist(methods=["POST"])
def start(task: str) -> dict:
	return _result(actions.act_on_task(task, "Start"))


@frappe.whitelist(methods=["POST"])
def complete(task: str, outputs: dict | str | None = None, note: str | None = None) -> dict:
	"""Finish the task; `outputs` ({fieldname: value}) must include the step's required outputs."""
	return _result(actions.act_on_task(task, "Complete", outputs=outputs, note=note))


@frappe.whitelist(methods=["POST"])
def block(task: str, reason: str) -> dict:
	return _result(actions.act_on_task(task, "Block", reason=reason))


@frappe.whitelist(methods=["POST"])
def unblock(task: str) -> dict:
	return _result(actions.act_on_task(task, "Unblock"))


@frappe.whitelist(methods=["POST"])
def wait_on_customer(task: str) -> dict:
	return _result(actions.act_on_task(task, "Wait on Customer"))


@frappe.whitelist(methods=["POST"])
def resume(task: str) -> dict:
	return _result(actions.act_on_task(task, "Resume"))


@frappe.whitelist(methods=["POST"])
def cancel(task: str) -> dict:
	return _result(actions.act_on_task(task, "Cancel"))


@frappe.whitelist(methods=["GET", "POST"])
def my_teams() -> list[str]:
	"""Teams the current user works in (the task list opens on their queue)."""
	return user_teams()
