import frappe
from frappe.tests.utils import FrappeTestCase

from everstep_flow.install import ROLES, ensure_roles


class TestInstall(FrappeTestCase):
	def test_roles_arrive_with_the_app(self):
		for role in ROLES:
			self.assertTrue(frappe.db.exists("Role", role), role)

	def test_ensure_roles_is_idempotent(self):
		before = frappe.db.count("Role")
		ensure_roles()
		ensure_roles()
		self.assertEqual(frappe.db.count("Role"), before)
