"""What a Helpdesk ticket is told of the work behind it (engine.milestones): posts, their audience, the status."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine import milestones as m
from everstep_flow.engine.milestones import EventFact, RequestFact, Settings, TaskFact, plan_posts
from tests.factories import service, step

SECRET = "secret-internal-words"
DEFN = service(
	step("triage", "Support", required_outputs=("fix", "cost"), public_outputs=("cost",)),
	step("fix", "Field", after="triage"),
)
TASKS = {"T1": TaskFact("Triage <b>", "triage", "Support"), "T2": TaskFact("Fix", "fix", "Field")}
REQUEST = RequestFact(
	"FR-1",
	"Printer <script>",
	"Support case",
	"In Progress",
	current_team="Support",
	requester="ann@client.example",
	definition=DEFN,
	values={"fix": SECRET, "cost": "40 EUR"},
)
RESOLVING = Settings(status_on_complete="Resolved", status_waiting="Replied")


def ev(kind: str, **kw) -> EventFact:
	return EventFact(kind, **kw)


def kinds(plan) -> list[tuple[str, str]]:
	return [(p.kind, p.milestone) for p in plan.posts]


def test_defaults_comment_on_work_and_reply_on_what_the_customer_may_see():
	events = [
		ev("created", to_state="Open"),
		ev("created", task="T1", to_state="Queued"),
		ev("claimed", task="T1"),
		ev("started", task="T1"),
		ev("completed", task="T1"),
		ev("status_changed", to_state="Completed"),
	]
	plan = plan_posts(
		events, TASKS, REQUEST, RESOLVING, host_status="Open", closed_statuses=("Resolved", "Closed")
	)
	assert kinds(plan) == [
		("comment", m.OPENED),
		("comment", m.STARTED),
		("comment", m.DONE),
		("reply", m.OUTPUTS),
		("reply", m.COMPLETED),
	]
	assert plan.status == "Resolved"
	outputs = plan.posts[3].html
	assert "40 EUR" in outputs and SECRET not in outputs


def test_comments_name_the_step_its_team_and_link_the_request_escaped():
	plan = plan_posts([ev("started", task="T1")], TASKS, REQUEST, Settings())
	html = plan.posts[0].html
	assert "Triage &lt;b&gt; (Support)" in html
	assert 'href="/app/flow-request/FR-1"' in html
	assert "now with team Support" in html
	assert "<b>" not in html and "<script>" not in html


def test_handoffs_are_milestones_though_their_events_name_the_next_task():
	events = [
		ev("accepted", task="T2", handoff="H1", from_team="Support", to_team="Field", actor="b@x"),
		ev("returned", task="T1", handoff="H2", from_team="Field", to_team="Support", actor="c@x"),
	]
	plan = plan_posts(events, TASKS, REQUEST, Settings())
	assert kinds(plan) == [("comment", m.ACCEPTED), ("comment", m.RETURNED)]
	assert "Fix (Field)" in plan.posts[0].html


def test_each_post_is_its_movers_and_only_the_last_comment_says_who_holds_it_now():
	events = [
		ev("started", task="T1", actor="a@x"),
		ev("completed", task="T1", actor="a@x"),
		ev("accepted", task="T2", actor="b@x"),
	]
	plan = plan_posts(events, TASKS, REQUEST, Settings())
	assert [p.actor for p in plan.posts] == [
		"a@x",
		"a@x",
		"a@x",
		"b@x",
	]  # started, done, outputs (reply), accepted
	comments = [p.html for p in plan.posts if p.kind == m.COMMENT]
	assert all('href="/app/flow-request/FR-1"' in c for c in comments)
	assert ["now with team" in c for c in comments] == [False, False, True]


def test_internal_notes_and_the_customers_own_words_are_never_posted():
	events = [
		ev("commented", is_internal=True, details={"text": SECRET}),
		ev("commented", details={"text": "from the portal", "via": "Portal"}, actor="x"),
		ev("commented", details={"text": "mine"}, actor="ann@client.example"),
		ev("commented", details={"text": "Could you send a photo?"}, actor="agent@x"),
	]
	plan = plan_posts(events, TASKS, REQUEST, Settings())
	assert kinds(plan) == [("reply", m.MESSAGE)]
	assert "Could you send a photo?" in plan.posts[0].html


def test_a_service_chooses_how_each_milestone_is_posted():
	settings = Settings(post_as={m.STARTED: m.OFF, m.OPENED: m.PUBLIC, m.COMPLETED: "nonsense"})
	events = [ev("created"), ev("started", task="T1"), ev("status_changed", to_state="Completed")]
	assert kinds(plan_posts(events, TASKS, REQUEST, settings)) == [
		("reply", m.OPENED),
		("reply", m.COMPLETED),
	]


def test_waiting_moves_the_ticket_to_the_waiting_status_and_resuming_back_to_open():
	waiting = plan_posts([ev("waiting", task="T1")], TASKS, REQUEST, RESOLVING, host_status="Open")
	assert waiting.status == "Replied"
	back = plan_posts([ev("resumed", task="T1")], TASKS, REQUEST, RESOLVING, host_status="Replied")
	assert back.status == "Open"
	# the SLA clock's own `resumed` (no task) is no milestone
	assert plan_posts([ev("resumed")], TASKS, REQUEST, RESOLVING, host_status="Replied") == m.HostPlan()
	# an agent moved the ticket elsewhere meanwhile: resuming leaves it be
	assert (
		plan_posts([ev("resumed", task="T1")], TASKS, REQUEST, RESOLVING, host_status="Open").status is None
	)


def test_a_closed_ticket_is_never_moved_and_a_linked_one_hears_it_joined():
	closed = ("Resolved", "Closed")
	events = [ev("waiting", task="T1"), ev("status_changed", to_state="Completed")]
	assert (
		plan_posts(events, TASKS, REQUEST, RESOLVING, host_status="Closed", closed_statuses=closed).status
		is None
	)
	linked = plan_posts([ev("created")], TASKS, REQUEST, Settings(), linked=True)
	assert kinds(linked) == [("comment", m.LINKED)]


def test_cancelling_moves_the_ticket_only_when_the_service_says_so():
	events = [ev("cancelled", to_state="Cancelled")]
	assert plan_posts(events, TASKS, REQUEST, Settings(), host_status="Open").status is None
	assert (
		plan_posts(events, TASKS, REQUEST, Settings(status_on_cancel="Closed"), host_status="Open").status
		== "Closed"
	)


def test_the_close_refusal_names_the_request_and_who_holds_it():
	assert "FR-9" in m.close_refusal("FR-9", "Billing", "In Progress")
	assert "team Billing" in m.close_refusal("FR-9", "Billing", "In Progress")
	assert "nobody yet" in m.close_refusal("FR-9", "", "Open")


EVENT_KINDS = (
	"created",
	"started",
	"completed",
	"waiting",
	"resumed",
	"commented",
	"accepted",
	"returned",
	"blocked",
)


@given(
	st.lists(
		st.tuples(
			st.sampled_from(EVENT_KINDS),
			st.sampled_from(("", "T1", "T2")),
			st.booleans(),
			st.sampled_from(("", "Portal")),
		),
		max_size=25,
	),
	st.dictionaries(st.sampled_from(m.MILESTONES), st.sampled_from(m.POST_AS)),
)
def test_nothing_internal_ever_reaches_the_ticket(raw, post_as):
	events = [
		ev(
			kind,
			task=task,
			is_internal=internal,
			details={
				"text": SECRET if internal or via else "public words",
				"reason": SECRET,
				**({"via": via} if via else {}),
			},
		)
		for kind, task, internal, via in raw
	]
	plan = plan_posts(events, TASKS, REQUEST, Settings(post_as=post_as), host_status="Open")
	assert all(SECRET not in p.html for p in plan.posts)
	assert all(p.kind in (m.COMMENT, m.REPLY) for p in plan.posts)
