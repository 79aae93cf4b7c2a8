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

# Unmounts anything left mounted below ROOT by an interrupted run.
unmount_all() {
    if [ -d "$ROOT" ]; then
        grep -o " $ROOT/[^ ]*" /proc/mounts | sort -r | while read -r m; do
            umount -l "$m" || true
        done
    fi
}

if ! command -v debootstrap >/dev/null 2>&1; then
    echo "provision-toolchain: installing debootstrap" >&2
    apt-get update -q
    apt-get install -y -q debootstrap
fi

if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ ! -f "$ROOT/.kairos-debootstrap-done" ]; then
    unmount_all
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    echo "provision-toolchain: debootstrap $SUITE into $ROOT (a few minutes)" >&2
    debootstrap --variant=minbase "$SUITE" "$ROOT"
    touch "$ROOT/.kairos-debootstrap-done"
fi

cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
mount --bind /proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
trap 'umount -l "$ROOT/dev" || true; umount -l "$ROOT/proc" || true' EXIT

echo "provision-toolchain: installing $PACKAGES (about 3 GB)" >&2
chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -q
chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES
chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get clean
chroot "$ROOT" /usr/bin/env PATH=/usr/libexec/swift/bin:/usr/bin:/bin swift --version >&2

touch "$READY"
echo "provision-toolchain: ready at $ROOT" >&2
