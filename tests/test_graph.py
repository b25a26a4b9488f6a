"""Order and readiness, by example and by property over random DAGs."""

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everstep_flow.engine import CycleError, find_cycle, levels, problems, ready_steps, topological_order
from everstep_flow.engine.graph import dependency_map
from tests.factories import cyclic, dags, onboarding, service, step


def test_onboarding_order_and_levels():
	defn = onboarding()
	assert topological_order(defn) == ["sales_handover", "provisioning", "billing_setup", "support_kickoff"]
	assert levels(defn) == {"sales_handover": 0, "provisioning": 1, "billing_setup": 1, "support_kickoff": 2}


def test_parallel_branches_and_join():
	defn = onboarding()
	assert ready_steps(defn) == ["sales_handover"]
	assert ready_steps(defn, done={"sales_handover"}) == ["provisioning", "billing_setup"]
	# The join waits for both branches.
	assert ready_steps(defn, done={"sales_handover", "provisioning"}, started={"billing_setup"}) == []
	assert ready_steps(defn, done={"sales_handover", "provisioning", "billing_setup"}) == ["support_kickoff"]
	assert ready_steps(defn, done=set(defn.step_keys)) == []


def test_topological_order_rejects_cycles():
	with pytest.raises(CycleError) as err:
		topological_order(service(step("a", after="b"), step("b", after="a")))
	assert err.value.cycle in (["a", "b", "a"], ["b", "a", "b"])


@settings(max_examples=200)
@given(dags())
def test_random_dags_validate(defn):
	assert problems(defn) == []
	assert find_cycle(dependency_map(defn)) is None


@settings(max_examples=200)
@given(dags())
def test_topological_order_respects_dependencies(defn):
	order = topological_order(defn)
	assert sorted(order) == sorted(defn.step_keys)
	index = {k: i for i, k in enumerate(order)}
	for s in defn.steps:
		assert all(index[d] < index[s.key] for d in s.depends_on)
	depth = levels(defn)
	for s in defn.steps:
		assert all(depth[d] < depth[s.key] for d in s.depends_on)


@settings(max_examples=200)
@given(cyclic())
def test_cycles_are_rejected_and_named(defn):
	found = [p for p in problems(defn) if p.code == "cycle"]
	assert len(found) == 1
	cycle = find_cycle(dependency_map(defn))
	assert cycle[0] == cycle[-1] and len(cycle) >= 2
	deps = dependency_map(defn)
	# Each arrow a -> b of the named cycle is real: b waits for a.
	for a, b in pairwise(cycle):
		assert a in deps[b]
	assert " → ".join(cycle) in found[0].message


@settings(max_examples=200)
@given(dags(), st.data())
def test_ready_steps_respect_dependencies(defn, data):
	"""Run the process in a random valid order: only ready steps run, every step runs once, nothing stalls."""
	done: list[str] = []
	while True:
		ready = ready_steps(defn, done=done)
		for key in ready:
			assert all(d in done for d in defn.step(key).depends_on)
			assert key not in done
		if not ready:
			break
		done.append(data.draw(st.sampled_from(ready)))
	assert sorted(done) == sorted(defn.step_keys)
