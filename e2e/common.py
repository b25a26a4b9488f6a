"""What the end-to-end scripts (crm_e2e.py, helpdesk_e2e.py) share: an HTTP client for a Frappe site, the checks
and their tally, get-or-create setup over REST as Administrator, and the run's frame (logins, a run that cannot go
on, the trigger left disabled, the command line). Imported by the scripts from this folder; not run on its own and
not a test module."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable

import requests

OPEN = ["Open", "In Progress", "Waiting on Customer"]  # a request's open statuses


class Stop(Exception):
	"""The run cannot go on (a step it depends on failed)."""


class Client:
	def __init__(self, base: str, site: str, who: str):
		self.base, self.site, self.who = base.rstrip("/"), site, who
		self.s = requests.Session()
		self.s.headers.update({"Host": site, "Accept": "application/json"})

	def login(self, user: str, password: str) -> None:
		r = self.s.post(f"{self.base}/api/method/login", json={"usr": user, "pwd": password}, timeout=60)
		if r.status_code != 200:
			raise Stop(f"{self.who}: login as {user} failed: {r.status_code} {r.text[:300]}")

	def twin(self) -> Client:
		"""Another connection with the same login (for racing requests: a Session is not shared by threads)."""
		other = Client(self.base, self.site, self.who)
		other.s.cookies.update(self.s.cookies)
		return other

	def call(self, path: str, http: str = "POST", **params) -> requests.Response:
		url = f"{self.base}/api/method/{path}"
		if http == "GET":
			return self.s.get(url, params={k: _q(v) for k, v in params.items()}, timeout=120)
		return self.s.post(url, json=params, timeout=120)

	def ok(self, path: str, http: str = "POST", **params):
		r = self.call(path, http, **params)
		if r.status_code != 200:
			raise Stop(f"{self.who}: {path} -> {r.status_code} {error_of(r)}")
		return r.json().get("message")

	def get_doc(self, doctype: str, name: str) -> requests.Response:
		return self.s.get(f"{self.base}/api/resource/{doctype}/{name}", timeout=60)

	def doc(self, doctype: str, name: str) -> dict:
		r = self.get_doc(doctype, name)
		if r.status_code != 200:
			raise Stop(f"{self.who}: GET {doctype} {name} -> {r.status_code} {error_of(r)}")
		return r.json()["data"]

	def list(self, doctype: str, filters=None, fields=None, **kw) -> requests.Response:
		params = {"filters": json.dumps(filters or []), "fields": json.dumps(fields or ["name"])}
		params.update({k: _q(v) for k, v in kw.items()})
		return self.s.get(f"{self.base}/api/resource/{doctype}", params=params, timeout=60)

	def rows(self, doctype: str, filters=None, fields=None, **kw) -> list[dict]:
		r = self.list(doctype, filters, fields, **kw)
		if r.status_code != 200:
			raise Stop(f"{self.who}: list {doctype} -> {r.status_code} {error_of(r)}")
		return r.json()["data"]

	def insert(self, doctype: str, doc: dict) -> dict:
		r = self.s.post(f"{self.base}/api/resource/{doctype}", json=doc, timeout=60)
		if r.status_code != 200:
			raise Stop(f"{self.who}: insert {doctype} -> {r.status_code} {error_of(r)}")
		return r.json()["data"]

	def update(self, doctype: str, name: str, values: dict) -> dict:
		r = self.s.put(f"{self.base}/api/resource/{doctype}/{name}", json=values, timeout=60)
		if r.status_code != 200:
			raise Stop(f"{self.who}: update {doctype} {name} -> {r.status_code} {error_of(r)}")
		return r.json()["data"]

	def exists(self, doctype: str, name: str) -> bool:
		return self.get_doc(doctype, name).status_code == 200


def _q(v):
	return json.dumps(v) if isinstance(v, dict | list) else v


def error_of(r: requests.Response) -> str:
	"""The message a Frappe error response carries (exception and _server_messages), else the body."""
	try:
		body = r.json()
	except ValueError:
		return r.text[:500]
	parts = []
	if body.get("exception"):
		parts.append(str(body["exception"]).splitlines()[-1][:500])
	if body.get("_server_messages"):
		try:
			for m in json.loads(body["_server_messages"]):
				m = json.loads(m) if isinstance(m, str) else m
				parts.append(str(m.get("message", m))[:500])
		except ValueError:
			parts.append(str(body["_server_messages"])[:500])
	return " | ".join(parts) or json.dumps(body)[:500]


# ------------------------------------------------------------------------------------------- checks

results: list[tuple[bool, str, str]] = []


def check(name: str, passed: bool, detail: str = "") -> bool:
	results.append((bool(passed), name, detail))
	print(f"{'PASS' if passed else 'FAIL'}  {name}{'  -- ' + detail if detail else ''}", flush=True)
	return bool(passed)


def wait_for(what: str, probe, timeout: float = 90, every: float = 1.0):
	"""Poll `probe` until it returns something truthy (the worker runs after the web request commits)."""
	end = time.monotonic() + timeout
	last = None
	while time.monotonic() < end:
		last = probe()
		if last:
			return last
		time.sleep(every)
	print(f"      (waited {timeout}s for {what}; last seen: {str(last)[:300]})", flush=True)
	return last


def text_of(html: str) -> str:
	return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html or "")).strip()


def refused(r: requests.Response) -> bool:
	"""403, or a 200 that gives nothing."""
	if r.status_code == 403:
		return True
	if r.status_code != 200:
		return False
	body = r.json()
	return not (body.get("data") or body.get("message"))


def check_request_opened(name: str, where: str, said: Callable[[str], list[str]], request: str) -> None:
	"""The check `name`: "Request opened", linking the request, shows in the host document's activity (waited for
	up to a minute); `said(milestone)` is the document's comments that carry the milestone."""
	opened = wait_for(f"'Request opened' {where}", lambda: said("Request opened"), 60)
	check(
		name,
		bool(opened) and f"/app/flow-request/{request}" in opened[0],
		text_of(opened[0]) if opened else "none",
	)


