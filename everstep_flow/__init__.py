__version__ = "0.15.0"

# The Frappe module every doctype, report and page of the app belongs to (modules.txt)
MODULE = "Everstep Flow"
