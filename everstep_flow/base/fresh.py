"""Caches that decide behaviour, shared by every web and background worker through Redis (issue 18).

A request that read the database before another committed must never store what it saw: it would bring the old
state back for everyone, and no later delete would come. So a value is stored only when it was read on a connection
of its own, opened after the reader looked at the cache's generation number, and only if that number has not moved
since; whoever changes what the cache holds bumps the number after committing and then drops the stored values.
Either the stored value was read after the change committed, or the bump comes after the store and the drop removes
it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import frappe

_STORE_IF_SAME_GENERATION = """
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
	return 1
end
return 0
"""


@contextmanager
def connection():
	"""A database connection of its own: its first read starts a snapshot of what is committed now."""
	from frappe.database import get_db

	conf = frappe.local.conf
	db = get_db(
		host=conf.db_host,
		port=conf.db_port,
		user=conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	try:
		yield db
	finally:
		db.close()


def generation(gen_key: str) -> str:
	raw = frappe.cache.get(frappe.cache.make_key(gen_key))
	return raw.decode() if isinstance(raw, bytes) else str(raw or 0)


def bump(gen_key: str) -> int:
	"""After a commit that changes what a cache holds, before its stored values are dropped."""
	return frappe.cache.incr(frappe.cache.make_key(gen_key))


def peek(key: str) -> Any:
	"""The value stored under `key`, or None (nothing stored, or not ours to read: written by an older version)."""
	raw = frappe.cache.get(frappe.cache.make_key(key))
	try:
		return None if raw is None else json.loads(raw)
	except ValueError:
		return None


def load(key: str, gen_key: str, read: Callable[[Any], Any], seconds: int) -> Any:
	"""The value stored under `key`, else `read(db)` on a fresh connection, stored if the generation held still."""
	stored = peek(key)
	if stored is not None:
		return stored
	made = frappe.cache.make_key(key)
	gen = generation(gen_key)
	with connection() as db:
		value = read(db)
	frappe.cache.eval(
		_STORE_IF_SAME_GENERATION,
		2,
		made,
		frappe.cache.make_key(gen_key),
		gen,
		json.dumps(value),
		seconds,
	)
	return value
