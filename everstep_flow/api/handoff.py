"""REST: /api/method/everstep_flow.api.handoff.<method>"""

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.requests import actions


def _result(handoff) -> dict:
	return {"name": handoff.name, "status": handoff.status, "to_task": handoff.to_task}


@endpoint()
def accept_handoff(handoff: str | None = None) -> dict:
	return _result(actions.act_on_handoff(args.name(handoff, "handoff"), "Accept"))


@endpoint()
def return_handoff(handoff: str | None = None, reason: str | None = None) -> dict:
	"""Send the work back to the sending team, saying why; their task reopens."""
	name = args.name(handoff, "handoff")
	return _result(actions.act_on_handoff(name, "Return", reason=args.reason(reason)))
