"""Every REST door of the app is declared with `@endpoint`: Frappe's whitelist, plus two promises.

1. A bad argument (engine.args) answers 417 with a message naming it, before anything is read or written.
2. A door that owns its transaction (it is the whole HTTP request) survives concurrent load: when the database says
   two transactions collided (PostgreSQL's serialization failure under REPEATABLE READ, a deadlock on either
   database), the transaction is rolled back and the door runs again from the start, a bounded number of times.
   The second run sees the first one's result, so the caller gets the same answer as on MariaDB (the request is
   created; "already claimed by ..."), never a 500.
"""

from __future__ import annotations

import functools
import json
import random
import re
import time
from collections.abc import Callable, Iterable
from urllib.parse import unquote

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow import MODULE
from everstep_flow.engine.args import ArgumentError
from everstep_flow.engine.plans import Refusal


def throw_field_problems(problems: dict[str, str], title: str) -> None:
	"""417 naming each bad field, in a list."""
	items = "".join(f"<li><b>{escape_html(k)}</b>: {escape_html(v)}</li>" for k, v in problems.items())
	frappe.throw(f"<ul>{items}</ul>", frappe.ValidationError, title=_(title))


def refused(e: Refusal) -> None:
	"""The core's refusal as Frappe's 417: one sentence for a move refused for one reason, else the list."""
	if e.one_line:
		sentence = "; ".join(f"{escape_html(k)}: {escape_html(_(v))}" for k, v in e.problems.items())
		frappe.throw(sentence, frappe.ValidationError, title=_(e.title))
	throw_field_problems(e.problems, e.title)


def decided(planner: Callable, *args, **kwargs):
	"""Ask the core for a plan; its refusal answers 417 (`refused`)."""
	try:
		return planner(*args, **kwargs)
	except Refusal as e:
		refused(e)


ATTEMPTS = 12
_BACKOFF = 0.02  # seconds; doubles per attempt, capped, with full jitter


def can_retry() -> bool:
	"""True inside a door that owns the whole transaction (so rolling it back loses nobody else's work)."""
	return bool(frappe.local.flags.flow_door_owns_transaction)


def _owns_transaction() -> bool:
	if frappe.local.flags.flow_in_door:
		return False  # a door called from another door: the outer one retries
	return getattr(frappe.local, "request", None) is not None and not frappe.flags.in_test


class Collision(frappe.ValidationError):
	"""Two transactions made the same thing at the same moment (a unique key said so); running again resolves it.
	Outside a door that can retry, the caller sees this message (417)."""


def collided(e: Exception) -> bool:
	"""Two transactions wanted the same rows: PostgreSQL's serialization failure or a deadlock (either database),
	or our own Collision."""
	if isinstance(e, Collision | frappe.QueryDeadlockError):
		return True
	if getattr(e, "pgcode", None) in ("40001", "40P01"):
		return True
	# Frappe's MariaDB check reads e.args[0]; a framework error raised without arguments (a bare
	# PermissionError) has none, and asking would turn its 403 into a 500.
	args = getattr(e, "args", None)
	return bool(args) and isinstance(args[0], int) and frappe.db.is_deadlocked(e)


def job_transaction(fn: Callable, *args, attempts: int = 3, **kwargs):
	"""Run `fn` as a background job's own transaction and commit it; when it collides with another (a deadlock, a
	serialization failure), roll back and run it again, up to `attempts` times. Anything else, or the last
	collision, is raised (the job fails, as Frappe's would)."""
	for attempt in range(1, attempts + 1):
		try:
			result = fn(*args, **kwargs)
			frappe.db.commit()  # nosemgrep: a job of its own
			return result
		except Exception as e:
			frappe.db.rollback()
			if not collided(e) or attempt == attempts:
				raise
			time.sleep(random.uniform(0, min(0.5, _BACKOFF * 2**attempt)))


