"""The customer portal's server side: /api/method/everstep_flow.api.portal.<method>.

Guests may submit only to services that allow guests, rate limited per IP (Flow Settings: Guest Requests per Hour),
with their email address required. Logged-in users are not counted against that limit, so colleagues behind one
office address never use up a guest's allowance. Every text value loses its markup before it is stored.
"""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import escape_html

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.engine.seams import Client
from everstep_flow.hosts import client_records as clients
from everstep_flow.requests.intake import submit_request
from everstep_flow.requests.replies import MAX_REPLY, customer_replied
from everstep_flow.teams.availability import service_unavailable


def published_service(service: str | None):
	"""The service as the portal may show it: published, and open to guests when nobody is logged in."""
	if (
		not service
		or not isinstance(service, str)
		or not frappe.db.exists("Flow Service", {"name": service, "is_published": 1})
	):
		raise frappe.DoesNotExistError(
			_("service: no published service named {0}").format(escape_html(str(service or "")))
		)
	doc = frappe.get_cached_doc("Flow Service", service)
	if frappe.session.user == "Guest" and not doc.allow_guest:
		raise frappe.PermissionError(_("service: log in to request {0}").format(escape_html(doc.title)))
	if reason := service_unavailable(doc):
		raise frappe.DoesNotExistError(_("service: {0}").format(reason))
	return doc


def own_request(name: str | None):
	"""The portal user's own request; anything else is "not found", never "not yours"."""
	requester = frappe.db.get_value("Flow Request", name, "requester") if name else None
	if frappe.session.user == "Guest" or requester != frappe.session.user:
		raise frappe.DoesNotExistError(_("request: not found"))
	return frappe.get_doc("Flow Request", name)


def _guest_limit() -> int:
	return frappe.db.get_single_value("Flow Settings", "guest_rate_limit") or 10


@rate_limit(limit=_guest_limit, seconds=60 * 60)
def _count_guest_submission() -> None:
	"""Frappe's rate limiter, keyed on the caller's IP, applied to guests only (see submit)."""


@endpoint(allow_guest=True)
def submit(
	service: str | None = None,
	values: dict | str | None = None,
	subject: str | None = None,
	requester_email: str | None = None,
) -> dict:
	guest = frappe.session.user == "Guest"
	if guest:
		_count_guest_submission()
	service = args.name(service, "service")
	values = args.mapping(values, "values")
	subject = args.text(subject, "subject", required=False, max_length=240)
	requester_email = args.text(requester_email, "requester_email", required=False)
	try:
		doc = published_service(service)
	except (frappe.DoesNotExistError, frappe.PermissionError) as e:
		frappe.throw(str(e), type(e))
	attach_fields = {f.fieldname for f in doc.intake_fields if f.fieldtype == "Attach"}
	files = {k: v for k, v in values.items() if k in attach_fields and v}
	if files and guest:
		frappe.throw(
			_("{0}: log in to attach files").format(escape_html(next(iter(files)))), frappe.ValidationError
		)
	for fieldname, url in files.items():
		if not isinstance(url, str) or not frappe.db.exists(
			"File", {"file_url": url, "owner": frappe.session.user}
		):
			frappe.throw(
				_("{0}: upload the file first").format(escape_html(fieldname)), frappe.ValidationError
			)
	request = submit_request(
		doc.name,
		values,  # text loses its markup in intake (engine.values), like every door's
		subject=subject,
		requester_email=requester_email if guest else None,
		# A website user's Contact and its Customer; a guest's typed address proves nothing, so never a client.
		client=Client() if guest else clients.of_user(frappe.session.user),
		source="Portal",
	)
	if request.flags.flow_linked:
		own = not guest and request.requester == frappe.session.user
		return {
			"name": request.name if own else None,
			"route": f"/flow/requests/{request.name}" if own else None,
			"linked": True,
			"message": _(
				"Your organisation already has an open request of this service; we added yours to it."
			),
		}
	for url in files.values():
		frappe.db.set_value(
			"File",
			{"file_url": url, "owner": frappe.session.user, "attached_to_name": ("is", "not set")},
			{"attached_to_doctype": "Flow Request", "attached_to_name": request.name},
		)
	return {"name": request.name, "route": None if guest else f"/flow/requests/{request.name}"}


@endpoint()
def reply(request: str | None = None, text: str | None = None) -> dict:
	"""The requester's answer; it resumes work that waits on them."""
	text = args.text(text, "text", max_length=MAX_REPLY, multiline=True)
	try:
		doc = own_request(args.name(request, "request"))
	except frappe.DoesNotExistError as e:
		frappe.throw(str(e), frappe.DoesNotExistError)
	# The waiting tasks first, then the request's comment (Frappe writes the request's `_comments`): the order an
	# agent's move locks them in, so a reply and a move at the same moment wait for each other, never deadlock.
	resumed = customer_replied(doc.name, text, frappe.session.user, "Portal")
	doc.add_comment("Comment", escape_html(text))
	return {"request": doc.name, "resumed": len(resumed)}
