"""Real HTTP for integration tests: Frappe's WSGI app with a logged-in session, run on its own connection.

What arrives is what a browser or an integration sends: JSON bodies (so lists, objects, numbers and null reach the
doors as such), Frappe's own argument parsing, type checks, permission hooks and error responses. Data the calls need
must be committed first (the app runs in another thread, on another connection).
"""

from __future__ import annotations

import json
from typing import Any

from frappe.tests.test_api import make_request
from frappe.utils import get_test_client

PASSWORD = "Flow-http-2026!"


class Session:
	def __init__(self, user: str = "Guest", password: str = PASSWORD):
		self.user = user
		self.client = get_test_client()
		if user != "Guest":
			response = self.post_form("/api/method/login", {"usr": user, "pwd": password})
			assert response.status_code == 200, (user, response.get_data(as_text=True)[:300])

	def _send(self, verb: str, path: str, **kwargs):
		return make_request(target=getattr(self.client, verb), args=(path,), kwargs=kwargs)

	def post_form(self, path: str, data: dict):
		return self._send("post", path, data=data)

	def call(self, method: str, data: dict[str, Any] | None = None):
		"""POST /api/method/<method> with a JSON body."""
		return self._send("post", f"/api/method/{method}", json=data or {})

	def put(self, doctype: str, name: str, data: dict[str, Any]):
		return self._send("put", f"/api/resource/{doctype}/{name}", json=data)

	def get(self, path: str, **query):
		return self._send("get", path, query_string=query)


def messages(response) -> str:
	"""Everything the response says to a person: the exception line and the message log, as one text."""
	body = response.get_data(as_text=True)
	try:
		data = json.loads(body)
	except ValueError:
		return body
	parts = [str(data.get("exception") or ""), str(data.get("exc_type") or "")]
	for message in json.loads(data.get("_server_messages") or "[]"):
		try:
			parts.append(str(json.loads(message).get("message")))
		except (ValueError, AttributeError):
			parts.append(str(message))
	return "\n".join(parts)
