#!/usr/bin/env bash
# The benchmark runner: every loading strategy against the storage's limit, cold, side by side.
#
#   bench/run.sh [--size 4GiB] [--shards 4] [--runs 3] [--rtt 2ms] [--rtts 0.2ms,2ms,10ms]
#                [--scenarios local-cold,local-warm,netfs-cold,netfs-cgroup,netfs-capped,netfs-many,netfs-tiny]
#                [--par 1,2,4,8,16] [--bandwidth 200MB/s] [--many-shards 64] [--tiny-shards 500]
#                [--contenders fio,memory,proxy,cat,par,vmtouch,lazy,eager,prefetch,auto] [--export shm|disk] [--out DIR]
#                [--settle SECONDS] [--no-diagnose] [--quick]
#   bench/run.sh --report-only [DIR]      # rewrite DIR/BENCHMARKS.md from DIR/benchmarks.json
#
# Scenarios: local-cold, local-warm (cached by cat, one warm-up round first, no drop between runs),
# netfs-cold (sshfs through the latency proxy, bench/netfs.sh; one mount per RTT of --rtts; every contender
# at --rtt, the limit, the plain parallel readers of 4 or more and auto at the others), netfs-cgroup (network
# FS at --rtt inside a memory cgroup limited to half the checkpoint; page cache included), netfs-capped (at
# --rtt through a link capped at --bandwidth), netfs-many (the same bytes in --many-shards shards, at --rtt),
# netfs-tiny (a checkpoint of --tiny-shards shards of about 4 KiB each, bench/tiny-shards.py, at --rtt: per-shard costs).
# Contenders, interleaved within each run: fio (local-cold only: direct reads at queue depth 16, 4 MiB blocks,
# one job per shard, read-only: the device's limit); memory (local-cold only: as many fresh pages filled as the
# checkpoint holds, bench/fresh-memory.sh: what any load that ends with the bytes in memory pays for its pages on this
# machine, and fio does not; memory-anon: the same in new anonymous memory, what eager reads into); proxy (network scenarios: the files streamed through the
# latency proxy alone, bench/proxy-ceiling.sh: the emulated link's limit); cat FILES; par-N (N parallel
# sequential 16 MiB readers, bench/par-read.sh, N from --par); vmtouch -t FILES then ckpt load --strategy lazy
# (timed together); ckpt load --strategy lazy|eager|prefetch|auto --json. Every run starts cold (drop_caches)
# except in local-warm.
# --quick: 512MiB, 1 run, local-cold and netfs-cold at --rtt, written to bench/out/quick.
# --settle: seconds to wait after each cache drop (default 5 on a VM whose balloon reports free pages, else 0).
# Results: OUT/benchmarks.json (every raw run) and OUT/BENCHMARKS.md (default OUT: docs/).
# Needs root. See bench/README.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
readonly BENCH_DIR REPO_ROOT
readonly NETFS="$BENCH_DIR/netfs.sh"
readonly PAR_READ="$BENCH_DIR/par-read.sh"
readonly WORK="$BENCH_DIR/out"
readonly CKPT="$WORK/ckpt/ckpt"
readonly MOUNTPOINT="$WORK/mnt"
readonly PACKAGES=(sshfs socat openssh-sftp-server fuse3 vmtouch fio time jq python3)
readonly STRATEGIES=(lazy eager prefetch auto)
readonly TIME_FORMAT='%e %U %S %M'
# shellcheck source=bench/lib/options.sh
source "$BENCH_DIR/lib/options.sh"
# shellcheck source=bench/lib/cold.sh
source "$BENCH_DIR/lib/cold.sh"
# shellcheck source=bench/lib/checkpoint.sh
source "$BENCH_DIR/lib/checkpoint.sh"
# shellcheck source=bench/lib/processes.sh
source "$BENCH_DIR/lib/processes.sh"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------------- options
size="" shards="" runs="" rtt="" rtts="" scenarios="" par="" export_mode=shm out_dir="" diagnose=1 quick=0 contenders="" settle=""
bandwidth="" many_shards="" tiny_shards=""
report_only=""
original_args=("$@")
while (($# > 0)); do
  case "$1" in
    --size) require_value "$@"; size="$2"; shift 2 ;;
    --shards) require_value "$@"; shards="$2"; shift 2 ;;
    --runs) require_value "$@"; runs="$2"; shift 2 ;;
    --rtt) require_value "$@"; rtt="$2"; shift 2 ;;
    --rtts) require_value "$@"; rtts="$2"; shift 2 ;;
    --scenarios) require_value "$@"; scenarios="$2"; shift 2 ;;
    --par) require_value "$@"; par="$2"; shift 2 ;;
    --bandwidth) require_value "$@"; bandwidth="$2"; shift 2 ;;
    --many-shards) require_value "$@"; many_shards="$2"; shift 2 ;;
    --tiny-shards) require_value "$@"; tiny_shards="$2"; shift 2 ;;
    --contenders) require_value "$@"; contenders="$2"; shift 2 ;;
    --export) require_value "$@"; export_mode="$2"; shift 2 ;;
    --out) require_value "$@"; out_dir="$2"; shift 2 ;;
    --no-diagnose) diagnose=0; shift ;;
    --settle) require_value "$@"; settle="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --report-only)
      report_only="$REPO_ROOT/docs"
      if [[ -n "${2:-}" && "${2:0:2}" != -- ]]; then report_only="$2"; shift; fi
      shift
      ;;
    -h | --help) print_usage 2 21; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
