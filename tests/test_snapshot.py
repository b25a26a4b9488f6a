"""The definition snapshot stored on each request must round-trip exactly."""

import json

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import (
	INTAKE_FIELDTYPES,
	IntakeField,
	ServiceDefinition,
	Step,
	fingerprint,
	from_snapshot,
	split_keys,
	to_snapshot,
)
from tests.factories import dags, onboarding

text = st.text(max_size=30)


@st.composite
def full_definitions(draw):
	base = draw(dags())
	steps = tuple(
		Step(
			key=s.key,
			title=draw(text),
			team=s.team,
			depends_on=s.depends_on,
			condition=draw(text),
			required_outputs=tuple(draw(st.lists(text, max_size=3))),
			checklist=tuple(draw(st.lists(text, max_size=3))),
			target_minutes=draw(st.integers(0, 10**6)),
			accept_minutes=draw(st.integers(0, 10**6)),
			instructions=draw(text),
		)
		for s in base.steps
	)
	fields = tuple(
		IntakeField(
			fieldname=draw(text),
			label=draw(text),
			fieldtype=draw(st.sampled_from(INTAKE_FIELDTYPES)),
			options=draw(text),
			required=draw(st.booleans()),
			help=draw(text),
			at_intake=draw(st.booleans()),
		)
		for _ in range(draw(st.integers(0, 4)))
	)
	return ServiceDefinition(
		name=draw(text),
		title=draw(text),
		owner_team=draw(text),
		target_minutes=draw(st.integers(0, 10**6)),
		intake_fields=fields,
		steps=steps,
	)


@given(full_definitions())
def test_snapshot_round_trips_exactly(defn):
	snap = to_snapshot(defn)
	assert from_snapshot(snap) == defn
	assert to_snapshot(from_snapshot(snap)) == snap
	assert json.loads(snap)["schema"] == 1


def test_fingerprint_ignores_title_but_not_steps():
	defn = onboarding()
	renamed = ServiceDefinition(**{**defn.__dict__, "title": "Another title", "name": "other"})
	assert fingerprint(renamed) == fingerprint(defn)
	fewer = ServiceDefinition(**{**defn.__dict__, "steps": defn.steps[:1]})
	assert fingerprint(fewer) != fingerprint(defn)


def test_split_keys():
	assert split_keys("a, b\nc,, a ") == ("a", "b", "c")
	assert split_keys(None) == ()
	assert split_keys(["x", " y "]) == ("x", "y")
