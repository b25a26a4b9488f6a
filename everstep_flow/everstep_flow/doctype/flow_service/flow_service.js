// Copyright (c) 2026, everstep_flow contributors
// For license information, please see license.txt

frappe.ui.form.on("Flow Service", {
	refresh(frm) {
		const disabled = (frm.doc.__onload && frm.doc.__onload.disabled_teams) || [];
		if (disabled.length) {
			frm.dashboard.set_headline_alert(
				__("This service takes no new requests: team {0} is disabled.", [
					disabled.map((t) => frappe.utils.escape_html(t)).join(", "),
				]),
				"red"
			);
		}
		const wrapper = frm.get_field("process_map").$wrapper;
		// The SVG is rendered and escaped by the server (everstep_flow.engine.process_map) on load and after save.
		const svg = frm.doc.__onload && frm.doc.__onload.process_map;
		if (frm.is_new() || !svg) {
			wrapper.html(
				`<p class="text-muted small">${__("Save the service to see its process map.")}</p>`
			);
			return;
		}
		const measured = frm.doc.__onload.measured_map;
		wrapper.html(`
			<div class="esf-map-switch btn-group btn-group-sm" role="group" style="margin-bottom: var(--margin-sm);">
				<button class="btn btn-default btn-xs" data-map="plan">${__("The process")}</button>
				<button class="btn btn-default btn-xs" data-map="measured">${__("Measured: last 30 days")}</button>
			</div>
			<div class="esf-process-map-wrapper" style="overflow-x: auto;"></div>`);
		const show = (which) => {
			wrapper.find(".esf-process-map-wrapper").html(which === "measured" && measured ? measured : svg);
			wrapper.find("[data-map]").removeClass("active btn-primary");
			wrapper.find(`[data-map="${which}"]`).addClass("active btn-primary");
		};
		wrapper.find("[data-map]").on("click", (e) => show($(e.currentTarget).attr("data-map")));
		if (!measured) wrapper.find(".esf-map-switch").hide();
		show(measured ? "measured" : "plan");
	},
});
