#!/usr/bin/env bash
# Runs ckpt on hostile inputs (special files, broken checkpoints and indexes, unusable option values, hostile
# names) in a scratch folder and prints a Markdown table: the command, its exit code, the first line of its
# standard error. Every case also has a test; this is the quick way to see them all. Usage: scripts/hostile-inputs.sh
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet build -v q -nologo src/Checkpoints.Cli >/dev/null || exit 1
ckpt=(dotnet "$PWD/src/Checkpoints.Cli/bin/Debug/net10.0/ckpt.dll")
scratch=$(mktemp -d /tmp/ckpt-hostile-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

"${ckpt[@]}" synth ok --size 2MiB --shards 2 >/dev/null
mkfifo fifo.safetensors
mkdir fifo-index && mkfifo fifo-index/model.safetensors.index.json
mkdir fifo-shard && mkfifo fifo-shard/model.safetensors
ln -s /nonexistent/blobs/0123 dangling.safetensors
mkdir dir-shard && mkdir dir-shard/model-1.safetensors && echo '{"weight_map":{"a":"model-1.safetensors"}}' >dir-shard/model.safetensors.index.json
mkdir escape && echo '{"weight_map":{"a":"../../etc/passwd"}}' >escape/model.safetensors.index.json
mkdir missing && echo '{"weight_map":{"a":"model-1.safetensors"}}' >missing/model.safetensors.index.json
: >empty.safetensors
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 4923\n' >lfs.safetensors
echo '<html>Access denied</html>' >html.safetensors
mkdir bad-json && echo '{"weight_map": [1,2' >bad-json/model.safetensors.index.json
python3 -c "print('['*100000)" >deep.safetensors.index.json
truncate -s 200M huge.safetensors.index.json
mkdir only-bin && : >only-bin/pytorch_model.bin
mkdir index-folder && cp ok/*.safetensors index-folder/ && mkdir index-folder/model.safetensors.index.json
mkdir empty-map && cp ok/*.safetensors empty-map/ && echo '{"weight_map":{}}' >empty-map/model.safetensors.index.json
mkdir null-entry && echo '{"weight_map":{"a":null}}' >null-entry/model.safetensors.index.json
mkdir broken-shard && cp -r ok/. broken-shard/ && echo '<html>denied</html>' >broken-shard/model-00002-of-00002.safetensors
mkdir ghosts && cp ok/model-00001-of-00002.safetensors ghosts/ && python3 - <<'PY'
import json
names = {f"ghost.{i}": "model-00001-of-00002.safetensors" for i in range(1_000_000)}
json.dump({"weight_map": names}, open("ghosts/model.safetensors.index.json", "w"))
PY
python3 - <<'PY'
import json, struct
name = "evil\x1b]0;PWNED\x07\x1b[2J"
header = json.dumps({name: {"dtype": "U8", "shape": [2], "data_offsets": [0, 3]}}).encode()
open("hostile-name.safetensors", "wb").write(struct.pack("<Q", len(header)) + header + b"abc")
PY

echo "| command | exit | standard error (first line) |"
echo "|---|---|---|"
run() {
  local shown="$*"
  timeout 60 "${ckpt[@]}" "$@" >/dev/null 2>"$scratch/err"
  local code=$?
  printf '| `ckpt %s` | %s | %s |\n' "$shown" "$code" "$( (grep -m1 "error:" "$scratch/err" || head -1 "$scratch/err") | cut -c1-200 | sed "s#$scratch/##g; s/|/\\\\|/g; s/\x1b/ESC/g")"
}
run inspect fifo.safetensors
run plan fifo-index
run load fifo-shard
run verify fifo-shard
run probe fifo.safetensors
run evict fifo.safetensors
run inspect dangling.safetensors
run inspect dir-shard
run inspect escape
run inspect missing
run inspect empty.safetensors
run inspect lfs.safetensors
run verify html.safetensors
run inspect bad-json
run inspect deep.safetensors.index.json
run inspect huge.safetensors.index.json
run inspect only-bin
run verify ghosts
run inspect hostile-name.safetensors
run inspect index-folder
run verify empty-map
run inspect null-entry
run verify broken-shard
run inspect @no-such-file
run inspect /dev/zero
run evict /dev/zero
run load /dev/stdin
run inspect /proc/self/maps
run probe /sys/kernel/mm/transparent_hugepage/enabled
run inspect /nonexistent
run inspect " "
run plan ok --threads abc
run plan ok --threads 0
run plan ok --world-size abc
run plan ok --rank -1
run plan ok --rank 2 --world-size 2
run plan ok --block-size 1KiB
run plan ok --block-size 2GiB
run plan ok --budget 0%
run plan ok --budget 99999999999TiB
run plan ok --read-timeout 0s
run plan ok --access mmap
run plan ok --strategy fast
run synth out --shards abc
run synth out --seed -1
run synth out --dtype bool
run synth out --size 0
run frobnicate
run load
run inspect ok extra
run-with() {
  local variable="$1"; shift
  export "${variable?}"
  timeout 60 "${ckpt[@]}" "$@" >/dev/null 2>"$scratch/err"
  local code=$?
  unset "${variable%%=*}"
  printf '| `%s ckpt %s` | %s | %s |\n' "$variable" "$*" "$code" "$( (grep -m1 "error:" "$scratch/err" || head -1 "$scratch/err") | cut -c1-200 | sed "s#$scratch/##g")"
}
run-with CKPT_LOAD_STRATEGY=bogus load ok
run-with CKPT_LOAD_STRATEGY=bogus inspect ok
run-with TMPDIR=/nonexistent demo --size 1MiB
run plan ok --block-size 99999999999999999999999TiB
run synth " "
run-redirected() {
  local shown="$1"; shift
  timeout 60 bash -c "$shown" >/dev/null 2>"$scratch/err"
  local code=$?
  printf '| `%s` | %s | %s |\n' "${shown//${ckpt[*]}/ckpt}" "$code" "$(head -1 "$scratch/err" | cut -c1-200)"
}
run-redirected "${ckpt[*]} inspect ok >/dev/full"
run-redirected "${ckpt[*]} --help >&-"
run-redirected "${ckpt[*]} inspect /nonexistent 2>&-"
