#!/usr/bin/env bash
# Selective, rank-aware loading over the emulated network file system: the bytes each emulated node fetches and how
# long its ranks take, against one process loading everything; every run cold.
#
#   bench/selective.sh [--size 4GiB] [--shards 4] [--runs 3] [--rtt 2ms] [--scenarios full,pp,tp,2x2]
#                      [--out DIR] [--settle SECONDS] [--ckpt PATH] [--emulator-cpus LIST]
#   bench/selective.sh --report-only [DIR]   # rewrite DIR/SELECTIVE-BENCHMARKS.md from DIR/selective-benchmarks.json
#
# The checkpoint (ckpt synth, BF16, Llama-shaped, shared with bench/run.sh) is copied to tmpfs and that export mounted
# up to four times with bench/netfs.sh at --rtt. Each mount is its own sshfs client with its own page cache and latency
# proxy, so it stands for one node, and its proxy counts the bytes that node fetched (bench/netfs.sh stats: the
# server->client bytes, a snapshot before and after each run). Scenarios:
#   full  node 0, one process: ckpt load MNT0 --json. T_full and the bytes of a whole load.
#   pp    nodes 0-3 at once, one process each: ckpt load MNTi --json --pp-size 4 --pp-rank i
#   pp-alone  the same four stages one after another, each cold and alone on its node: what a stage's load takes on
#         a node of its own (at once, four emulated nodes share this machine's cores with four proxies and clients)
#   tp    node 0, 4 processes at once: ckpt load MNT0 --json --tp-size 4 --tp-rank r --rank r --world-size 4
#   2x2   TP 2 within a node x PP 2 across nodes 0-1 (global rank g = pp*2 + tp, node = pp), in two set-ups:
#         selection: ckpt load MNTpp --json --tp-size 2 --tp-rank tp --pp-size 2 --pp-rank pp --rank tp --world-size 2
#         global:    vLLM's split by global rank: ckpt prefetch MNTpp --rank g --world-size 4 --json, then
#                    ckpt load MNTpp --json --strategy lazy --tp-size 2 --tp-rank tp --pp-size 2 --pp-rank pp
# Before each run the page cache is dropped and --settle seconds waited (bench/lib/cold.sh); the scenarios rotate
# from run to run. A ckpt whose load has no --tp-size/--pp-size is measured without them (every process loads
# everything), with a warning. --ckpt PATH runs that ckpt instead of publishing one (scripts/publish-ckpt.sh).
# --emulator-cpus LIST (taskset syntax, e.g. 1) runs every mount's sshfs, proxy, socat and sftp-servers on those CPUs
# and the ranks on the others (bench/netfs.sh pin): a node whose network and storage server do not take its cores, as
# on real machines, where here the emulated network otherwise shares both cores with the ranks it serves.
# Results: OUT/selective-benchmarks.json (every run) and OUT/SELECTIVE-BENCHMARKS.md (default OUT: docs/).
# Needs root (page cache drops, FUSE mounts). Waits while /tmp/ckpt-bench.lock exists, and holds it while measuring.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
readonly BENCH_DIR REPO_ROOT COMMAND_LINE="bench/selective.sh $*"
readonly NETFS="$BENCH_DIR/netfs.sh"
readonly WORK="$BENCH_DIR/out"
readonly SHM_EXPORT=/dev/shm/ckpt-selective-export
readonly MOUNT_PREFIX="$WORK/mnt-selective-"
readonly LOCK_ROOT="$WORK/selective-locks"
readonly PACKAGES=(sshfs socat openssh-sftp-server fuse3 jq)
readonly ALL_SCENARIOS=(full pp pp-alone tp 2x2)

