#!/usr/bin/env bash
# The web app's browser tests: the `afterresume` binary on a fresh SQLite
# folder, driven in Debian's headless Chromium (scripts/tools.sh installs it)
# by Playwright for Python (pinned, in a venv of its own; it uses the system
# Chromium and downloads no browser). Every page's screenshot is written to
# target/browser-screenshots/. Called by scripts/test.sh; runs alone too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/services/browser"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check playwright==1.65.3 pytest==9.2.0
cargo build -q -p afterresume-http --bin afterresume
export AFTERRESUME_BIN="$root/target/debug/afterresume"
export AFTERRESUME_SCREENSHOTS="$root/target/browser-screenshots"
rm -rf "$AFTERRESUME_SCREENSHOTS"
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/afterresume-http/tests/browser"
echo "browser: screenshots in $AFTERRESUME_SCREENSHOTS"
