#!/usr/bin/env bash
# Mount a folder through a real network file-system client with an emulated network in between:
#
#   sshfs (FUSE client) --TCP--> Checkpoints.NetEmu proxy (adds RTT) --TCP--> socat --> sftp-server
#
# Everything listens on and connects to 127.0.0.1 only. See bench/NETFS.md.
#
#   netfs.sh up   EXPORT MOUNTPOINT [--rtt 2ms] [--bandwidth 1GB/s] [--max-conns N] [--sshfs-opts OPTS] [--no-proxy]
#   netfs.sh down MOUNTPOINT
#   netfs.sh run  EXPORT MOUNTPOINT [options as for up] -- CMD [ARGS...]
#   netfs.sh stats MOUNTPOINT     # the bytes the mount's proxy carried so far, as JSON (bytesServerToClient, ...)
#   netfs.sh pin MOUNTPOINT CPUS  # run the mount's sshfs, proxy, socat and sftp-servers on CPUS only (taskset list, e.g. 1)
#
# Environment: NETFS_STATE_DIR (default /run/netfs) holds one state file and the logs per mount;
# NETFS_SKIP_BUILD=1 skips `dotnet build`. Needs root (apt-get, FUSE mounts of root's sftp-server).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly PROXY_PROJECT="$REPO_ROOT/bench/Checkpoints.NetEmu/Checkpoints.NetEmu.csproj"
readonly PROXY_DLL="$REPO_ROOT/bench/Checkpoints.NetEmu/bin/Release/net10.0/Checkpoints.NetEmu.dll"
readonly SFTP_SERVER=/usr/lib/openssh/sftp-server
readonly STATE_DIR="${NETFS_STATE_DIR:-/run/netfs}"
readonly PACKAGES=(sshfs socat openssh-sftp-server fuse3 vmtouch fio)

