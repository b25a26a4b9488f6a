"""Frappe Workflow documents generated from the core's state machines.

The JSON files in `everstep_flow/workflows/` are written from here (`python -m everstep_flow.engine.workflow_spec`)
and installed on install/migrate; tests/test_workflows.py fails if a file and its machine ever differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from everstep_flow.engine.states import AGENT, GUARD_CONDITIONS, HANDOFF, MANAGER, TASK, TASK_OPEN, Machine

WORKFLOW_DIR = Path(__file__).resolve().parent.parent / "workflows"
MACHINES = (TASK, HANDOFF)
EDITABLE = set(TASK_OPEN) | {"Pending"}


def workflow_name(machine: Machine) -> str:
	return f"{machine.name} Flow"


def workflow_document(machine: Machine) -> dict[str, Any]:
	"""The Workflow as Frappe stores it; only member transitions get buttons, one row per allowed role."""
	return {
		"doctype": "Workflow",
		"name": workflow_name(machine),
		"workflow_name": workflow_name(machine),
		"document_type": machine.name,
		"workflow_state_field": "status",
		"is_active": 1,
		"override_status": 1,
		"send_email_alert": 0,
		"states": [
			{
				"state": state,
				"doc_status": "0",
				"allow_edit": AGENT if state in EDITABLE else MANAGER,
			}
			for state in machine.states
		],
		"transitions": [
			{
				"state": t.source,
				"action": t.action,
				"next_state": t.target,
				"allowed": role,
				"allow_self_approval": 1,
				"condition": GUARD_CONDITIONS.get(t.guard, ""),
			}
			for t in machine.transitions
			if t.by == "member"
			for role in t.roles
		],
	}


def workflow_file(machine: Machine) -> Path:
	return WORKFLOW_DIR / (machine.name.lower().replace(" ", "_") + ".json")


def render(machine: Machine) -> str:
	return json.dumps(workflow_document(machine), indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
	for machine in MACHINES:
		workflow_file(machine).write_text(render(machine))
		print(f"wrote {workflow_file(machine)}")
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
