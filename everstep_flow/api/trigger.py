"""REST: /api/method/everstep_flow.api.trigger.<method> (Flow Managers)."""

import frappe
from frappe import _

from everstep_flow.base.door import collided, endpoint
from everstep_flow.engine import args
from everstep_flow.seams import triggers
from everstep_flow.teams.membership import is_manager


@endpoint()
def run_again(firing: str | None = None) -> dict:
	"""Run a failed (or stuck) firing now. Never a second request: the firing is done once, and a request for the
	same client and service that is open already is linked to."""
	if not is_manager():
		frappe.throw(_("Only a Flow Manager can run a trigger firing again."), frappe.PermissionError)
	name = args.name(firing, "firing")
	if not frappe.db.exists(triggers.FIRING, name):
		frappe.throw(
			_("firing: no trigger firing {0}").format(frappe.utils.escape_html(name)),
			frappe.DoesNotExistError,
		)
	try:
		status = triggers.process(name, retry_failed=True)
	except Exception as e:  # its source or trigger may be gone, a value may be missing: said, and kept on it
		if collided(e):
			raise  # the door runs it again
		# The reason is kept on the firing (and in the Error Log); the caller is told it in the same words.
		frappe.db.rollback()
		triggers.fail(name, e)
		frappe.db.commit()
		frappe.clear_last_message()
		frappe.throw(
			_("The firing failed again: {0}").format(
				frappe.utils.escape_html(frappe.utils.strip_html(str(e)))
			),
			frappe.ValidationError,
		)
	row = frappe.db.get_value(triggers.FIRING, name, ["status", "request"], as_dict=True)
	return {"name": name, "status": status or row.status, "request": row.request}
