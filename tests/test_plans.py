"""The plan is a value: intake and every move decided from plain data, no Frappe, no database (engine.plans).

Each test asserts the whole plan: which documents, which fields, which events, which deadlines.
"""

from __future__ import annotations

import ast
from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everstep_flow.engine import IntakeField, ServiceDefinition, Step
from everstep_flow.engine import states as S
from everstep_flow.engine.calendar import Calendar
from everstep_flow.engine.conditions import ConditionError, holds
from everstep_flow.engine.expressions import guarded
from everstep_flow.engine.moves import (
	EVENT_OF_HANDOFF_ACTION,
	EVENT_OF_TASK_ACTION,
	HandoffFacts,
	TaskFacts,
	plan_handoff_move,
	plan_task_move,
)
from everstep_flow.engine.plans import (
	REQUEST_CALENDAR,
	Clock,
	Completed,
	Event,
	IntakeFacts,
	Refusal,
	RequestFacts,
	SlaFacts,
	TaskRow,
	plan_intake,
	plan_progress,
)
from everstep_flow.engine.seams import ALWAYS_NEW, Client
from everstep_flow.engine.where import NOWHERE
from tests.factories import dags, service, step

NOW = datetime(2026, 12, 7, 10, 0)  # a Monday
CLOCK = Clock(NOW, "UTC")
FIELDS = (
	IntakeField("company", "Company", "Data", required=True),
	IntakeField("seats", "Seats", "Int"),
	IntakeField("account", "Account", "Link", options="Customer"),
	IntakeField("account_id", "Account ID", "Data", at_intake=False),
)


def facts(defn: ServiceDefinition, values=None, **kw) -> IntakeFacts:
	return IntakeFacts(
		**{
			"request_name": "FR-00007",
			"service": defn.name,
			"title": defn.title,
			"version": 3,
			"definition": defn,
			"values": {"company": "Acme"} if values is None else values,
			**kw,
		}
	)


def chain() -> ServiceDefinition:
	return ServiceDefinition(
		"svc",
		"Laptop",
		target_minutes=600,
		intake_fields=FIELDS,
		steps=(
			Step("review", "Review", "Operations", target_minutes=60),
			Step(
				"approve",
				"Approve",
				"Finance",
				depends_on=("review",),
				accept_minutes=30,
				condition="seats > 1",
			),
			Step("hand_over", "Hand over", "Operations", depends_on=("approve",)),
		),
	)


# ---------------------------------------------------------------------------------------------------- intake


def test_intake_plans_the_request_its_first_task_and_their_events():
	plan = plan_intake(facts(chain(), {"company": " Acme ", "seats": "3"}, requester="a@x.org"), CLOCK)
	assert plan.request_name == "FR-00007" and plan.linked_to is None
	r = plan.request
	assert r["status"] == S.REQ_OPEN and r["subject"] == "Laptop" and r["requester"] == "a@x.org"
	assert r["service"] == "svc" and r["service_version"] == 3
	assert r["request_values"] == [
		{"fieldname": "company", "label": "Company", "fieldtype": "Data", "value": "Acme"},
		{"fieldname": "seats", "label": "Seats", "fieldtype": "Int", "value": "3"},
	]
	# No calendar: round the clock. Due after the service target, at risk with 20% of it left.
	assert (r["due_on"], r["at_risk_on"], r["sla_status"]) == (
		NOW + timedelta(minutes=600),
		NOW + timedelta(minutes=480),
		"On Track",
	)
	assert r["current_team"] == "Operations" and r["waiting_since"] == NOW and r["current_holder"] is None
	assert r["last_event_at"] == NOW and r["open_key"] is None and r["client_unknown"] == 1
	[task] = plan.tasks
	assert task.name == "FR-00007-review"
	assert task.fields == {
		"title": "Review",
		"request": "FR-00007",
		"service": "svc",
		"step_key": "review",
		"team": "Operations",
		"status": S.QUEUED,
		"instructions": "",
		"due_on": NOW + timedelta(minutes=60),
		"awaiting_handoff": None,
		"ready_on": NOW,
		"request_sla": "On Track",
		"request_due_on": NOW + timedelta(minutes=600),
		"checklist_state": None,
	}
	assert plan.events == (
		Event("created", to_state="Open", details={"service": "svc", "source": "API"}),
		Event(
			"created",
			task="FR-00007-review",
			to_team="Operations",
			to_state=S.QUEUED,
			details={"step": "review"},
		),
	)
	assert plan.handoffs == () and plan.request_update == {} and plan.mirror == {}


