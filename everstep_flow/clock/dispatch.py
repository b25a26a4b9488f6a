"""Queues that dispatch themselves: a team's Assignment Rule claims its queued tasks for its members.

Frappe's Assignment Rule is the configuration (its rule, its users in order, its days, its condition); the engine
makes each dispatch a claim (requests.giving, one `claimed` event and the claimant's ToDo), skipping members who are
away, have left, or hold the team's limit of open tasks (engine.assignments.deal). Frappe's own application of a
rule on Flow Task is turned off (`FlowAssignmentRule`): it would assign a task nobody claimed, or someone away.

A team is dispatched after the moves that may give it work (a task queued, a handoff accepted, a member back) in a
job after commit, and by the sweep every 5 minutes. The job holds the rule's row for its run, so two workers never
deal the same turn twice; each task is claimed under its own lock, so a person's own claim at the same moment wins
and the dispatch moves on.
"""

from __future__ import annotations

import frappe
from frappe.automation.doctype.assignment_rule.assignment_rule import AssignmentRule
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count

from everstep_flow.base import door, ledger
from everstep_flow.engine import assignments as A
from everstep_flow.engine import states as S
from everstep_flow.requests.giving import give
from everstep_flow.visibility.orphans import available_members_of

TASK = "Flow Task"
# Events after which a team may have a task to dispatch, or a member free to take one.
WAKES = {"created", "accepted", "released", "completed", "cancelled", "withdrawn", "reassigned"}


class FlowAssignmentRule(AssignmentRule):
	"""Frappe's Assignment Rule, except that on Flow Task the engine applies it (clock.dispatch): Frappe's generic
	`apply` on every save finds it "not applicable today" and leaves the task to the team's dispatch."""

	def is_rule_not_applicable_today(self):
		if self.document_type == TASK:
			return True
		return super().is_rule_not_applicable_today()

	def validate(self):
		"""A rule a team dispatches with stays one it can deal with (edited here rather than on the team)."""
		super().validate()
		before = self.get_doc_before_save()
		if TASK not in (self.document_type, before and before.document_type):
			return  # no query for other apps' rules (Helpdesk saves one per HD Team)
		teams = frappe.get_all("Flow Team", filters={"assignment_rule": self.name}, pluck="name")
		if teams and (self.document_type != TASK or self.rule not in (A.ROUND_ROBIN, A.LOAD_BALANCING)):
			frappe.throw(
				frappe._(
					"Team {0} dispatches with this rule: it stays on Flow Task, Round Robin or Load Balancing "
					"(clear the team's Assignment Rule first)."
				).format(frappe.bold(", ".join(teams))),
				frappe.ValidationError,
			)


def check_rule(team) -> None:
	"""validate() of a Flow Team: its Assignment Rule is one on Flow Task that deals in turns or by load."""
	if not team.assignment_rule:
		return
	rule = frappe.db.get_value(
		"Assignment Rule", team.assignment_rule, ["document_type", "rule"], as_dict=True
	)
	if not rule or rule.document_type != TASK or rule.rule not in (A.ROUND_ROBIN, A.LOAD_BALANCING):
		frappe.throw(
			frappe._(
				"Assignment Rule {0}: a team dispatches with an Assignment Rule on Flow Task whose rule is "
				"Round Robin or Load Balancing."
			).format(frappe.bold(team.assignment_rule)),
			frappe.ValidationError,
			title=frappe._("Invalid dispatch"),
		)


def dispatching(team: str | None) -> str | None:
	"""The team's Assignment Rule, if it dispatches (a cached read: no query on a move)."""
	return frappe.get_cached_value("Flow Team", team, "assignment_rule") if team else None


def events_written(rows: list[dict]) -> None:
	"""Ledger listener: teams that may have work to dispatch now get a job after commit (no query)."""
	teams = sorted(
		{r["to_team"] for r in rows if r.get("event_type") in WAKES and dispatching(r.get("to_team"))}
	)
	if teams:
		enqueue(teams)


def enqueue(teams: list[str]) -> None:
	frappe.enqueue("everstep_flow.clock.dispatch.run", queue="short", teams=teams, enqueue_after_commit=True)


def run(teams: list[str] | None = None) -> dict[str, list[str]]:
	"""Job and sweep: dispatch each team (all dispatching teams when none are named), one transaction each."""
	if teams is None:
		teams = frappe.get_all(
			"Flow Team", filters={"assignment_rule": ("is", "set"), "disabled": 0}, pluck="name"
		)
	given = {}
	for team in teams:
		try:
			given[team] = dispatch(team)
			frappe.db.commit()  # nosemgrep: a job, one team at a time
		except Exception as e:
			frappe.db.rollback()
			if not (door.collided(e) or frappe.db.is_timedout(e)):
				raise
			given[team] = []  # another worker is dispatching this team: it deals these tasks
	return given


def dispatch(team: str) -> list[str]:
	"""Claim the team's queued tasks (oldest first) for its members by the team's rule; returns the tasks given."""
	rule_name = dispatching(team)
	if not rule_name or frappe.db.get_value("Flow Team", team, "disabled"):
		return []
	# The rule's row is the team's turn: held to the end of this transaction.
	found = frappe.db.get_value(
		"Assignment Rule",
		rule_name,
		["disabled", "document_type", "last_user"],
		as_dict=True,
		for_update=True,
	)
	if not found or found.disabled or found.document_type != TASK:
		return []
	rule: AssignmentRule = frappe.get_doc("Assignment Rule", rule_name)
	if AssignmentRule.is_rule_not_applicable_today(rule):
		return []  # Frappe's schedule: not one of the rule's days
	tasks = frappe.get_all(
		TASK,
		filters={
			"team": team,
			"status": S.QUEUED,
			"claimed_by": ("is", "not set"),
			"awaiting_handoff": ("is", "not set"),
		},
		fields=["*"],
		order_by="creation asc",
		limit=200,
	)
	tasks = [t for t in tasks if not rule.assign_condition or rule.safe_eval("assign_condition", t)]
	if not tasks:
		return []
	users = [row.user for row in rule.users]
	limit = frappe.db.get_value("Flow Team", team, "max_open_per_member") or 0
	turns = A.deal(
		rule.rule,
		users,
		frozenset(available_members_of(team)),
		len(tasks),
		last_user=found.last_user,
		loads=open_loads(users),
		limit=limit,
	)
	given, last = [], None
	for task, user in zip(tasks, turns, strict=True):
		if user is None:
			break
		frappe.db.savepoint("flow_dispatch")
		try:
			give(task.name, user, rule=rule_name, by_rule=True)
		except frappe.ValidationError:
			frappe.db.rollback(save_point="flow_dispatch")  # claimed by hand a moment ago: the next one
			frappe.clear_last_message()
			continue
		given.append(task.name)
		last = user
	ledger.flush()
	if last:
		frappe.db.set_value("Assignment Rule", rule_name, "last_user", last, update_modified=False)
	return given


def open_loads(users: list[str]) -> dict[str, int]:
	"""How many open tasks each user holds, in any team (one query)."""
	if not users:
		return {}
	task = DocType(TASK)
	return dict(
		frappe.qb.from_(task)
		.select(task.claimed_by, Count("*"))
		.where(task.claimed_by.isin(users) & task.status.isin(A.HOLDING))
		.groupby(task.claimed_by)
		.run()
	)
