"""A service's process definition as plain, immutable data.

The Frappe shell builds a `ServiceDefinition` from a Flow Service document; a running request keeps the JSON snapshot
of the definition it started with, so editing a service never changes work already in flight.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

SNAPSHOT_SCHEMA = 1

# The field types a service may ask for. Kept small on purpose: each must be renderable on the portal and validated
# at intake without a Frappe doctype behind it.
INTAKE_FIELDTYPES: tuple[str, ...] = (
	"Data",
	"Small Text",
	"Long Text",
	"Int",
	"Float",
	"Currency",
	"Date",
	"Datetime",
	"Select",
	"Check",
	"Email",
	"Phone",
	"Link",
	"Attach",
)


@dataclass(frozen=True)
class IntakeField:
	"""A piece of information the service needs. `at_intake` False means a step fills it in later (an output)."""

	fieldname: str
	label: str
	fieldtype: str = "Data"
	options: str = ""
	required: bool = False
	help: str = ""
	at_intake: bool = True

	@property
	def select_options(self) -> tuple[str, ...]:
		return tuple(line.strip() for line in self.options.splitlines() if line.strip())


@dataclass(frozen=True)
class Step:
	"""One step of the process, owned by a team. `depends_on` empty means it starts at intake."""

	key: str
	title: str
	team: str
	depends_on: tuple[str, ...] = ()
	condition: str = ""
	required_outputs: tuple[str, ...] = ()
	checklist: tuple[str, ...] = ()
	# Outputs of this step the requester may see on the portal; every other output stays internal.
	public_outputs: tuple[str, ...] = ()
	target_minutes: int = 0
	accept_minutes: int = 0
	instructions: str = ""


@dataclass(frozen=True)
class ServiceDefinition:
	name: str
	title: str
	owner_team: str = ""
	target_minutes: int = 0
	intake_fields: tuple[IntakeField, ...] = ()
	steps: tuple[Step, ...] = ()

	@property
	def step_keys(self) -> tuple[str, ...]:
		return tuple(s.key for s in self.steps)

	@property
	def field_names(self) -> tuple[str, ...]:
		"""Every field of the service (asked at intake or filled by a step): what a step's condition may read."""
		return tuple(f.fieldname for f in self.intake_fields if f.fieldname)

	def step(self, key: str) -> Step:
		for s in self.steps:
			if s.key == key:
				return s
		raise KeyError(key)

	@property
	def teams(self) -> tuple[str, ...]:
		"""Teams in the order their first step is declared."""
		return tuple(dict.fromkeys(s.team for s in self.steps if s.team))


def split_keys(text: str | Iterable[str] | None) -> tuple[str, ...]:
	"""Parse "a, b\\nc" (how people type step keys and fieldnames in a form) into ("a", "b", "c"), deduplicated."""
	if not text:
		return ()
	parts = text.replace("\n", ",").split(",") if isinstance(text, str) else list(text)
	return tuple(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def split_lines(text: str | None) -> tuple[str, ...]:
	return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def to_dict(defn: ServiceDefinition) -> dict[str, Any]:
	return {
		"schema": SNAPSHOT_SCHEMA,
		"name": defn.name,
		"title": defn.title,
		"owner_team": defn.owner_team,
		"target_minutes": defn.target_minutes,
		"intake_fields": [
			{
				"fieldname": f.fieldname,
				"label": f.label,
				"fieldtype": f.fieldtype,
				"options": f.options,
				"required": f.required,
				"help": f.help,
				"at_intake": f.at_intake,
			}
			for f in defn.intake_fields
		],
		"steps": [
			{
				"key": s.key,
				"title": s.title,
				"team": s.team,
				"depends_on": list(s.depends_on),
				"condition": s.condition,
				"required_outputs": list(s.required_outputs),
				"checklist": list(s.checklist),
				"target_minutes": s.target_minutes,
				"accept_minutes": s.accept_minutes,
				"instructions": s.instructions,
				# only when set, so the snapshot (and fingerprint) of a service without them is unchanged
				**({"public_outputs": list(s.public_outputs)} if s.public_outputs else {}),
			}
			for s in defn.steps
		],
	}


def from_dict(data: Mapping[str, Any]) -> ServiceDefinition:
	schema = data.get("schema", SNAPSHOT_SCHEMA)
	if schema != SNAPSHOT_SCHEMA:
		raise ValueError(f"Unsupported definition snapshot schema {schema!r}")
	return ServiceDefinition(
		name=data["name"],
		title=data.get("title", data["name"]),
		owner_team=data.get("owner_team", ""),
		target_minutes=int(data.get("target_minutes", 0)),
		intake_fields=tuple(
			IntakeField(
				fieldname=f["fieldname"],
				label=f.get("label", f["fieldname"]),
				fieldtype=f.get("fieldtype", "Data"),
				options=f.get("options", ""),
				required=bool(f.get("required", False)),
				help=f.get("help", ""),
				at_intake=bool(f.get("at_intake", True)),
			)
			for f in data.get("intake_fields", ())
		),
		steps=tuple(
			Step(
				key=s["key"],
				title=s.get("title", s["key"]),
				team=s.get("team", ""),
				depends_on=tuple(s.get("depends_on", ())),
				condition=s.get("condition", ""),
				required_outputs=tuple(s.get("required_outputs", ())),
				checklist=tuple(s.get("checklist", ())),
				public_outputs=tuple(s.get("public_outputs", ())),
				target_minutes=int(s.get("target_minutes", 0)),
				accept_minutes=int(s.get("accept_minutes", 0)),
				instructions=s.get("instructions", ""),
			)
			for s in data.get("steps", ())
		),
	)


def to_snapshot(defn: ServiceDefinition) -> str:
	"""Canonical JSON: same definition, same bytes (sorted keys, no whitespace), so it can be stored and compared."""
	return json.dumps(to_dict(defn), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def from_snapshot(snapshot: str) -> ServiceDefinition:
	return from_dict(json.loads(snapshot))


def with_team_renamed(defn: ServiceDefinition, old: str, new: str) -> ServiceDefinition:
	"""The same process with team `old` called `new` (a team was renamed while requests ran on this snapshot)."""
	return replace(
		defn,
		owner_team=new if defn.owner_team == old else defn.owner_team,
		steps=tuple(replace(s, team=new) if s.team == old else s for s in defn.steps),
	)


def teams_of(defn: ServiceDefinition) -> set[str]:
	"""Every team a run of this definition may hand work to."""
	return {s.team for s in defn.steps if s.team}


def fingerprint(defn: ServiceDefinition) -> str:
	"""Hash of what changes how a request runs; renaming or retitling a service is not a new version."""
	data = to_dict(defn)
	for cosmetic in ("name", "title"):
		data.pop(cosmetic)
	canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
	return hashlib.sha256(canonical.encode()).hexdigest()
