# bench/selective.sh: the runs (slurped) -> medians per case and node, the goals, and every run.
def median: map(select(. != null)) | sort
  | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def ratio($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;
def all_or_null(f): if length == 0 or any(.[]; . == null) then null else f end;
def goal($what; $value; $limit): {what: $what, value: $value, limit: $limit, met: (if $value == null then null else $value <= $limit end)};

. as $runs
| ($runs | map(select(.case == "full"))) as $fullRuns
| {
    runs: ($fullRuns | length),
    load_seconds: ($fullRuns | map(.processes[0].load_seconds) | median),
    wall_seconds: ($fullRuns | map(.wall_seconds) | median),
    storage_bytes: ($fullRuns | map(.nodes[0].storage_bytes) | median),
    selected_bytes: ($fullRuns | map(.processes[0].selected_bytes) | median)
  } as $full
| [
    $runs | group_by(.case)[] | . as $caseRuns | {
      case: .[0].case, scenario: .[0].scenario, setup: .[0].setup, runs: length,
      wall_seconds: (map(.wall_seconds) | median),
      storage_bytes: (map(.nodes | map(.storage_bytes) | add) | median),
      nodes: [
        .[0].nodes[] | .node as $n | ($caseRuns | map(.nodes[] | select(.node == $n))) as $nodeRuns
        | ($caseRuns | map([.processes[] | select(.node == $n)])) as $processRuns
        | {
            node: $n, ranks,
            storage_bytes: ($nodeRuns | map(.storage_bytes) | median),
            storage_bytes_runs: ($nodeRuns | map(.storage_bytes)),
            request_bytes: ($nodeRuns | map(.request_bytes) | median),
            selected_bytes: ($processRuns | map(map(.selected_bytes) | all_or_null(add)) | max),
            planned_read_bytes: ($processRuns | map(map(.planned_read_bytes) | all_or_null(add)) | median),
            # What the node's ranks select from files that vLLM's split (file i by global rank i % 4) warms on another
            # node: with that split, the bytes the node must fetch by page faults.
            selected_outside_global_share_bytes: (.ranks as $mine | $processRuns | map(
              map(.shard_selected_bytes | if . == null then null
                  else [to_entries[] | select((.key % 4) as $owner | $mine | index($owner) | not) | .value] | add // 0 end)
              | all_or_null(add)) | max),
            wall_seconds: ($nodeRuns | map(.wall_seconds) | median),
            wall_seconds_runs: ($nodeRuns | map(.wall_seconds)),
            load_seconds: ($processRuns | map(map(.load_seconds) | all_or_null(max)) | median),
            # What `ckpt prefetch` read on this node (the global set-up; null where none ran). Not the loads' own
            # prefetchedBytes: ranks sharing a prefetch each count bytes another rank read.
            prefetched_bytes: ($processRuns | map(map(.prefetch.bytesRead) | all_or_null(add)) | median)
          }
      ],
      processes: [
        map(.processes[]) | group_by(.global_rank)[] | {
          global_rank: .[0].global_rank, node: .[0].node, tp_rank: .[0].tp_rank, pp_rank: .[0].pp_rank,
          selection: .[0].selection, command: .[0].command, prefetch_command: .[0].prefetch_command,
          selected_bytes: (map(.selected_bytes) | max),
          wall_seconds: (map(.wall_seconds) | median),
          load_seconds: (map(.load_seconds) | median),
          prefetch_seconds: (map(.prefetch.seconds) | median),
          failed_runs: (map(select(.exit_status != 0)) | length),
          digests: (map(.digest | select(. != null)) | unique)
        }
      ]
    }
  ] as $cases
| ($cases | map(
    if .case == "full" then
      .goals = [goal("fetched / checkpoint bytes"; ratio(.storage_bytes; $checkpointBytes); 1.1)]
    elif .case == "pp" or .case == "pp-alone" then
      .nodes |= map(.fetched_over_selected = ratio(.storage_bytes; .selected_bytes)
        | .load_over_full = ratio(.load_seconds; $full.load_seconds) | .wall_over_full = ratio(.wall_seconds; $full.wall_seconds))
      | .goals = [.nodes[] | goal("node \(.node): fetched / selected bytes"; .fetched_over_selected; 1.1),
                             goal("node \(.node): stage load time / T_full"; .load_over_full; 0.35)]
    elif .case == "tp" then
      .fetched_over_checkpoint = ratio(.storage_bytes; $checkpointBytes)
      | .wall_over_full = ratio(.wall_seconds; $full.wall_seconds)
      | .goals = [goal("fetched / checkpoint bytes"; .fetched_over_checkpoint; 1.1),
                  goal("last of the 4 ranks done / T_full (process walls)"; .wall_over_full; 1.1)]
    else
      .nodes |= map(.fetched_over_selected = ratio(.storage_bytes; .selected_bytes) | .wall_over_full = ratio(.wall_seconds; $full.wall_seconds)
        | .fetched_beyond_prefetch_bytes = (if .storage_bytes == null or .prefetched_bytes == null then null else .storage_bytes - .prefetched_bytes end))
      | .goals = []
    end)) as $cases
| {
    schema: 1, command: $command, commit: $commit, machine: $machine, date: $date, complete: $complete,
    config: {
      size: $size, shards: $shards, rtt: $rtt, runs: $runs_wanted, scenarios: ($scenarios | split(",")),
      checkpoint_bytes: $checkpointBytes, selection_available: ($selection == 1), settle_seconds: $settle, ckpt: $ckpt,
      work: $work, emulator_cpus: (if $emulatorCpus == "" then null else $emulatorCpus end),
      rank_cpus: (if $rankCpus == "" then null else $rankCpus end)
    },
    full: $full,
    cases: ($cases | sort_by({"full": 0, "pp": 1, "pp-alone": 2, "tp": 3, "2x2-selection": 4, "2x2-global": 5}[.case] // 9)),
    goals: [$cases[] | .case as $c | .goals[] | {case: $c} + .],
    digest_mismatches: [
      $runs | map(.processes[] | select(.exit_status == 0 and .digest != null)) | group_by(.selection)[]
      | {selection: .[0].selection, digests: (map(.digest) | unique)} | select(.digests | length > 1)
    ],
    runs: $runs
  }
