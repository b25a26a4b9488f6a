"""Flow Trigger: another app's document starts a service by itself, once, tied to its client (seam 2).

Frappe calls `on_change` for every save of every doctype (hooks: doc_events "*"; the one hook `db_set` runs too, as
ERPNext converts an Opportunity with it); it returns before any query for a doctype with no enabled trigger
(seams.trigger_set). What a manager wrote runs as seams.trigger_values; the client is found by hosts.resolvers.
A change may be seen more than once, so each firing is keyed on (trigger, source document, target value) and
recorded once as a Flow Trigger Firing in the host's own transaction (rolled back with it). A job enqueued after the
host commits makes the request: the host's save never waits for us nor fails because of us. A failure is logged,
marked on the firing and reported as a missed seam; running a firing again never makes a second request.
"""

from __future__ import annotations

import random
import time
from typing import Any

import frappe
from frappe import _
from frappe.utils import add_to_date, cstr, now_datetime, strip_html

from everstep_flow.base import ledger
from everstep_flow.base.door import collided, quiet
from everstep_flow.engine import seams as core
from everstep_flow.hosts import client_records as clients
from everstep_flow.hosts.resolvers import client_of
from everstep_flow.requests.intake import submit_request
from everstep_flow.seams import host_posts
from everstep_flow.seams.trigger_set import triggered_doctypes
from everstep_flow.seams.trigger_values import condition_holds, plain_values, subject_of

FIRING = "Flow Trigger Firing"
ATTEMPTS = 8
# A Queued firing older than this lost its job (Redis down, worker restarted): run again
LOST_AFTER_MINUTES = 2


# ------------------------------------------------------------------------------------------- the host's save


def on_change(doc, method=None) -> None:
	"""doc_events "*": on_change. Never raises: whatever goes wrong is logged and shows as a missed seam."""
	if quiet() or doc.flags.ignore_flow_triggers or frappe.flags.flow_in_firing:
		return  # nor for what we write while starting a request (a Contact, an email link): no chains
	names = triggered_doctypes().get(doc.doctype)
	if not names:
		return
	# Reread in the host's transaction (it began after any save that answered before it): never a cached copy.
	for trigger in frappe.get_all(
		"Flow Trigger",
		filters={"document_type": doc.doctype, "enabled": 1},
		fields=["name", "event", "field", "values", "condition"],
		order_by="name asc",
	):
		name = trigger.name
		try:
			_consider(trigger, doc)
		except Exception:
			frappe.log_error(
				title=f"Flow Trigger {name}: could not consider {doc.doctype} {doc.name}",
				reference_doctype="Flow Trigger",
				reference_name=name,
			)


def _consider(trigger, doc) -> None:
	field = trigger.field if trigger.event != core.NEW else ""
	change = core.Change(
		is_new=bool(doc.flags.in_insert),
		changed=bool(field) and doc.has_value_changed(field),
		value=cstr(doc.get(field)) if field else "",
	)
	definition = core.Trigger(trigger.name, trigger.event, field, core.trigger_values(trigger.get("values")))
	value = core.firing_value(definition, change)
	if value is None:
		return
	error = None
	if trigger.condition:
		try:
			if not condition_holds(trigger.condition, doc):
				return
		except Exception as e:
			error = _("Condition failed: {0}").format(cstr(e) or type(e).__name__)
	_record(trigger.name, doc, value, error)


def _record(trigger: str, doc, value: str, error: str | None) -> None:
	key = core.firing_key(trigger, doc.doctype, doc.name, value)
	seen = frappe.local.flags.flow_firing_keys
	if seen is None:
		seen = frappe.local.flags.flow_firing_keys = set()
		frappe.db.before_rollback.add(_forget_seen)  # a rolled back firing must be recorded again
	if key in seen:
		return  # this change was seen already in this request (on_change runs twice for one conversion)
	seen.add(key)
	firing = frappe.get_doc(
		{
			"doctype": FIRING,
			"trigger": trigger,
			"reference_doctype": doc.doctype,
			"reference_name": str(doc.name),  # Helpdesk's ticket names are integers
			"value": value[:140],
			"key": key,
			"status": "Failed" if error else "Queued",
			"error": error,
			"finished_on": now_datetime() if error else None,
		}
	)
	firing.name = frappe.generate_hash(length=10)
	frappe.db.savepoint("flow_trigger")
	try:
		firing.db_insert()  # an engine record, like a ledger event: one INSERT, none of a form's checks
	except frappe.UniqueValidationError:
		# Recorded before (an earlier save, or another one at the same moment): one firing is enough.
		frappe.db.rollback(save_point="flow_trigger")
		frappe.clear_last_message()
		return
	if error:
		frappe.log_error(
			title=f"Flow Trigger {trigger} failed for {doc.doctype} {doc.name}",
			message=error,
			reference_doctype=FIRING,
			reference_name=firing.name,
		)
		return
	enqueue(firing.name)


def _forget_seen() -> None:
	frappe.local.flags.flow_firing_keys = None


def enqueue(firing: str) -> None:
	frappe.enqueue(
		"everstep_flow.seams.triggers.run_firing",
		queue="short",
		firing=firing,
		enqueue_after_commit=True,
	)  # not deduplicated (a Redis round trip per save): a second job finds the firing done and does nothing


# ------------------------------------------------------------------------------------------- the job


