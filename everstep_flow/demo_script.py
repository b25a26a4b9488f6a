"""The living demo's script: four weeks of requests, calls and follow-ups, as data (demo_history plays it).

Every request names the working day it arrives on (0 is four weeks ago, 19 the last working day before today), who
asks, and its fate: how far its people take it before the history ends. The fates are chosen so that every state
shows (Open, In Progress, Waiting on Customer, Completed, Cancelled), handoffs are accepted and returned, some work
is late enough to breach, and the two clients (A, B) have timelines with calls and follow-ups, one of them overdue.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

PORTAL = "portal"  # the demo's portal user asks, on the portal
REQUESTER = "requester@example.com"
MANAGER = "flow.manager@example.com"
SALES, OPS_LEAD, OPS, FINANCE = (
	"sales.lead@example.com",
	"ops.lead@example.com",
	"ops.agent@example.com",
	"finance.lead@example.com",
)
PEOPLE = {"Sales": (SALES,), "Operations": (OPS, OPS_LEAD), "Finance": (FINANCE,)}
SERVICES = {"support": "Support case", "laptop": "Laptop request", "onboard": "New client onboarding"}
HISTORY_DAYS = 20  # working days
START, END = 9, 17  # the working day's hours (the demo's Office Hours)


class Req(NamedTuple):
	day: int
	hour: float
	service: str  # a key of SERVICES
	by: str  # a staff user, or PORTAL
	# done: to the end; late: to the end, slowly (a breach); return: the first handoff is returned, then to the end;
	# reply: waits on the customer, who answers, then to the end; wait: ends waiting on the customer;
	# cancel: cancelled; open: nobody has claimed it; claimed: claimed, not started; progress: working on it;
	# pending: a handoff waits to be accepted; blocked: a task is blocked. `n`: tasks completed before the fate.
	fate: str
	n: int = 0
	client: str | None = None  # "A" (Northwind Traders) or "B" (Contoso Ltd), see demo_history.clients


REQUESTS: tuple[Req, ...] = (
	Req(0, 10, "onboard", SALES, "done", client="A"),
	Req(1, 11, "support", OPS, "done", client="A"),
	Req(1, 14, "laptop", PORTAL, "done"),
	Req(2, 9.5, "support", OPS_LEAD, "late"),
	Req(2, 13, "laptop", OPS_LEAD, "return"),
	Req(3, 10, "support", PORTAL, "reply"),
	Req(3, 15, "onboard", SALES, "done"),
	Req(4, 10, "laptop", OPS, "cancel", 1),
	Req(4, 13, "support", OPS, "late"),
	Req(5, 9, "laptop", FINANCE, "done"),
	Req(5, 11, "support", OPS_LEAD, "done"),
	Req(6, 10, "onboard", SALES, "done"),
	Req(6, 14, "support", OPS, "done"),
	Req(7, 10, "laptop", PORTAL, "done"),
	Req(8, 15, "support", PORTAL, "reply"),
	Req(8, 10, "onboard", SALES, "return"),
	Req(9, 9, "support", OPS, "done", client="B"),
	Req(9, 11, "support", OPS_LEAD, "blocked", 1),
	Req(9, 14, "laptop", OPS, "done"),
	Req(10, 10, "support", OPS_LEAD, "done"),
	Req(10, 15, "onboard", SALES, "cancel", 1),
	Req(11, 10, "laptop", PORTAL, "pending", 1),
	Req(11, 14, "onboard", SALES, "done"),
	Req(12, 10, "laptop", FINANCE, "done"),
	Req(12, 11, "support", OPS, "progress"),
	Req(13, 9, "support", OPS, "done"),
	Req(13, 11, "laptop", PORTAL, "done"),
	Req(14, 10, "support", PORTAL, "cancel"),
	Req(14, 13, "support", OPS, "wait", client="B"),
	Req(15, 11, "onboard", SALES, "progress", 1, client="B"),
	Req(15, 14, "support", OPS_LEAD, "done"),
	Req(16, 10, "onboard", SALES, "wait", 3),
	Req(16, 14, "laptop", OPS, "progress", 1),
	Req(17, 10, "support", PORTAL, "wait"),
	Req(17, 11, "onboard", SALES, "blocked", 1),
	Req(18, 9, "support", OPS_LEAD, "progress", 1),
	Req(18, 13, "laptop", PORTAL, "pending", 2),
	Req(18, 15, "support", OPS, "claimed"),
	Req(19, 10, "support", OPS_LEAD, "open"),
	Req(19, 11, "laptop", FINANCE, "open"),
	Req(19, 14, "onboard", SALES, "open"),
)


class Call(NamedTuple):
	request: int  # index in REQUESTS
	day: int
	hour: float
	by: str
	direction: str
	minutes: int
	summary: str
	follow_up: tuple[int, str, str, str] | None = None  # working day (may be after today), team, owner, what
	then: tuple[str, int, str] | None = None  # ("done" | "push", working day, note or reason)


CALLS: tuple[Call, ...] = (
	Call(
		0,
		1,
		10,
		SALES,
		"Outgoing",
		12,
		"Agreed the kick-off date and who joins from their side.",
		(3, "Sales", SALES, "Send the welcome pack"),
		("done", 3, "Sent with the kick-off agenda."),
	),
	Call(
		1,
		1,
		15,
		OPS,
		"Incoming",
		8,
		"Nightly export fails since the update; they sent the log.",
		(4, "Operations", OPS, "Check the export ran overnight"),
		("push", 4, "Nora is away until next week."),
	),
	Call(16, 9, 11, OPS, "Outgoing", 20, "Walked Carl through the new permissions; fixed on the call."),
	Call(
		29,
		15,
		14,
		SALES,
		"Outgoing",
		15,
		"Carl wants single sign-on from day one.",
		(17, "Operations", OPS, "Confirm the SSO settings with Carl"),
	),
	Call(
		28,
		16,
		10,
		OPS,
		"Incoming",
		6,
		"Carl will send the screenshots we asked for.",
		(HISTORY_DAYS + 1, "Operations", OPS_LEAD, "Call Carl back if nothing came"),
	),
)
PUSH_TO = HISTORY_DAYS + 4  # a pushed follow-up's new working day: after today

# What people type and hand on, by request number where it varies.
COMPANIES = ("Fabrikam", "Tailspin Toys", "Litware", "Adventure Works", "Wide World Importers", "Proseware")
PROBLEMS = (
	"Cannot log in after the password reset",
	"Invoices show the wrong VAT rate",
	"Nightly export fails",
	"Slow search on the orders page",
	"Two-factor codes arrive late",
	"Report totals do not match the ledger",
)
PEOPLE_NAMES = ("alex", "sam", "jo", "kim", "lee", "pat", "robin")
RESOLUTIONS = ("Reset the session cache", "Corrected the tax template", "Raised the export timeout")
CLIENT_NAMES = {"A": "Northwind Traders", "B": "Contoso Ltd"}


def values(i: int, req: Req) -> tuple[str, dict]:
	"""The subject and intake values of request number `i`."""
	if req.service == "support":
		problem = PROBLEMS[i % len(PROBLEMS)]
		return problem, {"summary": problem, "details": f"Since this morning: {problem.lower()}."}
	if req.service == "laptop":
		person = PEOPLE_NAMES[i % len(PEOPLE_NAMES)]
		return f"Laptop for {person.title()}", {
			"employee_email": f"{person}@example.com",
			"model": ("Standard 14in", "Performance 16in")[i % 2],
			"justification": ("New starter" if i % 3 else "Replacement: the old one no longer charges"),
		}
	company = CLIENT_NAMES.get(req.client or "", COMPANIES[i % len(COMPANIES)])
	return f"Onboarding {company}", {
		"company_name": company,
		"contact_email": f"it@{company.lower().replace(' ', '')}.example",
		"plan": ("Basic", "Pro", "Enterprise")[i % 3],
		"seats": 10 + 5 * (i % 7),
		"notes": "Signed this week.",
	}


def outputs(i: int, step: str) -> tuple[dict, str | None]:
	"""What a step's task hands on when it completes: its outputs and a note."""
	return {
		"it_review": ({"cost": 1100 + 150 * (i % 4)}, "In stock; quoted by the usual vendor."),
		"finance_approval": ({}, "Within the department's budget."),
		"fulfilment": ({"asset_tag": f"LT-{2400 + i}"}, None),
		"sales_handover": ({}, "Contract signed; the kick-off contact is confirmed."),
		"provisioning": ({"account_id": f"ACC-{1000 + i}"}, None),
		"billing_setup": ({"billing_reference": f"INV-{5000 + i}"}, None),
		"triage": ({}, "Reproduced; details in the request."),
		"resolve": ({"resolution": RESOLUTIONS[i % len(RESOLUTIONS)]}, None),
	}.get(step, ({}, None))


