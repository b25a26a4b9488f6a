#!/usr/bin/env python3
"""End to end, over real HTTP, as a sales user would: a deal won in Frappe CRM starts the everstep_flow onboarding
behind it, the deal's activity follows it, and the onboarding's follow-up is a CRM Task its owner closes in CRM (a
real web server and a real background worker; nothing is called in-process).

What it does
  1. Setup as Administrator over REST (get-or-create, so it can be re-run): the sales user "e2e.crm.sales" (Sales
     User + Flow Agent) in the Flow Team "E2E Sales Ops", a second sales user (Sales User only, no Flow role), a
     Flow Agent with no CRM role (also in E2E Sales Ops), the Flow Service "E2E Onboarding" (intake company_name and
     contact_email required, deal_value, deal_owner; Kickoff by E2E Sales Ops, then Go live) and the Flow Trigger
     "E2E CRM deal won: onboard the client" on CRM Deal, Field Becomes Value status = Won, client from the CRM Deal,
     mapping company_name <- organization, contact_email <- primary_contact_email, deal_value <- annual_revenue,
     deal_owner <- deal_owner (enabled for the run only; its condition keeps it to this script's organizations).
  2. The sales user creates a lead (/api/resource/CRM Lead, an organization unique to the run), converts it
     (crm_lead.convert_to_deal) and marks the deal Won (frappe.client.set_value, as CRM's UI does). The worker
     makes exactly one request, tied to the CRM Organization the conversion made; the deal's activity (CRM's own
     crm.api.activities.get_activities) shows "Request opened" linking the request.
  3. The sales user claims and starts Kickoff, logs a call on the request (everstep_flow.api.call.log_call) with a
     follow-up they own: a CRM Task assigned to them on the deal. They mark the CRM Task Done through
     frappe.client.set_value (as CRM's UI does): the follow-up is Done, with one `follow_up_done` event. They
     complete Kickoff: the deal's activity shows "Step started" and "Step done", and no internal note.
  4. Ten "Won" saves of another deal race (ten connections at once): one firing, one request.
  5. Attacks: the sales user without Flow roles reads nothing of the request (/api/resource, frappe.client.get_count
     with filters, the request's timeline, the organization's timeline); the Flow Agent without CRM roles gets 403
     on the deal (/api/resource and CRM's activities).
  6. The trigger is left DISABLED at the end, whatever happened (other test suites on the site count queries on
     deal saves). The data is left in place; every run makes a new lead, deals and organizations, and open requests
     of the service left by an earlier run are cancelled first.

How to run
  Needs: the site with Frappe CRM and everstep_flow, a web server and a worker for it, e.g.
      bench serve --port 8000                       # or nginx/gunicorn
      bench worker --queue short,default,long       # the trigger's job and the deal posts run here
  then (any Python 3.10+ with `requests`; the script imports e2e/common.py, beside it):
      python3 e2e/crm_e2e.py --url http://127.0.0.1:8000 --site hd.localhost --admin-password admin
  --site is sent as the Host header (so 127.0.0.1 works without an /etc/hosts entry). One line per check is printed
  ("PASS"/"FAIL"); the exit status is 1 when any check failed, 2 when the run could not go on. The deal, request and
  CRM Task of the run are printed at the end (for screenshots: /crm/deals/<deal>, /crm/tasks).
  Login throttling: `bench --site <site> set-config -p throttle_user_limit 100000` if logins get 429s.

Not a unit test: it is not collected by pytest or `bench run-tests` (no test_ prefix) and must not be.
"""

from __future__ import annotations

import random
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import requests

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
	refused,
	run,
	tally,
	task_of,
	text_of,
	upsert,
	wait_for,
)

SALES = "e2e.crm.sales@example.com"  # Sales User + Flow Agent, in E2E Sales Ops
SALES2 = "e2e.crm.sales2@example.com"  # Sales User only: no Flow role
AGENT = "e2e.crm.agent@example.com"  # Flow Agent only (in E2E Sales Ops): no CRM role
PASSWORD = "E2e-Flow-Crm-2026!"
TEAM = "E2E Sales Ops"
SERVICE = "E2E Onboarding"
TRIGGER = "E2E CRM deal won: onboard the client"
ORG_PREFIX = "E2E CRM "  # every organization this script makes starts so (the trigger's condition)
INTERNAL_NOTE = "internal-only crm e2e note: discount agreed off the record"
CRM_KINDS = ("deal", "crm_note", "crm_task", "crm_call")  # the client timeline's kinds from Frappe CRM


