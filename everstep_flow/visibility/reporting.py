"""What the visibility reports share in the shell: the period asked for and whose figures the user may see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import frappe
from frappe import _
from frappe.utils import add_days, escape_html, get_datetime, getdate, now_datetime
from frappe.utils.data import is_invalid_date_string
from pypika.functions import Count
from pypika.terms import Term

from everstep_flow.engine import args
from everstep_flow.teams.membership import is_manager, user_teams

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years: a longer range is a mistake more often than a wish, and costs the whole history


_FILTER_NAME = re.compile(r"^[a-z_]{1,40}$")


def report_filters(filters, known: tuple[str, ...]) -> frappe._dict:
	"""The filters of a report call: an object of filter: value, each one the report takes (`known`, its JS
	filters), nothing else: a list, a string or a filter it does not have is a 417 (ignoring one would answer as if
	it had been applied)."""
	if filters is None or filters == "":
		return frappe._dict()
	if not isinstance(filters, dict):
		frappe.throw(_("filters: expected an object of filter: value"), frappe.ValidationError)
	unknown = [name for name in filters if name not in known]
	if unknown:
		named = [name for name in unknown if isinstance(name, str) and _FILTER_NAME.match(name)]
		frappe.throw(
			_("filters: {0} is not a filter of this report (it takes {1})").format(
				", ".join(named[:3]) or _("one of them"), ", ".join(known)
			),
			frappe.ValidationError,
			title=_("Invalid filter"),
		)
	return frappe._dict(filters)


def period(filters: dict, now: datetime | None = None) -> tuple[datetime, datetime]:
	"""[start, end) from the From Date / To Date filters (both days included); the last 30 days by default."""
	now = now or now_datetime()
	start = checked_day(filters.get("from_date"), "from_date") or getdate(add_days(now, -DEFAULT_DAYS))
	until = checked_day(filters.get("to_date"), "to_date") or getdate(now)
	if start > until:
		frappe.throw(_("from_date: is after to_date"), frappe.ValidationError)
	if (until - start).days > MAX_DAYS:
		frappe.throw(_("to_date: at most {0} days after from_date").format(MAX_DAYS), frappe.ValidationError)
	return get_datetime(start), get_datetime(add_days(until, 1))


def checked_day(value, argument: str):
	"""A date filter, refused with its name (and never echoed: the text may be markup)."""
	try:
		return args.day(value, argument)
	except args.ArgumentError as e:
		frappe.throw(str(e), frappe.ValidationError, title=_("Invalid filter"))


def checked_team(team) -> str | None:
	if team is not None and not isinstance(team, str):
		frappe.throw(_("team: expected a team name"), frappe.ValidationError)
	return team or None


def visible_teams(team: str | None = None) -> list[str] | None:
	"""The teams whose figures this user sees: None = every team (a Flow Manager), else their own (maybe none),
	narrowed to `team` when the filter names one."""
	team = checked_team(team)
	if is_manager():
		return [team] if team else None
	mine = user_teams()
	return [t for t in mine if t == team] if team else list(mine)


def checked_service(service) -> str | None:
	if service is not None and not isinstance(service, str):
		frappe.throw(_("service: expected a service name"), frappe.ValidationError)
	return service or None


def escaped(rows: list[dict], *fields: str) -> list[dict]:
	"""Free text (subjects, titles, notes) escaped for the report grid and chart: Frappe's Data formatter and its
	charts insert values as HTML, and a request's subject comes from anyone who can reach the portal."""
	for row in rows:
		for field in fields:
			if isinstance(row.get(field), str):
				row[field] = escape_html(row[field])
	return rows


class _PerDatabase(Term):
	"""SQL the two databases spell differently, around other terms: `{0}`, `{1}`… in the template are their SQL."""

	is_aggregate = None

	def __init__(self, mariadb: str, postgres: str, *terms: Term) -> None:
		super().__init__()
		self.templates, self.terms = {"mariadb": mariadb, "postgres": postgres}, terms

	def get_sql(self, **kwargs) -> str:
		kwargs.pop("with_alias", None)
		inner = [t.get_sql(**kwargs) for t in self.terms]
		return self.templates[frappe.db.db_type].format(*inner)