if ((quick)); then
  : "${size:=512MiB}" "${runs:=1}" "${scenarios:=local-cold,netfs-cold}" "${out_dir:=$WORK/quick}" "${rtt:=2ms}" "${rtts:=$rtt}"
fi
: "${size:=4GiB}" "${shards:=4}" "${runs:=3}" "${rtt:=2ms}" "${rtts:=0.2ms,$rtt,10ms}" "${bandwidth:=200MB/s}" "${many_shards:=64}" "${tiny_shards:=500}"
: "${scenarios:=local-cold,local-warm,netfs-cold,netfs-cgroup,netfs-capped,netfs-many,netfs-tiny}" "${par:=1,2,4,8,16}" "${out_dir:=$REPO_ROOT/docs}"
require_size --size "$size"
require_count --runs "$runs"
require_count --shards "$shards"
require_count --many-shards "$many_shards"
require_count --tiny-shards "$tiny_shards"
[[ "$bandwidth" =~ ^[0-9]+(\.[0-9]+)?[KMG]?B/s$ ]] || usage_error "--bandwidth takes a rate such as 200MB/s, not '$bandwidth'"
[[ "$export_mode" == shm || "$export_mode" == disk ]] || usage_error "--export is shm or disk, not '$export_mode'"
IFS=, read -r -a SCENARIOS <<<"$scenarios"
IFS=, read -r -a RTTS <<<"$rtts"
IFS=, read -r -a PARS <<<"$par"
for scenario in "${SCENARIOS[@]}"; do
  case "$scenario" in
    local-cold | local-warm | netfs-cold | netfs-cgroup | netfs-capped | netfs-many | netfs-tiny) ;;
    *) usage_error "unknown scenario '$scenario'" ;;
  esac
done
for n in "${PARS[@]}"; do require_count --par "$n"; done
require_settle "$settle"

# ---------------------------------------------------------------------------------------------- report
# summarize.jq turns the raw runs into medians, ratios and targets; report.jq renders the Markdown.
summarize() { jq --arg primaryRtt "$1" -f "$BENCH_DIR/summarize.jq"; }

write_report() {
  local dir="$1"
  jq -r -f "$BENCH_DIR/report.jq" "$dir/benchmarks.json" >"$dir/BENCHMARKS.md.tmp"
  mv -- "$dir/BENCHMARKS.md.tmp" "$dir/BENCHMARKS.md"
  log "wrote $dir/BENCHMARKS.md"
}

if [[ -n "$report_only" ]]; then
  [[ -f "$report_only/benchmarks.json" ]] || die "no $report_only/benchmarks.json"
  primary="$(jq -r '.config.rtt' "$report_only/benchmarks.json")"
  # Through a file: a summary with many shards' plans is longer than one command-line argument may be.
  jq '.runs' "$report_only/benchmarks.json" | summarize "$primary" >"$report_only/summary.json.tmp"
  jq --slurpfile summary "$report_only/summary.json.tmp" '.summary = $summary[0]' \
    "$report_only/benchmarks.json" >"$report_only/benchmarks.json.tmp"
  rm -- "$report_only/summary.json.tmp"
  mv -- "$report_only/benchmarks.json.tmp" "$report_only/benchmarks.json"
  write_report "$report_only"
  exit 0
fi

require_root "drop_caches, FUSE mounts, memory cgroups"

# ---------------------------------------------------------------------------------------------- cleanup
cgroup_dir="" shm_export="" current_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # A contender under /usr/bin/time is its child: stop_process ends it first (time itself would only wait for it).
  stop_process "$current_pid"
  if [[ -n "$cgroup_dir" ]]; then remove_cgroup "$cgroup_dir" || true; fi
  netfs_down_all
  if [[ -n "$shm_export" ]]; then rm -rf -- "$shm_export"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------- setup
ensure_packages() {
  bash "$REPO_ROOT/scripts/ensure-packages.sh" "${PACKAGES[@]}"
}

