"""Reads reveal nothing their reader could not open directly (issue 18): the list queries of our doctypes.

Frappe checks who may read a *row* through our permission hooks (everstep_flow.permissions), but several read paths
of Frappe 15 answer more than that, and a count or a filter is enough to read a value character by character:

- A list query hides a field the user may not read, yet still filters, groups and sorts on it, and joins child
  tables (a request's values) by filter. `guard` sees the query being built and, when it touches a field of
  permission level 1 (a request's values, a task's outputs), narrows the rows to those the user reads at that level:
  the teams working on them, never a requester. A raw SQL filter string, or a field read through a link into one of
  our row-restricted doctypes (whose rows the join would not restrict), is refused. `fit_query` makes what Frappe
  builds for our doctypes run on PostgreSQL too (JSON columns, ambiguous grouping).
- Doors that count or find rows without asking the hooks, or share one answer between users, are answered for our
  doctypes in everstep_flow.read_doors.
- Field levels are per role in Frappe; ours are per row too (everstep_flow.permissions.row_permlevels, used by Flow
  Request and Flow Task in `get_permlevel_access`).
"""

import re
import sys

import frappe
from frappe import _
from frappe.model import optional_fields
from frappe.model.db_query import DatabaseQuery, DefaultOrderBy

# Row-restricted doctypes (each has a condition in everstep_flow.permissions).
ROW_RESTRICTED = frozenset(
	{"Flow Request", "Flow Task", "Flow Handoff", "Flow Event", "Flow Follow Up", "Flow Request Value"}
)
# What a query mentions when it reads a field of permission level 1 (case-insensitive: MariaDB's names are).
LEVEL_ONE = {
	"Flow Request": re.compile(
		r"request_values|tabFlow Request Value|Flow Request Value|\bdefinition\b|\blast_customer_contact\b",
		re.IGNORECASE,
	),
	"Flow Task": re.compile(r"\boutputs\b|\bcustomer_wait_since\b", re.IGNORECASE),
}
FILTER_ARGS = ("filters", "or_filters")
CHILDREN = {("Flow Request", "Flow Request Value")}  # a request's list may filter on its values (level 1)


def query_being_built(doctype: str) -> DatabaseQuery | None:
	"""The list query of `doctype` that is asking our permission hook for its condition (None when the hook was
	called another way). Frappe 15 gives the hook only the user, so we look one level up the stack."""
	frame = sys._getframe(1)
	for _depth in range(12):
		if frame is None:
			return None
		candidate = frame.f_locals.get("self")
		if isinstance(candidate, DatabaseQuery) and candidate.doctype == doctype:
			return candidate
		frame = frame.f_back
	return None


def _mentioned(query: DatabaseQuery) -> str:
	"""Everything of the query a user could have chosen: fields, filters (as built), grouping, order, tables."""
	parts: list[str] = []
	for attr in ("fields", "conditions", "grouped_or_conditions", "tables"):
		value = getattr(query, attr, None) or []
		parts.extend(str(v) for v in (value if isinstance(value, list | tuple) else [value]))
	for attr in ("group_by", "order_by", *FILTER_ARGS):
		value = getattr(query, attr, None)
		if value and isinstance(value, str | list | tuple | dict):
			parts.append(str(value))
	return "\n".join(parts)


# Fields a list may read through a link to a row-restricted doctype: whoever reads a task reads its request (its
# team works on it, or they requested it), and the desk's task list shows the request's title (the link's title
# field). Nothing else, so no level-1 field or other row is reachable this way.
SAFE_LINKS = {("Flow Task", "request", "Flow Request"): frozenset({"subject", "name"})}


def _safe_link(doctype: str, link, query: DatabaseQuery) -> bool:
	allowed = SAFE_LINKS.get((doctype, link.fieldname, link.doctype))
	if allowed is None or not _own_columns(doctype, query):
		return False
	alias = re.escape(link.table_alias.strip("`"))
	used = {m.lower() for m in re.findall(rf"{alias}`?\s*\.\s*`?(\w+)", _mentioned(query))}
	used |= {m.lower() for m in re.findall(rf"\b{re.escape(link.fieldname)}\.(\w+)", _mentioned(query))}
	return bool(used) and used <= allowed


_COLUMN = re.compile(r"^\s*(?:`?(tab[^`.]+)`?\s*\.\s*)?`?(\w+)`?(?:\s+(?:asc|desc))?\s*$", re.IGNORECASE)


def _own_columns(doctype: str, query: DatabaseQuery) -> bool:
	"""With a link joined, a bare name in ORDER BY or GROUP BY may be the linked table's column (a sort by the
	request's definition would rank rows by it): each must be a column of `doctype` itself."""
	columns = {c.lower() for c in frappe.get_meta(doctype).get_valid_columns()} | set(optional_fields)
	for attr in ("order_by", "group_by"):
		value = getattr(query, attr, None)
		if not value or value == DefaultOrderBy:
			continue
		if not isinstance(value, str):
			return False
		for part in value.split(","):
			found = _COLUMN.match(part)
			if not found or found.group(2).lower() not in columns:
				return False
			if found.group(1) and found.group(1).lower() != f"tab{doctype}".lower():
				return False
	return True


