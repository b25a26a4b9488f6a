"""Duplicate open requests: one client with more than one open request of one service (Leak Audit's last kind)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Sum
from pypika import Case

from everstep_flow.engine import states as S
from everstep_flow.engine.reports import duplicate_groups


class Duplicate(NamedTuple):
	name: str  # the request that duplicates `first`
	team: str | None  # the team holding it
	service: str
	customer_type: str
	customer: str
	first: str  # the oldest open request of the client and service (the one to keep)
	created: datetime | None = None  # when it was made (its line's date)


def open_duplicates(shown: int | None = None, teams: list[str] | None = None) -> tuple[list[Duplicate], int]:
	"""Each open request of a client and service with more than one open, but the oldest, and how many there are.
	The database finds those groups and counts them, so only the requests of the groups shown travel (all of them
	without `shown`; with it, whole groups until `shown` are reached); groups go in the order of their service and
	client. With `teams`, only the groups with a request held by one of them or by no team (an agent sees no other
	line; the count is then of those groups)."""
	request = DocType("Flow Request")
	open_with_client = request.status.isin(S.REQ_OPEN_STATES) & request.customer.notnull()
	group = (request.service, request.customer_type, request.customer)
	twice = {
		(service, client_type, client): n
		for service, client_type, client, n in frappe.qb.from_(request)
		.select(*group, Count("*"))
		.where(open_with_client)
		.groupby(*group)
		.having(Count("*") > 1)
		.run()
	}
	if teams is not None and twice:
		# The teams go into the WHERE, as parameters: Frappe's query builder writes values in a HAVING into the SQL
		# text, where PostgreSQL's query rewriting (`= 1` becomes `= '1'`) breaks a quoted team name apart.
		theirs = request.current_team.isin(teams or [""]) | request.current_team.isnull()
		held = {
			tuple(row)
			for row in frappe.qb.from_(request)
			.select(*group)
			.where(open_with_client & theirs)
			.groupby(*group)
			.run()
		}
		twice = {key: n for key, n in twice.items() if key in held}
	total = sum(n - 1 for n in twice.values())
	keys = sorted(twice)
	if shown is not None:
		lines, upto = 0, 0
		while upto < len(keys) and lines < shown:
			lines += twice[keys[upto]] - 1
			upto += 1
		keys = keys[:upto]
	wanted = set(keys)
	clients = sorted({client for _s, _t, client in keys})
	services = sorted({service for service, _t, _c in keys})
	rows = []
	for chunk in range(0, len(clients), 1000):
		rows += [
			r
			for r in frappe.qb.from_(request)
			.select(
				request.name,
				request.service,
				request.customer_type,
				request.customer,
				request.current_team,
				request.creation,
			)
			# by status and service first: MariaDB reads them from the open requests' index alone (through the
			# client's index it looked up every open request of those clients: 2,500 rows, 0.13 s)
			.where(
				open_with_client
				& request.service.isin(services)
				& request.customer.isin(clients[chunk : chunk + 1000])
			)
			.run(as_dict=True)
			if (r.service, r.customer_type, r.customer) in wanted
		]
	rows.sort(key=lambda r: (r.service, r.customer_type, r.customer, r.name))
	by_name = {r.name: r for r in rows}
	found = []
	for names in duplicate_groups((r.name, r.service, r.customer_type, r.customer) for r in rows):
		for name in names[1:]:
			r = by_name[name]
			found.append(
				Duplicate(name, r.current_team, r.service, r.customer_type, r.customer, names[0], r.creation)
			)
	return found, total
