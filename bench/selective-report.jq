# bench/selective.sh: the summary -> SELECTIVE-BENCHMARKS.md.
def r2: if . == null then "-" else . * 100 | round / 100 | tostring end;
def mib: if . == null then "-" else . / 1048576 * 10 | round / 10 | tostring end;
def s: if . == null then "-" else "\(r2) s" end;
def x: if . == null then "-" else "\(r2)x" end;
def judged($limit): if . == null then "-" else "\(x) (<= \($limit)x, \(if . <= $limit then "met" else "missed" end))" end;
def case($name): .cases[] | select(.case == $name);
# Whether the run measured scenario $name (its section is left out otherwise).
def ran($name): .config.scenarios | index($name) != null;
# Commands name the script's work folder (bench/out) by its absolute path: shown relative to the repository.
def short($work): if . == null or $work == null then . else split($work + "/") | join("bench/out/") end;
.full as $full
| .config.checkpoint_bytes as $checkpoint
| "# Selective, rank-aware loading over the network file system",
"",
"Four mounts of one export through bench/netfs.sh (sshfs through the latency proxy at \(.config.rtt) RTT), each its own",
"FUSE client, page cache and proxy: four emulated nodes. *Fetched* is what that mount's proxy carried from the server",
"to the client during the run (`bench/netfs.sh stats`, a snapshot before and after); *selected* is the bytes of the",
"tensors a rank selected (ckpt's JSON, else its plan); *load* is ckpt's own `seconds` (open to last byte); *done* is",
"from launching the processes to the last one's exit. Every run cold: page cache dropped, then \(.config.settle_seconds) s.",
"Medians of \(.config.runs) run(s); T_full = the full load's median.",
"",
"- checkpoint: `ckpt synth --dtype bf16`, \(.config.size) in \(.config.shards) shards, \($checkpoint | mib) MiB of files",
"- machine: \(.machine); commit `\(.commit)`; \(.date)\(if .complete then "" else " (INCOMPLETE: interrupted or still running)" end)",
"- command: `sudo \(.command)`",
(if .config.emulator_cpus then
  "- CPUs: every mount's sshfs, proxy, socat and sftp-servers on CPU(s) \(.config.emulator_cpus), the ranks on \(.config.rank_cpus) (`--emulator-cpus`): a node whose network does not take its cores"
else empty end),
(if .config.selection_available then empty else
  "",
  "**This ckpt had no `--tp-size`/`--pp-size`: every process loaded the whole checkpoint.** The numbers show the",
  "script working and the cost without selection, not selective loading."
end),
(if (.digest_mismatches | length) > 0 then "", "**DIGEST MISMATCH**: \(.digest_mismatches | tojson)" else empty end),
(.runs | map(.case as $c | .run as $r | .processes[] | select(.exit_status != 0) | {case: $c, run: $r} + .)
  | if length == 0 then empty else
      "", "**Failed ranks** (their runs are in the medians below: read those with care):", "",
      (.[] | "- \(.case) run \(.run), rank \(.global_rank): exit \(.exit_status): `\(.stderr_tail // "" | gsub("\n"; " ") | .[0:300])`")
    end),
