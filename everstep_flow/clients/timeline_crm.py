"""The client timeline's Frappe CRM sources, for a CRM Organization (staff only, never the portal): its deals
(`deal`), the notes on those deals and on the organization (`crm_note`), the CRM Tasks (`crm_task`) and call logs
(`crm_call`) on those deals. CRM hangs notes, tasks and calls on a deal by a Dynamic Link, to which Frappe's User
Permissions do not apply; so they are read only on the deals the user may read (one `frappe.get_list` of the
organization's deals), each through `frappe.get_list` again, newest first and only as far as the page needs.
A call that joined a request shows twice, as it is twice: CRM's call log here, the request's `call` event there.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import strip_html

from everstep_flow.clients.timeline_sources import readable
from everstep_flow.engine.calls import item
from everstep_flow.engine.crm_calls import CALL_LOG, minutes
from everstep_flow.engine.seams import DEAL, ORGANIZATION

KINDS = ("deal", "crm_note", "crm_task", "crm_call")
MAX_DEALS = 1000  # deals of one organization whose notes, tasks and calls are looked at (the newest)


def sources(organization: str, need: int, kinds) -> list[list]:
	"""One source per wanted kind the user may read; none for a user who reads no CRM document."""
	wanted = [k for k in KINDS if k in kinds]
	if not wanted:
		return []
	found = []
	deals = _deals(organization, need if wanted == ["deal"] else MAX_DEALS) if readable(DEAL) else []
	names = [d.name for d in deals]
	if "deal" in wanted:
		found.append([_deal(d) for d in deals[:need]])
	if "crm_note" in wanted and readable("FCRM Note"):
		on_org = frappe.has_permission(ORGANIZATION, "read", organization)
		found.append(
			_notes(DEAL, names, need) + (_notes(ORGANIZATION, [organization], need) if on_org else [])
		)
	if "crm_task" in wanted and names and readable("CRM Task"):
		found.append(_tasks(names, need))
	if "crm_call" in wanted and names and readable(CALL_LOG):
		found.append(_calls(names, need))
	return found


def _deals(organization: str, limit: int) -> list:
	return frappe.get_list(
		DEAL,
		filters={"organization": organization},
		fields=["name", "creation", "owner", "status", "deal_owner", "annual_revenue"],
		order_by="creation desc, name desc",
		limit=limit,
	)


def _deal(d):
	return item(
		"deal",
		d.creation,
		actor=d.deal_owner or d.owner,
		title=f"{_(DEAL)} {d.name}: {_(d.status or '')}".strip(": "),
		reference_doctype=DEAL,
		reference_name=d.name,
		summary=", ".join(str(v) for v in (d.deal_owner, d.annual_revenue) if v),
		is_internal=True,
		tiebreak=d.name,
	)


def _on(doctype: str, names: list[str]) -> dict:
	return {"reference_doctype": doctype, "reference_docname": ("in", names)}


def _notes(doctype: str, names: list[str], need: int) -> list:
	if not names:
		return []
	return [
		item(
			"crm_note",
			n.creation,
			actor=n.owner,
			title=f"{_('Note')}: {n.title or ''}".strip(": "),
			reference_doctype=n.reference_doctype,
			reference_name=n.reference_docname,
			summary=strip_html(n.content or "").strip()[:300],
			is_internal=True,
			tiebreak=n.name,
		)
		for n in frappe.get_list(
			"FCRM Note",
			filters=_on(doctype, names),
			fields=[
				"name",
				"title",
				"content",
				"owner",
				"creation",
				"reference_doctype",
				"reference_docname",
			],
			order_by="creation desc, name desc",
			limit=need,
		)
	]


def _tasks(deals: list[str], need: int) -> list:
	return [
		item(
			"crm_task",
			t.creation,
			actor=t.owner,
			title=f"{_('CRM Task')} {t.name}: {t.title or ''}",
			reference_doctype="CRM Task",
			reference_name=str(t.name),
			summary=", ".join(
				str(v) for v in (t.status, t.due_date and _("due {0}").format(t.due_date), t.assigned_to) if v
			),
			is_internal=True,
			tiebreak=str(t.name),
		)
		for t in frappe.get_list(
			"CRM Task",
			filters=_on(DEAL, deals),
			fields=["name", "title", "status", "due_date", "assigned_to", "owner", "creation"],
			order_by="creation desc, name desc",
			limit=need,
		)
	]


def _calls(deals: list[str], need: int) -> list:
	result = []
	for c in frappe.get_list(
		CALL_LOG,
		filters=_on(DEAL, deals),
		fields=[
			"name",
			"type",
			"status",
			"from",
			"to",
			"duration",
			"caller",
			"receiver",
			"owner",
			"creation",
		],
		order_by="creation desc, name desc",
		limit=need,
	):
		length = minutes(c.duration)
		result.append(
			item(
				"crm_call",
				c.creation,
				actor=(c.caller if c.type == "Outgoing" else c.receiver) or c.owner,
				title=f"{_(c.type or '')} {_('call')} {c.get('from') or ''} → {c.get('to') or ''}".strip(),
				reference_doctype=CALL_LOG,
				reference_name=c.name,
				summary=", ".join(
					v for v in (_(c.status or ""), f"{length:g} min" if length is not None else "") if v
				),
				is_internal=True,
				tiebreak=c.name,
			)
		)
	return result
