"""Worker processes for tests that need several (spawned: a fresh interpreter, as gunicorn and RQ workers are).

Only frappe is imported at the top: the app's modules need an initialised site, which each process makes first."""

import random
import time

import frappe


def churn(site: str, sites_path: str, worker: int, stop, failures, saves) -> None:
	"""Host saves in a loop, each its own transaction, clearing the trigger set now and then."""
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	from everstep_flow.seams import trigger_set
	from everstep_flow.tests.test_manager_writes import host_save

	try:
		n = 0
		while not stop.is_set() and n < 2000:
			n += 1
			try:
				host_save(f"churn {worker}.{n}")
				if random.random() < 0.3:
					frappe.cache.delete_value(trigger_set.CACHE_KEY)  # a clear-cache at any moment
				time.sleep(random.uniform(0, 0.02))
				frappe.db.commit()
				with saves.get_lock():
					saves.value += 1
			except Exception as e:
				frappe.db.rollback()
				failures.put(repr(e))
	finally:
		frappe.destroy()
