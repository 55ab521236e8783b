# shellcheck shell=bash
# The synthetic checkpoint the benchmarks share (sourced; needs `log` and `die`):
#   prepare_checkpoint CKPT ROOT SIZE SHARDS   writes `ckpt synth --dtype bf16` to ROOT/SIZE-SHARDSshards once and
#                                              reuses it while its stamp matches; sets DATA_DIR, DATA_FILES (the shards,
#                                              in order) and TOTAL_BYTES (their sizes added up)
#   prepare_tiny_checkpoint WRITER ROOT SHARDS  writes WRITER's (bench/tiny-shards.py) checkpoint of SHARDS tiny shards to
#                                              ROOT/tiny-SHARDSshards once, sets the same variables
#   copy_checkpoint DATA_DIR EXPORT            EXPORT made afresh, holding the shards and the index (for a tmpfs export:
#                                              the emulated server then never waits for the local disk)
# bench/run.sh, bench/torchsharp.sh, bench/server.sh and bench/selective.sh use the same folder and stamp, so each
# reuses the checkpoint another wrote.

prepare_checkpoint() {
  local ckpt="$1" root="$2" size="$3" shards="$4"
  DATA_DIR="$root/${size}-${shards}shards"
  write_once "size=$size shards=$shards dtype=bf16" "$shards" "the synthetic checkpoint ($size, $shards shards)" \
    "$ckpt" synth "$DATA_DIR" --size "$size" --shards "$shards" --dtype bf16
}

prepare_tiny_checkpoint() {
  local writer="$1" root="$2" shards="$3"
  DATA_DIR="$root/tiny-${shards}shards"
  write_once "tiny shards=$shards" "$shards" "the tiny-shard checkpoint ($shards shards)" \
    python3 "$writer" "$DATA_DIR" --shards "$shards"
}

# write_once STAMP SHARDS WHAT COMMAND...: runs COMMAND (which writes DATA_DIR) unless DATA_DIR holds SHARDS shards and
# a stamp file saying STAMP, then stamps it and lists it (list_checkpoint).
write_once() {
  local expected="$1" shards="$2" what="$3" stamp="$DATA_DIR/.bench-stamp" count=0
  shift 3
  if [[ -d "$DATA_DIR" ]]; then
    count="$(find "$DATA_DIR" -maxdepth 1 -name '*.safetensors' | wc -l)"
  fi
  # The stamp is written after the writer finishes: without it (or with another) the folder is incomplete or another one.
  if [[ ! -f "$stamp" || "$(cat -- "$stamp")" != "$expected" || "$count" != "$shards" ]]; then
    log "writing $what to $DATA_DIR"
    rm -rf -- "$DATA_DIR"
    "$@" >&2
    printf '%s\n' "$expected" >"$stamp"
  else
    log "reusing the checkpoint in $DATA_DIR"
  fi
  list_checkpoint "$shards"
}

# Sets DATA_FILES (DATA_DIR's shards, in order) and TOTAL_BYTES, and checks that there are $1 shards.
list_checkpoint() {
  local shards="$1" sizes
  mapfile -t DATA_FILES < <(find "$DATA_DIR" -maxdepth 1 -name '*.safetensors' | sort -V)
  ((${#DATA_FILES[@]} == shards)) || die "expected $shards shards in $DATA_DIR, found ${#DATA_FILES[@]}"
  # One stat for all: a checkpoint can have hundreds of shards.
  sizes="$(stat -c %s -- "${DATA_FILES[@]}")"
  TOTAL_BYTES=$(($(paste -sd+ <<<"$sizes")))
}

copy_checkpoint() {
  local data_dir="$1" export_dir="$2"
  rm -rf -- "$export_dir"
  mkdir -p -- "$export_dir"
  cp -- "$data_dir"/*.safetensors "$export_dir"/
  # A checkpoint in a single file has no index.
  if compgen -G "$data_dir/*.json" >/dev/null; then cp -- "$data_dir"/*.json "$export_dir"/; fi
}
