"""What a manager may write that runs later: conditions (Python expressions) and subjects (Jinja templates).

Both run when a host document is saved or a request moves, long after the manager saved them, and with the power of
whoever is saving. So neither may reach anything but the values it is given: no `frappe`, no database, no methods,
no attribute chains to dunders, no loops, no way to build a huge value. They are checked here, on plain text, against
a short list of what is allowed (anything else is refused, by name), once when saved and again before each run; the
shell then evaluates conditions with Frappe's `safe_eval` and renders subjects in Jinja's immutable sandbox, both with
nothing in scope but plain values.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from typing import Any

MAX_CONDITION = 1000
MAX_SUBJECT = 140
MAX_RENDERED_VALUE = (
	1000  # of each value a subject may print: `replace` on a long text cannot grow without bound
)
MAX_INT_CONSTANT = 10**12

# Condition: names a condition may call (the only builtins Frappe's safe_eval gives), and the operators it may use.
CALLABLE = frozenset({"int", "float", "round"})
# Text methods a condition may call on a value, with constant text arguments only (doc.subject.startswith("Re:")).
TEXT_METHODS = frozenset({"startswith", "endswith", "lower", "upper", "strip", "casefold"})
_OPERATORS = (
	ast.Add,
	ast.Sub,
	ast.Mult,
	ast.Div,
	ast.FloorDiv,
	ast.Mod,
	ast.USub,
	ast.UAdd,
	ast.Not,
	ast.And,
	ast.Or,
	ast.Eq,
	ast.NotEq,
	ast.Lt,
	ast.LtE,
	ast.Gt,
	ast.GtE,
	ast.In,
	ast.NotIn,
	ast.Is,
	ast.IsNot,
)
_STRUCTURE = (
	ast.Expression,
	ast.BoolOp,
	ast.BinOp,
	ast.UnaryOp,
	ast.Compare,
	ast.IfExp,
	ast.Constant,
	ast.List,
	ast.Tuple,
	ast.Set,
	ast.Load,
)


class Refused(ValueError):
	"""A condition or template that may not run; the message says what, for the field it came from."""


def _check_text(text: str, limit: int) -> None:
	if "\x00" in text:
		raise Refused("contains a NUL character")
	if len(text) > limit:
		raise Refused(f"is {len(text)} characters long; at most {limit} are allowed")


def check_condition(expression: str, names: Collection[str], document: str | None = None) -> None:
	"""Raise Refused unless `expression` only compares and combines constants and the given values.

	`document` set ("doc"): values are read as `doc.field` or `doc["field"]` and `names` are the fields; else the
	values are bare names (a service step's condition over the request's values)."""
	_check_text(expression, MAX_CONDITION)
	try:
		tree = ast.parse(expression.strip(), mode="eval")
	except SyntaxError as e:
		raise Refused(f"is not a valid expression ({e.msg})")
	gets = _document_gets(tree, set(names), document)
	for node in sorted(ast.walk(tree), key=lambda n: not isinstance(n, ast.Name)):  # names first, as above
		if id(node) not in gets:
			_check_condition_node(node, set(names), document)


def _document_gets(tree: ast.AST, names: set[str], document: str | None) -> set[int]:
	"""`doc.get("field")` (and its default) is how Frappe's own conditions often read a field: allowed, with a
	constant field name of the document type; so are a few text methods with constant arguments."""
	allowed: set[int] = set()
	for node in ast.walk(tree):
		func = getattr(node, "func", None)
		if (
			isinstance(node, ast.Call)
			and isinstance(func, ast.Attribute)
			and func.attr in TEXT_METHODS
			and not node.keywords
			and len(node.args) <= 2
			and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
		):
			allowed.update((id(node), id(func)))  # func.value is still checked like any value
			continue
		if (
			document
			and isinstance(node, ast.Call)
			and isinstance(func, ast.Attribute)
			and func.attr == "get"
			and isinstance(func.value, ast.Name)
			and func.value.id == document
			and not node.keywords
			and 1 <= len(node.args) <= 2
			and isinstance(node.args[0], ast.Constant)
			and isinstance(node.args[0].value, str)
		):
			_check_field(node.args[0].value, names)
			allowed.update((id(node), id(func)))
	return allowed


def _check_condition_node(node: ast.AST, names: set[str], document: str | None) -> None:
	if isinstance(node, (*_STRUCTURE, ast.cmpop, ast.boolop, ast.operator, ast.unaryop)):
		if (
			isinstance(node, ast.Constant)
			and isinstance(node.value, int)
			and abs(node.value) > MAX_INT_CONSTANT
		):
			raise Refused("uses a number too large")
		if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Mod):
			for side in (node.left, node.right):
				if isinstance(side, ast.List | ast.Tuple | ast.Set | ast.JoinedStr) or (
					isinstance(side, ast.Constant) and isinstance(side.value, str | bytes)
				):
					raise Refused("may not repeat or format text or lists")
		if isinstance(node, ast.cmpop | ast.boolop | ast.operator | ast.unaryop) and not isinstance(
			node, _OPERATORS
		):
			raise Refused(f"may not use the operator {type(node).__name__}")
		return
	if isinstance(node, ast.Name):
		if node.id in CALLABLE:
			return
		if document:
			if node.id != document:
				raise Refused(f"may only read {document}.<field> (found {node.id})")
		elif node.id not in names:
			raise Refused(f"names {node.id}, which is not a field of this service")
		return
	if isinstance(node, ast.Attribute):
		if not (document and isinstance(node.value, ast.Name) and node.value.id == document):
			raise Refused("may only read fields of the document, not attributes of other values")
		_check_field(node.attr, names)
		return
	if isinstance(node, ast.Subscript):
		key = node.slice
		if not (
			document
			and isinstance(node.value, ast.Name)
			and node.value.id == document
			and isinstance(key, ast.Constant)
			and isinstance(key.value, str)
		):
			raise Refused(f'may only index the document by a field name ({document or "doc"}["field"])')
		_check_field(key.value, names)
		return
	if isinstance(node, ast.Call):
		if not (isinstance(node.func, ast.Name) and node.func.id in CALLABLE) or node.keywords:
			raise Refused(f"may only call {', '.join(sorted(CALLABLE))} (no methods, no other functions)")
		return
	raise Refused(f"may not use {type(node).__name__}")


class Text(str):
	"""A text value as a condition sees it: compared, searched, changed in case, but never repeated or %-formatted
	(`doc.subject * doc.quantity` would build a string of any size the document's author chose)."""

	def _refused(self, *_args):
		raise TypeError("text cannot be repeated or formatted in a condition")

	__mul__ = __rmul__ = __mod__ = __rmod__ = _refused


def guarded(values: Mapping[str, Any]) -> dict[str, Any]:
	"""The values a condition runs over: text as `Text`, everything else as it is."""
	return {k: Text(v) if isinstance(v, str) else v for k, v in values.items()}


def _check_field(field: str, names: Collection[str]) -> None:
	if field.startswith("_"):
		raise Refused(f"may not read {field}")
	if field not in names:
		raise Refused(f"names {field}, which is not a field of the document type")


# ------------------------------------------------------------------------------------------------- templates

# Jinja filters a subject may use: they only reshape text and numbers.
SAFE_FILTERS = frozenset(
	{
		"upper",
		"lower",
		"title",
		"capitalize",
		"trim",
		"striptags",
		"truncate",
		"default",
		"d",
		"string",
		"int",
		"float",
		"round",
		"abs",
		"replace",
		"length",
		"wordcount",
	}
)
SAFE_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "true", "false"})


