"""The seams' decisions: when a save fires a trigger, its key, mapping checks, the client, de-duplication."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import IntakeField
from everstep_flow.engine.seams import (
	ALWAYS_NEW,
	BECOMES,
	LINK,
	NEW,
	SERVICE_SETTING,
	VALUE_CHANGE,
	Change,
	Client,
	MappingRow,
	Trigger,
	choose_client,
	duplicates_mode,
	firing_key,
	firing_value,
	mapped_values,
	mapping_problems,
	open_key,
	registry_of,
)
from tests.factories import service, step

CONVERTED = Trigger("won", BECOMES, "status", ("Converted",))


@pytest.mark.parametrize(
	("trigger", "change", "expected"),
	[
		(Trigger("t", NEW), Change(is_new=True, changed=True, value="Open"), "(new)"),
		(Trigger("t", NEW), Change(is_new=False, changed=True, value="Open"), None),
		(CONVERTED, Change(is_new=False, changed=True, value="Converted"), "Converted"),
		(CONVERTED, Change(is_new=False, changed=False, value="Converted"), None),  # saved again
		(CONVERTED, Change(is_new=False, changed=True, value="Lost"), None),
		(CONVERTED, Change(is_new=True, changed=True, value="Converted"), None),  # born with it
		(Trigger("t", VALUE_CHANGE, "status"), Change(False, True, "Quotation"), "Quotation"),
		(Trigger("t", VALUE_CHANGE, "status"), Change(False, False, "Quotation"), None),
		(Trigger("t", VALUE_CHANGE, "status"), Change(True, True, "Open"), None),
	],
)
def test_when_a_save_fires_a_trigger(trigger, change, expected):
	assert firing_value(trigger, change) == expected


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_firing_keys_are_stable_and_tell_their_parts_apart(trigger, doctype, name, value):
	key = firing_key(trigger, doctype, name, value)
	assert key == firing_key(trigger, doctype, name, value)
	assert len(key) == 40
	assert key != firing_key(trigger + "x", doctype, name, value)
	assert key != firing_key(trigger, doctype, name, value + "x")


def test_keys_do_not_collide_when_parts_shift():
	assert firing_key("ab", "c", "d", "e") != firing_key("a", "bc", "d", "e")


ONBOARDING = service(
	step("handover"),
	fields=(
		IntakeField("company_name", "Company Name", required=True),
		IntakeField("plan", "Plan", "Select", "Basic\nPro", required=True),
		IntakeField("notes", "Notes", "Long Text"),
		IntakeField("account_id", "Account ID", at_intake=False),
	),
	name="New client onboarding",
)
SOURCE_FIELDS = ("customer_name", "status", "notes")


def test_a_complete_mapping_has_no_problems():
	rows = [MappingRow("company_name", "customer_name"), MappingRow("plan", value="Pro")]
	assert mapping_problems(ONBOARDING, rows, SOURCE_FIELDS) == {}


def test_mapping_problems_name_the_row_and_the_field():
	rows = [
		MappingRow("company", "customer_name"),  # not an intake field
		MappingRow("plan", "no_such_field"),
		MappingRow("notes", "notes", value="also fixed"),
		MappingRow("account_id", "name"),  # filled by a step, not at intake
	]
	problems = mapping_problems(ONBOARDING, rows, SOURCE_FIELDS)
	assert "company is not an intake field" in problems["Row 1: intake field"]
	assert "no_such_field is not a field" in problems["Row 2: source field"]
	assert "not both" in problems["Row 3: value"]
	assert "account_id is not an intake field" in problems["Row 4: intake field"]
	assert "Company Name is required" in problems["intake field company_name"]
	assert "intake field plan" not in problems  # mapped, even if from a bad field: that row says so


def test_standard_fields_can_be_mapped():
	rows = [MappingRow("company_name", "name"), MappingRow("plan", value="Basic")]
	assert mapping_problems(ONBOARDING, rows, ()) == {}


def test_mapped_values_take_fields_and_fixed_values_and_skip_empty_ones():
	rows = [
		MappingRow("company_name", "customer_name"),
		MappingRow("plan", value="Pro"),
		MappingRow("notes", "x"),
	]
	source = {"customer_name": "Northwind", "x": ""}
	assert mapped_values(rows, source) == {"company_name": "Northwind", "plan": "Pro"}


ERPNEXT, PLAIN = registry_of(("Customer",)), registry_of(())


def test_client_with_erpnext_is_a_customer():
	assert choose_client(ERPNEXT, customer="Northwind") == Client("Customer", "Northwind", "", False)
	assert choose_client(ERPNEXT, contact="Ann", contact_links=[("Customer", "Northwind")]) == Client(
		"Customer", "Northwind", "Ann", False
	)
	# a contact of no customer, or of several: the person is known, the client is not
	assert choose_client(ERPNEXT, contact="Ann") == Client("", "", "Ann", True)
	assert choose_client(ERPNEXT, contact="Ann", contact_links=[("Customer", "A"), ("Customer", "B")]).unknown


def test_client_without_erpnext_is_the_contact_unless_it_was_made_just_now():
	assert choose_client(PLAIN, contact="Ann") == Client("Contact", "Ann", "Ann", False)
	assert choose_client(PLAIN, contact="Ann", contact_is_new=True) == Client("", "", "Ann", True)
	assert choose_client(PLAIN) == Client("", "", "", True)


def test_the_registry_keeps_precedence_and_contact_last():
	assert registry_of(()) == ("Contact",)
	assert registry_of(("HD Customer",)) == ("HD Customer", "Contact")
	assert registry_of(("HD Customer", "Customer", "Other")) == ("Customer", "HD Customer", "Contact")


def test_a_helpdesk_site_takes_the_contacts_hd_customer():
	hd = registry_of(("HD Customer",))
	ann = ("HD Customer", "Northwind")
	assert choose_client(hd, contact="Ann", contact_links=[ann]) == Client(
		"HD Customer", "Northwind", "Ann", False
	)
	assert choose_client(hd, contact="Ann") == Client("Contact", "Ann", "Ann", False)
	assert choose_client(hd, contact="Ann", contact_links=[ann, ("HD Customer", "B")]).unknown
	assert choose_client(hd, customer="Acme", customer_type="HD Customer") == Client(
		"HD Customer", "Acme", "", False
	)


def test_with_erpnext_and_helpdesk_the_customer_comes_first_then_the_hd_customer():
	both = registry_of(("Customer", "HD Customer"))
	links = [("HD Customer", "Northwind HD"), ("Customer", "Northwind")]
	assert choose_client(both, contact="Ann", contact_links=links).customer == "Northwind"
	assert choose_client(both, contact="Ann", contact_links=links[:1]) == Client(
		"HD Customer", "Northwind HD", "Ann", False
	)
	# several Customers: someone picks, the HD Customer does not stand in
	many = [("Customer", "A"), ("Customer", "B"), ("HD Customer", "C")]
	assert choose_client(both, contact="Ann", contact_links=many).unknown
	assert choose_client(both, contact="Ann").unknown


def test_duplicates_mode_trigger_then_service_then_link():
	assert duplicates_mode(ALWAYS_NEW, LINK) == ALWAYS_NEW
	assert duplicates_mode(SERVICE_SETTING, ALWAYS_NEW) == ALWAYS_NEW
	assert duplicates_mode(None, None) == LINK
	assert duplicates_mode("", "nonsense") == LINK


def test_open_key_only_for_known_clients_that_link():
	known = Client("Customer", "Northwind", "", False)
	assert open_key("svc", known, LINK) == open_key("svc", known, LINK)
	assert open_key("svc", known, LINK) != open_key("other", known, LINK)
	assert open_key("svc", Client("Contact", "Northwind", "", False), LINK) != open_key("svc", known, LINK)
	assert open_key("svc", known, ALWAYS_NEW) is None
	assert open_key("svc", Client(), LINK) is None
