"""Arguments of the REST doors, checked before anything is read or written.

Every whitelisted method passes what the caller sent through these functions first, so a missing argument, a list or
object where text belongs, a megabyte of text or a NUL byte is refused with a message naming the argument, instead of
reaching the database (where MariaDB truncates or fails, and PostgreSQL rejects NUL bytes) or a filter (where a dict
would be read as a query).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from everstep_flow.engine.values import plain

NAME_LENGTH = 140  # Frappe's document names (varchar 140)
REASON_LENGTH = 2_000  # reasons and notes a person types (stored in Small Text)
TEXT_LENGTH = 10_000  # comments and replies
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}([ T][0-9:.]{0,15})?")


class ArgumentError(ValueError):
	"""A bad argument: `argument` names it, `problem` says what is wrong, for the caller to fix."""

	def __init__(self, argument: str, problem: str):
		self.argument = argument
		self.problem = problem
		super().__init__(f"{argument}: {problem}")


def _describe(value: Any) -> str:
	if isinstance(value, bool):
		return "true/false"
	if isinstance(value, int | float):
		return "a number"
	if isinstance(value, dict):
		return "an object"
	if isinstance(value, list | tuple | set):
		return "a list"
	return type(value).__name__


def text(
	value: Any,
	argument: str,
	*,
	required: bool = True,
	max_length: int = NAME_LENGTH,
	multiline: bool = False,
	markup: bool = False,
) -> str | None:
	"""A piece of text, stripped, its markup removed (`markup=True` keeps it, for names). Empty is None (or refused
	when required)."""
	if value is None or (isinstance(value, str) and not value.strip()):
		if required:
			raise ArgumentError(argument, "is required")
		return None
	if not isinstance(value, str):
		raise ArgumentError(argument, f"expected text, got {_describe(value)}")
	if "\x00" in value:
		raise ArgumentError(argument, "must not contain NUL characters")
	value = (value if markup else plain(value)).strip()
	if not value and required:
		raise ArgumentError(argument, "is required")
	if len(value) > max_length:
		raise ArgumentError(argument, f"is too long ({len(value)} characters, at most {max_length})")
	if not multiline and ("\n" in value or "\r" in value):
		raise ArgumentError(argument, "must be a single line")
	return value


def name(value: Any, argument: str, *, required: bool = True) -> str | None:
	"""A document name: one line of at most 140 characters."""
	return text(value, argument, required=required, max_length=NAME_LENGTH, markup=True)


def reason(value: Any, argument: str = "reason", *, required: bool = True) -> str | None:
	"""What a person writes to explain a move (block, return, cancel)."""
	return text(value, argument, required=required, max_length=REASON_LENGTH, multiline=True)


def flag(value: Any, argument: str, *, default: bool = False) -> bool:
	"""A yes/no: true/false, 0/1 or their text forms (as forms and query strings send them)."""
	if value is None or value == "":
		return default
	if isinstance(value, bool):
		return value
	if isinstance(value, int) and value in (0, 1):
		return bool(value)
	if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
		return value.strip().lower() in TRUE
	raise ArgumentError(argument, "expected true or false (1 or 0)")


def mapping(value: Any, argument: str, *, max_length: int = 100_000) -> dict[str, Any]:
	"""An object of fieldname: value, sent as JSON text or as an object. Empty is {}."""
	if value is None or value == "":
		return {}
	if isinstance(value, str):
		if len(value) > max_length:
			raise ArgumentError(argument, f"is too long ({len(value)} characters, at most {max_length})")
		try:
			value = json.loads(value)
		except ValueError:
			raise ArgumentError(argument, "is not valid JSON")
	if not isinstance(value, dict):
		raise ArgumentError(argument, f"expected an object of fieldname: value, got {_describe(value)}")
	for key in value:
		if not isinstance(key, str) or not key or len(key) > NAME_LENGTH or "\x00" in key:
			raise ArgumentError(argument, "every fieldname must be a short piece of text")
	return value


def number(
	value: Any,
	argument: str,
	*,
	required: bool = True,
	minimum: float | None = None,
	maximum: float | None = None,
) -> float | None:
	"""A number, sent as JSON number or text ("12", "12.5")."""
	if value is None or (isinstance(value, str) and not value.strip()):
		if required:
			raise ArgumentError(argument, "is required")
		return None
	if isinstance(value, bool) or not isinstance(value, int | float | str):
		raise ArgumentError(argument, f"expected a number, got {_describe(value)}")
	try:
		result = float(value)
	except ValueError:
		raise ArgumentError(argument, "is not a number")
	if result != result or result in (float("inf"), float("-inf")):
		raise ArgumentError(argument, "is not a number")
	if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
		raise ArgumentError(argument, f"must be between {minimum} and {maximum}")
	return result


def integer(value: Any, argument: str, *, default: int, minimum: int = 0, maximum: int = 10**9) -> int:
	"""A whole number (paging: start, limit); empty is the default."""
	if value is None or value == "":
		return default
	result = number(value, argument, minimum=minimum, maximum=maximum)
	if result is None or result != int(result):
		raise ArgumentError(argument, "must be a whole number")
	return int(result)


def names(value: Any, argument: str, *, max_items: int = 50) -> list[str]:
	"""A list of short names: a JSON list, a list, or comma-separated text. Empty is []."""
	if value is None or value == "":
		return []
	if isinstance(value, str):
		stripped = value.strip()
		if stripped.startswith("["):
			try:
				value = json.loads(stripped)
			except ValueError:
				raise ArgumentError(argument, "is not valid JSON")
		else:
			value = [part.strip() for part in stripped.split(",") if part.strip()]
	if not isinstance(value, list | tuple):
		raise ArgumentError(argument, f"expected a list, got {_describe(value)}")
	if len(value) > max_items:
		raise ArgumentError(argument, f"has too many items (at most {max_items})")
	return [name(item, argument) for item in value]


def day(value: Any, argument: str) -> date | None:
	"""A date given as YYYY-MM-DD (a time after it is ignored), a date or a datetime; None when empty.

	Checked here rather than by Frappe's getdate, whose refusal echoes the raw text inside <strong>."""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if not isinstance(value, str) or not _DAY.fullmatch(value.strip()):
		raise ArgumentError(argument, "is not a date (YYYY-MM-DD)")
	try:
		return date.fromisoformat(value.strip()[:10])
	except ValueError:
		raise ArgumentError(argument, "is not a date (YYYY-MM-DD)")
