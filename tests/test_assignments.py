"""Claims are assignments (engine.assignments): the contract of what a move does to a task's ToDo, and of dispatch."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import assignments as A
from everstep_flow.engine import states as S

STATES = st.sampled_from(list(S.TASK.states))
PEOPLE = st.sampled_from(["", "ann", "bob", "cem"])


def test_a_claim_opens_the_claimants_assignment_and_a_release_cancels_it():
	assert A.change(S.QUEUED, "", S.CLAIMED, "ann") == A.Change(open="ann")
	assert A.change(S.IN_PROGRESS, "ann", S.QUEUED, "") == A.Change(close="ann", close_as=A.CANCELLED)


def test_completion_closes_cancel_cancels_and_a_reopen_gives_it_back():
	assert A.change(S.IN_PROGRESS, "ann", S.DONE, "ann") == A.Change(close="ann", close_as=A.CLOSED)
	assert A.change(S.BLOCKED, "ann", S.CANCELLED, "ann") == A.Change(close="ann", close_as=A.CANCELLED)
	assert A.change(S.DONE, "ann", S.IN_PROGRESS, "ann") == A.Change(open="ann")


def test_moves_that_keep_the_holder_change_nothing():
	for before, after in ((S.CLAIMED, S.IN_PROGRESS), (S.IN_PROGRESS, S.BLOCKED), (S.IN_PROGRESS, S.WAITING)):
		assert A.change(before, "ann", after, "ann") is None
	assert A.change(S.QUEUED, "", S.CANCELLED, "") is None


@given(STATES, PEOPLE, STATES, PEOPLE)
def test_after_any_move_exactly_the_holder_is_assigned(before, was, after, now):
	"""Whatever the move, the open assignees after it are the task's holder and nobody else."""
	open_before = {A.holder(before, was)} - {""}
	found = A.change(before, was, after, now)
	if found is None:
		assert open_before == {A.holder(after, now)} - {""}
		return
	open_after = (open_before - {found.close}) | ({found.open} - {""})
	assert open_after == {A.holder(after, now)} - {""}
	assert found.assigned == sorted({A.holder(after, now)} - {""})
	assert found.close_as == (A.CLOSED if after == S.DONE else A.CANCELLED)


def test_round_robin_goes_on_after_the_last_user_and_skips_who_cannot_take_work():
	users = ["ann", "bob", "cem"]
	assert A.pick(A.ROUND_ROBIN, users, {"ann", "bob", "cem"}, last_user="ann") == "bob"
	assert A.pick(A.ROUND_ROBIN, users, {"ann", "cem"}, last_user="ann") == "cem"
	assert A.pick(A.ROUND_ROBIN, users, {"ann", "bob"}, last_user="cem") == "ann"
	assert A.pick(A.ROUND_ROBIN, users, set(), last_user="cem") is None


def test_load_balancing_takes_the_least_loaded_in_the_rules_order():
	users = ["ann", "bob", "cem"]
	assert A.pick(A.LOAD_BALANCING, users, set(users), loads={"ann": 2, "bob": 1, "cem": 1}) == "bob"
	assert A.pick(A.LOAD_BALANCING, users, {"ann", "cem"}, loads={"ann": 2, "bob": 0, "cem": 1}) == "cem"


def test_ten_tasks_over_three_members_one_away():
	turns = A.deal(A.ROUND_ROBIN, ["ann", "bob", "cem"], {"ann", "cem"}, 10)
	assert turns == ["ann", "cem"] * 5


def test_a_limit_stops_the_deal_when_everyone_is_full():
	turns = A.deal(A.LOAD_BALANCING, ["ann", "bob"], {"ann", "bob"}, 5, loads={"ann": 1}, limit=2)
	assert turns == ["bob", "ann", "bob", None, None]


@given(
	st.sampled_from([A.ROUND_ROBIN, A.LOAD_BALANCING]),
	st.lists(st.sampled_from(["ann", "bob", "cem", "dan"]), min_size=1, max_size=4, unique=True),
	st.sets(st.sampled_from(["ann", "bob", "cem", "dan"])),
	st.integers(0, 12),
	st.integers(0, 3),
	st.dictionaries(st.sampled_from(["ann", "bob", "cem", "dan"]), st.integers(0, 4)),
)
def test_a_deal_gives_only_to_available_rule_users_under_the_limit(
	rule, users, available, tasks, limit, loads
):
	turns = A.deal(rule, users, available, tasks, loads=loads, limit=limit)
	assert len(turns) == tasks
	held = dict(loads)
	for user in turns:
		if user is None:
			continue
		assert user in users and user in available
		held[user] = held.get(user, 0) + 1
		assert not limit or held[user] <= limit
	# nobody is left out while someone eligible could have taken the task
	if None in turns:
		assert all(u not in available or (limit and held.get(u, 0) >= limit) for u in users)
