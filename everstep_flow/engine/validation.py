"""Rules a process definition must satisfy before anyone can run it.

`problems()` collects every problem at once (so a form shows them all, not one per save); each names the step or
field at fault. The shell turns them into one `frappe.ValidationError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from everstep_flow.engine.definition import INTAKE_FIELDTYPES, ServiceDefinition
from everstep_flow.engine.expressions import Refused, check_condition
from everstep_flow.engine.graph import CYCLE_ARROW, dependency_map, find_cycle

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,139}$")


@dataclass(frozen=True)
class Problem:
	code: str
	message: str
	step: str = ""
	field: str = ""


class DefinitionError(ValueError):
	def __init__(self, problems: list[Problem]):
		self.problems = problems
		super().__init__("; ".join(p.message for p in problems))


def problems(defn: ServiceDefinition) -> list[Problem]:
	return [*_field_problems(defn), *_step_problems(defn)]


def check(defn: ServiceDefinition) -> ServiceDefinition:
	"""Return the definition unchanged, or raise DefinitionError listing every problem."""
	if found := problems(defn):
		raise DefinitionError(found)
	return defn


def _field_problems(defn: ServiceDefinition) -> list[Problem]:
	found: list[Problem] = []
	seen: set[str] = set()
	for row, f in enumerate(defn.intake_fields, start=1):
		name = f.fieldname or f"row {row}"
		if not f.fieldname:
			found.append(
				Problem("missing_fieldname", f"Intake field in row {row} has no fieldname", field=name)
			)
		elif not KEY_PATTERN.match(f.fieldname):
			found.append(
				Problem(
					"invalid_fieldname",
					f"Intake field '{f.fieldname}': fieldname must be lowercase letters, digits and underscores, "
					"starting with a letter",
					field=f.fieldname,
				)
			)
		elif f.fieldname in seen:
			found.append(
				Problem(
					"duplicate_field", f"Intake field '{f.fieldname}' is declared twice", field=f.fieldname
				)
			)
		seen.add(f.fieldname)
		if not f.label.strip():
			found.append(Problem("missing_label", f"Intake field '{name}' has no label", field=name))
		if f.fieldtype not in INTAKE_FIELDTYPES:
			found.append(
				Problem(
					"invalid_fieldtype",
					f"Intake field '{name}' has field type '{f.fieldtype}'; allowed: {', '.join(INTAKE_FIELDTYPES)}",
					field=name,
				)
			)
		elif f.fieldtype == "Select" and not f.select_options:
			found.append(
				Problem(
					"select_without_options",
					f"Intake field '{name}' is a Select but has no options (one per line)",
					field=name,
				)
			)
		elif f.fieldtype == "Link" and not f.options.strip():
			found.append(
				Problem(
					"link_without_doctype",
					f"Intake field '{name}' is a Link but its options do not name a DocType",
					field=name,
				)
			)
	return found


def _step_problems(defn: ServiceDefinition) -> list[Problem]:
	if not defn.steps:
		return [Problem("no_steps", f"Service '{defn.name}' has no steps")]
	found: list[Problem] = []
	keys = defn.step_keys
	declared_fields = {f.fieldname for f in defn.intake_fields}
	seen: set[str] = set()
	for row, s in enumerate(defn.steps, start=1):
		name = s.key or f"row {row}"
		if not s.key:
			found.append(Problem("missing_step_key", f"Step in row {row} has no key", step=name))
		elif not KEY_PATTERN.match(s.key):
			found.append(
				Problem(
					"invalid_step_key",
					f"Step '{s.key}': key must be lowercase letters, digits and underscores, starting with a letter",
					step=s.key,
				)
			)
		elif s.key in seen:
			found.append(
				Problem("duplicate_step", f"Step key '{s.key}' is used by more than one step", step=s.key)
			)
		seen.add(s.key)
		if not s.title.strip():
			found.append(Problem("missing_title", f"Step '{name}' has no title", step=name))
		if not s.team:
			found.append(
				Problem("missing_team", f"Step '{name}' has no team: every step needs an owner", step=name)
			)
		for dep in s.depends_on:
			if dep not in keys:
				found.append(
					Problem(
						"unknown_dependency",
						f"Step '{name}' depends on '{dep}', which is not a step of this service",
						step=name,
					)
				)
		for out in s.required_outputs:
			if out not in declared_fields:
				found.append(
					Problem(
						"undeclared_output",
						f"Step '{name}' requires output '{out}', which is not a declared field of this service",
						step=name,
						field=out,
					)
				)
		for out in s.public_outputs:
			if out not in s.required_outputs:
				found.append(
					Problem(
						"public_output_not_required",
						f"Step '{name}' shows output '{out}' to the requester, but it is not one of the step's "
						"required outputs",
						step=name,
						field=out,
					)
				)
		if s.target_minutes < 0 or s.accept_minutes < 0:
			found.append(Problem("negative_duration", f"Step '{name}' has a negative duration", step=name))
		if s.condition.strip():
			try:
				check_condition(s.condition, defn.field_names)
			except Refused as e:
				found.append(
					Problem(
						"invalid_condition",
						f"Step '{name}' has a condition that {e}",
						step=name,
					)
				)
	if defn.target_minutes < 0:
		found.append(Problem("negative_duration", f"Service '{defn.name}' has a negative target time"))
	if cycle := find_cycle(dependency_map(defn)):
		found.append(
			Problem(
				"cycle",
				"Steps wait on each other in a cycle, so none of them could start: "
				+ CYCLE_ARROW.join(cycle),
				step=cycle[0],
			)
		)
	return found
