"""The state machines, the request status derived from tasks, and the Workflow files generated from them."""

import json

import pytest

from everstep_flow.engine import states as S
from everstep_flow.engine.workflow_spec import MACHINES, render, workflow_document, workflow_file


def test_task_happy_path():
	state = S.TASK.initial
	for action in ("Claim", "Start", "Complete"):
		state = S.TASK.find(state, action).target
	assert state == S.DONE


def test_illegal_transitions_are_refused():
	with pytest.raises(S.IllegalTransition):
		S.TASK.find(S.QUEUED, "Complete")
	with pytest.raises(S.IllegalTransition):
		S.TASK.between(S.DONE, S.QUEUED)
	with pytest.raises(S.IllegalTransition):
		S.HANDOFF.find(S.RETURNED, "Accept")


def test_between_is_unique_per_actor_kind():
	for machine in MACHINES:
		for by in ("member", "system"):
			pairs = [(t.source, t.target) for t in machine.transitions if t.by == by]
			actions = {}
			for t in machine.transitions:
				if t.by == by:
					actions.setdefault((t.source, t.target), set()).add(t.action)
			assert all(len(a) == 1 for a in actions.values()), actions
			assert len(pairs) == len(set(pairs))


def test_every_state_is_reachable_and_terminal_states_have_no_buttons():
	for machine in MACHINES:
		reachable = {machine.initial} | {t.target for t in machine.transitions}
		assert reachable | {S.SKIPPED} >= set(machine.states)
	for closed in (S.SKIPPED, S.CANCELLED):
		assert S.TASK.actions(closed) == []
	assert S.TASK.actions(S.DONE) == []


def test_claim_is_guarded_while_a_handoff_waits():
	t = S.TASK.find(S.QUEUED, "Claim")
	assert S.GUARD_CONDITIONS[t.guard] == "not doc.awaiting_handoff"


@pytest.mark.parametrize(
	"tasks, cancelled, more, expected",
	[
		([S.QUEUED], False, False, S.REQ_OPEN),
		([S.QUEUED, S.SKIPPED], False, True, S.REQ_OPEN),
		([S.CLAIMED], False, False, S.REQ_IN_PROGRESS),
		([S.DONE, S.QUEUED], False, False, S.REQ_IN_PROGRESS),
		([S.DONE, S.WAITING], False, False, S.REQ_WAITING),
		([S.WAITING, S.QUEUED], False, False, S.REQ_IN_PROGRESS),
		([S.DONE, S.SKIPPED], False, False, S.REQ_COMPLETED),
		([S.DONE], False, True, S.REQ_IN_PROGRESS),
		([S.QUEUED], True, False, S.REQ_CANCELLED),
		([S.CANCELLED], False, False, S.REQ_CANCELLED),
	],
)
def test_request_status_is_derived(tasks, cancelled, more, expected):
	assert S.request_status(tasks, cancelled=cancelled, more_steps=more) == expected


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_workflow_files_equal_the_core_machines(machine):
	"""The installed Frappe Workflow must be exactly the core's machine: regenerate with
	`python -m everstep_flow.engine.workflow_spec` after changing states.py."""
	on_disk = json.loads(workflow_file(machine).read_text())
	assert on_disk == workflow_document(machine)
	assert workflow_file(machine).read_text() == render(machine)
	assert [s["state"] for s in on_disk["states"]] == list(machine.states)
	assert on_disk["states"][0]["state"] == machine.initial  # Frappe creates documents in the first state
	rows = {(t["state"], t["action"], t["next_state"], t["allowed"]) for t in on_disk["transitions"]}
	expected = {
		(t.source, t.action, t.target, role)
		for t in machine.transitions
		if t.by == "member"
		for role in t.roles
	}
	assert rows == expected
