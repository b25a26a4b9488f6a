"""What every part of the sweep shares: its report, the capped read of what is due, and the compare-and-set updates
that make two workers nudge once."""

from __future__ import annotations

from dataclasses import dataclass

import frappe

CHUNK = 500


@dataclass
class Report:
	overdue_tasks: int = 0
	late_handoffs: int = 0
	follow_ups: int = 0
	stale_requests: int = 0
	sla_changes: int = 0
	firings_requeued: int = 0
	handoffs_told: int = 0  # arrivals whose job was lost
	more_queued: bool = False
	# The scheduled sweep commits each nudged item with its notice and events (a worker that stops midway leaves
	# the rest to the next run, which the compare-and-set keeps from nudging twice). In one transaction, its first
	# run over the load site's backlog held the rows it wrote, among them each recipient's "unseen" flag (Frappe
	# marks it per user with every notice), for five minutes under load: the arrival jobs telling those agents
	# waited on them, and the agents' moves on the handoffs those jobs held waited 80-100 s
	commit_each: bool = False

	def as_dict(self) -> dict:
		return {k: v for k, v in self.__dict__.items() if k != "commit_each"}

	def settle(self) -> None:
		"""After one item is done (its level raised and its notice sent), or skipped."""
		if self.commit_each:
			frappe.db.commit()


def candidates(query, report: Report) -> list:
	rows = query.limit(CHUNK).run(as_dict=True)
	if len(rows) == CHUNK:
		report.more_queued = True
	return rows


def raise_level(table, name: str, column, sent: int, level: int) -> bool:
	"""Compare-and-set: True only for the one worker that moved the level from `sent` to `level`."""
	update = frappe.qb.update(table).set(column, level).where((table.name == name) & (column == sent))
	return won(update)


def won(update) -> bool:
	"""Run a guarded UPDATE; did it change the row? MariaDB answers 0 rows to the worker that came second.
	PostgreSQL (REPEATABLE READ) raises a serialization error instead: inside a savepoint, that is the same answer,
	and the rest of the sweep goes on."""
	if frappe.db.db_type != "postgres":
		update.run()
		return frappe.db._cursor.rowcount == 1
	frappe.db.savepoint("flow_cas")
	try:
		update.run()
	except Exception as e:
		if getattr(e, "pgcode", None) != "40001":
			raise
		frappe.db.rollback(save_point="flow_cas")
		return False
	won = frappe.db._cursor.rowcount == 1
	frappe.db.release_savepoint("flow_cas")
	return won


def mark_once(table, name: str, column, value, now) -> bool:
	"""Record that `name` was nudged for `value` (a due date), unless a worker already did: the guarded update
	that makes two sweeps nudge once."""
	return won(
		frappe.qb.update(table)
		.set(column, value)
		.set(table.modified, now)
		.where((table.name == name) & (column.isnull() | (column != value)))
	)
