"""Metadata contract: what bench and Frappe will rely on, checked by reading files (Frappe is not installed here).

These catch the mistakes that otherwise only show on `bench migrate`: a doctype in the wrong module, a Link to a
doctype that does not exist, a controller missing, a hook naming a function that is not there, a pure-core module
that imports frappe.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "everstep_flow"
MODULE = "Everstep Flow"
DOCTYPE_DIR = APP / "everstep_flow" / "doctype"

# Frappe core doctypes our Link/Table fields may point at. Extend this (deliberately) when a field links to another.
FRAPPE_CORE_DOCTYPES = {
	"User",
	"Role",
	"DocType",
	"Module Def",
	"File",
	"Contact",
	"Address",
	"Email Account",
	"Communication",
	"ToDo",
	"Workflow",
	"Workflow State",
	"Workflow Action Master",
	"Dynamic Link",
	"Assignment Rule",
}
LINKISH = {"Link", "Table", "Table MultiSelect"}


def scrub(name: str) -> str:
	return name.replace(" ", "_").replace("-", "_").lower()


def doctype_files() -> list[Path]:
	return sorted(p / f"{p.name}.json" for p in DOCTYPE_DIR.iterdir() if (p / f"{p.name}.json").exists())


def load(path: Path) -> dict:
	return json.loads(path.read_text())


DOCTYPES = {load(p)["name"]: load(p) for p in doctype_files()}


def test_there_are_doctypes():
	assert {"Flow Team", "Flow Team Member", "Flow Service", "Flow Intake Field", "Flow Service Step"} <= set(
		DOCTYPES
	)
	assert "Flow Settings" in DOCTYPES


def test_modules_txt_names_the_module_folder():
	modules = [m.strip() for m in (APP / "modules.txt").read_text().splitlines() if m.strip()]
	assert modules == [MODULE]
	assert (APP / scrub(MODULE) / "__init__.py").exists()


@pytest.mark.parametrize("path", doctype_files(), ids=lambda p: p.stem)
def test_doctype_json_is_consistent(path):
	meta = load(path)
	assert meta["doctype"] == "DocType"
	assert meta["module"] == MODULE
	assert scrub(meta["name"]) == path.stem == path.parent.name
	fieldnames = [f["fieldname"] for f in meta["fields"]]
	assert len(fieldnames) == len(set(fieldnames)), "duplicate fieldnames"
	assert meta["field_order"] == fieldnames
	for f in meta["fields"]:
		assert re.fullmatch(r"[a-z][a-z0-9_]*", f["fieldname"]), f["fieldname"]
		if f["fieldtype"] in LINKISH:
			target = f.get("options")
			assert target in DOCTYPES or target in FRAPPE_CORE_DOCTYPES, f"{f['fieldname']} -> {target}"
		if f["fieldtype"] in ("Table", "Table MultiSelect"):
			assert DOCTYPES.get(f["options"], {}).get("istable"), f"{f['fieldname']} needs a child doctype"
		if f["fieldtype"] == "Select" and not f.get("options"):
			# Options filled in by the form's script (the fields of a chosen doctype, like Frappe's Notification).
			scripts = [path.with_suffix(".js"), *(p.with_suffix(".js") for p in doctype_files() if p != path)]
			pattern = re.compile(
				rf"(set_df_property|update_docfield_property)\(\s*\"{f['fieldname']}\",\s*\"options\""
			)
			assert any(s.exists() and pattern.search(s.read_text()) for s in scripts), (
				f"Select {f['fieldname']} has no options and no form script sets them"
			)
		if f["fieldtype"] == "Dynamic Link":
			assert f.get("options") in fieldnames
	for p in meta.get("permissions", []):
		assert p["role"]
	if not meta.get("istable"):
		assert meta.get("permissions"), "a top-level doctype needs role permissions"


@pytest.mark.parametrize("path", doctype_files(), ids=lambda p: p.stem)
def test_each_doctype_has_its_controller(path):
	meta = load(path)
	controller = path.with_suffix(".py")
	assert controller.exists(), f"{controller} is missing"
	tree = ast.parse(controller.read_text())
	classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
	class_name = meta["name"].replace(" ", "").replace("-", "")
	assert class_name in classes, f"{controller} must define class {class_name}"
	bases = [ast.unparse(b) for b in classes[class_name].bases]
	assert any(b.endswith("Document") for b in bases), bases
	assert (path.parent / "__init__.py").exists()


def _python_path(dotted: str) -> tuple[Path, str] | None:
	"""Split 'pkg.mod.func' into (pkg/mod.py, 'func') if such a module file exists."""
	parts = dotted.split(".")
	for cut in range(len(parts) - 1, 0, -1):
		base = ROOT.joinpath(*parts[:cut])
		for candidate in (base.with_suffix(".py"), base / "__init__.py"):
			if candidate.exists():
				return candidate, ".".join(parts[cut:])
	return None


def _defines(module: Path, name: str) -> bool:
	tree = ast.parse(module.read_text())
	for node in tree.body:
		if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
			return True
		if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
			return True
	return False


def _hook_strings(node: ast.AST):
	for sub in ast.walk(node):
		if (
			isinstance(sub, ast.Constant)
			and isinstance(sub.value, str)
			and sub.value.startswith("everstep_flow.")
		):
			yield sub.value


def test_every_hook_path_names_a_defined_function():
	tree = ast.parse((APP / "hooks.py").read_text())
	paths = [s for node in tree.body if isinstance(node, ast.Assign) for s in _hook_strings(node.value)]
	assert paths, "hooks.py names no functions?"
	for dotted in paths:
		if dotted.endswith((".js", ".css", ".bundle.js", ".bundle.css")):
			continue
		found = _python_path(dotted)
		assert found, f"hooks.py: no module for {dotted}"
		module, attr = found
		assert "." not in attr and _defines(module, attr), f"hooks.py: {dotted} is not defined in {module}"


def test_hooks_declare_the_app():
	tree = ast.parse((APP / "hooks.py").read_text())
	names = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign) for t in n.targets}
	assert ast.literal_eval(names["app_name"]) == "everstep_flow"
	assert ast.literal_eval(names["app_title"]) == MODULE


def test_patches_txt_entries_exist():
	for line in (APP / "patches.txt").read_text().splitlines():
		line = line.split("#", 1)[0].strip()
		if not line or line.startswith("["):
			continue
		module = _python_path(line + ".execute")
		assert module and _defines(module[0], "execute"), f"patches.txt: {line} has no execute()"


def test_pure_core_never_imports_frappe():
	for path in (APP / "engine").rglob("*.py"):
		tree = ast.parse(path.read_text())
		for node in ast.walk(tree):
			if isinstance(node, ast.Import):
				names = [a.name for a in node.names]
			elif isinstance(node, ast.ImportFrom):
				names = [node.module or ""]
			else:
				continue
			assert not any(n == "frappe" or n.startswith("frappe.") for n in names), f"{path} imports frappe"


def test_json_files_parse():
	for path in APP.rglob("*.json"):
		load(path)


def test_version_is_declared():
	assert re.search(r'^__version__ = "\d+\.\d+\.\d+"$', (APP / "__init__.py").read_text(), re.M)


# ---------------------------------------------------------------- doors and pages (issue: hardening)

PY_FILES = sorted(p for p in APP.rglob("*.py") if "/tests/" not in str(p))


def test_every_rest_method_goes_through_the_door():
	"""`@endpoint` (base/door.py) names bad arguments and retries collisions; a bare whitelist would not."""
	bare = [
		str(p.relative_to(ROOT))
		for p in PY_FILES
		if p.name != "door.py" and re.search(r"^@frappe\.whitelist", p.read_text(), re.M)
	]
	assert bare == []


def test_modules_with_doors_keep_real_annotations():
	"""`from __future__ import annotations` turns annotations into strings and Frappe then skips its type checks."""
	offenders = [
		str(p.relative_to(ROOT))
		for p in PY_FILES
		if p.name != "door.py"
		and "@endpoint" in (text := p.read_text())
		and "from __future__ import annotations" in text
	]
	assert offenders == []


def test_door_arguments_default_to_none():
	"""A missing argument must reach our own check (a 417 naming it), not Python's TypeError (a 500)."""
	missing_defaults = []
	for path in PY_FILES:
		tree = ast.parse(path.read_text())
		for fn in tree.body:
			if not isinstance(fn, ast.FunctionDef):
				continue
			if not any(ast.unparse(d).startswith("endpoint") for d in fn.decorator_list):
				continue
			if len(fn.args.defaults) != len(fn.args.args):
				missing_defaults.append(f"{path.name}:{fn.name}")
	assert missing_defaults == []


