// Copyright (c) 2026, everstep_flow contributors
// Open work per member (and still unclaimed in the queue), so a lead sees the load at a glance.

frappe.ui.form.on("Flow Team", {
	setup(frm) {
		// A team dispatches with an Assignment Rule on Flow Task (clock/dispatch.py)
		frm.set_query("assignment_rule", () => ({ filters: { document_type: "Flow Task" } }));
	},
	refresh(frm) {
		if (!frm.is_new() && !frm.doc.assignment_rule && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(
				__("Dispatch Rule"),
				() => {
					// A new Assignment Rule for this team, filled in: Round Robin over its members, every day
					frappe.model.with_doctype("Assignment Rule", () => {
						const rule = frappe.model.get_new_doc("Assignment Rule");
						rule.document_type = "Flow Task";
						rule.rule = "Round Robin";
						rule.description = __("Dispatch of team {0}", [frm.doc.name]);
						rule.assign_condition = `team == ${JSON.stringify(frm.doc.name)}`;
						for (const member of frm.doc.members || []) {
							frappe.model.add_child(rule, "users").user = member.user;
						}
						for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
							frappe.model.add_child(rule, "assignment_days").day = day;
						}
						frappe.set_route("Form", "Assignment Rule", rule.name);
					});
				},
				__("Create")
			);
		}
		if (!frm.is_new() && frm.doc.hd_team && frm.perm[0] && frm.perm[0].write) {
			// Changes an agent made to the Helpdesk team wait for a Flow Manager (hosts/helpdesk_teams.py)
			frm.add_custom_button(__("Sync with Helpdesk Team"), () =>
				frappe
					.call({
						method: "everstep_flow.api.team.sync_with_hd_team",
						args: { team: frm.doc.name },
						freeze: true,
						freeze_message: __("Taking in the Helpdesk team's people..."),
					})
					.then(() => frm.reload_doc())
			);
		}
		const load = (frm.doc.__onload || {}).load || [];
		const wrapper = frm.get_field("load_html").$wrapper;
		if (frm.is_new()) return wrapper.empty();
		if (!load.length) {
			return wrapper.html(`<p class="text-muted small">${__("No open work.")}</p>`);
		}
		const max = Math.max(...load.map((e) => e.total));
		const rows = load
			.map((e) => {
				const who = e.user ? frappe.utils.escape_html(e.user) : `<i>${__("Unclaimed (queue)")}</i>`;
				const states = Object.entries(e.by_status)
					.map(([s, n]) => `${frappe.utils.escape_html(__(s))}: ${n}`)
					.join(", ");
				const width = Math.round((100 * e.total) / max);
				return `<tr><td>${who}</td>
					<td style="width: 40%"><div style="background: var(--blue-100); width: ${width}%;
						padding: 2px 6px; border-radius: 4px;">${e.total}</div></td>
					<td class="text-muted small">${states}</td></tr>`;
			})
			.join("");
		wrapper.html(`<table class="table table-sm"><thead><tr><th>${__("Member")}</th>
			<th>${__("Open tasks")}</th><th>${__("By state")}</th></tr></thead><tbody>${rows}</tbody></table>`);
		frm.add_custom_button(__("Team Queue"), () =>
			frappe.set_route("List", "Flow Task", { team: frm.doc.name, status: ["not in", ["Done", "Skipped", "Cancelled"]] })
		);
	},
});