def _environment():
	from jinja2.sandbox import ImmutableSandboxedEnvironment

	env = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=False)
	env.globals.clear()  # range, dict, lipsum, cycler, joiner, namespace: none of them
	env.filters = {name: fn for name, fn in env.filters.items() if name in SAFE_FILTERS}
	env.tests = {name: fn for name, fn in env.tests.items() if name in SAFE_TESTS}
	return env


def check_template(template: str, fields: Collection[str], document: str = "doc") -> None:
	"""Raise Refused unless `template` only prints text, constants and `doc.<field>` values through safe filters."""
	from jinja2 import TemplateSyntaxError, nodes

	_check_text(template, MAX_SUBJECT)
	try:
		tree = _environment().parse(template)
	except TemplateSyntaxError as e:
		raise Refused(f"is not a valid template ({e.message})")
	allowed = (
		nodes.Template,
		nodes.Output,
		nodes.TemplateData,
		nodes.Const,
		nodes.If,
		nodes.CondExpr,
		nodes.Compare,
		nodes.Operand,
		nodes.And,
		nodes.Or,
		nodes.Not,
		nodes.Concat,
		nodes.Add,
		nodes.Sub,
		nodes.Neg,
		nodes.Pos,
		nodes.List,
		nodes.Tuple,
	)
	# Names first: "found frappe" says more than what was done with it
	for node in sorted(tree.find_all(nodes.Node), key=lambda n: not isinstance(n, nodes.Name)):
		if isinstance(node, nodes.Name):
			if node.name != document or node.ctx != "load":
				raise Refused(f"may only read {document}.<field> (found {node.name})")
		elif isinstance(node, nodes.Getattr):
			if not (isinstance(node.node, nodes.Name) and node.node.name == document):
				raise Refused("may only read fields of the document, not attributes of other values")
			_check_field(node.attr, fields)
		elif isinstance(node, nodes.Getitem):
			if not (
				isinstance(node.node, nodes.Name)
				and node.node.name == document
				and isinstance(node.arg, nodes.Const)
				and isinstance(node.arg.value, str)
			):
				raise Refused(f'may only index the document by a field name ({document}["field"])')
			_check_field(node.arg.value, fields)
		elif isinstance(node, nodes.Filter):
			if node.name not in SAFE_FILTERS:
				raise Refused(
					f"may not use the filter {node.name} (allowed: {', '.join(sorted(SAFE_FILTERS))})"
				)
			if node.dyn_args or node.dyn_kwargs:
				raise Refused(f"may not pass arguments to {node.name} that way")
			if not all(isinstance(a, nodes.Const) for a in (*node.args, *(k.value for k in node.kwargs))):
				raise Refused(f"may pass only constants to {node.name}")
		elif isinstance(node, nodes.Test):
			if node.name not in SAFE_TESTS:
				raise Refused(f"may not use the test {node.name}")
		elif isinstance(node, nodes.Keyword):
			continue
		elif not isinstance(node, allowed):
			raise Refused(f"may not use {type(node).__name__} (only values of the document, filters and if)")


def render_template(template: str, values: Mapping[str, Any], fields: Collection[str]) -> str:
	"""The subject for one document: checked again (a template saved before these rules may be anything), then
	rendered in the immutable sandbox with nothing but `doc`, a plain dict of the document's values."""
	check_template(template, fields)
	plain = {
		k: v[:MAX_RENDERED_VALUE] if isinstance(v, str) else v
		for k, v in values.items()
		if isinstance(k, str) and not k.startswith("_") and _plain(v)
	}
	return _environment().from_string(template).render(doc=plain)


def _plain(value: Any) -> bool:
	return value is None or isinstance(value, str | int | float | bool)
