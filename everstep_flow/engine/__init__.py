"""The pure core of everstep_flow: plain data in, plain data out, no Frappe import anywhere below this package.

A contract test (tests/test_contract.py) fails if any module here imports frappe.
"""

from everstep_flow.engine.definition import (
	INTAKE_FIELDTYPES,
	IntakeField,
	ServiceDefinition,
	Step,
	fingerprint,
	from_snapshot,
	split_keys,
	split_lines,
	to_snapshot,
)
from everstep_flow.engine.graph import CycleError, find_cycle, levels, ready_steps, topological_order
from everstep_flow.engine.process_map import render_svg
from everstep_flow.engine.validation import DefinitionError, Problem, check, problems
