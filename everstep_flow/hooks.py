app_name = "everstep_flow"
app_title = "Everstep Flow"
app_publisher = "everstep_flow contributors"
app_description = (
	"Service catalog, team queues, handoffs and SLAs for Frappe: work that never falls between teams"
)
app_email = "dev@everstep.invalid"
app_license = "mit"

# Installation
# ------------
after_install = "everstep_flow.install.after_install"
after_migrate = "everstep_flow.install.after_migrate"
# Helpdesk installed after us: the Flow Team's link to an HD Team (everstep_flow/hosts/helpdesk_teams.py)
after_app_install = "everstep_flow.install.after_app_install"
before_uninstall = "everstep_flow.install.before_uninstall"

# Desk
# ----
extend_bootinfo = "everstep_flow.boot.boot_session"
app_include_js = "everstep_flow.bundle.js"

# Frappe's apps screen: people who work requests land on the Flow workspace (with ERPNext beside it, Frappe opens the
# desk, whose default workspace is Flow for them: boot.py)
add_to_apps_screen = [
	{
		"name": "everstep_flow",
		"logo": "/assets/everstep_flow/images/everstep-flow-logo.svg",
		"title": "Flow",
		"route": "/app/flow",
		"has_permission": "everstep_flow.boot.has_app_permission",
	}
]
# Start a request from a client's form
doctype_js = {
	"Customer": "public/js/client_form.js",
	"HD Customer": "public/js/client_form.js",
	"CRM Organization": "public/js/client_form.js",
	"Contact": "public/js/client_form.js",
}

# A NUL character in an argument of our doors is a 417 naming it (PostgreSQL cannot store one)
before_request = ["everstep_flow.base.door.refuse_nul_arguments"]

# Permissions: one condition per doctype, shared by both hooks (everstep_flow/permissions.py)
# -----------
permission_query_conditions = {
	"Flow Request": "everstep_flow.visibility.permissions.request_query",
	"Flow Task": "everstep_flow.visibility.permissions.task_query",
	"Flow Handoff": "everstep_flow.visibility.permissions.handoff_query",
	"Flow Event": "everstep_flow.visibility.permissions.event_query",
	"Flow Follow Up": "everstep_flow.visibility.permissions.follow_up_query",
	"Flow Request Value": "everstep_flow.visibility.permissions.value_query",
}
# Frappe 15 doors that count or find rows without asking the hooks above: for our doctypes they answer over the
# rows the user may read (everstep_flow/read_doors.py); other doctypes get Frappe's own answer.
override_whitelisted_methods = {
	"frappe.client.get_count": "everstep_flow.visibility.read_doors.get_count",
	"frappe.client.get": "everstep_flow.visibility.read_doors.get",
	"frappe.desk.listview.get_group_by_count": "everstep_flow.visibility.read_doors.get_group_by_count",
	"frappe.desk.notifications.get_open_count": "everstep_flow.visibility.read_doors.get_open_count",
	"frappe.desk.form.load.getdoc": "everstep_flow.visibility.read_doors.getdoc",
	"frappe.desk.form.load.get_docinfo": "everstep_flow.visibility.read_doors.get_docinfo",
	"frappe.desk.form.load.get_communications": "everstep_flow.visibility.read_doors.get_communications",
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": "everstep_flow.visibility.read_doors.get_chart",
	# The sidebar's Assign To: on a Flow Task a claim (or a lead giving it to a member) through the engine
	"frappe.desk.form.assign_to.add": "everstep_flow.api.assign.add",
	"frappe.desk.form.assign_to.add_multiple": "everstep_flow.api.assign.add_multiple",
	"frappe.desk.form.assign_to.remove": "everstep_flow.api.assign.remove",
	"frappe.desk.form.assign_to.remove_multiple": "everstep_flow.api.assign.remove_multiple",
	"frappe.desk.form.assign_to.close": "everstep_flow.api.assign.close",
}
# A team's Assignment Rule on Flow Task is applied by the team's dispatch (clock.dispatch), not by Frappe's generic
# apply on every save
override_doctype_class = {"Assignment Rule": "everstep_flow.clock.dispatch.FlowAssignmentRule"}
has_permission = {
	"Flow Request": "everstep_flow.visibility.permissions.has_request_permission",
	"Flow Task": "everstep_flow.visibility.permissions.has_task_permission",
	"Flow Handoff": "everstep_flow.visibility.permissions.has_handoff_permission",
	"Flow Event": "everstep_flow.visibility.permissions.has_event_permission",
	"Flow Follow Up": "everstep_flow.visibility.permissions.has_follow_up_permission",
}

