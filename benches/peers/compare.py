"""compare.py RESULTS_JSON — AfterResume against the best peer on each backend,
from one run_all.sh run (only ratios from one run count: the machine is noisy).

Per backend it prints AfterResume's median, the best peer's median (and which
peer), the ratio, and the issue's target for that figure."""
import json
import sys

results = json.load(open(sys.argv[1]))
peers = results["peers"]


def median(entry, metric):
    value = entry.get(metric)
    return value["median"] if isinstance(value, dict) else None


def best(backend, metric, lower_is_better=False):
    rows = [(median(e, metric), name) for name, e in peers.items()
            if not name.startswith("afterresume-") and e.get("backend") == backend
            and median(e, metric) is not None]
    if not rows:
        return None, None
    return (min if lower_is_better else max)(rows)


# (AfterResume row, peer backend to compare with, metric, lower is better, target)
CHECKS = [
    ("afterresume-memory", None, "drain_jobs_s", False, ">= 100000 jobs/s"),
    ("afterresume-memory", None, "latency_p99_ms", True, "<= 5 ms"),
    ("afterresume-sqlite", None, "drain_jobs_s", False, ">= 20000 jobs/s"),
    ("afterresume-sqlite", None, "latency_p99_ms", True, "<= 5 ms"),
    ("afterresume-postgres", "postgres", "drain_jobs_s", False, ">= 2x best peer"),
    ("afterresume-postgres", "postgres", "enqueue_bulk_jobs_s", False, ">= 2x best peer"),
    ("afterresume-postgres", "postgres", "latency_p99_ms", True, "<= best peer"),
    ("afterresume-postgres-redis", "redis", "drain_jobs_s", False, ">= 2x best peer"),
    ("afterresume-postgres-redis", "redis", "latency_p99_ms", True, "<= best peer"),
    ("afterresume-sqlite-redis", "redis", "drain_jobs_s", False, ">= 2x best peer"),
    ("afterresume-sqlite-redis", "redis", "latency_p99_ms", True, "<= best peer"),
]

print()
print("%-27s %-20s %12s %12s %-16s %8s  %s" % (
    "afterresume", "metric", "afterresume", "best peer", "(peer)", "ratio", "target"))
for row, backend, metric, lower, target in CHECKS:
    ours = median(peers.get(row, {}), metric)
    theirs, who = best(backend, metric, lower) if backend else (None, None)
    ratio = "-"
    if ours is not None and theirs:
        ratio = "%.2fx" % ((theirs / ours) if lower else (ours / theirs))
    fmt = (lambda v: "-" if v is None else ("%.2f" % v if lower else "%.0f" % v))
    print("%-27s %-20s %12s %12s %-16s %8s  %s" % (
        row, metric, fmt(ours), fmt(theirs), who or "-", ratio, target))
print("ratio: how many times better AfterResume is (for latency: best peer / ours)")
