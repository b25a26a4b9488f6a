"""Check and normalise the values a request carries: intake answers and the outputs a step hands on.

Values arrive from forms, JSON and email as strings or JSON scalars; they are stored as text. Each problem names the
field. Link targets are checked by the shell (it needs the database); everything else is decided here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from everstep_flow.engine.definition import IntakeField, ServiceDefinition

MAX_LENGTH = {"Data": 140, "Email": 140, "Phone": 40, "Select": 140, "Link": 140, "Attach": 500}
MAX_TEXT = 10_000  # Small Text, Long Text
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")  # a complete tag (or comment, doctype, processing instruction)
_OPENER = re.compile(r"<(?=[A-Za-z/!?])")  # what is left of one that never closes


def plain(text: str) -> str:
	"""Text with no markup left in it: what people type is stored as text, never as HTML.

	Frappe renders Data and Small Text fields as HTML in its forms and grids (after its own sanitizer, which keeps
	tags like `<img src=x>`), so values the engine stores lose their tags at every door. "a < b" and "<3" stay.
	"""
	for _ in range(10):  # nested leftovers ("<<b>img>") come apart one layer at a time
		cleaned = _OPENER.sub("", _TAG.sub("", text))
		if cleaned == text:
			break
		text = cleaned
	return text


class ValuesError(ValueError):
	def __init__(self, problems: dict[str, str]):
		self.problems = problems
		super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


def _empty(value: Any) -> bool:
	return value is None or (isinstance(value, str) and not value.strip())


def normalise(field: IntakeField, value: Any) -> str:
	"""Return the stored text for one value, or raise ValueError with a message for the person who typed it."""
	kind = field.fieldtype
	if isinstance(value, bool) and kind != "Check":
		raise ValueError("must not be true/false")
	if isinstance(value, dict | list | tuple | set):
		raise ValueError("must be a single value")
	text = value.strip() if isinstance(value, str) else str(value)
	if "\x00" in text:
		raise ValueError("must not contain NUL characters")
	if kind == "Check":
		low = text.lower()
		if low in TRUE:
			return "1"
		if low in FALSE:
			return "0"
		raise ValueError("must be 0 or 1")
	if kind == "Int":
		try:
			return str(int(text))
		except ValueError:
			raise ValueError("must be a whole number")
	if kind in ("Float", "Currency"):
		try:
			number = float(text)
		except ValueError:
			raise ValueError("must be a number")
		if number != number or number in (float("inf"), float("-inf")):
			raise ValueError("must be a finite number")
		return repr(number) if not number.is_integer() else str(int(number))
	if kind == "Date":
		try:
			return date.fromisoformat(text).isoformat()
		except ValueError:
			raise ValueError("must be a date as YYYY-MM-DD")
	if kind == "Datetime":
		try:
			return datetime.fromisoformat(text).isoformat(sep=" ")
		except ValueError:
			raise ValueError("must be a date and time as YYYY-MM-DD HH:MM:SS")
	if kind in ("Data", "Small Text", "Long Text"):
		text = plain(text).strip()
	limit = MAX_LENGTH.get(kind, MAX_TEXT)
	if len(text) > limit:
		raise ValueError(f"is too long ({len(text)} characters, at most {limit})")
	if kind == "Select" and text not in field.select_options:
		raise ValueError(f"must be one of: {', '.join(field.select_options)}")
	if kind == "Email" and not EMAIL.match(text):
		raise ValueError("must be an email address")
	if kind == "Phone" and not PHONE.match(text):
		raise ValueError("must be a phone number")
	return text


def check_values(
	fields: Iterable[IntakeField], values: Mapping[str, Any], required: Iterable[str] = ()
) -> dict[str, str]:
	"""Normalise `values` against `fields`; raise ValuesError naming every bad field at once.

	Unknown fieldnames are refused, so a typo in an API call is an error rather than silently lost data.
	Empty optional values are dropped. `required` lists fieldnames that must be present (besides required fields).
	"""
	by_name = {f.fieldname: f for f in fields}
	must = {f.fieldname for f in by_name.values() if f.required} | set(required)
	problems: dict[str, str] = {}
	clean: dict[str, str] = {}
	for name, value in values.items():
		field = by_name.get(name)
		if field is None:
			problems[name] = "is not a field of this service"
			continue
		if _empty(value):
			continue
		try:
			text = normalise(field, value)
		except ValueError as e:
			problems[name] = f"{field.label} {e}"
			continue
		if text:  # nothing left once cleaned (markup only): as if it was not given
			clean[name] = text
	for name in sorted(must):
		if name not in clean and name not in problems:
			label = by_name[name].label if name in by_name else name
			problems[name] = f"{label} is required"
	if problems:
		raise ValuesError(problems)
	return clean


def intake_values(defn: ServiceDefinition, values: Mapping[str, Any]) -> dict[str, str]:
	"""Values accepted at intake: only fields asked at intake."""
	return check_values([f for f in defn.intake_fields if f.at_intake], values)


def intake_context(
	defn: ServiceDefinition, values: Mapping[str, Any], relaxed: bool = False
) -> tuple[dict[str, str], dict[str, Any]]:
	"""Intake's values checked (`relaxed`, for an email: what is given is validated, nothing is required) and
	typed for the steps' conditions, in one call."""
	if relaxed:
		fields = [IntakeField(**{**f.__dict__, "required": False}) for f in defn.intake_fields if f.at_intake]
		clean = check_values(fields, values)
	else:
		clean = intake_values(defn, values)
	return clean, typed(defn, clean)


def output_values(
	defn: ServiceDefinition, step_key: str, outputs: Mapping[str, Any], existing: Mapping[str, str]
) -> dict[str, str]:
	"""Outputs a step hands on: any declared field; the step's required outputs must be present (here or before)."""
	step = defn.step(step_key)
	fields = [f for f in defn.intake_fields]
	still_missing = [k for k in step.required_outputs if _empty(existing.get(k))]
	relaxed = [IntakeField(**{**f.__dict__, "required": False}) for f in fields]
	return check_values(relaxed, outputs, required=still_missing)


def typed(defn: ServiceDefinition, values: Mapping[str, str]) -> dict[str, Any]:
	"""Stored text -> Python values for step conditions; every declared field is present (None when empty)."""
	out: dict[str, Any] = {}
	for f in defn.intake_fields:
		raw = values.get(f.fieldname)
		if raw is None or raw == "":
			out[f.fieldname] = None
		elif f.fieldtype == "Int":
			out[f.fieldname] = int(raw)
		elif f.fieldtype in ("Float", "Currency"):
			out[f.fieldname] = float(raw)
		elif f.fieldtype == "Check":
			out[f.fieldname] = raw == "1"
		else:
			out[f.fieldname] = raw
	return out
