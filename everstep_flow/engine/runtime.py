"""What happens next in a running request: which steps get a task, which are skipped, where a handoff is needed.

The shell passes in the current state of each step and a predicate that evaluates a step's condition (it uses
`frappe.safe_eval` over the request's values); the core decides and returns plain decisions for the shell to persist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from everstep_flow.engine.definition import ServiceDefinition, Step
from everstep_flow.engine.graph import order_and_dependencies
from everstep_flow.engine.states import CANCELLED, QUEUED, SKIPPED, TASK_FINISHED

Predicate = Callable[[Step], bool]


@dataclass(frozen=True)
class Decision:
	"""Create a task for `step` in `state` (Queued or Skipped); `handoff_from` names the step whose team hands over."""

	step: str
	state: str
	team: str
	handoff_from: str = ""


def always(step: Step) -> bool:
	return True


def advance(
	defn: ServiceDefinition,
	step_states: Mapping[str, str],
	condition: Predicate = always,
	completed_step: str = "",
) -> list[Decision]:
	"""Decide the tasks to create now.

	`step_states` maps each step that has a live task to that task's state (a step whose task was cancelled is
	absent: it may get a new task). `completed_step` is the step just finished, whose team hands over to the new
	steps of other teams. Skipped steps count as done, so skipping can make further steps ready in the same call.
	"""
	done = {k for k, s in step_states.items() if s in TASK_FINISHED}
	started = {k for k, s in step_states.items() if s != CANCELLED}
	decisions: list[Decision] = []
	# The finished step, and steps skipped right after it: a step waiting on any of these is reached from it.
	reached = {completed_step} if completed_step else set()
	order, deps = order_and_dependencies(defn)  # once: skipping may make further steps ready below
	by_key = {s.key: s for s in defn.steps}
	while True:
		ready = [k for k in order if k not in done and k not in started and all(d in done for d in deps[k])]
		if not ready:
			return decisions
		for key in ready:
			step = by_key[key]
			started.add(key)
			if not condition(step):
				done.add(key)
				if reached & set(step.depends_on):
					reached.add(key)
				decisions.append(Decision(key, SKIPPED, step.team))
				continue
			handoff = bool(reached & set(step.depends_on)) and by_key[completed_step].team != step.team
			decisions.append(Decision(key, QUEUED, step.team, handoff_from=completed_step if handoff else ""))


def more_steps_possible(defn: ServiceDefinition, step_states: Mapping[str, str]) -> bool:
	"""True while some step has no live task yet (it is waiting for dependencies that are still open)."""
	return any(k not in step_states or step_states[k] == CANCELLED for k in defn.step_keys)