log() { printf '[selective-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
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

# ---------------------------------------------------------------------------------------------- options
size=4GiB shards=4 runs=3 rtt=2ms scenarios="$(IFS=,; echo "${ALL_SCENARIOS[*]}")" out_dir="$REPO_ROOT/docs" settle=""
ckpt_path="" report_only="" emulator_cpus="" RANK_CPUS=""
while (($# > 0)); do
  case "$1" in
    --size) require_value "$@"; size="$2"; shift 2 ;;
    --shards) require_value "$@"; shards="$2"; shift 2 ;;
    --runs) require_value "$@"; runs="$2"; shift 2 ;;
    --rtt) require_value "$@"; rtt="$2"; shift 2 ;;
    --scenarios) require_value "$@"; scenarios="$2"; shift 2 ;;
    --out) require_value "$@"; out_dir="$2"; shift 2 ;;
    --settle) require_value "$@"; settle="$2"; shift 2 ;;
    --ckpt) require_value "$@"; ckpt_path="$2"; shift 2 ;;
    --emulator-cpus) require_value "$@"; emulator_cpus="$2"; shift 2 ;;
    --report-only)
      report_only="$REPO_ROOT/docs"
      if [[ -n "${2:-}" && "${2:0:1}" != - ]]; then report_only="$2"; shift; fi
      shift
      ;;
    -h | --help) print_usage 2 28; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
