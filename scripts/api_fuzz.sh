#!/usr/bin/env bash
# schemathesis against the served OpenAPI document, on the embedded SQLite
# default and on Postgres: every check, a fixed seed, a bounded number of cases
# per operation. Fails on any finding (a 5xx, an undocumented status, a
# schema-valid request rejected, ...), except the two the hooks file explains.
#
# Needs the `afterresume` binary built (cargo build -p afterresume-http) and, for
# the Postgres pass, AFTERRESUME_TEST_POSTGRES_URL (scripts/services.sh prints it).
# Env: API_FUZZ_EXAMPLES (cases per operation, default 40), API_FUZZ_SEED.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/services/schemathesis"
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
binary="$root/target/debug/afterresume"
[ -x "$binary" ] || cargo build -q -p afterresume-http --bin afterresume
examples="${API_FUZZ_EXAMPLES:-60}"
seed="${API_FUZZ_SEED:-20261206}"
: "${AFTERRESUME_TEST_POSTGRES_URL:?run scripts/services.sh up first; the Postgres pass needs it}"

server_pid=""
scratch="$(mktemp -d)"
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT

# fuzz NAME [VAR=VALUE...]: serves a fresh deployment and runs schemathesis on it.
fuzz() {
    local name="$1"
    shift
    local data="$scratch/$name"
    mkdir -p "$data"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local run=(env -u DATABASE_URL -u REDIS_URL -u SECRET_KEY AFTERRESUME_DATA_DIR="$data" RUST_LOG=warn "$@" "$binary")
    "${run[@]}" create-user --username fuzz --email fuzz@example.com --password fuzz-password --staff >/dev/null
    "${run[@]}" serve --bind "127.0.0.1:$port" --workers 1 >"$data/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/api/healthz/" >/dev/null && break
        sleep 0.1
    done
    local token
    token=$(curl -sf -XPOST "http://127.0.0.1:$port/api/auth/token/" -H 'Content-Type: application/json' \
        -d '{"username":"fuzz","password":"fuzz-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    echo "== schemathesis on $name (seed $seed, $examples cases per operation)"
    local status=0
    # The token route's DELETE would revoke the run's own credentials. ignored_auth is
    # off: every request carries the run's valid token, so a generated bad cookie
    # beside it is rightly ignored.
    # Run from the scratch folder: schemathesis keeps a cache in its working directory.
    # One worker: with two, hypothesis' lambda-source cache races between threads and
    # now and then fails an operation with "AST constructor recursion depth mismatch".
    (cd "$data" && SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$root/scripts/api_fuzz" \
        "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
        -H "Authorization: Token $token" --checks all --exclude-checks ignored_auth \
        --exclude-operation-id revoke_token \
        --seed "$seed" --max-examples "$examples" --workers 1 --no-color \
        --generation-database none --output-truncate true >"$data/schemathesis.log" 2>&1) || status=$?
    # The summary, and the findings without their (possibly huge) bodies.
    grep -E '^(_{3,} |- ST|    Invalid component|    Expected|\[[0-9]{3}\]|    `|    curl)' "$data/schemathesis.log" | cut -c1-300 || true
    sed -n '/= SUMMARY =/,$p' "$data/schemathesis.log"
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    if grep -q "panicked" "$data/server.log"; then
        echo "the server panicked during the $name run:" >&2
        cat "$data/server.log" >&2
        status=1
    fi
    return $status
}

schema="ar_fuzz_$$"
fuzz sqlite
fuzz postgres DATABASE_URL="$AFTERRESUME_TEST_POSTGRES_URL" AFTERRESUME_POSTGRES_SCHEMA="$schema"
psql "$AFTERRESUME_TEST_POSTGRES_URL" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
