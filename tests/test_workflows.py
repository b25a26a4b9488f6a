"""The workflows as data (everstep_flow/workflows/*.json): consistent, walked as a table, and what the desk and the
README show agrees with them."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from everstep_flow.engine import states as S

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "everstep_flow" / "workflows").glob("*.json"))
MACHINES = {"Flow Task": S.TASK, "Flow Handoff": S.HANDOFF, "Flow Request": S.REQUEST}
CONSTANTS = {"Flow Task": S.TASK_STATES, "Flow Handoff": S.HANDOFF_STATES, "Flow Request": S.REQUEST_STATES}
ROLES = (S.AGENT, S.MANAGER, "Guest")
COLOURS = {
	"blue",
	"green",
	"orange",
	"red",
	"yellow",
	"purple",
	"gray",
	"pink",
	"cyan",
	"darkgrey",
	"lightblue",
}


def test_there_is_one_file_per_machine():
	assert {json.loads(p.read_text())["doctype"] for p in FILES} == set(MACHINES)


@pytest.mark.parametrize("doctype", MACHINES)
def test_a_workflow_is_consistent(doctype):
	flow = S.load_workflow(doctype)
	states = [s["state"] for s in flow["states"]]
	assert tuple(states) == CONSTANTS[doctype]  # the names the code uses are the declared ones
	assert flow["initial"] in states
	assert all(s["indicator"] in COLOURS for s in flow["states"])
	for t in flow["transitions"]:
		assert set(t["from"]) <= set(states) and t["to"] in states, t
		assert set(t.get("roles", S.DEFAULT_ROLES)) <= {S.AGENT, S.MANAGER}, t
		assert t.get("by", "member") in ("member", "system"), t
		assert not (t.get("by") == "system" and t.get("roles")), t  # the engine acts for no role
	member = [
		(source, t["action"])
		for t in flow["transitions"]
		if t.get("by", "member") == "member"
		for source in t["from"]
	]
	assert len(member) == len(set(member)), "an action is declared twice from one state"


@pytest.mark.parametrize("doctype", MACHINES)
def test_every_declared_move_is_allowed_and_every_other_refused(doctype):
	"""The table walk: every state x every action of the machine x every role."""
	machine = MACHINES[doctype]
	declared = {
		(t.source, t.action, role) for t in machine.transitions if t.by == "member" for role in t.roles
	}
	for state, action, role in itertools.product(machine.states, machine.actions_by("member"), ROLES):
		try:
			t = machine.find(state, action)
			allowed = t.by == "member" and role in t.roles
		except S.IllegalTransition:
			allowed = False
		assert allowed == ((state, action, role) in declared), (doctype, state, action, role)


def test_the_buttons_are_the_declared_moves():
	"""A Flow Manager sees, in each state, every member move the workflow declares from it (Claim aside while a
	handoff waits); a stranger sees none."""
	manager, stranger = S.Actor(manager=True), S.Actor()
	for state in S.TASK.states:
		assert S.task_moves(state, False, manager) == S.TASK.actions(state)
		assert S.task_moves(state, True, manager) == [a for a in S.TASK.actions(state) if a != "Claim"]
		assert S.task_moves(state, False, stranger) == []
	for state in S.HANDOFF.states:
		assert S.handoff_moves(state, manager) == S.HANDOFF.actions(state)


def _js_colours(path: Path, name: str) -> dict[str, str]:
	text = path.read_text()
	body = re.search(rf"{re.escape(name)}\s*=\s*\{{(.*?)\}};", text, re.S).group(1)
	return {k or q: v for q, k, v in re.findall(r'(?:"([^"]+)"|(\w+))\s*:\s*"(\w+)"', body)}


def test_the_desk_colours_are_the_declared_ones():
	app = ROOT / "everstep_flow"
	task = _js_colours(app / "public" / "js" / "everstep_flow.bundle.js", "everstep_flow.TASK_COLOURS")
	handoff = _js_colours(app / "everstep_flow" / "doctype" / "flow_task" / "flow_task.js", "HANDOFF_COLOURS")
	assert {k: v for k, v in task.items() if k in S.TASK.states} == S.indicators("Flow Task")
	assert handoff == S.indicators("Flow Handoff")


def transitions_table(doctype: str) -> str:
	"""The README's table of a workflow, made from its file."""
	rows = ["| Action | From | To | Who | Needs |", "|---|---|---|---|---|"]
	for t in S.load_workflow(doctype)["transitions"]:
		who = "the engine" if t.get("by") == "system" else ", ".join(t.get("roles", S.DEFAULT_ROLES))
		if t.get("requester"):
			who += ", the requester"
		rows.append(f"| {t['action']} | {', '.join(t['from'])} | {t['to']} | {who} | {t.get('needs', '')} |")
	return "\n".join(rows)


@pytest.mark.parametrize("doctype", MACHINES)
def test_the_readme_shows_each_workflow_as_declared(doctype):
	assert transitions_table(doctype) in (ROOT / "README.md").read_text(), (
		f"README's table for {doctype} differs from its workflow file; it should read:\n"
		+ transitions_table(doctype)
	)
