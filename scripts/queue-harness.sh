#!/usr/bin/env bash
# Runs hardbyte's portable Postgres-queue harness (vendored, MIT, in
# benches/harness/postgresql-job-queue-benchmarking) natively — no Docker — with
# AfterResume, awa, pg-boss and procrastinate: clean-phase throughput and latency,
# the five chaos scenarios, two pressure cells. Each system gets a fresh Postgres
# cluster the harness starts from this machine's binaries on port 15555.
#
#   scripts/queue-harness.sh [setup|clean|chaos|pressure|summary|all]...
#
# Summaries (each cell's summary.json, its run README and log) land in
# benches/results/queue-harness/<date>/ and summary prints the tables there.
# Settings (environment):
#   SYSTEMS           systems for the clean cells (default: all that built)
#   CHAOS_SYSTEMS     systems for chaos and pressure (default: afterresume awa)
#   CHAOS_SCENARIOS   which chaos scenarios (default: all five)
#   WORKERS           worker counts for the clean cells (default "32 128 256")
#   CLEAN_SECONDS     length of a clean cell's measured phase (default 120)
#   AWA_SRC           an awa checkout at the commit in awa-bench/../VENDORED_FROM
#                     (default: ../shared/bench/external/awa when present)
#   BENCH_PG_BIN      Postgres binaries (default: the newest /usr/lib/postgresql/*/bin)
#   BENCH_REDIS_URL   Redis for afterresume-redis (default redis://127.0.0.1:6379/0)
#   QUEUE_HARNESS_WORK  scratch directory (default target/queue-harness)
#   QUEUE_HARNESS_RESULTS  where the summaries go (default benches/results/queue-harness/<date>)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDORED="$ROOT/benches/harness/postgresql-job-queue-benchmarking"
WORK="${QUEUE_HARNESS_WORK:-$ROOT/target/queue-harness}"
HARNESS="$WORK/harness"
VENV="$WORK/venv"
RESULTS="${QUEUE_HARNESS_RESULTS:-$ROOT/benches/results/queue-harness/$(date -u +%Y-%m-%d)}"
AWA_SRC="${AWA_SRC:-$ROOT/../shared/bench/external/awa}"
WORKERS="${WORKERS:-32 128 256}"
CLEAN_SECONDS="${CLEAN_SECONDS:-120}"
CHAOS_SYSTEMS="${CHAOS_SYSTEMS:-afterresume awa}"
CHAOS_SCENARIOS="${CHAOS_SCENARIOS:-chaos_postgres_restart chaos_pg_backend_kill chaos_pool_exhaustion chaos_crash_recovery chaos_repeated_kills}"
export BENCH_REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}"
BENCH_PG_BIN="${BENCH_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

log() { echo "[queue-harness $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

python_for_venv() {
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    die "the harness needs Python 3.11 or newer"
}

setup() {
    [[ -x "$BENCH_PG_BIN/initdb" ]] || die "no initdb in BENCH_PG_BIN='$BENCH_PG_BIN'"
    mkdir -p "$WORK"
    log "harness copy in $HARNESS"
    rsync -a --delete --exclude /results/ --exclude node_modules/ "$VENDORED/" "$HARNESS/"
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "Python packages into $VENV"
        "$(python_for_venv)" -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q "psycopg[binary]==3.3.3" "psycopg-pool==3.3.3" \
        "matplotlib>=3.9" "pandas>=2.2" "numpy>=2.0" "pydantic>=2" "procrastinate==3.8.1"
    log "pg-boss adapter packages"
    (cd "$HARNESS/pgboss-bench" && npm ci --no-audit --no-fund --loglevel=error)
    log "AfterResume adapter"
    (cd "$ROOT" && cargo build --release -q -p afterresume-benches --bin harness-adapter)
    if [[ -f "$AWA_SRC/awa-model/Cargo.toml" ]]; then
        log "awa adapter from $AWA_SRC"
        ln -sfn "$(cd "$AWA_SRC" && pwd)" "$WORK/awa"
        (cd "$HARNESS/awa-bench" && CARGO_TARGET_DIR="$WORK/awa-target" SQLX_OFFLINE=true \
            cargo build --release -q)
    else
        log "no awa checkout at AWA_SRC='$AWA_SRC': awa is left out"
    fi
}

available_systems() {
    local systems="afterresume afterresume-redis pgboss procrastinate"
    [[ -x "$WORK/awa-target/release/awa-bench" ]] && systems="$systems awa"
    echo "$systems"
}

# Clears what the Redis variant keeps between runs of one database.
clear_redis() {
    "$VENV/bin/python" - "$BENCH_REDIS_URL" <<'EOF'
import socket, sys, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379))
def cmd(*parts):
    s.sendall(b"".join([f"*{len(parts)}\r\n".encode()] + [f"${len(p)}\r\n{p}\r\n".encode() for p in parts]))
    return s.recv(1 << 20)