# ------------------------------------------------------------------------------------------- setup (Administrator)

SERVICE_DOC = {
	"title": SERVICE,
	"category": "Onboarding",
	"owner_team": TEAM,
	"description": "<p>A deal won in Frappe CRM: kicked off and taken live by E2E Sales Ops.</p>",
	"intake_fields": [
		{"fieldname": "company_name", "label": "Company Name", "fieldtype": "Data", "required": 1},
		{"fieldname": "contact_email", "label": "Contact Email", "fieldtype": "Data", "required": 1},
		{"fieldname": "deal_value", "label": "Deal Value", "fieldtype": "Data"},
		{"fieldname": "deal_owner", "label": "Deal Owner", "fieldtype": "Data"},
	],
	"steps": [
		{
			"step_key": "kickoff",
			"title": "Kickoff",
			"team": TEAM,
			"instructions": "<p>Call the client, agree the plan, book the go-live.</p>",
		},
		{"step_key": "go_live", "title": "Go live", "team": TEAM, "depends_on": "kickoff"},
	],
}

TRIGGER_DOC = {
	"trigger_name": TRIGGER,
	"enabled": 1,
	"service": SERVICE,
	"document_type": "CRM Deal",
	"event": "Field Becomes Value",
	"field": "status",
	"values": "Won",
	"condition": f"(doc.organization or '').startswith('{ORG_PREFIX}')",  # only this script's deals
	"client_from": "CRM Deal",
	"duplicates": "Service setting",
	"subject": "Onboarding {{ doc.organization }}",
	"mapping": [
		{"intake_field": "company_name", "source_field": "organization"},
		{"intake_field": "contact_email", "source_field": "primary_contact_email"},
		{"intake_field": "deal_value", "source_field": "annual_revenue"},
		{"intake_field": "deal_owner", "source_field": "deal_owner"},
	],
}


def setup(admin: Client) -> None:
	ensure_user(admin, SALES, "Sam Sales", ["Sales User", "Flow Agent"], PASSWORD)
	ensure_user(admin, SALES2, "Sasha Sales", ["Sales User"], PASSWORD)
	ensure_user(admin, AGENT, "Alex Agent", ["Flow Agent"], PASSWORD)
	ensure_team(admin, TEAM, SALES, AGENT)
	if not admin.exists("Flow Service", SERVICE):
		admin.insert("Flow Service", SERVICE_DOC)
	cancel_left_open(admin, SERVICE)
	upsert(admin, "Flow Trigger", TRIGGER, TRIGGER_DOC)


# ------------------------------------------------------------------------------------------- the run


def activities(client: Client, deal: str) -> dict:
	"""CRM's own deal activity (what its deal page shows): activities, calls, notes, tasks, attachments."""
	message = client.ok("crm.api.activities.get_activities", "GET", name=deal)
	keys = ("activities", "calls", "notes", "tasks", "attachments")
	return dict(zip(keys, message, strict=False))


def comments_of(client: Client, deal: str) -> list[str]:
	return [
		a.get("content") or ""
		for a in activities(client, deal)["activities"]
		if a.get("activity_type") == "comment"
	]


def has_comment(client: Client, deal: str, milestone: str) -> list[str]:
	return [c for c in comments_of(client, deal) if milestone in text_of(c)]


def firings(admin: Client, deal: str) -> list[dict]:
	return admin.rows(
		"Flow Trigger Firing",
		[["trigger", "=", TRIGGER], ["reference_doctype", "=", "CRM Deal"], ["reference_name", "=", deal]],
		["name", "status", "request", "error"],
	)


def settled(admin: Client, deal: str):
	"""The deal's firings once none is still queued (the worker ran them)."""
	rows = firings(admin, deal)
	return rows if rows and all(f["status"] != "Queued" for f in rows) else None


