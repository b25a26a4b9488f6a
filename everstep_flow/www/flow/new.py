"""/flow/new/<service>: a form generated from the service's intake fields."""

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.api.portal import published_service
from everstep_flow.base.catalog import definition_from_doc
from everstep_flow.engine import render_svg

no_cache = 1

INPUT_TYPES = {
	"Data": "text",
	"Email": "email",
	"Phone": "tel",
	"Int": "number",
	"Float": "number",
	"Currency": "number",
	"Date": "date",
	"Datetime": "datetime-local",
	"Link": "text",
}


def get_context(context):
	service = published_service(frappe.form_dict.service)
	context.service = service
	context.is_guest = frappe.session.user == "Guest"
	context.fields = [
		{
			"fieldname": f.fieldname,
			"label": f.label,
			"fieldtype": f.fieldtype,
			"required": bool(f.required),
			"help": f.help,
			"options": [o.strip() for o in (f.options or "").splitlines() if o.strip()],
			"input_type": INPUT_TYPES.get(f.fieldtype),
			"step": "1" if f.fieldtype == "Int" else "any",
		}
		for f in service.intake_fields
		if f.at_intake
	]
	context.process_map = render_svg(definition_from_doc(service))
	context.title = escape_html(service.title)  # Frappe's base template and breadcrumbs print it raw
	context.parents = [{"route": "/flow", "title": _("Services")}]
	return context
