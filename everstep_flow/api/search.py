"""REST: /api/method/everstep_flow.api.search.requests: find requests the caller may open."""

import re

import frappe
from frappe.utils import escape_html, getdate

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.visibility import search as _search

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@endpoint(methods=("GET", "POST"))
@frappe.read_only()  # served by a read replica where the site has one
def requests(
	text: str | None = None,
	service: str | None = None,
	team: str | None = None,
	status: str | None = None,
	sla_status: str | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	start: int | str | None = None,
	limit: int | str | None = None,
) -> list[dict]:
	"""Requests matching `text` in subject, name, client, requester, source document, intake values or the text of
	their history, narrowed by the filters; only those the caller may open, newest change first."""
	if frappe.session.user == "Guest":
		frappe.throw(frappe._("Log in to search requests."), frappe.PermissionError)
	checked = {
		"text": args.text(text, "text", required=False, max_length=140),
		"service": args.name(service, "service", required=False),
		"team": args.name(team, "team", required=False),
		"status": args.name(status, "status", required=False),
		"sla_status": args.name(sla_status, "sla_status", required=False),
		"from_date": _date(from_date, "from_date"),
		"to_date": _date(to_date, "to_date", end_of_day=True),
		"start": args.integer(start, "start", default=0, maximum=100_000),
		"limit": args.integer(limit, "limit", default=20, minimum=1, maximum=100),
	}  # every argument is checked before anything is read
	_existing("Flow Service", checked["service"], "service")
	_existing("Flow Team", checked["team"], "team")
	return _search.search(checked.pop("text"), **checked)


def _date(value, argument: str, end_of_day: bool = False) -> str | None:
	value = args.name(value, argument, required=False)
	if not value:
		return None
	# Checked before Frappe's getdate, which would echo the raw text in its own message
	if not DATE.fullmatch(value):
		frappe.throw(frappe._("{0}: is not a date (YYYY-MM-DD)").format(argument), frappe.ValidationError)
	try:
		day = getdate(value)
	except Exception:
		frappe.clear_last_message()
		frappe.throw(frappe._("{0}: is not a date (YYYY-MM-DD)").format(argument), frappe.ValidationError)
	return f"{day} 23:59:59.999999" if end_of_day else f"{day} 00:00:00"


def _existing(doctype: str, name: str | None, argument: str) -> str | None:
	if name and not frappe.db.exists(doctype, name):
		frappe.throw(
			frappe._("{0}: no {1} {2}").format(argument, frappe._(doctype), escape_html(name)),
			frappe.ValidationError,
		)
	return name
