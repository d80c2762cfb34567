#!/usr/bin/env bash
# What the tests need from Debian, installed when missing: chromium for the browser tests (no
# browser downloads: the package registry only), espeak-ng and sox to speak the synthetic
# interview's transcript into its recording (examples/make_audio.py), postgresql for the tests
# that run on PostgreSQL.
set -euo pipefail
missing=()
for pair in chromium:chromium espeak-ng:espeak-ng sox:sox; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
# `setup-debian.sh packages` stops after the Debian packages (the fast lane, `make check`, needs
# espeak-ng and sox but not axe-core).
# PostgreSQL's server for the tests' throw-away clusters (tests/postgres_server.py): Debian keeps
# initdb and pg_ctl in /usr/lib/postgresql/<version>/bin, off the PATH
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ "${1:-}" = "packages" ] && exit 0
chromium --version 2>/dev/null | tail -1
# axe-core for the accessibility checks, from the npm registry, afresh on every run.
cd "$(dirname "$0")/browser"
rm -rf node_modules
npm install --no-audit --no-fund --silent
test -f node_modules/axe-core/axe.min.js
