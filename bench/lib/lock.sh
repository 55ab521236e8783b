# shellcheck shell=bash
# The machine-wide benchmark lock (sourced; needs `log`): while /tmp/ckpt-bench.lock exists another benchmark is
# measuring, and others (bench/startup.sh, people) wait before timing anything.
#   take_bench_lock      waits while another holds it, then creates it atomically, naming this script and its pid
#   release_bench_lock   removes it if this process took it (safe to repeat; call it from the EXIT trap too)

readonly BENCH_LOCK=/tmp/ckpt-bench.lock
BENCH_LOCK_HELD=0

take_bench_lock() {
  local waited=0
  # noclobber makes `>` an O_EXCL create: of two scripts racing for a free lock, one gets it.
  until (set -o noclobber && printf '%s pid %s, since %(%F %T)T\n' "${BASH_SOURCE[-1]##*/}" "$$" -1 >"$BENCH_LOCK") 2>/dev/null; do
    if ((waited % 300 == 0)); then
      log "waiting for $BENCH_LOCK (held by: $(cat -- "$BENCH_LOCK" 2>/dev/null || echo '?'))"
    fi
    sleep 5
    waited=$((waited + 5))
  done
  BENCH_LOCK_HELD=1
}

release_bench_lock() {
  if ((BENCH_LOCK_HELD)); then
    rm -f -- "$BENCH_LOCK"
    BENCH_LOCK_HELD=0
  fi
}
