// Copyright (c) 2026, everstep_flow contributors
frappe.query_reports["Leak Audit"] = {
	filters: [
		{
			fieldname: "kind",
			label: __("Leak"),
			fieldtype: "Select",
			options: ["", "Orphan", "Late handoff", "Waiting, no follow-up", "Stale follow-up", "Duplicate open request"],
		},
		{ fieldname: "team", label: __("Team"), fieldtype: "Link", options: "Flow Team" },
	],
};
