import pytest
from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import IntakeField
from everstep_flow.engine.values import ValuesError, check_values, output_values
from tests.factories import service, step

FIELDS = (
	IntakeField("name", "Name", "Data", required=True),
	IntakeField("email", "Email", "Email"),
	IntakeField("seats", "Seats", "Int"),
	IntakeField("price", "Price", "Currency"),
	IntakeField("plan", "Plan", "Select", options="Basic\nPro"),
	IntakeField("start", "Start", "Date"),
	IntakeField("urgent", "Urgent", "Check"),
	IntakeField("notes", "Notes", "Long Text"),
)


def test_good_values_are_normalised():
	clean = check_values(
		FIELDS,
		{
			"name": " Acme ",
			"seats": "12",
			"price": 9.5,
			"plan": "Pro",
			"start": "2026-12-01",
			"urgent": True,
			"email": "",
		},
	)
	assert clean == {
		"name": "Acme",
		"seats": "12",
		"price": "9.5",
		"plan": "Pro",
		"start": "2026-12-01",
		"urgent": "1",
	}


def test_every_bad_field_is_named_at_once():
	with pytest.raises(ValuesError) as err:
		check_values(
			FIELDS,
			{
				"seats": "many",
				"plan": "Gold",
				"start": "01/12/2026",
				"email": "nope",
				"bogus": 1,
				"notes": "x" * 10_001,
			},
		)
	assert set(err.value.problems) == {"name", "seats", "plan", "start", "email", "bogus", "notes"}
	assert err.value.problems["name"] == "Name is required"
	assert err.value.problems["plan"] == "Plan must be one of: Basic, Pro"
	assert err.value.problems["bogus"] == "is not a field of this service"
	assert "too long" in err.value.problems["notes"]


def test_outputs_require_the_steps_required_outputs():
	defn = service(
		step("a", required_outputs=("serial",)),
		fields=(
			IntakeField("serial", "Serial", at_intake=False),
			IntakeField("model", "Model", required=True),
		),
	)
	with pytest.raises(ValuesError) as err:
		output_values(defn, "a", {}, existing={})
	assert err.value.problems == {"serial": "Serial is required"}
	assert output_values(defn, "a", {"serial": "X1"}, existing={}) == {"serial": "X1"}
	assert output_values(defn, "a", {}, existing={"serial": "X1"}) == {}


@given(st.integers(-(10**12), 10**12))
def test_ints_round_trip(n):
	assert check_values(FIELDS[2:3], {"seats": str(n)}) == {"seats": str(n)}


@pytest.mark.parametrize(
	("typed", "stored"),
	[
		("Laptop <img src=x onerror=alert(1)//", "Laptop img src=x onerror=alert(1)//"),
		("<svg onload=alert(1)//", "svg onload=alert(1)//"),
		("<script>alert(1)</script>", "alert(1)"),
		('"><img src=x onerror=alert(1)>', '">'),
		("<<b>img src=x>", "img src=x>"),
		("a < b and c > d", "a < b and c > d"),
		("I <3 it", "I <3 it"),
		("plain text", "plain text"),
	],
)
def test_what_people_type_is_stored_as_text(typed, stored):
	from everstep_flow.engine.values import plain

	assert plain(typed) == stored
	assert (
		check_values([IntakeField("notes", "Notes", "Long Text")], {"notes": typed}).get("notes", "")
		== stored.strip()
	)


@given(st.text(max_size=200))
def test_plain_text_never_holds_a_tag(text):
	import re

	from everstep_flow.engine.values import plain

	assert not re.search(r"<[A-Za-z/!?]", plain(text))


def test_a_text_that_is_only_markup_is_as_if_not_given():
	note = IntakeField("note", "Note", "Small Text", required=True)
	extra = IntakeField("extra", "Extra", "Data")
	with pytest.raises(ValuesError) as e:
		check_values([note], {"note": "<img src=x onerror=alert(1)>"})
	assert e.value.problems == {"note": "Note is required"}
	assert check_values([note, extra], {"note": "fine", "extra": "<b></b>"}) == {"note": "fine"}
