"""The people and the trigger of the load benchmark, with the API keys the locustfile signs its calls with.

Creates (idempotently: a second run only refreshes the keys) on `<site>`:
- agents `load.agent.N@example.com` (Flow Agent), each a member of two of the site's enabled Flow Teams, spread
  round-robin so every team gets people working its queue (on a scale site: the "Scale ..." teams and the demo's);
- requesters `load.requester.N@example.com`: Website Users, each with a Contact linked to the user, so the portal
  finds their client (hosts.client_records.of_user) and a second request of a service may be linked to the first;
- managers `load.manager.N@example.com` (Flow Manager and Flow Agent);
- trigger users `load.trigger.N@example.com` (Flow Manager: the desk's Note is theirs to create);
- baseline users `load.baseline.N@example.com`: System Users with no Flow role (Inbox User), who do the same number of
  Frappe ToDo actions the app's users do (the baseline every action's p95 is compared with);
- the Flow Trigger "Load Note" on Note insert: starts a "Support case" whose client is the Note's title (an email
  address, looked up in Contacts and created when new). A plain Frappe site has no CRM or Helpdesk document to fire
  from, and a trigger on ToDo would tax the baseline's ToDo inserts with the trigger's check, so Note it is.
The demo's services (the only published ones, which the portal needs) are created first if missing
(everstep_flow.demo.setup creates only what is missing).

API keys go to a JSON file (default /tmp/load/users-<site>.json): token auth spares Locust the login and the CSRF
token, so what is timed is the action itself. Per service, the intake fields and each step's required outputs are
written too, so the locustfile fills forms and completes tasks of whatever services the site has.

	cd frappe-bench/sites
	../env/bin/python ../apps/everstep_flow/benchmarks/load/prepare.py <site> [--agents 40] [--requesters 30]
		[--managers 6] [--triggers 4] [--baseline 50] [--out /tmp/load/users-<site>.json]
	../env/bin/python ../apps/everstep_flow/benchmarks/load/prepare.py <site> --remove
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/, for common

from common import connected

TRIGGER = "Load Note"
TRIGGER_SERVICE = "Support case"
PREFIX = "load."
DOMAIN = "@example.com"
KINDS = ("agent", "requester", "manager", "trigger", "baseline")
ROLES = {
	"agent": ("Flow Agent",),
	"requester": (),
	"manager": ("Flow Manager", "Flow Agent"),
	"trigger": ("Flow Manager", "Flow Agent"),
	"baseline": ("Inbox User",),  # a desk role with nothing of ours: without one Frappe makes a Website User
}
TEAMS_PER_AGENT = 2


def email(kind: str, i: int) -> str:
	return f"{PREFIX}{kind}.{i}{DOMAIN}"


def ensure_user(address: str, kind: str) -> None:
	import frappe

	if frappe.db.exists("User", address):
		doc = frappe.get_doc("User", address)
		missing = set(ROLES[kind]) - {r.role for r in doc.roles}
		if missing:
			doc.add_roles(*missing)  # saves; Frappe sets the user type from the roles
		return
	frappe.get_doc(
		{
			"doctype": "User",
			"email": address,
			"first_name": address.split("@")[0].replace(".", " ").title(),
			"send_welcome_email": 0,
			"user_type": "Website User" if kind == "requester" else "System User",
			"roles": [{"role": r} for r in ROLES[kind]],
		}
	).insert(ignore_permissions=True)


def ensure_contact(address: str) -> str:
	"""The requester's Contact, saved by Administrator (staff), so the portal trusts it as theirs."""
	import frappe

	name = frappe.db.get_value("Contact", {"user": address})
	if name:
		return name
	first = address.split("@")[0].replace(".", " ").title()
	doc = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first,
			"user": address,
			"email_ids": [{"email_id": address, "is_primary": 1}],
		}
	).insert(ignore_permissions=True)
	return doc.name


def keys_of(address: str) -> dict:
	"""A fresh secret every run (Frappe stores only its hash); the key stays."""
	import frappe
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys(address)["api_secret"]
	return {"user": address, "api_key": frappe.db.get_value("User", address, "api_key"), "api_secret": secret}


def spread_agents(agents: list[str]) -> dict[str, list[str]]:
	"""Each agent in TEAMS_PER_AGENT teams, round-robin over the enabled teams; returns agent -> teams."""
	import frappe

	teams = frappe.get_all("Flow Team", filters={"disabled": 0}, pluck="name", order_by="name asc")
	if not teams:
		raise SystemExit(
			"no enabled Flow Team on this site: run everstep_flow.demo.setup or the scale benchmark"
		)
	placed: dict[str, list[str]] = {}
	for i, agent in enumerate(agents):
		picks = [
			teams[(i * TEAMS_PER_AGENT + k) % len(teams)] for k in range(min(TEAMS_PER_AGENT, len(teams)))
		]
		placed[agent] = picks
	for team in teams:
		wanted = [a for a, picks in placed.items() if team in picks]
		doc = frappe.get_doc("Flow Team", team)
		have = {m.user for m in doc.members}
		missing = [a for a in wanted if a not in have]
		if missing:
			for a in missing:
				doc.append("members", {"user": a})
			doc.save(ignore_permissions=True)
	return placed


