"""Calls and follow-ups (seams 3 to 5): a logged call must end with the next step, and the client timeline.

Plain data in, plain data out: what is wrong with a call as someone logs it, and how the items of a client's
timeline merge into one page. The shell (clients.calls, clients.timeline) reads and writes.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from everstep_flow.engine.plans import Refusal

DIRECTIONS = ("Outgoing", "Incoming")
MAX_DURATION_MINUTES = 24 * 60
FOLLOW_UP_OPEN, FOLLOW_UP_DONE, FOLLOW_UP_CANCELLED = "Open", "Done", "Cancelled"


@dataclass(frozen=True)
class FollowUpPlan:
	due_on: datetime | None
	team: str = ""
	owner: str = ""
	what: str = ""


@dataclass(frozen=True)
class CallPlan:
	direction: str
	contact: str
	at: datetime | None
	duration_minutes: Any
	summary: str
	follow_up: FollowUpPlan | None = None
	no_follow_up_reason: str = ""


def call_problems(call: CallPlan, now: datetime) -> dict[str, str]:
	"""Every problem with a call, by argument name. Seam 4: a call names its follow-up or says why there is none."""
	problems: dict[str, str] = {}
	if call.direction not in DIRECTIONS:
		problems["direction"] = f"must be one of {', '.join(DIRECTIONS)}"
	if not call.contact:
		problems["contact"] = "is required: who was on the call"
	if call.at is None:
		problems["at"] = "is required: when the call was"
	elif call.at > now:
		problems["at"] = "a call that is logged has happened: it cannot be in the future"
	duration = call.duration_minutes
	if duration in (None, ""):
		problems["duration"] = "is required (minutes)"
	elif isinstance(duration, bool) or not isinstance(duration, int | float):
		problems["duration"] = "must be a number of minutes"
	elif not 0 <= duration <= MAX_DURATION_MINUTES:
		problems["duration"] = f"must be between 0 and {MAX_DURATION_MINUTES} minutes"
	if not call.summary.strip():
		problems["summary"] = "is required: what was said"
	plan, reason = call.follow_up, call.no_follow_up_reason.strip()
	if plan and reason:
		problems["no_follow_up_reason"] = "give a follow-up or a reason for none, not both"
	elif not plan and not reason:
		problems["follow_up"] = (
			"a call ends with the next step: give a follow-up (when, owner, what) or a reason why none is needed"
		)
	elif plan:
		problems.update(follow_up_problems(plan, now))
	return problems


def follow_up_problems(plan: FollowUpPlan, now: datetime) -> dict[str, str]:
	problems: dict[str, str] = {}
	if plan.due_on is None:
		problems["follow_up_on"] = "is required: when to follow up"
	elif plan.due_on <= now:
		problems["follow_up_on"] = "must be in the future"
	if not plan.team:
		problems["follow_up_team"] = "is required: the team that owns the follow-up"
	if not plan.what.strip():
		problems["follow_up_what"] = "is required: what is to be done"
	return problems


# ------------------------------------------------------------------------------------------------ the timeline

KINDS = (
	"request",
	"task",
	"handoff",
	"call",
	"email",
	"comment",
	"follow_up",
	"opportunity",
	"quotation",
	"sales_order",
	"issue",
	"ticket",
	"deal",
	"crm_note",
	"crm_task",
	"crm_call",
)
REQUEST_EVENTS = frozenset({"created", "status_changed", "cancelled", "linked", "client_set"})
HANDOFF_EVENTS = frozenset({"handed_off", "accepted", "returned", "withdrawn"})
FOLLOW_UP_EVENTS = frozenset({"follow_up_done", "follow_up_moved"})


def event_kind(event_type: str, on_task: bool = False) -> str:
	"""The timeline kind of a ledger event (a `created` event with a task is the task's creation)."""
	if event_type == "created" and on_task:
		return "task"
	if event_type in REQUEST_EVENTS:
		return "request"
	if event_type in HANDOFF_EVENTS:
		return "handoff"
	if event_type == "call_logged":
		return "call"
	if event_type == "commented":
		return "comment"
	if event_type in FOLLOW_UP_EVENTS:
		return "follow_up"
	return "task"


@dataclass(frozen=True, order=True)
class Item:
	"""One line of a client's timeline; ordered newest first by (at, reference) so pages never overlap."""

	sort_key: tuple = field(compare=True, repr=False)
	kind: str = field(compare=False, default="")
	at: datetime | None = field(compare=False, default=None)
	actor: str = field(compare=False, default="")
	title: str = field(compare=False, default="")
	reference_doctype: str = field(compare=False, default="")
	reference_name: str = field(compare=False, default="")
	summary: str = field(compare=False, default="")
	is_internal: bool = field(compare=False, default=False)

	def as_dict(self) -> dict[str, Any]:
		return {
			"kind": self.kind,
			"at": self.at,
			"actor": self.actor,
			"title": self.title,
			"reference_doctype": self.reference_doctype,
			"reference_name": self.reference_name,
			"summary": self.summary,
			"is_internal": int(self.is_internal),
		}


def item(
	kind: str,
	at: datetime,
	*,
	actor: str = "",
	title: str = "",
	reference_doctype: str = "",
	reference_name: str = "",
	summary: str = "",
	is_internal: bool = False,
	tiebreak: str = "",
) -> Item:
	return Item(
		(at, reference_doctype, reference_name, tiebreak),
		kind,
		at,
		actor or "",
		title or "",
		reference_doctype or "",
		reference_name or "",
		summary or "",
		bool(is_internal),
	)


def merge_page(sources: Iterable[Iterable[Item]], start: int, limit: int) -> list[Item]:
	"""One page of the merged timeline, newest first. Each source is already newest first and holds at least its
	first `start + limit` items (or all it has), so the page is exact while the work grows with the page."""
	merged = heapq.merge(*(iter(s) for s in sources), key=lambda i: i.sort_key, reverse=True)
	page = []
	for index, entry in enumerate(merged):
		if index >= start + limit:
			break
		if index >= start:
			page.append(entry)
	return page


def wanted_kinds(kinds: Iterable[str] | None, allowed: Iterable[str] = KINDS) -> tuple[str, ...]:
	allowed = tuple(allowed)
	if not kinds:
		return allowed
	unknown = [k for k in kinds if k not in KINDS]
	if unknown:
		raise ValueError(f"unknown kind(s): {', '.join(unknown)}; known: {', '.join(KINDS)}")
	return tuple(k for k in allowed if k in set(kinds))


def summary_of(details: Mapping[str, Any], limit: int = 300) -> str:
	"""The human line of an event's details: a reason, a note, a text or a call's summary."""
	for key in ("summary", "reason", "note", "text", "what"):
		value = details.get(key)
		if value:
			text = str(value)
			return text if len(text) <= limit else text[: limit - 1] + "…"
	return ""


# ------------------------------------------------------------------------------------------------ the audit

SEAMS = (
	(1, "inbox -> client"),
	(2, "deal -> work"),
	(3, "task -> call"),
	(4, "call -> follow-up"),
	(5, "follow-up -> owner"),
)


def follow_up_leak(
	due_on: datetime,
	nudged_for: datetime | None,
	assigned_to: str,
	available: set[str],
	now: datetime,
) -> str | None:
	"""Why a follow-up leaks (seam 5), or None: past due with no nudge, nobody able to own it, or an owner away."""
	if due_on >= now:
		return None
	if not available:
		return "its team has nobody available"
	if assigned_to and assigned_to not in available:
		return f"its owner {assigned_to} is not available"
	if nudged_for != due_on:
		return "past due and nobody was nudged"
	return None


def call_without_next_step(details: Mapping[str, Any]) -> bool:
	"""Seam 4: a logged call that names neither a follow-up nor why none is needed (logging refuses it: expect none)."""
	return not details.get("follow_up") and not (details.get("no_follow_up_reason") or "").strip()


def waiting_without_contact(waiting_since: datetime, contacts: Iterable[datetime]) -> bool:
	"""Seam 3: a task waiting on the customer with no call or email since it started waiting."""
	return not any(at >= waiting_since for at in contacts)


CONTACT_EVENTS = frozenset({"call_logged", "commented"})  # the only ledger events contact_at may call contact


def contact_at(event_type: str, details: Mapping[str, Any], at: datetime) -> datetime | None:
	"""When a ledger event was contact with the customer (seam 3), or None: a call when it happened, not when it
	was logged (a call logged today that took place before a wait began is no contact since), and a comment the
	customer sent (`via` the portal or email); a note among staff is none."""
	if event_type == "call_logged":
		return _moment(details.get("at")) or at
	if event_type == "commented" and details.get("via"):
		return at
	return None


def latest_contacts(events: Iterable[tuple[str, str, Mapping[str, Any], datetime]]) -> dict[str, datetime]:
	"""Per request, its latest contact among these (request, event type, details, at) events: what the ledger keeps
	on the request as it writes them, so the audit compares two fields instead of reading the ledger."""
	latest: dict[str, datetime] = {}
	for request, event_type, details, at in events:
		moment = contact_at(event_type, details, at)
		if moment is not None and (request not in latest or moment > latest[request]):
			latest[request] = moment
	return latest


def _moment(value: Any) -> datetime | None:
	if isinstance(value, datetime):
		return value
	if not isinstance(value, str) or not value.strip():
		return None
	try:
		return datetime.fromisoformat(value.strip())
	except ValueError:
		return None


# ------------------------------------------------------------------------------------------ logging a call: a plan


@dataclass(frozen=True)
class CallFacts:
	"""A call as someone logs it, with what only the database knows already worked out by the shell: the problems
	of the arguments it parsed or looked up (`found`: at, follow_up_on, contact, follow_up_team, follow_up_owner,
	call_log…), and whether telephony's own call record is linked instead of a new Communication."""

	request: str
	task: str | None
	call: CallPlan
	contact: str = ""
	found: Mapping[str, str] = field(default_factory=dict)
	call_log: str | None = None
	call_log_doctype: str | None = None


@dataclass(frozen=True)
class CallDecision:
	"""Write a Communication (unless a call log is linked), maybe a follow-up, and the `call_logged` event whose
	details the shell completes with what it wrote (the communication's and follow-up's names)."""

	communication: bool
	follow_up: FollowUpPlan | None
	details: Mapping[str, Any]


def plan_call(f: CallFacts, now: datetime) -> CallDecision:
	"""Refuse with every problem at once (the shell's first, by argument), or decide what a logged call writes."""
	problems = dict(f.found)
	problems.update({k: v for k, v in call_problems(f.call, now).items() if k not in problems})
	if problems:
		raise Refusal(problems, "The call cannot be logged")
	plan, call = f.call.follow_up, f.call
	return CallDecision(
		communication=not f.call_log,
		follow_up=plan,
		details={
			"direction": call.direction,
			"contact": f.contact,
			"at": str(call.at),
			"duration": call.duration_minutes,
			"summary": call.summary.strip(),
			"follow_up_on": str(plan.due_on) if plan else None,
			"follow_up_team": plan.team if plan else None,
			"no_follow_up_reason": call.no_follow_up_reason.strip() or None,
		},
	)
