#!/usr/bin/env bash
# Resolve pyproject.toml's ranges afresh into requirements/run.lock and requirements/test.lock.
#
# Each lock is `pip freeze` of a new venv: the run lock of `pip install .`, the test lock of
# `pip install '.[test]'` constrained to the run lock, so both name the same version of every
# package they share. `make lock` runs this, then the whole suite on the new versions.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check)

header() {
    echo "# The exact versions $1 installs (requirements/install.sh), made by \`make lock\`"
    echo "# from the ranges in pyproject.toml with $("$work/venv/bin/python" -V) on $(uname -sm)."
}
"${pip[@]}" install --quiet .
{ header "make run"; "${pip[@]}" freeze --exclude red-soul-archive; } > "$work/run.lock"
"${pip[@]}" install --quiet --constraint "$work/run.lock" '.[test]'
{ header "make test and make check"; "${pip[@]}" freeze --exclude red-soul-archive; } > "$work/test.lock"
mv "$work/run.lock" "$work/test.lock" requirements/
rm -rf build ./*.egg-info
echo "requirements/run.lock: $(grep -vc '^#' requirements/run.lock) packages;" \
     "requirements/test.lock: $(grep -vc '^#' requirements/test.lock) packages"
