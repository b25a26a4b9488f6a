"""Every door of the app, and how the attacker tables try it (issue 18: new doors join the tables by construction).

A pure contract test (tests/test_contract.py) fails when the app has a whitelisted method, report, page, portal
route, number card or chart that is not listed here, or when this lists one that is gone. The bench tests then take
their rows from here: `test_reads` probes every READ door as every role for every hidden datum, and
`test_hardening` feeds every door that takes arguments every malformed argument.

No frappe import: the contract test reads this without Frappe.
"""

READ, WRITE = "read", "write"

# REST methods (dotted path) -> what they do with data
METHODS = {
	"everstep_flow.api.assign.add": WRITE,
	"everstep_flow.api.assign.add_multiple": WRITE,
	"everstep_flow.api.assign.close": WRITE,
	"everstep_flow.api.assign.remove": WRITE,
	"everstep_flow.api.assign.remove_multiple": WRITE,
	"everstep_flow.api.call.log_call": WRITE,
	"everstep_flow.api.client.timeline": READ,
	"everstep_flow.api.follow_up.mark_done": WRITE,
	"everstep_flow.api.follow_up.mine": READ,
	"everstep_flow.api.follow_up.push": WRITE,
	"everstep_flow.api.handoff.accept_handoff": WRITE,
	"everstep_flow.api.handoff.return_handoff": WRITE,
	"everstep_flow.api.orphans.check_orphans": READ,
	"everstep_flow.api.orphans.leak_count": READ,
	"everstep_flow.api.portal.reply": WRITE,
	"everstep_flow.api.portal.submit": WRITE,
	"everstep_flow.api.request.cancel_request": WRITE,
	"everstep_flow.api.request.comment": WRITE,
	"everstep_flow.api.request.intake_form": READ,
	"everstep_flow.api.request.progress": READ,
	"everstep_flow.api.request.set_client": WRITE,
	"everstep_flow.api.request.submit_request": WRITE,
	"everstep_flow.api.request.timeline": READ,
	"everstep_flow.api.search.requests": READ,
	"everstep_flow.api.sweep.run_now": WRITE,
	"everstep_flow.api.task.block": WRITE,
	"everstep_flow.api.task.cancel": WRITE,
	"everstep_flow.api.task.claim": WRITE,
	"everstep_flow.api.task.complete": WRITE,
	"everstep_flow.api.task.my_teams": READ,
	"everstep_flow.api.task.release": WRITE,
	"everstep_flow.api.task.resume": WRITE,
	"everstep_flow.api.task.start": WRITE,
	"everstep_flow.api.task.tick": WRITE,
	"everstep_flow.api.task.unblock": WRITE,
	"everstep_flow.api.task.view": READ,
	"everstep_flow.api.task.wait_on_customer": WRITE,
	"everstep_flow.api.team.sync_with_hd_team": WRITE,
	"everstep_flow.api.trigger.run_again": WRITE,
	"everstep_flow.everstep_flow.doctype.flow_calendar.flow_calendar.import_holiday_list": WRITE,
	# Frappe's own doors, answered by us for our doctypes (hooks: override_whitelisted_methods)
	"everstep_flow.visibility.read_doors.get": READ,
	"everstep_flow.visibility.read_doors.get_count": READ,
	"everstep_flow.visibility.read_doors.get_group_by_count": READ,
	"everstep_flow.visibility.read_doors.get_open_count": READ,
	"everstep_flow.visibility.read_doors.getdoc": READ,
	"everstep_flow.visibility.read_doors.get_docinfo": READ,
	"everstep_flow.visibility.read_doors.get_communications": READ,
	"everstep_flow.visibility.read_doors.get_chart": READ,
}
# Doors that take no argument (nothing malformed to feed them): the hardening table skips only these.
NO_ARGUMENTS = frozenset(
	{
		"everstep_flow.api.orphans.check_orphans",
		"everstep_flow.api.sweep.run_now",
		"everstep_flow.api.task.my_teams",
	}
)

# Frappe's generic read doors over our doctypes (not ours to list by discovery, but probed all the same)
FRAPPE_READS = (
	"frappe.client.get_list",
	"frappe.client.get_count",
	"frappe.client.get",
	"frappe.client.get_value",
	"frappe.desk.reportview.get",
	"frappe.desk.reportview.get_count",
	"frappe.desk.listview.get_group_by_count",
	"frappe.desk.search.search_link",
	"frappe.desk.doctype.number_card.number_card.get_result",
	"/api/resource (list)",
	"/api/resource (document)",
)

REPORTS = frozenset(
	{
		"Five Seam Audit",
		"Handoffs by Seam",
		"Leak Audit",
		"SLA and OLA Compliance",
		"Team Queue Aging",
		"Where Requests Wait",
	}
)
PAGES = frozenset({"flow-client-timeline", "flow-follow-ups", "flow-search"})
PORTAL = frozenset({"flow", "flow/new", "flow/request", "flow/requests", "flow/timeline"})
NUMBER_CARDS = frozenset(
	{
		"Handoffs Awaiting Acceptance",
		"Open Leaks",
		"Open Requests",
		"Requests at Risk",
		"Requests Breached",
		"Unclaimed Tasks",
	}
)
CHARTS = frozenset(
	{
		"Median Handoff Latency by Seam",
		"Open Tasks by Team",
		"Requests Completed",
		"Requests Created",
	}
)
