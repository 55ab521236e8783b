#!/usr/bin/env bash
# Installs what the Storage tests need on Debian/Ubuntu: an sshfs mount over loopback
# (sshfs, socat, sftp-server) and FUSE 3 (fusermount3). Idempotent: apt-get update and install
# run only when a package is missing, so a warm CI machine pays nothing.
set -euo pipefail

packages=(sshfs socat openssh-sftp-server fuse3)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: all present (${packages[*]})"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

echo "install-test-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
