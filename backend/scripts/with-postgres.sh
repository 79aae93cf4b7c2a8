#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server on 127.0.0.1.
#
#   backend/scripts/with-postgres.sh cargo test -p kairos-backend
#
# Installs Debian's `postgresql` if no server binaries are found, creates a
# cluster in a temporary directory (as the `postgres` user when run as root,
# since PostgreSQL refuses to run as root), starts it on a free loopback
# port, runs the command with KAIROS_TEST_PG_URL set to it, then stops the
# server and removes the directory, whatever the command's outcome. Exits
# with the command's status.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

find_pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

PG_BIN="${PG_BIN:-$(find_pg_bin)}"
if [ -z "$PG_BIN" ]; then
    echo "with-postgres: installing Debian's postgresql" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(find_pg_bin)"
    if [ -z "$PG_BIN" ]; then
        echo "with-postgres: postgresql installed but no initdb under /usr/lib/postgresql/*/bin" >&2
        exit 1
    fi
fi

# PostgreSQL will not run as root: use the package's `postgres` user then.
as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kairos-pg.XXXXXX")"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$WORK_DIR"; fi
DATA_DIR="$WORK_DIR/data"
LOG_FILE="$WORK_DIR/server.log"
STARTED=0

cleanup() {
    if [ "$STARTED" -eq 1 ]; then
        as_server_user "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT INT TERM

as_server_user "$PG_BIN/initdb" -D "$DATA_DIR" --username=kairos --auth=trust --encoding=UTF8 --locale=C >/dev/null

port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Pick a free port and start; retry on a race for the port.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    PORT=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    port_is_free "$PORT" || continue
    if as_server_user "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
        -o "-h 127.0.0.1 -p $PORT -k $WORK_DIR -c max_connections=200" start >/dev/null; then
        STARTED=1
        break
    fi
done
if [ "$STARTED" -ne 1 ]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$LOG_FILE" >&2 || true
    exit 1
fi

"$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U kairos kairos_test
export KAIROS_TEST_PG_URL="postgres://kairos@127.0.0.1:$PORT/kairos_test"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $KAIROS_TEST_PG_URL" >&2

set +e
"$@"
STATUS=$?
set -e
exit "$STATUS"
