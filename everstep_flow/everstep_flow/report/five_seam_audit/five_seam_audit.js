// Copyright (c) 2026, everstep_flow contributors
frappe.query_reports["Five Seam Audit"] = {
	filters: [
		{ fieldname: "from_date", label: __("From"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -30), reqd: 1 },
		{ fieldname: "to_date", label: __("To"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "seam", label: __("Seam"), fieldtype: "Select", options: ["", "1", "2", "3", "4", "5"] },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "seam" && data) return `<span class="indicator-pill red">${value}</span>`;
		return value;
	},
};