RETURN_REASONS = {
	"finance_approval": "Over this quarter's budget: quote the standard model instead.",
	"provisioning": "The contract has no seat count; confirm it with the client.",
	"billing_setup": "The contract has no seat count; confirm it with the client.",
}
BLOCK_REASON = "Waiting for the vendor's fix"
CANCEL_REASONS = {
	"laptop": "The employee's start was called off.",
	"onboard": "The client withdrew before the kick-off.",
	"support": "Sent twice by mistake.",
}
REPLY = "Here is the screenshot you asked for; it happens every time."
PORTAL_NOTE = (
	13,
	7,
	16,
	"Could it go to the Berlin office? I am there from Monday.",
)  # a reply on a request not waiting


def working_days(today: date) -> list[date]:
	"""The script's days: HISTORY_DAYS working days before today, then the working days after it."""
	past, day = [], today
	while len(past) < HISTORY_DAYS:
		day -= timedelta(days=1)
		if day.weekday() < 5:
			past.insert(0, day)
	future, day = [], today
	while len(future) < 10:
		day += timedelta(days=1)
		if day.weekday() < 5:
			future.append(day)
	return past + future


def after(moment: datetime, minutes: int) -> datetime:
	"""`minutes` of working time after `moment` (Monday to Friday, START to END)."""
	while True:
		if moment.weekday() >= 5 or moment.hour >= END:
			moment = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
			continue
		if moment.hour < START:
			moment = moment.replace(hour=START, minute=0, second=0, microsecond=0)
		left = (moment.replace(hour=END, minute=0, second=0, microsecond=0) - moment).total_seconds() / 60
		if minutes <= left:
			return moment + timedelta(minutes=minutes)
		minutes -= left
		moment = moment.replace(hour=END, minute=0, second=0, microsecond=0)
