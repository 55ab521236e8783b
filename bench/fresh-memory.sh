#!/usr/bin/env bash
# The memory limit of a cold load for bench/run.sh:
#
#   fresh-memory.sh FILE...
#
# Fills as many new pages as the files hold, one writer per file at once: dd copies zeros into a file on tmpfs
# (/dev/shm), then it is deleted. Any load that ends with the checkpoint's bytes in memory (in the page cache or in
# memory of its own) must bring in that many fresh pages; fio's direct reads into a few reused buffers do not. On a
# virtual machine whose host takes back freed memory (free page reporting), the first touch of each page is a host
# fault, and this, not the device, can be the limit. Exit status 0 only if every byte was written.
set -euo pipefail

(($# >= 1)) || {
  sed -n '4,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

scratch="$(mktemp -d /dev/shm/ckpt-fresh-memory.XXXXXX)"
trap 'rm -rf -- "$scratch"' EXIT

pids=()
index=0
for file in "$@"; do
  size="$(stat -c %s -- "$file")"
  # 4 MiB blocks, the last one short: exactly the file's bytes.
  dd if=/dev/zero of="$scratch/$((index++))" bs=4M count="$size" iflag=count_bytes status=none &
  pids+=("$!")
done

status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"
