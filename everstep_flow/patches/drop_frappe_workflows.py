"""0.6 stops using Frappe's Workflow for Flow Task and Flow Handoff (the desk's buttons are the app's own, computed
from the core's state machine): remove the Workflows, their Workflow Action rows (which listed other teams' tasks to
every agent) and the Workflow States and Actions nothing else uses."""

from everstep_flow.install import drop_legacy_workflows


def execute() -> None:
	drop_legacy_workflows()
