"""Small builders and hypothesis strategies for process definitions, shared by the core tests."""

from __future__ import annotations

from hypothesis import strategies as st

from everstep_flow.engine import IntakeField, ServiceDefinition, Step

TEAMS = ("Sales", "Operations", "Finance", "Support")


def service(*steps: Step, fields: tuple[IntakeField, ...] = (), name: str = "svc") -> ServiceDefinition:
	return ServiceDefinition(name=name, title=name.title(), intake_fields=fields, steps=tuple(steps))


def step(key: str, team: str = "Sales", after: str = "", **kw) -> Step:
	deps = tuple(d.strip() for d in after.split(",") if d.strip())
	return Step(key=key, title=key.replace("_", " ").title(), team=team, depends_on=deps, **kw)


def onboarding() -> ServiceDefinition:
	"""The demo's parallel branch and join: sales -> (provisioning | billing) -> support."""
	return service(
		step("sales_handover", "Sales"),
		step("provisioning", "Operations", after="sales_handover"),
		step("billing_setup", "Finance", after="sales_handover"),
		step("support_kickoff", "Operations", after="provisioning, billing_setup"),
		name="onboarding",
	)


@st.composite
def dags(draw, min_steps: int = 1, max_steps: int = 12) -> ServiceDefinition:
	"""Random acyclic definitions: a step may only depend on steps declared before it in a hidden order,
	then the declaration order is shuffled so the core cannot rely on it."""
	n = draw(st.integers(min_steps, max_steps))
	keys = [f"s{i}" for i in range(n)]
	steps = []
	for i, key in enumerate(keys):
		deps = draw(st.lists(st.sampled_from(keys[:i]), unique=True, max_size=3)) if i else []
		steps.append(
			Step(key=key, title=f"Step {i}", team=draw(st.sampled_from(TEAMS)), depends_on=tuple(deps))
		)
	shuffled = draw(st.permutations(steps))
	return ServiceDefinition(name="random", title="Random", steps=tuple(shuffled))


@st.composite
def cyclic(draw) -> ServiceDefinition:
	"""A random DAG plus a back edge that closes a loop of length >= 1 (a self-dependency counts)."""
	defn = draw(dags(min_steps=1))
	from everstep_flow.engine import topological_order

	order = topological_order(defn)
	i = draw(st.integers(0, len(order) - 1))
	j = draw(st.integers(i, len(order) - 1))
	# Make order[i] wait for order[j]: j is (transitively or trivially) after i, so this closes a loop only if a
	# path i ->...-> j exists. Force one by chaining i -> j directly as well.
	src, dst = order[i], order[j]
	steps = []
	for s in defn.steps:
		if s.key == src:
			s = Step(**{**s.__dict__, "depends_on": (*s.depends_on, dst)})
		if s.key == dst and src != dst:
			s = Step(**{**s.__dict__, "depends_on": (*s.depends_on, src)})
		steps.append(s)
	return ServiceDefinition(name=defn.name, title=defn.title, steps=tuple(steps))
