"""The client timeline's first page against Frappe's own form load of that client, and 100 items against 10,000.

Bulk-inserts two clients (a Customer where ERPNext is installed, else a Contact): one with 10,000 timeline items of
mixed kinds (requests, their ledger events, follow-ups, emails and comments on the client) and one with 100, then prints the
median time of `everstep_flow.api.client.timeline` (first page, 20 items) for each, and of Frappe's
`frappe.desk.form.load.getdoc` of the big client (the form a user opens anyway). Targets: timeline / getdoc <= 1.5,
and timeline at 10,000 items / timeline at 100 <= 1.5. Everything it inserted is deleted at the end.

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/timeline_benchmark.py <site> [--repeats 30]
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from common import STANDARD_FIELDS, connected, median_seconds, standard_values

TARGET = 1.5
TEAM, SERVICE = "Timeline Bench Team", "Timeline Bench Service"
EVENTS_PER_REQUEST = 9
KINDS = (
	"created",
	"claimed",
	"started",
	"commented",
	"call_logged",
	"waiting",
	"resumed",
	"nudged",
	"completed",
)


def client_of(label: str) -> tuple[str, str]:
	import frappe

	from everstep_flow.hosts import installed

	if installed("Customer"):
		name = f"Timeline Bench {label}"
		if not frappe.db.exists("Customer", name):
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": name,
					"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
					"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
				}
			).insert(ignore_permissions=True)
		return "Customer", name
	name = frappe.db.get_value("Contact", {"first_name": "Timeline", "last_name": label}, "name")
	if not name:
		name = (
			frappe.get_doc({"doctype": "Contact", "first_name": "Timeline", "last_name": label})
			.insert(ignore_permissions=True)
			.name
		)
	return "Contact", name


def fill(customer_type: str, customer: str, items: int, label: str) -> dict[str, list[str]]:
	"""`items` timeline items: per request 8 events, 1 follow-up and 1 email from the client's contact (10 items),
	and 1% more as comments on the client itself (its form shows those too, so Frappe's getdoc loads them)."""
	import frappe
	from frappe.utils import now_datetime

	requests = items // (EVENTS_PER_REQUEST + 2)
	comments = max(1, items // 100)
	start = now_datetime() - timedelta(days=400)
	made: dict[str, list[str]] = {"Flow Request": [], "Flow Event": [], "Flow Follow Up": [], "Comment": []}
	request_rows, event_rows, follow_rows, comment_rows, email_rows, link_rows = [], [], [], [], [], []
	for r in range(requests):
		at = start + timedelta(hours=r * 9)
		name = f"TLB-{label}-{r:05d}"
		made["Flow Request"].append(name)
		last = at + timedelta(minutes=EVENTS_PER_REQUEST)
		request_rows.append(
			(
				*standard_values(name, at),
				f"Bench request {r}",
				SERVICE,
				"Completed",
				customer_type,
				customer,
				"API",
				last,
				last,
			)
		)
		for e in range(EVENTS_PER_REQUEST):
			ev = frappe.generate_hash(length=12)
			made["Flow Event"].append(ev)
			event_rows.append(
				(
					*standard_values(ev, at + timedelta(minutes=e)),
					name,
					KINDS[e],
					at + timedelta(minutes=e),
					"Administrator",
					TEAM,
					0,
					'{"text": "bench"}',
				)
			)
		fu = frappe.generate_hash(length=10)
		made["Flow Follow Up"].append(fu)
		follow_rows.append(
			(
				*standard_values(fu, at),
				"Bench follow-up",
				at + timedelta(days=1),
				"Done",
				TEAM,
				name,
				customer_type,
				customer,
			)
		)
		em = f"TLB-{label}-{r:05d}"
		email_rows.append(
			(
				*standard_values(em, at),
				"Communication",
				"Email",
				"Received",
				f"Bench email {r}",
				"c@b.example",
				at,
				"x",
			)
		)
		link_rows.append(
			(*standard_values(em, at), em, "Communication", "timeline_links", customer_type, customer, 1)
		)
		if r < comments:
			cm = frappe.generate_hash(length=10)
			made["Comment"].append(cm)
			comment_rows.append(
				(*standard_values(cm, at), "Comment", customer_type, customer, "Bench comment")
			)
	frappe.db.bulk_insert(
		"Flow Request",
		(
			*STANDARD_FIELDS,
			"subject",
			"service",
			"status",
			"customer_type",
			"customer",
			"source",
			"last_event_at",
			"history_at",
		),
		request_rows,
	)
	frappe.db.bulk_insert(
		"Flow Event",
		(*STANDARD_FIELDS, "request", "event_type", "at", "actor", "to_team", "is_internal", "details"),
		event_rows,
		chunk_size=5000,
	)
	frappe.db.bulk_insert(
		"Flow Follow Up",
		(*STANDARD_FIELDS, "what", "due_on", "status", "owner_team", "request", "customer_type", "customer"),
		follow_rows,
	)
	frappe.db.bulk_insert(
		"Comment",
		(*STANDARD_FIELDS, "comment_type", "reference_doctype", "reference_name", "content"),
		comment_rows,
	)
	frappe.db.commit()
	return made


def remove() -> None:
	"""Everything a run (or an interrupted one) inserted."""
	import frappe

	frappe.db.delete("Flow Event", {"request": ("like", "TLB-%")})
	frappe.db.delete("Flow Follow Up", {"request": ("like", "TLB-%")})
	frappe.db.delete("Flow Request", {"name": ("like", "TLB-%")})
	frappe.db.delete("Comment", {"content": "Bench comment"})
	frappe.db.delete("Communication Link", {"parent": ("like", "TLB-%")})
	frappe.db.delete("Communication", {"name": ("like", "TLB-%")})
	frappe.db.commit()


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("site")
	parser.add_argument("--repeats", type=int, default=30)
	options = parser.parse_args()
	with connected(options.site):
		import frappe
		from frappe.desk.form.load import getdoc

		from everstep_flow.api.client import timeline
		from everstep_flow.tests.utils import make_team, new_service, step_row

		make_team(TEAM, "Administrator")
		if not frappe.db.exists("Flow Service", SERVICE):
			new_service(SERVICE, [step_row("a", TEAM)]).insert(ignore_permissions=True)
		big, small = client_of("Big"), client_of("Small")
		remove()
		try:
			fill(*big, 10_000, "big")
			fill(*small, 100, "small")
			page_big = median_seconds(
				lambda: timeline(customer_type=big[0], customer=big[1]), options.repeats
			)
			page_small = median_seconds(
				lambda: timeline(customer_type=small[0], customer=small[1]), options.repeats
			)
			form = median_seconds(lambda: getdoc(big[0], big[1]), options.repeats)
			count = len(timeline(customer_type=big[0], customer=big[1])["items"])
		finally:
			remove()
	print(f"client type {big[0]}; first page of {count} items")
	print(f"{'what':<58} {'median ms':>10} {'ratio':>7}")
	print(f"{'getdoc of the client (Frappe form load, baseline)':<58} {form * 1000:>10.2f}")
	print(f"{'timeline first page, client with 100 items':<58} {page_small * 1000:>10.2f}")
	print(f"{'timeline first page, client with 10,000 items':<58} {page_big * 1000:>10.2f}")
	print(f"{'  against getdoc':<58} {'':>10} {page_big / form:>7.2f}")
	print(f"{'  against 100 items':<58} {'':>10} {page_big / page_small:>7.2f}")
	ok = page_big / form <= TARGET and page_big / page_small <= TARGET
	print(f"targets: both ratios <= {TARGET}: {'met' if ok else 'MISSED'}")
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
