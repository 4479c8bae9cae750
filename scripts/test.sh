#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run calls this) and what developers run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format"
cargo fmt --all -- --check

echo "== clippy (-D warnings)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== each backend feature builds on its own"
for features in "" sqlite postgres redis s3; do
    cargo clippy -q -p afterresume-backends --no-default-features --features "$features" -- -D warnings
done

echo "== core depends on no backend or host"
forbidden='^(sqlx|fred|axum|pyo3|object_store|reqwest)( |$)'
if cargo tree -p afterresume-core -e normal --prefix none | grep -E "$forbidden"; then
    echo "afterresume-core must not depend on the crates listed above" >&2
    exit 1
fi

echo "== tools (poppler-utils for the PDF tests, Chromium for the browser tests)"
scripts/tools.sh

echo "== services (Postgres, Redis, S3, local LLM)"
services_env=$(scripts/services.sh up)
eval "$services_env"
trap 'scripts/services.sh clean; scripts/services.sh down' EXIT

echo "== tests"
# --show-output: the scale-out and crash tests print their figures (jobs, lost,
# duplicates, recovery seconds) even when they pass.
cargo test --workspace --all-features -- --show-output

echo "== API fuzzing (schemathesis on SQLite and Postgres, fixed seed)"
scripts/api_fuzz.sh

echo "== python module (maturin develop, pytest, stubtest, quick start)"
scripts/python.sh

echo "== web app in headless Chromium (Playwright, screenshots of every page)"
scripts/browser.sh