def test_portal_pages_escape_everything():
	"""Frappe's Jinja does not autoescape: each page's content is inside an autoescape block."""
	for page in sorted((APP / "www").rglob("*.html")):
		text = page.read_text()
		assert "{% autoescape true %}" in text, page.name
		before = text.split("{% autoescape true %}")[0]
		assert "{{" not in before.split("{% block page_content %}")[-1], page.name
		for match in re.findall(r"\{\{[^}]*\|\s*safe\s*\}\}", text):
			assert "process_map" in match or "format('<b" in match, (page.name, match)


def _defined_names(module: Path) -> set[str]:
	"""Names a module defines or imports at its top level (what `from module import name` can take)."""
	names: set[str] = set()
	for node in ast.parse(module.read_text()).body:
		if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
			names.add(node.name)
		elif isinstance(node, ast.Assign):
			names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
			for t in node.targets:
				if isinstance(t, ast.Tuple):
					names |= {e.id for e in t.elts if isinstance(e, ast.Name)}
		elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
			names.add(node.target.id)
		elif isinstance(node, ast.Import | ast.ImportFrom):
			names |= {(a.asname or a.name).split(".")[0] for a in node.names}
	return names


def test_every_import_of_our_own_modules_resolves():
	"""`from everstep_flow.x import name` must name something x defines: bench imports controllers on migrate, and a
	broken import there deletes DocTypes half-way (it happened)."""
	broken = []
	for path in sorted(APP.rglob("*.py")):
		for node in ast.walk(ast.parse(path.read_text())):
			if not (
				isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("everstep_flow")
			):
				continue
			target = ROOT / node.module.replace(".", "/")
			module = (
				target.with_suffix(".py") if target.with_suffix(".py").exists() else target / "__init__.py"
			)
			if not module.exists():
				broken.append(f"{path.relative_to(ROOT)}: no module {node.module}")
				continue
			submodules = (
				{p.stem for p in target.glob("*.py")} | {p.name for p in target.iterdir() if p.is_dir()}
				if target.is_dir()
				else set()
			)
			defined = _defined_names(module) | submodules
			for alias in node.names:
				if alias.name != "*" and alias.name not in defined:
					broken.append(f"{path.relative_to(ROOT)}: {node.module} has no {alias.name}")
	assert broken == []


