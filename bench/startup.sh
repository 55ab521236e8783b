#!/usr/bin/env bash
# Start-up against long loads, for each way of publishing ckpt (docs/STARTUP.md).
#
#   bench/startup.sh [--options jit,jit-tiered,r2r,r2r-untiered,aot,aot-v3] [--size 1GiB] [--shards 4]
#                    [--runs 10] [--load-runs 3] [--out DIR] [--no-publish] [--quiet-wait 600]
#
# For each option: publishes ckpt and the in-process harness (bench/Checkpoints.Startup) with that option's
# properties to OUT/OPTION/, then, with the checkpoint in the page cache (read with cat first) and the options
# interleaved run by run: `ckpt inspect DIR` and `ckpt plan DIR` (--runs fresh processes each, wall), the harness (5
# fresh processes: Checkpoint.PlanLoad and Checkpoint.Open, first call and steady median), and `ckpt load DIR --json`
# (--load-runs, wall and user+sys CPU from /usr/bin/time). Prints medians as a Markdown table; raw lines go to
# OUT/runs.txt. The checkpoint is `ckpt synth DIR --size SIZE --shards N` under OUT/data, written once.
# Waits while /tmp/ckpt-bench.lock exists (another benchmark is measuring), and before each timed round up to
# --quiet-wait seconds for the machine to be idle; each round's load average is in runs.txt.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
readonly BENCH_DIR REPO_ROOT

options_list=jit,jit-tiered,r2r,r2r-untiered,aot,aot-v3 size=1GiB shards=4 runs=10 load_runs=3
out_dir="$BENCH_DIR/out/startup" publish=1 quiet_wait=600
while (($# > 0)); do
  case "$1" in
    --options) options_list="${2:?}"; shift 2 ;;
    --size) size="${2:?}"; shift 2 ;;
    --shards) shards="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --load-runs) load_runs="${2:?}"; shift 2 ;;
    --out) out_dir="${2:?}"; shift 2 ;;
    --no-publish) publish=0; shift ;;
    --quiet-wait) quiet_wait="${2:?}"; shift 2 ;;
    *) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
IFS=, read -r -a OPTIONS <<<"$options_list"

log() { printf '[startup %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
wait_for_bench() { while [[ -e /tmp/ckpt-bench.lock ]]; do sleep 10; done; }
# Before a timed round: no benchmark measuring, and (for up to --quiet-wait seconds) a 1-minute load average below 1.
# Other builds on a 2-core machine double start-up times; the load is logged with each round to judge the numbers.
wait_quiet() {
  local waited=0
  wait_for_bench
  while (($(awk '{ print ($1 >= 1.0) }' /proc/loadavg) && waited < quiet_wait)); do
    sleep 10
    waited=$((waited + 10))
  done
  ((waited < quiet_wait)) || log "still busy after ${quiet_wait} s (load $(cut -d' ' -f1 /proc/loadavg)): measuring anyway"
  wait_for_bench
}

# The publish properties of each option, all stated, so that none depends on what the project file sets by default.
properties() {
  case "$1" in
    jit) echo "-p:PublishAot=false -p:PublishReadyToRun=false -p:TieredCompilation=false" ;;
    jit-tiered) echo "-p:PublishAot=false -p:PublishReadyToRun=false -p:TieredCompilation=true" ;;
    r2r) echo "-r linux-x64 --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true -p:TieredCompilation=true" ;;
    r2r-untiered) echo "-r linux-x64 --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true -p:TieredCompilation=false" ;;
    aot) echo "-r linux-x64 -p:PublishAot=true -p:PublishReadyToRun=false -p:IlcInstructionSet=" ;;
    aot-v3) echo "-r linux-x64 -p:PublishAot=true -p:PublishReadyToRun=false -p:IlcInstructionSet=x86-64-v3" ;;
    *) log "unknown option $1"; exit 2 ;;
  esac
}

publish_option() {
  local option="$1" project
  for project in src/Checkpoints.Cli bench/Checkpoints.Startup; do
    log "publishing $project as $option"
    wait_for_bench
    # shellcheck disable=SC2046 # the properties are words on purpose
    dotnet publish "$REPO_ROOT/$project" -c Release -o "$out_dir/$option/${project##*/}" -nologo -v quiet \
      $(properties "$option") >&2
  done
}

ckpt() { echo "$out_dir/$1/Checkpoints.Cli/ckpt"; }
harness() { echo "$out_dir/$1/Checkpoints.Startup/Checkpoints.Startup"; }

