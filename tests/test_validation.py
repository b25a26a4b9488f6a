"""Each rule of a valid definition, with the message a Flow Manager would see."""

import pytest

from everstep_flow.engine import DefinitionError, IntakeField, check, problems
from tests.factories import onboarding, service, step


def codes(defn):
	return [p.code for p in problems(defn)]


def test_onboarding_is_valid():
	assert problems(onboarding()) == []
	assert check(onboarding()) == onboarding()


def test_unknown_dependency_is_named():
	found = problems(service(step("a"), step("b", after="ghost")))
	assert [p.code for p in found] == ["unknown_dependency"]
	assert "'b'" in found[0].message and "'ghost'" in found[0].message
	assert found[0].step == "b"


def test_cycle_is_named_in_flow_order():
	found = problems(service(step("a", after="c"), step("b", after="a"), step("c", after="b")))
	assert [p.code for p in found] == ["cycle"]
	assert found[0].message.endswith("a → b → c → a")


def test_self_dependency_is_a_cycle():
	found = problems(service(step("a", after="a")))
	assert [p.code for p in found] == ["cycle"]
	assert "a → a" in found[0].message


def test_step_without_team():
	found = problems(service(step("a", team="")))
	assert [p.code for p in found] == ["missing_team"]
	assert "Step 'a' has no team" in found[0].message


def test_duplicate_step_key():
	found = problems(service(step("a"), step("a", team="Finance")))
	assert [p.code for p in found] == ["duplicate_step"]
	assert "'a'" in found[0].message


@pytest.mark.parametrize("key", ["A", "1st", "with space", "dash-key"])
def test_step_key_format(key):
	assert codes(service(step(key))) == ["invalid_step_key"]


def test_step_key_and_title_required():
	assert codes(service(step(""))) == ["missing_step_key", "missing_title"]


def test_select_without_options():
	defn = service(step("a"), fields=(IntakeField("size", "Size", "Select", options="\n  \n"),))
	found = problems(defn)
	assert [p.code for p in found] == ["select_without_options"]
	assert found[0].field == "size" and "'size'" in found[0].message


def test_link_needs_a_doctype():
	assert codes(service(step("a"), fields=(IntakeField("cust", "Customer", "Link"),))) == [
		"link_without_doctype"
	]


def test_unknown_fieldtype():
	found = problems(service(step("a"), fields=(IntakeField("x", "X", "Table"),)))
	assert [p.code for p in found] == ["invalid_fieldtype"]
	assert "'Table'" in found[0].message


def test_duplicate_and_invalid_fieldnames():
	fields = (
		IntakeField("x", "X"),
		IntakeField("x", "X again"),
		IntakeField("Bad Name", "B"),
		IntakeField("y", " "),
	)
	assert codes(service(step("a"), fields=fields)) == [
		"duplicate_field",
		"invalid_fieldname",
		"missing_label",
	]


def test_required_output_must_be_declared():
	defn = service(step("a", required_outputs=("serial",)), fields=(IntakeField("model", "Model"),))
	found = problems(defn)
	assert [p.code for p in found] == ["undeclared_output"]
	assert found[0].step == "a" and found[0].field == "serial"
	ok = service(
		step("a", required_outputs=("serial",)), fields=(IntakeField("serial", "Serial", at_intake=False),)
	)
	assert problems(ok) == []


def test_condition_must_parse():
	fields = (IntakeField("amount", "Amount", "Currency"), IntakeField("country", "Country", "Data"))
	assert codes(service(step("a", condition="amount >"), fields=fields)) == ["invalid_condition"]
	assert problems(service(step("a", condition="amount > 1000 and country == 'IN'"), fields=fields)) == []


def test_condition_reads_only_the_service_values():
	"""Issue 18: a step's condition runs when a request moves; it may reach nothing but the request's values."""
	fields = (IntakeField("amount", "Amount", "Currency"),)
	for condition in (
		"ghost > 1",
		"frappe.db.sql('select 1')",
		"amount.__class__",
		"().__class__",
		"10 ** 10 ** 10",
	):
		assert codes(service(step("a", condition=condition), fields=fields)) == ["invalid_condition"], (
			condition
		)


def test_no_steps_and_negative_durations():
	assert codes(service()) == ["no_steps"]
	assert codes(service(step("a", target_minutes=-5))) == ["negative_duration"]


def test_all_problems_reported_at_once():
	defn = service(step("a", team=""), step("b", after="ghost"), step("b"))
	assert sorted(codes(defn)) == ["duplicate_step", "missing_team", "unknown_dependency"]
	with pytest.raises(DefinitionError) as err:
		check(defn)
	assert len(err.value.problems) == 3
