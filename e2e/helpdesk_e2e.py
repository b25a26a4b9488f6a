#!/usr/bin/env python3
"""End to end, over real HTTP, as users would: a Frappe Helpdesk ticket starts the everstep_flow work behind it and
follows it (a real web server and a real background worker; nothing is called in-process).

What it does
  1. Setup as Administrator over REST (get-or-create, so it can be re-run): the HD Customer "E2E Client Ltd", a
     website user customer with a Contact linked to it, two agents (HD Agent, roles Agent + Flow Agent) in two Flow
     Teams ("E2E Support", "E2E Field"), the Flow Service "E2E Support Case" (Diagnose by E2E Support, then On-site
     fix handed to E2E Field; Helpdesk settings: waiting status "Replied", on complete "Resolved", refuse closing)
     and the Flow Trigger "E2E ticket starts a support case" on HD Ticket / New (enabled for the run only).
  2. The customer raises a ticket through Helpdesk's portal API (helpdesk...hd_ticket.api.new); the worker makes the
     request (tied to the HD Customer) and posts "Request opened" in the ticket's activity.
  3. Agent 1 claims, starts and completes Diagnose (an internal and a public output); the handoff goes to E2E Field;
     agent 2 accepts it, starts the step, writes a message for the customer and waits on the customer: the ticket
     becomes "Replied". The customer replies in Helpdesk's portal (run_doc_method create_communication_via_contact):
     the step is In Progress again with one `resumed` event. Agent 2 completes it: the request is Completed, the
     ticket Resolved, and the customer reads the completion, the public outputs and the message in the portal.
  4. Attacks: the customer reads no HD Ticket Comment (REST list, frappe.client.get_count, Helpdesk's get_one) and
     no internal output; closing the ticket while its request is open is a 417 naming the request (agent and
     customer, through frappe.client.set_value as Helpdesk's UI does).
  5. The trigger is left DISABLED at the end, whatever happened (other test suites on the site count queries on
     ticket saves). The data is left in place; every run raises a new ticket (the trigger makes "Always new"
     requests, and open requests left by an interrupted earlier run are cancelled first).

How to run
  Needs: the site with Helpdesk and everstep_flow, a web server and a worker for it, e.g.
      bench serve --port 8000                       # or nginx/gunicorn
      bench worker --queue short,default,long       # the trigger's job and the ticket posts run here
  then (any Python 3.10+ with `requests`; the script imports e2e/common.py, beside it):
      python3 e2e/helpdesk_e2e.py --url http://127.0.0.1:8000 --site hd.localhost --admin-password admin
  --site is sent as the Host header (so 127.0.0.1 works without an /etc/hosts entry). One line per check is printed
  ("PASS"/"FAIL"); the exit status is 1 when any check failed, 2 when the run could not go on. The ticket and request
  of the run are printed at the end (for screenshots: /helpdesk/tickets/<ticket>, /helpdesk/my-tickets/<ticket>).
  Login throttling: `bench --site <site> set-config -p throttle_user_limit 100000` if logins get 429s.

Not a unit test: it is not collected by pytest or `bench run-tests` (no test_ prefix) and must not be.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # e2e/common.py, however the script is started
from common import (
	Client,
	Stop,
	arguments,
	cancel_left_open,
	check,
	check_posted_once,
	check_request_opened,
	ensure_team,
	ensure_user,
	error_of,
	listing,
	run,
	tally,
	task_of,
	text_of,
	upsert,
	wait_for,
)

HD_CUSTOMER = "E2E Client Ltd"
CUSTOMER = "e2e.customer@example.com"
AGENT1 = "e2e.agent1@example.com"  # E2E Support
AGENT2 = "e2e.agent2@example.com"  # E2E Field
PASSWORD = "E2e-Flow-Helpdesk-2026!"
TEAM1, TEAM2 = "E2E Support", "E2E Field"
SERVICE = "E2E Support Case"
TRIGGER = "E2E ticket starts a support case"

INTERNAL_OUTPUT = (
	"Fuser unit worn out, internal part no. FX-99"  # Diagnose's diagnosis: never for the customer
)
ETA = "A technician visits on Tuesday morning"  # Diagnose's public output
RESOLUTION = "Fuser unit replaced, test page printed"  # On-site fix's public output
MESSAGE = "Could you tell us which floor the printer is on, and a time the room is open?"
REPLY = "Third floor, room 3.14, open from 8 am."
INTERNAL_NOTE = "internal-only e2e note: customer is on a premium contract"


# ------------------------------------------------------------------------------------------- setup (Administrator)

SERVICE_DOC = {
	"title": SERVICE,
	"category": "Support",
	"owner_team": TEAM1,
	"description": "<p>A customer's Helpdesk ticket: diagnosed by E2E Support, fixed on site by E2E Field.</p>",
	"intake_fields": [
		{"fieldname": "summary", "label": "Summary", "fieldtype": "Data", "required": 1},
		{"fieldname": "details", "label": "Details", "fieldtype": "Long Text"},
		{"fieldname": "diagnosis", "label": "Diagnosis", "fieldtype": "Small Text", "at_intake": 0},
		{"fieldname": "eta", "label": "Visit", "fieldtype": "Data", "at_intake": 0},
		{"fieldname": "resolution", "label": "Resolution", "fieldtype": "Small Text", "at_intake": 0},
	],
	"steps": [
		{
			"step_key": "diagnose",
			"title": "Diagnose",
			"team": TEAM1,
			"required_outputs": "diagnosis, eta",
			"public_outputs": "eta",
			"instructions": "<p>Find the cause; tell the customer when the technician comes.</p>",
		},
		{
			"step_key": "onsite_fix",
			"title": "On-site fix",
			"team": TEAM2,
			"depends_on": "diagnose",
			"required_outputs": "resolution",
			"public_outputs": "resolution",
		},
	],
	"ticket_status_on_complete": "Resolved",
	"ticket_status_waiting": "Replied",
	"ticket_status_on_cancel": "",
	"ticket_close_open": "Refuse",
}

TRIGGER_DOC = {
	"trigger_name": TRIGGER,
	"enabled": 1,
	"service": SERVICE,
	"document_type": "HD Ticket",
	"event": "New",
	"client_from": "Helpdesk Ticket",
	"duplicates": "Always new",  # each run's ticket gets its own request
	"subject": "{{ doc.subject }}",
	"mapping": [
		{"intake_field": "summary", "source_field": "subject"},
		{"intake_field": "details", "source_field": "description"},
	],
}


def setup(admin: Client) -> None:
	if not admin.exists("HD Customer", HD_CUSTOMER):
		admin.insert("HD Customer", {"customer_name": HD_CUSTOMER})
	ensure_user(admin, CUSTOMER, "Erin E2E", [], PASSWORD, website=True)
	for agent, first in ((AGENT1, "Ada Support"), (AGENT2, "Finn Field")):
		ensure_user(admin, agent, first, ["Agent", "Flow Agent"], PASSWORD)
		if not admin.exists("HD Agent", agent):
			admin.insert("HD Agent", {"user": agent, "agent_name": first, "is_active": 1})
	contacts = admin.rows("Contact", [["email_id", "=", CUSTOMER]], ["name"])
	if not contacts:
		admin.insert(
			"Contact",
			{
				"first_name": "Erin",
				"last_name": "E2E",
				"email_ids": [{"email_id": CUSTOMER, "is_primary": 1}],
				"links": [{"link_doctype": "HD Customer", "link_name": HD_CUSTOMER}],
				"user": CUSTOMER,
			},
		)
	else:
		contact = admin.doc("Contact", contacts[0]["name"])
		links = contact.get("links") or []
		if not any(lk["link_doctype"] == "HD Customer" and lk["link_name"] == HD_CUSTOMER for lk in links):
			links.append({"link_doctype": "HD Customer", "link_name": HD_CUSTOMER})
			admin.update("Contact", contact["name"], {"links": links, "user": CUSTOMER})
	ensure_team(admin, TEAM1, AGENT1)
	ensure_team(admin, TEAM2, AGENT2)
	if not admin.exists("Flow Service", SERVICE):
		admin.insert("Flow Service", SERVICE_DOC)
	else:
		admin.update(
			"Flow Service",
			SERVICE,
			{k: SERVICE_DOC[k] for k in SERVICE_DOC if k.startswith("ticket_")} | {"host_milestones": []},
		)
	cancel_left_open(admin, SERVICE)
	upsert(admin, "Flow Trigger", TRIGGER, TRIGGER_DOC)


# ------------------------------------------------------------------------------------------- the run


def comments_of(client: Client, ticket) -> list[str]:
	return [
		c["content"]
		for c in client.ok("helpdesk.helpdesk.doctype.hd_ticket.api.get_one", "GET", name=ticket)["comments"]
	]


def ticket_view(client: Client, ticket) -> dict:
	return client.ok("helpdesk.helpdesk.doctype.hd_ticket.api.get_one", "GET", name=ticket)


def has_comment(client: Client, ticket, milestone: str):
	return [c for c in comments_of(client, ticket) if milestone in c]


def _run(admin: Client, customer: Client, agent1: Client, agent2: Client, state: dict) -> None:
	tag = uuid.uuid4().hex[:6]
	subject = f"Printer on 3rd floor jams on every page (e2e {tag})"

	# --- the customer raises a ticket in Helpdesk's portal
	made = customer.ok(
		"helpdesk.helpdesk.doctype.hd_ticket.api.new",
		doc={"subject": subject, "description": "<p>Every page jams halfway through. Model LX-500.</p>"},
		attachments=[],
	)
	ticket = str(made["name"])
	state["ticket"] = ticket
	check(
		"customer raised a ticket through Helpdesk's portal API (hd_ticket.api.new)",
		made.get("customer") == HD_CUSTOMER and made.get("raised_by") == CUSTOMER,
		f"HD Ticket {ticket}, customer={made.get('customer')!r}, raised_by={made.get('raised_by')!r}",
	)

	# --- the worker makes the request (firing) and posts "Request opened"
	def firing():
		rows = admin.rows(
			"Flow Trigger Firing",
			[
				["trigger", "=", TRIGGER],
				["reference_doctype", "=", "HD Ticket"],
				["reference_name", "=", ticket],
			],
			["name", "status", "request", "error"],
		)
		return rows[0] if rows and rows[0]["status"] != "Queued" else None

	f = wait_for("the trigger's job", firing, timeout=90)
	if not check(
		"the worker ran the firing: one request made for the ticket",
		bool(f) and f["status"] == "Done" and f["request"],
		f"firing {f}" if f else "no firing done (is a worker running for the site?)",
	):
		raise Stop("no request for the ticket")
	request = f["request"]
	state["request"] = request
	req = agent1.doc("Flow Request", request)
	check(
		"the request is tied to HD Customer 'E2E Client Ltd' and the ticket (agent reads it)",
		(req["customer_type"], req["customer"]) == ("HD Customer", HD_CUSTOMER)
		and (req["source_doctype"], str(req["source_name"])) == ("HD Ticket", ticket)
		and req["subject"] == subject,
		f"{request}: {req['customer_type']}/{req['customer']}, source {req['source_doctype']} "
		f"{req['source_name']}, requester {req.get('requester')}, contact {req.get('contact')}, status {req['status']}",
	)
	check_request_opened(
		"the ticket's activity has the internal comment 'Request opened' linking the request (Helpdesk get_one, agent)",
		"on the ticket",
		lambda milestone: has_comment(agent1, ticket, milestone),
		request,
	)

	# --- agent 1 (E2E Support): Diagnose
	diagnose = task_of(agent1, request, "diagnose")["task"]
	agent1.ok("everstep_flow.api.request.comment", request=request, text=INTERNAL_NOTE, is_internal=1)
	agent1.ok("everstep_flow.api.task.claim", task=diagnose)
	agent1.ok("everstep_flow.api.task.start", task=diagnose)
	done = agent1.ok(
		"everstep_flow.api.task.complete",
		task=diagnose,
		outputs={"diagnosis": INTERNAL_OUTPUT, "eta": ETA},
		note="Bring a fuser unit FX-99.",
	)
	check("agent 1 claimed, started and completed Diagnose over REST", done["status"] == "Done", str(done))
	handoffs = agent2.rows(
		"Flow Handoff", [["request", "=", request]], ["name", "status", "from_team", "to_team", "to_task"]
	)
	check(
		"the work was handed off to E2E Field (a pending Flow Handoff the receiving agent sees)",
		len(handoffs) == 1 and handoffs[0]["status"] == "Pending" and handoffs[0]["to_team"] == TEAM2,
		str(handoffs),
	)
	if not handoffs:
		raise Stop("no handoff")
	accepted = agent2.ok("everstep_flow.api.handoff.accept_handoff", handoff=handoffs[0]["name"])
	check(
		"agent 2 accepted the handoff (everstep_flow.api.handoff.accept_handoff)",
		accepted["status"] == "Accepted",
		str(accepted),
	)
	fix = accepted["to_task"]
	agent2.ok("everstep_flow.api.task.claim", task=fix)
	agent2.ok("everstep_flow.api.task.start", task=fix)
	agent2.ok("everstep_flow.api.request.comment", request=request, text=MESSAGE, is_internal=0)
	waiting = agent2.ok("everstep_flow.api.task.wait_on_customer", task=fix)
	check(
		"agent 2 started On-site fix, wrote to the customer and put it on Wait on Customer",
		waiting["status"] == "Waiting on Customer",
		str(waiting),
	)

	status = wait_for(
		"the ticket's status 'Replied'",
		lambda: (s := agent2.doc("HD Ticket", ticket)["status"]) == "Replied" and s,
		60,
	)
	check(
		"the ticket's status follows: Replied while the step waits on the customer",
		status == "Replied",
		f"status {agent2.doc('HD Ticket', ticket)['status']}",
	)
	seen = wait_for(
		"the message in the customer's portal",
		lambda: any(MESSAGE in c["content"] for c in ticket_view(customer, ticket)["communications"]),
		60,
	)
	check("the customer reads the agent's message as a reply in Helpdesk's portal (get_one, customer)", seen)
	opened_texts = " ".join(text_of(c) for c in comments_of(agent1, ticket))
	for milestone in ("Step started", "Step done", "Waiting on the customer"):
		check(f"the ticket's activity shows the milestone '{milestone}'", milestone in opened_texts)
	check(
		"the ticket's activity shows the milestone 'Handoff accepted'",
		"Handoff accepted" in opened_texts,
		"" if "Handoff accepted" in opened_texts else f"comments: {opened_texts[:600]}",
	)

	# --- attacks while the request is open
	r = customer.list("HD Ticket Comment", [["reference_ticket", "=", ticket]], ["name", "content"])
	check(
		"attack: the customer cannot list HD Ticket Comment (/api/resource)",
		r.status_code == 403 or (r.status_code == 200 and not r.json().get("data")),
		f"{r.status_code} {r.text[:200]}",
	)
	r = customer.call(
		"frappe.client.get_count", doctype="HD Ticket Comment", filters=[["reference_ticket", "=", ticket]]
	)
	check(
		"attack: the customer cannot count HD Ticket Comment (frappe.client.get_count)",
		r.status_code == 403 or (r.status_code == 200 and not r.json().get("message")),
		f"{r.status_code} {r.text[:200]}",
	)
	# ... nor learn what they say by counting with a filter on their content (an oracle)
	probe = {}
	for word in (request, "no-such-word-in-any-comment"):
		r = customer.call(
			"frappe.client.get_count",
			doctype="HD Ticket Comment",
			filters=[["reference_ticket", "=", ticket], ["content", "like", f"%{word}%"]],
		)
		probe[word] = (r.status_code, r.json().get("message") if r.status_code == 200 else None)
	check(
		"attack: the customer cannot probe internal comments' content (get_count with a content filter)",
		all(code == 403 or not n for code, n in probe.values()),
		f"(status, count) by word: {probe}",
	)
	view = ticket_view(customer, ticket)
	portal = json.dumps(view)
	check(
		"attack: Helpdesk's get_one gives the customer no comments",
		view["comments"] == [],
		f"{len(view['comments'])} comments",
	)
	check(
		"attack: no internal output or internal note reaches the customer's ticket view",
		INTERNAL_OUTPUT not in portal and INTERNAL_NOTE not in portal and "FX-99" not in portal,
	)
	r = customer.get_doc("Flow Request", request)
	if r.status_code == 200:
		data = r.json()["data"]
		leaked = [k for k in ("request_values",) if data.get(k)]
		check(
			"the customer (the request's requester) reads their Flow Request, without its values",
			not leaked and INTERNAL_OUTPUT not in r.text and INTERNAL_NOTE not in r.text,
			f"200: requester={data.get('requester')}, status={data.get('status')}, fields with values: "
			f"{sorted(k for k, v in data.items() if v not in (None, '', [], 0))}",
		)
	else:
		check(
			"the customer may not read the Flow Request",
			r.status_code in (403, 404),
			f"{r.status_code} {error_of(r)}",
		)
	r = customer.call("everstep_flow.api.request.timeline", request=request)
	if r.status_code == 200:
		kinds = [e["event_type"] for e in r.json()["message"]]
		check(
			"the customer's request timeline (api.request.timeline) shows no internal event",
			INTERNAL_NOTE not in r.text and INTERNAL_OUTPUT not in r.text,
			f"events: {kinds}",
		)
	else:
		check(
			"the customer's request timeline is refused",
			r.status_code in (403, 404),
			f"{r.status_code} {error_of(r)}",
		)
	r = customer.list("Flow Trigger Firing", [["reference_name", "=", ticket]], ["name", "request"])
	check(
		"attack: the customer cannot read Flow Trigger Firing",
		r.status_code == 403 or not r.json().get("data"),
		f"{r.status_code}",
	)
	for who, client in (("agent", agent1), ("customer", customer)):
		r = client.call(
			"frappe.client.set_value", doctype="HD Ticket", name=ticket, fieldname="status", value="Closed"
		)
		check(
			f"closing the ticket while its request is open is refused ({who}, frappe.client.set_value): 417 naming the request",
			r.status_code == 417 and request in error_of(r),
			f"{r.status_code} {error_of(r)}",
		)
	check(
		"the ticket is still open after the refused closes",
		admin.doc("HD Ticket", ticket)["status"] == "Replied",
	)

	# --- the customer replies in Helpdesk's portal: the step resumes
	resumed_before = len(
		admin.rows("Flow Event", [["request", "=", request], ["event_type", "=", "resumed"]], ["name"])
	)
	r = customer.call(
		"run_doc_method",
		dt="HD Ticket",
		dn=ticket,
		method="create_communication_via_contact",
		args=json.dumps({"message": f"<p>{REPLY}</p>", "attachments": []}),
	)
	check(
		"the customer replied through Helpdesk's portal (run_doc_method create_communication_via_contact)",
		r.status_code == 200,
		f"{r.status_code} {error_of(r) if r.status_code != 200 else ''}",
	)
	state_now = task_of(agent2, request, "onsite_fix")["state"]
	check("the customer's reply resumed the step: In Progress", state_now == "In Progress", state_now)
	resumed = admin.rows(
		"Flow Event", [["request", "=", request], ["event_type", "=", "resumed"]], ["name", "task", "actor"]
	)
	check(
		"exactly one `resumed` event for the step",
		len(resumed) - resumed_before == 1 and resumed[-1]["task"] == fix,
		str(resumed),
	)
	got = wait_for("'Resumed' on the ticket", lambda: has_comment(agent2, ticket, "Resumed"), 60)
	check("the ticket's activity shows 'Resumed'", bool(got), text_of(got[0]) if got else "")
	check(
		"the ticket is Open again",
		agent2.doc("HD Ticket", ticket)["status"] == "Open",
		agent2.doc("HD Ticket", ticket)["status"],
	)
	req = agent2.doc("Flow Request", request)
	check("the request is In Progress again", req["status"] == "In Progress", req["status"])

	# --- agent 2 completes the last step: request Completed, ticket Resolved
	done = agent2.ok("everstep_flow.api.task.complete", task=fix, outputs={"resolution": RESOLUTION})
	check("agent 2 completed On-site fix", done["status"] == "Done", str(done))
	req = agent2.doc("Flow Request", request)
	check("the request is Completed", req["status"] == "Completed", req["status"])
	status = wait_for(
		"the ticket's status 'Resolved'", lambda: agent2.doc("HD Ticket", ticket)["status"] == "Resolved", 60
	)
	check("the ticket follows: Resolved", bool(status), agent2.doc("HD Ticket", ticket)["status"])
	view = ticket_view(customer, ticket)
	replies = [text_of(c["content"]) for c in view["communications"]]
	said = " ".join(replies)
	check("the customer reads the completion reply in the portal", "is complete" in said, said[-300:])
	check(
		"the customer reads the public outputs (visit, resolution) in the portal",
		ETA in said and RESOLUTION in said,
	)
	check(
		"the customer reads the agent's message and their own reply in the portal",
		MESSAGE in said and REPLY in said,
	)
	check(
		"no internal output or note ever reached the customer's portal",
		INTERNAL_OUTPUT not in json.dumps(view)
		and INTERNAL_NOTE not in json.dumps(view)
		and view["comments"] == [],
	)
	comments = " ".join(text_of(c) for c in comments_of(agent1, ticket))
	check(
		"the ticket's activity shows the last step done with the request now Completed",
		"now completed" in comments,
		comments[-300:],
	)
	check(
		"no internal note in the ticket's activity (the agents' comments carry milestones only)",
		INTERNAL_NOTE not in comments,
	)
	check_posted_once(lambda: comments_of(agent1, ticket), state)
	state["replies"] = replies


def main() -> int:
	state = run(
		arguments(__doc__),
		setup=setup,
		ready="setup: customer, agents, teams, service and enabled trigger exist",
		service=SERVICE,
		trigger=TRIGGER,
		users={"customer": CUSTOMER, "agent1": AGENT1, "agent2": AGENT2},
		password=PASSWORD,
		body=_run,
	)
	status = tally(state, f"ticket {state.get('ticket')}, request {state.get('request')}")
	if state.get("comments"):
		listing("ticket activity (internal comments):", state["comments"])
		listing("customer's thread (communications):", state["replies"])
	return status


if __name__ == "__main__":
	sys.exit(main())
