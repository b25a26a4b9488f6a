"""What a Flow Trigger costs, measured against Frappe's own writes in the same run (in-process, one site).

1. The host's save: inserting a ToDo while an enabled trigger fires on it (the hook evaluates the trigger and
   records a Flow Trigger Firing; the request itself is made later by a job), against inserting a ToDo while the
   trigger is disabled (the hook returns at once). Recording a firing is one more small row: target ratio <= 2.0.
2. The triggered intake (the job's work: lock the firing, read the ToDo, find the client, start the request)
   against what the issue allows it to cost: `submit_request` with the same values, plus the resolver's reads (the
   client found from the same address). Target ratio <= 1.5.

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/trigger_benchmark.py <site> [--repeats 40]

Everything it writes is rolled back, except its team, service and contact (kept, so runs are comparable).
Exit status 1 when a ratio is over its target.
"""

from __future__ import annotations

import argparse
import sys

from common import connected, median_seconds

HOST_TARGET, INTAKE_TARGET = 2.0, 1.5
TEAM, SERVICE, TRIGGER = "Trigger Bench Team", "Trigger Bench Service", "Trigger Bench"
EMAIL = "client@trigger-bench.example"
FIELDS = [{"fieldname": "company", "label": "Company", "fieldtype": "Data", "required": 1}]


def fixture() -> None:
	import frappe

	from everstep_flow.tests.utils import make_team, new_service, step_row

	make_team(TEAM, "Administrator")
	if not frappe.db.exists("Flow Service", SERVICE):
		new_service(SERVICE, [step_row("a", TEAM)], FIELDS, duplicates="Always new").insert(
			ignore_permissions=True
		)
	if not frappe.db.get_value("Contact Email", {"email_id": EMAIL}, "parent"):
		contact = frappe.get_doc({"doctype": "Contact", "first_name": "Bench", "last_name": "Client"})
		contact.add_email(EMAIL, is_primary=True)
		contact.insert(ignore_permissions=True)
	frappe.db.commit()


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("site")
	parser.add_argument("--repeats", type=int, default=100)
	options = parser.parse_args()
	with connected(options.site):
		import frappe

		from everstep_flow.hosts import client_records as clients
		from everstep_flow.requests.intake import submit_request
		from everstep_flow.seams import trigger_set, triggers

		fixture()
		trigger = frappe.get_doc(
			{
				"doctype": "Flow Trigger",
				"trigger_name": TRIGGER,
				"enabled": 0,
				"document_type": "ToDo",
				"event": "New",
				"service": SERVICE,
				"client_from": "Email Field",
				"client_field": "sender",
				"mapping": [{"intake_field": "company", "source_field": "description"}],
			}
		).insert(ignore_permissions=True)
		trigger_set.forget_triggers()

		def todo():
			return frappe.get_doc({"doctype": "ToDo", "description": "Bench Co", "sender": EMAIL}).insert(
				ignore_permissions=True
			)

		quiet = median_seconds(todo, options.repeats)
		trigger.enabled = 1
		trigger.save(ignore_permissions=True)
		frappe.local.cache.clear()
		firing_host = median_seconds(todo, options.repeats)

		queued = iter(
			frappe.get_all(
				triggers.FIRING, filters={"trigger": TRIGGER, "status": "Queued"}, pluck="name", limit=10_000
			)
		)
		triggered = median_seconds(lambda: triggers.process(next(queued)), options.repeats)
		rest = median_seconds(
			lambda: submit_request(SERVICE, {"company": "Bench Co"}, client=clients.of_email(EMAIL)),
			options.repeats,
		)
		frappe.db.rollback()
		trigger_set.forget_triggers()

	rows = [
		("ToDo insert, trigger disabled (baseline)", quiet, None),
		("ToDo insert, trigger fires (firing recorded)", firing_host, firing_host / quiet),
		("submit_request + the resolver's reads (baseline)", rest, None),
		("triggered intake (the job's work)", triggered, triggered / rest),
	]
	print(f"{'what':<52} {'median ms':>10} {'ratio':>7}")
	for label, seconds, ratio in rows:
		print(f"{label:<52} {seconds * 1000:>10.2f} {'' if ratio is None else f'{ratio:>7.2f}'}")
	ok = firing_host / quiet <= HOST_TARGET and triggered / rest <= INTAKE_TARGET
	print(f"targets: host <= {HOST_TARGET}, triggered intake <= {INTAKE_TARGET}: {'met' if ok else 'MISSED'}")
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