def new_deal(sales: Client, tag: str, what: str) -> tuple[str, str, str, str]:
	"""(lead, deal, organization, email): a lead made and converted by the sales user, as CRM's UI does."""
	org = f"{ORG_PREFIX}{what} {tag}"
	email = f"lena.{what.lower()}.{tag}@e2e-crm-{tag}.example"
	lead = sales.insert(
		"CRM Lead",
		{
			"first_name": "Lena",
			"last_name": f"{what} {tag}",
			"organization": org,
			"email": email,
			"annual_revenue": 48000,
			"lead_owner": SALES,
		},
	)["name"]
	deal = sales.ok("crm.fcrm.doctype.crm_lead.crm_lead.convert_to_deal", lead=lead)
	return lead, str(deal), org, email


def win(sales: Client, deal: str) -> requests.Response:
	return sales.call(
		"frappe.client.set_value", doctype="CRM Deal", name=deal, fieldname="status", value="Won"
	)


MISMATCH = "TimestampMismatchError"


def _race(sales: Client, deal: str, n: int = 10) -> dict:
	"""n connections save the deal as Won at the same moment; a save Frappe refuses (its optimistic lock: the deal
	changed since that request read it) is tried again until it lands, and every other connection flips the deal
	to Lost and back to Won first, so several Won transitions race with the worker's job."""
	twins = [sales.twin() for _ in range(n)]
	barrier = threading.Barrier(n)
	out: dict = {"first": [], "first_errors": [], "landed": 0, "transitions": 0, "failed": []}
	lock = threading.Lock()

	def until_saved(c: Client, status: str) -> bool:
		for _ in range(60):
			r = c.call(
				"frappe.client.set_value", doctype="CRM Deal", name=deal, fieldname="status", value=status
			)
			if r.status_code == 200:
				return True
			why = error_of(r)
			if not (r.status_code == 417 and MISMATCH in why):
				with lock:
					out["failed"].append(f"{status}: {r.status_code} {why[:200]}")
				return False
			time.sleep(random.uniform(0.01, 0.1))
		with lock:
			out["failed"].append(f"{status}: still refused after 60 tries")
		return False

	def flip(c: Client, i: int) -> None:
		barrier.wait()
		r = win(c, deal)
		with lock:
			out["first"].append(r.status_code)
			out["first_errors"].append((r.status_code, "" if r.status_code == 200 else error_of(r)))
		landed = r.status_code == 200
		if i % 2:
			landed = until_saved(c, "Lost") and until_saved(c, "Won")
			with lock:
				out["transitions"] += int(landed)
		elif not landed:
			landed = until_saved(c, "Won")
		with lock:
			out["landed"] += int(landed)

	threads = [threading.Thread(target=flip, args=(c, i)) for i, c in enumerate(twins)]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	out["transitions"] += 1  # the first Won of the race
	return out


