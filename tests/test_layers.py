"""The layering contract: the shell is organised by capability, and data flows one way.

Each package of the app sits on a layer; a module may import its own package and the layers below, never a layer
above, and no two modules import each other, even through others (a circle). Imports inside functions count: a
deferred import is still a dependency. Read the picture in the README's *Architecture* section.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "everstep_flow"

# Lowest first, named inside the app; "" is the package root alone (__init__: the version and the module name).
LAYERS: list[tuple[str, ...]] = [
	("engine",),  # the pure core: decides, never imports frappe
	("", "base"),  # catalog, ledger, door, fresh
	("teams",),  # membership, availability, calendars
	("hosts",),  # the host apps: client records, ERPNext, Helpdesk, CRM
	("requests",),  # intake, moves, the gate, apply, SLA
	("seams",),  # triggers from other apps' documents
	("clients",),  # calls, follow-ups, the client timeline
	("visibility",),  # permissions, reads, search, reports, leaks
	("clock",),  # the sweep, nudges, absences
	# the doors: REST, portal pages, doctype controllers and reports, hooks, setup
	(
		"api",
		"www",
		"everstep_flow",
		"patches",
		"hooks",
		"boot",
		"demo",
		"demo_history",  # the living demo: its script, its records
		"demo_records",
		"demo_script",
		"install",
		"indexes",
	),
]
TESTS = ("tests",)


def module_name(path: Path) -> str:
	parts = list(path.relative_to(ROOT).with_suffix("").parts)
	if parts[-1] == "__init__":
		parts = parts[:-1]
	return ".".join(parts)


MODULES = {module_name(p): p for p in APP.rglob("*.py")}


def resolve(name: str) -> str | None:
	while name and name not in MODULES:
		name = name.rpartition(".")[0]
	return name or None


def imports_of(path: Path) -> set[str]:
	found = set()
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("everstep_flow"):
			for alias in node.names:
				full = f"{node.module}.{alias.name}"
				found.add(full if full in MODULES else resolve(node.module))
		elif isinstance(node, ast.Import):
			found |= {resolve(a.name) for a in node.names if a.name.startswith("everstep_flow")}
	return {m for m in found if m}


GRAPH = {m: imports_of(p) - {m} for m, p in MODULES.items()}


def layer_of(module: str) -> int | None:
	"""The layer of a module by the package it is in; tests sit above everything."""
	rel = "" if module == "everstep_flow" else module.removeprefix("everstep_flow.")
	if rel.split(".")[0] in TESTS or rel.rpartition(".")[2].startswith("test_"):
		return len(LAYERS)
	for index, names in enumerate(LAYERS):
		if any(rel == name or (name and rel.startswith(name + ".")) for name in names):
			return index
	return None


def test_every_module_has_a_layer():
	assert [m for m in MODULES if layer_of(m) is None] == []


def test_no_module_imports_a_higher_layer():
	upward = [
		f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})"
		for m, targets in GRAPH.items()
		for t in targets
		if layer_of(t) > layer_of(m)
	]
	assert upward == []


def test_the_core_imports_only_the_core():
	assert [
		f"{m} imports {t}" for m, ts in GRAPH.items() if layer_of(m) == 0 for t in ts if layer_of(t) != 0
	] == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
	"""Strongly connected components of more than one module (Tarjan), each a circle of imports."""
	index: dict[str, int] = {}
	low: dict[str, int] = {}
	stack: list[str] = []
	on_stack: set[str] = set()
	found: list[list[str]] = []
	counter = [0]

	def visit(v: str) -> None:
		index[v] = low[v] = counter[0]
		counter[0] += 1
		stack.append(v)
		on_stack.add(v)
		for w in graph.get(v, ()):
			if w not in index:
				visit(w)
				low[v] = min(low[v], low[w])
			elif w in on_stack:
				low[v] = min(low[v], index[w])
		if low[v] == index[v]:
			component = []
			while True:
				w = stack.pop()
				on_stack.discard(w)
				component.append(w)
				if w == v:
					break
			if len(component) > 1:
				found.append(sorted(component))

	for v in sorted(graph):
		if v not in index:
			visit(v)
	return found


def test_no_circles_between_modules():
	assert cycles({m: ts for m, ts in GRAPH.items() if layer_of(m) < len(LAYERS)}) == []


def test_no_circles_between_packages():
	"""Package level too: `seams` and `runtime` once imported each other through different modules."""
	packages: dict[str, set[str]] = defaultdict(set)
	for m, targets in GRAPH.items():
		if layer_of(m) == len(LAYERS):
			continue
		for t in targets:
			a, b = m.rpartition(".")[0], t.rpartition(".")[0]
			if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
				packages[a].add(b)
	assert cycles(packages) == []


def test_the_cycle_finder_finds_a_circle():
	assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_shell_modules_stay_small():
	"""One concern per module: no module of the shell over 300 lines (the demo's data is in workflows/)."""
	big = [
		f"{m}: {n} lines"
		for m, p in MODULES.items()
		if layer_of(m) not in (0, len(LAYERS))
		and "doctype" not in m
		and (n := len(p.read_text().splitlines())) > 300
	]
	assert big == []