db = (url.path or "/0").lstrip("/") or "0"
cmd("SELECT", db)
cmd("EVAL", "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0", "0", "afterresume:harness:*")
EOF
}

# run_cell <cell id> <timeout> <bench.py run arguments...>
run_cell() {
    local cell="$1" limit="$2"
    shift 2
    mkdir -p "$RESULTS/$cell" "$WORK/logs"
    local full_log="$WORK/logs/$cell.log"
    log "cell $cell: $*"
    clear_redis
    local started=$SECONDS rc=0
    (cd "$HARNESS" && timeout --signal=TERM --kill-after=30s "$limit" env \
        BENCH_NATIVE=1 BENCH_PG_BIN="$BENCH_PG_BIN" BENCH_PGDATA="$WORK/pg/data" \
        BENCH_PYTHON="$VENV/bin/python" BENCH_NODE="$(command -v node)" \
        AFTERRESUME_ADAPTER_BIN="$ROOT/target/release/harness-adapter" \
        CARGO_TARGET_DIR="$WORK/awa-target" \
        "$VENV/bin/python" bench.py run --skip-build --no-wait-events "$@") \
        >"$full_log" 2>&1 || rc=$?
    # The results keep the log's last lines, each cut short (some adapters log
    # whole SQL statements); the full log stays in the work directory.
    tail -n 120 "$full_log" | cut -c1-400 >"$RESULTS/$cell/log.txt"
    local run_dir
    run_dir=$(grep -oE "$HARNESS/results/[A-Za-z0-9_.-]+" "$full_log" | tail -1 || true)
    if [[ -n "$run_dir" && -f "$run_dir/summary.json" ]]; then
        cp "$run_dir/summary.json" "$run_dir/README.md" "$RESULTS/$cell/"
    fi
    printf '{"cell": "%s", "exit_code": %d, "seconds": %d, "run_dir": "%s"}\n' \
        "$cell" "$rc" "$((SECONDS - started))" "${run_dir##*/}" >"$RESULTS/$cell/cell.json"
    log "cell $cell: exit $rc after $((SECONDS - started)) s"
    # A timed-out cell can leave its adapters and cluster behind: stop them.
    pkill -f "$ROOT/target/release/harness-adapter" 2>/dev/null || true
    pkill -f "$WORK/awa-target/release/awa-bench" 2>/dev/null || true
    if [[ -f "$WORK/pg/data/postmaster.pid" ]]; then
        runuser -u postgres -- "$BENCH_PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK/pg"
}

clean() {
    local systems="${SYSTEMS:-$(available_systems)}"
    for workers in $WORKERS; do
        for system in $systems; do
            run_cell "clean_w${workers}_$system" 15m --systems "$system" \
                --producer-mode depth-target --target-depth 4000 --producer-rate 50000 \
                --worker-count "$workers" \
                --phase warmup=warmup:30s --phase "clean=clean:${CLEAN_SECONDS}s"
        done
    done
}

chaos() {
    for system in $CHAOS_SYSTEMS; do
        for scenario in $CHAOS_SCENARIOS; do
            case "$scenario" in
            # One replica at 600 jobs/s, two at 300 for the kills: the harness's sweep.
            chaos_crash_recovery | chaos_repeated_kills) rate=300 replicas=2 ;;
            *) rate=600 replicas=1 ;;
            esac
            run_cell "${scenario}_$system" 15m --systems "$system" --scenario "$scenario" \
                --producer-rate "$rate" --replicas "$replicas"
        done
    done
}

pressure() {
    for system in $CHAOS_SYSTEMS; do
        run_cell "idle_in_tx_$system" 15m --systems "$system" --worker-count 32 \
            --producer-mode fixed --producer-rate 800 \
            --phase warmup=warmup:30s --phase clean_1=clean:60s \
            --phase idle_1=idle-in-tx:180s --phase recovery_1=clean:120s
        run_cell "sustained_high_load_$system" 15m --systems "$system" --worker-count 32 \
            --producer-mode fixed --producer-rate 800 \
            --phase warmup=warmup:30s --phase clean_1=clean:60s \
            --phase pressure_1=high-load:180s --phase recovery_1=clean:120s
    done
}

summary() {
    "$VENV/bin/python" "$ROOT/benches/harness/summarize.py" "$RESULTS"
}

[[ $# -gt 0 ]] || set -- all
for step in "$@"; do
    case "$step" in
    setup) setup ;;
    clean) clean ;;
    chaos) chaos ;;
    pressure) pressure ;;
    summary) summary ;;
    all) setup && clean && chaos && pressure && summary ;;
    *) die "unknown step '$step' (setup, clean, chaos, pressure, summary, all)" ;;
    esac
done
