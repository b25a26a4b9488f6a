"""What the host document that started a request (a Helpdesk ticket) is told of its work, decided on plain data.

The ledger's events since the last post become milestones; each milestone is posted as the service says: an
internal comment the host's agents see, a reply the customer sees in the host's portal, or nothing. Internal notes
and internal outputs never leave the request: a comment carries the milestone, the step and its team, and a link to
the request (opening it is the request's own permission check); a reply carries only what the requester may see on
our portal (public outputs, the completion, a message written for the customer). The host document's status follows
the request (resolved when done, the waiting status while the request waits on the customer).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from everstep_flow.engine import states as S
from everstep_flow.engine.definition import ServiceDefinition
from everstep_flow.engine.task_view import labelled

INTERNAL = "Internal comment"
PUBLIC = "Reply to the customer"
OFF = "Not posted"
POST_AS = (INTERNAL, PUBLIC, OFF)

OPENED = "Request opened"
LINKED = "Linked to the open request"
STARTED = "Step started"
DONE = "Step done"
ACCEPTED = "Handoff accepted"
RETURNED = "Handoff returned"
WAITING = "Waiting on the customer"
RESUMED = "Resumed"
COMPLETED = "Completed"
CANCELLED = "Cancelled"
MESSAGE = "Message to the customer"
OUTPUTS = "Public outputs"

# A service posts these unless it says otherwise (Flow Service: Milestones in the host app).
DEFAULTS: dict[str, str] = {
	OPENED: INTERNAL,
	LINKED: INTERNAL,
	STARTED: INTERNAL,
	DONE: INTERNAL,
	ACCEPTED: INTERNAL,
	RETURNED: INTERNAL,
	WAITING: INTERNAL,
	RESUMED: INTERNAL,
	COMPLETED: PUBLIC,
	CANCELLED: INTERNAL,
	MESSAGE: PUBLIC,
	OUTPUTS: PUBLIC,
}
MILESTONES = tuple(DEFAULTS)

COMMENT = "comment"
REPLY = "reply"


@dataclass(frozen=True)
class EventFact:
	event_type: str
	task: str = ""
	handoff: str = ""
	from_team: str = ""
	to_team: str = ""
	to_state: str = ""
	actor: str = ""
	is_internal: bool = False
	details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskFact:
	title: str
	step_key: str
	team: str


@dataclass(frozen=True)
class RequestFact:
	name: str
	subject: str
	service_title: str
	status: str
	current_team: str = ""
	requester: str = ""
	definition: ServiceDefinition | None = None
	values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
	"""A service's choices: milestone -> how it is posted (missing ones take DEFAULTS), and the host statuses."""

	post_as: Mapping[str, str] = field(default_factory=dict)
	status_on_complete: str = ""
	status_on_cancel: str = ""
	status_waiting: str = ""
	status_open: str = "Open"


@dataclass(frozen=True)
class Post:
	kind: str  # COMMENT or REPLY
	milestone: str
	html: str
	actor: str = ""  # who made the move it tells of


@dataclass(frozen=True)
class HostPlan:
	posts: tuple[Post, ...] = ()
	status: str | None = None  # the host document's new status, if it moves


def how_posted(settings: Settings, milestone: str) -> str:
	chosen = settings.post_as.get(milestone)
	return chosen if chosen in POST_AS else DEFAULTS[milestone]


def milestone_of(e: EventFact, request: RequestFact) -> str | None:
	"""Which milestone an event is, if any (clock events, internal notes and the customer's own words are none)."""
	kind = e.event_type
	if kind == "created" and not e.task:
		return OPENED
	if kind == "linked":
		return None  # the ticket that was linked says so itself (LINKED), the request's own ticket need not
	if kind == "accepted":  # a handoff's events name the task it leads to
		return ACCEPTED
	if kind == "returned":
		return RETURNED
	if e.task:
		return {
			"started": STARTED,
			"completed": DONE,
			"waiting": WAITING,
			"resumed": RESUMED,
		}.get(kind)
	if kind == "status_changed" and e.to_state == S.REQ_COMPLETED:
		return COMPLETED
	if kind == "cancelled":
		return CANCELLED
	if kind == "commented" and not e.is_internal:
		# A message written for the customer; never the customer's own words coming back (a reply, an email).
		if e.details.get("via") or (request.requester and e.actor == request.requester):
			return None
		return MESSAGE
	return None


def _request_link(request: str) -> str:
	name = escape(request)
	return f'<a href="/app/flow-request/{name}">{name}</a>'


def _comment(milestone: str, what: str, request: RequestFact, last: bool = False) -> str:
	"""A milestone, the request it belongs to and, under the batch's last comment only, who holds it now (earlier
	comments of a batch tell of moments when someone else may have held it)."""
	holder = ""
	if last:
		holder = (
			f" · now with team {escape(request.current_team)}"
			if request.current_team and request.status in S.REQ_OPEN_STATES
			else f" · now {escape(request.status.lower())}"
		)
	return (
		f"<p><strong>{escape(milestone)}</strong>{': ' + what if what else ''}</p>"
		f"<p>{escape(request.service_title)} {_request_link(request.name)}{holder}</p>"
	)


