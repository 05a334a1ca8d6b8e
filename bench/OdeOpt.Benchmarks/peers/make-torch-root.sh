#!/usr/bin/env bash
# Makes the Debian 13 (trixie) root whose python3-torch (2.6, fused CPU Adam) the CPU benchmark compares against.
# For benchmarks only, never for CI. Needs root and the network (Debian's mirror); about 1.6 GB and a few minutes.
#   sudo bench/OdeOpt.Benchmarks/peers/make-torch-root.sh [DIR]      (default: $ODEOPT_TORCH_ROOT or /var/tmp/odeopt-trixie)
set -euo pipefail
root="${1:-${ODEOPT_TORCH_ROOT:-/var/tmp/odeopt-trixie}}"
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
mirror="${mirror:-http://deb.debian.org/debian}"
if [ "$(id -u)" != 0 ]; then echo "make-torch-root: needs root (debootstrap, chroot)" >&2; exit 2; fi
command -v debootstrap >/dev/null || { apt-get update && apt-get install -y debootstrap; }
if [ ! -x "$root/usr/bin/python3" ]; then
  debootstrap --variant=minbase --include=python3 trixie "$root" "$mirror"
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
chroot "$root" /usr/bin/python3 -c 'import torch' 2>/dev/null || \
  chroot "$root" /bin/sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch'
chroot "$root" /usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "in", "'"$root"'")'
