"""A client's requests on the client's own form: "Flow Request" in the Connections of Customer, HD Customer, CRM
Organization and Contact (hooks: override_doctype_dashboards). Counts go through frappe.get_list: each user sees
only what they may open."""

from __future__ import annotations

from frappe import _

GROUP = "Service Requests"


def _add(data: dict, fieldname: str) -> dict:
	data = dict(data or {})
	data.setdefault("fieldname", fieldname)
	if data["fieldname"] != fieldname:
		data["non_standard_fieldnames"] = {
			**data.get("non_standard_fieldnames", {}),
			"Flow Request": fieldname,
		}
	transactions = list(data.get("transactions") or [])
	if not any("Flow Request" in group.get("items", []) for group in transactions):
		transactions.append({"label": _(GROUP), "items": ["Flow Request"]})
	data["transactions"] = transactions
	return data


def customer(data: dict | None = None) -> dict:
	return _add(data, "customer")


def contact(data: dict | None = None) -> dict:
	"""A Contact's requests: those it is the contact of (also when it is the client itself)."""
	return _add(data, "contact")
