#!/usr/bin/env bash
# Publishes ckpt the project's way: one native executable (NativeAOT, the publish profile
# src/Checkpoints.Cli/Properties/PublishProfiles/native.pubxml), which needs no .NET runtime to run and starts in
# milliseconds (docs/STARTUP.md).
#
#   scripts/publish-ckpt.sh [OUT]      # default OUT: artifacts/ckpt (git-ignored); the tool is OUT/ckpt
#
# The native link needs clang and zlib; on Debian/Ubuntu they are installed first when missing
# (scripts/ensure-packages.sh, with sudo when not root). Elsewhere install clang and zlib's headers yourself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/ckpt}"

if command -v dpkg-query >/dev/null; then
  bash "$root/scripts/ensure-packages.sh" clang zlib1g-dev
fi
dotnet publish "$root/src/Checkpoints.Cli" -p:PublishProfile=native -o "$out" -nologo -v quiet >&2
[[ -x "$out/ckpt" ]] || { echo "publish-ckpt: dotnet publish did not produce $out/ckpt" >&2; exit 1; }
echo "$out/ckpt"