log() { printf 'netfs: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

ensure_packages() {
  bash "$REPO_ROOT/scripts/ensure-packages.sh" "${PACKAGES[@]}"
}

build_proxy() {
  if [[ "${NETFS_SKIP_BUILD:-0}" == 1 && -f "$PROXY_DLL" ]]; then
    return
  fi
  log "building the proxy"
  dotnet build -c Release -nologo -v quiet "$PROXY_PROJECT" >&2
}

# One state file per mount point, named after its absolute path.
state_file_for() {
  local mountpoint="$1"
  printf '%s/%s.state' "$STATE_DIR" "$(printf '%s' "$mountpoint" | sha1sum | cut -c1-16)"
}

# Appends KEY=VALUE to the state file, shell-quoted, so `down` can clean up after a partial `up`.
record() {
  printf '%s=%q\n' "$1" "$2" >>"$STATE_FILE"
}

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# Waits up to $2 tenths of a second for pid $1 to exit.
wait_exit() {
  local pid="$1" tries="$2"
  while alive "$pid" && ((tries-- > 0)); do
    sleep 0.1
  done
  ! alive "$pid"
}

port_listening() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

start_sftp_server() {
  local export_dir="$1" attempt port pid
  for attempt in $(seq 1 40); do
    port=$((20000 + (RANDOM % 40000)))
    port_listening "$port" && continue
    # setsid: socat and the sftp-servers it forks form one process group that `down` can end as a whole.
    # nodelay: without it Nagle holds back a small reply behind an unacknowledged one until the peer's delayed
    # acknowledgement (up to 40 ms), an artefact of the emulator rather than of the network: an open took ~50 ms, not ~10.
    setsid socat -b 262144 "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,nodelay" "EXEC:$SFTP_SERVER" \
      </dev/null >>"$LOG_DIR/socat.log" 2>&1 &
    pid=$!
    local tries=50
    while ((tries-- > 0)) && alive "$pid" && ! port_listening "$port"; do
      sleep 0.1
    done
    if alive "$pid" && port_listening "$port"; then
      record SOCAT_PID "$pid"
      record SFTP_PORT "$port"
      SFTP_PORT="$port"
      return
    fi
    kill "$pid" 2>/dev/null || true
    log "port $port unavailable (attempt $attempt), trying another"
  done
  die "could not start socat on a free loopback port (export $export_dir)"
}

start_proxy() {
  local rtt="$1" bandwidth="$2" pid tries=300 args
  # --stats: the proxy writes what it carried to this file on SIGUSR1 (`netfs.sh stats`) and when it stops.
  args=(--listen 127.0.0.1:0 --target "127.0.0.1:$SFTP_PORT" --rtt "$rtt" --stats "$LOG_DIR/proxy-stats.json")
  [[ -n "$bandwidth" ]] && args+=(--bandwidth "$bandwidth")
  : >"$LOG_DIR/proxy.out"
  # The logs folder outlives a mount (a later `up` of the same mount point reuses it): a new proxy numbers its
  # snapshots from 1 again, so the last mount's final snapshot must go.
  rm -f -- "$LOG_DIR/proxy-stats.json"
  # No thread-pool spinning: on 2 cores the spin (sched_yield) cost a third of the proxy's CPU time.
  DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 DOTNET_TieredPGO=1 \
    setsid dotnet "$PROXY_DLL" "${args[@]}" </dev/null >"$LOG_DIR/proxy.out" 2>>"$LOG_DIR/proxy.log" &
  pid=$!
  record PROXY_PID "$pid"
  record STATS_FILE "$LOG_DIR/proxy-stats.json"
  # The proxy prints its port as the first line of standard output.
  while ((tries-- > 0)) && alive "$pid" && ! [[ -s "$LOG_DIR/proxy.out" ]]; do
    sleep 0.1
  done
  PROXY_PORT="$(head -n1 "$LOG_DIR/proxy.out" 2>/dev/null || true)"
  [[ "$PROXY_PORT" =~ ^[0-9]+$ ]] || die "the proxy did not start; see $LOG_DIR/proxy.log"
  record PROXY_PORT "$PROXY_PORT"
}

start_sshfs() {
  local export_dir="$1" mountpoint="$2" max_conns="$3" extra="$4" options pid tries=300
  options="directport=$PROXY_PORT,kernel_cache"
  if [[ "$max_conns" != 1 ]]; then
    sshfs --help 2>&1 | grep -q max_conns || die "this sshfs has no max_conns option; use --max-conns 1"
    options+=",max_conns=$max_conns"
  fi
  [[ -n "$extra" ]] && options+=",$extra"
  # -f keeps sshfs in the foreground so its pid is ours to stop; setsid detaches it from our terminal.
  setsid sshfs -f -o "$options" "127.0.0.1:$export_dir" "$mountpoint" </dev/null >>"$LOG_DIR/sshfs.log" 2>&1 &
  pid=$!
  record SSHFS_PID "$pid"
  while ((tries-- > 0)) && alive "$pid" && ! mountpoint -q "$mountpoint"; do
    sleep 0.1
  done
  mountpoint -q "$mountpoint" || die "sshfs did not mount $mountpoint; see $LOG_DIR/sshfs.log"
  record SSHFS_OPTIONS "$options"
}

cmd_up() {
  (($# >= 2)) || usage
  local export_dir mountpoint rtt=2ms bandwidth="" max_conns=1 extra="" use_proxy=1
  export_dir="$(realpath -e -- "$1")" || die "export folder $1 does not exist"
  [[ -d "$export_dir" ]] || die "export $export_dir is not a folder"
  mkdir -p -- "$2"
  mountpoint="$(realpath -e -- "$2")"
  shift 2
  while (($# > 0)); do
    case "$1" in
      --rtt) rtt="${2:?--rtt needs a value}"; shift 2 ;;
      --bandwidth) bandwidth="${2:?--bandwidth needs a value}"; shift 2 ;;
      --max-conns) max_conns="${2:?--max-conns needs a value}"; shift 2 ;;
      --sshfs-opts) extra="${2:?--sshfs-opts needs a value}"; shift 2 ;;
      --no-proxy) use_proxy=0; shift ;; # baseline: sshfs straight to socat, no emulated link
      *) die "unknown option $1" ;;
    esac
  done
  if ! [[ "$max_conns" =~ ^[0-9]+$ ]] || ((max_conns < 1)); then
    die "--max-conns must be a positive integer"
  fi
  ((EUID == 0)) || die "run as root"
  mountpoint -q "$mountpoint" && die "$mountpoint is already a mount point"
  [[ "$mountpoint" == "$export_dir" ]] && die "mount point and export must differ"

  ensure_packages
  build_proxy

  mkdir -p "$STATE_DIR"
  STATE_FILE="$(state_file_for "$mountpoint")"
  [[ -e "$STATE_FILE" ]] && die "$STATE_FILE exists: run '$0 down $mountpoint' first"
  LOG_DIR="${STATE_FILE%.state}.logs"
  mkdir -p "$LOG_DIR"
  : >"$STATE_FILE"
  record MOUNTPOINT "$mountpoint"
  record EXPORT "$export_dir"
  record LOG_DIR "$LOG_DIR"
  record RTT "$rtt"
  record BANDWIDTH "$bandwidth"

  # A failure half-way leaves processes behind: take down whatever was recorded so far.
  # Under `run`, its own EXIT trap already does that.
  [[ -z "${RUN_MOUNTPOINT:-}" ]] && trap 'log "up failed; cleaning up"; cmd_down "$mountpoint" || true' EXIT
  start_sftp_server "$export_dir"
  if ((use_proxy)); then
    start_proxy "$rtt" "$bandwidth"
  else
    PROXY_PORT="$SFTP_PORT"
    rtt=none
  fi
  start_sshfs "$export_dir" "$mountpoint" "$max_conns" "$extra"
  [[ -z "${RUN_MOUNTPOINT:-}" ]] && trap - EXIT

  log "mounted 127.0.0.1:$export_dir on $mountpoint (rtt $rtt${bandwidth:+, bandwidth $bandwidth}, max_conns $max_conns; proxy :$PROXY_PORT -> sftp :$SFTP_PORT; logs $LOG_DIR)"
  printf '%s\n' "$mountpoint"
}

