"""Follow-ups in Frappe CRM, in the core: which deal the CRM Task goes on, what a save of it means for the
follow-up, and what the task becomes after a move of the follow-up (only what differs: no change comes back)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.crm_tasks import (
	TITLE_LENGTH,
	TaskState,
	crm_change,
	is_crm_user,
	mirror,
	new_task,
	reference,
	started_by,
)

DUE = datetime(2026, 12, 10, 9, 30)
LATER = DUE + timedelta(days=2)
STATUSES = ("Backlog", "Todo", "In Progress", "Done", "Canceled", None)


def test_a_crm_user_is_a_sales_user_or_manager():
	assert is_crm_user(["Flow Agent", "Sales User"])
	assert is_crm_user(("Sales Manager",))
	assert not is_crm_user(["Flow Agent", "Flow Manager", "System Manager"])


def test_the_deal_that_started_the_request_wins_over_one_linked_later_and_over_the_source():
	firings = [("CRM Deal", "Linked", "D2"), ("CRM Deal", "Done", "D1")]
	assert started_by(firings, "CRM Deal", "D9") == "D1"
	assert started_by([("CRM Deal", "Linked", "D2"), ("CRM Deal", "Linked", "D3")], None, None) == "D2"


def test_failed_firings_and_other_doctypes_do_not_count_the_source_does():
	firings = [("CRM Deal", "Failed", "D1"), ("CRM Deal", "Queued", "D2"), ("HD Ticket", "Done", "7")]
	assert started_by(firings, "CRM Deal", "D9") == "D9"
	assert started_by(firings, "Opportunity", "OPP-1") is None
	assert started_by([], None, None) is None


def test_the_reference_is_the_deal_else_the_organizations_open_deal_else_nothing():
	assert reference("D1", "CRM Organization", "D5") == ("CRM Deal", "D1")
	assert reference(None, "CRM Organization", "D5") == ("CRM Deal", "D5")
	assert reference(None, "Customer", "D5") is None
	assert reference(None, "CRM Organization", None) is None


def test_a_new_task_is_todo_due_with_the_follow_up_assigned_to_its_owner_and_links_both_ways():
	task = new_task(
		follow_up="fu1",
		request="FR-1",
		what="Send <b>the</b> quote",
		due_on=DUE,
		owner="u@x",
		on=("CRM Deal", "D1"),
	)
	assert (task["status"], task["due_date"], task["assigned_to"]) == ("Todo", DUE, "u@x")
	assert (task["reference_doctype"], task["reference_docname"]) == ("CRM Deal", "D1")
	assert task["title"] == "Send <b>the</b> quote"  # a Data field: CRM shows it as text
	assert "&lt;b&gt;" in task["description"] and "/app/flow-follow-up/fu1" in task["description"]
	assert "/app/flow-request/FR-1" in task["description"]


def test_a_long_what_makes_a_title_that_fits_and_no_reference_is_none():
	task = new_task(follow_up="fu1", request="FR-1", what="word " * 100, due_on=DUE, owner="u@x", on=None)
	assert len(task["title"]) <= TITLE_LENGTH and task["title"].endswith("…")
	assert (task["reference_doctype"], task["reference_docname"]) == (None, None)


def test_a_task_becoming_done_marks_the_follow_up_done():
	assert crm_change(TaskState("Todo", DUE), TaskState("Done", DUE)) == "done"
	assert crm_change(TaskState("Todo", DUE), TaskState("Done", LATER)) == "done"  # done wins over the move


def test_a_due_date_moved_on_an_open_task_pushes_the_follow_up():
	assert crm_change(TaskState("Todo", DUE), TaskState("In Progress", LATER)) == "push"
	assert crm_change(TaskState("Todo", DUE), TaskState("Todo", None)) == "push"  # refused by the push


def test_cancelling_reopening_or_other_fields_ask_nothing():
	assert crm_change(TaskState("Todo", DUE), TaskState("Canceled", DUE)) is None
	assert crm_change(TaskState("Done", DUE), TaskState("Todo", DUE)) is None
	assert crm_change(TaskState("Done", DUE), TaskState("Done", DUE)) is None
	assert crm_change(TaskState("Canceled", DUE), TaskState("Canceled", LATER)) is None
	assert crm_change(TaskState("Todo", DUE), TaskState("In Progress", DUE)) is None


def test_the_follow_up_done_marks_the_task_done_once():
	assert mirror("Done", None, TaskState("Todo", DUE)) == {"status": "Done"}
	assert mirror("Done", None, TaskState("Done", DUE)) == {}


def test_a_push_moves_the_task_and_reopens_it_when_crm_closed_it():
	assert mirror("Open", LATER, TaskState("In Progress", DUE)) == {"due_date": LATER}
	assert mirror("Open", LATER, TaskState("Done", DUE)) == {"due_date": LATER, "status": "Todo"}
	assert mirror("Open", LATER, TaskState("Canceled", DUE)) == {"due_date": LATER, "status": "Todo"}
	assert mirror("Open", LATER, TaskState("Todo", LATER)) == {}
	assert mirror("Cancelled", LATER, TaskState("Todo", DUE)) == {}


@given(
	st.sampled_from(STATUSES),
	st.sampled_from(STATUSES),
	st.sampled_from((DUE, LATER, None)),
	st.sampled_from((DUE, LATER, None)),
)
def test_no_loop_a_change_made_in_crm_and_applied_to_the_follow_up_writes_nothing_back(s0, s1, d0, d1):
	"""Whatever a CRM save asks, the follow-up after that move leaves the task as the user saved it."""
	after = TaskState(s1, d1)
	kind = crm_change(TaskState(s0, d0), after)
	if kind == "done":
		assert mirror("Done", None, after) == {}
	elif kind == "push" and d1 is not None:
		assert mirror("Open", d1, after) == {}
