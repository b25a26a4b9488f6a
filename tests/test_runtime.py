"""Running a process: property tests over random services, conditions and completion orders."""

from hypothesis import given, settings
from hypothesis import strategies as st

from everstep_flow.engine import states as S
from everstep_flow.engine.runtime import Decision, advance, more_steps_possible
from tests.factories import dags, onboarding, service, step


def run(defn, false_steps, data):
	"""Simulate a request: complete random ready tasks until nothing is open. Returns (task history, states)."""
	cond = lambda s: s.key not in false_steps  # noqa: E731
	states: dict[str, str] = {}
	created: list[str] = []

	def apply(decisions):
		for d in decisions:
			assert d.step not in states, f"{d.step} got a second task"
			step = defn.step(d.step)
			assert all(states.get(dep) in S.TASK_FINISHED for dep in step.depends_on), (
				"ran before its dependencies"
			)
			assert d.state == (S.SKIPPED if d.step in false_steps else S.QUEUED)
			states[d.step] = d.state
			created.append(d.step)

	apply(advance(defn, states, cond))
	while True:
		status = S.request_status(states.values(), more_steps=more_steps_possible(defn, states))
		open_ = [k for k, v in states.items() if v == S.QUEUED]
		if not open_:
			break
		assert status != S.REQ_COMPLETED
		key = data.draw(st.sampled_from(sorted(open_)))
		states[key] = S.DONE
		apply(advance(defn, states, cond, completed_step=key))
	return created, states


@settings(max_examples=300)
@given(dags(), st.data())
def test_random_services_run_to_completion(defn, data):
	false_steps = set(data.draw(st.lists(st.sampled_from(defn.step_keys), unique=True)))
	created, states = run(defn, false_steps, data)
	assert sorted(created) == sorted(defn.step_keys), "each step gets exactly one task"
	assert all(v in S.TASK_FINISHED for v in states.values())
	assert S.request_status(states.values(), more_steps=more_steps_possible(defn, states)) == S.REQ_COMPLETED


def test_onboarding_parallel_join_and_handoffs():
	defn = onboarding()
	first = advance(defn, {})
	assert first == [Decision("sales_handover", S.QUEUED, "Sales")]
	after_sales = advance(defn, {"sales_handover": S.DONE}, completed_step="sales_handover")
	assert after_sales == [
		Decision("provisioning", S.QUEUED, "Operations", handoff_from="sales_handover"),
		Decision("billing_setup", S.QUEUED, "Finance", handoff_from="sales_handover"),
	]
	states = {"sales_handover": S.DONE, "provisioning": S.DONE, "billing_setup": S.QUEUED}
	assert advance(defn, states, completed_step="provisioning") == []  # the join waits
	states["billing_setup"] = S.DONE
	# Finance finished last and hands over to Operations.
	assert advance(defn, states, completed_step="billing_setup") == [
		Decision("support_kickoff", S.QUEUED, "Operations", handoff_from="billing_setup")
	]


def test_same_team_needs_no_handoff_and_skips_are_crossed():
	defn = service(step("a", "Sales"), step("b", "Sales", after="a"), step("c", "Finance", after="b"))
	assert advance(defn, {"a": S.DONE}, completed_step="a") == [Decision("b", S.QUEUED, "Sales")]
	skip_b = advance(defn, {"a": S.DONE}, lambda s: s.key != "b", completed_step="a")
	assert skip_b == [Decision("b", S.SKIPPED, "Sales"), Decision("c", S.QUEUED, "Finance", handoff_from="a")]


def test_a_cancelled_task_lets_its_step_run_again():
	defn = service(step("a", "Sales"), step("b", "Finance", after="a"))
	states = {"a": S.DONE, "b": S.CANCELLED}
	assert advance(defn, states, completed_step="a") == [Decision("b", S.QUEUED, "Finance", handoff_from="a")]
