#!/usr/bin/env bash
# Installs what the tests need on Debian/Ubuntu: an sshfs mount over loopback (sshfs, socat, sftp-server) and
# FUSE 3 (fusermount3). Idempotent: nothing runs when every package is present.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-packages.sh" sshfs socat openssh-sftp-server fuse3