build() {
  log "publishing ckpt (NativeAOT, scripts/publish-ckpt.sh) to $WORK/ckpt"
  # The project's own build of ckpt: native, so the timings hold no compilation. It starts 10-20x sooner than the JIT
  # build and its hot loops are compiled fully optimised ahead of time, so long loads lose nothing (docs/STARTUP.md).
  # Not ReadyToRun with tiering off: it halves start-up but its precompiled hashing loop is never recompiled, and a
  # cold 4 GiB lazy load then spent 1.6-7 s of CPU instead of 0.4 s.
  "$REPO_ROOT/scripts/publish-ckpt.sh" "$WORK/ckpt" >/dev/null
  [[ -x "$CKPT" ]] || die "scripts/publish-ckpt.sh did not produce $CKPT"
  log "building the latency proxy"
  dotnet build -c Release -nologo -v quiet "$BENCH_DIR/Checkpoints.NetEmu/Checkpoints.NetEmu.csproj" >&2
}

# The checkpoint is written once per size and shard count and reused (bench/lib/checkpoint.sh). Sets DATA_DIR,
# DATA_FILES and TOTAL_BYTES for the given shard count (default --shards).
prepare_data() { prepare_checkpoint "$CKPT" "$WORK/data" "$size" "${1:-$shards}"; }
prepare_tiny_data() { prepare_tiny_checkpoint "$BENCH_DIR/tiny-shards.py" "$WORK/data" "$tiny_shards"; }

# `ckpt load --help` falls back to the root help when there is no such command: look at the command list.
have_load() { "$CKPT" --help 2>/dev/null | grep -qE '^[[:space:]]+load([[:space:]]|$)'; }

# ---------------------------------------------------------------------------------------------- cgroups
# A child memory cgroup per run. v1: under this process's memory cgroup; v2: under the root of the
# unified hierarchy (a v2 cgroup holding processes cannot enable controllers for its children).
CGROUP_VERSION="" CGROUP_PARENT=""
find_cgroup_parent() {
  local mount_point relative root
  mount_point="$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $5 }' /proc/self/mountinfo | tail -n1)"
  relative="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup | head -n1)"
  if [[ -n "$mount_point" && -n "$relative" ]]; then
    root="$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ { print $4 }' /proc/self/mountinfo | tail -n1)"
    if [[ "$root" != / ]]; then relative="${relative#"$root"}"; fi
    CGROUP_VERSION=1
    CGROUP_PARENT="$mount_point${relative%/}"
    return
  fi
  mount_point="$(awk '$9 == "cgroup2" { print $5 }' /proc/self/mountinfo | tail -n1)"
  [[ -n "$mount_point" ]] || die "no memory cgroup controller is mounted (neither v1 memory nor cgroup2)"
  grep -qw memory "$mount_point/cgroup.controllers" || die "cgroup2 at $mount_point has no memory controller"
  echo +memory >"$mount_point/cgroup.subtree_control"
  CGROUP_VERSION=2
  CGROUP_PARENT="$mount_point"
}

create_cgroup() {
  local limit="$1" dir
  dir="$CGROUP_PARENT/ckpt-bench-$$-$RANDOM"
  mkdir -- "$dir"
  cgroup_dir="$dir"
  if ((CGROUP_VERSION == 1)); then
    echo "$limit" >"$dir/memory.limit_in_bytes"
  else
    echo "$limit" >"$dir/memory.max"
    echo 0 >"$dir/memory.swap.max" 2>/dev/null || true
  fi
}

# Prints {"peakBytes":..,"oomKills":..,"failCount":..} for a cgroup whose processes have exited.
cgroup_stats() {
  local dir="$1" peak="null" kills=0 fails="null"
  if ((CGROUP_VERSION == 1)); then
    peak="$(cat "$dir/memory.max_usage_in_bytes")"
    fails="$(cat "$dir/memory.failcnt")"
    kills="$(awk '$1 == "oom_kill" { print $2 }' "$dir/memory.oom_control")"
  else
    if [[ -f "$dir/memory.peak" ]]; then peak="$(cat "$dir/memory.peak")"; fi
    kills="$(awk '$1 == "oom_kill" { print $2 }' "$dir/memory.events")"
    fails="$(awk '$1 == "max" { print $2 }' "$dir/memory.events")"
  fi
  printf '{"peakBytes":%s,"oomKills":%s,"failCount":%s}' "$peak" "${kills:-0}" "$fails"
}

remove_cgroup() {
  local dir="$1" tries=100
  [[ -d "$dir" ]] || { cgroup_dir=""; return 0; }
  if ((CGROUP_VERSION == 1)); then echo 0 >"$dir/memory.force_empty" 2>/dev/null || true; fi
  until rmdir -- "$dir" 2>/dev/null; do
    ((tries-- > 0)) || { log "could not remove cgroup $dir"; return 1; }
    sleep 0.05
  done
  cgroup_dir=""
}

