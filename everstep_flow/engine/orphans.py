"""The no-orphan rule: every open request has an open task owned by a team with someone available to do it.

The shell queries the open work and who is available; this module decides what is wrong. The sweep (escalation)
and the leak report reuse it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from everstep_flow.engine.states import TASK_OPEN

# Kinds of finding, most urgent first.
NO_OPEN_TASK = "request_without_open_task"
NEXT_STEP_UNCLEAR = "next_step_unclear"
TEAM_DISABLED = "team_disabled"
TEAM_UNAVAILABLE = "team_without_available_member"
CLAIMANT_UNAVAILABLE = "claimed_by_unavailable_user"
MISSED_SEAM = "missed_seam"  # a trigger fired and no request came of it (see everstep_flow.seams.triggers)


@dataclass(frozen=True)
class OpenTask:
	name: str
	team: str
	status: str
	claimed_by: str = ""


@dataclass(frozen=True)
class OpenRequest:
	name: str
	tasks: tuple[OpenTask, ...]  # its live tasks (the rule looks at the open ones; others may be left out)
	steps_without_task: int = 0  # steps of the snapshot that have no live task yet


@dataclass(frozen=True)
class Finding:
	kind: str
	request: str
	message: str
	task: str = ""
	team: str = ""
	user: str = ""
	firing: str = ""


def find_orphans(
	requests: Iterable[OpenRequest],
	available: Mapping[str, set[str]],
	disabled: frozenset[str] | set[str] = frozenset(),
) -> list[Finding]:
	"""`available` maps each team to its available members (enabled users marked Available); `disabled` names the
	teams that take no new work (their open work still has to be moved or finished)."""
	found: list[Finding] = []
	for req in requests:
		open_tasks = [t for t in req.tasks if t.status in TASK_OPEN]
		if not open_tasks:
			if req.steps_without_task:
				found.append(
					Finding(
						NEXT_STEP_UNCLEAR,
						req.name,
						f"{req.name}: nothing is open but {req.steps_without_task} step(s) never started; "
						"a step it waits for was cancelled",
					)
				)
			else:
				found.append(Finding(NO_OPEN_TASK, req.name, f"{req.name} is open but has no open task"))
			continue
		for task in open_tasks:
			members = available.get(task.team, set())
			if task.team in disabled:
				found.append(
					Finding(
						TEAM_DISABLED,
						req.name,
						f"Task {task.name} of {req.name}: team {task.team} is disabled",
						task=task.name,
						team=task.team,
					)
				)
			elif not members:
				found.append(
					Finding(
						TEAM_UNAVAILABLE,
						req.name,
						f"Task {task.name} of {req.name}: team {task.team} has no available member",
						task=task.name,
						team=task.team,
					)
				)
			if task.claimed_by and task.claimed_by not in members:
				found.append(
					Finding(
						CLAIMANT_UNAVAILABLE,
						req.name,
						f"Task {task.name} of {req.name} is claimed by {task.claimed_by}, who is not available in "
						f"team {task.team}",
						task=task.name,
						team=task.team,
						user=task.claimed_by,
					)
				)
	return found


def missed_seams(firings: Iterable[Mapping[str, str]]) -> list[Finding]:
	"""Firings of triggers that started nothing: failed, or queued far longer than a job takes."""
	return [
		Finding(
			MISSED_SEAM,
			"",
			f"Trigger {f['trigger']} fired for {f['reference_doctype']} {f['reference_name']} but no request was "
			+ (f"started: {f.get('error') or 'unknown error'}" if f["status"] == "Failed" else "started yet"),
			firing=f["name"],
		)
		for f in firings
	]
