# bench/torchsharp.sh: the summary -> docs/TORCHSHARP-BENCHMARKS.md.
def r2: . * 100 | round / 100;
def gib: . / 1073741824 | r2;
def order: {"local-cold": 0, "local-warm": 1, "netfs-cold": 2}[.scenario] // 9;
"# TorchSharp loaders side by side",
"",
"The same Llama-shaped BF16 checkpoint (\(.size), \(.shards) shards, \(.parameter_bytes | gib) GiB of parameters) loaded",
"strictly into the same TorchSharp 0.107 module by TorchSharp.PyBridge 1.4.4 (`module.load_checkpoint`) and by",
"Checkpoints.TorchSharp (`module.LoadCheckpoint`). One process per run; the loaders alternate which goes first;",
"medians of \(.runs | map(.run) | max) runs. Load time is the load call alone (the module is built before it);",
"peak memory is the process's peak resident size from the start of the load to its end (the module included).",
"Every run left the same parameter digest: \(.digest | join(", ")).",
"",
"- machine: \(.machine); network file system: sshfs through the latency proxy at \(.rtt) RTT (bench/netfs.sh)",
"- command: `sudo \(.command)`, commit `\(.commit // "?")`, \(.date)",
"",
"| scenario | PyBridge load | Checkpoints load | speedup (goal) | PyBridge peak / model | Checkpoints peak / model (limit) | process CPU s PyBridge / Checkpoints |",
"|---|---|---|---|---|---|---|",
(.parameter_bytes as $model | .scenarios | sort_by(order)[] |
  "| \(.scenario) | \(.pybridge.median_load_seconds | r2) s | \(.checkpoints.median_load_seconds | r2) s | "
  + "\(.speedup | r2)x (>= \(.speedup_goal)x\(if .speedup >= .speedup_goal then ", met" else ", missed" end)) | "
  + "\(.pybridge_peak_over_model | r2) | \(.checkpoints_peak_over_model | r2) "
  + "(<= \(.checkpoints_peak_limit_bytes / $model | r2)\(if .checkpoints.median_peak_resident_during_load_bytes <= .checkpoints_peak_limit_bytes then ", met" else ", missed" end)) | "
  + "\(.pybridge.median_cpu_seconds | r2) / \(.checkpoints.median_cpu_seconds | r2) |"),
"",
"Checkpoints' plan per scenario:",
"",
(.scenarios | sort_by(order)[] | "- \(.scenario): \(.checkpoints.plan // "-")")
