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

# Desk
# ----
extend_bootinfo = "everstep_flow.boot.boot_session"
app_include_js = "everstep_flow.bundle.js"
