"""Install and migrate hooks: roles and the Workflows generated from the core's state machines."""

import json
from pathlib import Path

import frappe

ROLES = ("Flow Manager", "Flow Agent")
WORKFLOW_DIR = Path(__file__).resolve().parent / "workflows"


def ensure_roles() -> None:
	"""Idempotent: creates a missing role, never touches an existing one (admins may have tuned it)."""
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def _rows(doc, table: str, keys: tuple[str, ...]) -> list[tuple]:
	return [tuple(str(row.get(k) or "") for k in keys) for row in doc.get(table)]


STATE_KEYS = ("state", "doc_status", "allow_edit")
TRANSITION_KEYS = ("state", "action", "next_state", "allowed", "allow_self_approval", "condition")


def sync_workflows() -> None:
	"""Install each workflows/*.json; rewrite an installed one only when it differs (so migrate twice is a no-op)."""
	for path in sorted(WORKFLOW_DIR.glob("*.json")):
		spec = json.loads(path.read_text())
		for state in spec["states"]:
			if not frappe.db.exists("Workflow State", state["state"]):
				frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": state["state"]}).insert(
					ignore_permissions=True
				)
		for action in {t["action"] for t in spec["transitions"]}:
			if not frappe.db.exists("Workflow Action Master", action):
				frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": action}).insert(
					ignore_permissions=True
				)
		wanted = frappe.get_doc(spec)
		if frappe.db.exists("Workflow", spec["name"]):
			current = frappe.get_doc("Workflow", spec["name"])
			same = (
				_rows(current, "states", STATE_KEYS) == _rows(wanted, "states", STATE_KEYS)
				and _rows(current, "transitions", TRANSITION_KEYS)
				== _rows(wanted, "transitions", TRANSITION_KEYS)
				and current.is_active
				and current.workflow_state_field == spec["workflow_state_field"]
			)
			if same:
				continue
			current.update({k: v for k, v in spec.items() if k not in ("doctype", "name")})
			current.save(ignore_permissions=True)
		else:
			wanted.insert(ignore_permissions=True)


def after_install() -> None:
	ensure_roles()
	sync_workflows()


def after_migrate() -> None:
	ensure_roles()
	sync_workflows()
