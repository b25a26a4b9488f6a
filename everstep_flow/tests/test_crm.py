"""Inside Frappe CRM (issue 21), on CRM's real doctypes and its own API: a deal won starts one onboarding tied to its
CRM Organization, with what CRM actually holds mapped in; the deal's activity shows the onboarding's milestones.
Skipped where Frappe CRM is not installed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.hosts import crm
from everstep_flow.requests import actions
from everstep_flow.seams import host_posts, triggers
from everstep_flow.tests import hosts_fixtures as fx
from everstep_flow.tests.utils import make_team, make_user, step_row, together

SALES = "crmx.sales@example.com"
TEAM = "CRMX Onboarding Team"
SERVICE = "CRMX Onboarding"
TRIGGER = "CRMX deal won"
SECRET = "crmx-internal-note"
FIELDS = [
	{"fieldname": "company_name", "label": "Company Name", "fieldtype": "Data", "required": 1},
	{"fieldname": "contact_email", "label": "Contact Email", "fieldtype": "Data", "required": 1},
	{"fieldname": "deal_value", "label": "Deal Value", "fieldtype": "Data"},
	{"fieldname": "owner", "label": "Deal Owner", "fieldtype": "Data"},
]


class CrmCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		fx.skip_unless_installed("CRM Deal", "Frappe CRM")
		super().setUpClass()
		make_user(SALES, ("Sales User", "Flow Agent"))
		make_team(TEAM, SALES)
		fx.ensure_service(SERVICE, [step_row("kickoff", TEAM)], FIELDS)
		fx.deal_statuses("Won", "Lost", "Qualification")
		fx.make_won_trigger(
			TRIGGER,
			SERVICE,
			{
				"company_name": "organization",
				"contact_email": "primary_contact_email",
				"deal_value": "annual_revenue",
				"owner": "deal_owner",
			},
			subject="Onboarding {{ doc.organization }}",
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		with fx.purged(SERVICE, TRIGGER):
			for deal in frappe.get_all("Flow Trigger Firing", {"trigger": TRIGGER}, pluck="reference_name"):
				frappe.db.delete("Comment", {"reference_doctype": "CRM Deal", "reference_name": deal})
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		fx.cancel_open_requests(SERVICE)

	def tearDown(self):
		frappe.set_user("Administrator")

	def new_deal(self, org: str, email: str | None = None) -> str:
		"""A deal made through CRM's own API, as its New Deal dialog does (no deal email of its own)."""
		email = email or fx.email_at("nora", org)
		return fx.create_deal(SALES, org, "Nora", email, last_name=org.split()[0], annual_revenue=12000)

	def win(self, deal: str) -> None:
		fx.win(SALES, deal)

	def firings(self, deal: str) -> list:
		return fx.firings(TRIGGER, deal)

	def start(self, deal: str) -> str:
		return fx.started(TRIGGER, deal)


