#!/usr/bin/env bash
# Runs `swift test` for ios-demo inside the Swift toolchain root of
# bindings/swift/scripts/provision-toolchain.sh, as bindings/swift/scripts/swift-test.sh
# does for the bindings (same arguments; SwiftPM's build directory is TARGET_DIR/swift-demo).
#
# Usage: swift-test.sh ROOT WORKSPACE TARGET_DIR LIB_SUBDIR [swift test args...]
set -euo pipefail

ROOT="${1:?usage: swift-test.sh ROOT WORKSPACE TARGET_DIR LIB_SUBDIR}"
WORKSPACE="${2:?}"
TARGET="${3:?}"
LIB_SUBDIR="${4:?}"
shift 4

if [ ! -f "$ROOT/.kairos-swift-ready" ]; then
    echo "swift-test: no toolchain at $ROOT; run bindings/swift/scripts/provision-toolchain.sh first" >&2
    exit 1
fi

export ROOT WORKSPACE TARGET LIB_SUBDIR
exec unshare --mount --propagation private -- bash -euo pipefail -c '
    mkdir -p "$ROOT/kairos/workspace" "$ROOT/kairos/target"
    mount --bind /proc "$ROOT/proc"
    mount --bind /dev "$ROOT/dev"
    mount --bind "$WORKSPACE" "$ROOT/kairos/workspace"
    mount --bind "$TARGET" "$ROOT/kairos/target"
    LIB="/kairos/target/$LIB_SUBDIR"
    exec chroot "$ROOT" /usr/bin/env -i \
        HOME=/root \
        PATH=/usr/libexec/swift/bin:/usr/local/bin:/usr/bin:/bin \
        LD_LIBRARY_PATH="$LIB" \
        TMPDIR=/tmp \
        /bin/bash -euc "cd /kairos/workspace/ios-demo && exec timeout --kill-after=30 1800 swift test --scratch-path /kairos/target/swift-demo --disable-swift-testing -Xlinker -L$LIB \"\$@\"" swift-test "$@"
' kairos-ios-demo-test "$@"