def test_intake_refuses_every_bad_field_at_once_and_plans_nothing():
	with pytest.raises(Refusal) as e:
		plan_intake(facts(chain(), {"seats": "many", "nope": 1}), CLOCK)
	assert set(e.value.problems) == {"company", "seats", "nope"}


def test_a_link_to_nothing_is_refused_after_the_values():
	with pytest.raises(Refusal) as e:
		plan_intake(
			facts(chain(), {"company": "A", "account": "Ghost"}, missing_links=frozenset({"account"})), CLOCK
		)
	assert e.value.problems == {"account": "Account: Customer Ghost does not exist"}


def test_an_unavailable_service_is_refused_before_anything_else():
	with pytest.raises(Refusal) as e:
		plan_intake(facts(chain(), {}, disabled_teams=frozenset({"Finance"})), CLOCK)
	assert e.value.problems == {"service": "Laptop takes no new requests: team Finance is disabled."}


def test_a_client_with_an_open_request_is_linked_to_it_unless_always_new():
	client = Client("Customer", "Acme Ltd", "c-1", unknown=False)
	linked = plan_intake(facts(chain(), client=client, open_request="FR-00002", source="Trigger"), CLOCK)
	assert linked.linked_to == "FR-00002" and linked.request is None and linked.tasks == ()
	assert linked.events == (
		Event("linked", details={"source": "Trigger", "values": {"company": "Acme"}}, is_internal=1),
	)
	new = plan_intake(
		facts(chain(), client=client, open_request="FR-00002", service_duplicates=ALWAYS_NEW), CLOCK
	)
	assert new.linked_to is None and new.request["open_key"] is None and new.request["customer"] == "Acme Ltd"
	keyed = plan_intake(facts(chain(), client=client), CLOCK)
	assert len(keyed.request["open_key"]) == 40  # one open request per client and service


def test_every_step_skipped_completes_the_request_at_intake():
	defn = service(step("a", condition="False"), step("b", after="a", condition="seats == 9"), fields=FIELDS)
	plan = plan_intake(facts(defn, {"company": "A"}), CLOCK)
	assert [t.fields["status"] for t in plan.tasks] == [S.SKIPPED, S.SKIPPED]
	assert plan.request["status"] == S.REQ_COMPLETED and plan.request["completed_on"] == NOW
	assert plan.events[-1] == Event("status_changed", from_state="Open", to_state="Completed")
	assert plan.request["current_team"] is None


def test_a_condition_that_fails_at_run_time_is_a_refusal_naming_the_step():
	defn = service(step("a", condition="1 / (seats - seats) > 0"), fields=FIELDS)
	with pytest.raises(Refusal) as e:
		plan_intake(facts(defn, {"company": "A", "seats": "2"}), CLOCK)
	assert list(e.value.problems) == ["a"] and "division by zero" in e.value.problems["a"]


def test_an_email_fills_its_bare_request_requiring_nothing():
	plan = plan_intake(facts(chain(), {}, existing=True, source="Email"), CLOCK)
	assert "subject" not in plan.request and "requester" not in plan.request
	assert plan.request["source"] == "Email" and plan.request["request_values"] == []


def test_deadlines_follow_the_business_calendar():
	office = Calendar("UTC", {d: ((time(9), time(17)),) for d in range(5)}, frozenset())
	clock = Clock(
		datetime(2026, 12, 11, 16, 0), "UTC", {REQUEST_CALENDAR: office, "Operations": office}
	)  # Friday
	plan = plan_intake(facts(chain()), clock)
	assert plan.tasks[0].fields["due_on"] == datetime(2026, 12, 11, 17, 0)
	# 600 business minutes from Friday 16:00: 60 on Friday, 480 on Monday, 60 on Tuesday.
	assert plan.request["due_on"] == datetime(2026, 12, 15, 10, 0)


