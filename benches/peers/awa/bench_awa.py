"""Benchmark driver for awa (Rust, Postgres).

usage: bench_awa.py [--n 20000] [--rate 200] [--seconds 10] [--procs 2]
                    [--batch 1000] [--out result.json]
Same phases as py/bench_py.py. The Rust binary (target/release/awa-peer-bench)
does the enqueueing (timed inside the binary, so process start-up is excluded)
and runs the workers; this script only orchestrates, waits and computes.
Worker settings: AWA_MAX_WORKERS (default 10 per process, like the other peers'
concurrency; the awa-best row uses 128, where awa peaks in the portable harness's
sweep), AWA_POLL_MS (50, what awa's own benchmark adapter uses).
"""
import argparse
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=20000)
ap.add_argument("--rate", type=float, default=200)
ap.add_argument("--seconds", type=float, default=10)
ap.add_argument("--procs", type=int, default=2)
ap.add_argument("--batch", type=int, default=1000)
ap.add_argument("--label", default="awa", help="the row's name (awa, awa-best)")
ap.add_argument("--out")
args = ap.parse_args()

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "py"))
rec = tempfile.mkdtemp(prefix="peers-rec-awa-")
os.environ["BENCH_REC_DIR"] = rec
import common  # noqa: E402
from rust_peer import drive, lock_version  # noqa: E402

BIN = os.path.join(HERE, "target", "release", "awa-peer-bench")


def clean():
    # Cancels the queue's waiting jobs through awa's admin API (`awa::admin::drain_queue`).
    subprocess.run([BIN, "clean"], check=True, capture_output=True)


res = {"peer": args.label, "label": args.label, "backend": "postgres",
       "version": "awa %s" % lock_version(os.path.join(HERE, "Cargo.lock"), "awa"),
       "n": args.n,
       "worker": "%d x process, QueueConfig { max_workers: %s, poll_interval: %s ms }" % (
           args.procs, os.environ.get("AWA_MAX_WORKERS", "10"), os.environ.get("AWA_POLL_MS", "50"))}
drive(res, args, BIN, [], clean, rec, common)
common.emit(res, args.out)
