"""The three phases for a peer whose Rust binary enqueues and runs the workers
(apalis, awa). The binary takes `enqueue <n> <single|bulk> <phase> <enq_ns>
[batch]`, `paced <rate> <seconds> <phase>` and `worker`, each after the peer's
own leading arguments, and prints JSON on its last stdout line; enqueueing is
timed inside the binary, so process start-up is excluded."""
import json
import os
import subprocess
import time


def lock_version(cargo_lock, crate):
    for block in open(cargo_lock).read().split("[[package]]"):
        if 'name = "%s"\n' % crate in block:
            return block.split('version = "')[1].split('"')[0]


def drive(res, args, binary, lead, clean, logdir, common, drain_mode="bulk"):
    """Fills `res` with enqueue, drain and latency figures. `lead` are the
    arguments before the mode (apalis: its backend); `clean()` empties the queue;
    `drain_mode` is how the drain phase enqueues (`bulk` or `single`)."""

    def run(*a):
        out = subprocess.run([binary] + lead + [str(x) for x in a], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    # (a) enqueue throughput, no worker running
    clean()
    run("enqueue", 10, "single", 0, 0)  # migrations / warm-up, not timed
    clean()
    r = run("enqueue", args.n, "single", 0, 0)
    res["enqueue_single_jobs_s"] = round(args.n / r["seconds"], 1)
    clean()
    r = run("enqueue", args.n, "bulk", 0, 0, args.batch)
    res["enqueue_bulk_jobs_s"] = round(args.n / r["seconds"], 1)
    res["enqueue_bulk_batch"] = args.batch
    clean()

    # (b) drain with workers already running
    workers = [common.Workers([binary] + lead + ["worker"], os.path.join(logdir, "worker-%d.log" % i))
               for i in range(args.procs)]
    try:
        run("enqueue", 200, "single", 9, 0)
        got = common.wait_for(9, 200, 60)
        if got < 200:
            raise SystemExit("warm-up: only %d/200 jobs ran; see %s" % (got, logdir))
        e0 = time.time_ns()
        run("enqueue", args.n, drain_mode, 1, e0, args.batch)
        e1 = time.time_ns()
        deadline = time.monotonic() + 600
        while common.done_count(1) < args.n and time.monotonic() < deadline:
            if all(w.p.poll() is not None for w in workers):
                tail = open(os.path.join(logdir, "worker-0.log")).read().strip().splitlines()
                raise SystemExit("all workers exited during drain: %s" % (tail[1:2] or tail[-1:]))
            time.sleep(0.05)
        d = common.drain_stats(common.load(1), args.n)
        d.pop("drain_first_start_ns")
        res.update(d)
        res["drain_enqueue_mode"] = ("bulk (%d/call)" % args.batch if drain_mode == "bulk"
                                     else "single") + ", concurrent with draining"
        res["drain_enqueue_s"] = round((e1 - e0) / 1e9, 3)

        # (c) latency at a light steady rate
        if args.rate > 0 and args.seconds > 0:
            n = run("paced", args.rate, args.seconds, 2)["n"]
            common.wait_for(2, n, 120)
            res.update(common.latency_stats(common.load(2)))
            res["latency_rate_jobs_s"] = args.rate
            res["latency_seconds"] = args.seconds
    finally:
        for w in workers:
            w.stop(sig=2)
        clean()
