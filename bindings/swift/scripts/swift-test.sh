#!/usr/bin/env bash
# Runs `swift test` for bindings/swift inside the Swift toolchain root made by
# provision-toolchain.sh.
#
# Usage: swift-test.sh ROOT WORKSPACE TARGET_DIR LIB_SUBDIR [swift test args...]
#   ROOT        the toolchain root (a Debian trixie tree with swiftlang)
#   WORKSPACE   the Kairos workspace (bind-mounted at /kairos/workspace)
#   TARGET_DIR  Cargo's target directory (bind-mounted at /kairos/target)
#   LIB_SUBDIR  the directory of libkairos_ffi within it, e.g. `debug`
#
# The package is bindings/swift, or KAIROS_SWIFT_PACKAGE (a path relative to
# the workspace, e.g. ios-demo); SwiftPM's build directory is
# TARGET_DIR/swift, or TARGET_DIR/$KAIROS_SWIFT_SCRATCH.
#
# Everything is mounted in a private mount namespace (unshare), so nothing
# stays mounted on the host when this exits, however it exits. A run longer
# than 30 minutes (a deadlock) is killed.
set -euo pipefail

ROOT="${1:?usage: swift-test.sh ROOT WORKSPACE TARGET_DIR LIB_SUBDIR}"
WORKSPACE="${2:?}"
TARGET="${3:?}"
LIB_SUBDIR="${4:?}"
shift 4
PACKAGE="${KAIROS_SWIFT_PACKAGE:-bindings/swift}"
SCRATCH="${KAIROS_SWIFT_SCRATCH:-swift}"

if [ ! -f "$ROOT/.kairos-swift-ready" ]; then
    echo "swift-test: no toolchain at $ROOT; run provision-toolchain.sh first" >&2
    exit 1
fi

export ROOT WORKSPACE TARGET LIB_SUBDIR PACKAGE SCRATCH
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
        /bin/bash -euc "cd /kairos/workspace/$PACKAGE && exec timeout --kill-after=30 1800 swift test --scratch-path /kairos/target/$SCRATCH --disable-swift-testing -Xlinker -L$LIB \"\$@\"" swift-test "$@"
' kairos-swift-test "$@"
