"""REST: /api/method/everstep_flow.api.team.<method>.

No postponed annotations (the `annotations` import from `__future__`) in any module of doors: Frappe checks
argument types only when the annotations are real types (tests/test_contract.py holds every module to it).
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args


@endpoint()
def sync_with_hd_team(team: str | None = None) -> dict:
	"""A Flow Manager takes in the people of the Helpdesk team a Flow Team follows, as they are now (changes made
	there by agents who may not manage Flow Teams wait for this). Returns the members and their availability."""
	from everstep_flow.hosts.helpdesk_teams import sync

	name = args.name(team, "team")
	if not frappe.db.exists("Flow Team", name):
		frappe.throw(_("team: no Flow Team {0}").format(escape_html(name)), frappe.DoesNotExistError)
	sync(name)
	rows = frappe.get_all(
		"Flow Team Member",
		filters={"parenttype": "Flow Team", "parent": name},
		fields=["user", "availability"],
		order_by="idx asc",
	)
	return {"team": name, "members": rows}
