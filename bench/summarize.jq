# bench/run.sh: raw runs (an array) -> medians per scenario and contender, ratios, targets.
# --arg primaryRtt: the RTT the network targets are judged at.
#
# Ratios of speed are baseline wall time / contender wall time (above 1: the contender is faster).
# Throughput is the checkpoint's file bytes / wall time of the whole command (process start included).

def median: map(select(. != null)) | sort
  | if length == 0 then null elif length % 2 == 1 then .[(length - 1) / 2] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def ordered_unique: reduce .[] as $x ([]; if any(.[]; . == $x) then . else . + [$x] end);
def div($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;
# The in-memory checksum speed, if this ckpt reports one (the name is whichever the load command uses).
def checksum_rate: .inMemoryBytesPerSecond // .inMemoryDigestBytesPerSecond // .memoryDigestBytesPerSecond
  // .digestBytesPerSecondInMemory // .inMemoryChecksumBytesPerSecond // .checksumBytesPerSecond // .digestInMemoryBytesPerSecond;

def contender_stats:
  . as $all
  | ($all | map(select(.exitStatus == 0))) as $ok
  | ($ok | map(.wallSeconds) | median) as $wall
  | {
      name: $all[0].contender,
      runs: ($all | length),
      ok: ($ok | length),
      oomKilled: ($all | map(select(.oomKilled)) | length),
      wallSeconds: $wall,
      wallSecondsRuns: ($all | map(if .exitStatus == 0 then .wallSeconds else null end)),
      runsText: ($all | map(if .exitStatus == 0 then .wallSeconds
        elif .oomKilled then "OOM-killed after \(.wallSeconds * 10 | round / 10) s"
        else "exit \(.exitStatus) after \(.wallSeconds * 10 | round / 10) s" end)),
      failures: ($all | map(select(.exitStatus != 0) | {run, exitStatus, oomKilled, stderrTail})),
      megabytesPerSecond: div($all[0].bytes; $wall) | (if . == null then null else . / 1e6 end),
      cpuSeconds: ($ok | map(.cpuSeconds) | median),
      cpuSecondsPerGB: div(($ok | map(.cpuSeconds) | median); $all[0].bytes / 1e9),
      peakRssBytes: ($ok | map(.peakRssBytes) | median),
      cgroupPeakBytesMax: ($all | map(.cgroup.peakBytes // null) | map(select(. != null)) | max),
      cgroupLimitBytes: $all[0].cgroupLimitBytes,
      loadSeconds: ($ok | map(.ckpt.seconds // null) | median),
      loadBytesPerSecond: ($ok | map(.ckpt.bytesPerSecond // null) | median),
      # Iterating and checksumming alone: bytes over the load's time after the open (planning, headers) ended.
      iterateBytesPerSecond: ($ok | map(.ckpt // {} | if .seconds != null and .openSeconds != null and .seconds > .openSeconds
        then .bytes / (.seconds - .openSeconds) else null end) | median),
      loadPeakRssBytes: ($ok | map(.ckpt.peakRssBytes // null) | median),
      checksumBytesPerSecond: ($ok | map(.ckpt // {} | checksum_rate) | median),
      plan: ($ok | map(.ckpt.plan // null) | map(select(. != null)) | .[0] // null)
    };

. as $runs
| ($runs | map({scenario, rtt}) | ordered_unique) as $keys
| [ $keys[] as $k
    | ($runs | map(select(.scenario == $k.scenario and .rtt == $k.rtt))) as $these
    | ($these | map(.contender) | ordered_unique) as $names
    | [ $names[] as $n | $these | map(select(.contender == $n)) | contender_stats ] as $contenders
    | ($contenders | map(select(.name | startswith("par-")) | select(.wallSeconds != null)) | sort_by(.wallSeconds) | .[0] // null) as $best
    | ($contenders | map(select(.name == "cat")) | .[0] // null) as $cat
    # The physical limit: fio's direct reads for the local disk, the emulated link alone for the network.
    | ($contenders | map(select(.name == "fio" or .name == "proxy")) | .[0] // null) as $limit
    | {
        scenario: $k.scenario, rtt: $k.rtt, storage: $these[0].storage,
        bytes: $these[0].bytes, shardCount: $these[0].shards, cgroupLimitBytes: $these[0].cgroupLimitBytes,
        bestParallel: ($best.name // null), limit: ($limit.name // null),
        contenders: [ $contenders[]
          | .vsCat = div($cat.wallSeconds; .wallSeconds)
          | .vsBestParallel = div($best.wallSeconds; .wallSeconds)
          | .vsLimit = div($limit.wallSeconds; .wallSeconds) ]
      } ] as $scenarios
| def find($s; $rtt): $scenarios | map(select(.scenario == $s and ($rtt == null or .rtt == $rtt))) | .[0] // null;
  def c($s; $name): if $s == null then null else ($s.contenders | map(select(.name == $name)) | .[0] // null) end;
  # Beside the device's limit, the memory's: a load that ends with the bytes in memory fills as many fresh pages as the
  # "memory" contender does, so it cannot beat the slower of the two.
  # Eager reads into new anonymous memory, which the "memory-anon" contender fills; the rest end in the page cache.
  def memory_note($s; $name):
    (if $name == "ckpt-eager" and c($s; "memory-anon") != null then c($s; "memory-anon") else c($s; "memory") end) as $memory
    | (c($s; "fio")) as $fio | (c($s; $name)) as $it
    | if $memory == null or $fio == null or $it == null then null
      else ([$memory.wallSeconds, $fio.wallSeconds] | max) as $both
      | "fresh memory (\($memory.name)) \($memory.wallSeconds * 100 | round / 100) s, fio \($fio.wallSeconds * 100 | round / 100) s: \($name | ltrimstr("ckpt-")) reaches \(div($both; $it.wallSeconds) * 100 | round / 100)x the slower of the two" end;
  def target($id; $s; $what; $measured; $cmp; $goal; $detail):
    { id: $id, scenario: ($s.scenario // null), rtt: ($s.rtt // null), target: $what, measured: $measured,
      comparison: $cmp, goal: $goal,
      pass: (if $measured == null then null elif $cmp == ">=" then $measured >= $goal else $measured <= $goal end),
      detail: $detail };
  (find("netfs-cold"; $primaryRtt)) as $net
| (find("local-cold"; null)) as $local
| (find("netfs-cgroup"; $primaryRtt)) as $mem
| (find("local-warm"; null)) as $warm
| (find("netfs-tiny"; $primaryRtt)) as $tiny
| (c($net; "ckpt-auto")) as $netAuto
| (c($mem; "ckpt-auto")) as $memAuto
| (c($warm; "ckpt-auto")) as $warmAuto
| {
    scenarios: $scenarios,
    targets: [
      target("netfs-auto-vs-lazy"; $net; "network FS cold: auto vs lazy (speed-up)";
        div(c($net; "ckpt-lazy").wallSeconds; $netAuto.wallSeconds); ">="; 4; null),
      target("netfs-auto-vs-vmtouch"; $net; "network FS cold: auto vs vmtouch -t + lazy (speed-up)";
        div(c($net; "vmtouch+lazy").wallSeconds; $netAuto.wallSeconds); ">="; 4; null),
      target("netfs-auto-vs-parallel"; $net; "network FS cold: auto throughput / best plain parallel read";
        div($netAuto.megabytesPerSecond; c($net; $net.bestParallel).megabytesPerSecond); ">="; 1.0;
        (if $net.bestParallel then "best plain parallel read: \($net.bestParallel)" else null end)),
      target("netfs-auto-cpu"; $net; "network FS cold: auto's CPU s/GB / the best plain parallel read's";
        div($netAuto.cpuSecondsPerGB; c($net; $net.bestParallel).cpuSecondsPerGB); "<="; 1.2;
        (if $netAuto then "auto \($netAuto.cpuSecondsPerGB // 0 | . * 100 | round / 100) CPU s/GB, \($net.bestParallel // "?") \(c($net; $net.bestParallel).cpuSecondsPerGB // 0 | . * 100 | round / 100)" else null end)),
      ($scenarios[] | select(.scenario == "netfs-cold" and .rtt != $primaryRtt) as $other
        | target("netfs-auto-vs-parallel-\($other.rtt)"; $other; "network FS cold at \($other.rtt): auto throughput / best plain parallel read";
            div(c($other; "ckpt-auto").megabytesPerSecond; c($other; $other.bestParallel).megabytesPerSecond); ">="; 0.9;
            (if $other.bestParallel then "best plain parallel read: \($other.bestParallel)" else null end))),
      target("local-auto-vs-fio"; $local; "local cold: auto throughput / fio direct (the device's limit)";
        div(c($local; "ckpt-auto").megabytesPerSecond; c($local; "fio").megabytesPerSecond); ">="; 0.9; memory_note($local; "ckpt-auto")),
      target("local-eager-vs-fio"; $local; "local cold: eager (owned memory) throughput / fio direct";
        div(c($local; "ckpt-eager").megabytesPerSecond; c($local; "fio").megabytesPerSecond); ">="; 0.9; memory_note($local; "ckpt-eager")),
      target("local-auto-vs-cat"; $local; "local cold: auto wall time / cat wall time";
        div(c($local; "ckpt-auto").wallSeconds; c($local; "cat").wallSeconds); "<="; 1.15; null),
      target("cgroup-auto-vs-lazy"; $mem; "memory-limited network FS: auto vs lazy (speed-up)";
        div(c($mem; "ckpt-lazy").wallSeconds; $memAuto.wallSeconds); ">="; 2;
        (if c($mem; "ckpt-lazy") and c($mem; "ckpt-lazy").ok < c($mem; "ckpt-lazy").runs
         then "lazy failed in \(c($mem; "ckpt-lazy").runs - c($mem; "ckpt-lazy").ok) run(s)" else null end)),
      (target("cgroup-auto-memory"; $mem; "memory-limited network FS: auto's peak cgroup memory / limit, no OOM kill";
        div($memAuto.cgroupPeakBytesMax; $mem.cgroupLimitBytes); "<="; 1;
        (if $memAuto == null then null
         else "OOM kills: \($memAuto.oomKilled); runs ok: \($memAuto.ok)/\($memAuto.runs); process peak RSS \(($memAuto.peakRssBytes // 0) / 1048576 | round) MiB (file pages of the map included). The cgroup's peak includes page cache, which the kernel lets grow to the limit and then reclaims, so a peak at the limit is expected; an OOM kill or a failed run is the failure" end))
        | if $memAuto != null and ($memAuto.oomKilled > 0 or $memAuto.ok < $memAuto.runs) then .pass = false else . end),
      target("warm-checksum"; $warm; "warm: iterate-and-checksum speed (after open) / in-memory checksum speed";
        div($warmAuto.iterateBytesPerSecond; $warmAuto.checksumBytesPerSecond); ">="; 0.8;
        (if $warmAuto == null then null
         elif $warmAuto.checksumBytesPerSecond == null then "ckpt load reports no in-memory checksum speed; for scale, the BenchmarkDotNet digest benchmark (bench/Checkpoints.Benchmarks/RESULTS.md) hashes a warm 256 MiB map at ~33 GB/s on this machine"
         else "whole load, open included (\(($warmAuto.loadSeconds // 0) * 1000 | round) ms, of which open is planning, headers and residency): \(div($warmAuto.loadBytesPerSecond; $warmAuto.checksumBytesPerSecond) // 0 | . * 100 | round / 100)" end)),
      target("netfs-tiny-auto"; $tiny; "network FS cold, hundreds of tiny shards: auto's wall time in seconds, process start included";
        c($tiny; "ckpt-auto").wallSeconds; "<="; 2;
        (if c($tiny; "ckpt-auto") then "\($tiny.shardCount) shards of \(div($tiny.bytes; $tiny.shardCount) // 0 | round) bytes on average; the load's own time (open to last byte) \(c($tiny; "ckpt-auto").loadSeconds // 0 | . * 100 | round / 100) s; cat \(c($tiny; "cat").wallSeconds // 0 | . * 100 | round / 100) s" else null end)),
      target("warm-whole-load"; $warm; "warm: whole load, open included / in-memory checksum speed";
        div($warmAuto.loadBytesPerSecond; $warmAuto.checksumBytesPerSecond); ">="; 0.8;
        (if $warmAuto then "load \(($warmAuto.loadSeconds // 0) * 1000 | round) ms including the open" else null end))
    ],
    digests: ($runs | map(select(.exitStatus == 0) | .ckpt.digest // null) | map(select(. != null)) | unique)
  }
