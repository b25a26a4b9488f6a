"""The Frappe side of running requests: loads documents, asks the core what to do, persists the result."""