def run(fn: Callable, *args, **kwargs):
	"""Run `fn` as a door: arguments errors named, collisions retried when it owns the transaction."""
	owns = _owns_transaction()
	outer = frappe.local.flags.flow_in_door, frappe.local.flags.flow_door_owns_transaction
	frappe.local.flags.flow_in_door = True
	frappe.local.flags.flow_door_owns_transaction = owns
	try:
		for attempt in range(1, ATTEMPTS + 1):
			try:
				return fn(*args, **kwargs)
			except ArgumentError as e:
				frappe.throw(str(e), frappe.ValidationError, title=_("Invalid argument"))
			except Exception as e:
				if not (owns and collided(e)):
					raise
				frappe.db.rollback()
				frappe.local.message_log = []
				if attempt == ATTEMPTS:
					frappe.throw(
						_("Too many people are changing the same work right now. Please try again."),
						frappe.ValidationError,
					)
				frappe.local.flags.pop("flow_events", None)
				frappe.local.flags.pop("flow_fresh_requests", None)
				time.sleep(random.uniform(0, min(0.5, _BACKOFF * 2**attempt)))
	finally:
		frappe.local.flags.flow_in_door, frappe.local.flags.flow_door_owns_transaction = outer


def endpoint(methods: Iterable[str] = ("POST",), allow_guest: bool = False) -> Callable:
	"""`@frappe.whitelist` for the app's REST methods, running each call through `run`."""

	def decorate(fn: Callable) -> Callable:
		@functools.wraps(fn)
		def door(*args, **kwargs):
			return run(fn, *args, **kwargs)

		return frappe.whitelist(allow_guest=allow_guest, methods=list(methods))(door)

	return decorate


_OUR_DOCTYPE = re.compile(r'"doctype"\s*:\s*"Flow ')


def _concerns_us(path: str, form: dict) -> bool:
	if "everstep_flow" in path or "/Flow " in path or "/flow/" in path:
		return True
	if str(form.get("doctype") or "").startswith("Flow ") or _our_report(form):
		return True
	return any(isinstance(v, str) and _OUR_DOCTYPE.search(v) for v in form.values())


def _our_report(form: dict) -> bool:
	"""Frappe's report doors (query_report.run, export…) name the report: one of ours is our door too."""
	name = form.get("report_name")
	if not isinstance(name, str) or not name or "\x00" in name or len(name) > 140:
		return False
	return frappe.get_cached_value("Report", name, "module") == MODULE


def _nul_in(value) -> bool:
	if isinstance(value, str):
		return "\x00" in value or ("\\u0000" in value and value.lstrip()[:1] in ("{", "["))
	if isinstance(value, dict):
		return any(_nul_in(k) or _nul_in(v) for k, v in value.items())
	if isinstance(value, list | tuple):
		return any(_nul_in(v) for v in value)
	return False


def refuse_nul_arguments() -> None:
	"""hooks: before_request. A NUL character in an argument of our doors (a form save, /api/resource, a REST
	method, one of our reports) is refused with a 417 naming the argument, before anything reads it: PostgreSQL
	cannot store it (a 500 there) and MariaDB would store it silently. Our reports' filters must be an object."""
	request = getattr(frappe.local, "request", None)
	form = frappe.local.form_dict or {}
	path = unquote(request.path) if request is not None else ""
	if not _concerns_us(path, form):
		return
	for key, value in form.items():
		if _nul_in(value):
			frappe.throw(
				_("{0}: contains a NUL character").format(escape_html(str(key).replace("\x00", ""))),
				frappe.ValidationError,
				title=_("Invalid argument"),
			)
	if _our_report(form) and not _an_object(form.get("filters")):
		# Frappe hands a report's filters to frappe._dict: a list or a number there is a 500, not a 417
		frappe.throw(_("filters: expected an object of filter: value"), frappe.ValidationError)


def _an_object(filters) -> bool:
	if isinstance(filters, str):
		try:
			filters = json.loads(filters) if filters.strip() else None
		except ValueError:
			return False
	return filters is None or isinstance(filters, dict)


def quiet() -> bool:
	"""Frappe is installing, migrating, patching or importing: what another app's save would set off here (a
	trigger, a call joining a request) waits for real use."""
	flags = frappe.flags
	return bool(
		flags.in_install
		or flags.in_install_app
		or flags.in_migrate
		or flags.in_patch
		or flags.in_import
		or flags.in_uninstall
		or flags.in_fixtures
	)
