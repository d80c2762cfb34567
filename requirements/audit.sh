#!/usr/bin/env bash
# Audit the locks (requirements/run.lock, requirements/test.lock) with pip-audit.
#
# Every pinned version is looked up in the vulnerability service (PyPI's advisories, or OSV
# with AUDIT_SERVICE=osv). A known vulnerability fails the audit (exit 1) and is listed with
# the versions that fix it. When the service cannot be reached, or knows none of the packages
# (a machine behind a mirror that has no advisory data), nothing could be audited: that is
# said, with a note, and the audit passes (exit 0): CI does not fail for want of a network.
# Then the lock's versions are checked by hand (docs/development.md, "Dependency audit").
#
# pip-audit comes from the test extra (.venv/bin/pip-audit), or $PIP_AUDIT.
set -uo pipefail
cd "$(dirname "$0")/.."

audit="${PIP_AUDIT:-.venv/bin/pip-audit}"
python="${AUDIT_PYTHON:-$(dirname "$audit")/python}"
service="${AUDIT_SERVICE:-pypi}"
if ! [ -x "$audit" ]; then
    echo "audit: pip-audit is not installed ($audit); it comes with the test extra (make install-test)."
    echo "audit: note: nothing was audited; see docs/development.md, \"Dependency audit\"."
    exit 0
fi
[ -x "$python" ] || python=python3

failed=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for lock in requirements/run.lock requirements/test.lock; do
    # --no-deps: a lock names every package already; --disable-pip: nothing is installed to audit it
    "$audit" --requirement "$lock" --no-deps --disable-pip --vulnerability-service "$service" \
        --format json --progress-spinner off --timeout 30 > "$work/report.json" 2> "$work/errors.txt"
    status=$?
    "$python" - "$lock" "$status" "$work/report.json" "$work/errors.txt" <<'PY'
import json
import sys

lock, status, report_path, errors_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
errors = open(errors_path, encoding="utf-8", errors="replace").read()
try:
    report = json.load(open(report_path, encoding="utf-8"))
except ValueError:
    report = None
if report is None:
    last = [line for line in errors.splitlines() if line.strip()][-1:] or ["no answer"]
    print(f"audit: {lock}: the vulnerability service could not be reached ({last[0].strip()[:160]})")
    print(f"audit: note: {lock} was not audited; its versions are checked by hand (docs/development.md)")
    sys.exit(0)
dependencies = report.get("dependencies", [])
audited = [d for d in dependencies if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"audit: {lock}: {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixed})")
if not audited:
    print(f"audit: {lock}: the vulnerability service knows none of its {len(dependencies)} packages "
          "(unreachable, or a mirror without advisories)")
    print(f"audit: note: {lock} was not audited; its versions are checked by hand (docs/development.md)")
    sys.exit(0)
skipped = len(dependencies) - len(audited)
print(f"audit: {lock}: {len(audited)} packages audited, {len(vulnerable)} with known vulnerabilities"
      + (f", {skipped} not known to the service" if skipped else ""))
sys.exit(1 if vulnerable else 0)
PY
    [ $? -eq 0 ] || failed=1
done
exit $failed