def _run(admin: Client, sales: Client, sales2: Client, agent: Client, state: dict) -> None:
	tag = uuid.uuid4().hex[:6]

	# --- the sales user: a lead, converted, the deal won
	lead, deal, org, email = new_deal(sales, tag, "Acme")
	state.update(deal=deal, organization=org)
	got = sales.doc("CRM Deal", deal)
	check(
		"sales user created a lead and converted it (crm_lead.convert_to_deal): a deal of the organization",
		got.get("organization") == org and got.get("lead") == lead and got.get("status") != "Won",
		f"lead {lead} -> deal {deal}, organization {got.get('organization')!r}, status {got.get('status')!r}",
	)
	check(
		"no firing before the deal is won",
		not firings(admin, deal),
		str(firings(admin, deal)),
	)
	r = win(sales, deal)
	check(
		"sales user marked the deal Won (frappe.client.set_value, as CRM's UI does)",
		r.status_code == 200 and sales.doc("CRM Deal", deal)["status"] == "Won",
		f"{r.status_code} {error_of(r) if r.status_code != 200 else ''}",
	)

	# --- the worker makes the request
	rows = wait_for("the trigger's job", lambda: settled(admin, deal), timeout=90)
	if not check(
		"the worker ran the firing: one firing, Done, with a request",
		bool(rows) and len(rows) == 1 and rows[0]["status"] == "Done" and rows[0]["request"],
		str(rows) if rows else "no firing done (is a worker running for the site?)",
	):
		raise Stop("no request for the deal")
	request = rows[0]["request"]
	state["request"] = request
	reqs = admin.rows("Flow Request", [["service", "=", SERVICE], ["customer", "=", org]], ["name"])
	check("exactly one request for the organization", len(reqs) == 1, str(reqs))
	req = sales.doc("Flow Request", request)
	values = {v["fieldname"]: v["value"] for v in req.get("request_values") or []}
	check(
		"the request is tied to the lead's CRM Organization and the deal (sales user reads it)",
		(req["customer_type"], req["customer"]) == ("CRM Organization", org)
		and (req["source_doctype"], str(req["source_name"])) == ("CRM Deal", deal),
		f"{request}: {req['customer_type']}/{req['customer']}, source {req['source_doctype']} {req['source_name']}, "
		f"contact {req.get('contact')}, subject {req.get('subject')!r}, status {req['status']}",
	)
	check(
		"the intake values are what CRM holds (organization, primary contact's email, revenue, owner)",
		values.get("company_name") == org
		and values.get("contact_email") == email
		and float(values.get("deal_value") or 0) == 48000
		and values.get("deal_owner") == SALES,
		str(values),
	)
	r = win(sales, deal)  # saved again as Won
	time.sleep(2)
	again = firings(admin, deal)
	check(
		"saving the deal as Won again starts nothing more (one firing, one request)",
		r.status_code == 200
		and len(again) == 1
		and len(admin.rows("Flow Request", [["customer", "=", org]], ["name"])) == 1,
		f"{r.status_code}; firings {again}",
	)
	check_request_opened(
		"the deal's activity (crm.api.activities.get_activities) has 'Request opened' linking the request",
		"in the deal's activity",
		lambda milestone: has_comment(sales, deal, milestone),
		request,
	)

	# --- the sales user works the first step, logs a call with a follow-up they own
	kickoff = task_of(sales, request, "kickoff")["task"]
	sales.ok("everstep_flow.api.request.comment", request=request, text=INTERNAL_NOTE, is_internal=1)
	sales.ok("everstep_flow.api.task.claim", task=kickoff)
	started = sales.ok("everstep_flow.api.task.start", task=kickoff)
	check(
		"sales user claimed and started Kickoff (our REST)", started["status"] == "In Progress", str(started)
	)
	due = (datetime.now() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
	call = sales.ok(
		"everstep_flow.api.call.log_call",
		request=request,
		direction="Outgoing",
		contact=req["contact"],
		duration=12,
		summary="Kickoff call: plan agreed, go-live in two weeks.",
		follow_up_on=due.strftime("%Y-%m-%d %H:%M:%S"),
		follow_up_team=TEAM,
		follow_up_owner=SALES,
		follow_up_what="Send the signed onboarding plan",
	)
	follow_up = call.get("follow_up")
	check(
		"sales user logged a call on the request with a follow-up they own (api.call.log_call)",
		bool(follow_up and call.get("communication")),
		str(call),
	)
	fu = admin.doc("Flow Follow Up", follow_up)
	crm_task = fu.get("crm_task")
	state["crm_task"] = crm_task
	if not check("the follow-up names its CRM Task", bool(crm_task), f"follow-up {follow_up}: {fu}"):
		raise Stop("no CRM Task")
	task = sales.doc("CRM Task", crm_task)
	check(
		"the CRM Task is the sales user's, on the deal, due when the follow-up is, not done (sales user reads it)",
		task.get("assigned_to") == SALES
		and (task.get("reference_doctype"), str(task.get("reference_docname"))) == ("CRM Deal", deal)
		and str(task.get("due_date") or "")[:16] == str(fu["due_on"])[:16]
		and task.get("status") not in ("Done", "Canceled"),
		f"{crm_task}: title {task.get('title')!r}, assigned_to {task.get('assigned_to')}, "
		f"{task.get('reference_doctype')} {task.get('reference_docname')}, due {task.get('due_date')} "
		f"(follow-up {fu['due_on']}), status {task.get('status')}",
	)
	listed = sales.rows("CRM Task", [["assigned_to", "=", SALES], ["name", "=", crm_task]], ["name"])
	in_deal = [t for t in activities(sales, deal)["tasks"] if str(t.get("name")) == str(crm_task)]
	check(
		"the sales user finds it in CRM's task list and on the deal's Tasks (get_activities)",
		len(listed) == 1 and len(in_deal) == 1,
		f"list {listed}, deal tasks {[t.get('name') for t in activities(sales, deal)['tasks']]}",
	)
	todos = sales.rows(
		"ToDo",
		[["reference_type", "=", "CRM Task"], ["reference_name", "=", crm_task], ["status", "=", "Open"]],
		["allocated_to"],
	)
	check(
		"the CRM Task is assigned to the sales user (an open ToDo, CRM's assignment)",
		[t["allocated_to"] for t in todos] == [SALES],
		str(todos),
	)

	# --- the sales user marks the CRM Task Done in CRM: the follow-up is done
	r = sales.call(
		"frappe.client.set_value", doctype="CRM Task", name=crm_task, fieldname="status", value="Done"
	)
	check(
		"sales user marked the CRM Task Done (frappe.client.set_value, as CRM's UI does)",
		r.status_code == 200,
		f"{r.status_code} {error_of(r) if r.status_code != 200 else ''}",
	)
	fu = admin.doc("Flow Follow Up", follow_up)
	done_events = admin.rows(
		"Flow Event",
		[["request", "=", request], ["event_type", "=", "follow_up_done"]],
		["name", "actor", "details"],
	)
	check(
		"the follow-up is Done, by the sales user",
		fu["status"] == "Done" and fu.get("done_by") == SALES,
		f"status {fu['status']}, done_by {fu.get('done_by')}, note {fu.get('note')!r}",
	)
	check(
		"exactly one follow_up_done event, naming the follow-up",
		len(done_events) == 1 and follow_up in (done_events[0].get("details") or ""),
		str(done_events),
	)
	r = sales.call(
		"frappe.client.set_value", doctype="CRM Task", name=crm_task, fieldname="status", value="Done"
	)
	after = admin.rows(
		"Flow Event", [["request", "=", request], ["event_type", "=", "follow_up_done"]], ["name"]
	)
	check(
		"saving the CRM Task as Done again adds nothing", r.status_code == 200 and len(after) == 1, str(after)
	)

	# --- the sales user completes Kickoff: the deal's activity shows the steps
	done = sales.ok("everstep_flow.api.task.complete", task=kickoff)
	check("sales user completed Kickoff", done["status"] == "Done", str(done))

	def milestones():
		said = " ".join(text_of(c) for c in comments_of(sales, deal))
		return said if "Step started" in said and "Step done" in said else None

	said = wait_for("'Step started' and 'Step done' in the deal's activity", milestones, 60) or ""
	for milestone in ("Step started", "Step done"):
		check(f"the deal's activity shows '{milestone}'", milestone in said)
	said = " ".join(text_of(c) for c in comments_of(sales, deal))
	check("no internal note in the deal's activity", INTERNAL_NOTE not in said)
	check_posted_once(lambda: comments_of(sales, deal), state)

	# --- ten Won saves of another deal racing
	_lead2, deal2, org2, _email2 = new_deal(sales, tag, "Race")
	state["race_deal"] = deal2
	race = _race(sales, deal2)
	check(
		"ten simultaneous Won saves: Frappe lets one through and refuses the rest with its own "
		"TimestampMismatchError (417), nothing of ours",
		race["first"].count(200) >= 1
		and all(code == 200 or MISMATCH in why for code, why in race["first_errors"]),
		f"first tries {sorted(race['first'])}; refusals {sorted({w[:90] for _c, w in race['first_errors']})}",
	)
	check(
		"... each refused save tried again until it landed (half of them flipping Lost then Won): all ten landed",
		race["landed"] == 10 and not race["failed"],
		f"landed {race['landed']}, Lost-then-Won flips {race['transitions'] - 1}, failures {race['failed'][:3]}",
	)
	rows = wait_for("the race's firings", lambda: settled(admin, deal2), timeout=90) or []
	reqs = admin.rows("Flow Request", [["service", "=", SERVICE], ["customer", "=", org2]], ["name"])
	check(
		"ten racing Won saves of another deal: one firing, one request",
		len(rows) == 1 and rows[0]["status"] == "Done" and len(reqs) == 1,
		f"firings {rows}; requests {reqs}",
	)

	# --- attacks
	r = sales2.get_doc("Flow Request", request)
	check(
		"attack: a sales user without Flow roles cannot open the request (/api/resource)",
		r.status_code in (403, 404),
		f"{r.status_code} {error_of(r)[:200]}",
	)
	r = sales2.list("Flow Request", [["customer", "=", org]], ["name", "subject"])
	check(
		"attack: ... nor list it (/api/resource with a filter on the client)",
		refused(r),
		f"{r.status_code} {r.text[:200]}",
	)
	for doctype, filters in (
		("Flow Request", [["customer", "=", org]]),
		("Flow Request", [["name", "=", request], ["subject", "like", f"%{tag}%"]]),
		("Flow Event", [["request", "=", request]]),
		("Flow Follow Up", [["request", "=", request]]),
		("Flow Task", [["request", "=", request]]),
	):
		r = sales2.call("frappe.client.get_count", doctype=doctype, filters=filters)
		check(
			f"attack: ... nor count {doctype} with filters (frappe.client.get_count)",
			refused(r),
			f"{filters}: {r.status_code} {r.text[:200]}",
		)
	for method in ("everstep_flow.api.request.timeline", "everstep_flow.api.request.progress"):
		r = sales2.call(method, request=request)
		check(
			f"attack: ... nor read it through {method.rsplit('.', 1)[1]}",
			r.status_code in (403, 404),
			f"{r.status_code} {error_of(r)[:200]}",
		)
	r = sales2.call(
		"everstep_flow.api.client.timeline", customer_type="CRM Organization", customer=org, limit=100
	)
	items = r.json().get("message", {}).get("items", []) if r.status_code == 200 else []
	# CRM's own documents only (its deal, and the CRM Task, which names the request by design)
	leaked = [i for i in items if i.get("kind") not in CRM_KINDS]
	check(
		"attack: ... and the organization's timeline gives them no request history (CRM's documents only)",
		r.status_code in (403, 404) or (r.status_code == 200 and not leaked),
		f"{r.status_code}: kinds {sorted({i.get('kind') for i in items})}, flow items {len(leaked)}",
	)
	r = agent.get_doc("Flow Request", request)
	check("the Flow Agent in the team reads the request (control)", r.status_code == 200, str(r.status_code))
	r = agent.get_doc("CRM Deal", deal)
	check(
		"attack: a Flow Agent without CRM roles gets 403 on the deal (/api/resource)",
		r.status_code == 403,
		f"{r.status_code} {error_of(r)[:200]}",
	)
	r = agent.call("crm.api.activities.get_activities", "GET", name=deal)
	check(
		"attack: ... and on the deal's activity (crm.api.activities.get_activities)",
		r.status_code == 403,
		f"{r.status_code} {error_of(r)[:200]}",
	)


def main() -> int:
	state = run(
		arguments(__doc__),
		setup=setup,
		ready="setup: users, team, service and enabled trigger exist",
		service=SERVICE,
		trigger=TRIGGER,
		users={"sales user": SALES, "sales user 2": SALES2, "flow agent": AGENT},
		password=PASSWORD,
		body=_run,
	)
	status = tally(
		state,
		f"deal {state.get('deal')} ({state.get('organization')}), request {state.get('request')}, "
		f"CRM Task {state.get('crm_task')}, raced deal {state.get('race_deal')}",
	)
	if state.get("comments"):
		listing("deal activity (comments):", state["comments"])
	return status


if __name__ == "__main__":
	sys.exit(main())
