"""What one task shows the person in front of it, on plain data: the values with their labels and types (what the
client asked, what was handed on), the step's checklist and what is left unticked.

Unticked items do not block completion: a checklist guides the work, and a step that truly needs something says so
with a required output. The Complete dialog lists what is left, and the completion records it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from everstep_flow.engine.definition import ServiceDefinition

CHECKLIST_BLOCKS = False  # documented above; the desk and the REST answer say so


def labelled(
	defn: ServiceDefinition, values: Mapping[str, Any], only: Iterable[str] | None = None
) -> list[dict[str, Any]]:
	"""Values in the service's field order with label, type and options; empty values are left out, and a value of
	a field the definition no longer has keeps its name as label (a Data value)."""
	wanted = set(only) if only is not None else None
	rows = []
	known = set()
	for f in defn.intake_fields:
		known.add(f.fieldname)
		if wanted is not None and f.fieldname not in wanted:
			continue
		value = values.get(f.fieldname)
		if value in (None, ""):
			continue
		rows.append(
			{
				"fieldname": f.fieldname,
				"label": f.label,
				"fieldtype": f.fieldtype,
				"options": f.options,
				"value": value,
			}
		)
	for name, value in values.items():
		if name not in known and (wanted is None or name in wanted) and value not in (None, ""):
			rows.append(
				{"fieldname": name, "label": name, "fieldtype": "Data", "options": "", "value": value}
			)
	return rows


def asked(defn: ServiceDefinition, values: Mapping[str, Any]) -> list[dict[str, Any]]:
	"""What the client asked: the values of the intake form (not the ones steps fill in later)."""
	return labelled(defn, values, only=[f.fieldname for f in defn.intake_fields if f.at_intake])


def checklist_rows(items: Iterable[str], state: Mapping[str, Any] | None) -> list[dict[str, Any]]:
	state = state or {}
	return [{"item": item, "done": bool(state.get(item))} for item in items]


def unticked(items: Iterable[str], state: Mapping[str, Any] | None) -> list[str]:
	return [row["item"] for row in checklist_rows(items, state) if not row["done"]]


def tick(items: Iterable[str], state: Mapping[str, Any] | None, item: str, done: bool) -> dict[str, int]:
	"""The new checklist state; an item the step does not have is refused (ValueError)."""
	items = list(items)
	if item not in items:
		raise ValueError(f"item: not on this step's checklist ({len(items)} items)")
	new = {i: int(bool((state or {}).get(i))) for i in items}
	new[item] = int(bool(done))
	return new
