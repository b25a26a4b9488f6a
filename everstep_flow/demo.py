"""Sample users, teams and services to try everstep_flow on a fresh site, and four weeks of their history.

	bench --site <site> execute everstep_flow.demo.setup    # users, teams, services
	bench --site <site> execute everstep_flow.demo.play     # setup, then the living history (demo_history)
	bench --site <site> execute everstep_flow.demo.remove   # the history goes again

Idempotent: anything that already exists is left exactly as it is, so a second run changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import frappe

DEMO_PASSWORD = "everstep-demo"

USERS = (
	# email, first name, last name, roles (a user without roles is a portal Website User)
	("flow.manager@example.com", "Maya", "Manager", ("Flow Manager", "Flow Agent")),
	("sales.lead@example.com", "Sam", "Sales", ("Flow Agent",)),
	("ops.lead@example.com", "Olivia", "Ops", ("Flow Agent",)),
	("ops.agent@example.com", "Omar", "Ops", ("Flow Agent",)),
	("finance.lead@example.com", "Fiona", "Finance", ("Flow Agent",)),
	("requester@example.com", "Riley", "Requester", ()),
)

TEAMS = (
	# team, lead, other members, description
	("Sales", "sales.lead@example.com", (), "Wins clients and hands them over"),
	(
		"Operations",
		"ops.lead@example.com",
		("ops.agent@example.com",),
		"Provisioning, IT and customer support",
	),
	("Finance", "finance.lead@example.com", (), "Billing and approvals"),
)


# The services, as the Flow Service documents to insert: one JSON file each, named after the scrubbed title.
SERVICES_DIR = Path(__file__).resolve().parent / "workflows" / "services"
# The order they are created in; a file not named here comes after these, by file name. (Laptop requests are
# "Always new": one person may need two laptops, while a client's second onboarding is linked. A laptop's asset
# tag is a public output, so the employee sees it on the portal; its cost stays internal.)
SERVICE_ORDER = ("new_client_onboarding", "laptop_request", "support_case")


def demo_services() -> list[dict]:
	"""Every workflows/services/*.json, parsed: the Flow Service fields (Duration fields in seconds)."""
	files = sorted(
		SERVICES_DIR.glob("*.json"),
		key=lambda p: (
			SERVICE_ORDER.index(p.stem) if p.stem in SERVICE_ORDER else len(SERVICE_ORDER),
			p.name,
		),
	)
	return [json.loads(p.read_text()) for p in files]


SERVICES = tuple(demo_services())

CALENDAR = "Office Hours"

# Where ERPNext is installed: a client with a contact person, and the demo's portal user as another of its
# contacts (ERPNext's portal convention: a website user's Contact links to its Customer).
CUSTOMER = "Northwind Traders"
CUSTOMER_CONTACTS = (
	# first name, last name, email, user
	("Nora", "North", "nora@northwind.example", None),
	("Riley", "Requester", "requester@example.com", "requester@example.com"),
)


def setup() -> dict[str, list[str]]:
	"""Create whatever of the demo is missing; returns what was created (empty lists on a second run)."""
	created: dict[str, list[str]] = {
		"users": [],
		"teams": [],
		"services": [],
		"calendars": [],
		"clients": [],
		"triggers": [],
	}
	if not frappe.db.exists("Flow Calendar", CALENDAR):
		frappe.get_doc(
			{
				"doctype": "Flow Calendar",
				"calendar_name": CALENDAR,
				"timezone": frappe.utils.get_system_timezone(),
				"working_hours": [
					{"weekday": day, "start_time": "09:00:00", "end_time": "17:00:00"}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
				],
			}
		).insert(ignore_permissions=True)
		created["calendars"].append(CALENDAR)
		if not frappe.db.get_single_value("Flow Settings", "default_calendar"):
			frappe.db.set_single_value("Flow Settings", "default_calendar", CALENDAR)
	for email, first, last, roles in USERS:
		if frappe.db.exists("User", email):
			continue
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first,
				"last_name": last,
				"send_welcome_email": 0,
				"user_type": "System User" if roles else "Website User",
				"new_password": DEMO_PASSWORD,
				"roles": [{"role": r} for r in roles],
			}
		)
		user.insert(ignore_permissions=True)
		created["users"].append(email)

	for team, lead, members, description in TEAMS:
		if frappe.db.exists("Flow Team", team):
			continue
		frappe.get_doc(
			{
				"doctype": "Flow Team",
				"team_name": team,
				"lead": lead,
				"description": description,
				"members": [{"user": u} for u in (lead, *members)],
			}
		).insert(ignore_permissions=True)
		created["teams"].append(team)

	for service in SERVICES:
		if frappe.db.exists("Flow Service", service["title"]):
			continue
		frappe.get_doc({"doctype": "Flow Service", **service}).insert(ignore_permissions=True)
		created["services"].append(service["title"])
	created["clients"] = _client()
	from everstep_flow.hosts.examples import install_example_triggers

	created["triggers"] = install_example_triggers()  # disabled; see README "Seams"
	return created


def play() -> dict:
	"""Setup, then about a month of history through the real actions (once: a second play changes nothing)."""
	from everstep_flow import demo_history

	setup()
	return demo_history.play()


def remove() -> dict:
	"""Remove the history play made (setup's users, teams and services stay)."""
	from everstep_flow import demo_history

	return demo_history.remove()


def _client() -> list[str]:
	"""ERPNext sites only: the Customer and its Contacts (nothing is enabled: triggers stay off)."""
	from everstep_flow.hosts import installed

	if not installed("Customer"):
		return []
	made = []
	if not frappe.db.exists("Customer", CUSTOMER):
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": CUSTOMER, "customer_type": "Company"}
		)
		for field, value in (("customer_group", "All Customer Groups"), ("territory", "All Territories")):
			if frappe.db.exists(field.replace("_", " ").title(), value):
				customer.set(field, value)
		customer.insert(ignore_permissions=True)
		made.append(CUSTOMER)
	for first, last, email, user in CUSTOMER_CONTACTS:
		name = frappe.db.get_value("Contact Email", {"email_id": email}, "parent")
		contact = (
			frappe.get_doc("Contact", name)
			if name
			else frappe.get_doc({"doctype": "Contact", "first_name": first, "last_name": last})
		)
		changed = not name
		if not name:
			contact.add_email(email, is_primary=True)
		if user and not contact.user and frappe.db.exists("User", user):
			contact.user, changed = user, True
		if not any(link.link_doctype == "Customer" and link.link_name == CUSTOMER for link in contact.links):
			contact.append("links", {"link_doctype": "Customer", "link_name": CUSTOMER})
			changed = True
		if changed:
			contact.save(ignore_permissions=True)
			made.append(contact.name)
	return made