@settings(max_examples=60, deadline=None)
@given(dags(max_steps=8))
def test_intake_plans_exactly_the_steps_that_start_at_intake(defn):
	plan = plan_intake(facts(defn, {}), CLOCK)
	starters = {s.key for s in defn.steps if not s.depends_on}
	assert {t.fields["step_key"] for t in plan.tasks} == starters
	assert [e.event_type for e in plan.events] == ["created"] * (1 + len(starters))
	assert all(t.name == f"FR-00007-{t.fields['step_key']}" for t in plan.tasks)


# -------------------------------------------------------------------------------------------------- progress


def request(defn, tasks, status=S.REQ_IN_PROGRESS, **kw) -> RequestFacts:
	return RequestFacts("FR-00007", status, defn, tuple(tasks), actor="ops@x.org", **kw)


def test_completing_a_step_hands_on_to_the_next_team_with_a_handoff():
	defn = chain()
	tasks = [TaskRow("FR-00007-review", "review", S.DONE, "Review", "Operations", "ops@x.org", "", NOW)]
	done = Completed("FR-00007-review", "review", "Operations", {"account_id": "A-1"}, "see notes")
	plan = plan_progress(request(defn, tasks, values={"company": "A", "seats": "2"}), CLOCK, done)
	[task] = plan.tasks
	assert task.name == "FR-00007-approve" and task.fields["awaiting_handoff"] == "H-FR-00007-approve"
	assert task.fields["ready_on"] is None and task.fields["status"] == S.QUEUED
	[handoff] = plan.handoffs
	assert handoff.name == "H-FR-00007-approve"
	assert handoff.fields == {
		"request": "FR-00007",
		"from_task": "FR-00007-review",
		"to_task": "FR-00007-approve",
		"to_step": "approve",
		"from_team": "Operations",
		"to_team": "Finance",
		"status": S.PENDING,
		"sent_by": "ops@x.org",
		"sent_on": NOW,
		"accept_by": NOW + timedelta(minutes=30),
		"outputs": {"account_id": "A-1"},
		"note": "see notes",
	}
	assert [e.event_type for e in plan.events] == ["created", "handed_off"]
	assert plan.request_update["current_steps"] == "Approve · Finance · awaiting acceptance"


def test_a_step_whose_condition_is_false_is_skipped_and_the_next_one_planned():
	defn = chain()
	tasks = [TaskRow("FR-00007-review", "review", S.DONE, "Review", "Operations")]
	done = Completed("FR-00007-review", "review", "Operations")
	plan = plan_progress(request(defn, tasks, values={"company": "A", "seats": "1"}), CLOCK, done)
	assert [(t.name, t.fields["status"]) for t in plan.tasks] == [
		("FR-00007-approve", S.SKIPPED),
		("FR-00007-hand_over", S.QUEUED),
	]
	assert plan.handoffs == ()  # the same team goes on


def test_a_step_that_runs_again_gets_the_next_number():
	defn = chain()
	tasks = [
		TaskRow("FR-00007-review", "review", S.DONE, "Review", "Operations"),
		TaskRow("FR-00007-approve", "approve", S.CANCELLED, "Approve", "Finance"),
	]
	done = Completed("FR-00007-review", "review", "Operations")
	plan = plan_progress(request(defn, tasks, values={"seats": "5"}), CLOCK, done)
	assert plan.tasks[0].name == "FR-00007-approve-2" and plan.handoffs[0].name == "H-FR-00007-approve-2"


def test_the_last_step_completes_the_request_and_meets_its_sla():
	defn = chain()
	tasks = [
		TaskRow("FR-00007-review", "review", S.DONE),
		TaskRow("FR-00007-approve", "approve", S.DONE),
		TaskRow("FR-00007-hand_over", "hand_over", S.DONE),
	]
	sla = SlaFacts(due_on=NOW + timedelta(hours=1), sla_status="On Track")
	plan = plan_progress(
		request(defn, tasks, sla=sla), CLOCK, Completed("FR-00007-hand_over", "hand_over", "Operations")
	)
	assert plan.tasks == ()
	assert plan.request_update == {
		"status": "Completed",
		"completed_on": NOW,
		"open_key": None,
		"sla_status": "Met",
	}
	assert plan.mirror == {"request_sla": "Met"}
	assert plan.events == (Event("status_changed", from_state="In Progress", to_state="Completed"),)