cmd_down() {
  (($# == 1)) || usage
  local mountpoint state SOCAT_PID="" PROXY_PID="" SSHFS_PID="" LOG_DIR="" tries
  mountpoint="$(realpath -m -- "$1")"
  state="$(state_file_for "$mountpoint")"
  if [[ ! -f "$state" ]]; then
    mountpoint -q "$mountpoint" && die "$mountpoint is mounted but was not mounted by netfs.sh (no $state)"
    log "nothing to take down at $mountpoint"
    return 0
  fi
  # shellcheck disable=SC1090 # written by `record` with %q quoting
  source "$state"

  if mountpoint -q "$mountpoint"; then
    tries=30
    until fusermount3 -u "$mountpoint" 2>/dev/null; do
      if ((tries-- <= 0)); then
        log "$mountpoint busy; detaching lazily"
        fusermount3 -uz "$mountpoint" || umount -l "$mountpoint"
        break
      fi
      sleep 0.2
    done
  fi
  stop_pid "$SSHFS_PID" sshfs
  stop_pid "$PROXY_PID" proxy
  if alive "$SOCAT_PID"; then
    # The group holds socat and the sftp-servers it forked for each connection.
    kill -TERM -- "-$SOCAT_PID" 2>/dev/null || true
    wait_exit "$SOCAT_PID" 50 || kill -KILL -- "-$SOCAT_PID" 2>/dev/null || true
  fi
  if [[ -n "$SOCAT_PID" ]]; then
    pkill -KILL -g "$SOCAT_PID" 2>/dev/null || true
    tries=50
    while ((tries-- > 0)) && pgrep -g "$SOCAT_PID" >/dev/null; do
      sleep 0.1
    done
  fi
  rm -f -- "$state"
  log "unmounted $mountpoint"
}

stop_pid() {
  local pid="$1" name="$2"
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_exit "$pid" 100; then
    log "$name ($pid) ignored SIGTERM; killing"
    kill -KILL "$pid" 2>/dev/null || true
    wait_exit "$pid" 50 || log "$name ($pid) is still running"
  fi
}

# Asks the mount's proxy for a snapshot of its counters (SIGUSR1) and prints it once written: one JSON line,
# {"sequence":N,"final":false,"bytesClientToServer":..,"bytesServerToClient":..,"connectionsAccepted":..,"connectionsOpen":..}.
# Counted since `up`, all connections together; bytesServerToClient is what the server sent (file data, replies).
cmd_stats() {
  (($# == 1)) || usage
  local mountpoint state PROXY_PID="" STATS_FILE="" before=0 snapshot tries=100
  mountpoint="$(realpath -m -- "$1")"
  state="$(state_file_for "$mountpoint")"
  [[ -f "$state" ]] || die "$mountpoint was not mounted by netfs.sh (no $state)"
  # shellcheck disable=SC1090 # written by `record` with %q quoting
  source "$state"
  [[ -n "$STATS_FILE" ]] || die "$mountpoint has no proxy (mounted with --no-proxy, or by an older netfs.sh)"
  alive "$PROXY_PID" || die "the proxy of $mountpoint ($PROXY_PID) is not running"
  if [[ -f "$STATS_FILE" ]]; then before="$(stats_sequence "$STATS_FILE")"; fi
  kill -USR1 "$PROXY_PID"
  # The proxy renames each snapshot into place whole: a larger sequence number means ours (or a later one) is there.
  while ((tries-- > 0)); do
    if [[ -f "$STATS_FILE" ]]; then
      snapshot="$(cat -- "$STATS_FILE")"
      if (($(stats_sequence <<<"$snapshot") > before)); then
        printf '%s\n' "$snapshot"
        return 0
      fi
    fi
    sleep 0.05
  done
  die "the proxy of $mountpoint ($PROXY_PID) wrote no statistics to $STATS_FILE within 5 s; see $LOG_DIR/proxy.log"
}

# Confines every process of the emulated network behind a mount (the sshfs client, the proxy, socat and the sftp-servers
# it forked) to CPUS, threads included: with the loader on the other CPUs, the machine stands for a node whose network
# and storage server do not take its cores.
cmd_pin() {
  (($# == 2)) || usage
  local mountpoint state cpus="$2" SOCAT_PID="" PROXY_PID="" SSHFS_PID="" pid
  [[ "$cpus" =~ ^[0-9]+([,-][0-9]+)*$ ]] || die "'$cpus' is not a CPU list (such as 1, or 0-1,3)"
  mountpoint="$(realpath -m -- "$1")"
  state="$(state_file_for "$mountpoint")"
  [[ -f "$state" ]] || die "$mountpoint was not mounted by netfs.sh (no $state)"
  # shellcheck disable=SC1090 # written by `record` with %q quoting
  source "$state"
  for pid in "$SSHFS_PID" "$PROXY_PID" $(pgrep -g "$SOCAT_PID"); do
    [[ -n "$pid" ]] || continue
    taskset -a -p -c "$cpus" "$pid" >/dev/null || die "could not pin process $pid of $mountpoint to CPUs $cpus"
  done
}

# The "sequence" number of a snapshot (a file, or standard input), without needing jq.
stats_sequence() { sed -n 's/.*"sequence":\([0-9][0-9]*\).*/\1/p' "$@" | head -n1 | grep . || echo 0; }

cmd_run() {
  local up_args=() export_dir="${1:-}" mountpoint="${2:-}"
  (($# >= 2)) || usage
  shift 2
  while (($# > 0)) && [[ "$1" != "--" ]]; do
    up_args+=("$1")
    shift
  done
  (($# > 1)) || die "run needs -- CMD"
  shift
  mkdir -p -- "$mountpoint"
  mountpoint="$(realpath -e -- "$mountpoint")"
  RUN_MOUNTPOINT="$mountpoint"
  trap 'cmd_down "$RUN_MOUNTPOINT" || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  cmd_up "$export_dir" "$mountpoint" "${up_args[@]}" >/dev/null
  local status=0
  "$@" || status=$?
  return "$status"
}

main() {
  (($# >= 1)) || usage
  local command="$1"
  shift
  case "$command" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    run) cmd_run "$@" ;;
    stats) cmd_stats "$@" ;;
    pin) cmd_pin "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
