// Copyright (c) 2026, everstep_flow contributors
frappe.query_reports["SLA and OLA Compliance"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -30), reqd: 1 },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "periodicity", label: __("Period"), fieldtype: "Select", options: ["Weekly", "Monthly", "Whole Range"], default: "Weekly", reqd: 1 },
		{ fieldname: "service", label: __("Service"), fieldtype: "Link", options: "Flow Service" },
		{ fieldname: "team", label: __("Team"), fieldtype: "Link", options: "Flow Team" },
	],
	tree: true,
	initial_depth: 1,
};
