"""The desk's *Assign To* (frappe.desk.form.assign_to, overridden in hooks.py): on a Flow Task it goes through the
engine, on any other document it is Frappe's own.

On a task, assigning yourself claims it; a Flow Manager, the team's lead or the person working on it may give it to
an available member (a claim made for them, or the held task passed on); removing the claimant's assignment
releases it. A task is worked by one person at a time, and is completed from its form, not by closing a ToDo.
Every refusal says why (requests.giving). Frappe's `ignore_permissions` argument is not taken over HTTP.

No postponed annotations in doors (tests/test_contract.py).
"""

import frappe
from frappe import _
from frappe.desk.form import assign_to as frappe_assign
from frappe.utils import escape_html

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args as check
from everstep_flow.requests import giving
from everstep_flow.requests.actions import act_on_task

TASK = "Flow Task"


def _form(values) -> dict:
	if values is None or values == "":
		return dict(frappe.local.form_dict)
	return check.mapping(values, "args")


def _ours(form: dict) -> bool:
	return _doctype(form.get("doctype")) == TASK


def _doctype(value) -> str:
	"""A document type that exists (Frappe's own door would fail with a server error on any other)."""
	doctype = check.name(value, "doctype")
	# exactly as named (MariaDB's collation would match "flow task" and Frappe would then fail with a 500)
	if doctype != TASK and frappe.db.get_value("DocType", doctype, "name") != doctype:
		frappe.throw(
			_("doctype: {0} is not a document type.").format(escape_html(doctype)), frappe.ValidationError
		)
	return doctype


def _assigned(name: str) -> list:
	return frappe_assign.get({"doctype": TASK, "name": name})


def _give(name: str, assign_to) -> list:
	users = check.names(assign_to, "assign_to")
	if len(users) != 1:
		frappe.throw(
			_("assign_to: a Flow Task is worked by one person at a time; name one user."),
			frappe.ValidationError,
		)
	giving.give(name, users[0])
	return _assigned(name)


@endpoint()
def add(args: dict | str | None = None) -> list:
	form = _form(args)
	if not _ours(form):
		return frappe_assign.add(form)
	return _give(check.name(form.get("name"), "name"), form.get("assign_to"))


@endpoint()
def add_multiple(args: dict | str | None = None) -> None:
	"""The list view's Assign To: each selected task given as `add` gives one."""
	form = _form(args)
	if not _ours(form):
		return frappe_assign.add_multiple(form)
	for name in check.names(form.get("name"), "name", max_items=100):
		_give(name, form.get("assign_to"))


@endpoint()
def remove(doctype: str | None = None, name: str | int | None = None, assign_to: str | None = None) -> list:
	"""Removing the claimant's assignment releases the task (the claimant, its team's lead or a Flow Manager)."""
	if _doctype(doctype) != TASK:
		return frappe_assign.remove(
			doctype, name, assign_to
		)  # as Frappe takes them (a ticket's name is a number)
	name, assign_to = check.name(name, "name"), check.name(assign_to, "assign_to")
	_release(name, assign_to)
	return _assigned(name)


def _claimant(name: str) -> str | None:
	"""Who holds the task, if the user may read it (an unreadable task holds nobody: nothing is confirmed)."""
	if not frappe.db.exists(TASK, name) or not frappe.has_permission(TASK, "read", name):
		return None
	return frappe.db.get_value(TASK, name, "claimed_by")


def _release(name: str, assign_to: str) -> None:
	if _claimant(name) != assign_to:
		frappe.throw(
			_("assign_to: {0} holds no assignment on task {1}.").format(
				frappe.bold(escape_html(assign_to)), escape_html(name)
			),
			frappe.ValidationError,
		)
	act_on_task(name, "Release")


@endpoint()
def remove_multiple(doctype: str | None = None, names: str | list | None = None) -> None:
	if _doctype(doctype) != TASK:
		return frappe_assign.remove_multiple(doctype, names)
	for name in check.names(names, "names", max_items=100):
		if claimant := _claimant(name):
			_release(name, claimant)


@endpoint()
def close(doctype: str | None = None, name: str | int | None = None, assign_to: str | None = None) -> list:
	if _doctype(doctype) != TASK:
		return frappe_assign.close(doctype, name, assign_to)
	name, assign_to = check.name(name, "name"), check.name(assign_to, "assign_to")
	frappe.throw(
		_("Task {0} is done when it is completed from its form, not by closing its assignment.").format(
			escape_html(name)
		),
		frappe.ValidationError,
	)