def test_waiting_on_the_customer_pauses_the_clock_and_resuming_pushes_the_deadline_out():
	defn = chain()
	due = NOW + timedelta(hours=5)
	sla = SlaFacts(due_on=due, at_risk_on=due - timedelta(hours=2), sla_status="On Track")
	waiting = [TaskRow("FR-00007-review", "review", S.WAITING, "Review", "Operations", "ops@x.org")]
	paused = plan_progress(request(defn, waiting, sla=sla), CLOCK)
	assert paused.request_update["status"] == S.REQ_WAITING
	assert paused.request_update["paused_since"] == NOW and paused.request_update["sla_status"] == "Paused"
	assert [e.event_type for e in paused.events] == ["paused", "status_changed"]
	later = Clock(NOW + timedelta(hours=2), "UTC")
	resumed_sla = SlaFacts(
		due_on=due, at_risk_on=due - timedelta(hours=2), paused_since=NOW, sla_status="Paused"
	)
	working = [TaskRow("FR-00007-review", "review", S.IN_PROGRESS, "Review", "Operations", "ops@x.org")]
	resumed = plan_progress(request(defn, working, status=S.REQ_WAITING, sla=resumed_sla), later)
	u = resumed.request_update
	assert (
		u["due_on"] == due + timedelta(hours=2) and u["paused_minutes"] == 120 and u["paused_since"] is None
	)
	assert u["sla_status"] == "On Track" and resumed.mirror == {
		"request_sla": "On Track",
		"request_due_on": u["due_on"],
	}
	assert resumed.events[0] == Event("resumed", details={"paused_minutes": 120})


def test_a_cancelled_request_only_forgets_where_it_was():
	plan = plan_progress(
		request(
			chain(),
			[TaskRow("t", "review", S.CANCELLED)],
			status=S.REQ_CANCELLED,
			where={"current_team": "Ops"},
		),
		CLOCK,
	)
	assert plan.request_update == {"current_team": None} and plan.events == ()
	assert set(plan.request_update) <= set(NOWHERE)


def test_a_move_that_changes_nothing_plans_nothing():
	tasks = [TaskRow("FR-00007-review", "review", S.QUEUED, "Review", "Operations", "", "", NOW)]
	first = plan_progress(request(chain(), tasks, status=S.REQ_OPEN), CLOCK)
	again = plan_progress(request(chain(), tasks, status=S.REQ_OPEN, where=first.request_update), CLOCK)
	assert again.request_update == {} and again.events == () and again.tasks == ()


@settings(max_examples=60, deadline=None)
@given(dags(max_steps=8), st.data())
def test_completing_ready_steps_one_by_one_ends_in_a_completed_request(defn, data):
	"""Walk a random process to its end through plans alone: every step gets exactly one task."""
	tasks = list(plan_intake(facts(defn, {}), CLOCK).tasks)
	rows = {t.name: TaskRow(t.name, t.fields["step_key"], t.fields["status"]) for t in tasks}
	status = S.REQ_OPEN
	for _ in range(len(defn.steps) + 1):
		open_ = sorted(n for n, r in rows.items() if r.status in S.TASK_OPEN)
		if not open_:
			break
		name = data.draw(st.sampled_from(open_))
		rows[name] = TaskRow(name, rows[name].step_key, S.DONE)
		plan = plan_progress(
			request(defn, rows.values(), status=status), CLOCK, Completed(name, rows[name].step_key, "Sales")
		)
		for t in plan.tasks:
			rows[t.name] = TaskRow(t.name, t.fields["step_key"], t.fields["status"])
		status = plan.request_update.get("status", status)
	assert sorted(r.step_key for r in rows.values()) == sorted(defn.step_keys)
	assert status == S.REQ_COMPLETED


# ------------------------------------------------------------------------------------------------ conditions

NAMES = ("a", "b", "t")
SCOPE = {"a": 3, "b": 2.5, "t": "Hello"}
leaf = st.sampled_from(["a", "b", "t", "1", "0", "2.5", "'Hello'", "None", "True", "'x'"])
ops = st.sampled_from(["+", "-", "/", "//", "==", "!=", "<", "<=", ">", ">=", " and ", " or ", " in "])


