#!/usr/bin/env python3
"""Prints the tables of one scripts/queue-harness.sh run as Markdown.

Reads every cell directory under the run's results directory (the harness's
summary.json and the script's cell.json) and prints three tables: clean-phase
throughput and pickup latency per system, the chaos scenarios (jobs lost,
recovery time, exit code; recovered means the completion rate came back to 90% of
the baseline, the harness's own criterion) and the pressure cells (completed or not, completion
rate through the pressure and recovery phases).

    summarize.py benches/results/queue-harness/<date>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CHAOS = [
    "chaos_postgres_restart",
    "chaos_pg_backend_kill",
    "chaos_pool_exhaustion",
    "chaos_crash_recovery",
    "chaos_repeated_kills",
]
PRESSURE = ["idle_in_tx", "sustained_high_load"]


def load(cell: Path) -> tuple[dict, dict]:
    meta = json.loads((cell / "cell.json").read_text())
    summary_path = cell / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return meta, summary


def phases(summary: dict) -> dict:
    systems = summary.get("systems", {})
    return next(iter(systems.values()), {}).get("phases", {}) if systems else {}


def metric(phase: dict, name: str, stat: str = "median") -> float | None:
    value = phase.get("metrics", {}).get(name, {}).get(stat)
    return float(value) if value is not None else None


def fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def clean_table(cells: dict[str, Path]) -> list[str]:
    rows = [
        "| System | Workers | Completion jobs/s (median) | peak | claim p50 ms | p95 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    def workers_then_system(name: str) -> tuple[int, str]:
        _, workers, system = name.split("_", 2)
        return int(workers[1:]), system

    for name in sorted((c for c in cells if c.startswith("clean_w")), key=workers_then_system):
        meta, summary = load(cells[name])
        _, workers, system = name.split("_", 2)
        phase = phases(summary).get("clean", {})
        rows.append(
            f"| {system} | {workers[1:]} | {fmt(metric(phase, 'completion_rate'))} "
            f"| {fmt(metric(phase, 'completion_rate', 'peak'))} "
            f"| {fmt(metric(phase, 'claim_p50_ms'), 1)} | {fmt(metric(phase, 'claim_p95_ms'), 1)} "
            f"| {fmt(metric(phase, 'claim_p99_ms'), 1)} |"
            + ("" if meta["exit_code"] == 0 else f" exit {meta['exit_code']}")
        )
    return rows


def chaos_table(cells: dict[str, Path]) -> list[str]:
    rows = [
        "| System | Scenario | Exit | Jobs enqueued | Jobs completed | Jobs lost | Recovery s | Recovered |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for scenario in CHAOS:
        for name in sorted(c for c in cells if c.startswith(scenario + "_")):
            meta, summary = load(cells[name])
            system = name[len(scenario) + 1 :]
            recovery = phases(summary).get("recovery", {})
            lost = recovery.get("jobs_lost")
            seconds = recovery.get("chaos_recovery_time_s")
            # The harness's own criterion: completions came back to 90% of the
            # baseline. jobs_lost is its estimate (enqueued minus completed over the
            # chaos and recovery phases), shown beside it.
            recovered = meta["exit_code"] == 0 and seconds is not None
            rows.append(
                f"| {system} | {scenario.removeprefix('chaos_')} | {meta['exit_code']} "
                f"| {fmt(recovery.get('jobs_enqueued'))} | {fmt(recovery.get('jobs_completed'))} "
                f"| {fmt(lost)} | {fmt(seconds, 1)} | {'yes' if recovered else 'no'} |"
            )
    return rows


def pressure_table(cells: dict[str, Path]) -> list[str]:
    rows = [
        "| System | Cell | Exit | Seconds | Completion jobs/s clean · stress · recovery | claim p99 ms in stress |",
        "|---|---|---:|---:|---|---:|",
    ]
    for cell in PRESSURE:
        for name in sorted(c for c in cells if c.startswith(cell + "_")):
            meta, summary = load(cells[name])
            system = name[len(cell) + 1 :]
            by_label = phases(summary)
            stress = by_label.get("idle_1") or by_label.get("pressure_1") or {}
            rates = " · ".join(
                fmt(metric(p, "completion_rate"))
                for p in (by_label.get("clean_1", {}), stress, by_label.get("recovery_1", {}))
            )
            rows.append(
                f"| {system} | {cell} | {meta['exit_code']} | {meta['seconds']} | {rates} "
                f"| {fmt(metric(stress, 'claim_p99_ms'), 1)} |"
            )
    return rows


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    cells = {p.name: p for p in sorted(root.iterdir()) if (p / "cell.json").exists()}
    if not cells:
        print(f"no cells under {root}", file=sys.stderr)
        return 1
    for title, table in (
        ("Clean phase (depth-target 4,000)", clean_table(cells)),
        ("Chaos scenarios", chaos_table(cells)),
        ("Pressure cells", pressure_table(cells)),
    ):
        if len(table) > 2:
            print(f"\n### {title}\n")
            print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