require_size --size "$size"
require_count --shards "$shards"
require_count --runs "$runs"
require_settle "$settle"
require_duration --rtt "$rtt"
IFS=, read -r -a SCENARIOS <<<"$scenarios"
((${#SCENARIOS[@]} > 0)) || usage_error "--scenarios names none"
for scenario in "${SCENARIOS[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $scenario "* ]] || usage_error "unknown scenario '$scenario' (full, pp, tp, 2x2)"
done
# The CPUs of a taskset list (1, or 0-2,5), one per line.
expand_cpus() {
  local part parts
  IFS=, read -r -a parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ "$part" == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}
if [[ -n "$emulator_cpus" ]]; then
  [[ "$emulator_cpus" =~ ^[0-9]+([,-][0-9]+)*$ ]] || usage_error "--emulator-cpus '$emulator_cpus' is not a CPU list (such as 1, or 0-1,3)"
  online="$(expand_cpus "$(cat /sys/devices/system/cpu/online)")"
  for cpu in $(expand_cpus "$emulator_cpus"); do
    grep -qx "$cpu" <<<"$online" || usage_error "--emulator-cpus $emulator_cpus: CPU $cpu is not online (online: $(cat /sys/devices/system/cpu/online))"
  done
  RANK_CPUS="$(grep -vxF -f <(expand_cpus "$emulator_cpus") <<<"$online" | paste -sd, -)" || true
  [[ -n "$RANK_CPUS" ]] || usage_error "--emulator-cpus $emulator_cpus leaves no CPU for the ranks"
fi
if [[ -n "$ckpt_path" ]]; then
  [[ -f "$ckpt_path" && -x "$ckpt_path" ]] || usage_error "--ckpt $ckpt_path is not an executable file"
  ckpt_path="$(realpath -- "$ckpt_path")"
fi

# ---------------------------------------------------------------------------------------------- report
write_report() {
  local dir="$1"
  jq -r -f "$BENCH_DIR/selective-report.jq" "$dir/selective-benchmarks.json" >"$dir/SELECTIVE-BENCHMARKS.md.tmp"
  mv -- "$dir/SELECTIVE-BENCHMARKS.md.tmp" "$dir/SELECTIVE-BENCHMARKS.md"
}

# The summary of the runs in FILE (JSON lines) as selective-benchmarks.json; the rest from the variables below.
summarize() {
  jq -s --arg command "$COMMAND" --arg commit "$COMMIT" --arg machine "$MACHINE" --arg date "$DATE" \
    --arg size "$size" --argjson shards "$shards" --arg rtt "$rtt" --argjson runs_wanted "$runs" \
    --argjson checkpointBytes "$TOTAL_BYTES" --argjson selection "$HAS_SELECTION" --argjson settle "$SETTLE_SECONDS" \
    --arg ckpt "$CKPT" --arg work "$WORK" --argjson complete "$COMPLETE" --arg scenarios "$scenarios" \
    --arg emulatorCpus "$emulator_cpus" --arg rankCpus "$RANK_CPUS" \
    -f "$BENCH_DIR/selective-summary.jq" "$1"
}

if [[ -n "$report_only" ]]; then
  json="$report_only/selective-benchmarks.json"
  [[ -f "$json" ]] || die "no $json"
  # Summarized again from its runs (the summary may have changed since), with the configuration it was measured with.
  eval "$(jq -r '@sh "COMMAND=\(.command) COMMIT=\(.commit) MACHINE=\(.machine) DATE=\(.date) COMPLETE=\(.complete)
    size=\(.config.size) shards=\(.config.shards) rtt=\(.config.rtt) runs=\(.config.runs)
    scenarios=\(.config.scenarios | join(",")) TOTAL_BYTES=\(.config.checkpoint_bytes)
    HAS_SELECTION=\(if .config.selection_available then 1 else 0 end) SETTLE_SECONDS=\(.config.settle_seconds)
    CKPT=\(.config.ckpt) emulator_cpus=\(.config.emulator_cpus // "") RANK_CPUS=\(.config.rank_cpus // "")"' "$json")"
  jq -c '.runs[]' "$json" >"$json.runs"
  summarize "$json.runs" >"$json.tmp"
  rm -f -- "$json.runs"
  mv -- "$json.tmp" "$json"
  write_report "$report_only"
  log "wrote $report_only/SELECTIVE-BENCHMARKS.md"
  exit 0
fi

require_root "page cache drops, FUSE mounts"

# ---------------------------------------------------------------------------------------------- cleanup
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if ((${#STARTED_GROUPS[@]} > 0)); then log "stopping ${#STARTED_GROUPS[@]} rank(s) still running"; fi
  stop_groups
  netfs_down_all
  rm -rf -- "$SHM_EXPORT"
  release_bench_lock
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------- ranks
# The processes of a case, one line each: GLOBAL_RANK NODE TP_SIZE TP_RANK PP_SIZE PP_RANK LOCAL_RANK LOCAL_WORLD.
ranks_of() {
  local i p t
  case "$1" in
    full) echo "0 0 1 0 1 0 0 1" ;;
    pp | pp-alone) for i in 0 1 2 3; do echo "$i $i 1 0 4 $i 0 1"; done ;;
    tp) for i in 0 1 2 3; do echo "$i 0 4 $i 1 0 $i 4"; done ;;
    2x2-selection | 2x2-global)
      for p in 0 1; do for t in 0 1; do echo "$((p * 2 + t)) $p 2 $t 2 $p $t 2"; done; done
      ;;
  esac
}

# The cases of a scenario: 2x2 is measured in its two set-ups.
cases_of() {
  case "$1" in
    2x2) echo 2x2-selection 2x2-global ;;
    *) echo "$1" ;;
  esac
}

# Sets SELECT to the selection flags of a rank (none when this ckpt has no selection).
selection_flags() {
  local tp_size="$1" tp_rank="$2" pp_size="$3" pp_rank="$4"
  SELECT=()
  ((HAS_SELECTION)) || return 0
  if ((tp_size > 1)); then SELECT+=(--tp-size "$tp_size" --tp-rank "$tp_rank"); fi
  if ((pp_size > 1)); then SELECT+=(--pp-size "$pp_size" --pp-rank "$pp_rank"); fi
}

# The bytes a selection takes, as `ckpt plan --json` reports them (null when it does not); planned on the local copy,
# before any run, so no mount sees these reads.
# Keyed by "sel:" and the flags (bash refuses an empty key).
declare -A PLAN_SELECTED=()
plan_selection() {
  local key="sel:${SELECT[*]}"
  [[ -z "${PLAN_SELECTED[$key]+set}" ]] || return 0
  PLAN_SELECTED[$key]="$(env -u RANK -u WORLD_SIZE -u LOCAL_RANK -u LOCAL_WORLD_SIZE "$CKPT" plan "$DATA_DIR" "${SELECT[@]}" --json |
    jq '.selectedBytes // .plan.selectedBytes // null')"
}