@st.composite
def expressions(draw, depth=3):
	if depth == 0 or draw(st.booleans()):
		return draw(leaf)
	kind = draw(st.integers(0, 4))
	left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
	if kind == 0:
		return f"({left}{draw(ops)}{right})"
	if kind == 1:
		return f"(not {left})"
	if kind == 2:
		return f"({left} if {draw(expressions(depth - 1))} else {right})"
	if kind == 3:
		return f"({left} in [{right}, 1])"
	return f"round({left})" if draw(st.booleans()) else "t.lower().startswith('h')"


@settings(max_examples=300, deadline=None)
@given(expressions())
def test_conditions_mean_what_python_means(expression):
	"""The core's evaluator against Python's own, on the allowed syntax and the same guarded values."""
	try:
		expected = bool(eval(compile(ast.parse(expression, mode="eval"), "<c>", "eval"), {}, guarded(SCOPE)))
	except Exception:
		with pytest.raises(ConditionError):
			holds(expression, SCOPE, NAMES)
		return
	assert holds(expression, SCOPE, NAMES) is expected


@pytest.mark.parametrize(
	"expression",
	["__import__('os')", "t * 100", "a.__class__", "[1] * 10", "open('x')", "t % 2", "lambda: 1", "zz > 1"],
)
def test_conditions_refuse_what_is_not_allowed(expression):
	with pytest.raises(ConditionError):
		holds(expression, SCOPE, NAMES)


def test_an_empty_condition_holds():
	assert holds("", SCOPE, NAMES) and holds("  ", SCOPE, NAMES)


# ------------------------------------------------------------------------------------------------------ moves


def task_facts(before: str, **kw) -> TaskFacts:
	return TaskFacts("FR-00007-review", "review", "Operations", before, **kw)


@pytest.mark.parametrize("t", S.TASK.transitions, ids=lambda t: f"{t.by}:{t.source}->{t.target}:{t.action}")
def test_every_task_move_plans_its_event_and_fields(t):
	reasons = {t.needs: "because"} if t.needs else {}
	move = plan_task_move(
		t, task_facts(t.source, reasons=reasons), actor="ops@x.org", now=NOW, after=t.target
	)
	assert move.event.event_type == EVENT_OF_TASK_ACTION[t.action]
	assert (move.event.task, move.event.from_state, move.event.to_state) == (
		"FR-00007-review",
		t.source,
		t.target,
	)
	assert move.event.details["step"] == "review"
	if t.needs:
		assert move.event.details["reason"] == "because"
		with pytest.raises(Refusal) as e:
			plan_task_move(
				t, task_facts(t.source, reasons={t.needs: "  "}), actor="a", now=NOW, after=t.target
			)
		assert list(e.value.problems) == [t.needs]
	expected = {
		"Claim": {"claimed_by": "ops@x.org", "claimed_on": NOW},
		"Release": {"claimed_by": None, "started_on": None},
		"Return to Queue": {"claimed_by": None, "started_on": None},
		"Start": {"started_on": NOW},
		"Complete": {"completed_on": NOW},
		"Unblock": {"blocked_reason": None},
		"Wait on Customer": {"customer_wait_since": NOW},
		"Reopen": {"completed_on": None, "rework_count": 1},
		"Cancel": {"awaiting_handoff": None},
		"Withdraw": {"awaiting_handoff": None},
	}
	assert dict(move.fields) == expected.get(t.action, {})


def test_a_claim_keeps_the_first_claim_time_and_completion_names_the_unticked_items():
	claim = S.TASK.between(S.QUEUED, S.CLAIMED)
	earlier = NOW - timedelta(hours=3)
	assert (
		plan_task_move(
			claim, task_facts(S.QUEUED, claimed_on=earlier), actor="a", now=NOW, after=S.CLAIMED
		).fields["claimed_on"]
		== earlier
	)
	done = S.TASK.between(S.IN_PROGRESS, S.DONE)
	move = plan_task_move(
		done,
		task_facts(S.IN_PROGRESS, checklist_state={"Ship": 1, "Invoice": 0}),
		actor="a",
		now=NOW,
		after=S.DONE,
	)
	assert move.event.details == {"step": "review", "unticked": ["Invoice"]}


