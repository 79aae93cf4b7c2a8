#!/usr/bin/env bash
# Provisions a Swift toolchain for `cargo xtask test-swift` on a Debian host
# that has none: a minimal Debian trixie root (debootstrap) with Debian's
# `swiftlang` package, cached outside the clone so it survives fresh clones.
#
# Usage: provision-toolchain.sh ROOT
# Idempotent: a finished root carries ROOT/.kairos-swift-ready and is reused
# as is; an unfinished one (interrupted run) is removed and built again.
# Needs root (debootstrap and chroot), no stdin, and Debian's package mirrors.
set -euo pipefail

ROOT="${1:?usage: provision-toolchain.sh ROOT}"
READY="$ROOT/.kairos-swift-ready"
SUITE="trixie"
PACKAGES="swiftlang libc6-dev libstdc++-14-dev"
export DEBIAN_FRONTEND=noninteractive

if [ -f "$READY" ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "provision-toolchain: must run as root (debootstrap, chroot)" >&2
    exit 1
fi

# Refuses to go on while anything is mounted below ROOT (an older run of
# this script mounted /proc and /dev there): never delete through a mount.
check_no_mounts() {
    if grep -q " $ROOT/" /proc/mounts; then
        echo "provision-toolchain: something is mounted below $ROOT; unmount it first:" >&2
        grep " $ROOT/" /proc/mounts >&2
        exit 1
    fi
}

if ! command -v debootstrap >/dev/null 2>&1; then
    echo "provision-toolchain: installing debootstrap" >&2
    apt-get update -q
    apt-get install -y -q debootstrap
fi

if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ ! -f "$ROOT/.kairos-debootstrap-done" ]; then
    check_no_mounts
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    echo "provision-toolchain: debootstrap $SUITE into $ROOT (a few minutes)" >&2
    debootstrap --variant=minbase "$SUITE" "$ROOT"
    touch "$ROOT/.kairos-debootstrap-done"
fi

cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
echo "provision-toolchain: installing $PACKAGES (about 3 GB)" >&2
# /proc and /dev are mounted in a private mount namespace: they vanish with
# it, however this script ends.
export ROOT PACKAGES
unshare --mount --propagation private -- bash -euo pipefail -c '
    mount --bind /proc "$ROOT/proc"
    mount --bind /dev "$ROOT/dev"
    in_root() { chroot "$ROOT" /usr/bin/env -i DEBIAN_FRONTEND=noninteractive PATH=/usr/libexec/swift/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
    in_root apt-get update -q
    in_root apt-get install -y -q --no-install-recommends $PACKAGES
    in_root apt-get clean
    in_root swift --version >&2
'

touch "$READY"
echo "provision-toolchain: ready at $ROOT" >&2