def microseconds_between(start: Term, end: Term) -> Term:
	"""Microseconds from start to end, a whole number computed by the database (NULL when either is NULL)."""
	return _PerDatabase(
		"TIMESTAMPDIFF(MICROSECOND, {0}, {1})",
		"ROUND(date_part('epoch', {1} - {0}) * 1000000)::bigint",
		start,
		end,
	)


def hours_of(microseconds: list[int | None]) -> list[float | None]:
	"""Durations the database computed (microseconds_between), a column of them, in hours, never negative (as
	engine.reports.hours_between)."""
	return [None if v is None else (v / 3_600_000_000 if v > 0 else 0.0) for v in microseconds]


class _Concatenated(Term):
	"""MariaDB: every row's value of a term in one text, "" for NULL, in the order the rows are read."""

	is_aggregate = True

	def __init__(self, term: Term) -> None:
		super().__init__()
		self.term = term

	def get_sql(self, **kwargs) -> str:
		kwargs.pop("with_alias", None)
		return f"GROUP_CONCAT(COALESCE({self.term.get_sql(**kwargs)}, '') SEPARATOR '{SEPARATOR}')"


SEPARATOR = ">"  # Frappe refuses "<" and ">" in a document's name; a value holding one is read row by row
# The server's max_allowed_packet caps it too: a longer text is read by rows
CONCATENATED_MAX = 256 * 1024 * 1024


def read_columns(query, names: list[Term], numbers: list[Term]) -> list[list]:
	"""Run `query` for `names` (document names or a Select's words, or NULL) and whole `numbers` (or NULL); give
	back each term's values over the rows, column by column, in one row order.

	Frappe reads MariaDB through pymysql, which parses every field of every row in Python: a month's 72,000 done
	tasks read as one packed field per row took 0.14 s. Here each column comes as one text (a GROUP_CONCAT over
	all the rows, which needs no temporary table) split by str.split: 0.10 s. A text cut short by the length limit,
	or a value holding the separator, is noticed by its count and read row by row instead. PostgreSQL's driver
	parses in C: its rows are read as they are."""
	terms = [*names, *numbers]
	if frappe.db.db_type == "mariadb":
		texts = _concatenated(query, terms)
		if texts is not None:
			return [
				*([v or None for v in texts[i]] for i in range(len(names))),
				*([int(v) if v else None for v in texts[i]] for i in range(len(names), len(terms))),
			]
	rows = query.select(*terms).run()
	return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _term in terms]


def _concatenated(query, terms: list[Term]) -> list[list[str]] | None:
	frappe.db.sql(f"SET SESSION group_concat_max_len = {CONCATENATED_MAX}")
	(count, *texts), *_rest = query.select(Count("*"), *(_Concatenated(t) for t in terms)).run()
	if not count:
		return [[] for _term in terms]
	split = [text.split(SEPARATOR) for text in texts]
	return None if any(len(values) != count for values in split) else split


def _moment(text: str) -> datetime | None:
	"""A DATETIME as MariaDB sends it, read as Frappe's get_datetime reads it (its empty dates are None)."""
	if is_invalid_date_string(text):
		return None
	try:
		return datetime.fromisoformat(text)
	except ValueError:
		return get_datetime(text)


@contextmanager
def quick_datetimes() -> Iterator[None]:
	"""MariaDB: DATETIME columns read by datetime.fromisoformat rather than Frappe's get_datetime (strptime, and
	dateutil when that fails), for a report that reads thousands of them: the Five Seam Audit's month on the load
	site reads 12,500, a third of its time. The same values. PostgreSQL's driver parses timestamps itself."""
	if frappe.db.db_type != "mariadb":
		yield
		return
	from pymysql.constants import FIELD_TYPE

	if not frappe.db._conn:
		frappe.db.connect()
	decoders = frappe.db._conn.decoders
	before = decoders.get(FIELD_TYPE.DATETIME)
	decoders[FIELD_TYPE.DATETIME] = _moment
	try:
		yield
	finally:
		decoders[FIELD_TYPE.DATETIME] = before
