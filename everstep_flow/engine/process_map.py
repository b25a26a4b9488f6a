"""Draw a service as an SVG swimlane map: one lane per team, one box per step, arrows for dependencies.

Pure and deterministic (same definition, same bytes) so it can be cached, diffed and tested. Every piece of user text
is escaped. Styling is in attributes rather than a <style> block, because inline SVG styles leak into the host page.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from everstep_flow.engine.definition import ServiceDefinition
from everstep_flow.engine.graph import CycleError, dependency_map, levels, topological_order

LANE_LABEL_W = 150
BOX_W = 190
BOX_H = 54
GAP_X = 60
GAP_Y = 14
LANE_PAD = 16
MARGIN = 12
TITLE_CHARS = 26

# State -> (fill, stroke). Later issues pass task states to show a request's position on the map.
STATE_COLOURS: dict[str, tuple[str, str]] = {
	"": ("#ffffff", "#8d99a6"),
	"Queued": ("#fff8e6", "#e2a400"),
	"Awaiting Acceptance": ("#fff1e6", "#f0730f"),
	"Claimed": ("#eaf3ff", "#2490ef"),
	"In Progress": ("#eaf3ff", "#2490ef"),
	"Blocked": ("#fff0f0", "#e24c4c"),
	"Waiting on Customer": ("#f5efff", "#8a58d6"),
	"Done": ("#ebf9ee", "#29a745"),
	"Skipped": ("#f4f5f6", "#b8c2cc"),
	"Cancelled": ("#f4f5f6", "#b8c2cc"),
}
LANE_FILLS = ("#f8f9fa", "#ffffff")
# The measured map: a step's median wait (hours, up to) -> (fill, stroke, legend label).
WAIT_BANDS: tuple[tuple[float | None, str, str, str], ...] = (
	(1, "#ebf9ee", "#29a745", "under 1 h"),
	(8, "#fff8e6", "#e2a400", "1-8 h"),
	(24, "#fff1e6", "#f0730f", "8-24 h"),
	(None, "#fff0f0", "#e24c4c", "over 24 h"),
)
NO_DATA = ("#ffffff", "#b8c2cc", "no work done")
LEGEND_H = 34
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _clip(text: str, limit: int) -> str:
	text = " ".join(text.split())
	return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _fmt_minutes(minutes: int) -> str:
	if minutes <= 0:
		return ""
	days, rest = divmod(minutes, 60 * 24)
	hours, mins = divmod(rest, 60)
	parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
	return " ".join(p for p in parts if p)


def wait_band(hours: float | None) -> tuple[str, str, str]:
	if hours is None:
		return NO_DATA
	for limit, fill, stroke, label in WAIT_BANDS:
		if limit is None or hours < limit:
			return fill, stroke, label
	return NO_DATA  # unreachable: the last band has no limit


def _fmt_hours(hours: float) -> str:
	return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def render_svg(
	defn: ServiceDefinition,
	states: Mapping[str, str] | None = None,
	waits: Mapping[str, tuple[float | None, int]] | None = None,
	bounces: Mapping[tuple[str, str], float | None] | None = None,
	highlight: str = "",
) -> str:
	"""Return the map as a standalone SVG string. `states` (step key -> task state) colours the boxes.

	The measured map: `waits` (step key -> (median wait in hours, tasks measured)) colours each box by how long work
	waited there, with a legend; `bounces` ((from step, to step) -> percent returned) labels the handoff arrows."""
	states = states or {}
	measured = waits is not None
	waits = waits or {}
	bounces = bounces or {}
	title = escape(f"Process map: {defn.title or defn.name}", quote=True)
	if not defn.steps:
		return _empty(title, "This service has no steps yet")
	try:
		order = topological_order(defn)
		depth = levels(defn)
	except CycleError:
		return _empty(title, "The steps wait on each other in a cycle; fix the definition to see the map")

	lanes = list(dict.fromkeys(defn.step(k).team or "(no team)" for k in order))
	slot: dict[tuple[str, int], list[str]] = {}
	for key in order:
		slot.setdefault((defn.step(key).team or "(no team)", depth[key]), []).append(key)
	lane_rows = {lane: max(len(v) for (ln, _), v in slot.items() if ln == lane) for lane in lanes}

	lane_top: dict[str, int] = {}
	y = MARGIN
	for lane in lanes:
		lane_top[lane] = y
		y += LANE_PAD * 2 + lane_rows[lane] * BOX_H + (lane_rows[lane] - 1) * GAP_Y
	height = y + MARGIN + (LEGEND_H if measured else 0)
	columns = max(depth.values()) + 1
	width = MARGIN * 2 + LANE_LABEL_W + columns * BOX_W + columns * GAP_X
	if measured:
		width = max(width, 800)  # room for the legend

	pos: dict[str, tuple[int, int]] = {}
	for (lane, col), keys in slot.items():
		for i, key in enumerate(keys):
			x = MARGIN + LANE_LABEL_W + GAP_X // 2 + col * (BOX_W + GAP_X)
			pos[key] = (x, lane_top[lane] + LANE_PAD + i * (BOX_H + GAP_Y))

	out = [
		f'<svg xmlns="http://www.w3.org/2000/svg" class="esf-process-map" width="{width}" height="{height}" '
		f'viewBox="0 0 {width} {height}" role="img" aria-label="{title}" font-family="{escape(FONT)}">',
		f"<title>{title}</title>",
		"<defs>"
		'<marker id="esf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
		'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#687178"/></marker>'
		"</defs>",
	]
	for i, lane in enumerate(lanes):
		top = lane_top[lane]
		lane_h = LANE_PAD * 2 + lane_rows[lane] * BOX_H + (lane_rows[lane] - 1) * GAP_Y
		out.append(
			f'<g class="esf-lane" data-team="{escape(lane, quote=True)}">'
			f'<rect x="{MARGIN}" y="{top}" width="{width - 2 * MARGIN}" height="{lane_h}" '
			f'fill="{LANE_FILLS[i % 2]}" stroke="#d1d8dd"/>'
			f'<line x1="{MARGIN + LANE_LABEL_W}" y1="{top}" x2="{MARGIN + LANE_LABEL_W}" y2="{top + lane_h}" '
			'stroke="#d1d8dd"/>'
			f'<text x="{MARGIN + 10}" y="{top + lane_h // 2 + 5}" font-size="13" font-weight="600" '
			f'fill="#1f272e">{escape(_clip(lane, 18))}</text></g>'
		)

	deps = dependency_map(defn)
	for key in order:
		x2, y2 = pos[key]
		for dep in deps[key]:
			x1, y1 = pos[dep]
			sx, sy, ex, ey = x1 + BOX_W, y1 + BOX_H // 2, x2, y2 + BOX_H // 2
			mid = (sx + ex) // 2
			out.append(
				f'<path class="esf-edge" data-from="{escape(dep, quote=True)}" data-to="{escape(key, quote=True)}" '
				f'd="M {sx} {sy} C {mid} {sy}, {mid} {ey}, {ex - 2} {ey}" fill="none" stroke="#687178" '
				'stroke-width="1.5" marker-end="url(#esf-arrow)"/>'
			)
			rate = bounces.get((dep, key))
			if rate is not None:
				out.append(
					f'<text class="esf-bounce" x="{mid}" y="{(sy + ey) // 2 - 4}" font-size="10" text-anchor="middle" '
					f'fill="{"#e24c4c" if rate else "#687178"}">{escape(f"{rate:g}% back")}</text>'
				)

	for key in order:
		step = defn.step(key)
		x, y = pos[key]
		state = states.get(key, "")
		fill, stroke = STATE_COLOURS.get(state, STATE_COLOURS[""])
		if measured:
			median, count = waits.get(key, (None, 0))
			fill, stroke, _band = wait_band(median)
			state = f"waits {_fmt_hours(median)}, median of {count}" if median is not None else "no work done"
		meta = (
			" \u00b7 ".join(
				p
				for p in (
					state,
					f"target {_fmt_minutes(step.target_minutes)}"
					if step.target_minutes and not measured
					else "",
					"conditional" if step.condition.strip() and not measured else "",
				)
				if p
			)
			or key
		)
		out.append(
			f'<g class="esf-step{" esf-here" if key == highlight else ""}" data-step="{escape(key, quote=True)}" '
			f'data-state="{escape(state, quote=True)}">'
			f"<title>{escape(step.title)} ({escape(step.team)})</title>"
			f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" stroke="{stroke}" '
			f'stroke-width="{4 if key == highlight else 1.5}"/>'
			f'<text x="{x + 12}" y="{y + 22}" font-size="13" font-weight="600" fill="#1f272e">'
			f"{escape(_clip(step.title, TITLE_CHARS))}</text>"
			f'<text x="{x + 12}" y="{y + 41}" font-size="11" fill="#687178">{escape(_clip(meta, 32))}</text>'
			"</g>"
		)
	if measured:
		out.append(_legend(height - LEGEND_H, width))
	out.append("</svg>")
	return "".join(out)


def _legend(top: int, width: int) -> str:
	parts = [
		f'<g class="esf-legend"><text x="{MARGIN}" y="{top + 20}" font-size="11" fill="#687178">'
		"Median wait per step:</text>"
	]
	x = MARGIN + 130
	for fill, stroke, label in [(f, s, lab) for _limit, f, s, lab in WAIT_BANDS] + [NO_DATA]:
		parts.append(
			f'<rect x="{x}" y="{top + 9}" width="14" height="14" rx="3" fill="{fill}" stroke="{stroke}"/>'
			f'<text x="{x + 20}" y="{top + 20}" font-size="11" fill="#1f272e">{escape(label)}</text>'
		)
		x += 30 + 7 * len(label)
	parts.append(
		f'<text x="{x + 10}" y="{top + 20}" font-size="11" fill="#687178">arrows: share of handoffs returned</text>'
	)
	parts.append("</g>")
	return "".join(parts)


def _empty(title: str, message: str) -> str:
	return (
		f'<svg xmlns="http://www.w3.org/2000/svg" class="esf-process-map" width="420" height="60" '
		f'viewBox="0 0 420 60" role="img" aria-label="{title}" font-family="{escape(FONT)}">'
		f"<title>{title}</title>"
		'<rect x="1" y="1" width="418" height="58" rx="8" fill="#f8f9fa" stroke="#d1d8dd"/>'
		f'<text x="20" y="35" font-size="13" fill="#687178">{escape(message)}</text></svg>'
	)