HANDOFF = HandoffFacts("H-FR-00007-approve", "FR-00007-review", "FR-00007-approve", "Operations", "Finance")


@pytest.mark.parametrize(
	"t", S.HANDOFF.transitions, ids=lambda t: f"{t.by}:{t.source}->{t.target}:{t.action}"
)
def test_every_handoff_move_plans_its_event_and_what_it_leads_to(t):
	facts = HandoffFacts(
		*[getattr(HANDOFF, f) for f in ("name", "from_task", "to_task", "from_team", "to_team")],
		reasons={"return_reason": "no quote"},
	)
	move = plan_handoff_move(t, facts, actor="fin@x.org", now=NOW)
	assert move.event.event_type == EVENT_OF_HANDOFF_ACTION[t.action]
	assert (move.event.handoff, move.event.task, move.event.to_state) == (
		HANDOFF.name,
		HANDOFF.to_task,
		t.target,
	)
	if t.action == "Accept":
		assert dict(move.fields) == {"accepted_by": "fin@x.org", "accepted_on": NOW}
		assert move.task_updates == {"FR-00007-approve": {"awaiting_handoff": None, "ready_on": NOW}}
	elif t.action == "Return":
		assert dict(move.fields) == {"returned_on": NOW} and move.event.details == {"reason": "no quote"}
		assert move.system_moves == (
			("FR-00007-approve", S.CANCELLED, {}),
			("FR-00007-review", S.IN_PROGRESS, {"return_reason": "no quote"}),
		)


def test_a_handoff_goes_back_only_with_a_reason():
	back = next(t for t in S.HANDOFF.transitions if t.action == "Return")
	with pytest.raises(Refusal) as e:
		plan_handoff_move(back, HANDOFF, actor="a", now=NOW)
	assert e.value.problems == {"return_reason": "say why the handoff goes back."}


def test_a_task_action_is_one_decision_the_move_and_what_the_request_does_next():
	from everstep_flow.engine.moves import plan_task_action

	defn = chain()
	rows = [TaskRow("FR-00007-review", "review", S.IN_PROGRESS, "Review", "Operations", "ops@x.org", "", NOW)]
	facts = request(defn, rows, values={"company": "A", "seats": "2"})
	done = S.TASK.between(S.IN_PROGRESS, S.DONE)
	move, plan = plan_task_action(
		done,
		task_facts(S.IN_PROGRESS),
		facts,
		CLOCK,
		actor="ops@x.org",
		after=S.DONE,
		completed=Completed("FR-00007-review", "review", "Operations"),
	)
	assert move.fields == {"completed_on": NOW} and move.event.event_type == "completed"
	assert [t.name for t in plan.tasks] == ["FR-00007-approve"] and len(plan.handoffs) == 1
	claim = S.TASK.between(S.QUEUED, S.CLAIMED)
	queued = request(
		defn, [TaskRow("FR-00007-review", "review", S.QUEUED, "Review", "Operations", "", "", NOW)]
	)
	_move, claimed = plan_task_action(
		claim, task_facts(S.QUEUED), queued, CLOCK, actor="ops@x.org", after=S.CLAIMED
	)
	assert claimed.request_update["current_holder"] == "ops@x.org"  # the request knows who has it now


def test_cancelling_a_request_withdraws_its_open_work_in_one_plan():
	from everstep_flow.engine.moves import plan_cancel

	tasks = (task_facts(S.IN_PROGRESS), TaskFacts("FR-00007-approve", "approve", "Finance", S.QUEUED))
	plan = plan_cancel(S.REQ_IN_PROGRESS, "client left", tasks, (HANDOFF,), actor="m@x.org", now=NOW)
	[(handoff, withdrawn)] = plan.handoffs
	assert handoff == HANDOFF.name and withdrawn.event.event_type == "withdrawn"
	assert [(name, move.event.event_type, dict(move.fields)) for name, move in plan.tasks] == [
		("FR-00007-review", "withdrawn", {"awaiting_handoff": None}),
		("FR-00007-approve", "withdrawn", {"awaiting_handoff": None}),
	]
	assert plan.request_update == {"status": S.REQ_CANCELLED, "open_key": None, **NOWHERE}
	assert plan.event == Event(
		"cancelled", from_state="In Progress", to_state="Cancelled", details={"reason": "client left"}
	)


