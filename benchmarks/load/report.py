"""Locust's `<prefix>_stats.csv` as the table issue 23 asks for: per action p50, p95, throughput, and p95 / baseline.

Each app action is compared with the Frappe ToDo action that does the same kind of work at the same concurrency in
the same run (a list with a list, a move with an update, an intake with an insert, a read with a get, a report or
search with the report view); the target is a p95 ratio of at most 1.5. A lost race ("flow:claim (lost)") is shown
as its own line, with its share of all attempts of the action. Standard library only: runs with any python3.

	python3 benchmarks/load/report.py /tmp/load/results/run_stats.csv [--markdown] [--target 1.5] [--json out]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

BASELINE_OF = {
	"flow:task_list": "baseline:todo_list",
	"flow:handoff_list": "baseline:todo_list",
	"flow:my_tasks": "baseline:todo_list",
	"flow:my_requests": "baseline:todo_list",
	"flow:claim": "baseline:todo_update",
	"flow:start": "baseline:todo_update",
	"flow:complete": "baseline:todo_update",
	"flow:block": "baseline:todo_update",
	"flow:unblock": "baseline:todo_update",
	"flow:release": "baseline:todo_update",
	"flow:resume": "baseline:todo_update",
	"flow:wait_on_customer": "baseline:todo_update",
	"flow:accept_handoff": "baseline:todo_update",
	"flow:return_handoff": "baseline:todo_update",
	"flow:portal_reply": "baseline:todo_update",
	"flow:portal_submit": "baseline:todo_insert",
	"trigger:note_insert": "baseline:todo_insert",
	"flow:task_view": "baseline:todo_get",
	"flow:progress": "baseline:todo_get",
	"flow:tracker_page": "baseline:todo_get",
}
READ_BASELINE = "baseline:todo_reportview"  # reports, search, timeline, cards, charts, the orphan check


def baseline_of(name: str) -> str | None:
	if name.startswith("baseline:"):
		return None
	action = name.removesuffix(" (lost)")
	return BASELINE_OF.get(action, READ_BASELINE)


def rows_of(path: Path) -> list[dict]:
	with open(path, newline="") as f:
		return [r for r in csv.DictReader(f) if r["Name"] != "Aggregated"]


def _num(value: str) -> float:
	try:
		return float(value)
	except (TypeError, ValueError):
		return 0.0


def table(rows: list[dict], target: float) -> list[dict]:
	by_name = {r["Name"]: r for r in rows}
	attempts: dict[str, float] = {}
	for r in rows:
		action = r["Name"].removesuffix(" (lost)")
		attempts[action] = attempts.get(action, 0) + _num(r["Request Count"])
	out = []
	for r in sorted(rows, key=lambda r: (r["Name"].startswith("baseline:"), r["Name"])):
		name = r["Name"]
		base = baseline_of(name)
		p95 = _num(r["95%"])
		base_p95 = _num(by_name[base]["95%"]) if base in by_name else 0
		ratio = p95 / base_p95 if base_p95 else None
		count = _num(r["Request Count"])
		lost = name.endswith(" (lost)")
		out.append(
			{
				"action": name,
				"requests": int(count),
				"failures": int(_num(r["Failure Count"])),
				"p50_ms": _num(r["50%"]),
				"p95_ms": p95,
				"per_s": _num(r["Requests/s"]),
				"baseline": base or "",
				"baseline_p95_ms": base_p95,
				"ratio": ratio,
				"share": count / attempts[name.removesuffix(" (lost)")] if lost else None,
				"within": None if ratio is None or lost else ratio <= target,
			}
		)
	return out


def totals(rows: list[dict]) -> dict:
	flow = [r for r in rows if not r["Name"].startswith("baseline:")]
	base = [r for r in rows if r["Name"].startswith("baseline:")]
	return {
		"flow_per_s": sum(_num(r["Requests/s"]) for r in flow),
		"baseline_per_s": sum(_num(r["Requests/s"]) for r in base),
		"flow_failures": int(sum(_num(r["Failure Count"]) for r in flow)),
		"baseline_failures": int(sum(_num(r["Failure Count"]) for r in base)),
	}


def render(lines: list[dict], sums: dict, target: float, markdown: bool) -> str:
	head = ["action", "requests", "fail", "p50 ms", "p95 ms", "req/s", "baseline", "base p95", "p95 ratio"]
	body = []
	for r in lines:
		if r["share"] is not None:
			ratio = f"({r['share']:.0%} of attempts)"
		elif r["ratio"] is None:
			ratio = ""
		else:
			ratio = f"{r['ratio']:.2f}" + ("" if r["within"] else f" > {target}")
		body.append(
			[
				r["action"],
				str(r["requests"]),
				str(r["failures"]),
				f"{r['p50_ms']:.0f}",
				f"{r['p95_ms']:.0f}",
				f"{r['per_s']:.2f}",
				r["baseline"].removeprefix("baseline:"),
				f"{r['baseline_p95_ms']:.0f}" if r["baseline"] else "",
				ratio,
			]
		)
	over = [r["action"] for r in lines if r["within"] is False]
	foot = (
		f"throughput: app {sums['flow_per_s']:.1f} actions/s, baseline {sums['baseline_per_s']:.1f} actions/s; "
		f"failures: app {sums['flow_failures']}, baseline {sums['baseline_failures']}; "
		f"p95 ratio > {target}: {len(over)} action(s)" + (f" ({', '.join(over)})" if over else "")
	)
	if markdown:
		out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
		out += ["| " + " | ".join(row) + " |" for row in body]
		return "\n".join(out) + "\n\n" + foot
	widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
	fmt = "  ".join(f"{{:<{w}}}" if i in (0, 6) else f"{{:>{w}}}" for i, w in enumerate(widths))
	return "\n".join([fmt.format(*head), *(fmt.format(*row) for row in body), "", foot])


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("stats", type=Path, help="Locust's <prefix>_stats.csv")
	parser.add_argument("--markdown", action="store_true")
	parser.add_argument("--target", type=float, default=1.5)
	parser.add_argument("--json", type=Path)
	a = parser.parse_args()
	rows = rows_of(a.stats)
	lines, sums = table(rows, a.target), totals(rows)
	print(render(lines, sums, a.target, a.markdown))
	if a.json:
		a.json.write_text(json.dumps({"actions": lines, **sums}, indent=1))
	return 0


if __name__ == "__main__":
	sys.exit(main())
