#!/usr/bin/env bash
# run_all.sh — install the peers, start the services, run every peer's benchmark
# and AfterResume's (benches/src/bin/peer_bench.rs, same definitions)
# REPEATS times (round-robin, so machine noise is spread over all peers), print a
# min/median/max table and write the JSON results.
#
# Environment (all optional):
#   PEERS     peers to run, in order (default: all below)
#   REPEATS   runs per peer (default 3)
#   N         jobs for the enqueue and drain phases (default 20000)
#   RATE      jobs/s for the latency phase (default 200); LAT_SECONDS its length (default 10)
#   OUT       JSON results file (default results/peers-<UTC timestamp>.json)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
ALL="huey huey-thread huey-best celery celery-best bullmq bullmq-best graphile-worker graphile-worker-best pg-boss pg-boss-best apalis-redis apalis-postgres awa awa-best afterresume-memory afterresume-sqlite afterresume-postgres afterresume-postgres-redis afterresume-sqlite-redis"
ROOT="$(cd "$HERE/../.." && pwd)"
PEERS="${PEERS:-$ALL}"
REPEATS="${REPEATS:-3}"
N="${N:-20000}"
RATE="${RATE:-200}"
LAT_SECONDS="${LAT_SECONDS:-10}"
TS="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$HERE/results/peers-$TS.json}"
RAW="$HERE/results/raw-$TS"
mkdir -p "$RAW" "$(dirname "$OUT")"

need=()
for p in $PEERS; do
  case "$p" in
    huey*|celery) need+=(python) ;;
    bullmq*|graphile-worker*|pg-boss*) need+=(node) ;;
    apalis-*) need+=(python apalis) ;;
    awa*) need+=(python awa) ;;
    afterresume-*) need+=(python afterresume) ;;  # python: aggregate.py and compare.py
  esac
done
parts=$(printf '%s\n' "${need[@]}" | sort -u | grep -v '^afterresume$' || true)
[ -z "$parts" ] || ./install.sh $parts
if printf '%s\n' "${need[@]}" | grep -q '^afterresume$'; then
  (cd "$ROOT" && cargo build --release -q -p afterresume-benches --bin peer-bench)
fi

# start the services; stop at exit only those this run started
started_here=()
st="$(./services.sh status)"
grep -q "redis: up" <<<"$st" || started_here+=(redis)
grep -q "postgres: up" <<<"$st" || started_here+=(postgres)
./services.sh start
cleanup() { for s in "${started_here[@]}"; do ./services.sh stop "$s" || true; done; }
trap cleanup EXIT

PY="$HERE/.venv/bin/python"
run_peer() {  # peer run_index out_json
  local peer="$1" out="$3" common=(--n "$N" --rate "$RATE" --seconds "$LAT_SECONDS" --out "$3")
  case "$peer" in
    huey)            "$PY" py/bench_py.py huey --kind process "${common[@]}" ;;
    huey-thread)     "$PY" py/bench_py.py huey --kind thread "${common[@]}" ;;
    huey-best)       "$PY" py/bench_py.py huey --kind thread --workers 16 "${common[@]}" ;;
    celery)          "$PY" py/bench_py.py celery --kind process "${common[@]}" ;;
    celery-best)     "$PY" py/bench_py.py celery --kind process --prefetch 64 "${common[@]}" ;;
    bullmq*|graphile-worker*|pg-boss*) node node/bench_node.mjs "$peer" "${common[@]}" ;;
    apalis-redis)    "$PY" apalis/bench_apalis.py redis "${common[@]}" ;;
    apalis-postgres) "$PY" apalis/bench_apalis.py postgres "${common[@]}" ;;
    awa)             "$PY" awa/bench_awa.py "${common[@]}" ;;
    awa-best)        AWA_MAX_WORKERS=128 "$PY" awa/bench_awa.py --label awa-best "${common[@]}" ;;
    afterresume-*)   "$ROOT/target/release/peer-bench" --backend "${peer#afterresume-}" --n "$N" \
                       --rate "$RATE" --seconds "$LAT_SECONDS" --out-dir "$(dirname "$out")" --run "$2" ;;
    *) echo "unknown peer $peer" >&2; return 2 ;;
  esac
}

for r in $(seq 1 "$REPEATS"); do
  for peer in $PEERS; do
    echo "=== run $r/$REPEATS: $peer ($(date -u +%H:%M:%S))"
    f="$RAW/$peer-$r.json"
    if ! run_peer "$peer" "$r" "$f" > "$RAW/$peer-$r.log" 2>&1; then
      echo "    FAILED (see $RAW/$peer-$r.log)"
      printf '{"peer": "%s", "error": "failed, see %s"}\n' "$peer" "$RAW/$peer-$r.log" > "$f"
    fi
  done
done

"$PY" aggregate.py "$RAW" "$OUT"
"$PY" compare.py "$OUT"
