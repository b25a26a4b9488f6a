// Copyright (c) 2026, everstep_flow contributors
frappe.query_reports["Team Queue Aging"] = {
	filters: [{ fieldname: "team", label: __("Team"), fieldtype: "Link", options: "Flow Team" }],
};
