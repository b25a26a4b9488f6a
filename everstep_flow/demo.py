"""Sample users, teams and services to try everstep_flow on a fresh site.

	bench --site <site> execute everstep_flow.demo.setup

Idempotent: anything that already exists is left exactly as it is, so a second run changes nothing.
"""

from __future__ import annotations

import frappe

DEMO_PASSWORD = "everstep-demo"
HOUR = 3600
DAY = 24 * HOUR

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


def _field(fieldname, label, fieldtype="Data", required=0, options="", at_intake=1, help=""):
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": fieldtype,
		"required": required,
		"options": options,
		"at_intake": at_intake,
		"help": help,
	}


def _step(
	step_key,
	title,
	team,
	depends_on="",
	target=0,
	accept=0,
	outputs="",
	checklist="",
	condition="",
	instructions="",
	public_outputs="",
):
	return {
		"step_key": step_key,
		"title": title,
		"team": team,
		"depends_on": depends_on,
		"target_duration": target,
		"accept_window": accept,
		"required_outputs": outputs,
		"checklist": checklist,
		"condition": condition,
		"instructions": instructions,
		"public_outputs": public_outputs,
	}


SERVICES = (
	{
		"title": "New client onboarding",
		"category": "Customers",
		"owner_team": "Sales",
		"is_published": 1,
		"allow_guest": 1,
		"target_resolution": 5 * DAY,
		"description": "From signed contract to a client who is live, billed and has met support.",
		"intake_fields": [
			_field("company_name", "Company Name", required=1),
			_field("contact_email", "Contact Email", "Email", required=1),
			_field("plan", "Plan", "Select", required=1, options="Basic\nPro\nEnterprise"),
			_field("seats", "Seats", "Int"),
			_field("start_date", "Start Date", "Date"),
			_field("notes", "Anything we should know", "Long Text"),
			_field("account_id", "Account ID", at_intake=0, help="Filled in by Operations when provisioning"),
			_field("billing_reference", "Billing Reference", at_intake=0, help="Filled in by Finance"),
		],
		"steps": [
			_step(
				"sales_handover",
				"Sales handover",
				"Sales",
				target=4 * HOUR,
				checklist="Contract signed\nKick-off contact confirmed",
			),
			_step(
				"provisioning",
				"Provision the account",
				"Operations",
				"sales_handover",
				target=DAY,
				accept=4 * HOUR,
				outputs="account_id",
			),
			_step(
				"billing_setup",
				"Set up billing",
				"Finance",
				"sales_handover",
				target=DAY,
				accept=4 * HOUR,
				outputs="billing_reference",
			),
			_step(
				"support_kickoff",
				"Support kick-off call",
				"Operations",
				"provisioning, billing_setup",
				target=DAY,
				accept=4 * HOUR,
			),
		],
	},
	{
		"title": "Laptop request",
		"category": "Internal",
		"owner_team": "Operations",
		"duplicates": "Always new",  # one person may need two laptops; a client's second onboarding is linked
		"target_resolution": 3 * DAY,
		"is_published": 1,
		"description": "A new or replacement laptop for an employee.",
		"intake_fields": [
			_field("employee_email", "Employee Email", "Email", required=1),
			_field("model", "Model", "Select", required=1, options="Standard 14in\nPerformance 16in"),
			_field("justification", "Justification", "Small Text", required=1),
			_field("cost", "Cost", "Currency", at_intake=0, help="Quoted by IT"),
			_field("asset_tag", "Asset Tag", at_intake=0),
		],
		"steps": [
			_step(
				"it_review",
				"IT review and quote",
				"Operations",
				target=4 * HOUR,
				outputs="cost",
				checklist="Check stock for the model\nGet a vendor quote if none is in stock\nConfirm the model with the employee",
				instructions="Check stock first. If the model is not in stock, get a quote from the usual vendor. "
				"Put in the note anything Finance must know to approve.",
			),
			_step(
				"finance_approval",
				"Finance approval",
				"Finance",
				"it_review",
				target=DAY,
				accept=4 * HOUR,
				instructions="Approve when the cost is within the department's budget; otherwise return the "
				"handoff to IT with the reason.",
			),
			_step(
				"fulfilment",
				"Prepare and hand over",
				"Operations",
				"finance_approval",
				target=DAY,
				accept=4 * HOUR,
				outputs="asset_tag",
				public_outputs="asset_tag",  # the employee may see their asset tag; the cost stays internal
				checklist="Install the standard image\nTag the asset\nHand over and get a signature",
			),
		],
	},
)


SUPPORT = {
	"title": "Support case",
	"category": "Customers",
	"owner_team": "Operations",
	"is_published": 1,
	"target_resolution": 2 * DAY,
	"description": "A client's problem, from the first report to a confirmed fix.",
	"intake_fields": [
		_field("summary", "Summary", required=1),
		_field("details", "Details", "Long Text"),
		_field("resolution", "Resolution", "Small Text", at_intake=0, help="Filled in by Operations"),
	],
	"steps": [
		_step("triage", "Triage and reply", "Operations", target=4 * HOUR),
		_step("resolve", "Fix and confirm", "Operations", "triage", target=DAY, outputs="resolution"),
	],
}
SERVICES = (*SERVICES, SUPPORT)

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
	from everstep_flow.seams.examples import install_example_triggers

	created["triggers"] = install_example_triggers()  # disabled; see README "Seams"
	return created


def _client() -> list[str]:
	"""ERPNext sites only: the Customer and its Contacts (nothing is enabled: triggers stay off)."""
	from everstep_flow.seams import installed

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
