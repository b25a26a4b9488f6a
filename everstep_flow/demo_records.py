"""The living demo's records: the two clients its history works for, and removing what the history made.

The clients are this site's own client records (hosts.client_records): ERPNext's Customers where it is installed
(setup's Northwind Traders and, made here, Contoso Ltd), else Frappe Contacts (made here: Nora North, Carl Contoso,
and the portal user's own Contact, so that the portal's requests have a client too).
"""

from __future__ import annotations

import frappe

from everstep_flow.demo_script import CLIENT_NAMES, REQUESTER
from everstep_flow.hosts import installed

CONTACTS = {
	# client, first name, last name, email, portal user
	"A": ("Nora", "North", "nora@northwind.example", None),
	"B": ("Carl", "Contoso", "carl@contoso.example", None),
	"me": ("Riley", "Requester", REQUESTER, REQUESTER),
}

# The rows of other doctypes that point at a document: (doctype, doctype field, name field).
POINTING = (
	("Comment", "reference_doctype", "reference_name"),
	("Version", "ref_doctype", "docname"),
	("Notification Log", "document_type", "document_name"),
	("ToDo", "reference_type", "reference_name"),
	("Document Follow", "ref_doctype", "ref_docname"),
	("Communication Link", "link_doctype", "link_name"),
	("Email Queue", "reference_doctype", "reference_name"),
	("Error Log", "reference_doctype", "reference_name"),
	("Activity Log", "reference_doctype", "reference_name"),
	("Energy Point Log", "reference_doctype", "reference_name"),
)


def clients() -> tuple[dict[str, tuple[str, str, str]], list[list[str]]]:
	"""{"A" | "B": (client doctype, client, contact)} and the records made for them now ([doctype, name])."""
	made: list[list[str]] = []
	erpnext = installed("Customer")
	found = {}
	for key in ("A", "B", "me") if not erpnext else ("A", "B"):
		contact = _contact(key, made)
		if erpnext:
			customer = _customer(CLIENT_NAMES[key], made)
			_link(contact, customer)
			found[key] = ("Customer", customer, contact)
		else:
			found[key] = ("Contact", contact, contact)
	return found, made


def _contact(key: str, made: list[list[str]]) -> str:
	first, last, email, user = CONTACTS[key]
	name = frappe.db.get_value("Contact Email", {"email_id": email}, "parent")
	if name:
		return name
	contact = frappe.get_doc({"doctype": "Contact", "first_name": first, "last_name": last, "user": user})
	contact.add_email(email, is_primary=True)
	contact.insert(ignore_permissions=True)
	made.append(["Contact", contact.name])
	return contact.name


def _customer(name: str, made: list[list[str]]) -> str:
	if not frappe.db.exists("Customer", name):
		customer = frappe.get_doc({"doctype": "Customer", "customer_name": name, "customer_type": "Company"})
		for field, value in (("customer_group", "All Customer Groups"), ("territory", "All Territories")):
			if frappe.db.exists(field.replace("_", " ").title(), value):
				customer.set(field, value)
		customer.insert(ignore_permissions=True)
		made.append(["Customer", customer.name])
	return name


def _link(contact: str, customer: str) -> None:
	doc = frappe.get_doc("Contact", contact)
	if not any(link.link_doctype == "Customer" and link.link_name == customer for link in doc.links):
		doc.append("links", {"link_doctype": "Customer", "link_name": customer})
		doc.save(ignore_permissions=True)


def forget(requests: list[str], records: list[list[str]]) -> dict[str, int]:
	"""Delete the requests and everything that hangs off them, then the client records play made.

	Direct deletes of these rows only: the engine refuses to delete its documents (requests.guard.never_deleted),
	which is right for history and wrong for a demo's."""
	if not requests:
		return {}
	counts: dict[str, int] = {}

	def gone(doctype: str, filters: dict) -> None:
		if frappe.db.table_exists(doctype):
			n = frappe.db.count(doctype, filters)
			if n:
				frappe.db.delete(doctype, filters)
				counts[doctype] = counts.get(doctype, 0) + n

	if frappe.db.table_exists("Flow Day Tally"):
		from everstep_flow.visibility.day_tallies import forget_tasks

		forget_tasks(requests)  # the days their tasks were done on are built again without them
	named = {"Flow Request": requests}
	for doctype in (
		"Flow Task",
		"Flow Handoff",
		"Flow Follow Up",
		"Flow Event",
		"Flow Event Text",
		"Flow Trigger Firing",
	):
		named[doctype] = frappe.get_all(doctype, filters={"request": ("in", requests)}, pluck="name")
	calls = frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Flow Request", "reference_name": ("in", requests)},
		pluck="name",
	)
	named["Communication"] = calls
	for doctype, names in named.items():
		if not names:
			continue
		for other, type_field, name_field in POINTING:
			gone(other, {type_field: doctype, name_field: ("in", names)})
		if frappe.db.table_exists("__global_search"):
			frappe.db.delete("__global_search", {"doctype": doctype, "name": ("in", names)})
	if calls:
		gone("Communication Link", {"parent": ("in", calls)})
	follow_ups = named["Flow Follow Up"]
	crm_tasks = follow_ups and frappe.get_all(
		"Flow Follow Up", {"name": ("in", follow_ups)}, pluck="crm_task"
	)
	crm_tasks = [t for t in crm_tasks or [] if t]
	if crm_tasks:
		gone("CRM Task", {"name": ("in", crm_tasks)})
	gone("Flow Request Value", {"parenttype": "Flow Request", "parent": ("in", requests)})
	for doctype, names in named.items():
		if names:
			gone(doctype, {"name": ("in", names)})
	for doctype, name in reversed(records):
		if frappe.db.exists(doctype, name):  # (ERPNext deletes a Customer's own Contacts with it)
			frappe.delete_doc(doctype, name, ignore_permissions=True, force=True, delete_permanently=True)
			counts[doctype] = counts.get(doctype, 0) + 1
	for doctype, name in records:  # no trace of a demo's deletion: its Deleted Document and comment
		frappe.db.delete("Deleted Document", {"deleted_doctype": doctype, "deleted_name": name})
		frappe.db.delete(
			"Comment",
			{"comment_type": "Deleted", "reference_doctype": doctype, "subject": f"{doctype} {name}"},
		)
	return counts
