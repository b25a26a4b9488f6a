"""0.15: each handoff's receiving step (Flow Handoff.to_step), for handoffs sent before the field existed."""

import frappe


def execute() -> None:
	"""One UPDATE with the step read from the receiving task by its name (both databases spell it the same)."""
	frappe.db.sql(
		"""update `tabFlow Handoff` set `to_step` = (
			select t.`step_key` from `tabFlow Task` t where t.`name` = `tabFlow Handoff`.`to_task`
		)
		where `to_step` is null and `to_task` is not null"""
	)
