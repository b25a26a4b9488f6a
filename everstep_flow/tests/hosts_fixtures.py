"""Fixtures the host tests share (Frappe CRM, Helpdesk): a Flow Trigger made afresh, the CRM Deal Status rows and
deals made through CRM's own API, a document's firing run here as the job would, and everything a class committed
purged after it. Every name comes from the calling module, which keeps its own prefix (CRMX, CRMC, CRMT, HDX...)
so the modules stay independent of each other and of what a used site already holds."""

from __future__ import annotations

import unittest
from collections.abc import Iterator
from contextlib import contextmanager

import frappe

from everstep_flow.hosts import installed
from everstep_flow.seams import trigger_set, triggers
from everstep_flow.tests.utils import new_service, purge_requests

OPEN = ("Open", "In Progress", "Waiting on Customer")  # a request's open statuses


def skip_unless_installed(doctype: str, app: str) -> None:
	"""For setUpClass: skip the class where the host app (its doctype) is not installed."""
	if not installed(doctype):
		raise unittest.SkipTest(f"{app} is not installed on this site")


def as_user(user: str, fn, *args, **kw):
	"""fn(*args, **kw) run as the user, back to Administrator after."""
	frappe.set_user(user)
	try:
		return fn(*args, **kw)
	finally:
		frappe.set_user("Administrator")


def ensure_service(title: str, steps: list[dict], fields: list[dict], **kw) -> None:
	if not frappe.db.exists("Flow Service", title):
		new_service(title, steps, fields, **kw).insert()


def make_trigger(name: str, service: str, document_type: str, mapping: dict[str, str], **fields) -> None:
	"""The Flow Trigger `name`, made afresh and enabled; `mapping` is intake field -> the document's field."""
	if frappe.db.exists("Flow Trigger", name):
		frappe.delete_doc("Flow Trigger", name, force=True)
	frappe.get_doc(
		{
			"doctype": "Flow Trigger",
			"trigger_name": name,
			"enabled": 1,
			"document_type": document_type,
			"service": service,
			"mapping": [{"intake_field": k, "source_field": v} for k, v in mapping.items()],
			**fields,
		}
	).insert()


def make_won_trigger(name: str, service: str, mapping: dict[str, str], **fields) -> None:
	"""A trigger on a CRM Deal becoming Won, its client the deal's."""
	make_trigger(
		name,
		service,
		"CRM Deal",
		mapping,
		event="Field Becomes Value",
		field="status",
		values="Won",
		client_from="CRM Deal",
		**fields,
	)


def deal_statuses(*statuses: str) -> None:
	"""The CRM Deal Status rows the tests set deals to (a fresh CRM site may lack some)."""
	for status in statuses:
		if not frappe.db.exists("CRM Deal Status", status):
			frappe.get_doc({"doctype": "CRM Deal Status", "deal_status": status}).insert(
				ignore_permissions=True
			)


def email_at(person: str, org: str) -> str:
	"""An address at the organization's own (made up) domain."""
	return f"{person}@{frappe.scrub(org).replace('_', '-')}.example"


def create_deal(user: str, org: str, first_name: str, email: str, **fields) -> str:
	"""A deal the user makes through CRM's own API, as its New Deal dialog does (its organization and primary
	contact too): owned by the user, in Qualification, unless `fields` say otherwise."""
	from crm.fcrm.doctype.crm_deal.crm_deal import create_deal as crm_create_deal

	args = {"organization_name": org, "first_name": first_name, "email": email, "deal_owner": user}
	return as_user(user, crm_create_deal, {**args, "status": "Qualification", **fields})


def win(user: str, deal: str) -> None:
	"""The deal marked Won by the user, as CRM's UI does."""
	as_user(user, frappe.client.set_value, "CRM Deal", deal, "status", "Won")


def firings(trigger: str, reference_name: str, fields=("name", "status", "request"), **filters) -> list:
	return frappe.get_all(
		"Flow Trigger Firing",
		filters={"trigger": trigger, "reference_name": reference_name, **filters},
		fields=list(fields),
	)


def started(trigger: str, reference_name: str, **filters) -> str:
	"""The request the document started: its one firing processed here, as the job would."""
	(firing,) = firings(trigger, reference_name, **filters)
	triggers.process(firing.name)
	return frappe.db.get_value("Flow Trigger Firing", firing.name, "request")


def cancel_open_requests(service: str) -> None:
	"""The service's open requests (left by an earlier test or run) cancelled, so a new one is not linked to them."""
	frappe.db.set_value(
		"Flow Request",
		{"service": service, "status": ("in", OPEN)},
		{"status": "Cancelled", "open_key": None},
	)


def purge_triggers(trigger) -> None:
	"""The trigger(s), their fields and firings deleted; `trigger` is a name or a filter value (("like", "X %"))."""
	frappe.db.delete("Flow Trigger Firing", {"trigger": trigger})
	frappe.db.delete("Flow Trigger Field", {"parent": trigger})
	frappe.db.delete("Flow Trigger", {"name": trigger})


@contextmanager
def purged(service: str, trigger) -> Iterator[list[str]]:
	"""For tearDownClass: rolls back, as Administrator, yields the service's requests (the body deletes what else
	the class made, firings still in place); then purges the requests and the trigger(s) (see purge_triggers),
	commits and forgets the cached triggers."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	requests = frappe.get_all("Flow Request", {"service": service}, pluck="name")
	yield requests
	purge_requests(*requests)
	purge_triggers(trigger)
	frappe.db.commit()
	trigger_set.forget_triggers()