class TestDealWon(CrmCase):
	def test_a_deal_created_through_crm_and_won_starts_one_onboarding_tied_to_its_organization(self):
		deal = self.new_deal(f"CRMX Acme {frappe.generate_hash(length=5)}")
		doc = frappe.get_doc("CRM Deal", deal)
		self.assertEqual(self.firings(deal), [])
		self.win(deal)
		request = frappe.get_doc("Flow Request", self.start(deal))
		self.assertEqual((request.customer_type, request.customer), ("CRM Organization", doc.organization))
		self.assertEqual(request.contact, doc.contacts[0].contact)
		values = {row.fieldname: row.value for row in request.request_values}
		self.assertEqual(values["company_name"], doc.organization)
		self.assertTrue(values["contact_email"].startswith("nora@"))  # from the primary contact
		self.assertEqual(values["owner"], SALES)
		self.assertEqual(float(values["deal_value"]), 12000)
		# saved again as Won, flipped away and back: still the one firing and the one request
		self.win(deal)
		frappe.set_user(SALES)
		frappe.client.set_value("CRM Deal", deal, "status", "Lost")
		frappe.client.set_value("CRM Deal", deal, "status", "Won")
		frappe.set_user("Administrator")
		self.assertEqual(len(self.firings(deal)), 1)

	def test_a_lead_converted_then_won_is_onboarded_for_the_organization_conversion_made(self):
		from crm.fcrm.doctype.crm_lead.crm_lead import convert_to_deal

		org = f"CRMX Lead Org {frappe.generate_hash(length=5)}"
		frappe.set_user(SALES)
		try:
			lead = frappe.get_doc(
				{
					"doctype": "CRM Lead",
					"first_name": "Lena",
					"organization": org,
					"email": fx.email_at("lena", org),
				}
			).insert()
			deal = convert_to_deal(lead.name)
		finally:
			frappe.set_user("Administrator")
		self.win(deal)
		request = frappe.get_doc("Flow Request", self.start(deal))
		self.assertEqual((request.customer_type, request.customer), ("CRM Organization", org))

	def test_the_deals_activity_shows_the_milestones_and_none_of_the_internal_notes(self):
		from crm.api.activities import get_deal_activities

		deal = self.new_deal(f"CRMX Show {frappe.generate_hash(length=5)}")
		self.win(deal)
		request = self.start(deal)
		from everstep_flow.api.request import comment

		frappe.set_user(SALES)
		try:
			comment(request, SECRET, is_internal=1)
			task = frappe.db.get_value("Flow Task", {"request": request}, "name")
			actions.act_on_task(task, "Claim")
			actions.act_on_task(task, "Start")
		finally:
			frappe.set_user("Administrator")
		self.assertGreater(host_posts.post_request(request), 0)
		self.assertEqual(host_posts.post_request(request), 0)  # once
		frappe.set_user(SALES)
		try:
			activities = get_deal_activities(deal)[0]
		finally:
			frappe.set_user("Administrator")
		said = " ".join(a.get("content") or "" for a in activities if a.get("activity_type") == "comment")
		for milestone in ("Request opened", "Step started"):
			self.assertIn(milestone, said)
		self.assertIn(f"/app/flow-request/{request}", said)
		self.assertNotIn(SECRET, said)

	def test_ten_won_flips_of_one_deal_racing_give_one_firing_and_one_request(self):
		deal = self.new_deal(f"CRMX Race {frappe.generate_hash(length=5)}")
		frappe.db.commit()

		def flip():
			frappe.set_user(SALES)
			doc = frappe.get_doc("CRM Deal", deal)
			doc.status = "Won"
			doc.save()

		together([flip for _ in range(10)])
		firings = self.firings(deal)
		self.assertEqual(len(firings), 1, firings)
		statuses = together([lambda: triggers.run_firing(firings[0].name) for _ in range(3)])
		self.assertIn("Done", statuses)
		self.assertEqual(len({f.request for f in self.firings(deal)}), 1)

	def test_mapping_a_field_the_deal_does_not_have_is_refused_naming_it(self):
		trigger = frappe.get_doc("Flow Trigger", TRIGGER)
		trigger.mapping[1].source_field = "no_such_field"
		with self.assertRaises(frappe.ValidationError) as caught:
			trigger.save()
		self.assertIn("no_such_field", str(caught.exception))

	def test_the_sales_user_who_wins_the_deal_is_not_its_requester(self):
		deal = self.new_deal(f"CRMX Who {frappe.generate_hash(length=5)}")
		self.win(deal)
		request = frappe.get_doc("Flow Request", self.start(deal))
		self.assertFalse(request.requester)  # staff saved the deal; the client's person asked (by address)
		self.assertTrue((request.requester_email or "").startswith("nora@"))

	def test_a_website_user_naming_an_organization_on_their_own_contact_is_not_its_client(self):
		from everstep_flow.hosts import client_records

		org = frappe.get_doc(
			"CRM Deal", self.new_deal(f"CRMX Victim {frappe.generate_hash(length=5)}")
		).organization
		mallory = make_user(f"mallory.{frappe.generate_hash(length=6)}@crmx-outside.example", ())
		frappe.set_user(mallory)
		try:  # Frappe lets a website user make and edit the Contacts they own
			frappe.get_doc(
				{"doctype": "Contact", "first_name": "Mallory", "user": mallory, "company_name": org}
			).insert()
		finally:
			frappe.set_user("Administrator")
		client = client_records.of_user(mallory)
		self.assertNotEqual(client.customer, org)

	def test_the_crm_examples_validate_against_the_demo_services(self):
		from everstep_flow import demo
		from everstep_flow.hosts.examples import install_example_triggers

		demo.setup()
		install_example_triggers()
		for name in ("CRM deal won: onboard the client", "CRM lead converted: onboard the client"):
			doc = frappe.get_doc("Flow Trigger", name)
			self.assertTrue(doc.service, name)
			doc.enabled = 1
			doc.save()  # a valid mapping for its service (the deal's primary contact's address included)
			doc.reload()
			doc.enabled = 0
			doc.save()

	def test_the_organizations_desk_form_lists_its_requests(self):
		data = frappe.get_meta("CRM Organization").get_dashboard_data()
		self.assertIn("Flow Request", [i for g in data.transactions for i in g["items"]])

	def test_the_deals_primary_contact_is_what_crm_holds(self):
		deal = frappe.get_doc("CRM Deal", self.new_deal(f"CRMX Person {frappe.generate_hash(length=5)}"))
		person = crm.primary_contact(deal)
		self.assertEqual(person.contact, deal.contacts[0].contact)
		self.assertTrue(person.email.startswith("nora@"))
