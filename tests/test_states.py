"""The state machines, the request status derived from tasks, and the moves a person may make now."""

import pytest

from everstep_flow.engine import states as S

MACHINES = (S.TASK, S.HANDOFF)


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
	assert t.guard == S.NOT_AWAITING_HANDOFF
	member = S.Actor(member=True)
	assert S.task_moves(S.QUEUED, awaiting_handoff=True, actor=member) == []
	assert S.task_moves(S.QUEUED, awaiting_handoff=False, actor=member) == ["Claim"]


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


MANAGER = S.Actor(manager=True, member=True)
CLAIMANT = S.Actor(member=True, claimant=True)
MEMBER = S.Actor(member=True)
LEAD = S.Actor(member=True, lead=True)
OUTSIDER = S.Actor()


@pytest.mark.parametrize(
	("status", "actor", "moves"),
	[
		(S.QUEUED, MEMBER, ["Claim"]),
		(S.QUEUED, MANAGER, ["Claim", "Cancel"]),
		(S.QUEUED, OUTSIDER, []),
		(S.CLAIMED, CLAIMANT, ["Start", "Release"]),
		(S.CLAIMED, MEMBER, []),
		(S.CLAIMED, LEAD, ["Release"]),
		(S.CLAIMED, MANAGER, ["Start", "Release", "Cancel"]),
		(S.IN_PROGRESS, CLAIMANT, ["Release", "Complete", "Block", "Wait on Customer"]),
		(S.BLOCKED, CLAIMANT, ["Unblock"]),
		(S.WAITING, CLAIMANT, ["Resume"]),
		(S.DONE, MANAGER, []),
		(S.CANCELLED, MANAGER, []),
	],
)
def test_the_moves_a_person_may_make_now(status, actor, moves):
	assert S.task_moves(status, awaiting_handoff=False, actor=actor) == moves


def test_handoff_moves_are_for_the_receiving_team():
	assert S.handoff_moves(S.PENDING, MEMBER) == ["Accept", "Return"]
	assert S.handoff_moves(S.PENDING, OUTSIDER) == []
	assert S.handoff_moves(S.ACCEPTED, MANAGER) == []


def test_only_member_moves_are_ever_offered():
	system = {t.action for t in S.TASK.transitions if t.by == "system"} - S.TASK.actions_by("member")
	for status in S.TASK_STATES:
		for actor in (MANAGER, CLAIMANT, MEMBER, LEAD):
			assert not set(S.task_moves(status, False, actor)) & system
