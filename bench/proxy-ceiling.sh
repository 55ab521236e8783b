#!/usr/bin/env bash
# The emulated link's own ceiling, for bench/run.sh and bench/netfs-measure.sh:
#
#   [CEILING_BANDWIDTH=200MB/s] proxy-ceiling.sh RTT FILE...
#
# Streams the files, end to end, through one TCP connection on loopback into a discarding socat:
# through a fresh latency proxy delaying it by RTT (e.g. 2ms), or straight when RTT is "none". No
# file system, no sftp: what the proxy alone can carry, to set beside what the mount carries.
# The time includes starting the proxy (about 0.3 s), so the figure errs low. Every process it starts
# is stopped on exit, also on failure.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly PROXY_DLL="$BENCH_DIR/Checkpoints.NetEmu/bin/Release/net10.0/Checkpoints.NetEmu.dll"

(($# >= 2)) || {
  sed -n '4,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
rtt="$1"
shift
[[ "$rtt" == none || -f "$PROXY_DLL" ]] || {
  echo "proxy-ceiling: $PROXY_DLL is not built (dotnet build -c Release bench/Checkpoints.NetEmu)" >&2
  exit 2
}

sink_pid="" proxy_pid="" scratch="$(mktemp -d)"
stop() {
  local pid
  for pid in "$proxy_pid" "$sink_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf -- "$scratch"
}
trap stop EXIT

# Waits until a command's first line of output (a port) appears, or the process ends.
first_line() {
  local file="$1" pid="$2" tries=200
  while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null && ! [[ -s "$file" ]]; do sleep 0.02; done
  head -n1 -- "$file"
}

# The sink: socat picks a free port and reports it (-d -d logs "listening on ...:PORT").
socat -d -d -b 1048576 -u TCP-LISTEN:0,bind=127.0.0.1 OPEN:/dev/null 2>"$scratch/sink.log" &
sink_pid=$!
tries=200
until sink_port="$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$scratch/sink.log" | head -n1)" && [[ -n "$sink_port" ]]; do
  ((tries-- > 0)) && kill -0 "$sink_pid" 2>/dev/null || {
    echo "proxy-ceiling: the socat sink did not start: $(cat -- "$scratch/sink.log")" >&2
    exit 1
  }
  sleep 0.02
done

port="$sink_port"
if [[ "$rtt" != none ]]; then
  # As netfs.sh starts it: no thread-pool spinning (on 2 cores it cost a third of the proxy's CPU).
  # CEILING_BANDWIDTH: the same cap as the mount's proxy (netfs.sh --bandwidth), for a capped link's limit.
  DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$PROXY_DLL" --target "127.0.0.1:$sink_port" --rtt "$rtt" \
    ${CEILING_BANDWIDTH:+--bandwidth "$CEILING_BANDWIDTH"} >"$scratch/proxy.out" 2>"$scratch/proxy.log" &
  proxy_pid=$!
  port="$(first_line "$scratch/proxy.out" "$proxy_pid")"
  [[ "$port" =~ ^[0-9]+$ ]] || {
    echo "proxy-ceiling: the proxy did not start: $(cat -- "$scratch/proxy.log")" >&2
    exit 1
  }
fi

cat -- "$@" | socat -b 1048576 -u STDIN "TCP:127.0.0.1:$port"
# The sink exits when the stream ends: the transfer is complete when it has.
wait "$sink_pid"
sink_pid=""
