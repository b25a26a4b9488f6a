"""Who is told, and with what words, when work reaches people: a handoff arriving at a team, a nudge or escalation,
a follow-up coming due. Decided here on plain data; `clock/notify.py` writes Frappe's Notification Log, and Frappe
then mails each person or not by their own Notification Settings.

Why the type "Assignment": Frappe mails a Notification Log only for the types its Notification Settings can switch
(Mention, Assignment, Energy Point, Share; never Alert). Each of our notices tells a person that work is theirs or
their team's to take (a handoff to accept, an overdue task, a follow-up they own), which is what Frappe's
assignments tell; so a person's "Enable Email Notifications" and "Assignments" switches decide, as they do for
Frappe's own assignments, and the bell rings either way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

MAILED = "Assignment"  # Frappe mails it where the person's Notification Settings allow
BELL_ONLY = "Alert"  # Frappe never mails it

SUBJECT_LENGTH = 200
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^<>]*>")


def notice_type(can_mail: bool) -> str:
	"""Assignment where the site can send mail; Alert where it cannot, so a site without an outgoing Email Account
	keeps its bell and does not get an Error Log for every notice (Frappe logs each failed notification mail)."""
	return MAILED if can_mail else BELL_ONLY


def plain(text: object) -> str:
	"""Text as it may stand in a notification: one line of at most SUBJECT_LENGTH characters, without markup, and
	escaped. The desk's bell and Frappe's mail template put the subject into HTML as it is (Jinja does not autoescape
	there), and names, titles and subjects are written by people, some outside the company. What Frappe stored as
	HTML (a value with tags is kept sanitised, "&" as "&amp;") reads as its text, as Frappe's mail subjects do."""
	line = _TAG.sub(" ", html.unescape(str(text if text is not None else "")))
	line = _SPACE.sub(" ", line).strip()
	if len(line) > SUBJECT_LENGTH:
		line = line[: SUBJECT_LENGTH - 1].rstrip() + "…"
	return html.escape(line, quote=False)


def arrival_subject(from_team: str | None, to_team: str | None, title: str | None) -> str:
	"""The subject of a handoff's arrival, as text (the shell escapes every subject with `plain`)."""
	source = f" from {from_team}" if from_team else ""
	target = f" to {to_team}" if to_team else ""
	return f"Handoff{source}{target}: {title or 'a task'}"


def arrival_recipients(available: Iterable[str], lead: str | None, sender: str | None) -> list[str]:
	"""A handoff is told to the receiving team's available members, else its lead; never to the person who sent it
	(Frappe does not notify people of their own assignments either). Sorted, each once."""
	members = sorted({u for u in available if u and u != sender})
	if members:
		return members
	return [lead] if lead and lead != sender else []


def to_tell(users: Iterable[str], switched_off: Iterable[str]) -> list[str]:
	"""The people to notify, in order and each once, leaving out those who switched Frappe's notifications off
	altogether (Notification Settings' "Enabled": no bell and no mail, as for Frappe's own notifications)."""
	off = set(switched_off)
	return [u for u in dict.fromkeys(users) if u and u not in off]
