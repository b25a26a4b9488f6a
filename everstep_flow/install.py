"""Install, migrate and uninstall hooks: the app's roles, and what uninstalling must take away with it."""

import frappe

from everstep_flow.engine import states as S

ROLES = ("Flow Manager", "Flow Agent")


def ensure_roles() -> None:
	"""Idempotent: creates a missing role, never touches an existing one (admins may have tuned it)."""
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def after_install() -> None:
	ensure_roles()
	grant_client_read()
	install_examples()
	list_columns()
	helpdesk_fields()


def after_migrate() -> None:
	ensure_roles()
	grant_client_read()
	install_examples()
	list_columns()
	helpdesk_fields()


def after_app_install(app_name: str) -> None:
	"""Any app installed after us (Frappe calls every installed app's hook): its client records, its example
	triggers and, for Helpdesk, the Flow Team's link to its teams."""
	from everstep_flow.hosts import installed

	installed.clear_cache()  # this process may have cached "no HD Team" before the app came
	grant_client_read()  # its client records (Helpdesk's HD Customer)
	install_examples()  # its example triggers
	helpdesk_fields()


def helpdesk_fields() -> None:
	"""Where Helpdesk is installed: the Flow Team's link to an HD Team (everstep_flow/hosts/helpdesk_teams.py)."""
	from everstep_flow.hosts import installed

	if installed("HD Team"):
		from everstep_flow.hosts.helpdesk_teams import ensure_fields

		ensure_fields()


# Where a request is and how long its task has waited need more columns than Frappe's default of 4 to 6.
LIST_COLUMNS = {"Flow Request": "8", "Flow Task": "8"}


def list_columns() -> None:
	"""Once: the lists show every in-list-view column; an administrator may change it afterwards."""
	for doctype, total in LIST_COLUMNS.items():
		if not frappe.db.exists("List View Settings", doctype):
			frappe.get_doc({"doctype": "List View Settings", "name": doctype, "total_fields": total}).insert(
				ignore_permissions=True
			)


def grant_client_read() -> None:
	"""Flow Agents and Managers read the client records their requests are tied to (Contact, and ERPNext's
	Customer), so they can see and name a request's client. Granted once per doctype, when it exists (ERPNext may
	come later): an administrator who takes it away again in the Role Permission Manager is not overruled."""
	from frappe.permissions import add_permission

	from everstep_flow.hosts.client_records import CLIENT_DOCTYPES

	for doctype in CLIENT_DOCTYPES:
		marker = f"everstep_flow_client_read:{doctype}"
		if not frappe.db.exists("DocType", doctype) or frappe.db.get_default(marker):
			continue
		for role in ROLES:
			add_permission(doctype, role, 0, "read")
		frappe.db.set_default(marker, "1")


def install_examples() -> None:
	"""Disabled example triggers for the host apps that are installed (ERPNext, Helpdesk, CRM)."""
	from everstep_flow.hosts.examples import install_example_triggers

	install_example_triggers()


# ---------------------------------------------------------------- uninstall

OUR_DOCTYPES = (
	"Flow Request",
	"Flow Task",
	"Flow Handoff",
	"Flow Event",
	"Flow Team",
	"Flow Service",
	"Flow Calendar",
	"Flow Settings",
	"Flow Trigger",
	"Flow Trigger Firing",
	"Flow Follow Up",
)
# Records of other doctypes that point at ours (doctype field): they would point at nothing after uninstall.
_POINTING_AT_US = (
	("Comment", "reference_doctype"),
	("Version", "ref_doctype"),
	("Notification Log", "document_type"),
	("ToDo", "reference_type"),
	("Document Follow", "ref_doctype"),
	("Communication Link", "link_doctype"),
	("Error Log", "reference_doctype"),
)
_FRAPPE_FIXTURES = {
	"Pending",
	"Approved",
	"Rejected",
	"Approve",
	"Reject",
	"Review",
}  # frappe/utils/install.py