# Team owns, person borrows: work of someone who becomes unavailable goes back to the team
# -------------------------
doc_events = {
	"User": {"on_update": "everstep_flow.clock.absence.on_user_update"},
	# A task's assignments follow its claims: no ToDo on a Flow Task is made or moved but by the engine
	"ToDo": {
		"validate": "everstep_flow.requests.assignments.guard_todo",
		"on_trash": "everstep_flow.requests.assignments.guard_todo",
	},
	# A Flow Team may take its members from a Helpdesk team (one query when no Flow Team follows it)
	"HD Team": {
		"on_update": "everstep_flow.hosts.helpdesk_teams.on_hd_team_update",
		"on_trash": "everstep_flow.hosts.helpdesk_teams.on_hd_team_trash",
	},
	# Emails on a request's thread, and new emails to a service's intake account; a customer's reply on a Helpdesk
	# ticket resumes the step waiting on them
	"Communication": {
		"before_insert": "everstep_flow.requests.replies.before_communication",
		"after_insert": [
			"everstep_flow.requests.replies.on_communication",
			"everstep_flow.seams.ticket_flow.on_ticket_communication",
		],
	},
	# A ticket does not close while the work behind it is open (no query unless the save closes it)
	"HD Ticket": {"validate": "everstep_flow.seams.ticket_flow.on_ticket_validate"},
	# A follow-up's CRM Task marked Done or moved in Frappe CRM moves the follow-up (no query for other saves)
	"CRM Task": {"on_update": "everstep_flow.clients.follow_ups.on_crm_task_update"},
	# A call completed in Frappe CRM on a deal or lead joins its open request's timeline (on_update runs on insert
	# too; no query unless the save completes it or moves it to another deal or lead, one when it joins nothing)
	"CRM Call Log": {"on_update": "everstep_flow.clients.crm_calls.on_call_log_update"},
	# Seam 2: another app's document starts a service (Flow Trigger). Returns at once for a doctype with no enabled
	# trigger; on_change, not on_update, because ERPNext converts an Opportunity with db_set.
	"*": {"on_change": "everstep_flow.seams.triggers.on_change"},
}

# Who follows the ledger: the host document that started a request is told of its milestones (seams.host_posts)
everstep_flow_events_written = [
	"everstep_flow.seams.host_posts.events_written",
	"everstep_flow.clock.dispatch.events_written",  # a team that dispatches deals its new work (a job)
]

# The client's form lists its requests (Connections)
override_doctype_dashboards = {
	"Customer": "everstep_flow.hosts.dashboards.customer",
	"HD Customer": "everstep_flow.hosts.dashboards.customer",
	"CRM Organization": "everstep_flow.hosts.dashboards.customer",
	"Contact": "everstep_flow.hosts.dashboards.contact",
}

# Time: the sweep nudges and escalates late work every 5 minutes
# ----
scheduler_events = {
	"cron": {
		"*/5 * * * *": [
			"everstep_flow.clock.sweep.scheduled_sweep",
			"everstep_flow.visibility.day_tallies.scheduled_refresh",
		],
	},
}

# Portal
# ------
website_route_rules = [
	{"from_route": "/flow/new/<service>", "to_route": "flow/new"},
	{"from_route": "/flow/requests/<name>", "to_route": "flow/request"},
]
standard_portal_menu_items = [
	{"title": "Service Requests", "route": "/flow/requests", "reference_doctype": "Flow Request"},
	{"title": "Our Timeline", "route": "/flow/timeline", "reference_doctype": "Flow Request"},
]
