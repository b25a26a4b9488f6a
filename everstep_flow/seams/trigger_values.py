"""What a manager wrote on a Flow Trigger, run on a host document: its condition and its subject (issue 18).

Both see only the document's own values as plain data; the rules of what they may contain are the core's
(everstep_flow.engine.expressions), checked when the trigger is saved and again here before each run.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.utils import cstr

from everstep_flow.engine import seams as core
from everstep_flow.engine.expressions import Refused, check_condition, guarded, render_template
from everstep_flow.hosts.resolvers import derived_fields, derived_values


def source_fields(doctype: str) -> set[str]:
	"""The fields a trigger's condition and subject may read: the document type's data fields and the standard
	ones."""
	meta = frappe.get_meta(doctype)
	return (
		{df.fieldname for df in meta.fields if df.fieldtype not in no_value_fields}
		| set(core.STANDARD_FIELDS)
		| set(derived_fields(doctype))
	)


def plain_values(doc) -> frappe._dict:
	"""The document's own values as plain data (text, numbers, None): no methods, no child rows, no metadata."""
	values = frappe._dict()
	for key, value in doc.as_dict(no_child_table_fields=True).items():
		if isinstance(value, list | dict) or key.startswith("_"):
			continue
		values[key] = value if value is None or isinstance(value, str | int | float | bool) else cstr(value)
	for key, value in derived_values(doc).items():
		values[key] = cstr(value)
	return values


def condition_holds(condition: str, doc) -> bool:
	"""A trigger's condition over the document's values: checked again (one saved before the rules may be
	anything), then Frappe's safe_eval with nothing in scope but `doc`, a plain dict."""
	check_condition(condition, source_fields(doc.doctype), document="doc")
	return bool(frappe.safe_eval(condition, None, {"doc": frappe._dict(guarded(plain_values(doc)))}))


def subject_of(trigger, source, values: dict | None = None) -> str | None:
	"""The trigger's subject over the document's values (`values`: its plain_values, when the caller has them)."""
	if not trigger.subject:
		return None
	values = plain_values(source) if values is None else values
	try:
		subject = render_template(trigger.subject, values, source_fields(source.doctype))
	except Refused as e:
		frappe.throw(_("subject: {0}").format(e), frappe.ValidationError)
	return subject.strip()[:140] or None
