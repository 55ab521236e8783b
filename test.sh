#!/usr/bin/env bash
# Runs every test of the solution and ends with one line: "N passed, N failed, N skipped".
# Tests that need real components (an sshfs mount, a memory cgroup) set them up themselves; the system
# packages they use are installed first by scripts/install-test-deps.sh when running as root.
set -uo pipefail
cd "$(dirname "$0")"

if [ -f scripts/install-test-deps.sh ]; then
  bash scripts/install-test-deps.sh || echo "test.sh: could not install the test dependencies; tests that need them will say what is missing" >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Checkpoints.slnx "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Each test project prints "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T, ..." (or "Failed!  - ...").
read -r passed failed skipped < <(
  sed -nE 's/^.*(Passed|Failed)! +- Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*$/\3 \2 \4/p' "$log" |
    awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}'
)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the test host failed before any test could report: count that as a failure.
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
