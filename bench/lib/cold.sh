# shellcheck shell=bash
# Cold runs, shared by the benchmark scripts (sourced; needs `log`).
#   choose_settle [SECONDS]   sets SETTLE_SECONDS: the given value, else 5 on a VM that reports free pages, else 0
#   cold                      empties the page cache and waits SETTLE_SECONDS

cold() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
  if ((SETTLE_SECONDS > 0)); then sleep "$SETTLE_SECONDS"; fi
}

# A virtual machine whose balloon reports free pages (virtio balloon feature bit 5, VIRTIO_BALLOON_F_REPORTING)
# gives the memory drop_caches frees back to its host within seconds (a 2 s delay, then batches), and the first
# access to each page afterwards costs a host fault. A run started at once finds the memory still backed or not
# depending on timing: consecutive cold runs here alternated between 1.4 and 3 s (cat, lazy and the rest alike), so
# a contender's position in the interleaving decided its result. Waiting until the host has taken it all puts every
# run in the same state (the coldest one: also the memory is cold).
free_page_reporting() {
  local device
  for device in /sys/bus/virtio/devices/*; do
    [[ -r "$device/device" && "$(cat -- "$device/device")" == 0x0005 ]] || continue
    [[ "$(cut -c6 -- "$device/features" 2>/dev/null)" == 1 ]] && return 0
  done
  return 1
}

choose_settle() {
  if [[ -n "${1:-}" ]]; then
    SETTLE_SECONDS="$1"
  elif free_page_reporting; then
    SETTLE_SECONDS=5
    log "this VM's balloon gives freed memory back to its host: waiting 5 s after each cache drop (--settle)"
  else
    SETTLE_SECONDS=0
  fi
}