@pytest.mark.parametrize("status", [S.REQ_COMPLETED, S.REQ_CANCELLED])
def test_a_closed_request_cannot_be_cancelled_and_an_open_one_needs_a_reason(status):
	from everstep_flow.engine.moves import plan_cancel

	with pytest.raises(Refusal) as closed:
		plan_cancel(status, "why", (), (), actor="m", now=NOW)
	assert list(closed.value.problems) == ["request"]
	with pytest.raises(Refusal) as bare:
		plan_cancel(S.REQ_OPEN, "  ", (), (), actor="m", now=NOW)
	assert bare.value.problems == {"reason": "say why the request is cancelled."}


# -------------------------------------------------------------------------------------------------- follow-ups


def test_a_follow_up_is_marked_done_or_pushed_in_one_decision():
	from everstep_flow.engine.follow_ups import FollowUpFacts, plan_done, plan_push

	due = NOW + timedelta(days=1)
	f = FollowUpFacts("FU-1", "Open", "FR-00007-review", "Sales", due)
	done = plan_done(f, "called back", actor="s@x.org", now=NOW)
	assert done.update == {"status": "Done", "done_on": NOW, "done_by": "s@x.org", "note": "called back"}
	assert done.event == Event(
		"follow_up_done",
		task="FR-00007-review",
		is_internal=1,
		details={"follow_up": "FU-1", "note": "called back"},
	)
	later = NOW + timedelta(days=3)
	pushed = plan_push(f, later, "client on holiday", now=NOW)
	assert pushed.update == {"due_on": later, "nudged_for": None}
	assert pushed.event.details == {
		"follow_up": "FU-1",
		"from": str(due),
		"to": str(later),
		"reason": "client on holiday",
	}
	with pytest.raises(Refusal) as past:
		plan_push(f, NOW - timedelta(hours=1), "", now=NOW)
	assert list(past.value.problems) == ["due_on"]
	with pytest.raises(Refusal) as closed:
		plan_done(FollowUpFacts("FU-1", "Done", None, "Sales", due), "", actor="s", now=NOW)
	assert closed.value.problems == {"follow_up": "it is already Done"}


def test_a_logged_call_is_one_decision_every_problem_at_once_or_what_it_writes():
	from everstep_flow.engine.calls import CallFacts, CallPlan, FollowUpPlan, plan_call

	follow = FollowUpPlan(NOW + timedelta(days=2), "Sales", "", "send the quote")
	call = CallPlan("Outgoing", "c-1", NOW - timedelta(minutes=5), 12, " agreed on a date ", follow)
	decision = plan_call(CallFacts("FR-00007", None, call, "c-1"), NOW)
	assert decision.communication and decision.follow_up == follow
	assert decision.details == {
		"direction": "Outgoing",
		"contact": "c-1",
		"at": str(NOW - timedelta(minutes=5)),
		"duration": 12,
		"summary": "agreed on a date",
		"follow_up_on": str(NOW + timedelta(days=2)),
		"follow_up_team": "Sales",
		"no_follow_up_reason": None,
	}
	bad = CallPlan("Sideways", "c-1", NOW, -1, "", None, "")
	with pytest.raises(Refusal) as e:
		plan_call(
			CallFacts("FR-00007", None, bad, "c-1", {"contact": "c-1 is not a contact of the client"}), NOW
		)
	assert set(e.value.problems) == {"direction", "duration", "summary", "follow_up", "contact"}
	assert (
		e.value.problems["contact"] == "c-1 is not a contact of the client"
	)  # the shell's finding comes first
	linked = plan_call(
		CallFacts(
			"FR-00007", None, CallPlan("Incoming", "c-1", NOW, 3, "x", None, "told us all"), "c-1", {}, "CL-1"
		),
		NOW,
	)
	assert not linked.communication and linked.follow_up is None


