# shellcheck shell=bash
# Ending what a benchmark started, on success, failure or Ctrl-C (sourced; needs `log` and NETFS, the path of
# bench/netfs.sh). Everything is ended by the pid recorded when it was started, never by name.
#   stop_process PID             SIGTERM to PID's children (a wrapper such as /usr/bin/time only waits for its
#                                command), then to PID; waits for PID
#   start_group OUT ERR CMD...   runs CMD in a process group of its own (setsid) with standard output to OUT and error to
#                                ERR; sets STARTED_PID (also the group's id) and records it for stop_groups
#   stop_group PID               SIGTERM to the group, SIGKILL after 5 s; forgets it
#   stop_groups                  the same for every group still recorded, all at once
#   netfs_up EXPORT MOUNT ARGS   bench/netfs.sh up, recorded for netfs_down_all (ARGS: --rtt 2ms ...)
#   netfs_down MOUNT             bench/netfs.sh down; forgets it
#   netfs_down_all               netfs_down for every mount still recorded

STARTED_GROUPS=()
NETFS_MOUNTS=()

stop_process() {
  local pid="$1" child
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  for child in $(pgrep -P "$pid" 2>/dev/null || true); do kill -TERM "$child" 2>/dev/null || true; done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

start_group() {
  local out="$1" err="$2"
  shift 2
  # A background job of a script is never its process group's leader, so setsid needs no fork: $! is the command's
  # pid and the new group's id. Ctrl-C reaches only the script's own group; its trap ends these.
  setsid "$@" </dev/null >"$out" 2>"$err" &
  STARTED_PID=$!
  STARTED_GROUPS+=("$STARTED_PID")
}

stop_group() {
  signal_groups "$1"
  forget_group "$1"
}

# Ends every group still recorded: SIGTERM to all at once, then 5 s for all of them together, then SIGKILL.
stop_groups() {
  local pid
  ((${#STARTED_GROUPS[@]} > 0)) || return 0
  signal_groups "${STARTED_GROUPS[@]}"
  for pid in "${STARTED_GROUPS[@]}"; do forget_group "$pid"; done
}

signal_groups() {
  local pid alive tries=50
  for pid in "$@"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  while ((tries-- > 0)); do
    alive=0
    for pid in "$@"; do if kill -0 -- "-$pid" 2>/dev/null; then alive=1; fi; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "$@"; do
    if kill -0 -- "-$pid" 2>/dev/null; then
      log "process group $pid ignored SIGTERM for 5 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
}

# Reaps the group's leader (a child of this shell) and drops it from STARTED_GROUPS.
forget_group() {
  local kept=() other
  wait "$1" 2>/dev/null || true
  for other in "${STARTED_GROUPS[@]}"; do [[ "$other" == "$1" ]] || kept+=("$other"); done
  STARTED_GROUPS=("${kept[@]}")
}

netfs_up() {
  local export_dir="$1" mount="$2"
  shift 2
  mkdir -p -- "$mount"
  # Recorded before `up`: a failed `up` has already taken itself down, and `down` of a mount that is not there is a no-op.
  NETFS_MOUNTS+=("$mount")
  NETFS_SKIP_BUILD=1 "$NETFS" up "$export_dir" "$mount" "$@" >/dev/null
}

netfs_down() {
  local mount="$1" kept=() other status=0
  "$NETFS" down "$mount" || status=$?
  for other in "${NETFS_MOUNTS[@]}"; do [[ "$other" == "$mount" ]] || kept+=("$other"); done
  NETFS_MOUNTS=("${kept[@]}")
  return "$status"
}

netfs_down_all() {
  local mount
  for mount in "${NETFS_MOUNTS[@]}"; do netfs_down "$mount" || true; done
}
