# bench/server.sh: the runs (slurped) -> medians per set-up and the issue's two ratios.
def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
. as $runs
| ($runs | group_by(.setup) | map({key: .[0].setup, value: {
    runs: length,
    median_loaded_seconds: (map(.loaded_seconds) | median),
    median_server_read_seconds: (map(.server_read_seconds) | median),
    loaded_seconds: map(.loaded_seconds)
  }}) | from_entries) as $setups
| {
    command: $command, commit: $commit, size: $size, shards: $shards, rtt: $rtt, machine: $machine,
    date: (now | todate), init_seconds: $runs[0].init_seconds, bytes: $runs[0].bytes,
    setups: $setups,
    # Goals: exec has every weight loaded >= 3x sooner than the server alone, and in <= 0.7x the time of prefetch-then-server.
    alone_over_exec: ($setups.alone.median_loaded_seconds / $setups.exec.median_loaded_seconds),
    exec_over_prefetch: ($setups.exec.median_loaded_seconds / $setups.prefetch.median_loaded_seconds),
    runs: $runs
  }