def ensure_trigger() -> None:
	import frappe

	if frappe.db.exists("Flow Trigger", TRIGGER):
		return
	frappe.get_doc(
		{
			"doctype": "Flow Trigger",
			"trigger_name": TRIGGER,
			"enabled": 1,
			"document_type": "Note",
			"event": "New",
			"service": TRIGGER_SERVICE,
			"client_from": "Email Field",
			"client_field": "title",
			"subject": "From note {{ doc.name }}",
			"mapping": [
				{"intake_field": "summary", "value": "Raised from a note"},
				{"intake_field": "details", "source_field": "content"},
			],
		}
	).insert(ignore_permissions=True)


def services() -> dict:
	"""Per service: its intake fields (for forms) and each step's required outputs (to complete tasks)."""
	import frappe

	out = {}
	for name in frappe.get_all("Flow Service", pluck="name"):
		doc = frappe.get_doc("Flow Service", name)
		out[name] = {
			"published": bool(doc.is_published),
			"fields": [
				{
					"fieldname": f.fieldname,
					"fieldtype": f.fieldtype,
					"options": f.options or "",
					"required": bool(f.required),
					"at_intake": bool(f.at_intake),
				}
				for f in doc.intake_fields
			],
			"outputs": {
				s.step_key: [o.strip() for o in (s.required_outputs or "").split(",") if o.strip()]
				for s in doc.steps
			},
		}
	return out


def cards() -> list[dict]:
	"""The Flow workspace's Document Type number cards, as the desk sends them to get_result."""
	import frappe

	names = [c.number_card_name for c in frappe.get_doc("Workspace", "Flow").number_cards]
	fields = ["name", "type", "function", "aggregate_function_based_on", "document_type", "filters_json"]
	rows = frappe.get_all("Number Card", filters={"name": ("in", names)}, fields=fields)
	return [r for r in rows if r.type == "Document Type"]


def prepare(site: str, counts: dict[str, int], out: Path) -> None:
	import frappe

	from everstep_flow import demo

	started = time.perf_counter()
	with connected(site):
		demo.setup()  # creates only what is missing: the published services the portal needs
		users: dict[str, list[dict]] = {}
		contacts: dict[str, str] = {}
		for kind in KINDS:
			addresses = [email(kind, i) for i in range(1, counts[kind] + 1)]
			for address in addresses:
				ensure_user(address, kind)
				if kind == "requester":
					contacts[address] = ensure_contact(address)
			users[kind] = [keys_of(a) for a in addresses]
		teams = spread_agents([u["user"] for u in users["agent"]])
		for row in users["agent"]:
			row["teams"] = teams[row["user"]]
		for row in users["requester"]:
			row["contact"] = contacts[row["user"]]
		ensure_trigger()
		frappe.db.commit()
		data = {
			"site": site,
			"trigger": TRIGGER,
			"users": users,
			"services": services(),
			"client_emails": [f"load.client.{i}@example.com" for i in range(1, 201)],
			"cards": cards(),
		}
	out.parent.mkdir(parents=True, exist_ok=True)
	out.write_text(json.dumps(data, indent=1))
	out.chmod(0o600)  # API secrets
	print(
		f"{site}: "
		+ ", ".join(f"{len(users[k])} {k}s" for k in KINDS)
		+ f", trigger {TRIGGER!r}; keys in {out} ({time.perf_counter() - started:.0f} s)"
	)


def remove(site: str) -> None:
	"""The load users (disabled where Frappe refuses to delete them because they own documents), their team
	memberships, contacts and the trigger; the requests and ToDos they made stay, as any user's work does."""
	import frappe

	with connected(site):
		if frappe.db.exists("Flow Trigger", TRIGGER):
			frappe.delete_doc("Flow Trigger", TRIGGER, force=True, ignore_permissions=True)
		like = f"{PREFIX}%{DOMAIN}"
		for team in frappe.get_all("Flow Team", pluck="name"):
			doc = frappe.get_doc("Flow Team", team)
			keep = [m for m in doc.members if not (m.user or "").startswith(PREFIX)]
			if len(keep) != len(doc.members):
				doc.set("members", keep)
				doc.save(ignore_permissions=True)
		frappe.db.commit()
		deleted = disabled = 0
		for user in frappe.get_all("User", filters={"name": ("like", like)}, pluck="name"):
			try:
				frappe.delete_doc("User", user, force=True, ignore_permissions=True)
				frappe.db.commit()
				deleted += 1
			except Exception:
				frappe.db.rollback()
				frappe.clear_messages()
				frappe.db.set_value("User", user, {"enabled": 0, "api_key": None, "api_secret": None})
				frappe.db.commit()
				disabled += 1
		print(f"{site}: removed trigger {TRIGGER!r}; {deleted} load users deleted, {disabled} disabled")


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("site")
	parser.add_argument("--agents", type=int, default=40)
	parser.add_argument("--requesters", type=int, default=30)
	parser.add_argument("--managers", type=int, default=6)
	parser.add_argument("--triggers", type=int, default=4)
	parser.add_argument("--baseline", type=int, default=50)
	parser.add_argument("--out", type=Path)
	parser.add_argument("--remove", action="store_true")
	a = parser.parse_args()
	if a.remove:
		remove(a.site)
		return 0
	counts = {
		"agent": a.agents,
		"requester": a.requesters,
		"manager": a.managers,
		"trigger": a.triggers,
		"baseline": a.baseline,
	}
	prepare(a.site, counts, a.out or Path(f"/tmp/load/users-{a.site}.json"))
	return 0


if __name__ == "__main__":
	sys.exit(main())
