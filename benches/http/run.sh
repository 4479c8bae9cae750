#!/usr/bin/env bash
# benches/http/run.sh — the HTTP host under load from a separate process (wrk).
#
#   1. embedded default (SQLite file, in-process queue and 2 workers, local artifact
#      folder): POST /api/worklogs/ (create worklog), GET /api/worklogs/ (list),
#      GET /api/jobs/{id}/ (job status); req/s and latency p50/p99 per route.
#   2. pages (embedded default, the demo account from `seed-demo`, logged in with a
#      session cookie): GET / (Today) and GET /ops/ (the staff dashboard).
#   3. Postgres with JOBS jobs and EVENTS events (default 1M and 10M, seeded with
#      generate_series into the bench's own schema): GET /system/overview/, the first
#      and a deep page of GET /system/jobs/ (keyset cursor), GET /api/jobs/ of one
#      user, and one job's events; latency p50/p99 with one connection.
#
# Prints a table and writes JSON (OUT, default benches/http/results/http-<UTC>.json).
# Needs: wrk (installed from Debian's packages when missing), Postgres (started the way
# scripts/services.sh starts it). Environment (all optional):
#   PHASES      "embedded pages postgres" (default) or some of them
#   SECONDS_PER load seconds per route (default 10); CONNECTIONS (default 32); THREADS (2)
#   JOBS EVENTS rows to seed in phase 2 (default 1000000 and 10000000)
#   POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test)
#   KEEP_SCHEMA=1 keep the seeded schema (ar_bench_http) and reuse it next time
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PHASES="${PHASES:-embedded pages postgres}"
SECONDS_PER="${SECONDS_PER:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
JOBS="${JOBS:-1000000}"
EVENTS="${EVENTS:-10000000}"
POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
SCHEMA=ar_bench_http
TS="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$HERE/results/http-$TS.json}"
WORK="$(mktemp -d)"
mkdir -p "$(dirname "$OUT")" "$WORK/raw"

log() { echo "http-bench: $*" >&2; }

if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 || {
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
    }
fi
(cd "$ROOT" && cargo build --release -q -p afterresume-http --bin afterresume)
BIN="$ROOT/target/release/afterresume"

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    if [ -z "${KEEP_SCHEMA:-}" ] && [[ " $PHASES " == *" postgres "* ]]; then
        psql -q "$POSTGRES_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server ARGS... — serve on a free port with the current environment; sets BASE.
start_server() {
    local port; port="$(free_port)"
    BASE="http://127.0.0.1:$port"
    "$BIN" serve --bind "127.0.0.1:$port" "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        curl -sf "$BASE/api/healthz/" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    log "the server did not come up:"; cat "$WORK/server.log" >&2; exit 1
}

token_for() {  # username password
    curl -sf -XPOST "$BASE/api/auth/token/" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# session_for USERNAME PASSWORD — the session cookie of a login (what a browser sends).
session_for() {
    curl -sf -o /dev/null -c - -XPOST "$BASE/api/auth/login/" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" | awk '$6 == "afterresume_session" {print $6 "=" $7}'
}

# load NAME CONNECTIONS URL [LUA] — one wrk run with AUTH (default: the token of
# TOKEN) as a header; its output is kept for the report.
load() {
    local name="$1" conns="$2" url="$3" script=() threads="$THREADS"
    [ -n "${4:-}" ] && script=(-s "$4")
    [ "$conns" -lt "$threads" ] && threads="$conns"
    log "$name: wrk -t$threads -c$conns -d${SECONDS_PER}s $url"
    wrk -t"$threads" -c"$conns" -d"${SECONDS_PER}s" --latency \
        -H "${AUTH:-Authorization: Token $TOKEN}" "${script[@]}" "$url" >"$WORK/raw/$name.txt"
}

export SECRET_KEY="http-bench-secret-key-0123456789abcdef" ALLOWED_HOSTS="127.0.0.1,localhost" RUST_LOG=warn

if [[ " $PHASES " == *" embedded "* ]]; then
    export AFTERRESUME_DATA_DIR="$WORK/data"
    unset DATABASE_URL REDIS_URL
    "$BIN" create-user --username bench --email bench@example.com --password bench-password >/dev/null
    start_server --workers 2
    TOKEN="$(token_for bench bench-password)"
    curl -sf -XPOST "$BASE/api/worklogs/" -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' \
        -d '{"content":"Moved billing to Postgres 15 on k8s","tags":["billing"]}' >/dev/null
    JOB_ID="$(curl -sf -XPOST "$BASE/api/worklogs/1/analyze/" -H "Authorization: Token $TOKEN" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')"
    load embedded.create_worklog "$CONNECTIONS" "$BASE/api/worklogs/" "$HERE/create_worklog.lua"
    load embedded.list_worklogs "$CONNECTIONS" "$BASE/api/worklogs/?limit=20"
    load embedded.job_status "$CONNECTIONS" "$BASE/api/jobs/$JOB_ID/"
    stop_server
    unset AFTERRESUME_DATA_DIR
fi

if [[ " $PHASES " == *" pages "* ]]; then
    export AFTERRESUME_DATA_DIR="$WORK/pages"
    unset DATABASE_URL REDIS_URL
    "$BIN" seed-demo >/dev/null
    "$BIN" create-admin --username admin --email admin@example.com --password admin-password >/dev/null
    start_server --workers 2
    for page in "demo demo-password pages.today /" "admin admin-password pages.ops_dashboard /ops/"; do
        read -r user password name path <<<"$page"
        AUTH="Cookie: $(session_for "$user" "$password")"
        # A lost session would measure the redirect to /login (wrk counts 3xx as success).
        status="$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE$path")"
        [ "$status" = 200 ] || { log "$path answered $status, not the page"; exit 1; }
        AUTH="$AUTH" load "$name" "$CONNECTIONS" "$BASE$path"
    done
    unset AUTH
    stop_server
    unset AFTERRESUME_DATA_DIR
