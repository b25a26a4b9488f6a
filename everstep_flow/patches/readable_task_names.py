"""0.9: tasks and handoffs made before readable names get them ("FR-00012-it_review", "H-FR-00012-finance_approval").

Set-based, in batches: every column that points at a task or handoff (Link fields, Dynamic Links, and the Data pairs
Frappe keeps for files and notifications) is rewritten with one CASE update per batch, so the cost grows with the
number of documents divided by the batch, not with a full rename (and Frappe's cache flush) per document."""

from __future__ import annotations

import frappe
from frappe.model.dynamic_links import get_dynamic_link_map
from frappe.model.rename_doc import get_link_fields
from frappe.query_builder import Case, DocType, Field

from everstep_flow.engine.plans import handoff_name_of

BATCH = 500
# (doctype, name field, doctype field): references Frappe keeps in Data fields, not Dynamic Links
DATA_PAIRS = (
	("File", "attached_to_name", "attached_to_doctype"),
	("Notification Log", "document_name", "document_type"),
	("Version", "docname", "ref_doctype"),
)


def execute() -> None:
	task = DocType("Flow Task")
	rows = (
		frappe.qb.from_(task)
		.select(task.name, task.request, task.step_key, task.awaiting_handoff)
		.orderby(task.creation)
		.orderby(task.name)
		.run(as_dict=True)
	)
	tasks: dict[str, str] = {}
	taken = {r.name for r in rows}
	runs: dict[tuple[str, str], int] = {}
	for r in rows:
		base = f"{r.request}-{r.step_key}"
		if r.name == base or r.name.startswith(base + "-"):
			runs[(r.request, r.step_key)] = runs.get((r.request, r.step_key), 0) + 1
			continue  # named already
		count = runs.get((r.request, r.step_key), 0) + 1
		new = base if count == 1 else f"{base}-{count}"
		while new in taken:
			count += 1
			new = f"{base}-{count}"
		runs[(r.request, r.step_key)] = count
		taken.add(new)
		tasks[r.name] = new
	rename("Flow Task", tasks)
	handoff = DocType("Flow Handoff")
	handoffs = {
		name: handoff_name_of(to_task)
		for name, to_task in frappe.qb.from_(handoff).select(handoff.name, handoff.to_task).run()
		if to_task and name != handoff_name_of(to_task)
	}
	rename("Flow Handoff", handoffs)


def rename(doctype: str, mapping: dict[str, str]) -> None:
	if not mapping:
		return
	targets = [(doctype, "name", None)]
	targets += [(f.parent, f.fieldname, None) for f in get_link_fields(doctype) if not f.get("issingle")]
	# only the Dynamic Links that point at this doctype somewhere (Frappe reads which, per table, once)
	targets += [
		(d.parent, d.fieldname, d.options)
		for d in get_dynamic_link_map().get(doctype, [])
		if not frappe.get_meta(d.parent).issingle
	]
	targets += [pair for pair in DATA_PAIRS if frappe.db.table_exists(pair[0])]
	olds = list(mapping)
	for start in range(0, len(olds), BATCH):
		batch = olds[start : start + BATCH]
		for table_name, field, doctype_field in targets:
			table = DocType(table_name)
			column = Field(field, table=table)
			case = Case()
			for old in batch:
				case = case.when(column == old, mapping[old])
			condition = column.isin(batch)
			if doctype_field:
				condition &= Field(doctype_field, table=table) == doctype
			frappe.qb.update(table).set(column, case.else_(column)).where(condition).run()
	frappe.clear_cache(doctype=doctype)