def run_firing(firing: str) -> str | None:
	"""Job: make (or link) the firing's request, in a transaction of its own; returns the firing's status.

	Safe on two workers and on retries: the firing row is locked and only a Queued (or, asked explicitly, Failed)
	firing runs. Collisions (two firings opening the same client's request, PostgreSQL serialization failures)
	roll back and run again, and the second run links to the request the first one made."""
	for attempt in range(1, ATTEMPTS + 1):
		try:
			status = process(firing)
			frappe.db.commit()
			return status
		except Exception as e:
			frappe.db.rollback()
			frappe.local.message_log = []
			frappe.local.flags.pop("flow_events", None)
			frappe.local.flags.pop("flow_fresh_requests", None)
			if _collision(e) and attempt < ATTEMPTS:
				time.sleep(random.uniform(0, min(0.5, 0.02 * 2**attempt)))
				continue
			fail(firing, e)
			frappe.db.commit()
			return "Failed"
	return None


def _collision(e: Exception) -> bool:
	"""Worth running again: a deadlock or serialization failure, or two firings of one new client at once that both
	created its Contact. The second's unique violation comes from the driver, or, when Frappe's insert caught it,
	as a DuplicateEntryError (PostgreSQL, under load); its next run finds the Contact the first made."""
	if collided(e) or isinstance(e, frappe.DuplicateEntryError):
		return True
	args = getattr(e, "args", None)  # Frappe's MariaDB check reads e.args[0] (see base.door.collided)
	return bool(args) and frappe.db.is_unique_key_violation(e)


def process(firing: str, retry_failed: bool = False) -> str | None:
	"""One firing in the caller's transaction: lock it, start (or link) its request, mark it done."""
	frappe.flags.flow_in_firing = True
	try:
		return _process(firing, retry_failed)
	finally:
		frappe.flags.flow_in_firing = False


def _process(firing: str, retry_failed: bool) -> str | None:
	row = frappe.db.get_value(
		FIRING,
		firing,
		["name", "trigger", "reference_doctype", "reference_name", "value", "status", "owner", "attempts"],
		as_dict=True,
		for_update=True,
	)
	allowed = ("Queued", "Failed") if retry_failed else ("Queued",)
	if not row or row.status not in allowed:
		return row.status if row else None
	trigger = frappe.get_doc("Flow Trigger", row.trigger)  # as committed now, never a cached copy
	source = frappe.get_doc(row.reference_doctype, row.reference_name)
	rows = [core.MappingRow(m.intake_field, m.source_field or "", m.value or "") for m in trigger.mapping]
	plain = plain_values(source)  # once: a CRM deal's primary contact may take a query
	values = {k: _as_text(v) for k, v in core.mapped_values(rows, plain).items()}
	client = client_of(trigger, source)
	requester, requester_email = clients.requester_of(row.owner, client)
	request = submit_request(
		trigger.service,
		values,
		subject=subject_of(trigger, source, plain),
		requester=requester,
		requester_email=requester_email,
		client=client,
		duplicates=trigger.duplicates,
		source="Trigger",
		source_doctype=row.reference_doctype,
		source_name=row.reference_name,
		trigger=trigger.name,
	)
	status = "Linked" if request.flags.flow_linked else "Done"
	frappe.db.set_value(
		FIRING,
		firing,
		{
			"status": status,
			"request": request.name,
			"attempts": (row.attempts or 0) + 1,
			"finished_on": now_datetime(),
			"error": None,
		},
		update_modified=True,
	)
	ledger.flush()
	if row.reference_doctype in host_posts.HOSTS:
		host_posts.enqueue([request.name])  # the ticket hears it started (or joined) the work
	return status


def fail(firing: str, e: Exception) -> None:
	row = frappe.db.get_value(
		FIRING, firing, ["trigger", "reference_doctype", "reference_name", "attempts"], as_dict=True
	)
	if not row:
		return
	message = strip_html(cstr(e)).strip() or type(e).__name__
	frappe.db.set_value(
		FIRING,
		firing,
		{
			"status": "Failed",
			"error": message[:2000],
			"attempts": (row.attempts or 0) + 1,
			"finished_on": now_datetime(),
		},
	)
	frappe.log_error(
		title=f"Flow Trigger {row.trigger} failed for {row.reference_doctype} {row.reference_name}",
		reference_doctype=FIRING,
		reference_name=firing,
	)


def _as_text(value: Any) -> Any:
	return value if isinstance(value, str | int | float) and not isinstance(value, bool) else cstr(value)


# ------------------------------------------------------------------------------------------- the sweep


def requeue_lost(now=None, limit: int = 200) -> int:
	"""Queued firings whose job never ran (Redis down, a worker restarted): enqueue them again (deduplicated)."""
	before = add_to_date(now or now_datetime(), minutes=-LOST_AFTER_MINUTES)
	lost = frappe.get_all(
		FIRING,
		filters={"status": "Queued", "creation": ("<", before)},
		pluck="name",
		order_by="creation asc",
		limit=limit,
	)
	for firing in lost:
		enqueue(firing)
	return len(lost)


def missed(now=None, limit: int = 500) -> list[frappe._dict]:
	"""Firings that did not start their work: failed, or queued for longer than a job takes."""
	before = add_to_date(now or now_datetime(), minutes=-LOST_AFTER_MINUTES * 5)
	fields = ["name", "trigger", "reference_doctype", "reference_name", "status", "error", "creation"]
	failed = frappe.get_all(FIRING, filters={"status": "Failed"}, fields=fields, limit=limit)
	stuck = frappe.get_all(
		FIRING, filters={"status": "Queued", "creation": ("<", before)}, fields=fields, limit=limit
	)
	return failed + stuck
