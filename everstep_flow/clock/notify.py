"""Notices that reach people where they read: Frappe's Notification Log (the bell), of a type Frappe mails, so that
each person's Notification Settings decide about email and Frappe's email queue sends it. Which type, who is told
and with what words is decided in `engine/notices.py`.

Three things are told:
- a handoff arriving at a team: its available members (else its lead), by a job once the move has committed, so
  a move that rolls back tells nobody and the move itself pays no query for it (`on_handoff_inserted`);
- the sweep's nudges and escalations, and due follow-ups: `clock/nudges.py` calls `tell` in the sweep's own
  transaction; the mail Frappe queues is written in that transaction too, so a sweep that rolls back mails nobody,
  and the sweep's compare-and-set already makes each nudge happen once across sweeps and workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.query_builder import DocType
from frappe.utils import add_to_date
from pypika.terms import ExistsCriterion

from everstep_flow.base.door import job_transaction
from everstep_flow.engine import notices
from everstep_flow.engine import states as S
from everstep_flow.visibility.orphans import available_members_of

ARRIVAL_JOB = "everstep_flow.clock.notify.arrival_job"


def can_mail() -> bool:
	"""Whether Frappe has an outgoing account to mail through (its own lookup, cached per request or job)."""
	return bool(EmailAccount.find_outgoing())


def tell(
	users: Iterable[str], doctype: str, name: str, subject: str, *, from_user: str | None = None
) -> list[str]:
	"""One Notification Log per person, in the caller's transaction. Frappe's own after_insert rings the bell
	(after commit) and, where the person's Notification Settings allow this type, queues the mail. `subject` is
	plain text; it is escaped here. Returns the people told."""
	users = [u for u in dict.fromkeys(users) if u]
	if not users:
		return []
	switched_off = frappe.get_all(
		"Notification Settings", filters={"name": ("in", users), "enabled": 0}, pluck="name"
	)
	told = notices.to_tell(users, switched_off)
	kind = notices.notice_type(can_mail())
	text = notices.plain(subject)
	with _queued_not_sent():
		for user in told:
			frappe.get_doc(
				{
					"doctype": "Notification Log",
					"for_user": user,
					"from_user": from_user,
					"type": kind,
					"document_type": doctype,
					"document_name": name,
					"subject": text,
				}
			).insert(ignore_permissions=True)
	return told


@contextmanager
def _queued_not_sent() -> Iterator[None]:
	"""Frappe queues a notification's mail in the caller's transaction and its email queue sends it after commit;
	under tests only, it sends at once (`now=frappe.flags.in_test`), and sending commits, which would end every
	test's rollback midway. There the mail stays queued, as in production (Frappe's own mute_emails flag)."""
	muted = frappe.flags.mute_emails
	frappe.flags.mute_emails = muted or bool(frappe.flags.in_test)
	try:
		yield
	finally:
		frappe.flags.mute_emails = muted


def on_handoff_inserted(handoff) -> None:
	"""Flow Handoff after_insert: the arrival is told by a job after the move commits (no query in the move)."""
	frappe.enqueue(ARRIVAL_JOB, queue="short", handoff=handoff.name, enqueue_after_commit=True)


def arrival_job(handoff: str) -> list[str]:
	"""The job after the move's commit: `handoff_arrived` in a transaction of its own, run again when it collides
	with another (Frappe marks a person's notifications unseen on one row per user: two notices to the same person
	at once deadlock on MariaDB and fail serialization on PostgreSQL). Whatever still fails, the sweep catches up."""
	return job_transaction(handoff_arrived, handoff)


def handoff_arrived(handoff: str) -> list[str]:
	"""The job: tell the receiving team that a handoff waits for them, once. The handoff's row is locked while it
	runs, so a second run waits and then finds it told; a handoff already accepted or returned is not told."""
	row = frappe.db.get_value(
		"Flow Handoff",
		handoff,
		["status", "from_team", "to_team", "to_task", "sent_by"],
		as_dict=True,
		for_update=True,
	)
	if not row or row.status != S.PENDING or not row.to_team:
		return []
	if frappe.db.exists("Notification Log", {"document_type": "Flow Handoff", "document_name": handoff}):
		return []  # told already
	lead = frappe.get_cached_value("Flow Team", row.to_team, "lead")
	users = notices.arrival_recipients(available_members_of(row.to_team), lead, row.sent_by)
	title = frappe.db.get_value("Flow Task", row.to_task, "title") if row.to_task else None
	subject = notices.arrival_subject(row.from_team, row.to_team, title)
	return tell(users, "Flow Handoff", handoff, subject, from_user=row.sent_by)


def catch_up_arrivals(
	now, *, after_minutes: int = 10, within_minutes: int = 60, limit: int = 200, settle=None
) -> int:
	"""The sweep: a pending handoff whose arrival job was lost (a worker killed mid-run) is told now. Only handoffs
	old enough for their job to have run and younger than an hour (later, the late-handoff nudges of the ladder
	speak for it); each is told once (the job's own lock and check)."""
	handoff, log = DocType("Flow Handoff"), DocType("Notification Log")
	told = (
		frappe.qb.from_(log)
		.select(log.name)
		.where((log.document_type == "Flow Handoff") & (log.document_name == handoff.name))
	)
	names = (
		frappe.qb.from_(handoff)
		.select(handoff.name)
		.where(
			(handoff.status == S.PENDING)
			& (handoff.creation < add_to_date(now, minutes=-after_minutes))
			& (handoff.creation > add_to_date(now, minutes=-within_minutes))
			& ~ExistsCriterion(told)
		)
		.limit(limit)
	).run(pluck=True)
	for name in names:
		handoff_arrived(name)
		if settle:
			settle()  # the scheduled sweep commits each: a notice holds its recipients' unseen-flag rows
	return len(names)
