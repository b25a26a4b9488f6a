# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from everstep_flow import MODULE
from everstep_flow.base.catalog import definition_from_doc
from everstep_flow.base.door import throw_field_problems
from everstep_flow.engine.expressions import Refused, check_condition, check_template
from everstep_flow.engine.seams import BECOMES, NEW, MappingRow, mapping_problems, trigger_values
from everstep_flow.hosts.client_records import client_doctypes
from everstep_flow.hosts.resolvers import derived_fields, resolver_doctypes
from everstep_flow.seams.trigger_set import forget_triggers
from everstep_flow.seams.trigger_values import source_fields

NO_DATA = (
	"Section Break",
	"Column Break",
	"Tab Break",
	"HTML",
	"Button",
	"Fold",
	"Heading",
	"Table",
	"Table MultiSelect",
)
# Logs and metadata: a trigger on them would fire on what Frappe writes about our own work (a failing firing
# writes an Error Log...), a loop.
NEVER_SOURCES = frozenset(
	{
		"DocType",
		"DocField",
		"Custom Field",
		"Property Setter",
		"Error Log",
		"Version",
		"Activity Log",
		"Access Log",
		"Route History",
		"Scheduled Job Log",
		"Deleted Document",
		"Notification Log",
		"Email Queue",
		"Communication Link",
		"DefaultValue",
		"Custom DocPerm",
		"Comment",
		"Email Queue Recipient",
		"Integration Request",
		"Webhook Request Log",
		"Submission Queue",
		"Prepared Report",
		"Data Import Log",
		"Console Log",
		"Sessions",
		"Log Settings",
		"Transaction Log",
		"View Log",
		"Energy Point Log",
		"Unhandled Email",
		"Personal Data Download Request",
		"User Permission",
		"Has Role",
		"DocShare",
	}
)


class FlowTrigger(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from everstep_flow.everstep_flow.doctype.flow_trigger_field.flow_trigger_field import FlowTriggerField

		client_field: DF.Literal[None]
		client_from: DF.Literal[
			"Field",
			"Email Field",
			"ERPNext Opportunity",
			"ERPNext Issue",
			"Helpdesk Ticket",
			"CRM Deal",
			"CRM Lead",
		]
		condition: DF.Code | None
		document_type: DF.Link
		duplicates: DF.Literal["Service setting", "Link to the open request", "Always new"]
		enabled: DF.Check
		event: DF.Literal["New", "Value Change", "Field Becomes Value"]
		field: DF.Literal[None]
		mapping: DF.Table[FlowTriggerField]
		service: DF.Link | None
		subject: DF.Data | None
		trigger_name: DF.Data
		values: DF.SmallText | None
	# end: auto-generated types
	"""Starts a service when a document of another app is created or changes (see everstep_flow.seams.triggers)."""

	def validate(self) -> None:
		meta = self._source_meta()
		fields = {df.fieldname: df for df in meta.fields if df.fieldtype not in NO_DATA}
		self._check_event(fields)
		self._check_condition()
		self._check_client(meta, fields)
		self._check_subject()
		if self.enabled and not self.service:
			frappe.throw(_("service: an enabled trigger needs a service"), frappe.ValidationError)
		if self.service:
			self._check_mapping(fields)

	def on_update(self) -> None:
		forget_triggers()

	def on_trash(self) -> None:
		forget_triggers()

	def _source_meta(self):
		if not frappe.db.exists("DocType", self.document_type):
			frappe.throw(
				_("document_type: no document type {0}").format(escape_html(self.document_type or ""))
			)
		meta = frappe.get_meta(self.document_type)
		if (
			meta.istable
			or meta.issingle
			or meta.is_virtual
			or meta.module == MODULE
			or meta.name in NEVER_SOURCES
		):
			frappe.throw(
				_(
					"document_type: {0} cannot start a service (a child table, a single, a log, metadata or "
					"one of ours)"
				).format(escape_html(self.document_type)),
				frappe.ValidationError,
			)
		return meta

	def _check_subject(self) -> None:
		"""A subject is a template over the document's values only (everstep_flow.engine.expressions)."""
		if not self.subject:
			return
		try:
			check_template(self.subject, source_fields(self.document_type))
		except Refused as e:
			frappe.throw(_("subject: {0}").format(escape_html(str(e))), frappe.ValidationError)

	def _check_event(self, fields) -> None:
		if self.event == NEW:
			self.field = None
			self.values = None
			return
		if not self.field or self.field not in fields:
			frappe.throw(
				_("field: {0} is not a field of {1}").format(
					escape_html(self.field or "(empty)"), self.document_type
				),
				frappe.ValidationError,
			)
		if self.event == BECOMES and not trigger_values(self.values):
			frappe.throw(
				_("values: give the value(s) the field must become, one per line"), frappe.ValidationError
			)

	def _check_condition(self) -> None:
		"""An expression over `doc.<field>` of the document type: constants, comparisons, arithmetic, int, float,
		round, doc.get and a few text methods (everstep_flow.engine.expressions)."""
		if not self.condition:
			return
		try:
			check_condition(self.condition, source_fields(self.document_type), document="doc")
		except Refused as e:
			frappe.throw(_("condition: {0}").format(escape_html(str(e))), frappe.ValidationError)

	def _check_client(self, meta, fields) -> None:
		how = self.client_from or "Field"
		if how in ("Field", "Email Field"):
			df = fields.get(self.client_field or "")
			ok = df is not None and (
				(how == "Email Field" and df.fieldtype in ("Data", "Small Text", "Dynamic Link", "Link"))
				or (df.fieldtype == "Link" and df.options in client_doctypes())
				or df.fieldtype == "Dynamic Link"
			)
			if not ok:
				kind = (
					"an email field"
					if how == "Email Field"
					else _("a Link to one of {0}").format(", ".join(client_doctypes()))
				)
				frappe.throw(
					_("client_field: {0} is not {1} of {2}").format(
						escape_html(self.client_field or "(empty)"), kind, self.document_type
					),
					frappe.ValidationError,
				)
			return
		self.client_field = None
		expected = resolver_doctypes().get(how)
		if expected != self.document_type:
			frappe.throw(
				_("client_from: {0} reads a {1}, not a {2}").format(how, expected, self.document_type),
				frappe.ValidationError,
			)

	def _check_mapping(self, fields) -> None:
		defn = definition_from_doc(frappe.get_doc("Flow Service", self.service))
		rows = [MappingRow(r.intake_field or "", r.source_field or "", r.value or "") for r in self.mapping]
		if problems := mapping_problems(defn, rows, {*fields, *derived_fields(self.document_type)}):
			throw_field_problems(problems, "Mapping does not fit the service")
