"""The measured process map of a service: how long work waited at each step and how often each handoff came back,
over the last 30 days. Two reads bounded by the period (indexes: completed_on, sent_on); the core draws."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from everstep_flow.engine import states as S
from everstep_flow.engine.reports import TaskFact, percentile, rounded, share, waiting_hours

DAYS = 30


def step_waits(service: str, now=None) -> dict[str, tuple[float | None, int]]:
	"""Step key -> (median hours from ready to taken, tasks measured) for tasks of `service` done lately."""
	since = (now or now_datetime()) - timedelta(days=DAYS)
	task = DocType("Flow Task")
	rows = (
		frappe.qb.from_(task)
		.select(task.step_key, task.ready_on, task.claimed_on, task.started_on)
		.where((task.completed_on >= since) & (task.service == service) & (task.status == S.DONE))
		.run()
	)
	hours: dict[str, list[float]] = {}
	for step, ready_on, claimed_on, started_on in rows:
		waited = waiting_hours(TaskFact(service, step, ready_on, claimed_on, started_on))
		if waited is not None:
			hours.setdefault(step, []).append(waited)
	return {step: (rounded(percentile(values, 0.5), 1), len(values)) for step, values in hours.items()}


def edge_bounces(service: str, now=None) -> dict[tuple[str, str], float | None]:
	"""(from step, to step) -> percent of its decided handoffs that were returned, lately."""
	since = (now or now_datetime()) - timedelta(days=DAYS)
	handoff, source, target = (
		DocType("Flow Handoff"),
		DocType("Flow Task").as_("source"),
		DocType("Flow Task").as_("target"),
	)
	rows = (
		frappe.qb.from_(handoff)
		.join(source)
		.on(source.name == handoff.from_task)
		.join(target)
		.on(target.name == handoff.to_task)
		.select(source.step_key, target.step_key, handoff.status)
		.where(
			(handoff.sent_on >= since)
			& (target.service == service)
			& handoff.status.isin((S.ACCEPTED, S.RETURNED))
		)
		.run()
	)
	counts: dict[tuple[str, str], list[int]] = {}
	for source_step, target_step, status in rows:
		entry = counts.setdefault((source_step, target_step), [0, 0])
		entry[0 if status == S.ACCEPTED else 1] += 1
	return {edge: share(returned, accepted + returned) for edge, (accepted, returned) in counts.items()}
