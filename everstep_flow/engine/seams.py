"""Seams: when another app's document starts a service, for which client, and whether it is new work at all.

The shell (everstep_flow.seams) reads documents and writes requests; everything it has to decide is here, on plain
data: does this save fire this trigger (and under which idempotency key), is a trigger's mapping complete for its
service, which client a request belongs to, and whether a new request is linked to an open one instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from everstep_flow.engine.definition import ServiceDefinition, split_lines

# Trigger events (Flow Trigger.event), shaped like Frappe's Notification.
NEW = "New"
VALUE_CHANGE = "Value Change"
BECOMES = "Field Becomes Value"
EVENTS = (NEW, VALUE_CHANGE, BECOMES)

# De-duplication (Flow Service.duplicates, Flow Trigger.duplicates).
LINK = "Link to the open request"
ALWAYS_NEW = "Always new"
SERVICE_SETTING = "Service setting"

# Fields every document has, beside those of its doctype.
STANDARD_FIELDS = frozenset({"name", "owner", "creation", "modified", "modified_by", "docstatus"})


@dataclass(frozen=True)
class Trigger:
	name: str
	event: str
	field: str = ""
	values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
	"""What happened to the source document in this save, as the shell saw it."""

	is_new: bool
	changed: bool = False  # the trigger's field changed in this save (always True on insert)
	value: str = ""  # the trigger's field after the save


def firing_value(trigger: Trigger, change: Change) -> str | None:
	"""The target value this save fires `trigger` for, or None. Firing twice for one value is a no-op (the key)."""
	if trigger.event == NEW:
		return "(new)" if change.is_new else None
	if change.is_new or not change.changed:
		# Frappe reports every field as changed on insert; a value a document is born with is not a change.
		return None
	if trigger.event == VALUE_CHANGE:
		return change.value
	if trigger.event == BECOMES and change.value in trigger.values:
		return change.value
	return None


def firing_key(trigger: str, doctype: str, name: str | int, value: str) -> str:
	"""One firing per (trigger, source document, target value), whatever the number of saves that carry it.
	Names may be integers (Helpdesk's tickets are autoincrement)."""
	raw = "\x1f".join(str(part) for part in (trigger, doctype, name, value))
	return hashlib.sha256(raw.encode()).hexdigest()[:40]


def trigger_values(text: str | None) -> tuple[str, ...]:
	return split_lines(text)


@dataclass(frozen=True)
class MappingRow:
	intake_field: str
	source_field: str = ""
	value: str = ""  # a fixed value, when no source field is given


def mapping_problems(
	defn: ServiceDefinition,
	rows: Iterable[MappingRow],
	source_fields: Iterable[str],
) -> dict[str, str]:
	"""What is wrong with a trigger's mapping for `defn`, by mapping field; empty when a firing can succeed."""
	problems: dict[str, str] = {}
	intake = {f.fieldname: f for f in defn.intake_fields if f.at_intake}
	known = set(source_fields) | STANDARD_FIELDS
	mapped: set[str] = set()
	for i, row in enumerate(rows, start=1):
		where = f"Row {i}"
		if not row.intake_field:
			problems[f"{where}: intake field"] = "is required"
			continue
		if row.intake_field not in intake:
			problems[f"{where}: intake field"] = (
				f"{row.intake_field} is not an intake field of service {defn.name}"
				f" (it has: {', '.join(intake) or 'none'})"
			)
			continue
		if row.intake_field in mapped:
			problems[f"{where}: intake field"] = f"{row.intake_field} is mapped twice"
		mapped.add(row.intake_field)
		if row.source_field and row.value:
			problems[f"{where}: value"] = "give a source field or a fixed value, not both"
		elif not row.source_field and not row.value:
			problems[f"{where}: source field"] = "give a source field or a fixed value"
		elif row.source_field and row.source_field not in known:
			problems[f"{where}: source field"] = f"{row.source_field} is not a field of the document type"
	for fieldname, field in intake.items():
		if field.required and fieldname not in mapped:
			problems[f"intake field {fieldname}"] = (
				f"{field.label} is required by service {defn.name} and no mapping row fills it"
			)
	return problems


def mapped_values(rows: Iterable[MappingRow], source: Mapping[str, object]) -> dict[str, object]:
	"""Intake values for one firing: each row's source field of the document, or its fixed value."""
	values: dict[str, object] = {}
	for row in rows:
		value = source.get(row.source_field) if row.source_field else row.value
		if value is not None and value != "":
			values[row.intake_field] = value
	return values


# ------------------------------------------------------------------------------------------------ the client


@dataclass(frozen=True)
class Client:
	"""The client record of a request. `customer` empty means "client unknown" (`contact` may still be known)."""

	customer_type: str = ""
	customer: str = ""
	contact: str = ""
	unknown: bool = True


# The host apps' client records, in precedence order (README, "The client"): ERPNext's Customer, Frappe Helpdesk's
# HD Customer, Frappe CRM's CRM Organization, then Frappe core's Contact. A site has those of its installed apps,
# Contact always.
CLIENT_REGISTRY = ("Customer", "HD Customer", "CRM Organization", "Contact")
# Frappe CRM's client record and deal, named wherever the seams meet CRM
ORGANIZATION, DEAL = "CRM Organization", "CRM Deal"


def registry_of(installed: Iterable[str]) -> tuple[str, ...]:
	"""The client doctypes of a site with these doctypes installed, in precedence order; Contact always last."""
	have = set(installed)
	return tuple(d for d in CLIENT_REGISTRY if d in have or d == "Contact")


def choose_client(
	registry: tuple[str, ...],
	*,
	customer: str = "",
	customer_type: str = "",
	contact: str = "",
	contact_links: Iterable[tuple[str, str]] = (),
	contact_is_new: bool = False,
) -> Client:
	"""The client of a request from what a door found.

	`registry` is the site's client doctypes in precedence order (`registry_of`). A client record found directly
	wins (of `customer_type`, else the first of the registry). Else the contact's links, doctype by doctype in precedence order: the first doctype the contact is
	linked to decides, when it is linked to exactly one record of it (to several, someone has to pick: the client
	is unknown). A contact linked to none is the client itself, except where ERPNext is installed (a person is a
	client there once a Customer stands behind them) or when it was made just now from an unknown address (the
	person is known, the client is not)."""
	if customer:
		return Client(customer_type or registry[0], customer, contact, unknown=False)
	links = tuple(contact_links)
	for doctype in registry:
		if doctype == "Contact":
			break
		names = sorted({name for kind, name in links if kind == doctype and name})
		if len(names) == 1:
			return Client(doctype, names[0], contact, unknown=False)
		if names:
			return Client("", "", contact, unknown=True)
	if "Customer" not in registry and contact and not contact_is_new:
		return Client("Contact", contact, contact, unknown=False)
	return Client("", "", contact, unknown=True)


def client_fields(client: Client) -> dict[str, object]:
	"""The fields a request stores of its client."""
	return {
		"customer_type": client.customer_type or None,
		"customer": client.customer or None,
		"contact": client.contact or None,
		"client_unknown": int(client.unknown),
	}


def duplicates_mode(trigger_setting: str | None, service_setting: str | None) -> str:
	"""The trigger's own choice, else the service's; the product's default is to link."""
	if trigger_setting in (LINK, ALWAYS_NEW):
		return trigger_setting
	return service_setting if service_setting in (LINK, ALWAYS_NEW) else LINK


def open_key(service: str, client: Client, mode: str) -> str | None:
	"""The value a unique index holds for the one open request per (service, client) that linking allows; None
	when this request may stand beside others (no client, or "always new")."""
	if mode != LINK or not client.customer:
		return None
	raw = "\x1f".join((service, client.customer_type, client.customer))
	return hashlib.sha256(raw.encode()).hexdigest()[:40]