# One rank, run by `bash -c` in a process group of its own: [PREFETCH COMMAND...] --load LOAD COMMAND...
# Writes into DIR the end times (ns since the epoch), the outputs and the exit status.
# shellcheck disable=SC2016 # expanded by the worker's shell
readonly WORKER='
dir="$1"
shift
prefetch=()
while (($# > 0)) && [[ "$1" != --load ]]; do prefetch+=("$1"); shift; done
shift
status=0
if ((${#prefetch[@]} > 0)); then
  "${prefetch[@]}" >"$dir/prefetch.json" 2>"$dir/prefetch.stderr" || status=$?
  date +%s%N >"$dir/prefetched"
fi
if ((status == 0)); then "$@" >"$dir/load.json" 2>"$dir/load.stderr" || status=$?; fi
date +%s%N >"$dir/end"
echo "$status" >"$dir/status"
exit "$status"
'

# Starts one rank of a case (its spec as ranks_of prints it) under RUN_DIR/rank-G; appends its pid to RANK_PIDS.
launch_rank() {
  local case_name="$1" g="$2" node="$3" tp_size="$4" tp_rank="$5" pp_size="$6" pp_rank="$7" local_rank="$8" local_world="$9"
  local mount="$MOUNT_PREFIX$node" dir="$RUN_DIR/rank-$g" load prefetch=()
  mkdir -p -- "$dir"
  selection_flags "$tp_size" "$tp_rank" "$pp_size" "$pp_rank"
  load=("$CKPT" load "$mount" --json "${SELECT[@]}")
  if [[ "$case_name" == 2x2-global ]]; then
    # vLLM's prefetch: whole files, file i by global rank i % world size, whatever this rank's node needs.
    prefetch=("$CKPT" prefetch "$mount" --rank "$g" --world-size 4 --json)
    load+=(--strategy lazy)
  elif ((local_world > 1)); then
    load+=(--rank "$local_rank" --world-size "$local_world")
  fi
  jq -nc --argjson g "$g" --argjson node "$node" --argjson tpSize "$tp_size" --argjson tpRank "$tp_rank" \
    --argjson ppSize "$pp_size" --argjson ppRank "$pp_rank" --argjson localRank "$local_rank" \
    --argjson localWorld "$local_world" --arg selection "${SELECT[*]}" --argjson planSelected "${PLAN_SELECTED[sel:${SELECT[*]}]:-null}" \
    --arg command "${load[*]}" --arg prefetchCommand "${prefetch[*]}" '{
      global_rank: $g, node: $node, tp_size: $tpSize, tp_rank: $tpRank, pp_size: $ppSize, pp_rank: $ppRank,
      local_rank: $localRank, local_world_size: $localWorld, selection: $selection, plan_selected_bytes: $planSelected,
      command: $command, prefetch_command: (if $prefetchCommand == "" then null else $prefetchCommand end)
    }' >"$dir/meta.json"
  # Nodes do not share a lock folder (each has its own /tmp); ckpt makes the last level itself. The ranks are given as
  # flags: torchrun's variables, which ckpt reads when they are not, must not leak in from the caller's shell.
  local pin=()
  [[ -z "$RANK_CPUS" ]] || pin=(taskset -c "$RANK_CPUS")
  start_group "$dir/worker.out" "$dir/worker.err" "${pin[@]}" \
    env -u RANK -u WORLD_SIZE -u LOCAL_RANK -u LOCAL_WORLD_SIZE "CKPT_LOCK_DIR=$LOCK_ROOT/node-$node" \
    bash -c "$WORKER" worker "$dir" "${prefetch[@]}" --load "${load[@]}"
  RANK_PIDS+=("$STARTED_PID")
}

# ---------------------------------------------------------------------------------------------- bytes per node
# The mount's proxy counters once they stop moving: FUSE may still be answering read-ahead when the last rank exits.
settled_stats() {
  local mount="$1" before after tries=25
  before="$("$NETFS" stats "$mount")"
  while ((tries-- > 0)); do
    sleep 0.2
    after="$("$NETFS" stats "$mount")"
    if [[ "$(jq .bytesServerToClient <<<"$before")" == "$(jq .bytesServerToClient <<<"$after")" ]]; then break; fi
    before="$after"
  done
  printf '%s\n' "$after"
}

# ---------------------------------------------------------------------------------------------- one run
# Runs one case cold and appends its record (one JSON line) to RUNS_FILE.
measure_case() {
  local case_name="$1" run="$2" spec specs=() nodes=() node pid t0 status=0
  local -A before=() after=()
  mapfile -t specs < <(ranks_of "$case_name")
  for spec in "${specs[@]}"; do
    node="$(cut -d' ' -f2 <<<"$spec")"
    [[ " ${nodes[*]} " == *" $node "* ]] || nodes+=("$node")
  done
  RUN_DIR="$WORK/selective-runs/$RUN_STAMP/$case_name-run$run"
  rm -rf -- "$RUN_DIR" && mkdir -p -- "$RUN_DIR"
  cold
  for node in "${nodes[@]}"; do before[$node]="$("$NETFS" stats "$MOUNT_PREFIX$node")"; done
  RANK_PIDS=()
  t0="$(date +%s%N)"
  local alone=0 started=0
  [[ "$case_name" == *-alone ]] && alone=1
  for spec in "${specs[@]}"; do
    if ((alone && started)); then
      # One at a time, each cold: wait for the one before, drop the cache again, and time this one from its own launch.
      wait "${RANK_PIDS[-1]}" || status=1
      stop_group "${RANK_PIDS[-1]}"
      cold
    fi
    started=1
    # shellcheck disable=SC2086 # the spec is eight words on purpose
    launch_rank "$case_name" $spec
    date +%s%N >"$RUN_DIR/rank-${spec%% *}/start"
  done
  local waiting=("${RANK_PIDS[@]}")
  ((alone)) && waiting=("${RANK_PIDS[-1]}") # the others were waited for above
  for pid in "${waiting[@]}"; do
    wait "$pid" || status=1
    stop_group "$pid" # forgets it; ends anything the rank left in its group
  done
  for node in "${nodes[@]}"; do after[$node]="$(settled_stats "$MOUNT_PREFIX$node")"; done

  local node_records=() process_records=() dir
  for node in "${nodes[@]}"; do
    node_records+=("$(jq -nc --argjson node "$node" --arg mount "$MOUNT_PREFIX$node" \
      --argjson before "${before[$node]}" --argjson after "${after[$node]}" '{
        node: $node, mount: $mount,
        storage_bytes: ($after.bytesServerToClient - $before.bytesServerToClient),
        request_bytes: ($after.bytesClientToServer - $before.bytesClientToServer)
      }')")
  done
  for dir in "$RUN_DIR"/rank-*; do
    process_records+=("$(jq -nc --argjson t0 "$t0" --argjson selection "$HAS_SELECTION" --arg caseName "$case_name" \
      --slurpfile meta "$dir/meta.json" \
      --rawfile endText "$dir/end" --rawfile statusText "$dir/status" --rawfile startText "$dir/start" \
      --rawfile prefetchedText <(cat -- "$dir/prefetched" 2>/dev/null || true) \
      --rawfile loadText <(cat -- "$dir/load.json" 2>/dev/null || true) \
      --rawfile prefetchText <(cat -- "$dir/prefetch.json" 2>/dev/null || true) \
      --rawfile stderrText <(tail -q -n 5 -- "$dir/load.stderr" "$dir/prefetch.stderr" "$dir/worker.err" 2>/dev/null | cut -c1-300 || true) '
      def json: try fromjson catch null;
      ($loadText | json) as $l | ($prefetchText | json) as $p | ($statusText | tonumber) as $s | $meta[0] + {
        exit_status: $s,
        wall_seconds: ((($endText | tonumber) - (if $caseName | endswith("-alone") then $startText | tonumber else $t0 end)) / 1e9),
        prefetch_wall_seconds: (if $prefetchedText == "" then null else (($prefetchedText | tonumber) - $t0) / 1e9 end),
        load_seconds: $l.seconds,
        selected_bytes: ($l.selectedBytes // $l.plan.selectedBytes // $meta[0].plan_selected_bytes
          // (if $selection == 0 then $l.bytes else null end)),
        # What the plan reads (the selection, gaps read through, whole shards past --read-whole-at) and, per shard in
        # the checkpoint'"'"'s order, what it selects there.
        planned_read_bytes: $l.plan.readBytes,
        shard_selected_bytes: (if $l.plan.shards then [$l.plan.shards[] | .selectedBytes] else null end),
        digest: $l.digest,
        prefetch: $p, load: $l,
        stderr_tail: (if $s == 0 then null else $stderrText end)
      }')")
  done
  printf '%s\n' "${process_records[@]}" | jq -sc --arg case "$case_name" --argjson run "$run" \
    --argjson nodes "$(printf '%s\n' "${node_records[@]}" | jq -sc .)" --argjson selection "$HAS_SELECTION" '
    . as $processes | {
      case: $case, scenario: ($case | sub("-.*"; "")), setup: ($case | if test("-") then sub("^[^-]*-"; "") else null end),
      run: $run, selection: ($selection == 1),
      wall_seconds: (map(.wall_seconds) | max),
      nodes: [$nodes[] | .node as $n | ([$processes[] | select(.node == $n)]) as $mine
        | . + {ranks: ($mine | map(.global_rank)), wall_seconds: ($mine | map(.wall_seconds) | max)}],
      processes: $processes
    }' >>"$RUNS_FILE"
  tail -n1 -- "$RUNS_FILE" | jq -r '
    "  \(.case) run \(.run): the last rank ended \(.wall_seconds * 100 | round / 100) s after the launch"
      + (.processes | map(select(.exit_status != 0)) | if length > 0 then ", FAILED: ranks \(map(.global_rank))" else "" end),
    (.nodes[] | "    node \(.node) (ranks \(.ranks | map(tostring) | join(","))): fetched \(.storage_bytes / 1048576 * 10 | round / 10) MiB, "
      + "done after \(.wall_seconds * 100 | round / 100) s")' >&2
  if ((status != 0)); then
    FAILED+=("$case_name run $run")
    log "  a rank failed in $case_name run $run; its standard error is in $RUN_DIR"
  fi
}

# ---------------------------------------------------------------------------------------------- results
write_results() {
  mkdir -p -- "$out_dir"
  COMPLETE="$1" COMMAND="$COMMAND_LINE" COMMIT="$(commit_label)" MACHINE="$(machine_label)"
  summarize "$RUNS_FILE" >"$out_dir/selective-benchmarks.json.tmp"
  mv -- "$out_dir/selective-benchmarks.json.tmp" "$out_dir/selective-benchmarks.json"
  write_report "$out_dir"
}

# ---------------------------------------------------------------------------------------------- main
prepare() {
  bash "$REPO_ROOT/scripts/ensure-packages.sh" "${PACKAGES[@]}"
  if [[ -n "$ckpt_path" ]]; then
    CKPT="$ckpt_path"
  else
    log "publishing ckpt (NativeAOT, scripts/publish-ckpt.sh) to $WORK/ckpt"
    "$REPO_ROOT/scripts/publish-ckpt.sh" "$WORK/ckpt" >/dev/null
    CKPT="$WORK/ckpt/ckpt"
  fi
  log "building the latency proxy"
  dotnet build -c Release -nologo -v quiet "$BENCH_DIR/Checkpoints.NetEmu/Checkpoints.NetEmu.csproj" >&2
  prepare_checkpoint "$CKPT" "$WORK/data" "$size" "$shards"
  HAS_SELECTION=0
  local help
  help="$("$CKPT" load --help 2>&1 || true)"
  if [[ "$help" == *--tp-size* && "$help" == *--pp-size* ]]; then
    HAS_SELECTION=1
  else
    log "WARNING: this ckpt's load has no --tp-size/--pp-size: every process loads the whole checkpoint (merge main when selection lands)"
  fi
}

main() {
  prepare
  choose_settle "$settle"
  local scenario case_name cases=() more=() fields=() nodes_needed=1 node run order i spec
  for scenario in "${SCENARIOS[@]}"; do
    read -r -a more <<<"$(cases_of "$scenario")"
    cases+=("${more[@]}")
    case "$scenario" in pp | pp-alone) nodes_needed=4 ;; 2x2) ((nodes_needed >= 2)) || nodes_needed=2 ;; esac
  done
  # Every selection's bytes from the plan, before anything is timed.
  for case_name in "${cases[@]}"; do
    while read -r spec; do
      read -r -a fields <<<"$spec"
      selection_flags "${fields[2]}" "${fields[3]}" "${fields[4]}" "${fields[5]}"
      plan_selection
    done < <(ranks_of "$case_name")
  done

  log "copying the checkpoint to $SHM_EXPORT (tmpfs export) and mounting it $nodes_needed time(s) at $rtt"
  copy_checkpoint "$DATA_DIR" "$SHM_EXPORT"
  mkdir -p -- "$LOCK_ROOT"
  for ((node = 0; node < nodes_needed; node++)); do
    netfs_up "$SHM_EXPORT" "$MOUNT_PREFIX$node" --rtt "$rtt"
    [[ -z "$emulator_cpus" ]] || "$NETFS" pin "$MOUNT_PREFIX$node" "$emulator_cpus"
  done
  [[ -z "$emulator_cpus" ]] || log "the emulated network runs on CPU(s) $emulator_cpus, the ranks on $RANK_CPUS"

  RUN_STAMP="$(date +%Y%m%d-%H%M%S)" DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  RUNS_FILE="$WORK/selective-runs/$RUN_STAMP.jsonl"
  mkdir -p -- "${RUNS_FILE%/*}"
  : >"$RUNS_FILE"
  FAILED=()
  take_bench_lock
  log "holding $BENCH_LOCK; raw runs go to $RUNS_FILE"
  for ((run = 1; run <= runs; run++)); do
    order=("${cases[@]}")
    # Rotated from run to run: no case always follows the same one.
    for ((i = 0; i < (run - 1) % ${#cases[@]}; i++)); do order=("${order[@]:1}" "${order[0]}"); done
    for case_name in "${order[@]}"; do
      log "run $run/$runs: $case_name"
      measure_case "$case_name" "$run"
    done
    write_results false
  done
  release_bench_lock
  write_results true
  for ((node = 0; node < nodes_needed; node++)); do netfs_down "$MOUNT_PREFIX$node"; done
  log "wrote $out_dir/SELECTIVE-BENCHMARKS.md and $out_dir/selective-benchmarks.json"
  local mismatches
  mismatches="$(jq -r '.digest_mismatches[] | "\(if .selection == "" then "the whole checkpoint" else .selection end): \(.digests | join(", "))"' "$out_dir/selective-benchmarks.json")"
  [[ -z "$mismatches" ]] || die "DIGEST MISMATCH: the same selection read different bytes: $mismatches"
  ((${#FAILED[@]} == 0)) || die "ranks failed in: ${FAILED[*]}"
}

main
