"""The process map: deterministic, one lane per team, a box per step, an arrow per dependency, escaped text."""

import xml.etree.ElementTree as ET

from hypothesis import given, settings

from everstep_flow.engine import render_svg
from tests.factories import dags, onboarding, service, step

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
	return ET.fromstring(svg)


def test_onboarding_map_has_lanes_boxes_and_arrows():
	root = parse(render_svg(onboarding()))
	lanes = [g.get("data-team") for g in root.findall("svg:g[@class='esf-lane']", NS)]
	assert lanes == ["Sales", "Operations", "Finance"]
	steps = [g.get("data-step") for g in root.findall("svg:g[@class='esf-step']", NS)]
	assert sorted(steps) == sorted(onboarding().step_keys)
	edges = {(p.get("data-from"), p.get("data-to")) for p in root.findall("svg:path[@class='esf-edge']", NS)}
	assert edges == {
		("sales_handover", "provisioning"),
		("sales_handover", "billing_setup"),
		("provisioning", "support_kickoff"),
		("billing_setup", "support_kickoff"),
	}


def test_user_text_is_escaped():
	evil = '<script>alert("x")</script>&'
	svg = render_svg(service(step("a", team=evil), name=evil))
	assert "<script>" not in svg
	root = parse(svg)  # still well-formed XML
	assert root.find("svg:g[@class='esf-lane']", NS).get("data-team") == evil


def test_states_colour_the_boxes():
	svg = render_svg(onboarding(), states={"sales_handover": "Done", "provisioning": "In Progress"})
	root = parse(svg)
	state = {g.get("data-step"): g.get("data-state") for g in root.findall("svg:g[@class='esf-step']", NS)}
	assert state["sales_handover"] == "Done" and state["billing_setup"] == ""


def test_empty_and_cyclic_definitions_still_draw():
	assert "no steps" in render_svg(service())
	assert "cycle" in render_svg(service(step("a", after="b"), step("b", after="a")))


@settings(max_examples=100)
@given(dags())
def test_map_is_deterministic_and_complete(defn):
	svg = render_svg(defn)
	assert svg == render_svg(defn)
	root = parse(svg)
	assert len(root.findall("svg:g[@class='esf-step']", NS)) == len(defn.steps)
	assert len(root.findall("svg:path[@class='esf-edge']", NS)) == sum(len(s.depends_on) for s in defn.steps)
	assert len(root.findall("svg:g[@class='esf-lane']", NS)) == len(defn.teams)
