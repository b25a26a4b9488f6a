// Shared desk helpers of everstep_flow (loaded on every desk page through hooks.app_include_js).
frappe.provide("everstep_flow");

// Indicator colour of each task state, as the list, the tracker and the process map show them.
everstep_flow.TASK_COLOURS = {
	Queued: "yellow",
	Claimed: "blue",
	"In Progress": "blue",
	Blocked: "red",
	"Waiting on Customer": "purple",
	Done: "green",
	Skipped: "gray",
	Cancelled: "gray",
	"Not Started": "gray",
	"Awaiting Acceptance": "orange",
};
