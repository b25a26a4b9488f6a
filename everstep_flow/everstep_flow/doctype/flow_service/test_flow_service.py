# Copyright (c) 2026, everstep_flow contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.base.catalog import get_definition
from everstep_flow.engine import ready_steps
from everstep_flow.tests.utils import make_team, new_service, step_row

ALPHA, BETA = "Test Alpha Team", "Test Beta Team"


class TestFlowService(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_team(ALPHA, "alpha.agent@example.com")
		make_team(BETA, "beta.agent@example.com")

	def test_valid_service_saves_and_runs_in_the_core(self):
		doc = new_service(
			"Test Parallel Service",
			[
				step_row("start", ALPHA),
				step_row("left", ALPHA, "start", target_duration=3600),
				step_row("right", BETA, "start"),
				step_row("join", BETA, "left, right"),
			],
		).insert()
		self.assertEqual(doc.version, 1)
		definition = get_definition(doc.name)
		self.assertEqual(definition.step("left").target_minutes, 60)
		self.assertEqual(ready_steps(definition, done={"start"}), ["left", "right"])
		self.assertEqual(ready_steps(definition, done={"start", "left"}, started={"right"}), [])

	def test_version_goes_up_only_when_the_definition_changes(self):
		doc = new_service("Test Versioned Service", [step_row("only", ALPHA)]).insert()
		self.assertEqual(doc.version, 1)
		doc.description = "Only words changed"
		doc.save()
		self.assertEqual(doc.version, 1)
		doc.append("steps", step_row("second", BETA, "only"))
		doc.save()
		self.assertEqual(doc.version, 2)
		doc.steps[1].depends_on = ""
		doc.save()
		self.assertEqual(doc.reload().version, 3)

	def test_invalid_definitions_are_refused_and_nothing_is_saved(self):
		select_field = {"fieldname": "size", "label": "Size", "fieldtype": "Select", "options": ""}
		cases = {
			"cycle": (
				[step_row("a", ALPHA, "b"), step_row("b", BETA, "a")],
				[],
				"cycle, so none of them could start: a → b → a",
			),
			"unknown dependency": (
				[step_row("a", ALPHA), step_row("b", BETA, "ghost")],
				[],
				"Step 'b' depends on 'ghost', which is not a step of this service",
			),
			"step without team": (
				[step_row("a", ALPHA), step_row("b", "", "a")],
				[],
				"Step 'b' has no team",
			),
			"duplicate key": (
				[step_row("a", ALPHA), step_row("a", BETA)],
				[],
				"Step key 'a' is used by more than one step",
			),
			"select without options": (
				[step_row("a", ALPHA)],
				[select_field],
				"Intake field 'size' is a Select but has no options",
			),
			"output not declared": (
				[step_row("a", ALPHA, required_outputs="serial_no")],
				[{"fieldname": "model", "label": "Model", "fieldtype": "Data"}],
				"Step 'a' requires output 'serial_no', which is not a declared field of this service",
			),
		}
		for case, (steps, fields, message) in cases.items():
			with self.subTest(case):
				title = f"Test Invalid {case}"
				with self.assertRaises(frappe.ValidationError) as raised:
					new_service(title, steps, fields).insert()
				self.assertIn(message, str(raised.exception))
				self.assertFalse(frappe.db.exists("Flow Service", title))
				self.assertFalse(frappe.db.exists("Flow Service Step", {"parent": title}))

	def test_a_failed_edit_leaves_the_saved_definition_unchanged(self):
		doc = new_service("Test Stable Service", [step_row("a", ALPHA), step_row("b", BETA, "a")]).insert()
		doc.steps[0].depends_on = "b"
		self.assertRaises(frappe.ValidationError, doc.save)
		saved = frappe.get_doc("Flow Service", doc.name)
		self.assertEqual([s.depends_on or "" for s in saved.steps], ["", "a"])
		self.assertEqual(saved.version, 1)

	def test_form_onload_carries_the_process_map(self):
		doc = new_service(
			"Test Mapped Service", [step_row("a", ALPHA), step_row("b", BETA, "a", title="B & <b>")]
		).insert()
		doc = frappe.get_doc("Flow Service", doc.name)
		doc.run_method("onload")
		svg = doc.get_onload().process_map
		self.assertTrue(svg.startswith("<svg"))
		self.assertIn('data-step="b"', svg)
		self.assertIn(f'data-team="{BETA}"', svg)
		# Frappe sanitizes the stored title; whatever it stored, the map shows it as text, never as markup.
		self.assertIn("&lt;b&gt;", svg)
		self.assertNotIn("<b>", svg)
