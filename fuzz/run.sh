#!/usr/bin/env bash
# Coverage-guided fuzzing of the safetensors Format layer with AFL++ and SharpFuzz.
# Usage: fuzz/run.sh [SECONDS] [memory|file|index]     (defaults: 600 seconds, memory)
# Installs afl++ (apt) and the sharpfuzz tool (local manifest) when missing, builds Release, instruments
# Checkpoints.dll, and fuzzes from fuzz/corpus/ (fuzz/corpus-index/ for index mode) into fuzz/findings/MODE/
# (resumed when it already exists).
set -euo pipefail

seconds="${1:-600}"
mode="${2:-memory}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$here/out"
findings="$here/findings/$mode"
corpus="$here/corpus"
if [ -d "$here/corpus-$mode" ]; then corpus="$here/corpus-$mode"; fi

if ! command -v afl-fuzz >/dev/null; then
  echo "Installing afl++ ..."
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq afl++; else sudo apt-get update -qq && sudo apt-get install -y -qq afl++; fi
fi

cd "$root"
dotnet tool restore >/dev/null

echo "Building Release into $out ..."
rm -rf "$out"
dotnet build fuzz/Checkpoints.Fuzz/Checkpoints.Fuzz.csproj -c Release -o "$out" -nologo -v quiet -clp:ErrorsOnly

echo "Instrumenting Checkpoints.dll ..."
dotnet sharpfuzz "$out/Checkpoints.dll"

mkdir -p "$findings"
echo "Fuzzing for $seconds s (mode: $mode); output in $findings ..."
# dotnet is not built with afl instrumentation (the instrumented IL reports coverage itself), so skip that check;
# the machine is shared, so do not pin a core; resume an earlier session's queue when there is one.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_AUTORESUME=1 AFL_NO_UI=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export DOTNET_TieredPGO=0
status=0
afl-fuzz -i "$corpus" -o "$findings" -x "$here/safetensors.dict" -t 5000 -m none -V "$seconds" \
  -- dotnet "$out/Checkpoints.Fuzz.dll" "$mode" >"$findings/afl-fuzz.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "afl-fuzz exited with $status; the end of its log:" >&2
  tail -n 30 "$findings/afl-fuzz.log" >&2
  exit "$status"
fi

stats="$findings/default/fuzzer_stats"
stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
echo
echo "run time        : $(stat run_time) s"
echo "executions      : $(stat execs_done) ($(stat execs_per_sec)/s)"
echo "corpus          : $(stat corpus_count) inputs ($(stat corpus_found) found by the fuzzer)"
echo "edges found     : $(stat edges_found) ($(stat bitmap_cvg) of the map)"
echo "crashes         : $(stat saved_crashes)"
echo "hangs           : $(stat saved_hangs)"
# Keep what the fuzzer found as regression inputs: tests/Checkpoints.Tests/Format/FuzzRegressionTests.cs replays every
# file of fuzz/regression/MODE/ in `dotnet test`. Named by content, so a rerun adds only new inputs.
regression="$here/regression/$mode"
mkdir -p "$regression"
before=$(find "$regression" -type f | wc -l)
for input in "$findings"/default/queue/id:*; do
  [ -f "$input" ] || continue
  cp "$input" "$regression/$(sha256sum "$input" | cut -c1-16)"
done
echo "regression inputs: $(find "$regression" -type f | wc -l) in $regression ($(( $(find "$regression" -type f | wc -l) - before )) new)"
crashes=$(find "$findings/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
if [ "$crashes" -gt 0 ]; then
  echo
  echo "Crashing inputs are in $findings/default/crashes; replay one with:"
  echo "  dotnet $out/Checkpoints.Fuzz.dll $mode < <crash file>"
fi
