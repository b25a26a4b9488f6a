"""What a manager writes that runs later (issue 18): conditions and subjects reach nothing but the values given."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.expressions import (
	MAX_SUBJECT,
	Refused,
	check_condition,
	check_template,
	guarded,
	render_template,
)
from everstep_flow.tests.payloads import HOSTILE_CONDITIONS, HOSTILE_TEMPLATES

FIELDS = ("status", "customer", "priority", "amount", "subject")


@pytest.mark.parametrize("template", HOSTILE_TEMPLATES)
def test_hostile_templates_are_refused(template):
	with pytest.raises(Refused):
		check_template(template, FIELDS)
	with pytest.raises(Refused):
		render_template(template, {"status": "Open"}, FIELDS)


@pytest.mark.parametrize("condition", HOSTILE_CONDITIONS)
def test_hostile_conditions_are_refused(condition):
	with pytest.raises(Refused):
		check_condition(condition, FIELDS, document="doc")


@pytest.mark.parametrize(
	"template, expected",
	[
		("Support: {{ doc.subject }}", "Support: Printer on fire and smoke"),
		("{{ doc.customer|upper }} / {{ doc['priority'] }}", "ACME / High"),
		(
			"{% if doc.priority == 'High' %}URGENT {% endif %}{{ doc.subject|truncate(10) }}",
			"URGENT Printer...",
		),
		("{{ doc.amount|default('none') }}", "none"),
		("{{ doc.customer ~ ' - ' ~ doc.status }}", "Acme - Open"),
	],
)
def test_plain_templates_render(template, expected):
	check_template(template, FIELDS)
	values = {
		"subject": "Printer on fire and smoke",
		"customer": "Acme",
		"priority": "High",
		"status": "Open",
	}
	assert render_template(template, values, FIELDS) == expected


def test_render_sees_only_plain_values():
	values = {"subject": object(), "status": "Open", "_private": "x"}
	assert render_template("{{ doc.subject }}|{{ doc.status }}", values, FIELDS) == "|Open"


@pytest.mark.parametrize(
	"condition",
	[
		"doc.status == 'Open'",
		"doc.priority in ('High', 'Urgent') and not doc.customer",
		"doc.get('status') == 'Open'",
		"doc.get('amount', 0) > 100",
		"int(doc.amount or 0) > 5 or doc['status'] != 'Closed'",
		"doc.amount * 2 > 10",
		"doc.subject.startswith('Acme') and doc.get('status').upper() == 'OPEN'",
	],
)
def test_plain_conditions_pass(condition):
	check_condition(condition, FIELDS, document="doc")


def test_step_conditions_name_the_service_values():
	check_condition("plan == 'Gold' and seats > 10", ("plan", "seats"))
	with pytest.raises(Refused, match="not a field"):
		check_condition("frappe", ("plan",))
	with pytest.raises(Refused):
		check_condition("plan.__class__", ("plan",))


def test_subject_length_is_bounded():
	check_template("x" * MAX_SUBJECT, FIELDS)
	with pytest.raises(Refused, match="characters"):
		check_template("x" * (MAX_SUBJECT + 1), FIELDS)


@given(st.text(max_size=60))
def test_any_text_is_refused_or_renders_without_error(text):
	"""Whatever a manager types, checking either refuses it or it renders (no other exception escapes)."""
	try:
		check_template(text, FIELDS)
	except Refused:
		return
	try:
		render_template(text, {"status": "Open"}, FIELDS)
	except Refused:
		pytest.fail("passed the check once and not the second time")
	except Exception as e:  # only data-dependent errors (e.g. int of text) may remain
		assert type(e).__name__ in {"TypeError", "ValueError", "UndefinedError", "ZeroDivisionError"}, e


def test_text_values_are_never_repeated_at_run_time():
	"""A data-controlled repeat (`doc.subject * doc.quantity`) passes the check; the values refuse it when run."""
	check_condition("doc.subject * doc.amount", FIELDS, document="doc")
	doc = guarded({"subject": "x", "amount": 10**11})
	with pytest.raises(TypeError):
		doc["subject"] * doc["amount"]
	with pytest.raises(TypeError):
		doc["amount"] * doc["subject"]
	with pytest.raises(TypeError):
		doc["subject"] % ()
	assert doc["subject"] == "x" and doc["subject"].upper() == "X" and doc["amount"] * 2 == 2 * 10**11


def test_a_subject_prints_at_most_a_bounded_piece_of_each_value():
	rendered = render_template(
		"{{ doc.subject|replace('a', 'aaaaaaaaaa') }}", {"subject": "a" * 10**6}, FIELDS
	)
	assert len(rendered) == 10_000  # 1,000 characters of the value, each made ten
