"""When each user last committed a change to the process, in Redis's clock: a copy of a report begun before it is
not served to them (read-your-writes; visibility.report_copies). Kept only where the site keeps report copies."""

from __future__ import annotations

import frappe
from frappe.utils import cint

# Site config: seconds a copy of a visibility report stays fresh; 0 or absent keeps no copies (the default)
COPIES_CONF = "everstep_flow_report_copies"
_FLAG = "flow_mark_written"


def copies_seconds() -> int:
	if frappe.flags.in_test and not frappe.flags.flow_copies_in_test:
		return 0  # a test's writes never commit, so the mark that makes a user's own change show never comes
	return max(0, cint(frappe.conf.get(COPIES_CONF)))


def redis_now() -> float:
	"""Redis's time: one clock for every web and background worker, on every host."""
	seconds, micro = frappe.cache.execute_command("TIME")
	return int(seconds) + int(micro) / 1_000_000


def _key(user: str) -> str:
	return frappe.cache.make_key(f"everstep_flow:written:{user}")


def note_change() -> None:
	"""The session user is changing the process (the ledger calls this as it writes): remember when, once the
	change has committed (marked after the commit, so a copy begun after the mark has it)."""
	if not copies_seconds() or frappe.local.flags.get(_FLAG):
		return
	frappe.local.flags[_FLAG] = True
	user = frappe.session.user
	frappe.db.after_commit.add(lambda: _mark(user))
	frappe.db.after_rollback.add(lambda: frappe.local.flags.pop(_FLAG, None))


def _mark(user: str) -> None:
	frappe.local.flags.pop(_FLAG, None)
	from everstep_flow.engine.report_copies import lifetime

	frappe.cache.execute_command("SET", _key(user), repr(redis_now()), "EX", lifetime(copies_seconds()))


def written_at(user: str) -> float | None:
	raw = frappe.cache.execute_command("GET", _key(user))
	return None if raw is None else float(raw)
