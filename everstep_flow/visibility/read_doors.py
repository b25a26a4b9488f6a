"""Frappe 15's read doors that count or find rows without asking our permission hooks, or share one answer between
users, answered for our doctypes over the rows the user may read (issue 18; hooks: override_whitelisted_methods).
Other doctypes get Frappe's own answer, except counts.

- `get_count` counts with no permission at all: answered for every doctype (issue 20: the internal comments our
  ticket posts add to a Helpdesk ticket must not be counted, nor probed by filter, by its customer). `get` finds a
  document by filters before checking it; the list sidebar's "Assigned To" counts run an unchecked query; a form's
  Connections counts use `get_all`.
- A form's sidebar (`getdoc`, `get_docinfo`, `get_communications`) gives everyone who reads a request its staff's
  call notes.
- Dashboard charts are cached under the chart's name for everyone.
"""

import hashlib

import frappe
from frappe import _
from frappe.model import default_fields
from frappe.utils import escape_html

from everstep_flow import MODULE
from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.visibility import charts


def _exists(doctype) -> bool:
	return isinstance(doctype, str) and bool(frappe.db.exists("DocType", doctype, cache=True))


def _ours(doctype) -> bool:
	return _exists(doctype) and frappe.get_meta(doctype).module == MODULE


def _doctype(value) -> str:
	"""The doctype argument of Frappe's doors: a name that exists (refused with its name escaped otherwise: Frappe's
	own refusal echoes it raw)."""
	doctype = args.name(value, "doctype")
	if not _exists(doctype):
		frappe.throw(
			_("doctype: no document type {0}").format(escape_html(doctype)),
			frappe.ValidationError,
		)
	return doctype


def _parent_of(doctype: str) -> str | None:
	if not frappe.get_meta(doctype).istable:
		return None
	return frappe.db.get_value(
		"DocField", {"options": doctype, "fieldtype": ("in", ("Table", "Table MultiSelect"))}, "parent"
	)


@endpoint(methods=("GET", "POST"))
def get_count(doctype: str | None = None, filters=None, debug: bool = False, cache: bool = False) -> int:
	"""frappe.client.get_count, counting only rows the user may read, for every doctype: Frappe's own counts any
	table for anyone, so a filter on it confirms what the reader may not open (the internal comments our ticket
	posts add to a Helpdesk ticket, for one). A user with no read permission gets a 403, as from the list."""
	from frappe.utils import get_safe_filters

	doctype = _doctype(doctype)
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as total"],
		parent_doctype=_parent_of(doctype),
		order_by=None,
		as_list=True,
	)
	return rows[0][0] if rows else 0


@endpoint(methods=("GET", "POST"))
def get(doctype: str | None = None, name=None, filters=None, parent=None) -> dict:
	"""frappe.client.get: for our doctypes a document found by filters is found among those the user may read,
	so "not permitted" never confirms that a hidden row matches."""
	from frappe.client import get as frappe_get

	doctype = _doctype(doctype)
	if _ours(doctype) and not name and filters:
		found = frappe.get_list(
			doctype,
			filters=frappe.parse_json(filters),
			pluck="name",
			limit=1,
			parent_doctype=_parent_of(doctype),
			order_by=None,
		)
		if not found:
			raise frappe.DoesNotExistError(_("{0} not found").format(_(doctype)))
		name, filters = found[0], None
	return frappe_get(doctype, name=name, filters=filters, parent=parent)