# ---------------------------------------------------------------------------------------------------- the sweep


def test_the_sweep_plans_each_nudge_at_the_highest_level_reached():
	from everstep_flow.engine.escalation import Ladder, Nudge, Raise, Waiting, plan_climb, plan_stale

	ladder = Ladder(claimant=0, team=60, lead=120, managers=240)
	items = [
		Waiting("T1", "R1", NOW - timedelta(minutes=30), 0, {"claimant": "a@x.org"}),  # claimant
		Waiting("T2", "R2", NOW - timedelta(minutes=130), 1, {}),  # skips the team: lead
		Waiting("T3", "R3", NOW - timedelta(minutes=30), 1, {}),  # sent already
		Waiting("T4", "R4", NOW + timedelta(minutes=5), 0, {}),  # not due yet
		Waiting("T5", "R5", NOW - timedelta(minutes=1), 0, {}),  # unclaimed: the team
	]
	assert plan_climb(items, ladder, CLOCK) == [
		Raise("T1", "R1", 0, Nudge(1, "claimant", False), {"claimant": "a@x.org"}),
		Raise("T2", "R2", 1, Nudge(3, "lead", True), {}),
		Raise("T5", "R5", 0, Nudge(1, "team", False), {}),
	]
	later = NOW - timedelta(hours=2)
	stale = [
		Waiting("R1", "R1", NOW - timedelta(hours=1), 0, {"team": "Sales"}),
		Waiting("R2", "R2", NOW - timedelta(hours=3), 3, {"team": "Sales"}),
		Waiting("R3", "R3", NOW - timedelta(hours=1), 0, {"team": None}),
	]
	assert [(r.name, r.nudge) for r in plan_stale(stale, later)] == [
		("R1", Nudge(3, "lead", False)),
		("R2", Nudge(4, "managers", True)),
		("R3", Nudge(3, "managers", False)),
	]


def test_a_new_request_is_named_when_it_is_inserted():
	from everstep_flow.engine.plans import NEW_REQUEST

	plan = plan_intake(facts(chain(), {"company": "A", "seats": "3"}, request_name=""), CLOCK)
	assert plan.request_name == NEW_REQUEST
	assert plan.tasks[0].name == f"{NEW_REQUEST}-review" and plan.tasks[0].fields["request"] == NEW_REQUEST
	assert plan.events[1].task == f"{NEW_REQUEST}-review"


def test_a_request_done_at_intake_shows_its_final_sla_on_its_tasks():
	defn = ServiceDefinition(
		"svc",
		"Svc",
		target_minutes=60,
		intake_fields=FIELDS,
		steps=(Step("a", "A", "Sales", condition="False"),),
	)
	plan = plan_intake(facts(defn, {"company": "A"}), CLOCK)
	assert plan.request["sla_status"] == "Met"
	assert plan.tasks[0].fields["request_sla"] == "Met"


def test_conditions_read_a_field_before_a_builtin_of_its_name_and_normalise_text_as_frappe_does():
	assert holds("round == 'Series A'", {"round": "Series A"}, ("round",))
	with pytest.raises(ConditionError):
		holds("round(2.5) > 1", {"round": "Series A"}, ("round",))  # the field, not the builtin: not callable
	assert holds("t == 'ﬁ'", {"t": "fi"}, ("t",))  # NFKC: the ligature is "fi", as under safe_eval
	with pytest.raises(ConditionError):
		holds("t.lower() * 3 == ''", {"t": "Hello"}, ("t",))  # text stays text: never repeated


def test_a_reopen_says_which_completion_it_undoes():
	"""Day tallies read it: the day the reopened task was done on is a day whose figures changed."""
	reopen = S.TASK.between(S.DONE, S.IN_PROGRESS, by="system")
	done_on = NOW - timedelta(days=3)
	move = plan_task_move(
		reopen, task_facts(S.DONE, completed_on=done_on), actor="a", now=NOW, after=S.IN_PROGRESS
	)
	assert move.event.event_type == "reopened" and move.event.details["done_on"] == done_on
	assert "done_on" not in (
		plan_task_move(reopen, task_facts(S.DONE), actor="a", now=NOW, after=S.IN_PROGRESS).event.details
	)
