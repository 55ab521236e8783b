#!/usr/bin/env bash
# TorchSharp loaders side by side: the same Llama-shaped BF16 checkpoint loaded into the same TorchSharp module by
# TorchSharp.PyBridge (`module.load_checkpoint`) and by Checkpoints.TorchSharp (`module.LoadCheckpoint`), strict.
#
#   bench/torchsharp.sh [--size 4GiB] [--shards 4] [--runs 3] [--rtt 2ms]
#                       [--scenarios local-cold,local-warm,netfs-cold] [--out DIR] [--settle SECONDS]
#
# Scenarios: local-cold (page cache dropped before every run), local-warm (files cached, one unrecorded warm-up
# round), netfs-cold (sshfs through the latency proxy at --rtt, bench/netfs.sh, the export on tmpfs; the client's
# page cache dropped before every run). Each run is one process (bench/Checkpoints.TorchSharp.Benchmarks) that
# builds the module, loads, and prints the load's time, its peak resident memory and a digest of every parameter;
# the loaders alternate which goes first from run to run. Every run must leave the same digest, or the script stops.
# Results: OUT/torchsharp-benchmarks.json (every run) and OUT/TORCHSHARP-BENCHMARKS.md (default OUT: docs/).
# Needs root (page cache drops, the FUSE mount).
set -euo pipefail
readonly COMMAND_LINE="bench/torchsharp.sh $*"

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
readonly BENCH_DIR REPO_ROOT
readonly NETFS="$BENCH_DIR/netfs.sh"
readonly WORK="$BENCH_DIR/out"
readonly CKPT="$WORK/ckpt/ckpt"
readonly LOADER="$WORK/torchsharp-bench/Checkpoints.TorchSharp.Benchmarks"
readonly MOUNTPOINT="$WORK/mnt-torchsharp"
readonly SHM_EXPORT=/dev/shm/ckpt-torchsharp-export
readonly PACKAGES=(sshfs socat openssh-sftp-server fuse3 time jq)
readonly LOADERS=(pybridge checkpoints)

log() { printf '[torchsharp-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
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

size=4GiB shards=4 runs=3 rtt=2ms scenarios=local-cold,local-warm,netfs-cold out_dir="$REPO_ROOT/docs" settle=""
while (($# > 0)); do
  case "$1" in
    --size) require_value "$@"; size="$2"; shift 2 ;;
    --shards) require_value "$@"; shards="$2"; shift 2 ;;
    --runs) require_value "$@"; runs="$2"; shift 2 ;;
    --rtt) require_value "$@"; rtt="$2"; shift 2 ;;
    --scenarios) require_value "$@"; scenarios="$2"; shift 2 ;;
    --out) require_value "$@"; out_dir="$2"; shift 2 ;;
    --settle) require_value "$@"; settle="$2"; shift 2 ;;
    -h | --help) print_usage 2 15; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
require_size --size "$size"
require_count --runs "$runs"
require_count --shards "$shards"
require_settle "$settle"
IFS=, read -r -a SCENARIOS <<<"$scenarios"
for scenario in "${SCENARIOS[@]}"; do
  case "$scenario" in local-cold | local-warm | netfs-cold) ;; *) usage_error "unknown scenario '$scenario'" ;; esac
done
require_root "page cache drops, FUSE mounts"

current_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # The loader is /usr/bin/time's child: stop_process ends it first (time itself would only wait for it).
  stop_process "$current_pid"
  netfs_down_all
  rm -rf -- "$SHM_EXPORT"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build() {
  bash "$REPO_ROOT/scripts/ensure-packages.sh" "${PACKAGES[@]}"
  log "publishing ckpt and the TorchSharp loader benchmark (Release)"
  dotnet publish "$REPO_ROOT/src/Checkpoints.Cli" -c Release -o "$WORK/ckpt" -nologo -v quiet >&2
  dotnet publish "$BENCH_DIR/Checkpoints.TorchSharp.Benchmarks" -c Release -o "$WORK/torchsharp-bench" -nologo -v quiet >&2
  [[ -x "$LOADER" ]] || die "dotnet publish did not produce $LOADER"
  if [[ " ${SCENARIOS[*]} " == *" netfs-cold "* ]]; then
    dotnet build -c Release -nologo -v quiet "$BENCH_DIR/Checkpoints.NetEmu/Checkpoints.NetEmu.csproj" >&2
  fi
}