@endpoint(methods=("GET", "POST"))
def get_group_by_count(
	doctype: str | None = None, current_filters: str | None = None, field: str | None = None
) -> list[dict]:
	"""The list sidebar's counts: Frappe counts "Assigned To" over an unchecked query of the doctype; for ours,
	over the rows the user may read."""
	from frappe.desk.listview import get_group_by_count as frappe_group_by_count

	doctype = _doctype(doctype)
	field = args.name(field, "field")
	if not _ours(doctype):
		return frappe_group_by_count(doctype, current_filters, field)
	meta = frappe.get_meta(doctype)
	df = meta.get_field(field)
	if field != "assigned_to" and not (df or field in default_fields):
		frappe.throw(
			_("field: {0} has no field {1}").format(_(doctype), escape_html(field)), frappe.ValidationError
		)
	if df and df.fieldtype in ("JSON", "Table", "Table MultiSelect"):
		frappe.throw(_("field: {0} cannot be counted by").format(df.label or field), frappe.ValidationError)
	if field != "assigned_to":
		return frappe_group_by_count(doctype, current_filters, field)
	visible = frappe.get_list(
		doctype, filters=frappe.parse_json(current_filters), fields=["name"], order_by=None, run=False
	)
	return frappe.db.sql(
		f"""select `tabToDo`.`allocated_to` as name, count(*) as count
		from `tabToDo` join `tabUser` on `tabUser`.`name` = `tabToDo`.`allocated_to`
		where `tabToDo`.`status` != 'Cancelled' and `tabUser`.`user_type` = 'System User'
			and `tabToDo`.`reference_type` = %(doctype)s and `tabToDo`.`reference_name` in ({visible})
		group by `tabToDo`.`allocated_to` order by count desc limit 50""",
		{"doctype": doctype},
		as_dict=True,
	)


@endpoint(methods=("GET", "POST"))
@frappe.read_only()  # as Frappe's own: a read replica where the site has one
def get_open_count(doctype: str | None = None, name: str | None = None, items=None) -> dict:
	"""The Connections counts of a form (a Customer's or Contact's requests): Frappe counts every linked row; for
	our doctypes, the rows the user may read."""
	from frappe.desk.notifications import get_dynamic_link_filters, get_filters_for
	from frappe.desk.notifications import get_open_count as frappe_open_count

	doctype, name = _doctype(doctype), args.name(name, "name")
	out = frappe_open_count(doctype, name, items)
	found = (out.get("count") or {}).get("external_links_found") or []
	if not any(_ours(entry.get("doctype")) for entry in found):
		return out
	links = frappe.get_meta(doctype).get_dashboard_data()
	for entry in found:
		linked = entry.get("doctype")
		if not _ours(linked):
			continue
		fieldname = links.get("non_standard_fieldnames", {}).get(linked, links.get("fieldname"))
		filters = {fieldname: name, **(get_dynamic_link_filters(linked, links, fieldname) or {})}
		entry["count"] = _visible_count(linked, filters)
		if open_filters := get_filters_for(linked):
			entry["open_count"] = _visible_count(linked, {**filters, **open_filters})
	return out


def _visible_count(doctype: str, filters: dict) -> int:
	return len(frappe.get_list(doctype, fields=["name"], filters=filters, limit=100, order_by=None))


# ------------------------------------------------------------------------------------------ the form's sidebar

# Frappe gives a form's timeline (comments, emails, calls) to anyone who may read the document. On a request that
# includes staff's call notes (Communications of medium Phone, internal in the ledger), which its requester may not
# read: for someone who reads the request only as its requester, they are left out.
STAFF_ONLY_MEDIA = ("Phone",)


def _staff_view(doctype: str, name: str) -> bool:
	from everstep_flow.visibility.permissions import reads_level_one

	return doctype != "Flow Request" or reads_level_one(doctype, name)


def _strip_staff_only(communications: list) -> list:
	return [c for c in communications or [] if c.get("communication_medium") not in STAFF_ONLY_MEDIA]


def _trim_docinfo(doctype: str, name: str) -> None:
	docinfo = frappe.response.get("docinfo")
	if not docinfo or _staff_view(doctype, name):
		return
	for key in ("communications", "automated_messages"):
		if key in docinfo:
			docinfo[key] = _strip_staff_only(docinfo[key])