def check_posted_once(comments: Callable[[], list[str]], state: dict) -> None:
	"""The host document's comments (`comments()`) do not grow once the jobs settle: each milestone is posted once.
	Their text is kept in the state (printed at the end)."""
	n = len(comments())
	time.sleep(3)
	check(
		"milestones are posted once (no duplicates after the jobs settle)",
		len(comments()) == n,
		f"{n} comments",
	)
	state["comments"] = [text_of(c) for c in comments()]


def task_of(client: Client, request: str, step: str) -> dict:
	rows = client.ok("everstep_flow.api.request.progress", request=request)
	return next(r for r in rows if r["step"] == step)


# ------------------------------------------------------------------------------------------- setup (Administrator)


def ensure_user(
	admin: Client, email: str, first: str, roles: list[str], password: str, website: bool = False
) -> None:
	"""The user, enabled, with `password` and at least `roles` (a website user gets no roles)."""
	if not admin.exists("User", email):
		doc = {
			"email": email,
			"first_name": first,
			"send_welcome_email": 0,
			"enabled": 1,
			"new_password": password,
		}
		if website:
			doc["user_type"] = "Website User"
		else:
			doc["roles"] = [{"role": r} for r in roles]
		admin.insert("User", doc)
		return
	user = admin.doc("User", email)
	have = {r["role"] for r in user.get("roles") or []}
	values = {"enabled": 1, "new_password": password}
	if not website and not set(roles) <= have:
		values["roles"] = (user.get("roles") or []) + [{"role": r} for r in roles if r not in have]
	admin.update("User", email, values)


def ensure_team(admin: Client, team: str, *members: str) -> None:
	"""The Flow Team, enabled, with each of `members` in it and Available."""
	if not admin.exists("Flow Team", team):
		admin.insert("Flow Team", {"team_name": team, "members": [{"user": m} for m in members]})
		return
	doc = admin.doc("Flow Team", team)
	rows = doc.get("members") or []
	available = {m["user"] for m in rows if m.get("availability", "Available") == "Available"}
	if not set(members) <= available or doc.get("disabled"):
		rows = [m for m in rows if m["user"] not in members] + [
			{"user": m, "availability": "Available"} for m in members
		]
		admin.update("Flow Team", team, {"members": rows, "disabled": 0})


def upsert(admin: Client, doctype: str, name: str, doc: dict) -> None:
	if not admin.exists(doctype, name):
		admin.insert(doctype, doc)
	else:
		admin.update(doctype, name, doc)


def cancel_left_open(admin: Client, service: str) -> None:
	"""Requests of the service left open by an interrupted run: cancelled, so this run starts clean."""
	for r in admin.rows(
		"Flow Request", [["service", "=", service], ["status", "in", OPEN]], ["name"], limit_page_length=0
	):
		admin.ok(
			"everstep_flow.api.request.cancel_request", request=r["name"], reason="left open by an e2e run"
		)


def disable_trigger(admin: Client, trigger: str) -> None:
	try:
		if admin.exists("Flow Trigger", trigger):
			admin.update("Flow Trigger", trigger, {"enabled": 0})
			enabled = admin.doc("Flow Trigger", trigger)["enabled"]
			check("the run's Flow Trigger is left disabled", not enabled, f"enabled={enabled}")
	except Exception as e:  # reported, never hides the run's own outcome
		check("the run's Flow Trigger is left disabled", False, repr(e))


# ------------------------------------------------------------------------------------------- the run's frame


def run(
	args: argparse.Namespace,
	*,
	setup: Callable[[Client], None],
	ready: str,
	service: str,
	trigger: str,
	users: dict[str, str],
	password: str,
	body: Callable[..., None],
) -> dict:
	"""Administrator logs in and runs `setup` (then the check `ready` passes); each of `users` (who -> email)
	logs in with `password`; `body(admin, *their clients, state)` runs. A Stop ends the run as a failed check
	("stopped" in the state); the trigger is left disabled whatever happened. The state is returned."""
	admin = Client(args.url, args.site, "Administrator")
	clients = {who: Client(args.url, args.site, who) for who in users}
	admin.login("Administrator", args.admin_password)
	state: dict = {}
	try:
		setup(admin)
		check(ready, True, f"service {service}")
		for who, email in users.items():
			clients[who].login(email, password)
		body(admin, *clients.values(), state)
	except Stop as e:
		check("the run went on to the end", False, str(e))
		state["stopped"] = True
	finally:
		disable_trigger(admin, trigger)
	return state


def arguments(doc: str) -> argparse.Namespace:
	p = argparse.ArgumentParser(description=doc.split("\n")[0])
	p.add_argument("--url", default="http://127.0.0.1:8000", help="the web server (default %(default)s)")
	p.add_argument(
		"--site", default="hd.localhost", help="the site, sent as Host header (default %(default)s)"
	)
	p.add_argument("--admin-password", default="admin")
	return p.parse_args()


def tally(state: dict, made: str) -> int:
	"""Prints the count of passed and failed checks and what the run made; the exit status: 2 when the run
	could not go on, 1 when a check failed, else 0."""
	failed = [r for r in results if not r[0]]
	print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed; {made}", flush=True)
	return 2 if state.get("stopped") else 1 if failed else 0


def listing(title: str, lines: list[str]) -> None:
	print(title)
	for line in lines:
		print("   -", line[:160])
