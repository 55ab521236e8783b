#!/usr/bin/env bash
# ckpt beside a server: how soon a stand-in inference server has every weight in memory, cold, over the emulated
# network file system, in three set-ups run side by side:
#
#   bench/server.sh [--size 4GiB] [--shards 4] [--runs 3] [--rtt 2ms] [--init SECONDS|auto] [--out DIR] [--settle S]
#
#   alone     the server alone: INIT seconds of start-up, then every tensor through mmap (bench/server/stand-in-server.py)
#   prefetch  `ckpt prefetch MOUNT` first, then the server
#   exec      `ckpt exec MOUNT -- server`: the prefetch runs while the server starts
#
# Each is timed from the moment the set-up is launched to the server's "every weight loaded" timestamp. --init auto
# (the default) sets INIT to the median time of three cold `ckpt prefetch` runs, as the issue's comparison asks (INIT
# about equal to the prefetch time). Runs are interleaved and every run starts cold (client page cache dropped).
# Results: OUT/server-benchmarks.json and OUT/SERVER-BENCHMARKS.md (default OUT: docs/). Needs root.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
readonly BENCH_DIR REPO_ROOT COMMAND_LINE="bench/server.sh $*"
readonly NETFS="$BENCH_DIR/netfs.sh"
readonly WORK="$BENCH_DIR/out"
readonly CKPT="$WORK/ckpt/ckpt"
readonly SERVER="$BENCH_DIR/server/stand-in-server.py"
readonly MOUNTPOINT="$WORK/mnt-server"
readonly SHM_EXPORT=/dev/shm/ckpt-server-export
readonly PACKAGES=(sshfs socat openssh-sftp-server fuse3 time jq python3)
readonly SETUPS=(alone prefetch exec)

log() { printf '[server-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
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

size=4GiB shards=4 runs=3 rtt=2ms init=auto out_dir="$REPO_ROOT/docs" settle=""
while (($# > 0)); do
  case "$1" in
    --size) require_value "$@"; size="$2"; shift 2 ;;
    --shards) require_value "$@"; shards="$2"; shift 2 ;;
    --runs) require_value "$@"; runs="$2"; shift 2 ;;
    --rtt) require_value "$@"; rtt="$2"; shift 2 ;;
    --init) require_value "$@"; init="$2"; shift 2 ;;
    --out) require_value "$@"; out_dir="$2"; shift 2 ;;
    --settle) require_value "$@"; settle="$2"; shift 2 ;;
    -h | --help) print_usage 2 17; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
require_size --size "$size"
require_count --runs "$runs"
require_count --shards "$shards"
[[ "$init" == auto || "$init" =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_error "--init takes seconds or auto, not '$init'"
require_settle "$settle"
require_root "page cache drops, FUSE mounts"

current_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$current_pid"
  netfs_down_all
  rm -rf -- "$SHM_EXPORT"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

prepare() {
  bash "$REPO_ROOT/scripts/ensure-packages.sh" "${PACKAGES[@]}"
  log "publishing ckpt (Release) and building the latency proxy"
  dotnet publish "$REPO_ROOT/src/Checkpoints.Cli" -c Release -o "$WORK/ckpt" -nologo -v quiet >&2
  dotnet build -c Release -nologo -v quiet "$BENCH_DIR/Checkpoints.NetEmu/Checkpoints.NetEmu.csproj" >&2
  # The same folder and stamp as bench/run.sh and bench/torchsharp.sh.
  prepare_checkpoint "$CKPT" "$WORK/data" "$size" "$shards"
  copy_checkpoint "$DATA_DIR" "$SHM_EXPORT"
  netfs_up "$SHM_EXPORT" "$MOUNTPOINT" --rtt "$rtt"
}

# Runs a command in the background (so an interrupt can end it) and waits for it; its standard output goes to $1.
run_to() {
  local output="$1"
  shift
  "$@" >"$output" 2>>"$WORK/server-bench.stderr" &
  current_pid=$!
  local status=0
  wait "$current_pid" || status=$?
  current_pid=""
  return "$status"
}

# Seconds from the launch of a set-up to the server's "loaded" timestamp, as one JSON line with the details.
measure() {
  local setup="$1" run="$2" output launched status=0
  output="$(mktemp)"
  cold
  launched="$(date +%s.%N)"
  case "$setup" in
    alone) run_to "$output" python3 "$SERVER" "$MOUNTPOINT" "$INIT" || status=$? ;;
    prefetch) run_to "$output" bash -c '"$1" prefetch "$2" >&2 && exec python3 "$3" "$2" "$4"' prefetch \
      "$CKPT" "$MOUNTPOINT" "$SERVER" "$INIT" || status=$? ;;
    exec) run_to "$output" "$CKPT" exec "$MOUNTPOINT" -- python3 "$SERVER" "$MOUNTPOINT" "$INIT" || status=$? ;;
  esac
  ((status == 0)) || die "$setup failed in run $run (exit $status); see $WORK/server-bench.stderr"
  # The server's last line is its JSON; ckpt writes only to standard error.
  tail -n1 -- "$output" | jq -c --arg setup "$setup" --argjson run "$run" --argjson launched "$launched" --argjson init "$INIT" \
    '{setup: $setup, run: $run, init_seconds: $init, bytes,
      loaded_seconds: (.loaded - $launched), server_read_seconds: (.loaded - .reading)}'
  rm -f -- "$output"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

main() {
  prepare
  choose_settle "$settle"
  : >"$WORK/server-bench.stderr"
  if [[ "$init" == auto ]]; then
    local times=() i start
    for i in 1 2 3; do
      cold
      start="$(date +%s.%N)"
      "$CKPT" prefetch "$MOUNTPOINT" >/dev/null 2>>"$WORK/server-bench.stderr"
      times+=("$(awk -v end="$(date +%s.%N)" -v start="$start" 'BEGIN { printf "%.2f", end - start }')")
    done
    INIT="$(printf '%s\n' "${times[@]}" | median)"
    log "INIT = the median cold prefetch time: $INIT s (${times[*]})"
  else
    INIT="$init"
  fi
  local runs_file run setup order
  runs_file="$(mktemp)"
  for ((run = 1; run <= runs; run++)); do
    order=("${SETUPS[@]}")
    # Rotated from run to run: no set-up always follows the same one.
    for ((i = 0; i < (run - 1) % ${#SETUPS[@]}; i++)); do order=("${order[@]:1}" "${order[0]}"); done
    for setup in "${order[@]}"; do
      log "run $run/$runs: $setup"
      measure "$setup" "$run" | tee -a "$runs_file" | jq -r '"  every weight loaded after \(.loaded_seconds * 100 | round / 100) s"' >&2
    done
  done
  mkdir -p "$out_dir"
  jq -s --arg command "$COMMAND_LINE" --arg size "$size" --argjson shards "$shards" --arg rtt "$rtt" \
    --arg commit "$(commit_label)" --arg machine "$(machine_label)" \
    -f "$BENCH_DIR/server/summary.jq" "$runs_file" >"$out_dir/server-benchmarks.json"
  jq -r -f "$BENCH_DIR/server/report.jq" "$out_dir/server-benchmarks.json" >"$out_dir/SERVER-BENCHMARKS.md"
  rm -f -- "$runs_file"
  log "wrote $out_dir/SERVER-BENCHMARKS.md and $out_dir/server-benchmarks.json"
}

main