def _what(e: EventFact, tasks: Mapping[str, TaskFact]) -> str:
	task = tasks.get(e.task) if e.task else None  # a handoff's events name the task it leads to
	return f"{escape(task.title)} ({escape(task.team)})" if task else ""


def _paragraphs(text: str) -> str:
	return "".join(f"<p>{escape(line)}</p>" for line in str(text).splitlines() if line.strip())


def _outputs(request: RequestFact, task: TaskFact | None) -> str:
	if not task or not request.definition:
		return ""
	step = next((s for s in request.definition.steps if s.key == task.step_key), None)
	if not step or not step.public_outputs:
		return ""
	rows = labelled(request.definition, request.values, only=step.public_outputs)
	items = "".join(f"<li>{escape(r['label'])}: {escape(str(r['value']))}</li>" for r in rows)
	return f"<p>{escape(task.title)}:</p><ul>{items}</ul>" if items else ""


def _reply(milestone: str, e: EventFact, request: RequestFact, tasks: Mapping[str, TaskFact]) -> str:
	subject = escape(request.subject or request.service_title)
	if milestone == MESSAGE:
		return _paragraphs(e.details.get("text") or "")
	if milestone == COMPLETED:
		return f"<p>The work on your request “{subject}” is complete.</p>"
	if milestone == CANCELLED:
		return f"<p>The work on your request “{subject}” was cancelled.</p>"
	if milestone == WAITING:
		return f"<p>We need something from you to go on with “{subject}”: please reply to this ticket.</p>"
	task = tasks.get(e.task) if e.task else None
	step = f" ({escape(task.title)})" if task else ""
	return f"<p>{escape(milestone)}{step}: “{subject}”.</p>"


def plan_posts(
	events: Iterable[EventFact],
	tasks: Mapping[str, TaskFact],
	request: RequestFact,
	settings: Settings,
	*,
	host_status: str = "",
	closed_statuses: Iterable[str] = (),
	linked: bool = False,
) -> HostPlan:
	"""The posts and the status move for the events since the last post, in their order. `linked`: this host
	document was linked to a request another one started (its first post says so)."""
	chosen: list[
		tuple[str, str, str, str]
	] = []  # kind, milestone, body (a comment's what, a reply's HTML), actor
	status = host_status
	closed = set(closed_statuses)

	def post(milestone: str, what: str, reply: str, actor: str = "") -> None:
		how = how_posted(settings, milestone)
		if how == INTERNAL:
			chosen.append((COMMENT, milestone, what, actor))
		elif how == PUBLIC:
			chosen.append((REPLY, milestone, reply, actor))

	if linked:
		joins = f"<p>Your request joins the work already under way on “{escape(request.subject)}”.</p>"
		post(LINKED, "", joins)
	for e in events:
		milestone = milestone_of(e, request)
		if milestone is None or (linked and milestone == OPENED):
			continue
		post(milestone, _what(e, tasks), _reply(milestone, e, request, tasks), e.actor)
		if milestone == DONE and (shown := _outputs(request, tasks.get(e.task))):
			post(OUTPUTS, shown, shown, e.actor)
		status = _status_after(milestone, status, settings, closed)
	last = max((i for i, c in enumerate(chosen) if c[0] == COMMENT), default=-1)
	posts = tuple(
		Post(kind, m, _comment(m, body, request, i == last) if kind == COMMENT else body, actor)
		for i, (kind, m, body, actor) in enumerate(chosen)
	)
	return HostPlan(posts, status if status != host_status else None)


def _status_after(milestone: str, status: str, settings: Settings, closed: set[str]) -> str:
	"""The host document's status after a milestone: never moved out of a closed status by us."""
	if status in closed:
		return status
	if milestone == COMPLETED and settings.status_on_complete:
		return settings.status_on_complete
	if milestone == CANCELLED and settings.status_on_cancel:
		return settings.status_on_cancel
	if milestone == WAITING and settings.status_waiting:
		return settings.status_waiting
	if milestone == RESUMED and settings.status_waiting and status == settings.status_waiting:
		return settings.status_open
	return status


# ------------------------------------------------------------------------------------------ closing the ticket


def close_refusal(request: str, team: str, status: str) -> str:
	"""Why a host document may not close while its request is open: names the request and who holds it."""
	holder = f"team {team}" if team else "nobody yet"
	return (
		f"Request {request} behind this ticket is still {status.lower()} (now with {holder}): "
		"it closes when that work is done."
	)


def closed_anyway(request: str, status: str, team: str) -> str:
	"""The internal comment left when a service lets its ticket close while the request runs on."""
	return (
		f"<p><strong>Ticket closed while its request is open</strong>: {_request_link(request)} "
		f"({escape(status)}, {escape(team or 'no team')})</p>"
	)
