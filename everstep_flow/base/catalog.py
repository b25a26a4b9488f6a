"""The service catalog seen by the pure core: Flow Service documents in, `ServiceDefinition` out."""

from __future__ import annotations

import json
from html import escape

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt

from everstep_flow.engine import (
	IntakeField,
	Problem,
	ServiceDefinition,
	Step,
	from_snapshot,
	split_keys,
	split_lines,
)


def seconds_to_minutes(seconds: float | str | None) -> int:
	"""Frappe's Duration fields store seconds; the core counts whole minutes."""
	return round(flt(seconds) / 60)


def definition_from_doc(doc: Document) -> ServiceDefinition:
	"""Build the core model from a (possibly unsaved) Flow Service document."""
	return ServiceDefinition(
		name=doc.name or doc.title or "",
		title=doc.title or "",
		owner_team=doc.owner_team or "",
		target_minutes=seconds_to_minutes(doc.target_resolution),
		intake_fields=tuple(
			IntakeField(
				fieldname=(row.fieldname or "").strip(),
				label=row.label or "",
				fieldtype=row.fieldtype or "Data",
				options=row.options or "",
				required=bool(cint(row.required)),
				help=row.help or "",
				at_intake=bool(cint(row.at_intake)),
			)
			for row in doc.get("intake_fields") or []
		),
		steps=tuple(
			Step(
				key=(row.step_key or "").strip(),
				title=row.title or "",
				team=row.team or "",
				depends_on=split_keys(row.depends_on),
				condition=(row.condition or "").strip(),
				required_outputs=split_keys(row.required_outputs),
				checklist=split_lines(row.checklist),
				public_outputs=split_keys(row.get("public_outputs")),
				target_minutes=seconds_to_minutes(row.target_duration),
				accept_minutes=seconds_to_minutes(row.accept_window),
				instructions=row.instructions or "",
			)
			for row in doc.get("steps") or []
		),
	)


def definition_of(request) -> ServiceDefinition:
	"""The snapshot a request started with: later edits to the service never reach it. (A JSON column may come
	back parsed, e.g. on PostgreSQL.)"""
	snapshot = request.definition
	return from_snapshot(snapshot if isinstance(snapshot, str) else json.dumps(snapshot))


def get_definition(service: str) -> ServiceDefinition:
	return definition_from_doc(frappe.get_cached_doc("Flow Service", service))


def throw_problems(problems: list[Problem], title: str) -> None:
	"""One ValidationError listing every problem; each message already names its step or field."""
	if len(problems) == 1:
		message = escape(problems[0].message, quote=False)
	else:
		items = "".join(f"<li>{escape(p.message, quote=False)}</li>" for p in problems)
		message = f"<ul>{items}</ul>"
	frappe.throw(message, frappe.ValidationError, title=_(title))
