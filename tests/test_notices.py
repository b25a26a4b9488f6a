"""Who is told of a handoff, which type Frappe mails, and that no subject carries markup: pure decisions."""

from hypothesis import given
from hypothesis import strategies as st

from everstep_flow.engine.notices import (
	BELL_ONLY,
	MAILED,
	SUBJECT_LENGTH,
	arrival_recipients,
	arrival_subject,
	notice_type,
	plain,
	to_tell,
)

PEOPLE = st.sampled_from(["ann@x.com", "bob@x.com", "cy@x.com", "lead@x.com", ""])


def test_frappe_mails_the_type_only_where_the_site_can_send():
	assert notice_type(True) == MAILED == "Assignment"
	assert notice_type(False) == BELL_ONLY == "Alert"


def test_a_handoff_goes_to_the_available_members_else_the_lead_never_to_its_sender():
	assert arrival_recipients({"bob@x.com", "ann@x.com"}, "lead@x.com", None) == ["ann@x.com", "bob@x.com"]
	assert arrival_recipients(["ann@x.com", "bob@x.com"], "lead@x.com", "ann@x.com") == ["bob@x.com"]
	assert arrival_recipients([], "lead@x.com", "ann@x.com") == ["lead@x.com"]
	assert arrival_recipients(["ann@x.com"], "lead@x.com", "ann@x.com") == ["lead@x.com"]
	assert arrival_recipients([], "lead@x.com", "lead@x.com") == []
	assert arrival_recipients([], None, None) == []


@given(st.lists(PEOPLE), st.one_of(st.none(), PEOPLE), st.one_of(st.none(), PEOPLE))
def test_arrival_recipients_hold_for_any_team(available, lead, sender):
	told = arrival_recipients(available, lead, sender)
	assert sender not in told or not sender
	assert "" not in told
	assert told == sorted(set(told))
	members = {u for u in available if u and u != sender}
	assert told == (sorted(members) if members else ([lead] if lead and lead != sender else []))


def test_people_who_switched_notifications_off_are_left_out_and_nobody_is_told_twice():
	assert to_tell(["b", "a", "b", "c", ""], ["c"]) == ["b", "a"]


@given(st.text(max_size=400))
def test_a_subject_never_carries_markup_and_stays_one_short_line(text):
	line = plain(text)
	assert "<" not in line and ">" not in line
	assert "\n" not in line and "\r" not in line
	assert len(line.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")) <= SUBJECT_LENGTH
	assert "&" not in line.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


def test_a_subject_reads_as_written():
	assert plain("  R&D <b>team</b>\nurgent ") == "R&amp;D team urgent"
	assert plain("Check &amp; <b>ship</b>") == "Check &amp; ship"  # as Frappe stores a value with tags
	assert plain("&lt;script&gt;alert(1)&lt;/script&gt; a < b") == "alert(1) a &lt; b"
	assert plain(None) == ""
	assert plain("x" * 500).endswith("…") and len(plain("x" * 500)) == SUBJECT_LENGTH
	assert arrival_subject("Sales", "Ops", "Provision") == "Handoff from Sales to Ops: Provision"
	assert arrival_subject(None, "Ops", None) == "Handoff to Ops: a task"
