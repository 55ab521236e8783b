#!/usr/bin/env bash
# Installs what the tests need on Debian/Ubuntu: an sshfs mount over loopback (sshfs, socat, sftp-server), FUSE 3
# (fusermount3), and binutils (readelf, objdump), with which the TorchSharp tests prepare TorchSharp's native glue for
# an older libstdc++ (scripts/torchsharp/prepare-native.sh). Idempotent: nothing runs when every package is present.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-packages.sh" sshfs socat openssh-sftp-server fuse3 binutils
