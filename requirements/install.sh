#!/usr/bin/env bash
# Bring .venv to requirements/LANE.lock (LANE: run or test) and the project, editable, without
# its dependencies; nothing to do when the lock and pyproject.toml are those of the last install.
#
# A stamp in .venv holds the hash of the lock and pyproject.toml it was installed from. The test
# lock holds every package of the run lock at the same version, so a venv installed for the
# tests also serves `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."

lane="$1"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

digest() { cat "requirements/$1.lock" requirements/tools.lock pyproject.toml | sha256sum | cut -d' ' -f1; }
installed() { [ -f "$venv/.installed-$1" ] && [ "$(cat "$venv/.installed-$1")" = "$(digest "$1")" ]; }

if installed "$lane" || { [ "$lane" = run ] && installed test; }; then
    exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
rm -f "$venv"/.installed-*
# uv (requirements/tools.lock), installed into the venv by pip, installs the lock: the lock names
# every package at its exact version, so there is nothing to resolve (--no-deps), and uv unpacks and
# compiles them far faster than pip does. -qq: errors only (a machine's pip configuration may warn).
"$venv/bin/python" -m pip --disable-pip-version-check -qq install -r requirements/tools.lock
uv=("$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps)
"${uv[@]}" --compile-bytecode -r "requirements/$lane.lock"
"${uv[@]}" --editable .
digest "$lane" > "$venv/.installed-$lane"
