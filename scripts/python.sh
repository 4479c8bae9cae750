#!/usr/bin/env bash
# Builds the Python module and runs its checks, in a venv of its own:
#   pip-installs maturin, pytest, mypy and jsonschema (pinned), `maturin develop` builds and
#   installs `afterresume` (pyo3's extension-module feature only here, from
#   pyproject), then pytest, mypy.stubtest on the native module, and the quick
#   start example. Called by scripts/test.sh; runs alone too (it reads the
#   AFTERRESUME_TEST_* variables that scripts/services.sh prints).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/services/py"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check maturin==1.16.0 pytest==9.2.0 mypy==2.4.1 jsonschema[format-nongpl]==4.25.1
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"
# The parity tests serve the API with the binary and compare it with Python.
cargo build -q -p afterresume-http --bin afterresume
export AFTERRESUME_BIN="$root/target/debug/afterresume"
cd "$root/afterresume-py"
maturin develop -q
cd "$root"
python -m pytest -q afterresume-py/tests
python -m mypy.stubtest afterresume._afterresume --ignore-missing-stub
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && python "$root/examples/python/quickstart.py")
