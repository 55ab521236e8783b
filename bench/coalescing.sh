#!/usr/bin/env bash
# How a selection's ranges should be read over the emulated network file system: read only the ranges, read the gaps
# between them too (--coalesce-gap), or read each shard as one stream from its first selected byte to its last
# (--read-whole-at 0%). Every run cold; the bytes the mount fetched (its proxy's counter) and ckpt's load time.
#
#   bench/coalescing.sh [--size 1GiB] [--shards 4] [--runs 3] [--rtt 2ms] [--out DIR] [--settle SECONDS] [--ckpt PATH]
#
# Selections (Llama-shaped BF16 checkpoint from ckpt synth, shared with the other benchmarks):
#   attention   --select '*.self_attn.*'   about a third of each layer, one range per layer
#   mlp         --select '*.mlp.*'         about two thirds of each layer, one range per layer
#   tp4         --tp-size 4 --tp-rank 1    a quarter of the column-parallel weights (one range each), the o/down
#                                          projections cut by columns: one small run per row, 6-16 KiB apart
# each read three ways: ranges (--coalesce-gap 0 --read-whole-at 100%), default (gaps up to 1 MiB read through, whole
# past 90%), stream (--read-whole-at 0%). Results: OUT/coalescing.json and OUT/COALESCING.md (default OUT: docs/).
# Needs root (page cache drops, FUSE mounts). Holds /tmp/ckpt-bench.lock while measuring.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
readonly BENCH_DIR REPO_ROOT COMMAND_LINE="bench/coalescing.sh $*"
readonly NETFS="$BENCH_DIR/netfs.sh"
readonly WORK="$BENCH_DIR/out"
readonly EXPORT=/dev/shm/ckpt-coalescing-export
readonly MOUNT="$WORK/mnt-coalescing"

log() { printf '[coalescing %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
# shellcheck source=bench/lib/options.sh
source "$BENCH_DIR/lib/options.sh"
# shellcheck source=bench/lib/cold.sh
source "$BENCH_DIR/lib/cold.sh"
# shellcheck source=bench/lib/checkpoint.sh
source "$BENCH_DIR/lib/checkpoint.sh"
# shellcheck source=bench/lib/processes.sh
source "$BENCH_DIR/lib/processes.sh"
# shellcheck source=bench/lib/lock.sh
source "$BENCH_DIR/lib/lock.sh"

size=1GiB shards=4 runs=3 rtt=2ms out_dir="$REPO_ROOT/docs" settle="" ckpt_path=""
while (($# > 0)); do
  case "$1" in
    --size) require_value "$@"; size="$2"; shift 2 ;;
    --shards) require_value "$@"; shards="$2"; shift 2 ;;
    --runs) require_value "$@"; runs="$2"; shift 2 ;;
    --rtt) require_value "$@"; rtt="$2"; shift 2 ;;
    --out) require_value "$@"; out_dir="$2"; shift 2 ;;
    --settle) require_value "$@"; settle="$2"; shift 2 ;;
    --ckpt) require_value "$@"; ckpt_path="$2"; shift 2 ;;
    -h | --help) print_usage 2 16; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
require_size --size "$size"
require_count --shards "$shards"
require_count --runs "$runs"
require_settle "$settle"
require_duration --rtt "$rtt"
require_root "it drops the page cache and mounts the emulated network file system"

NETFS_MOUNTS=()
STARTED_GROUPS=()
cleanup() {
  local status=$?
  stop_groups
  netfs_down_all
  rm -rf -- "$EXPORT"
  release_bench_lock
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "$ckpt_path" ]]; then
  CKPT="$(realpath -- "$ckpt_path")"
else
  bash "$REPO_ROOT/scripts/publish-ckpt.sh" >&2
  CKPT="$REPO_ROOT/artifacts/ckpt/ckpt"
fi
[[ -x "$CKPT" ]] || die "no ckpt at $CKPT"
choose_settle "$settle"
prepare_checkpoint "$CKPT" "$WORK/data" "$size" "$shards"
copy_checkpoint "$DATA_DIR" "$EXPORT"
netfs_up "$EXPORT" "$MOUNT" --rtt "$rtt"

declare -A SELECTIONS=(
  [attention]="--select *.self_attn.*"
  [mlp]="--select *.mlp.*"
  [tp4]="--tp-size 4 --tp-rank 1"
)
declare -A READS=(
  [ranges]="--coalesce-gap 0 --read-whole-at 100%"
  [default]=""
  [stream]="--read-whole-at 0%"
)
RESULTS="$(mktemp)"
take_bench_lock
for ((run = 1; run <= runs; run++)); do
  for selection in attention mlp tp4; do
    # The ways rotate from run to run, so none is always first after the drop.
    ways=(ranges default stream)
    ways=("${ways[@]:$(((run - 1) % 3))}" "${ways[@]:0:$(((run - 1) % 3))}")
    for way in "${ways[@]}"; do
      cold
      before="$("$NETFS" stats "$MOUNT")"
      # shellcheck disable=SC2086 # the flags are words on purpose
      "$CKPT" load "$MOUNT" --json ${SELECTIONS[$selection]} ${READS[$way]} >"$RESULTS.load" 2>"$RESULTS.err" ||
        die "ckpt load failed ($selection, $way): $(tail -n 3 "$RESULTS.err")"
      after="$("$NETFS" stats "$MOUNT")"
      jq -c --arg selection "$selection" --arg way "$way" --argjson run "$run" --argjson before "$before" --argjson after "$after" '{
          selection: $selection, way: $way, run: $run, seconds, cpuSeconds, bytes, digest,
          selected_bytes: .plan.selectedBytes, read_bytes: .plan.readBytes,
          read_ranges: ([.plan.shards[].readRanges] | add),
          fetched_bytes: ($after.bytesServerToClient - $before.bytesServerToClient)
        }' "$RESULTS.load" | tee -a "$RESULTS" >&2
    done
  done
done
release_bench_lock

mkdir -p -- "$out_dir"
jq -s --arg command "$COMMAND_LINE" --arg commit "$(commit_label)" --arg machine "$(machine_label)" --arg size "$size" \
  --arg rtt "$rtt" --argjson shards "$shards" --argjson checkpointBytes "$TOTAL_BYTES" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  {command: $command, commit: $commit, machine: $machine, size: $size, shards: $shards, rtt: $rtt, checkpoint_bytes: $checkpointBytes,
   cases: [group_by(.selection + "/" + .way)[] | {selection: .[0].selection, way: .[0].way, runs: length,
     seconds: (map(.seconds) | median), cpu_seconds: (map(.cpuSeconds) | median), fetched_bytes: (map(.fetched_bytes) | median),
     selected_bytes: .[0].selected_bytes, read_bytes: .[0].read_bytes, read_ranges: .[0].read_ranges, digests: (map(.digest) | unique)}],
   runs: .}' "$RESULTS" >"$out_dir/coalescing.json"
jq -r -f "$BENCH_DIR/coalescing-report.jq" "$out_dir/coalescing.json" >"$out_dir/COALESCING.md"
log "wrote $out_dir/COALESCING.md and $out_dir/coalescing.json"
rm -f -- "$RESULTS" "$RESULTS.load" "$RESULTS.err"
