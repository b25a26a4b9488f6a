"""Copies of the visibility reports' figures, per user and filters, where the site keeps them (site config
`everstep_flow_report_copies`: seconds a copy stays fresh; off by default). The decision is the core's
(engine.report_copies); this keeps the copies in Redis and refreshes them behind the user's back.

Why: on the load site a month's report costs 0.05-0.14 s of reading, three to five times a ToDo report view, and a
hundred people at once make every such cost wait longer (issue 23). A copy is a Flow Manager's own: read as them,
kept under their name and the filters, served only while they are still a manager. Frappe's query_report.run still
checks the report's roles and the user's permissions on every call (its get_filtered_data runs after us), and the
figures carry the moment they were read."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import frappe
from frappe import _
from frappe.utils import convert_utc_to_system_timezone, format_datetime
from frappe.utils.response import json_handler

from everstep_flow.base.writers import copies_seconds, redis_now, written_at
from everstep_flow.engine.report_copies import decide, lifetime
from everstep_flow.teams.membership import is_manager

EVENT = "everstep_flow_report_refreshed"
# Seconds a replica may trail the primary: a copy read there is dated that much earlier, so a user's change
# committed just before it was read (and perhaps not yet replicated) still reads again. The load site's replica
# trailed by 0 s at rest and under 100 users (a minute only after a bulk load of 2,000,000 events).
REPLICA_LAG = 5
_VERSION = 1  # of what a copy holds: a change of shape forgets the old copies

# Store a copy unless one begun later is there already (two refreshes racing: the later reading wins)
_STORE_IF_LATER = """
local at = redis.call('HGET', KEYS[1], 'at')
if at and tonumber(at) >= tonumber(ARGV[1]) then
	return 0
end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'body', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


def served(report: str, module: str, filters: dict, now=None) -> tuple:
	"""The result of `module`.compute(filters, now) for the session user, from their copy where the core says so.
	Only those who see every team (Flow Managers) have copies: anyone else's figures hang on which requests they
	may open, which a share or a user permission changes without a trace here, so theirs are read every time (and
	are smaller). A report asked for a given moment (`now`, tests and back-dated runs) is always read."""
	fresh = copies_seconds()
	compute = frappe.get_attr(f"{module}.compute")
	user = frappe.session.user
	if not fresh or now is not None or not is_manager(user):
		return compute(filters, now)
	key = _key(module, filters, user)
	at, body = frappe.cache.execute_command("HMGET", key, "at", "body")
	copy_at = float(at) if at is not None and body is not None else None
	decision = decide(copy_at, written_at(user), redis_now(), fresh)
	if decision == "read":
		return _read_and_keep(key, compute, filters, fresh)
	if decision == "serve_and_refresh":
		frappe.enqueue(
			"everstep_flow.visibility.report_copies.refresh",
			queue="short",
			job_id=f"everstep_flow_report_copy::{key.rpartition(':')[2]}",
			deduplicate=True,
			now=frappe.flags.in_test,  # a test's copy is refreshed at once, not by a worker of the bench
			report=report,
			module=module,
			filters=filters,
		)
	return tuple(json.loads(body))


def refresh(report: str, module: str, filters: dict) -> None:
	"""Background: read the report again for the user who asked (the job runs as them), keep it, tell their desk."""
	fresh = copies_seconds()
	if not fresh:
		return
	key = _key(module, filters, frappe.session.user)
	at = frappe.cache.execute_command("HGET", key, "at")
	if not is_manager() or decide(None if at is None else float(at), None, redis_now(), fresh) == "serve":
		return  # no longer a manager, or refreshed meanwhile
	frappe.read_only()(_read_and_keep)(key, frappe.get_attr(f"{module}.compute"), filters, fresh)
	frappe.publish_realtime(EVENT, {"report": report}, user=frappe.session.user)


def _read_and_keep(key: str, compute, filters: dict, fresh: int) -> tuple:
	began = redis_now()  # before reading: the copy vouches for what was committed by then
	result = list(compute(filters, None))
	while len(result) < 5:
		result.append(None)
	# the message slot, shown above the grid (the Five Seam Audit has a message of its own)
	result[2] = " · ".join(filter(None, [result[2], as_of_message(began)]))
	body = json.dumps(result, default=json_handler, separators=(",", ":"))
	if frappe.conf.get("read_from_replica"):
		began -= REPLICA_LAG  # read from a replica: it vouches only for what had reached it
	frappe.cache.eval(_STORE_IF_LATER, 1, key, repr(began), body, lifetime(fresh))
	return tuple(result)


def as_of_message(began: float) -> str:
	moment = convert_utc_to_system_timezone(
		datetime.fromtimestamp(began, tz=timezone.utc).replace(tzinfo=None)
	)
	return _("Figures as of {0}").format(format_datetime(moment.replace(tzinfo=None), "HH:mm:ss"))


def _key(module: str, filters: dict, user: str) -> str:
	"""Whose figures these are: the user (a Flow Manager) and the filters."""
	scope = [_VERSION, module, user, filters]
	digest = hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode()).hexdigest()[:40]
	return frappe.cache.make_key(f"everstep_flow:report_copy:{digest}").decode()
