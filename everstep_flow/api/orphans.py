"""REST: /api/method/everstep_flow.api.orphans.check_orphans (Flow Managers)."""

from dataclasses import asdict

import frappe
from frappe.utils import now_datetime

from everstep_flow.base.door import endpoint
from everstep_flow.teams.membership import is_manager
from everstep_flow.visibility.orphans import check_orphans as _check

CARD_SECONDS = 300


@endpoint(methods=("GET", "POST"))
@frappe.read_only()  # served by a read replica where the site has one
def check_orphans() -> list[dict]:
	"""Open requests with no open task, tasks of teams nobody can work, claims held by unavailable people,
	and requests whose next step is unclear."""
	# Not frappe.only_for: it allows everyone while tests run, so it could never be tested.
	if not is_manager():
		frappe.throw(frappe._("Only a Flow Manager can run the no-orphan check."), frappe.PermissionError)
	return [asdict(f) for f in _check()]


def _card_filters(filters) -> None:
	"""What a number card sends: nothing, an object, or a list of [doctype, field, operator, value] rows (this card
	counts the same whatever they say, but a door answers what it was given)."""
	if isinstance(filters, str):
		if len(filters) > 10_000:
			frappe.throw(frappe._("filters: too long"), frappe.ValidationError)
		try:
			filters = frappe.parse_json(filters) if filters.strip() else None
		except ValueError:
			frappe.throw(frappe._("filters: expected an object or a list of filters"), frappe.ValidationError)
	if filters is None or isinstance(filters, dict):
		return
	if isinstance(filters, list) and all(isinstance(row, list | tuple) for row in filters):
		return
	frappe.throw(frappe._("filters: expected an object or a list of filters"), frappe.ValidationError)


@endpoint(methods=("GET", "POST"))
@frappe.read_only()  # served by a read replica where the site has one (a card)
def leak_count(filters: dict | str | None = None) -> int:
	"""The workspace's "Open Leaks" number card: the lines of the Leak Audit report this user may see. Counted at
	most every 5 minutes per user: the audit reads all open work, and the workspace loads on every visit."""
	from everstep_flow.everstep_flow.report.leak_audit.leak_audit import audit

	_card_filters(filters)
	key = f"everstep_flow:leak_count:{frappe.session.user}"
	count = frappe.cache.get_value(key)
	if count is None:
		count = sum(audit(now_datetime(), shown=0)[1].values())  # counted, not built
		frappe.cache.set_value(key, count, expires_in_sec=CARD_SECONDS)
	return count