fi

if [[ " $PHASES " == *" postgres "* ]]; then
    export DATABASE_URL="$POSTGRES_URL" AFTERRESUME_POSTGRES_SCHEMA="$SCHEMA" AFTERRESUME_DATA_DIR="$WORK/pgdata"
    seeded="$(psql -tAq "$POSTGRES_URL" -c "SELECT count(*) FROM $SCHEMA.jobs" 2>/dev/null || echo 0)"
    if [ "${seeded:-0}" -lt "$JOBS" ]; then
        psql -q "$POSTGRES_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null
        "$BIN" migrate >/dev/null
        "$BIN" create-user --username bench --email bench@example.com --password bench-password >/dev/null
        "$BIN" create-admin --username admin --email admin@example.com --password admin-password >/dev/null
        log "seeding $JOBS jobs and $EVENTS events into schema $SCHEMA"
        started=$(date +%s)
        psql -q -v ON_ERROR_STOP=1 "$POSTGRES_URL" \
            -v schema="$SCHEMA" -v jobs="$JOBS" -v per_job="$(( EVENTS / JOBS ))" -f "$HERE/seed.sql"
        log "seeded in $(( $(date +%s) - started ))s"
    else
        log "reusing the seeded schema $SCHEMA ($seeded jobs)"
    fi
    start_server --no-workers
    TOKEN="$(token_for admin admin-password)"
    page="$BASE/system/jobs/?limit=50"
    for _ in $(seq 1 200); do  # 200 pages in: 10,000 rows deep
        next="$(curl -sf "$page" -H "Authorization: Token $TOKEN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"] or "")')"
        [ -n "$next" ] || break
        case "$next" in http*) page="$next" ;; /*) page="$BASE$next" ;; *) page="$BASE/system/jobs/?limit=50&cursor=$next" ;; esac
    done
    SOME_JOB="$(psql -tAq "$POSTGRES_URL" -c "SELECT id FROM $SCHEMA.jobs ORDER BY created_at DESC LIMIT 1 OFFSET 5000")"
    load postgres.system_overview 1 "$BASE/system/overview/"
    load postgres.system_jobs_first_page 1 "$BASE/system/jobs/?limit=50"
    load postgres.system_jobs_page_200 1 "$page"
    load postgres.system_jobs_failed 1 "$BASE/system/jobs/?status=failed&limit=50"
    load postgres.system_job_events 1 "$BASE/system/jobs/$SOME_JOB/events/"
    TOKEN="$(token_for bench bench-password)"
    load postgres.user_jobs 1 "$BASE/api/jobs/?limit=50"
    stop_server
fi

python3 "$HERE/report.py" "$WORK/raw" "$OUT" "jobs=$JOBS events=$EVENTS connections=$CONNECTIONS threads=$THREADS seconds=$SECONDS_PER"
