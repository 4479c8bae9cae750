#!/usr/bin/env bash
# Command-line tools the tests call, from Debian's packages, installed when
# missing: poppler-utils (pdftotext reads the text back out of rendered PDFs,
# pdftoppm renders their first pages to PNG for a person to look at), and
# chromium with chromium-driver (the web app's browser tests).
set -euo pipefail

missing=()
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "tools: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