"",
"## Goals",
"",
"| case | measure | value (goal) |",
"|---|---|---|",
(.goals[] | . as $g | "| \(.case) | \(.what) | \($g.value | judged($g.limit)) |"),
"",
"## full: one process loads everything (T_full)",
"",
"| load | done | selected MiB | fetched MiB | fetched / checkpoint |",
"|---|---|---|---|---|",
(case("full") | "| \($full.load_seconds | s) | \($full.wall_seconds | s) | \($full.selected_bytes | mib) | \(.storage_bytes | mib) | \(.storage_bytes / $checkpoint | x) |"),
"",
(if ran("pp") then
"## pp: four nodes, one pipeline stage each (`--pp-size 4 --pp-rank i` on mount i, all at once)",
"",
"| node = stage | selected MiB | planned reads MiB | fetched MiB | fetched / selected (goal <= 1.1) | load | load / T_full (goal <= 0.35) | done | done / T_full |",
"|---|---|---|---|---|---|---|---|---|",
(case("pp") | .nodes[] | "| \(.node) | \(.selected_bytes | mib) | \(.planned_read_bytes | mib) | \(.storage_bytes | mib) | \(.fetched_over_selected | judged(1.1)) | \(.load_seconds | s) | \(.load_over_full | judged(0.35)) | \(.wall_seconds | s) | \(.wall_over_full | x) |"),
"",
"At once, the four emulated nodes share this machine's two cores with four proxies, four sshfs clients and four",
"sftp-servers: the times above are the machine's, not a node's. Alone, each stage on its node with the machine to itself:",
""
else empty end),
(if ran("pp-alone") then
"## pp-alone: the same four stages one after another, each cold and alone on its node",
"",
"| node = stage | selected MiB | planned reads MiB | fetched MiB | fetched / selected (goal <= 1.1) | load | load / T_full (goal <= 0.35) | done | done / T_full |",
"|---|---|---|---|---|---|---|---|---|",
(case("pp-alone") | .nodes[] | "| \(.node) | \(.selected_bytes | mib) | \(.planned_read_bytes | mib) | \(.storage_bytes | mib) | \(.fetched_over_selected | judged(1.1)) | \(.load_seconds | s) | \(.load_over_full | judged(0.35)) | \(.wall_seconds | s) | \(.wall_over_full | x) |"),
""
else empty end),
(if ran("tp") then
"## tp: four ranks on one node (`--tp-size 4 --tp-rank r --rank r --world-size 4`, all at once)",
"",
"| rank | selected MiB | load | done |",
"|---|---|---|---|",
(case("tp") | .processes[] | "| \(.global_rank) | \(.selected_bytes | mib) | \(.load_seconds | s) | \(.wall_seconds | s) |"),
(case("tp") | "",
  "The node fetched \(.storage_bytes | mib) MiB: \(.fetched_over_checkpoint | judged(1.1)) the checkpoint's bytes; the last rank was done after \(.wall_seconds | s), \(.wall_over_full | judged(1.1)) T_full's \($full.wall_seconds | s)."),
""
else empty end),
(if ran("2x2") then
"## 2x2: TP 2 within a node, PP 2 across two nodes (global rank g = pp * 2 + tp, node = pp)",
"",
"*selection*: each rank loads its selection, the node's two ranks sharing the prefetch (`--rank tp --world-size 2`).",
"*global*: vLLM's split, each rank first warms whole files by global rank (`ckpt prefetch --rank g --world-size 4`:",
"file i by rank i % 4, whichever node needs it), then loads its selection by page faults (`--strategy lazy`).",
"",
"*selected* is the sum over the node's ranks (a tensor every rank takes, such as a replicated norm, counts once per rank).",
"",
"*in others' files* is what the node's ranks select from files that the global split warms on the other node (file i",
"on the node of global rank i % 4). *warmed* is what the node's `ckpt prefetch` runs read (their `bytesRead`); *fetched",
"otherwise* is the rest of what the node fetched: page faults on bytes no prefetch had warmed.",
"",
"| set-up | node | ranks | selected MiB | in others' files MiB | warmed MiB | fetched MiB | fetched otherwise MiB | fetched / selected | ranks' load | node done | done / T_full |",
"|---|---|---|---|---|---|---|---|---|---|---|---|",
(.cases[] | select(.scenario == "2x2") | . as $c | .nodes[] | . as $n
  | "| \($c.setup) | \(.node) | \(.ranks | map(tostring) | join(", ")) | \(.selected_bytes | mib) | \(.selected_outside_global_share_bytes | mib) | \(.prefetched_bytes | mib) | \(.storage_bytes | mib) | \(.fetched_beyond_prefetch_bytes | mib) | \(.fetched_over_selected | x) | "
    + "\([$c.processes[] | select(.node == $n.node) | .load_seconds | s] | join(", ")) | \(.wall_seconds | s) | \(.wall_over_full | x) |"),
""
else empty end),
"## Commands (node i's mount is bench/out/mnt-selective-i)",
"",
(.config.work as $w | .cases[] | .case as $c | .processes[]
  | "- \($c), rank \(.global_rank): \(if .prefetch_command then "`\(.prefetch_command | short($w))`, then " else "" end)`\(.command | short($w))`"),
"",
"Every run, with ckpt's JSON for each process and each mount's counters: `selective-benchmarks.json` beside this file."
