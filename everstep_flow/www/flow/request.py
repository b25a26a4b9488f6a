"""/flow/requests/<name>: where my request is, who holds it, and a reply box. Someone else's request is a 404."""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.api.portal import own_request
from everstep_flow.base import ledger
from everstep_flow.base.catalog import definition_of
from everstep_flow.engine import render_svg
from everstep_flow.engine.task_view import labelled
from everstep_flow.requests.actions import progress

no_cache = 1


def public_outputs(defn, values: dict) -> dict[str, list[dict]]:
	"""Per step, the outputs its definition shows the requester (formatted; escaped by the template). Every other
	output is internal and never reaches the portal."""
	return {
		step.key: [
			{**row, "value": frappe.format(row["value"], {"fieldtype": row["fieldtype"]})}
			for row in labelled(defn, values, only=step.public_outputs)
		]
		for step in defn.steps
		if step.public_outputs
	}


def get_context(context):
	if frappe.session.user == "Guest":
		target = quote(f"/flow/requests/{frappe.form_dict.name or ''}", safe="/")
		frappe.local.flags.redirect_location = f"/login?redirect-to={quote(target, safe='')}"
		raise frappe.Redirect
	try:
		request = own_request(frappe.form_dict.name)
	except frappe.DoesNotExistError:
		raise frappe.PageDoesNotExistError
	context.request = request
	context.steps = progress(request) if request.definition else []
	if request.definition:
		shown = public_outputs(
			definition_of(request), {row.fieldname: row.value for row in request.request_values}
		)
		for s in context.steps:
			s["outputs"] = shown.get(s["step"], []) if s["state"] == "Done" else []
	states = {
		s["step"]: "Awaiting Acceptance" if s["awaiting_handoff"] else s["state"] for s in context.steps
	}
	context.process_map = render_svg(definition_of(request), states=states) if request.definition else ""
	context.history = [
		{**e, "text": ledger.details_of(e).get("text")}
		for e in frappe.get_all(
			"Flow Event",
			filters={"request": request.name, "is_internal": 0},
			fields=["event_type", "at", "to_team", "details"],
			order_by="at asc, creation asc",
			ignore_permissions=True,  # the requester's own request, internal notes excluded
		)
	]
	context.waiting = request.status == "Waiting on Customer"
	context.title = escape_html(request.subject)  # Frappe's base template and breadcrumbs print it raw
	context.parents = [{"route": "/flow/requests", "title": _("My Requests")}]
	return context
