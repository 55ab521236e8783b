# bench/coalescing.sh: coalescing.json -> COALESCING.md
def mib: . / 1048576 * 10 | round / 10;
"# Reading a selection's ranges over the network file system",
"",
"`\(.command)`: \(.size) in \(.shards) shards over sshfs through the latency proxy at \(.rtt), every run cold, medians of",
"the runs. Machine: \(.machine); commit `\(.commit)`. *Fetched* is what the mount's proxy carried from the server;",
"*load* is ckpt's `seconds` (open to last byte); *ranges* reads only the selected ranges (`--coalesce-gap 0",
"--read-whole-at 100%`), *default* reads gaps up to 1 MiB through and a shard whole past 90%, *stream* reads each shard",
"from its first selected byte to its last (`--read-whole-at 0%`).",
"",
"| selection | way | selected MiB | planned reads MiB (ranges) | fetched MiB | load s | CPU s |",
"|---|---|---|---|---|---|---|",
(.cases[] | "| \(.selection) | \(.way) | \(.selected_bytes | mib) | \(.read_bytes | mib) (\(.read_ranges)) | \(.fetched_bytes | mib) | \(.seconds * 100 | round / 100) | \(.cpu_seconds * 100 | round / 100) |")
