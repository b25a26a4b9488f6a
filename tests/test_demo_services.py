"""The demo's services as data (everstep_flow/workflows/services/*.json): each file is a Flow Service document the
demo inserts, and each makes a definition the core accepts without a problem."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from everstep_flow.engine import IntakeField, ServiceDefinition, Step, problems, split_keys, split_lines

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "everstep_flow"
DEMO = APP / "demo.py"
FILES = sorted((APP / "workflows" / "services").glob("*.json"))
DOCTYPES = APP / "everstep_flow" / "doctype"


def fieldnames(doctype: str) -> set[str]:
	return {
		f["fieldname"] for f in json.loads((DOCTYPES / doctype / f"{doctype}.json").read_text())["fields"]
	}


def demo_loader() -> dict:
	"""demo.py's own loader (its imports but frappe, SERVICES_DIR, SERVICE_ORDER, demo_services), run without
	Frappe: demo.py imports frappe at the top, the loader itself never uses it."""
	keep = {"SERVICES_DIR", "SERVICE_ORDER", "demo_services"}
	nodes = [
		node
		for node in ast.parse(DEMO.read_text()).body
		if (isinstance(node, ast.ImportFrom) and node.module != "frappe")
		or (isinstance(node, ast.Import) and all(a.name != "frappe" for a in node.names))
		or (isinstance(node, ast.Assign) and {getattr(t, "id", "") for t in node.targets} & keep)
		or (isinstance(node, ast.FunctionDef) and node.name in keep)
	]
	namespace = {"__file__": str(DEMO), "__name__": "demo_loader"}
	exec(compile(ast.Module(body=nodes, type_ignores=[]), str(DEMO), "exec"), namespace)
	return namespace


def demo_constant(name: str):
	for node in ast.parse(DEMO.read_text()).body:
		if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets):
			return ast.literal_eval(node.value)
	raise KeyError(name)


def minutes(seconds) -> int:
	return round(float(seconds or 0) / 60)


def definition(service: dict) -> ServiceDefinition:
	"""What base.catalog.definition_from_doc builds from the inserted Flow Service (same fields, same rules)."""
	return ServiceDefinition(
		name=service.get("name") or service.get("title") or "",
		title=service.get("title") or "",
		owner_team=service.get("owner_team") or "",
		target_minutes=minutes(service.get("target_resolution")),
		intake_fields=tuple(
			IntakeField(
				fieldname=(row.get("fieldname") or "").strip(),
				label=row.get("label") or "",
				fieldtype=row.get("fieldtype") or "Data",
				options=row.get("options") or "",
				required=bool(int(row.get("required") or 0)),
				help=row.get("help") or "",
				at_intake=bool(int(row.get("at_intake") or 0)),
			)
			for row in service.get("intake_fields") or []
		),
		steps=tuple(
			Step(
				key=(row.get("step_key") or "").strip(),
				title=row.get("title") or "",
				team=row.get("team") or "",
				depends_on=split_keys(row.get("depends_on")),
				condition=(row.get("condition") or "").strip(),
				required_outputs=split_keys(row.get("required_outputs")),
				checklist=split_lines(row.get("checklist")),
				public_outputs=split_keys(row.get("public_outputs")),
				target_minutes=minutes(row.get("target_duration")),
				accept_minutes=minutes(row.get("accept_window")),
				instructions=row.get("instructions") or "",
			)
			for row in service.get("steps") or []
		),
	)


def test_there_are_demo_services():
	assert FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_demo_service_is_a_valid_flow_service(path):
	service = json.loads(path.read_text())
	assert isinstance(service, dict)
	assert service["title"].strip()
	assert path.stem == re.sub(r"[^a-z0-9]+", "_", service["title"].lower()).strip(
		"_"
	)  # named after its title
	assert service["steps"] and service["intake_fields"]
	# only fields the doctypes have (a typo would be dropped silently by frappe.get_doc)
	assert set(service) <= fieldnames("flow_service")
	for row in service["intake_fields"]:
		assert set(row) <= fieldnames("flow_intake_field")
	for row in service["steps"]:
		assert set(row) <= fieldnames("flow_service_step")
	# the teams are the demo's own
	teams = {team for team, *_ in demo_constant("TEAMS")}
	assert {service["owner_team"], *(row["team"] for row in service["steps"])} <= teams

	defn = definition(service)
	assert defn.steps and len(defn.steps) == len(service["steps"])
	assert problems(defn) == []


def test_the_demo_loads_every_file_in_its_order():
	loader = demo_loader()
	order = loader["SERVICE_ORDER"]
	# every file has its place in the order (none falls to the end by accident), and the order names no other
	assert sorted(order) == [p.stem for p in FILES]
	assert loader["demo_services"]() == [
		json.loads(p.read_text()) for p in sorted(FILES, key=lambda p: order.index(p.stem))
	]
	# the order they always had
	assert order[:3] == ("new_client_onboarding", "laptop_request", "support_case")