# Versions before 0.6 installed a Frappe Workflow per doctype; these are its names, states and actions.
LEGACY_WORKFLOWS = ("Flow Task Flow", "Flow Handoff Flow")
_LEGACY_STATES = set(S.TASK_STATES) | set(S.HANDOFF_STATES)
_LEGACY_ACTIONS = {t.action for t in (*S.TASK.transitions, *S.HANDOFF.transitions) if t.by == "member"}


def drop_legacy_workflows() -> None:
	"""Remove the Frappe Workflows of Flow Task and Flow Handoff, their Workflow Action rows, and the Workflow
	States and Actions nothing else uses (Frappe's own Pending, Approve... always stay)."""
	for name in LEGACY_WORKFLOWS:
		if frappe.db.exists("Workflow", name):
			frappe.delete_doc("Workflow", name, ignore_permissions=True, force=True)
	actions = frappe.get_all(
		"Workflow Action", filters={"reference_doctype": ("in", ("Flow Task", "Flow Handoff"))}, pluck="name"
	)
	for chunk in range(0, len(actions), 1000):
		part = actions[chunk : chunk + 1000]
		frappe.db.delete("Workflow Action Permitted Role", {"parent": ("in", part)})
		frappe.db.delete("Workflow Action", {"name": ("in", part)})
	used_states = set(frappe.get_all("Workflow Document State", pluck="state", distinct=True))
	used_actions = set(frappe.get_all("Workflow Transition", pluck="action", distinct=True))
	for doctype, names, used in (
		("Workflow State", _LEGACY_STATES, used_states),
		("Workflow Action Master", _LEGACY_ACTIONS, used_actions),
	):
		for name in sorted(names - used - _FRAPPE_FIXTURES):
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, ignore_permissions=True, force=True)
	frappe.cache.delete_value("workflow")


def before_uninstall() -> None:
	"""Remove what the app made outside its own tables, so that installing again gives the site a first install
	gives: its two roles, the scheduled job and portal menu entry, the records of other doctypes that point at its
	documents (and the Workflows of versions before 0.6). Emails are kept (unlinked from the requests that are
	going away); attached files go with their documents."""
	drop_legacy_workflows()
	# Files first: deleting one comments on the document it was attached to ("Attachment Removed"), and those
	# comments must go with the rest below.
	for file in frappe.get_all("File", filters={"attached_to_doctype": ("in", OUR_DOCTYPES)}, pluck="name"):
		frappe.delete_doc("File", file, ignore_permissions=True, force=True)
	for doctype, field in _POINTING_AT_US:
		if frappe.db.table_exists(doctype):
			frappe.db.delete(doctype, {field: ("in", OUR_DOCTYPES)})
	frappe.db.delete("List View Settings", {"name": ("in", OUR_DOCTYPES)})
	if frappe.db.table_exists("__global_search"):
		frappe.db.delete("__global_search", {"doctype": ("in", OUR_DOCTYPES)})
	communication = frappe.qb.DocType("Communication")
	(
		frappe.qb.update(communication)
		.set(communication.reference_doctype, None)
		.set(communication.reference_name, None)
		.where(communication.reference_doctype.isin(OUR_DOCTYPES))
	).run()
	for account in frappe.get_all("Email Account", filters={"append_to": ("in", OUR_DOCTYPES)}, pluck="name"):
		frappe.db.set_value("Email Account", account, "append_to", None)
	frappe.db.delete("Portal Menu Item", {"reference_doctype": ("in", OUR_DOCTYPES)})
	jobs = frappe.get_all("Scheduled Job Type", filters={"method": ("like", "everstep_flow.%")}, pluck="name")
	if jobs:
		frappe.db.delete("Scheduled Job Log", {"scheduled_job_type": ("in", jobs)})
		frappe.db.delete("Scheduled Job Type", {"name": ("in", jobs)})
	frappe.db.delete("DefaultValue", {"defkey": ("like", "everstep_flow_client_read:%")})
	for role in ROLES:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, ignore_permissions=True, force=True)
	frappe.clear_cache()
