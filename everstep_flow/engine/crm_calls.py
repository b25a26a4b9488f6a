"""A call logged in Frappe CRM (a CRM Call Log on a deal or lead) and seams 3 to 5, on plain data: whether a save of
one is worth a look, which request it joins, what its `call_logged` event says, and whether it names its next step
in CRM's own terms.

A CRM call is logged by telephony (or by hand) before anyone knows the next step, so the next step is not asked for
when the call joins the request: seam 4 looks for it afterwards, where a CRM user puts it. It is named when

- a CRM Task on the same deal or lead, created at or after the call began by one of the call's people (its caller,
  its receiver, or whoever logged it), with a due date and not Canceled: CRM's own owned, dated next step; or
- the call's own FCRM Note (CRM Call Log `note`) says why none is needed: its title begins "No follow-up" (or "No
  next step") and the rest of the title or its text gives the reason; or
- the call was logged through our Log Call too (`call_log`), naming a follow-up or a reason there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CALL_LOG = "CRM Call Log"
ON = ("CRM Deal", "CRM Lead")  # what a call is about, in CRM (its reference)
COMPLETED = "Completed"  # a call that happened: ringing, busy, failed, unanswered calls are no conversation
TASK_CANCELLED = "Canceled"  # CRM's spelling
NO_FOLLOW_UP = re.compile(
	r"^\s*no\s+(?:follow[\s_-]*ups?|next[\s_-]*steps?)\b(?:\s+(?:is\s+)?(?:needed|required|necessary)\b)?"
	r"[\s:.,;!\u2013\u2014-]*",
	re.IGNORECASE,
)
CLIENT_AMBIGUOUS = 2  # open requests of the client to ask for: more than one and the call joins none


def worth_a_look(
	status: str | None, reference_doctype: str | None, reference_docname: str | None, changed: bool
) -> bool:
	"""A save of a call log that may join a request: a completed call on a deal or lead, new or with its status or
	reference changed. Anything else costs no query."""
	return bool(changed and status == COMPLETED and reference_doctype in ON and reference_docname)


@dataclass(frozen=True)
class Candidate:
	"""An open request a call might join: one a firing of the call's deal or lead started or was linked to
	(`by_firing`), or one of the deal's or lead's client (its CRM Organization)."""

	request: str
	created: datetime
	by_firing: bool


def request_for_call(candidates: Iterable[Candidate]) -> str | None:
	"""The one request a call joins: the newest open request its deal or lead started (or was linked to), else the
	client's open request when it has exactly one (with several, which one the call was about is a guess: none)."""
	found = list(candidates)
	fired = sorted((c for c in found if c.by_firing), key=lambda c: (c.created, c.request), reverse=True)
	if fired:
		return fired[0].request
	of_client = {c.request for c in found if not c.by_firing}
	return next(iter(of_client)) if len(of_client) == 1 else None


def minutes(seconds: Any) -> float | None:
	"""CRM keeps a call's duration in seconds; our calls speak minutes."""
	try:
		return round(float(seconds) / 60, 1) if seconds not in (None, "") else None
	except (TypeError, ValueError):
		return None


def event_details(call: dict[str, Any], note: str = "") -> dict[str, Any]:
	"""The `call_logged` event of a CRM call: which call log it is (the key: one event per call log), what it was
	about, and no follow-up or reason yet (seam 4 looks for them in CRM, `next_step`)."""
	direction = call.get("type") or ""
	number = call.get("from") if direction == "Incoming" else call.get("to")
	length = minutes(call.get("duration"))
	about = f"{call.get('reference_doctype')} {call.get('reference_docname')}"
	said = (
		note.strip()
		or f"{direction or 'A'} call{' with ' + number if number else ''}"
		f"{f', {length:g} min' if length is not None else ''}, logged in Frappe CRM on {about}"
	)
	return {
		"call_log_doctype": CALL_LOG,
		"call_log": call.get("name"),
		"via": "crm",
		"direction": direction or None,
		"phone": number or None,
		"at": str(call.get("start_time") or call.get("creation")),
		"duration": length,
		"reference_doctype": call.get("reference_doctype"),
		"reference_docname": call.get("reference_docname"),
		"summary": said[:300],
		"follow_up": None,
		"no_follow_up_reason": None,
	}


def names_call_log(details: dict[str, Any], name: str) -> bool:
	return details.get("call_log_doctype") == CALL_LOG and details.get("call_log") == name


def actor_of(call: dict[str, Any]) -> str | None:
	"""Who the call's event is by: our side of it (the caller of an outgoing call, the receiver of an incoming
	one), else whoever logged it; telephony's webhooks run as Guest, who is nobody."""
	ours = call.get("caller") if call.get("type") == "Outgoing" else call.get("receiver")
	for user in (ours, call.get("caller"), call.get("receiver"), call.get("owner")):
		if user and user != "Guest":
			return user
	return None


# ------------------------------------------------------------------------------------------------ seam 4


@dataclass(frozen=True)
class CrmCall:
	name: str
	reference_doctype: str
	reference_docname: str
	began: datetime | None  # its start time, else when it was logged
	people: frozenset[str]  # caller, receiver, whoever logged it


@dataclass(frozen=True)
class CrmTask:
	name: str
	reference_doctype: str
	reference_docname: str
	created: datetime
	created_by: str
	due: datetime | None
	status: str


def no_follow_up_reason(title: str | None, text: str | None) -> str:
	"""The reason an FCRM Note on a call gives for no follow-up ("No follow-up: they signed"), or "" when the note
	does not say there is none, or says so without a reason."""
	title = title or ""
	match = NO_FOLLOW_UP.match(title)
	if not match:
		return ""
	return " ".join(part for part in (title[match.end() :].strip(), (text or "").strip()) if part)


def next_step(
	call: CrmCall,
	tasks: Iterable[CrmTask],
	note_title: str | None = None,
	note_text: str | None = None,
	logged_with_next_step: bool = False,
) -> str | None:
	"""What names the call's next step, or None: seam 4 lists the call (see the module's docstring)."""
	if logged_with_next_step:
		return "logged with its next step"
	people = {p for p in call.people if p and p != "Guest"}
	for task in sorted(tasks, key=lambda t: (t.created, t.name)):
		if (
			(task.reference_doctype, task.reference_docname)
			== (call.reference_doctype, call.reference_docname)
			and task.status != TASK_CANCELLED
			and task.due is not None
			and task.created_by in people
			and call.began is not None
			and task.created >= call.began
		):
			return f"CRM Task {task.name}"
	reason = no_follow_up_reason(note_title, note_text)
	return f"no follow-up: {reason}" if reason else None