def guard(doctype: str, query: DatabaseQuery) -> int:
	"""Refuse what a list query of ours may never do; return the field level its rows must be read at (0 or 1)."""
	for attr in FILTER_ARGS:
		filters = getattr(query, attr, None) or []
		if isinstance(filters, list | tuple) and any(isinstance(f, str) for f in filters):
			frappe.throw(
				_("{0}: give each filter as [field, operator, value], not as SQL text").format(attr),
				frappe.PermissionError,
			)
	for attr in FILTER_ARGS:
		for f in getattr(query, attr, None) or []:
			other = f[0] if isinstance(f, list | tuple) and len(f) >= 4 else None
			if other in ROW_RESTRICTED and other != doctype and (doctype, other) not in CHILDREN:
				frappe.throw(
					_("{0}: {1} cannot be filtered on through {2}; filter it directly").format(
						attr, other, doctype
					),
					frappe.PermissionError,
				)
	for link in getattr(query, "link_tables", None) or []:
		if link.doctype in ROW_RESTRICTED and not _safe_link(doctype, link, query):
			frappe.throw(
				_("fields: {0} cannot be read through the link {1} here; open it directly").format(
					link.doctype, link.fieldname
				),
				frappe.PermissionError,
			)
	if doctype == "Flow Request Value":
		return 1
	pattern = LEVEL_ONE.get(doctype)
	if not pattern:
		return 0
	# `*` is every field the user's roles read, which Frappe expands after asking us: level 1 for an agent
	asks_all = any(
		isinstance(f, str) and f.strip().endswith("*") for f in getattr(query, "fields", None) or []
	)
	return 1 if asks_all or pattern.search(_mentioned(query)) else 0


def json_columns(doctype: str) -> list[str]:
	return [df.fieldname for df in frappe.get_meta(doctype).fields if df.fieldtype == "JSON"]


_BARE = re.compile(r"^\s*(\w+)(\s+(?:asc|desc))?\s*$", re.IGNORECASE)


def fit_query(doctype: str, query: DatabaseQuery) -> None:
	"""What Frappe 15 builds for our doctypes and PostgreSQL refuses (a 500), made to run on both databases:
	a bare `group by creation` beside a joined child table (a chart filtered on a request's values) is ambiguous
	there, so it names its table; and our JSON columns (see `fit_json_columns`)."""
	table = f"`tab{doctype}`"
	if len(getattr(query, "tables", None) or []) > 1:
		columns = set(frappe.get_meta(doctype).get_valid_columns())
		for attr in ("group_by", "order_by"):
			value = getattr(query, attr, None)
			if isinstance(value, str) and (bare := _BARE.match(value)) and bare.group(1) in columns:
				# written as Frappe writes the field it selects (`tabX`.col), so its PostgreSQL path sees the
				# order column among the fields and adds no unqualified MAX(col) of its own
				setattr(query, attr, f"{table}.{bare.group(1)}{bare.group(2) or ''}")
	fit_json_columns(doctype, query)
	fit_time_columns(doctype, query)


TIME_TYPES = ("Date", "Datetime", "Time")


def fit_time_columns(doctype: str, query: DatabaseQuery) -> None:
	"""On PostgreSQL, Frappe 15 says "is set" / "is not set" on a date or time column as `col != ''` and
	`ifnull(col, '') = ''`, which PostgreSQL refuses (a 500: '' is no timestamp). Said there as what they mean:
	`is not null`, `is null`."""
	if frappe.db.db_type != "postgres":
		return
	built = [c for attr in ("conditions", "grouped_or_conditions") for c in getattr(query, attr, None) or ()]
	if not any("''" in condition for condition in built):
		return  # the common case: no filter compares a column with ''
	table = f"`tab{doctype}`"
	meta = frappe.get_meta(doctype)
	columns = ["creation", "modified"] + [df.fieldname for df in meta.fields if df.fieldtype in TIME_TYPES]
	said_as = []
	for column in columns:
		field = f"{table}.`{column}`"
		said_as += [
			(f"ifnull({field}, '') = ''", f"{field} is null"),
			(f"ifnull({field}, '') != ''", f"{field} is not null"),
			(f"{field} != ''", f"{field} is not null"),
			(f"{field} = ''", f"{field} is null"),
		]
	_rewrite_conditions(query, said_as)


def _rewrite_conditions(query: DatabaseQuery, said_as: list[tuple[str, str]]) -> None:
	"""Each filter condition Frappe built, with what it said replaced by what PostgreSQL takes."""
	for attr in ("conditions", "grouped_or_conditions"):
		built = getattr(query, attr, None)
		for i, condition in enumerate(built or ()):
			for frappe_said, meant in said_as:
				condition = condition.replace(frappe_said, meant)
			built[i] = condition


def fit_json_columns(doctype: str, query: DatabaseQuery) -> None:
	"""Our JSON columns (outputs, event details, snapshots) in a list query: a text filter on one works on both
	databases (PostgreSQL compares json with nothing, and answered 500: the column is read as text there), and
	grouping or sorting by one is refused with a 417 naming it (a blob has no order)."""
	columns = json_columns(doctype)
	if not columns:
		return
	table = f"`tab{doctype}`"
	for attr in ("group_by", "order_by"):
		value = getattr(query, attr, None)
		if isinstance(value, str) and value:
			for column in columns:
				if re.search(rf"\b{column}\b", value, re.IGNORECASE):
					frappe.throw(
						_("{0}: {1} holds structured data and cannot be grouped or sorted by").format(
							attr, column
						),
						frappe.ValidationError,
					)
	if frappe.db.db_type != "postgres":
		return
	_rewrite_conditions(
		query, [(f"{table}.`{column}`", f"cast({table}.`{column}` as text)") for column in columns]
	)
