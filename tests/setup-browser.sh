#!/usr/bin/env bash
# Debian's chromium for the browser tests (no browser downloads: the package registry only).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
chromium --version
# axe-core for the accessibility checks, from the npm registry, afresh on every run.
cd "$(dirname "$0")/browser"
rm -rf node_modules
npm install --no-audit --no-fund --silent
test -f node_modules/axe-core/axe.min.js
