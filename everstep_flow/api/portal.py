"""The customer portal's server side: /api/method/everstep_flow.api.portal.<method>.

Guests may submit only to services that allow guests, rate limited per IP (Flow Settings: Guest Requests per Hour),
with their email address required. Every text value is stripped of HTML before it is stored.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import strip_html

from everstep_flow.runtime.actions import parse_object
from everstep_flow.runtime.intake import submit_request
from everstep_flow.runtime.replies import MAX_REPLY, customer_replied


def published_service(service: str | None):
	"""The service as the portal may show it: published, and open to guests when nobody is logged in."""
	if not service or not frappe.db.exists("Flow Service", {"name": service, "is_published": 1}):
		raise frappe.DoesNotExistError(_("service: no published service named {0}").format(service or ""))
	doc = frappe.get_cached_doc("Flow Service", service)
	if frappe.session.user == "Guest" and not doc.allow_guest:
		raise frappe.PermissionError(_("service: log in to request {0}").format(doc.title))
	return doc


def own_request(name: str | None):
	"""The portal user's own request; anything else is "not found", never "not yours"."""
	requester = frappe.db.get_value("Flow Request", name, "requester") if name else None
	if frappe.session.user == "Guest" or requester != frappe.session.user:
		raise frappe.DoesNotExistError(_("request: not found"))
	return frappe.get_doc("Flow Request", name)


def _clean(value):
	return strip_html(value).strip() if isinstance(value, str) else value


def _guest_limit() -> int:
	if frappe.session.user != "Guest":
		return 600
	return frappe.db.get_single_value("Flow Settings", "guest_rate_limit") or 10


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=_guest_limit, seconds=60 * 60)
def submit(
	service: str,
	values: dict | str | None = None,
	subject: str | None = None,
	requester_email: str | None = None,
) -> dict:
	doc = published_service(service)
	guest = frappe.session.user == "Guest"
	clean = {k: _clean(v) for k, v in parse_object(values, "values").items()}
	attach_fields = {f.fieldname for f in doc.intake_fields if f.fieldtype == "Attach"}
	files = {k: v for k, v in clean.items() if k in attach_fields and v}
	if files and guest:
		frappe.throw(_("{0}: log in to attach files").format(next(iter(files))), frappe.ValidationError)
	for fieldname, url in files.items():
		if not frappe.db.exists("File", {"file_url": url, "owner": frappe.session.user}):
			frappe.throw(_("{0}: upload the file first").format(fieldname), frappe.ValidationError)
	request = submit_request(
		doc.name,
		clean,
		subject=_clean(subject),
		requester_email=(requester_email or "").strip() or None if guest else None,
		source="Portal",
	)
	for url in files.values():
		frappe.db.set_value(
			"File",
			{"file_url": url, "owner": frappe.session.user, "attached_to_name": ("is", "not set")},
			{"attached_to_doctype": "Flow Request", "attached_to_name": request.name},
		)
	return {"name": request.name, "route": None if guest else f"/flow/requests/{request.name}"}


@frappe.whitelist(methods=["POST"])
def reply(request: str, text: str) -> dict:
	"""The requester's answer; it resumes work that waits on them."""
	doc = own_request(request)
	text = _clean(text or "")
	if not text:
		frappe.throw(_("text: write a reply first"), frappe.ValidationError)
	if len(text) > MAX_REPLY:
		frappe.throw(_("text: at most {0} characters").format(MAX_REPLY), frappe.ValidationError)
	doc.add_comment("Comment", frappe.utils.escape_html(text))
	resumed = customer_replied(doc.name, text, frappe.session.user, "Portal")
	return {"request": doc.name, "resumed": len(resumed)}