# ------------------------------------------------------------------------------ every door is in the attacker tables


def _load_doors():
	import importlib.util

	spec = importlib.util.spec_from_file_location("doors", APP / "tests" / "doors.py")
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


def _discovered_methods() -> dict[str, int]:
	"""Dotted path -> number of arguments, of every whitelisted function."""
	found = {}
	for path in PY_FILES:
		tree = ast.parse(path.read_text())
		for fn in tree.body:
			if isinstance(fn, ast.ClassDef):
				continue
			if not isinstance(fn, ast.FunctionDef):
				continue
			if any(ast.unparse(d).startswith(("endpoint", "frappe.whitelist")) for d in fn.decorator_list):
				module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
				found[f"{module}.{fn.name}"] = len(fn.args.args)
	return found


def _json_names(folder: str) -> set[str]:
	return {json.loads(p.read_text())["name"] for p in (APP / "everstep_flow" / folder).glob("*/*.json")}


def test_every_door_is_in_the_attacker_tables():
	"""Issue 18: a whitelisted method, report, page, portal route, card or chart the tables do not list fails here
	(and one they list that is gone)."""
	doors = _load_doors()
	methods = _discovered_methods()
	assert set(methods) == set(doors.METHODS)
	assert {m for m, count in methods.items() if not count} == set(doors.NO_ARGUMENTS)
	assert _json_names("report") == set(doors.REPORTS)
	assert _json_names("page") == set(doors.PAGES)
	assert _json_names("number_card") == set(doors.NUMBER_CARDS)
	assert _json_names("dashboard_chart") == set(doors.CHARTS)
	routes = {
		str(p.relative_to(APP / "www").with_suffix("")).removesuffix("/index")
		for p in (APP / "www").rglob("*.html")
	}
	assert routes == set(doors.PORTAL)


def test_every_overridden_frappe_method_is_a_door_of_ours():
	hooks = (APP / "hooks.py").read_text()
	overrides = set(re.findall(r'"(everstep_flow\.visibility\.read_doors\.\w+)"', hooks))
	assert overrides and overrides <= set(_load_doors().METHODS)