# ---------------------------------------------------------------------------------------------- runs
# Sets CMD (the command line) and CAPTURE (1: keep standard output, it is ckpt's JSON) for a contender.
contender_command() {
  local contender="$1"
  CAPTURE=0
  case "$contender" in
    cat) CMD=(cat -- "${TARGET_FILES[@]}") ;;
    # The device's limit: direct reads, 16 of 4 MiB in flight per shard, one job per shard. --readonly: fio must
    # never lay out or extend the files (without it, a --size beyond a file's end makes fio rewrite it).
    fio)
      CMD=(fio --readonly --direct=1 --ioengine=libaio --iodepth=16 --bs=4M --rw=read --output=/dev/null)
      local file index=0
      for file in "${TARGET_FILES[@]}"; do CMD+=("--name=shard$((index++))" "--filename=$file"); done
      ;;
    # Fresh memory: new pages for as many bytes as the checkpoint, filled by one writer per shard.
    memory) CMD=("$BENCH_DIR/fresh-memory.sh" "${TARGET_FILES[@]}") ;;
    # The same in new anonymous memory, what an eager load reads into.
    memory-anon) CMD=("$BENCH_DIR/fresh-memory.sh" --anonymous "${TARGET_FILES[@]}") ;;
    # The emulated link alone: the exported files through a fresh proxy at this RTT, no file system.
    proxy) CMD=(env "CEILING_BANDWIDTH=$LINK_BANDWIDTH" "$BENCH_DIR/proxy-ceiling.sh" "$RTT_LABEL" "${NETFS_EXPORT_FILES[@]}") ;;
    par-*) CMD=("$PAR_READ" "${contender#par-}" "${TARGET_FILES[@]}") ;;
    vmtouch+lazy)
      # shellcheck disable=SC2016 # expanded by the inner shell
      CMD=(bash -c 'ckpt="$1" dir="$2"; shift 2; vmtouch -qt "$@" && exec "$ckpt" load "$dir" --strategy lazy --json' \
        vmtouch+lazy "$CKPT" "$TARGET_DIR" "${TARGET_FILES[@]}")
      CAPTURE=1
      ;;
    ckpt-*)
      CMD=("$CKPT" load "$TARGET_DIR" --strategy "${contender#ckpt-}" --json)
      # Warm: ckpt also measures its digest over the same number of bytes already in memory, the target's denominator.
      if [[ "$SCENARIO" == local-warm ]]; then CMD+=(--memory-speed); fi
      CAPTURE=1
      ;;
    *) die "unknown contender $contender" ;;
  esac
}

# The first and last lines of a failed run's standard error (an exception's message comes first, its
# stack trace after).
stderr_excerpt() {
  if (($(wc -l <"$1") <= 12)); then
    cat -- "$1"
  else
    head -n 4 -- "$1"
    echo "[...]"
    tail -n 6 -- "$1"
  fi | cut -c1-300
}

# Keeps only the contenders --contenders names (fio, memory, proxy, cat, par, vmtouch, lazy, eager, prefetch, auto); all by default.
select_contenders() {
  [[ -n "$contenders" ]] || return 0
  local kept=() contender name
  for contender in "${CONTENDERS[@]}"; do
    case "$contender" in
      par-*) name=par ;;
      memory-anon) name=memory ;;
      vmtouch+lazy) name=vmtouch ;;
      ckpt-*) name="${contender#ckpt-}" ;;
      *) name="$contender" ;;
    esac
    [[ ",$contenders," == *",$name,"* ]] && kept+=("$contender")
  done
  CONTENDERS=("${kept[@]}")
}

