"""Order of steps: cycles, topological order, depth levels and which steps are ready to start.

Edges point the way work flows: `a -> b` means step b depends on (waits for) step a.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from everstep_flow.engine.definition import ServiceDefinition

Dependencies = Mapping[str, Iterable[str]]


CYCLE_ARROW = " → "


class CycleError(ValueError):
	"""The steps wait on each other in a loop, so none of them could ever start."""

	def __init__(self, cycle: list[str]):
		self.cycle = cycle
		super().__init__("Steps wait on each other in a cycle: " + CYCLE_ARROW.join(cycle))


def dependency_map(defn: ServiceDefinition) -> dict[str, tuple[str, ...]]:
	"""Step key -> keys it waits for, restricted to steps that exist (unknown keys are a validation error)."""
	keys = set(defn.step_keys)
	return {s.key: tuple(d for d in s.depends_on if d in keys) for s in defn.steps}


def find_cycle(deps: Dependencies) -> list[str] | None:
	"""Return one cycle in flow order, closed (first == last), e.g. ["a", "b", "a"]; None when there is none.

	Deterministic: nodes are explored in the mapping's order, so the same definition always names the same cycle.
	"""
	WHITE, GREY, BLACK = 0, 1, 2
	colour = {node: WHITE for node in deps}
	position = {node: i for i, node in enumerate(deps)}
	stack: list[str] = []

	def visit(node: str) -> list[str] | None:
		colour[node] = GREY
		stack.append(node)
		for dep in deps.get(node, ()):
			if dep not in colour:
				continue
			if colour[dep] == GREY:
				# `stack` runs in "waits for" direction; reverse it so the cycle reads in flow order.
				flow = [*reversed(stack[stack.index(dep) :])]
				# Start at the earliest-declared step so the same loop is always named the same way.
				first = min(range(len(flow)), key=lambda i: position[flow[i]])
				flow = flow[first:] + flow[:first]
				return [*flow, flow[0]]
			if colour[dep] == WHITE and (found := visit(dep)):
				return found
		stack.pop()
		colour[node] = BLACK
		return None

	for node in deps:
		if colour[node] == WHITE and (found := visit(node)):
			return found
	return None


def topological_order(defn: ServiceDefinition) -> list[str]:
	"""Steps ordered so each comes after everything it waits for; ties keep declaration order."""
	deps = dependency_map(defn)
	position = {key: i for i, key in enumerate(defn.step_keys)}
	waiting = {key: len(set(d)) for key, d in deps.items()}
	followers: dict[str, list[str]] = {key: [] for key in deps}
	for key, ds in deps.items():
		for d in set(ds):
			followers[d].append(key)

	heap = [(position[k], k) for k, n in waiting.items() if n == 0]
	heapq.heapify(heap)
	order: list[str] = []
	while heap:
		_, key = heapq.heappop(heap)
		order.append(key)
		for nxt in followers[key]:
			waiting[nxt] -= 1
			if waiting[nxt] == 0:
				heapq.heappush(heap, (position[nxt], nxt))

	if len(order) != len(deps):
		raise CycleError(find_cycle(deps) or [])
	return order


def levels(defn: ServiceDefinition) -> dict[str, int]:
	"""Depth of each step: 0 for steps that start at intake, else 1 + the deepest step it waits for."""
	deps = dependency_map(defn)
	depth: dict[str, int] = {}
	for key in topological_order(defn):
		depth[key] = 1 + max((depth[d] for d in deps[key]), default=-1)
	return depth


def order_and_dependencies(defn: ServiceDefinition) -> tuple[list[str], dict[str, tuple[str, ...]]]:
	"""The topological order and each step's dependencies: what `ready_steps` works from, for a caller that asks
	again and again (engine.runtime.advance)."""
	return topological_order(defn), dependency_map(defn)


def ready_steps(defn: ServiceDefinition, done: Iterable[str] = (), started: Iterable[str] = ()) -> list[str]:
	"""Steps that may start now: not done or started yet, and everything they wait for is done.

	`done` holds finished steps (completed or skipped); `started` holds steps that already have work in flight.
	A join (several dependencies) becomes ready only when all of them are done. Result is in topological order.
	"""
	done_set = set(done)
	busy = done_set | set(started)
	deps = dependency_map(defn)
	return [
		key for key in topological_order(defn) if key not in busy and all(d in done_set for d in deps[key])
	]
