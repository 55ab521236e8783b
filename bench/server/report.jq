# bench/server.sh: the summary -> docs/SERVER-BENCHMARKS.md.
def r2: . * 100 | round / 100;
def verdict($ok): if $ok then "met" else "missed" end;
"# ckpt beside a server",
"",
"A stand-in inference server (`bench/server/stand-in-server.py`) sleeps \(.init_seconds) s (its imports and GPU",
"initialisation: as long as a cold `ckpt prefetch` of this checkpoint takes here), then reads every tensor through",
"`mmap` in file order, as vLLM's default loader does. The checkpoint: \(.size) in \(.shards) shards (\(.bytes / 1073741824 | r2) GiB",
"of tensors) over the emulated network file system (sshfs through the latency proxy at \(.rtt) RTT), cold before every",
"run. Time from launching the set-up to the server's \"every weight loaded\"; medians of \(.setups.alone.runs) runs, interleaved.",
"",
"- machine: \(.machine)",
"- command: `sudo \(.command)`, commit `\(.commit)`, \(.date)",
"",
"| set-up | every weight loaded after | of which the server's own reading | each run |",
"|---|---|---|---|",
(.setups as $s | ["alone", "prefetch", "exec"][] as $name | $s[$name] |
  "| \({"alone": "the server alone", "prefetch": "`ckpt prefetch`, then the server", "exec": "`ckpt exec -- server`"}[$name]) | \(.median_loaded_seconds | r2) s | \(.median_server_read_seconds | r2) s | \(.loaded_seconds | map(r2 | tostring + " s") | join(", ")) |"),
"",
"- exec vs the server alone: \(.alone_over_exec | r2)x sooner (goal >= 3x: \(verdict(.alone_over_exec >= 3)))",
"- exec vs prefetch then server: \(.exec_over_prefetch | r2)x the time (goal <= 0.7x: \(verdict(.exec_over_prefetch <= 0.7)))"