# One timed run of one contender. Appends a JSON line to $RUNS_FILE and checks the digest.
measure() {
  local contender="$1" run="$2" record_it="${3:-1}" scratch stdout_file time_file stderr_file
  local start end status=0 ckpt_json=null cgroup_json=null limit_json=null time_line digest
  scratch="$WORK/scratch"
  mkdir -p "$scratch"
  stdout_file="$scratch/stdout" time_file="$scratch/time" stderr_file="$scratch/stderr"
  : >"$stdout_file"
  : >"$time_file"
  contender_command "$contender"
  if ((COLD)); then cold; fi
  local wrapped=(/usr/bin/time -o "$time_file" -f "$TIME_FORMAT" "${CMD[@]}")
  if ((USE_CGROUP)); then
    create_cgroup "$CGROUP_LIMIT"
    limit_json="$CGROUP_LIMIT"
    # shellcheck disable=SC2016 # expanded by the inner shell: it joins the cgroup, then becomes the command
    wrapped=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroup_dir" "${wrapped[@]}")
  fi
  local sink=/dev/null
  if ((CAPTURE)); then sink="$stdout_file"; fi
  start="$(date +%s%N)"
  "${wrapped[@]}" >"$sink" 2>"$stderr_file" </dev/null &
  current_pid=$!
  wait "$current_pid" || status=$?
  current_pid=""
  end="$(date +%s%N)"
  if ((USE_CGROUP)); then
    cgroup_json="$(cgroup_stats "$cgroup_dir")"
    remove_cgroup "$cgroup_dir"
  fi
  time_line="$(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$time_file" | tail -n1 || true)"
  [[ -n "$time_line" ]] || time_line="null null null null"
  if ((CAPTURE)); then
    # A plan lists every shard: of hundreds, only their count is kept (each run's record would otherwise hold
    # hundreds of KB, more than one command-line argument may).
    ckpt_json="$(jq -c 'select(type == "object")
      | if (.plan.shards | type) == "array" and (.plan.shards | length) > 64
        then .plan.shards = {count: (.plan.shards | length), listed: false} else . end' "$stdout_file" 2>/dev/null | tail -n1 || true)"
    [[ -n "$ckpt_json" ]] || ckpt_json=null
  fi
  if ((status != 0)); then
    log "  $contender exited with status $status: $(tail -n3 "$stderr_file" "$time_file" | tr '\n' ' ' | cut -c1-400)"
  fi
  ((record_it)) || return 0
  local line
  # shellcheck disable=SC2086 # time_line is four words on purpose
  line="$(jq -nc \
    --arg scenario "$SCENARIO" --arg storage "$STORAGE" --arg rtt "$RTT_LABEL" \
    --arg contender "$contender" --argjson run "$run" --argjson status "$status" \
    --argjson wallNs "$((end - start))" --argjson bytes "$TOTAL_BYTES" --argjson shards "${#TARGET_FILES[@]}" \
    --argjson cgroupLimit "$limit_json" --argjson cgroup "$cgroup_json" --argjson ckpt "$ckpt_json" \
    --arg command "${CMD[*]}" --arg stderrTail "$(stderr_excerpt "$stderr_file")" \
    --args '$ARGS.positional as [$e, $u, $s, $m] | {
      scenario: $scenario, storage: $storage, rtt: (if $rtt == "" then null else $rtt end),
      contender: $contender, run: $run, exitStatus: $status,
      wallSeconds: ($wallNs / 1e9), timeWallSeconds: ($e | tonumber? // null),
      userSeconds: ($u | tonumber? // null), sysSeconds: ($s | tonumber? // null),
      cpuSeconds: ((($u | tonumber? // null) // 0) + (($s | tonumber? // null) // 0)),
      peakRssBytes: (($m | tonumber? // null) | if . == null then null else . * 1024 end),
      bytes: $bytes, shards: $shards, megabytesPerSecond: ($bytes / ($wallNs / 1e9) / 1e6),
      cgroupLimitBytes: $cgroupLimit, cgroup: $cgroup,
      oomKilled: (($cgroup.oomKills // 0) > 0 or $status == 137),
      ckpt: $ckpt, command: $command,
      stderrTail: (if $status == 0 then null else $stderrTail end)
    }' $time_line)"
  printf '%s\n' "$line" >>"$RUNS_FILE"
  log "  $(jq -r '"\(.contender) run \(.run): \(.wallSeconds * 100 | round / 100) s, \(.megabytesPerSecond | round) MB/s, cpu \(.cpuSeconds) s, rss \((.peakRssBytes // 0) / 1048576 | round) MiB\(if .cgroup then ", cgroup peak \((.cgroup.peakBytes // 0) / 1048576 | round) MiB, oom kills \(.cgroup.oomKills)" else "" end)\(if .exitStatus != 0 then ", EXIT \(.exitStatus)" else "" end)"' <<<"$line")"

  if [[ "$ckpt_json" != null ]] && ((status == 0)); then
    digest="$(jq -r '.digest // empty' <<<"$ckpt_json")"
    [[ -n "$digest" ]] || die "ckpt load printed no digest ($contender, $SCENARIO)"
    # One reference per checkpoint: the same bytes cut into other shards need not hash the same.
    local reference="${REFERENCE_DIGESTS[$DATA_DIR]:-}"
    if [[ -z "$reference" ]]; then
      REFERENCE_DIGESTS[$DATA_DIR]="$digest"
    elif [[ "$digest" != "$reference" ]]; then
      DIGEST_MISMATCH="$contender in $SCENARIO${RTT_LABEL:+ at $RTT_LABEL} read digest $digest, earlier runs $reference"
      log "DIGEST MISMATCH: $DIGEST_MISMATCH"
      return 1
    fi
  fi
}

# Runs every contender RUNS times, interleaved: A B C ... A B C ...
run_contenders() {
  local run contender
  select_contenders
  for run in $(seq 1 "$runs"); do
    log "$SCENARIO${RTT_LABEL:+ @$RTT_LABEL}: run $run of $runs"
    for contender in "${CONTENDERS[@]}"; do
      measure "$contender" "$run" || return 1
    done
  done
}

# The par-N with the lowest median wall time in a scenario so far (empty if none ran).
best_par() {
  jq -rs --arg scenario "$1" --arg rtt "$2" '
    [ .[] | select(.scenario == $scenario and (.rtt // "") == $rtt and (.contender | startswith("par-")) and .exitStatus == 0) ]
    | group_by(.contender) | map({c: .[0].contender, w: (map(.wallSeconds) | sort | .[(length - 1) / 2 | floor])})
    | sort_by(.w) | .[0].c // empty' "$RUNS_FILE"
}

# One extra cold run of ckpt auto under strace -c -f and one under perf stat, for a missed target.
diagnose_scenario() {
  local name="$1" tool output
  for tool in strace perf; do
    output="$DIAG_DIR/$name.$tool.txt"
    contender_command ckpt-auto
    case "$tool" in
      strace) command -v strace >/dev/null || continue; CMD=(strace -c -f -o "$output" "${CMD[@]}") ;;
      perf)
        perf stat -e task-clock true >/dev/null 2>&1 || continue
        local events=task-clock,context-switches,cpu-migrations,page-faults,major-faults,minor-faults
        CMD=(perf stat -o "$output" -e "$events" "${CMD[@]}")
        ;;
    esac
    log "  diagnosing $name: ckpt auto under $tool"
    cold
    if ((USE_CGROUP)); then
      create_cgroup "$CGROUP_LIMIT"
      # shellcheck disable=SC2016
      sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroup_dir" "${CMD[@]}" >"$output.stdout" 2>&1 </dev/null || true
      remove_cgroup "$cgroup_dir"
    else
      "${CMD[@]}" >"$output.stdout" 2>&1 </dev/null || true
    fi
  done
}

maybe_diagnose() {
  local name="$1" missed
  ((diagnose)) || return 0
  missed="$(jq -s '.' "$RUNS_FILE" | summarize "$rtt" |
    jq -r --arg s "$SCENARIO" --arg r "$RTT_LABEL" '[.targets[] | select(.scenario == $s and (.rtt // "") == $r and .pass == false)] | length')"
  if ((missed > 0)); then diagnose_scenario "$name"; fi
}

# ---------------------------------------------------------------------------------------------- main
main() {
  local started scenario rtt_value best scenarios_done=""
  started="$(date +%s)"
  ensure_packages
  build
  export NETFS_SKIP_BUILD=1
  prepare_data
  find_cgroup_parent
  choose_settle "$settle"

  if have_load; then
    CKPT_CONTENDERS=(vmtouch+lazy)
    for scenario in "${STRATEGIES[@]}"; do CKPT_CONTENDERS+=("ckpt-$scenario"); done
  else
    log "WARNING: this ckpt has no 'load' command yet: measuring the baselines only (git merge main when it lands)"
    CKPT_CONTENDERS=()
  fi
  local par_contenders=() wide_pars=()
  for n in "${PARS[@]}"; do
    par_contenders+=("par-$n")
    if ((n >= 4)); then wide_pars+=("par-$n"); fi
  done
  CKPT_AUTO=() CKPT_LAZY_AUTO=()
  if ((${#CKPT_CONTENDERS[@]} > 0)); then CKPT_AUTO=(ckpt-auto) CKPT_LAZY_AUTO=(ckpt-lazy ckpt-auto); fi

  mkdir -p "$out_dir" "$WORK"
  RUNS_FILE="$WORK/runs-$(date +%Y%m%d-%H%M%S).jsonl"
  DIAG_DIR="${RUNS_FILE%.jsonl}.diagnosis"
  mkdir -p "$DIAG_DIR"
  : >"$RUNS_FILE"
  declare -gA REFERENCE_DIGESTS=()
  DIGEST_MISMATCH=""
  log "raw runs go to $RUNS_FILE"

  local failed=0
  for scenario in "${SCENARIOS[@]}"; do
    SCENARIO="$scenario" USE_CGROUP=0 COLD=1 RTT_LABEL=""
    case "$scenario" in
      local-cold | local-warm)
        STORAGE=local TARGET_DIR="$DATA_DIR" TARGET_FILES=("${DATA_FILES[@]}")
        CONTENDERS=(cat "${par_contenders[@]}" "${CKPT_CONTENDERS[@]}")
        # memory-anon goes last: the gigabytes it frees are given back to the host slower than the settle after the
        # next drop, and the contender after it would find recycled memory (eager right after it: 3.1-3.2 s where it
        # takes 5.6-5.9 s). After it comes the next round's fio, which reads into buffers of its own.
        if [[ "$scenario" == local-cold ]]; then CONTENDERS=(fio memory "${CONTENDERS[@]}" memory-anon); fi
        if [[ "$scenario" == local-warm ]]; then
          COLD=0
          log "local-warm: warm-up round (not recorded)"
          # From a known state: what the last cold contender left cached (its page sizes included) is dropped,
          # and the files are cached the way a plain sequential read caches them.
          cold
          cat -- "${DATA_FILES[@]}" >/dev/null
          for contender in "${CONTENDERS[@]}"; do measure "$contender" 0 0 || true; done
        fi
        run_contenders || { failed=1; break; }
        maybe_diagnose "$scenario"
        ;;
      netfs-cold | netfs-cgroup | netfs-capped | netfs-many | netfs-tiny)
        local rtt_list=("${RTTS[@]}")
        if [[ "$scenario" != netfs-cold ]]; then rtt_list=("$rtt"); fi
        LINK_BANDWIDTH=""
        if [[ "$scenario" == netfs-capped ]]; then LINK_BANDWIDTH="$bandwidth"; fi
        if [[ "$scenario" == netfs-many ]]; then prepare_data "$many_shards"; fi
        if [[ "$scenario" == netfs-tiny ]]; then prepare_tiny_data; fi
        for rtt_value in "${rtt_list[@]}"; do
          STORAGE=netfs RTT_LABEL="$rtt_value"
          mount_netfs "$rtt_value" "$LINK_BANDWIDTH"
          TARGET_DIR="$MOUNTPOINT" TARGET_FILES=()
          local file
          for file in "${DATA_FILES[@]}"; do TARGET_FILES+=("$MOUNTPOINT/${file##*/}"); done
          if [[ "$scenario" == netfs-cgroup ]]; then
            USE_CGROUP=1 CGROUP_LIMIT=$((TOTAL_BYTES / 2))
            # The plain parallel read: the best N of netfs-cold at this RTT if it ran, else the whole sweep.
            best="$(best_par netfs-cold "$rtt_value")"
            if [[ -n "$best" ]]; then
              CONTENDERS=(cat "$best" "${CKPT_CONTENDERS[@]}")
            else
              CONTENDERS=(cat "${par_contenders[@]}" "${CKPT_CONTENDERS[@]}")
            fi
            log "netfs-cgroup: memory limit $CGROUP_LIMIT bytes (cgroup v$CGROUP_VERSION under $CGROUP_PARENT)"
          elif [[ "$scenario" == netfs-cold && "$rtt_value" == "$rtt" ]]; then
            CONTENDERS=(proxy cat "${par_contenders[@]}" "${CKPT_CONTENDERS[@]}")
          elif [[ "$scenario" == netfs-many ]]; then
            CONTENDERS=(proxy "${wide_pars[@]}" "${CKPT_LAZY_AUTO[@]}")
          elif [[ "$scenario" == netfs-tiny ]]; then
            # A few MB in hundreds of files: the link and parallel readers of 16 MiB ranges say nothing here; one
            # reader opening the files one after another does.
            CONTENDERS=(cat "${CKPT_LAZY_AUTO[@]}")
          else
            # Away from the primary RTT, and on the capped link: the limit, the plain readers that can use the link
            # and auto (one reader at 10 ms would take minutes per run and says nothing new).
            CONTENDERS=(proxy "${wide_pars[@]}" "${CKPT_AUTO[@]}")
          fi
          run_contenders || failed=1
          ((failed)) || maybe_diagnose "$scenario-$rtt_value"
          netfs_down "$MOUNTPOINT"
          if ((failed)); then break; fi
        done
        if [[ "$scenario" == netfs-many || "$scenario" == netfs-tiny ]]; then prepare_data; fi
        ;;
    esac
    if ((failed)); then break; fi
    scenarios_done+="${scenarios_done:+, }$scenario"
    write_results "$started" "$scenarios_done" false
  done

  write_results "$started" "" true
  log "total $(($(date +%s) - started)) s"
  if [[ -n "$DIGEST_MISMATCH" ]]; then
    die "DIGEST MISMATCH: $DIGEST_MISMATCH"
  fi
  ((failed == 0)) || die "a scenario failed; see the log above"
}

# Writes OUT/benchmarks.json and OUT/BENCHMARKS.md from the runs so far: after every scenario (so an
# interrupted run still leaves its results) and at the end.
write_results() {
  local started="$1" scenarios_done="$2" complete="$3" parts
  # Through files, not arguments: the diagnosis (strace and perf output) and the summary outgrow what one argument of
  # a command may hold (128 KiB) once a few scenarios are done.
  parts="$(mktemp -d)"
  machine_description "$started" "$(date +%s)" >"$parts/machine.json"
  diagnosis_texts >"$parts/diagnosis.json"
  config_json >"$parts/config.json"
  jq -s '.' "$RUNS_FILE" | summarize "$rtt" >"$parts/summary.json"
  jq -s --slurpfile machine "$parts/machine.json" --slurpfile diagnosis "$parts/diagnosis.json" \
    --arg command "bench/run.sh ${original_args[*]}" --arg mismatch "$DIGEST_MISMATCH" \
    --argjson complete "$complete" --arg scenariosDone "$scenarios_done" \
    --slurpfile config "$parts/config.json" --slurpfile summary "$parts/summary.json" '{
      schema: 1, command: $command, complete: $complete,
      scenariosDone: (if $complete then null else $scenariosDone end), config: $config[0], machine: $machine[0],
      digestMismatch: (if $mismatch == "" then null else $mismatch end),
      summary: $summary[0], diagnosis: $diagnosis[0], runs: .
    }' "$RUNS_FILE" >"$out_dir/benchmarks.json.tmp"
  rm -rf -- "$parts"
  mv -- "$out_dir/benchmarks.json.tmp" "$out_dir/benchmarks.json"
  log "wrote $out_dir/benchmarks.json ($(wc -l <"$RUNS_FILE") runs)"
  write_report "$out_dir"
}

mount_netfs() {
  local rtt_value="$1" link_bandwidth="${2:-}" export_dir="$DATA_DIR"
  if [[ "$export_mode" == shm ]]; then
    # The export lives on tmpfs so the emulated server never waits for the local disk: cold means the
    # client's page cache is cold, and the numbers describe the emulated link (as in bench/NETFS.md).
    # One checkpoint at a time is kept there (memory is what the runs measure).
    export_dir="/dev/shm/ckpt-bench-export/${DATA_DIR##*/}"
    if [[ -z "$shm_export" || ! -d "$export_dir" ]]; then
      shm_export=/dev/shm/ckpt-bench-export
      rm -rf -- "$shm_export"
      log "copying the checkpoint to $export_dir (tmpfs export)"
      copy_checkpoint "$DATA_DIR" "$export_dir"
    fi
  fi
  NETFS_EXPORT_FILES=()
  local file
  for file in "${DATA_FILES[@]}"; do NETFS_EXPORT_FILES+=("$export_dir/${file##*/}"); done
  netfs_up "$export_dir" "$MOUNTPOINT" --rtt "$rtt_value" ${link_bandwidth:+--bandwidth "$link_bandwidth"}
}

config_json() {
  jq -nc --arg size "$size" --argjson shards "$shards" --argjson runs "$runs" --arg rtt "$rtt" \
    --arg rtts "$rtts" --arg scenarios "$scenarios" --arg par "$par" --arg export "$export_mode" \
    --argjson bytes "$TOTAL_BYTES" --arg dataDir "$DATA_DIR" --argjson quick "$quick" \
    --arg bandwidth "$bandwidth" --argjson manyShards "$many_shards" --argjson tinyShards "$tiny_shards" \
    --argjson hasLoad "$(have_load && echo true || echo false)" '{
      size: $size, shards: $shards, runs: $runs, rtt: $rtt, rtts: ($rtts | split(",")),
      cappedBandwidth: $bandwidth, manyShards: $manyShards, tinyShards: $tinyShards,
      scenarios: ($scenarios | split(",")), par: ($par | split(",") | map(tonumber)),
      netfsExport: $export, checkpointBytes: $bytes, dataDir: $dataDir, quick: ($quick == 1),
      ckptLoadAvailable: $hasLoad, cgroupVersion: '"${CGROUP_VERSION:-null}"', settleSeconds: '"$SETTLE_SECONDS"'
    }'
}

machine_description() {
  local started="$1" finished="$2" device
  device="$(df --output=source "$DATA_DIR" | tail -n1)"
  jq -nc \
    --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n1)" --argjson cores "$(nproc)" \
    --argjson memoryBytes "$(awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo)" \
    --arg kernel "$(uname -r)" --arg os "$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)" \
    --arg dotnet "$(dotnet --version 2>/dev/null)" \
    --arg df "$(df -hT "$DATA_DIR")" --arg lsblk "$(lsblk -o NAME,SIZE,TYPE,ROTA,MODEL "$device" 2>/dev/null || lsblk)" \
    --arg tools "$(
      printf 'sshfs %s; ' "$(sshfs --version 2>&1 | sed -n 's/^SSHFS version //p')"
      printf 'fuse %s; ' "$(fusermount3 --version 2>&1 | sed -n 's/.*version: //p')"
      printf '%s; ' "$(fio --version)"
      printf 'vmtouch %s; ' "$(dpkg-query -W -f='${Version}' vmtouch 2>/dev/null)"
      printf 'socat %s' "$(socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/\1/p')"
    )" \
    --arg commit "$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO_ROOT" diff --quiet 2>/dev/null || echo '+dirty')" \
    --arg started "$(date -u -d "@$started" +%Y-%m-%dT%H:%M:%SZ)" --argjson seconds "$((finished - started))" '{
      cpu: $cpu, cores: $cores, memoryBytes: $memoryBytes, kernel: $kernel, os: $os, dotnet: $dotnet,
      storageDf: $df, storageLsblk: $lsblk, tools: $tools, commit: $commit,
      started: $started, totalSeconds: $seconds
    }'
}

diagnosis_texts() {
  local file first=1
  printf '['
  for file in "$DIAG_DIR"/*.txt; do
    [[ -f "$file" ]] || continue
    ((first)) || printf ','
    first=0
    jq -nc --arg name "${file##*/}" --rawfile text "$file" '{name: $name, text: $text}'
  done
  printf ']'
}

main
