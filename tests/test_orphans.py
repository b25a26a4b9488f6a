"""The no-orphan rule, on a table of cases."""

import pytest

from everstep_flow.engine import states as S
from everstep_flow.engine.orphans import (
	CLAIMANT_UNAVAILABLE,
	NEXT_STEP_UNCLEAR,
	NO_OPEN_TASK,
	TEAM_UNAVAILABLE,
	OpenRequest,
	OpenTask,
	find_orphans,
)

AVAILABLE = {"Sales": {"ann"}, "Ops": {"bob", "cid"}, "Empty": set()}


@pytest.mark.parametrize(
	"tasks, steps_without_task, expected",
	[
		([OpenTask("t1", "Sales", S.QUEUED)], 0, []),
		([OpenTask("t1", "Ops", S.CLAIMED, "bob")], 0, []),
		([OpenTask("t1", "Sales", S.DONE, "ann")], 0, [NO_OPEN_TASK]),
		([OpenTask("t1", "Sales", S.DONE, "ann")], 2, [NEXT_STEP_UNCLEAR]),
		([], 1, [NEXT_STEP_UNCLEAR]),
		([OpenTask("t1", "Empty", S.QUEUED)], 0, [TEAM_UNAVAILABLE]),
		([OpenTask("t1", "Nobody", S.QUEUED)], 0, [TEAM_UNAVAILABLE]),
		([OpenTask("t1", "Ops", S.IN_PROGRESS, "dan")], 0, [CLAIMANT_UNAVAILABLE]),
		([OpenTask("t1", "Ops", S.BLOCKED, "ann")], 0, [CLAIMANT_UNAVAILABLE]),  # ann is in Sales, not Ops
		([OpenTask("t1", "Empty", S.WAITING, "eve")], 0, [TEAM_UNAVAILABLE, CLAIMANT_UNAVAILABLE]),
		([OpenTask("t1", "Ops", S.DONE), OpenTask("t2", "Sales", S.QUEUED)], 0, []),
	],
)
def test_findings(tasks, steps_without_task, expected):
	found = find_orphans([OpenRequest("FR-1", tuple(tasks), steps_without_task)], AVAILABLE)
	assert [f.kind for f in found] == expected
	assert all(f.request == "FR-1" and "FR-1" in f.message for f in found)


def test_system_return_to_queue_covers_every_claimed_state():
	for state in (S.CLAIMED, S.IN_PROGRESS, S.BLOCKED, S.WAITING):
		assert S.TASK.between(state, S.QUEUED, by="system").action == "Return to Queue"
	assert S.TASK.between(S.CLAIMED, S.QUEUED).action == "Release"
