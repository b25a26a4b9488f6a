"""Seam 2 of the audit: a host document (a deal, a ticket) that should have started work and did not: a firing that
failed or was lost, a document an enabled trigger matches that never fired, a source that was lost or closed while
its request was still open."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _

from everstep_flow.engine import seams as trigger_core
from everstep_flow.engine import states as S
from everstep_flow.hosts import installed
from everstep_flow.seams.trigger_values import condition_holds
from everstep_flow.seams.triggers import FIRING, missed
from everstep_flow.visibility.seam_audit import LIMIT, leak

CLOSED_SOURCE_STATES = ("Lost", "Closed", "Cancelled", "Resolved")


def deals(start: datetime, end: datetime) -> list[dict]:
	found = [
		leak(
			_("missed seam: the trigger fired, no request"),
			FIRING,
			f.name,
			f.creation,
			f"{f.trigger}: {f.reference_doctype} {f.reference_name} ({f.error or f.status})",
		)
		for f in missed()
		if start <= f.creation < end
	]
	found.extend(_never_fired(start, end))
	found.extend(_lost_sources())
	return found


def _never_fired(start: datetime, end: datetime) -> list[dict]:
	"""Documents an enabled trigger matches (New, or Field Becomes Value) that have no firing: the hook never saw
	them (made before the trigger was enabled, imported, written around Frappe)."""
	found = []
	for trigger in frappe.get_all("Flow Trigger", filters={"enabled": 1}, pluck="name"):
		doc = frappe.get_cached_doc("Flow Trigger", trigger)
		if not installed(doc.document_type) or doc.event == trigger_core.VALUE_CHANGE:
			continue
		filters = {"creation": ("between", (start, end))}
		if doc.event == trigger_core.BECOMES:
			filters = {
				"modified": ("between", (start, end)),
				doc.field: ("in", trigger_core.trigger_values(doc.get("values"))),
			}
		candidates = frappe.get_all(doc.document_type, filters=filters, pluck="name", limit=LIMIT)
		if not candidates:
			continue
		# Names may be integers (Helpdesk's tickets); a firing keeps them as text.
		fired = set(
			frappe.get_all(
				FIRING,
				filters={"trigger": trigger, "reference_name": ("in", [str(c) for c in candidates])},
				pluck="reference_name",
			)
		)
		for name in candidates:
			if str(name) in fired:
				continue
			source = frappe.get_doc(doc.document_type, name)
			if doc.condition:
				try:
					if not condition_holds(doc.condition, source):
						continue
				except Exception:
					pass  # a condition that fails is a leak too
			found.append(
				leak(
					_("matches an enabled trigger but has no request"),
					doc.document_type,
					name,
					source.modified,
					trigger,
				)
			)
	return found


def _lost_sources() -> list[dict]:
	"""Requests that run on although the deal or ticket that started them was lost or closed."""
	found = []
	request = frappe.qb.DocType("Flow Request")
	# `> ''`: set (neither NULL nor empty), said so that the index on (source_doctype, status) reads only the few
	# requests with a source (600 of 100,000 on the load site)
	rows = (
		frappe.qb.from_(request)
		.select(request.name, request.source_doctype, request.source_name, request.subject)
		.where(
			(request.source_doctype > "")
			& request.status.isin(S.REQ_OPEN_STATES)
			& (request.source_name > "")
		)
		.limit(5000)
	).run(as_dict=True)
	by_doctype: dict[str, list] = {}
	for r in rows:
		by_doctype.setdefault(r.source_doctype, []).append(r)
	for doctype, requests in by_doctype.items():
		if not installed(doctype):
			continue
		meta = frappe.get_meta(doctype)
		fields = ["name", "docstatus", "modified"] + (["status"] if meta.has_field("status") else [])
		sources = {
			str(s.name): s
			for s in frappe.get_all(
				doctype, filters={"name": ("in", [r.source_name for r in requests])}, fields=fields
			)
		}
		for r in requests:
			s = sources.get(str(r.source_name))
			if s is None:
				found.append(
					leak(
						_("its source was deleted while it runs"),
						"Flow Request",
						r.name,
						None,
						f"{doctype} {r.source_name}",
					)
				)
			elif s.docstatus == 2 or s.get("status") in CLOSED_SOURCE_STATES:
				state = _("Cancelled") if s.docstatus == 2 else s.status
				found.append(
					leak(
						_("its source was {0} while it runs").format(state),
						"Flow Request",
						r.name,
						s.modified,
						f"{doctype} {r.source_name}",
					)
				)
	return found


# 3. task -> call ---------------------------------------------------------------------------------------------
