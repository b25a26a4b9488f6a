# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class FlowTriggerFiring(Document):
	"""One firing of a trigger for one source document and value: the idempotency key and what became of it.
	Written only by the engine (everstep_flow.seams.triggers)."""

	def before_insert(self) -> None:
		if not self.flags.flow_system:
			frappe.throw(_("Trigger firings are recorded by the engine only."), frappe.PermissionError)

	def validate(self) -> None:
		if not self.is_new() and not self.flags.flow_system:
			frappe.throw(_("Trigger firings are recorded by the engine only."), frappe.PermissionError)


def on_doctype_update() -> None:
	"""See everstep_flow.indexes. The no-orphan check (Leak Audit, the Open Leaks card, the sweep) and the Five Seam
	Audit look for the firings that failed or are stuck queued: a few among every document that ever fired a
	trigger (without this index, two reads of the whole table, 0.013 s for 28,000 firings)."""
	from everstep_flow.indexes import name_postgres_indexes

	name_postgres_indexes("Flow Trigger Firing")
	frappe.db.add_index("Flow Trigger Firing", ["status", "creation"])
