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
usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
# shellcheck source=bench/lib/cold.sh
source "$BENCH_DIR/lib/cold.sh"

size=4GiB shards=4 runs=3 rtt=2ms scenarios=local-cold,local-warm,netfs-cold out_dir="$REPO_ROOT/docs" settle=""
while (($# > 0)); do
  case "$1" in
    --size) size="${2:?}"; shift 2 ;;
    --shards) shards="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --rtt) rtt="${2:?}"; shift 2 ;;
    --scenarios) scenarios="${2:?}"; shift 2 ;;
    --out) out_dir="${2:?}"; shift 2 ;;
    --settle) settle="${2:?}"; shift 2 ;;
    -h | --help) usage ;;
    *) log "unknown option $1"; usage ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive whole number"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards takes a positive whole number"
[[ -z "$settle" || "$settle" =~ ^[0-9]+$ ]] || die "--settle takes whole seconds"
IFS=, read -r -a SCENARIOS <<<"$scenarios"
for scenario in "${SCENARIOS[@]}"; do
  case "$scenario" in local-cold | local-warm | netfs-cold) ;; *) die "unknown scenario $scenario" ;; esac
done
((EUID == 0)) || die "run as root (page cache drops, FUSE mounts)"

mounted=0 current_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$current_pid" ]] && kill -0 "$current_pid" 2>/dev/null; then
    # The loader is /usr/bin/time's child: end it first (time itself would only wait for it).
    pkill -TERM -P "$current_pid" 2>/dev/null || true
    kill -TERM "$current_pid" 2>/dev/null || true
    wait "$current_pid" 2>/dev/null || true
  fi
  if ((mounted)); then "$NETFS" down "$MOUNTPOINT" || true; fi
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
prepare_data() {
  local stamp expected
  DATA_DIR="$WORK/data/${size}-${shards}shards"
  stamp="$DATA_DIR/.bench-stamp"
  expected="size=$size shards=$shards dtype=bf16"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$expected" ]]; then
    log "writing the synthetic checkpoint ($size, $shards shards) to $DATA_DIR"
    rm -rf -- "$DATA_DIR"
    "$CKPT" synth "$DATA_DIR" --size "$size" --shards "$shards" --dtype bf16 >&2
    printf '%s\n' "$expected" >"$stamp"
  fi
}

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
    rm -rf -- "$SHM_EXPORT" && mkdir -p "$SHM_EXPORT"
    cp -- "$DATA_DIR"/*.safetensors "$DATA_DIR"/*.json "$SHM_EXPORT"/
    mkdir -p "$MOUNTPOINT"
    mounted=1
    NETFS_SKIP_BUILD=1 "$NETFS" up "$SHM_EXPORT" "$MOUNTPOINT" --rtt "$rtt" >/dev/null
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
    "$NETFS" down "$MOUNTPOINT"
    mounted=0
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
    --arg commit "$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO_ROOT" diff --quiet 2>/dev/null || echo '+dirty')" \
    --arg machine "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)" \
    -f "$BENCH_DIR/torchsharp-summary.jq" "$RUNS_FILE" >"$out_dir/torchsharp-benchmarks.json"
  jq -r -f "$BENCH_DIR/torchsharp-report.jq" "$out_dir/torchsharp-benchmarks.json" >"$out_dir/TORCHSHARP-BENCHMARKS.md"
  rm -f -- "$RUNS_FILE"
  log "wrote $out_dir/TORCHSHARP-BENCHMARKS.md and $out_dir/torchsharp-benchmarks.json"
}

main "$@"
