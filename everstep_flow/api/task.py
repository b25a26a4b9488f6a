"""REST: /api/method/everstep_flow.api.task.<method>. Each returns the task's new state.

No postponed annotations (the `annotations` import from `__future__`) in any module of doors: Frappe checks
argument types only when the annotations are real types (tests/test_contract.py holds every module to it).
"""

from everstep_flow.base.door import endpoint
from everstep_flow.engine import args
from everstep_flow.requests import actions
from everstep_flow.teams.membership import user_teams


def _result(task) -> dict:
	return {"name": task.name, "status": task.status, "claimed_by": task.claimed_by, "request": task.request}


def _act(task, action: str, **kw) -> dict:
	return _result(actions.act_on_task(args.name(task, "task"), action, **kw))


@endpoint()
def claim(task: str | None = None) -> dict:
	return _act(task, "Claim")


@endpoint()
def release(task: str | None = None) -> dict:
	return _act(task, "Release")


@endpoint()
def start(task: str | None = None) -> dict:
	return _act(task, "Start")


@endpoint()
def complete(task: str | None = None, outputs: dict | str | None = None, note: str | None = None) -> dict:
	"""Finish the task; `outputs` ({fieldname: value}) must include the step's required outputs."""
	return _act(
		task,
		"Complete",
		outputs=args.mapping(outputs, "outputs"),
		note=args.reason(note, "note", required=False),
	)


@endpoint()
def block(task: str | None = None, reason: str | None = None) -> dict:
	return _act(task, "Block", reason=args.reason(reason))


@endpoint()
def unblock(task: str | None = None) -> dict:
	return _act(task, "Unblock")


@endpoint()
def wait_on_customer(task: str | None = None) -> dict:
	return _act(task, "Wait on Customer")


@endpoint()
def resume(task: str | None = None) -> dict:
	return _act(task, "Resume")


@endpoint()
def cancel(task: str | None = None) -> dict:
	return _act(task, "Cancel")


@endpoint(methods=("GET", "POST"))
def my_teams() -> list[str]:
	"""Teams the current user works in (the task list opens on their queue)."""
	return user_teams()


@endpoint(methods=("GET", "POST"))
def view(task: str | None = None) -> dict:
	"""Everything the task's step needs in one answer: the request, the map with this step, what the client asked,
	what was handed on (outputs and note), instructions, checklist, the moves this user may make now, history."""
	from everstep_flow.visibility import task_view

	return task_view.view(task_view.readable_task(args.name(task, "task")))


@endpoint()
def tick(
	task: str | None = None, item: str | None = None, done: bool | int | str | None = None
) -> list[dict]:
	"""Tick (done=1) or untick (done=0) one item of the task's checklist; one `checklist_ticked` event."""
	from everstep_flow.visibility import task_view

	name = args.name(task, "task")
	item = args.text(item, "item", max_length=500, markup=True)
	done = args.flag(done, "done", default=True)
	task_view.readable_task(name)
	return task_view.tick_item(name, item, done)
