"""Requests: intake from every door, the moves of tasks and handoffs, the gate every move passes and the SLA clock.

Every action loads what it needs, asks the pure core for the whole plan (`engine.plans`) and applies it once
(`apply`). `intake` and `actions` are the entry points; `transitions` is the gate the controllers call; `progress`
derives the request's status and where it is now; `guard` refuses edits that bypass an action.
"""