@endpoint(methods=("GET", "POST"))
def getdoc(doctype: str | None = None, name: str | None = None, user=None) -> None:
	"""frappe.desk.form.load.getdoc, without staff-only items in a requester's view of a request."""
	from frappe.desk.form.load import getdoc as frappe_getdoc

	doctype, name = _doctype(doctype), args.name(name, "name")
	frappe_getdoc(doctype, name, user)
	_trim_docinfo(doctype, name)


@endpoint(methods=("GET", "POST"))
def get_docinfo(doc=None, doctype: str | None = None, name: str | None = None) -> None:
	"""frappe.desk.form.load.get_docinfo, likewise. Over HTTP a document is named by doctype and name (Frappe's
	own `doc` argument is for server code, and skips the permission check)."""
	from frappe.desk.form.load import get_docinfo as frappe_get_docinfo

	if doc is not None:
		frappe.throw(_("doc: name the document with doctype and name"), frappe.ValidationError)
	doctype, name = _doctype(doctype), args.name(name, "name")
	frappe_get_docinfo(None, doctype, name)
	_trim_docinfo(doctype, name)


@endpoint(methods=("GET", "POST"))
def get_communications(doctype: str | None = None, name: str | None = None, start=0, limit=20) -> list:
	"""frappe.desk.form.load.get_communications, likewise."""
	from frappe.desk.form.load import get_communications as frappe_get_communications

	doctype, name = _doctype(doctype), args.name(name, "name")
	found = frappe_get_communications(doctype, name, start, limit)
	return found if _staff_view(doctype, name) else _strip_staff_only(found)


# ------------------------------------------------------------------------------------------------- charts

CHART_SECONDS = 120


@endpoint(methods=("GET", "POST"))
def get_chart(
	chart_name: str | None = None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
	refresh=None,
) -> dict:
	"""frappe.desk.doctype.dashboard_chart.dashboard_chart.get: Frappe caches a chart's figures under its name
	alone, so whoever loads it first (a Flow Manager: every team's tasks) decides what everyone else sees, whatever
	their filters. A chart of our doctypes is computed for its user (through the permission hooks) and kept per
	user and arguments for two minutes."""
	from frappe.desk.doctype.dashboard_chart import dashboard_chart

	# The desk sends an unset option as "" (from_date=&to_date=…); Frappe's cache wrapper turns each into None before
	# computing, and so do we (an empty date fails Frappe's date parsing: "Please select a valid date filter")
	kwargs = {
		"filters": filters or None,
		"from_date": from_date or None,
		"to_date": to_date or None,
		"timespan": timespan or None,
		"time_interval": time_interval or None,
		"heatmap_year": heatmap_year or None,
	}
	if chart_name is not None:
		chart_name = args.name(chart_name, "chart_name")
		found = frappe.db.get_value("Dashboard Chart", chart_name, ["name", "document_type"], as_dict=True)
		if not found:
			frappe.throw(
				_("chart_name: no chart {0}").format(escape_html(chart_name)), frappe.DoesNotExistError
			)
		doctype = found.document_type
	else:
		doctype = frappe._dict(frappe.parse_json(chart) if chart else {}).get("document_type")
	if not _ours(doctype):
		return dashboard_chart.get(
			chart_name=chart_name, chart=chart, no_cache=no_cache, refresh=refresh, **kwargs
		)
	key = f"everstep_flow:chart:{frappe.session.user}:" + _digest(chart_name, chart, kwargs)
	if not int(refresh or 0) and (cached := frappe.cache.get_value(key)) is not None:
		return cached
	# Frappe's computation, without its cache wrapper (which also writes the chart's last_synced_on: a write that
	# fails on a read replica) and counted per day by the database (visibility.charts), on the replica where the
	# site has one
	result = frappe.read_only()(charts.compute)(chart_name, chart, **kwargs)
	frappe.cache.set_value(key, result, expires_in_sec=CHART_SECONDS)
	return result


def _digest(*parts) -> str:
	return hashlib.sha256(frappe.as_json(parts, indent=None).encode()).hexdigest()[:32]
