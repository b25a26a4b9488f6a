"""A team whose members follow a Helpdesk team's users: who is added, who is marked Left, who comes back."""

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.team import AVAILABILITY, Member
from everstep_flow.engine.team_sync import SyncPlan, plan_sync


def applied(members: list[Member], plan: SyncPlan) -> list[Member]:
	"""The members after the plan, as the shell applies it (rows keep their place, new ones at the end)."""
	changed = plan.availability()
	kept = [Member(m.user, availability=changed.get(m.user, m.availability)) for m in members]
	return kept + [Member(user) for user in plan.add]


def test_nothing_to_do_when_the_lists_agree():
	members = [Member("a@x"), Member("b@x", availability="Away"), Member("c@x", availability="Left")]
	plan = plan_sync(members, ["b@x", "a@x"])
	assert plan == SyncPlan()
	assert not plan


def test_added_users_become_members_in_the_lists_order():
	assert plan_sync([Member("a@x")], ["c@x", "a@x", "b@x"]) == SyncPlan(add=("c@x", "b@x"))


def test_removed_users_are_marked_left_not_deleted():
	plan = plan_sync([Member("a@x"), Member("b@x", availability="Away")], ["z@x"])
	assert plan == SyncPlan(add=("z@x",), leave=("a@x", "b@x"))
	assert plan.availability() == {"a@x": "Left", "b@x": "Left"}


def test_an_away_member_still_on_the_list_stays_away():
	assert not plan_sync([Member("a@x", availability="Away")], ["a@x"])


def test_a_member_who_left_and_is_back_on_the_list_is_available_again():
	plan = plan_sync([Member("a@x", availability="Left")], ["a@x"])
	assert plan == SyncPlan(rejoin=("a@x",))
	assert plan.availability() == {"a@x": "Available"}


def test_blank_and_repeated_names_are_ignored():
	members = [Member("a@x"), Member("a@x"), Member("")]
	assert plan_sync(members, ["", "a@x", "b@x", "b@x", ""]) == SyncPlan(add=("b@x",))


def test_no_availability_counts_as_available():
	assert plan_sync([Member("a@x", availability="")], []) == SyncPlan(leave=("a@x",))


def test_an_empty_list_leaves_everyone_and_adds_no_one():
	assert plan_sync([Member("a@x"), Member("b@x", availability="Left")], []) == SyncPlan(leave=("a@x",))


users = st.sampled_from([f"u{i}@x" for i in range(8)])
member_lists = st.lists(
	st.builds(Member, user=users, availability=st.sampled_from(AVAILABILITY)), unique_by=lambda m: m.user
)


@given(member_lists, st.lists(users))
def test_after_the_plan_the_members_who_have_not_left_are_exactly_the_list(members, listed):
	after = applied(members, plan_sync(members, listed))
	assert {m.user for m in after if m.availability != "Left"} == set(listed)
	assert len({m.user for m in after}) == len(after)  # no one twice
	assert {m.user for m in members} <= {m.user for m in after}  # no one deleted


@given(member_lists, st.lists(users))
def test_the_plan_keeps_away_and_changes_no_one_needlessly(members, listed):
	plan = plan_sync(members, listed)
	before = {m.user: m.availability for m in members}
	for user, availability in plan.availability().items():
		assert before[user] != availability
	for m in members:
		if m.availability == "Away" and m.user in listed:
			assert m.user not in plan.availability()


@given(member_lists, st.lists(users))
def test_a_second_plan_has_nothing_left_to_do(members, listed):
	assert not plan_sync(applied(members, plan_sync(members, listed)), listed)
