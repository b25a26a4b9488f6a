"""Seams: documents of other apps that start work here (see SEAMS.md).

`triggers` fires a Flow Trigger when a document changes (one job per firing, after commit), `trigger_set` keeps the
enabled triggers in a cache that a stale reader cannot resurrect, `trigger_values` reads a document's fields for a
trigger's condition and subject. The host apps themselves are known to `everstep_flow.hosts`.
"""
