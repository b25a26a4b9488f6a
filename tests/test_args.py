"""The doors' argument checks (engine.args): every malformed argument is refused by name, nothing else passes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import args
from everstep_flow.engine.args import ArgumentError

HOSTILE = [
	(None, "is required"),
	("", "is required"),
	("   ", "is required"),
	(["FT-1"], "expected text, got a list"),
	({"name": ["like", "%"]}, "expected text, got an object"),
	(5, "expected text, got a number"),
	(True, "expected text, got true/false"),
	("x" * 1_000_000, "is too long (1000000 characters, at most 140)"),
	("FT\x00-1", "must not contain NUL characters"),
	("FT-1\nDROP", "must be a single line"),
]


@pytest.mark.parametrize(("value", "problem"), HOSTILE)
def test_a_name_refuses_what_is_not_one_line_of_text(value, problem):
	with pytest.raises(ArgumentError) as caught:
		args.name(value, "task")
	assert caught.value.argument == "task"
	assert str(caught.value) == f"task: {problem}"


def test_a_name_is_stripped_and_optional_ones_may_be_missing():
	assert args.name("  FT-1 ", "task") == "FT-1"
	assert args.name(None, "requester", required=False) is None
	assert args.name("", "requester", required=False) is None


def test_a_reason_may_span_lines_but_not_a_megabyte():
	assert args.reason("waiting for\nthe vendor") == "waiting for\nthe vendor"
	with pytest.raises(ArgumentError, match="reason: is too long"):
		args.reason("x" * (args.REASON_LENGTH + 1))
	with pytest.raises(ArgumentError, match="reason: is required"):
		args.reason(" ")
	assert args.reason(None, "note", required=False) is None


@pytest.mark.parametrize(
	("value", "expected"),
	[
		(None, True),
		("", True),
		(True, True),
		(False, False),
		(0, False),
		(1, True),
		("0", False),
		("true", True),
	],
)
def test_a_flag_takes_the_usual_spellings(value, expected):
	assert args.flag(value, "is_internal", default=True) is expected


@pytest.mark.parametrize("value", [2, "maybe", [], {}, 0.5])
def test_a_flag_refuses_anything_else(value):
	with pytest.raises(ArgumentError, match="is_internal: expected true or false"):
		args.flag(value, "is_internal")


@pytest.mark.parametrize(
	("value", "problem"),
	[
		("[1, 2]", "expected an object of fieldname: value, got a list"),
		([1], "expected an object of fieldname: value, got a list"),
		(7, "expected an object of fieldname: value, got a number"),
		("{not json", "is not valid JSON"),
		("x" * 200_000, "is too long (200000 characters, at most 100000)"),
		({"a\x00": 1}, "every fieldname must be a short piece of text"),
		({"x" * 200: 1}, "every fieldname must be a short piece of text"),
	],
)
def test_a_mapping_refuses_what_is_not_an_object(value, problem):
	with pytest.raises(ArgumentError) as caught:
		args.mapping(value, "values")
	assert str(caught.value) == f"values: {problem}"


def test_a_mapping_reads_json_text_or_an_object():
	assert args.mapping('{"plan": "Basic"}', "values") == {"plan": "Basic"}
	assert args.mapping({"plan": "Basic"}, "values") == {"plan": "Basic"}
	assert args.mapping(None, "values") == {}


@given(st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.text()), st.text()))
def test_text_either_returns_clean_text_or_names_the_argument(value):
	try:
		result = args.text(value, "subject", max_length=240)
	except ArgumentError as e:
		assert e.argument == "subject"
		return
	assert isinstance(result, str)
	assert result == result.strip() and result
	assert "\x00" not in result and "\n" not in result and len(result) <= 240


def test_numbers_integers_and_name_lists():
	from everstep_flow.engine import args as A

	assert A.number("12.5", "duration") == 12.5
	assert A.number(3, "duration") == 3
	assert A.number(None, "duration", required=False) is None
	for bad in (True, [1], {"a": 1}, "ten", "nan", "inf"):
		with pytest.raises(A.ArgumentError, match="duration"):
			A.number(bad, "duration")
	with pytest.raises(A.ArgumentError, match="between"):
		A.number(-1, "duration", minimum=0, maximum=10)
	assert A.integer(None, "limit", default=20) == 20
	assert A.integer("40", "limit", default=20, maximum=100) == 40
	for bad in ("1.5", 101, "x"):
		with pytest.raises(A.ArgumentError, match="limit"):
			A.integer(bad, "limit", default=20, maximum=100)
	assert A.names('["call", "email"]', "kinds") == ["call", "email"]
	assert A.names("call, email", "kinds") == ["call", "email"]
	assert A.names(["call"], "kinds") == ["call"]
	assert A.names(None, "kinds") == []
	for bad in ({"a": 1}, 5, ["x"] * 60, [["nested"]], "[broken"):
		with pytest.raises(A.ArgumentError, match="kinds"):
			A.names(bad, "kinds")
