"""The lowest layer of the shell: what every capability stands on.

`catalog` (a service's definition, cached), `ledger` (the Flow Event ledger, flushed once per action), `door`
(REST argument checks and the retry of colliding writes) and `fresh` (a Redis cache that never resurrects old
state). Imports only the pure core (`everstep_flow.engine`).
"""
