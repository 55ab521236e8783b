# bench/torchsharp.sh: the runs (slurped) -> the summary with medians, ratios and the issue's goals.
def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def goal($scenario): {"netfs-cold": 5, "local-cold": 3, "local-warm": 2}[$scenario];
def loader_summary: {
  runs: length,
  median_load_seconds: (map(.load_seconds) | median),
  median_cpu_seconds: (map(.user_seconds + .system_seconds) | median),
  median_peak_resident_during_load_bytes: (map(.peak_resident_during_load_bytes) | median),
  median_process_peak_resident_bytes: (map(.process_peak_resident_bytes) | median),
  window_bytes: (map(.window_bytes // empty) | max),
  plan: (map(.plan // empty) | first)
};
. as $runs
| ($runs | map(.parameter_bytes) | max) as $model
| {
    command: $command, commit: $commit, size: $size, shards: $shards, rtt: $rtt, machine: $machine,
    date: (now | todate), parameter_bytes: $model, digest: ($runs | map(.digest) | unique),
    scenarios: [
      $runs | group_by(.scenario)[] | .[0].scenario as $scenario
      | (map(select(.loader == "pybridge")) | loader_summary) as $pybridge
      | (map(select(.loader == "checkpoints")) | loader_summary) as $checkpoints
      | {
          scenario: $scenario,
          pybridge: $pybridge,
          checkpoints: $checkpoints,
          speedup: ($pybridge.median_load_seconds / $checkpoints.median_load_seconds),
          speedup_goal: goal($scenario),
          checkpoints_peak_over_model: ($checkpoints.median_peak_resident_during_load_bytes / $model),
          pybridge_peak_over_model: ($pybridge.median_peak_resident_during_load_bytes / $model),
          # Goal: peak <= model + the budgeted window + 15%.
          checkpoints_peak_limit_bytes: (($model + ($checkpoints.window_bytes // 0)) * 1.15)
        }
    ],
    runs: $runs
  }
