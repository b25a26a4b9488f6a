"""Shim for tools that still look for setup.py; pyproject.toml (flit) is the real build definition."""

import re
from pathlib import Path

from setuptools import find_packages, setup

_init = Path(__file__).parent / "everstep_flow" / "__init__.py"
version = re.search(r'__version__ = "([^"]+)"', _init.read_text()).group(1)

setup(
	name="everstep_flow",
	version=version,
	description="Service catalog, team queues, handoffs and SLAs for Frappe",
	packages=find_packages(exclude=["tests", "tests.*"]),
	include_package_data=True,
	zip_safe=False,
)