# The same folder and stamp as bench/run.sh, so either script reuses the other's checkpoint.
prepare_data() { prepare_checkpoint "$CKPT" "$WORK/data" "$size" "$shards"; }

# Prints one JSON object: the loader's own line plus the scenario, the run and /usr/bin/time's view of the process.
measure() {
  local scenario="$1" run="$2" loader="$3" target="$4" timing stdout
  timing="$(mktemp)" stdout="$(mktemp)"
  /usr/bin/time -o "$timing" -f '%e %U %S %M' "$LOADER" --loader "$loader" "$target" >"$stdout" &
  current_pid=$!
  if ! wait "$current_pid"; then
    current_pid=""
    die "$loader failed in $scenario run $run: $(cat "$stdout")"
  fi
  current_pid=""
  read -r wall user system max_rss_kb <"$timing"
  jq -c --arg scenario "$scenario" --argjson run "$run" --argjson wall "$wall" --argjson user "$user" \
    --argjson system "$system" --argjson max_rss "$((max_rss_kb * 1024))" \
    '. + {scenario: $scenario, run: $run, process_wall_seconds: $wall, user_seconds: $user,
          system_seconds: $system, process_peak_resident_bytes: $max_rss}' "$stdout"
  rm -f -- "$timing" "$stdout"
}

run_scenario() {
  local scenario="$1" target="$DATA_DIR" run order loader
  if [[ "$scenario" == netfs-cold ]]; then
    copy_checkpoint "$DATA_DIR" "$SHM_EXPORT"
    netfs_up "$SHM_EXPORT" "$MOUNTPOINT" --rtt "$rtt"
    target="$MOUNTPOINT"
  fi
  if [[ "$scenario" == local-warm ]]; then
    cat -- "$DATA_DIR"/*.safetensors >/dev/null
    log "local-warm: one unrecorded round"
    for loader in "${LOADERS[@]}"; do measure "$scenario" 0 "$loader" "$target" >/dev/null; done
  fi
  for ((run = 1; run <= runs; run++)); do
    order=("${LOADERS[@]}")
    if ((run % 2 == 0)); then order=("${LOADERS[1]}" "${LOADERS[0]}"); fi
    for loader in "${order[@]}"; do
      if [[ "$scenario" != local-warm ]]; then cold; fi
      log "$scenario run $run/$runs: $loader"
      measure "$scenario" "$run" "$loader" "$target" >>"$RUNS_FILE"
      jq -r 'select(.scenario == $s and .run == ($r | tonumber) and .loader == $l) |
             "  load \(.load_seconds * 100 | round / 100) s, peak during load \(.peak_resident_during_load_bytes / 1048576 | round) MiB"' \
        --arg s "$scenario" --arg r "$run" --arg l "$loader" "$RUNS_FILE" >&2
    done
  done
  if [[ "$scenario" == netfs-cold ]]; then
    netfs_down "$MOUNTPOINT"
    rm -rf -- "$SHM_EXPORT"
  fi
}

main() {
  build
  prepare_data
  choose_settle "$settle"
  mkdir -p "$out_dir"
  RUNS_FILE="$(mktemp)"
  local scenario
  for scenario in "${SCENARIOS[@]}"; do run_scenario "$scenario"; done
  local digests
  digests="$(jq -r .digest "$RUNS_FILE" | sort -u | wc -l)"
  ((digests == 1)) || die "the loaders left different parameters: $(jq -r '"\(.scenario) \(.loader) \(.digest)"' "$RUNS_FILE" | sort -u | tr '\n' ';')"
  jq -s --arg command "$COMMAND_LINE" --arg size "$size" --argjson shards "$shards" --arg rtt "$rtt" \
    --arg commit "$(commit_label)" --arg machine "$(machine_label)" \
    -f "$BENCH_DIR/torchsharp-summary.jq" "$RUNS_FILE" >"$out_dir/torchsharp-benchmarks.json"
  jq -r -f "$BENCH_DIR/torchsharp-report.jq" "$out_dir/torchsharp-benchmarks.json" >"$out_dir/TORCHSHARP-BENCHMARKS.md"
  rm -f -- "$RUNS_FILE"
  log "wrote $out_dir/TORCHSHARP-BENCHMARKS.md and $out_dir/torchsharp-benchmarks.json"
}

main "$@"
