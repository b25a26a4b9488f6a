"""A call logged in Frappe CRM, in the core: which saves are worth a look, which request a call joins, what its event
says, and what names its next step in CRM's terms (seam 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from everstep_flow.engine.calls import call_without_next_step, wanted_kinds
from everstep_flow.engine.crm_calls import (
	Candidate,
	CrmCall,
	CrmTask,
	actor_of,
	event_details,
	minutes,
	names_call_log,
	next_step,
	no_follow_up_reason,
	request_for_call,
	worth_a_look,
)

NOW = datetime(2026, 12, 6, 10, 0)
CALL = CrmCall("CALL-1", "CRM Deal", "CRM-DEAL-1", NOW, frozenset({"sam@x", "Guest"}))


def task(name="1", *, on=("CRM Deal", "CRM-DEAL-1"), after=5, by="sam@x", due=True, status="Todo") -> CrmTask:
	return CrmTask(
		name, *on, NOW + timedelta(minutes=after), by, NOW + timedelta(days=1) if due else None, status
	)


def test_only_a_completed_call_on_a_deal_or_lead_that_changed_is_worth_a_look():
	assert worth_a_look("Completed", "CRM Deal", "D", True)
	assert worth_a_look("Completed", "CRM Lead", "L", True)
	assert not worth_a_look("Completed", "CRM Deal", "D", False)  # saved again, nothing that matters changed
	assert not worth_a_look("Ringing", "CRM Deal", "D", True)
	assert not worth_a_look("No Answer", "CRM Deal", "D", True)
	assert not worth_a_look("Completed", "CRM Organization", "O", True)
	assert not worth_a_look("Completed", "CRM Deal", "", True)
	assert not worth_a_look("Completed", None, None, True)


def test_a_call_joins_its_deals_request_else_the_clients_one_open_request():
	old, new = NOW - timedelta(days=3), NOW - timedelta(days=1)
	assert request_for_call([]) is None
	assert request_for_call([Candidate("R1", old, False)]) == "R1"
	assert request_for_call([Candidate("R1", old, False), Candidate("R2", new, False)]) is None  # which one?
	fired = [Candidate("R1", old, False), Candidate("R2", new, False), Candidate("R3", old, True)]
	assert request_for_call(fired) == "R3"
	assert request_for_call([Candidate("R3", old, True), Candidate("R4", new, True)]) == "R4"  # the newest


def test_the_event_names_the_call_log_and_no_next_step_yet():
	call = {
		"name": "CALL-1",
		"type": "Outgoing",
		"from": "+100",
		"to": "+200",
		"duration": 330,
		"start_time": NOW,
		"reference_doctype": "CRM Deal",
		"reference_docname": "CRM-DEAL-1",
	}
	details = event_details(call)
	assert details["call_log_doctype"] == "CRM Call Log" and details["call_log"] == "CALL-1"
	assert (details["direction"], details["phone"], details["duration"]) == ("Outgoing", "+200", 5.5)
	assert details["at"] == str(NOW)
	assert "CRM Deal CRM-DEAL-1" in details["summary"]
	assert call_without_next_step(details)  # seam 4 asks CRM for it
	assert names_call_log(details, "CALL-1") and not names_call_log(details, "CALL-2")
	assert event_details({**call, "type": "Incoming"}, "Agreed on a demo")["summary"] == "Agreed on a demo"
	assert event_details({**call, "type": "Incoming"})["phone"] == "+100"
	assert minutes(None) is None and minutes("x") is None and minutes(90) == 1.5


def test_the_actor_is_our_side_of_the_call_never_guest():
	assert actor_of({"type": "Outgoing", "caller": "sam@x", "receiver": None, "owner": "Guest"}) == "sam@x"
	assert actor_of({"type": "Incoming", "caller": None, "receiver": "ann@x", "owner": "Guest"}) == "ann@x"
	assert actor_of({"type": "Incoming", "caller": None, "receiver": None, "owner": "Guest"}) is None


def test_a_dated_crm_task_by_the_calls_people_after_the_call_is_its_next_step():
	assert next_step(CALL, [task()]) == "CRM Task 1"
	assert next_step(CALL, [task(after=0)]) == "CRM Task 1"  # made as the call began
	assert next_step(CALL, [task(after=-5)]) is None  # made before the call
	assert next_step(CALL, [task(due=False)]) is None  # no date: no next step
	assert next_step(CALL, [task(status="Canceled")]) is None
	assert next_step(CALL, [task(by="someone@else")]) is None
	assert next_step(CALL, [task(by="Guest")]) is None
	assert next_step(CALL, [task(on=("CRM Deal", "CRM-DEAL-2"))]) is None  # another deal's
	assert next_step(CALL, [task(on=("CRM Lead", "CRM-DEAL-1"))]) is None
	assert next_step(CALL, [task("2", after=9), task("1", status="Canceled"), task("3")]) == "CRM Task 3"
	assert next_step(CrmCall("C", "CRM Deal", "CRM-DEAL-1", None, frozenset({"sam@x"})), [task()]) is None


def test_a_note_on_the_call_saying_why_none_is_its_next_step():
	assert no_follow_up_reason("No follow-up: they signed", "") == "they signed"
	assert no_follow_up_reason("No follow-up needed", "<already renewed>") == "<already renewed>"
	assert no_follow_up_reason("no next step", "Wrong number") == "Wrong number"
	assert no_follow_up_reason("No followup - duplicate call", None) == "duplicate call"
	assert no_follow_up_reason("No follow-up", "  ") == ""  # says none, not why
	assert no_follow_up_reason("Call summary", "No follow-up needed") == ""  # a summary, not a reason
	assert no_follow_up_reason("Not now", "later") == ""
	assert no_follow_up_reason(None, None) == ""
	assert next_step(CALL, [], "No follow-up needed", "They already renewed") == (
		"no follow-up: They already renewed"
	)
	assert next_step(CALL, [], "Summary", "Talked") is None
	assert next_step(CALL, [], logged_with_next_step=True)


def test_the_crm_kinds_are_known_to_the_timeline():
	assert {"deal", "crm_note", "crm_task", "crm_call"} <= set(wanted_kinds(None))
	assert wanted_kinds(["crm_call", "call"]) == ("call", "crm_call")
	assert wanted_kinds(["crm_call"], ("request", "comment")) == ()  # the portal: never
