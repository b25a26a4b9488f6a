"""What the engine owns changes only through its actions.

Flow Request, Flow Task and Flow Handoff are saved by every door Frappe has: the desk form, `/api/resource`,
`frappe.client.set_value` (also on a child row), a Server Script. All of them end in `save()`, so the controllers
call `check_save` from `validate`: a save that is not one of the engine's own (an action or a system move) may change
only the fields listed in EDITABLE, by the people listed there; any other changed field is refused by name, whatever
the role (a Flow Manager and a System Manager act through actions too). New tasks and handoffs come only from the
engine; a request only from intake (its controller says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, getdate

from everstep_flow.teams.membership import is_manager, works_on

# Fields a plain save may change, and who may change them (besides needing write permission on the row).
EDITABLE: dict[str, dict[str, Callable[[Any], bool]]] = {
	"Flow Task": {"follow_up_on": lambda doc: True},  # the team's members (row permission) and managers
	"Flow Request": {
		"follow_up_on": lambda doc: works_on(doc.name),  # staff on the request, not the requester
		"subject": lambda doc: is_manager(),
	},
	"Flow Handoff": {},
}
# Frappe's own bookkeeping, never compared.
_IGNORED = {
	"modified",
	"modified_by",
	"idx",
	"doctype",
	"name",
	"parent",
	"parentfield",
	"parenttype",
	"_seen",
	"_user_tags",
	"_comments",
	"_assign",
	"_liked_by",
}


def _normal(fieldtype: str, value: Any) -> Any:
	"""One form per value, so "2026-01-01 10:00:00" equals the datetime it was loaded as. A value that does not fit
	its type is kept as it came (it then differs, and Frappe's own checks name it)."""
	try:
		return _normalised(fieldtype, value)
	except Exception:
		return value


def _normalised(fieldtype: str, value: Any) -> Any:
	if value is None or value == "":
		return None
	if isinstance(value, dict | list) and fieldtype not in ("JSON", "Table", "Table MultiSelect"):
		raise TypeError(fieldtype)  # kept as it came: it differs, and is refused by name
	if fieldtype in ("Datetime", "Date") and not isinstance(value, str | date):
		raise TypeError(fieldtype)
	if fieldtype == "Datetime":
		return get_datetime(value)
	if fieldtype == "Date":
		return getdate(value)
	if fieldtype in ("Int", "Check"):
		return cint(value)
	if fieldtype in ("Float", "Currency", "Percent", "Duration"):
		return flt(value)
	if fieldtype == "JSON":
		if isinstance(value, str):
			try:
				value = json.loads(value)
			except ValueError:
				return value
		return json.dumps(value, sort_keys=True, default=str) if value not in ({}, []) else None
	return value


def _rows(doc, fieldname: str) -> list[tuple]:
	"""A child table as comparable tuples (its rows' own names left out: a resent row may lack one)."""
	rows = []
	for row in doc.get(fieldname) or []:
		meta = frappe.get_meta(row.doctype)
		rows.append(tuple(_normal(f.fieldtype, row.get(f.fieldname)) for f in meta.fields if f.fieldname))
	return rows


def changed_fields(doc) -> list[str]:
	"""Fields whose value differs from what is stored, in the doctype's field order."""
	before = doc.get_doc_before_save()
	if before is None:
		return []
	changed = []
	for field in ("owner", "creation", "docstatus"):
		if str(before.get(field) or "") != str(doc.get(field) or "") and doc.get(field) is not None:
			changed.append(field)
	for df in doc.meta.fields:
		if df.fieldname in _IGNORED or df.fieldtype in ("Section Break", "Column Break", "Tab Break", "HTML"):
			continue
		if df.fieldtype in ("Table", "Table MultiSelect"):
			if _rows(doc, df.fieldname) != _rows(before, df.fieldname):
				changed.append(df.fieldname)
		elif _normal(df.fieldtype, doc.get(df.fieldname)) != _normal(df.fieldtype, before.get(df.fieldname)):
			changed.append(df.fieldname)
	return changed


def check_save(doc, action_fields: tuple[str, ...] = ()) -> None:
	"""validate(): refuse a change to an engine-owned field, naming it. `action_fields` are the ones the action in
	progress sets itself (its state and the reason it needs)."""
	if doc.flags.flow_system or doc.is_new():
		return
	editable = EDITABLE[doc.doctype]
	for fieldname in changed_fields(doc):
		if fieldname in action_fields:
			continue
		label = _(doc.meta.get_label(fieldname)) if doc.meta.get_field(fieldname) else fieldname
		allowed = editable.get(fieldname)
		if allowed is None:
			frappe.throw(
				_("{0} ({1}) of a {2} changes only through its actions, not by editing.").format(
					frappe.bold(label), fieldname, _(doc.doctype)
				),
				frappe.PermissionError,
				title=_("Not editable"),
			)
		if not allowed(doc):
			frappe.throw(
				_("{0} ({1}): you cannot change this on {2} {3}.").format(
					frappe.bold(label), fieldname, _(doc.doctype), doc.name
				),
				frappe.PermissionError,
				title=_("Not editable"),
			)
		_check_value(doc, fieldname, label)


def refuse_changes(doc, fields: tuple[str, ...], why: str) -> None:
	"""Computed fields of configuration documents (a service's version): never taken from the caller."""
	before = doc.get_doc_before_save()
	if before is None:
		return
	for fieldname in fields:
		df = doc.meta.get_field(fieldname)
		if _normal(df.fieldtype, doc.get(fieldname)) != _normal(df.fieldtype, before.get(fieldname)):
			frappe.throw(
				_("{0} ({1}) cannot be edited: {2}.").format(frappe.bold(_(df.label)), fieldname, why),
				frappe.PermissionError,
				title=_("Not editable"),
			)


def never_deleted(doc) -> None:
	"""on_trash(): requests, tasks and handoffs are history; they are cancelled, never deleted (any role)."""
	frappe.throw(
		_("A {0} is part of a request's history and cannot be deleted; cancel it instead.").format(
			_(doc.doctype)
		),
		frappe.PermissionError,
	)


def _check_value(doc, fieldname: str, label: str) -> None:
	"""An editable field still takes only a well-formed value (a 417 naming it, never a database error)."""
	df = doc.meta.get_field(fieldname)
	value = doc.get(fieldname)
	if value is None or value == "":
		return
	problem = None
	if df.fieldtype in ("Datetime", "Date"):
		try:
			if not isinstance(value, str | datetime | date) or not 1900 <= get_datetime(value).year <= 9999:
				raise ValueError
		except Exception:
			problem = _("not a date and time")
	elif not isinstance(value, str):
		problem = _("expected text")
	elif "\x00" in value:
		problem = _("must not contain NUL characters")
	elif len(value) > (df.length or 140):
		problem = _("is too long (at most {0} characters)").format(df.length or 140)
	if problem:
		frappe.throw(
			_("{0} ({1}): {2}").format(frappe.bold(label), fieldname, problem),
			frappe.ValidationError,
			title=_("Invalid value"),
		)


def engine_only_insert(doc) -> None:
	"""before_insert(): tasks and handoffs are made by the engine as requests move, never by hand."""
	if not doc.flags.flow_system:
		frappe.throw(
			_("A {0} is created by the engine when a request moves on; it cannot be created by hand.").format(
				_(doc.doctype)
			),
			frappe.PermissionError,
		)
