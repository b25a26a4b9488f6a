"""Requests: intake from every door, the moves of tasks and handoffs, and the gate every move passes.

Every action loads what it needs, asks the pure core for the whole plan (`engine.plans`, `engine.moves`) and
applies it once (`apply`). `intake` and `actions` are the entry points; `transitions` is the gate the controllers
call; `progress` plans what a request does after a move made outside a task's save (an accepted handoff, an
absence); `guard` refuses edits that bypass an action; `replies` takes the customer's emails.
"""
