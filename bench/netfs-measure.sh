#!/usr/bin/env bash
# Cold-read throughput of the emulated network file system (bench/netfs.sh), for bench/NETFS.md.
#
#   netfs-measure.sh EXPORT_DIR MOUNTPOINT [REPS] [CONFIG...]
#
# CONFIG is "name|tests|netfs.sh up options", e.g. "rtt2|cat fio1 fio8 mmap|--rtt 2ms --max-conns 8".
# Tests: cat, fioN (N parallel sequential readers, each its own 1/N of the file), mmap (fio mmap, 4 KiB).
# Every test starts cold (sync; drop_caches). Configurations and tests are interleaved within each
# repetition; the proxy's own TCP ceiling (no file system) is measured once per repetition too.
# Raw results go to bench/out/netfs-*.tsv, medians to standard output. Needs root.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly BENCH_DIR
readonly NETFS="$BENCH_DIR/netfs.sh"
readonly FILE_NAME=big.bin
readonly FILE_BYTES=$((2 * 1024 * 1024 * 1024))

(($# >= 2)) || {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
EXPORT_DIR="$(realpath -e -- "$1")"
MOUNTPOINT="$2"
REPS="${3:-3}"
shift $(($# >= 3 ? 3 : 2))
CONFIGS=("$@")
if ((${#CONFIGS[@]} == 0)); then
  CONFIGS=(
    "rtt2ms|cat fio1 fio2 fio4 fio8 fio16 mmap|--rtt 2ms"
    "rtt2ms-maxconns8|cat fio1 fio2 fio4 fio8 fio16|--rtt 2ms --max-conns 8"
  )
fi

mkdir -p "$BENCH_DIR/out"
RESULTS="$BENCH_DIR/out/netfs-$(date +%Y%m%d-%H%M%S).tsv"
printf 'rep\tconfig\ttest\tMBps\n' >"$RESULTS"

if [[ ! -f "$EXPORT_DIR/$FILE_NAME" ]]; then
  echo "writing $EXPORT_DIR/$FILE_NAME (2 GiB of random bytes)" >&2
  head -c "$FILE_BYTES" /dev/urandom >"$EXPORT_DIR/$FILE_NAME"
fi

cold() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
}

now() { date +%s.%N; }
rate() { awk -v bytes="$1" -v start="$2" -v end="$3" 'BEGIN { printf "%.1f", bytes / (end - start) / 1e6 }'; }

# fio's aggregate "READ: bw=..MiB/s (..MB/s)" line, in MB/s.
fio_rate() {
  sed -n 's/.*READ: bw=.*(\([0-9.]*\)\([kMG]\)B\/s).*/\1 \2/p' |
    awk '{ factor = ($2 == "k") ? 0.001 : ($2 == "G") ? 1000 : 1; printf "%.1f", $1 * factor }'
}

run_test() {
  local test="$1" file="$MOUNTPOINT/$FILE_NAME" start end jobs part
  cold
  case "$test" in
    cat)
      start="$(now)"
      cat -- "$file" >/dev/null
      end="$(now)"
      rate "$FILE_BYTES" "$start" "$end"
      ;;
    fio*)
      jobs="${test#fio}"
      part=$((FILE_BYTES / jobs))
      fio --name=seq --rw=read --bs=16m --direct=0 --ioengine=psync --numjobs="$jobs" \
        --size="$part" --offset_increment="$part" --filename="$file" --group_reporting | fio_rate
      ;;
    mmap)
      fio --name=mmap --rw=read --bs=4k --ioengine=mmap --numjobs=1 --size="$FILE_BYTES" \
        --filename="$file" --group_reporting | fio_rate
      ;;
    *)
      echo "unknown test $test" >&2
      return 1
      ;;
  esac
}

# TCP throughput through the proxy alone (bench/proxy-ceiling.sh: no file system).
ceiling() {
  local rtt="$1" start end
  start="$(now)"
  "$BENCH_DIR/proxy-ceiling.sh" "$rtt" "$EXPORT_DIR/$FILE_NAME"
  end="$(now)"
  rate "$FILE_BYTES" "$start" "$end"
}

record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" | tee -a "$RESULTS" >&2
}

# Build once, up front.
dotnet build -c Release -nologo -v quiet "$BENCH_DIR/Checkpoints.NetEmu/Checkpoints.NetEmu.csproj" >/dev/null
export NETFS_SKIP_BUILD=1

for rep in $(seq 1 "$REPS"); do
  for rtt in none 0 2ms; do
    record "$rep" "tcp-ceiling" "proxy-rtt-$rtt" "$(ceiling "$rtt")"
  done
  for config in "${CONFIGS[@]}"; do
    IFS='|' read -r name tests options <<<"$config"
    # shellcheck disable=SC2086 # options are words on purpose
    "$NETFS" up "$EXPORT_DIR" "$MOUNTPOINT" $options >/dev/null
    for test in $tests; do
      record "$rep" "$name" "$test" "$(run_test "$test")"
    done
    "$NETFS" down "$MOUNTPOINT"
  done
done

echo "medians of $REPS runs (MB/s); raw: $RESULTS"
tail -n +2 "$RESULTS" | sort -t$'\t' -k2,2 -k3,3 -k4,4g |
  awk -F'\t' '
    function flush() { if (n) printf "%s\t%s\t%s\n", key, (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, all }
    { k = $2 "\t" $3; if (k != key) { flush(); key = k; n = 0; all = "" } v[++n] = $4; all = all " " $4 }
    END { flush() }'
