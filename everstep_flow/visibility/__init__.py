"""Visibility: who may read what (`permissions`, `reads`, `read_doors`), search, the task view, reports and their
measures, leaks (`orphans`) and the Five Seam Audit. Nothing here writes what the engine owns."""
