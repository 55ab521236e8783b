#!/usr/bin/env bash
# The memory limit of a cold load for bench/run.sh:
#
#   fresh-memory.sh [--anonymous] FILE...
#
# Fills as many new pages as the files hold, one writer per file at once: dd copies zeros into a file on tmpfs
# (/dev/shm), then it is deleted. Any load that ends with the checkpoint's bytes in memory (in the page cache or in
# memory of its own) must bring in that many fresh pages; fio's direct reads into a few reused buffers do not. On a
# virtual machine whose host takes back freed memory (free page reporting), the first touch of each page is a host
# fault, and this, not the device, can be the limit. --anonymous: new anonymous memory instead, the kind an eager
# load reads into (each dd's buffer is one file's size, filled once from /dev/zero). Exit status 0 only if every
# byte was written.
set -euo pipefail

(($# >= 1)) || {
  sed -n '4,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

anonymous=0
if [[ "$1" == --anonymous ]]; then
  anonymous=1
  shift
  (($# >= 1)) || { echo "fresh-memory: no files" >&2; exit 2; }
fi

scratch="$(mktemp -d /dev/shm/ckpt-fresh-memory.XXXXXX)"
trap 'rm -rf -- "$scratch"' EXIT

pids=()
index=0
for file in "$@"; do
  size="$(stat -c %s -- "$file")"
  if ((anonymous)); then
    # One block of the file's size: dd's buffer is that much new anonymous memory, each page written once.
    dd if=/dev/zero of=/dev/null bs="$size" count=1 iflag=fullblock status=none &
  else
    # 4 MiB blocks, the last one short: exactly the file's bytes.
    dd if=/dev/zero of="$scratch/$((index++))" bs=4M count="$size" iflag=count_bytes status=none &
  fi
  pids+=("$!")
done

status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"
