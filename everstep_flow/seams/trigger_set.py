"""The doctypes that have an enabled Flow Trigger, shared by every web and background worker (issue 18).

`seams.triggers.on_change` runs for every save of every document and must return without a query for a doctype
with no enabled trigger: it asks `triggered_doctypes`, a set kept in Redis.
"""

from __future__ import annotations

import frappe

from everstep_flow.runtime import fresh

CACHE_KEY = "everstep_flow:triggered_doctypes"


def _enabled_triggers() -> dict[str, list[str]]:
	rows = frappe.get_all(
		"Flow Trigger", filters={"enabled": 1}, fields=["name", "document_type"], order_by="name asc"
	)
	by_doctype: dict[str, list[str]] = {}
	for row in rows:
		by_doctype.setdefault(row.document_type, []).append(row.name)
	return by_doctype


# The set of doctypes with an enabled trigger lives in Redis, shared by every web and background worker, and is
# only ever replaced by a set at least as new. Each save of a trigger, once committed, bumps a generation number,
# then reads the set (its next statement starts a fresh snapshot, which has its own commit and every commit numbered
# before it) and stores it unless a newer generation is stored already. A worker that finds no set reads the
# generation, then the set through a connection of its own (a snapshot that starts after that read: never the old
# snapshot of a long request), and stores it the same way. So no request that read the triggers before another
# committed can leave the old set behind (issue 18), and a 200 from a save is in effect for the next save of a host
# document on any worker. The firing itself rereads the trigger's row in the host's transaction.
GEN_KEY = CACHE_KEY + ":gen"
CACHE_SECONDS = 6 * 3600  # a safety net only: a store lost between commit and Redis heals by itself
_STORE_IF_NOT_OLDER = """
local stored = redis.call('GET', KEYS[1])
if stored then
	local gen = tonumber(string.match(stored, '^(%d+)|'))
	if gen and gen > tonumber(ARGV[1]) then
		return 0
	end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1
"""


def _keys() -> tuple[str, str]:
	return frappe.cache.make_key(CACHE_KEY), frappe.cache.make_key(GEN_KEY)


def _decode(raw) -> dict[str, list[str]] | None:
	if raw is None:
		return None
	text = raw.decode() if isinstance(raw, bytes) else str(raw)
	_gen, _sep, payload = text.partition("|")
	try:
		return frappe.parse_json(payload)
	except Exception:
		return None


def _store(gen: int | str, found: dict[str, list[str]]) -> None:
	data_key, _gen_key = _keys()
	frappe.cache.eval(
		_STORE_IF_NOT_OLDER, 1, data_key, str(gen), frappe.as_json(found, indent=None), CACHE_SECONDS
	)


def _committed_triggers() -> dict[str, list[str]]:
	"""The enabled triggers as committed now, read on a connection of its own (a fresh snapshot)."""
	with fresh.connection() as db:
		rows = db.sql(
			"select `name`, `document_type` from `tabFlow Trigger` where `enabled` = 1 order by `name`",
			as_dict=True,
		)
	by_doctype: dict[str, list[str]] = {}
	for row in rows:
		by_doctype.setdefault(row["document_type"], []).append(row["name"])
	return by_doctype


def triggered_doctypes() -> dict[str, list[str]]:
	"""Doctype -> names of its enabled triggers; from Redis (and this request's memory), never a query warm."""
	memo = frappe.local.flags.flow_triggered_doctypes
	if memo is not None:
		return memo
	if frappe.local.flags.flow_triggers_changed:
		# Saved in this transaction, not committed: only this request sees it (until the next save of a trigger)
		frappe.local.flags.flow_triggered_doctypes = _enabled_triggers()
		return frappe.local.flags.flow_triggered_doctypes
	data_key, gen_key = _keys()
	found = _decode(frappe.cache.get(data_key))
	if found is None:
		gen = int(frappe.cache.get(gen_key) or 0)
		found = _committed_triggers()
		_store(gen, found)
	frappe.local.flags.flow_triggered_doctypes = found
	return found


def forget_triggers(doc=None, method=None) -> None:
	"""A trigger was saved or deleted: this request reads the triggers from its own transaction from now on, and
	once it commits the shared set is replaced by a newer one."""
	frappe.local.flags.flow_triggered_doctypes = None
	frappe.local.flags.flow_triggers_changed = True
	frappe.db.after_commit.add(_publish)
	frappe.db.after_rollback.add(_forget_local)


def _forget_local() -> None:
	frappe.local.flags.flow_triggered_doctypes = None
	frappe.local.flags.flow_triggers_changed = False


def _publish() -> None:
	_forget_local()
	gen = frappe.cache.incr(_keys()[1])
	# After our commit, so this read starts a snapshot that has it and every save numbered before it
	_store(gen, _enabled_triggers())
