"""The doctypes that have an enabled Flow Trigger, shared by every web and background worker (issue 18).

`seams.triggers.on_change` runs for every save of every document and must return without a query for a doctype
with no enabled trigger: it asks `triggered_doctypes`, a set kept in Redis.
"""

from __future__ import annotations

import frappe

from everstep_flow.base import fresh

# Not the 0.9 key, whose value Frappe pickled: a stored set here is always the JSON that base.fresh writes
CACHE_KEY = "everstep_flow:trigger_set"
GEN_KEY = "everstep_flow:trigger_set_generation"
CACHE_SECONDS = 6 * 3600  # a safety net only: a drop lost between commit and Redis heals by itself
_ENABLED = "select `name`, `document_type` from `tabFlow Trigger` where `enabled` = 1 order by `name`"


def _read(db) -> dict[str, list[str]]:
	by_doctype: dict[str, list[str]] = {}
	for name, doctype in db.sql(_ENABLED):
		by_doctype.setdefault(doctype, []).append(name)
	return by_doctype


def triggered_doctypes() -> dict[str, list[str]]:
	"""Doctype -> names of its enabled triggers; from Redis (and this request's memory), never a query warm.

	Shared by every web and background worker, stored only as read on a fresh connection while the generation held
	still (base.fresh): no request that read the triggers before a save committed can leave the old set behind
	(issue 18), and a 200 from a save is in effect for the next save of a host document on any worker. The firing
	itself rereads the trigger's row in the host's transaction."""
	memo = frappe.local.flags.flow_triggered_doctypes
	if memo is None:
		if frappe.local.flags.flow_triggers_changed:
			memo = _read(frappe.db)  # saved in this transaction, not committed: only this request sees it
		else:
			memo = fresh.load(CACHE_KEY, GEN_KEY, _read, CACHE_SECONDS)
		frappe.local.flags.flow_triggered_doctypes = memo
	return memo


def forget_triggers(doc=None, method=None) -> None:
	"""A trigger was saved or deleted: this request reads the triggers from its own transaction from now on; once it
	commits, a new generation, and the shared set is dropped."""
	frappe.local.flags.flow_triggered_doctypes = None
	frappe.local.flags.flow_triggers_changed = True
	frappe.db.after_commit.add(_committed)
	frappe.db.after_rollback.add(_forget_local)


def _forget_local() -> None:
	frappe.local.flags.flow_triggered_doctypes = None
	frappe.local.flags.flow_triggers_changed = False


def _committed() -> None:
	_forget_local()
	fresh.bump(GEN_KEY)
	frappe.cache.delete_value(CACHE_KEY)