# "WALL CPU": wall and user+system milliseconds of one run of a command, output discarded. CPU time is the number
# to compare when other work shares the machine: it does not count waiting for a core.
wall_cpu_ms() {
  local started ended
  started="$EPOCHREALTIME"
  /usr/bin/time -o "$out_dir/short-time.txt" -f '%U %S' "$@" >/dev/null 2>&1 || { log "failed: $*"; return 1; }
  ended="$EPOCHREALTIME"
  awk -v s="$started" -v e="$ended" '{ printf "%.1f %.0f\n", (e - s) * 1000, ($1 + $2) * 1000 }' "$out_dir/short-time.txt"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# In one function, read whole before it runs: the script can be edited while a measurement goes on.
main() {
  mkdir -p "$out_dir"
  if ((publish)); then
    for option in "${OPTIONS[@]}"; do publish_option "$option"; done
  fi

  data="$out_dir/data/$size-${shards}shards"
  if [[ ! -f "$data/.complete" ]]; then
    rm -rf -- "$data"
    "$(ckpt "${OPTIONS[0]}")" synth "$data" --size "$size" --shards "$shards" >&2
    touch "$data/.complete"
  fi

  raw="$out_dir/runs.txt"
  : >"$raw"
  wait_for_bench
  cat -- "$data"/*.safetensors >/dev/null
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  for option in "${OPTIONS[@]}"; do
    # One unrecorded round: the binary's own pages into the page cache.
    "$(ckpt "$option")" inspect "$data" >/dev/null
    "$(ckpt "$option")" plan "$data" >/dev/null
  done
  for run in $(seq 1 "$runs"); do
    wait_quiet
    echo "load $(cut -d' ' -f1 /proc/loadavg)" >>"$raw"
    for option in "${OPTIONS[@]}"; do
      for command in inspect plan version; do
        local arguments=("$command" "$data")
        [[ "$command" != version ]] || arguments=(--version)
        read -r wall cpu < <(wall_cpu_ms "$(ckpt "$option")" "${arguments[@]}")
        echo "$option $command $wall" >>"$raw"
        echo "$option ${command}Cpu $cpu" >>"$raw"
      done
    done
  done
  for run in 1 2 3 4 5; do
    wait_quiet
    echo "load $(cut -d' ' -f1 /proc/loadavg)" >>"$raw"
    for option in "${OPTIONS[@]}"; do
      # "planLoad first F ms, steady S ms; open first F ms, steady S ms (...)"
      "$(harness "$option")" "$data" --iterations 30 | awk -v o="$option" '/^planLoad/ {
        gsub(/[,;]/, ""); print o, "planFirst", $3; print o, "planSteady", $6; print o, "openFirst", $10; print o, "openSteady", $13 }' >>"$raw"
    done
  done
  for run in $(seq 1 "$load_runs"); do
    wait_quiet
    echo "load $(cut -d' ' -f1 /proc/loadavg)" >>"$raw"
    cat -- "$data"/*.safetensors >/dev/null
    for option in "${OPTIONS[@]}"; do
      started="$EPOCHREALTIME"
      /usr/bin/time -o "$out_dir/time.txt" -f '%U %S' "$(ckpt "$option")" load "$data" --json >"$out_dir/load.json"
      ended="$EPOCHREALTIME"
      read -r user sys <"$out_dir/time.txt"
      awk -v o="$option" -v s="$started" -v e="$ended" -v u="$user" -v y="$sys" \
        'BEGIN { printf "%s loadWall %.3f\n%s loadCpu %.2f\n", o, e - s, o, u + y }' >>"$raw"
      echo "$option loadOwn $(jq -r '.seconds // .totalSeconds // empty' "$out_dir/load.json" | head -n1)" >>"$raw"
      echo "$option digest $(jq -r '.digest' "$out_dir/load.json")" >>"$raw"
    done
  done
  # The digest's own speed over bytes already in memory: whether an option keeps the vectorised hashing loop fast.
  wait_quiet
  for option in "${OPTIONS[@]}"; do
    "$(ckpt "$option")" load "$data" --json --memory-speed >"$out_dir/load.json"
    echo "$option digestGBps $(jq -r '.inMemoryBytesPerSecond / 1e9 * 100 | round / 100' "$out_dir/load.json")" >>"$raw"
  done
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

  metric() { awk -v o="$1" -v m="$2" '$1 == o && $2 == m { print $3 }' "$raw" | median; }
  echo "| option | inspect ms (CPU) | plan ms (CPU) | --version ms (CPU) | PlanLoad first / steady ms | Open first / steady ms | load wall s | load CPU s | load own s | digest in memory GB/s |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for option in "${OPTIONS[@]}"; do
    echo "| $option | $(metric "$option" inspect) ($(metric "$option" inspectCpu)) | $(metric "$option" plan) ($(metric "$option" planCpu))" \
      "| $(metric "$option" version) ($(metric "$option" versionCpu)) |" \
      "$(metric "$option" planFirst) / $(metric "$option" planSteady) | $(metric "$option" openFirst) / $(metric "$option" openSteady) |" \
      "$(metric "$option" loadWall) | $(metric "$option" loadCpu) | $(metric "$option" loadOwn) | $(metric "$option" digestGBps) |"
  done
  digests="$(awk '$2 == "digest" { print $3 }' "$raw" | sort -u | wc -l)"
  ((digests == 1)) || log "WARNING: the loads read different digests: $(awk '$2 == "digest"' "$raw" | sort -u | tr '\n' ' ')"
  log "1-minute load average at the timed rounds: median $(awk '$1 == "load" { print $2 }' "$raw" | median), highest $(awk '$1 == "load" { print $2 }' "$raw" | sort -g | tail -n1)"
}

main
