#!/usr/bin/env bash
# The plain parallel read baseline for bench/run.sh:
#
#   par-read.sh N FILE...
#
# Takes the files end to end as one byte range, splits it into N contiguous parts (16 MiB aligned)
# and reads each part with its own sequential reader: fio, psync, 16 MiB reads, no O_DIRECT. A part
# that spans two files is a chain of fio jobs (wait_for), one per file; each piece's last partial
# block is its own job, so exactly the files' bytes are read, each once. fio's defaults matter here:
# it advises POSIX_FADV_SEQUENTIAL (on sshfs that alone is worth ~2.5x for one reader: larger
# readahead) and, unless told otherwise, drops the range from the page cache first (invalidate=0
# keeps warm runs warm). Exit status 0 only if fio succeeded.
set -euo pipefail

(($# >= 2)) || {
  sed -n '4,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
readers="$1"
shift
[[ "$readers" =~ ^[1-9][0-9]*$ ]] || {
  echo "par-read: N must be a positive integer" >&2
  exit 2
}
readonly block=$((16 << 20))

files=("$@")
sizes=()
total=0
for file in "${files[@]}"; do
  [[ "$file" != *:* ]] || {
    echo "par-read: fio cannot take a file name with ':' ($file)" >&2
    exit 2
  }
  size="$(stat -c %s -- "$file")"
  sizes+=("$size")
  total=$((total + size))
done

part=$(((total + readers - 1) / readers))
part=$(((part + block - 1) / block * block))

jobfile="$(mktemp --suffix=.fio)"
trap 'rm -f -- "$jobfile"' EXIT
{
  printf '[global]\nrw=read\nioengine=psync\ndirect=0\ninvalidate=0\ngroup_reporting\n'
  for ((reader = 0; reader < readers; reader++)); do
    start=$((reader * part))
    end=$((start + part < total ? start + part : total))
    base=0 previous="" piece=0
    for index in "${!sizes[@]}"; do
      size="${sizes[index]}"
      low=$((start > base ? start : base))
      high=$((end < base + size ? end : base + size))
      base=$((base + size))
      ((high > low)) || continue
      length=$((high - low))
      whole=$((length / block * block))
      # The whole 16 MiB blocks, then the rest in one read.
      for job in "$whole $block" "$((length - whole)) $((length - whole))"; do
        read -r job_size job_bs <<<"$job"
        ((job_size > 0)) || continue
        name="r${reader}p${piece}"
        piece=$((piece + 1))
        printf '[%s]\nfilename=%s\noffset=%d\nsize=%d\nbs=%d\n' \
          "$name" "${files[index]}" "$((low - (base - size)))" "$job_size" "$job_bs"
        [[ -n "$previous" ]] && printf 'wait_for=%s\n' "$previous"
        previous="$name"
        low=$((low + job_size))
      done
    done
  done
} >"$jobfile"

fio --output=/dev/null "$jobfile"
