"""A step's condition, evaluated in the core: the plan of an action is a pure function of its facts.

`expressions.check_condition` allows a short list of syntax (constants, the request's values, arithmetic,
comparisons, `and`/`or`/`not`, `x if c else y`, `int`/`float`/`round`, a few text methods with constant arguments).
This walks exactly that syntax with Python's own operators, so a condition means here what it meant under
Frappe's `safe_eval`; anything else was refused before it got here and is refused again.
"""

from __future__ import annotations

import ast
import operator
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any

from everstep_flow.engine.expressions import CALLABLE, TEXT_METHODS, Refused, Text, check_condition, guarded

_BIN = {
	ast.Add: operator.add,
	ast.Sub: operator.sub,
	ast.Mult: operator.mul,
	ast.Div: operator.truediv,
	ast.FloorDiv: operator.floordiv,
	ast.Mod: operator.mod,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {
	ast.Eq: operator.eq,
	ast.NotEq: operator.ne,
	ast.Lt: operator.lt,
	ast.LtE: operator.le,
	ast.Gt: operator.gt,
	ast.GtE: operator.ge,
	ast.In: lambda a, b: a in b,
	ast.NotIn: lambda a, b: a not in b,
	ast.Is: operator.is_,
	ast.IsNot: operator.is_not,
}
_CALLS = {"int": int, "float": float, "round": round}
assert set(_CALLS) == CALLABLE


class ConditionError(ValueError):
	"""A condition that could not be evaluated (a refused form, or a run-time error such as 1 / 0)."""


def holds(expression: str, values: Mapping[str, Any], names: Collection[str]) -> bool:
	"""Does the condition hold over `values` (typed: see values.typed)? Empty holds. As Frappe's safe_eval does,
	the text is NFKC-normalised first, and a field's value comes before a builtin of the same name."""
	if not (expression or "").strip():
		return True
	expression = unicodedata.normalize("NFKC", expression)
	try:
		check_condition(expression, names)
		return bool(_eval(ast.parse(expression.strip(), mode="eval").body, guarded(values)))
	except (
		Exception
	) as e:  # whatever goes wrong (1 / 0, a type, memory), it is this step's condition that failed
		raise ConditionError(str(e) or type(e).__name__) from e


def _eval(node: ast.AST, scope: Mapping[str, Any]) -> Any:
	if isinstance(node, ast.Constant):
		return node.value
	if isinstance(node, ast.Name):
		if node.id in scope:
			return scope[node.id]
		return _CALLS[node.id]
	if isinstance(node, ast.BoolOp):
		result = None
		for value in node.values:
			result = _eval(value, scope)
			if isinstance(node.op, ast.And) and not result:
				return result
			if isinstance(node.op, ast.Or) and result:
				return result
		return result
	if isinstance(node, ast.BinOp):
		return _BIN[type(node.op)](_eval(node.left, scope), _eval(node.right, scope))
	if isinstance(node, ast.UnaryOp):
		return _UNARY[type(node.op)](_eval(node.operand, scope))
	if isinstance(node, ast.Compare):
		left = _eval(node.left, scope)
		for op, comparator in zip(node.ops, node.comparators, strict=True):
			right = _eval(comparator, scope)
			if not _COMPARE[type(op)](left, right):
				return False
			left = right
		return True
	if isinstance(node, ast.IfExp):
		return _eval(node.body if _eval(node.test, scope) else node.orelse, scope)
	if isinstance(node, ast.List):
		return [_eval(e, scope) for e in node.elts]
	if isinstance(node, ast.Tuple):
		return tuple(_eval(e, scope) for e in node.elts)
	if isinstance(node, ast.Set):
		return {_eval(e, scope) for e in node.elts}
	if isinstance(node, ast.Call):
		args = [_eval(a, scope) for a in node.args]
		if isinstance(node.func, ast.Name):
			function = _eval(node.func, scope)  # a field named like a builtin is the field: calling it fails
			if function not in _CALLS.values():
				raise TypeError(f"{node.func.id} is not callable")
			return function(*args)
		if isinstance(node.func, ast.Attribute) and node.func.attr in TEXT_METHODS:
			target = _eval(node.func.value, scope)
			if not isinstance(target, str):
				raise TypeError(f"{node.func.attr}() needs text")
			result = getattr(target, node.func.attr)(*args)
			return Text(result) if isinstance(result, str) else result  # still never repeated or formatted
	raise Refused(f"may not use {type(node).__name__}")
