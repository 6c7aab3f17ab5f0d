#!/usr/bin/env bash
# Make sure Debian's PostgreSQL server binaries (initdb, pg_ctl) are installed: the storage tests
# and `make bench` start their own throwaway server from them. Idempotent: does nothing when they
# are there already. No cluster is used or configured here.
set -euo pipefail

have_postgres() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1
}

if have_postgres; then
    exit 0
fi

bash "$(dirname "$0")/ensure-debian-packages.sh" postgresql

if ! have_postgres; then
    echo "ensure-postgres: postgresql installed but initdb not found" >&2
    exit 1
fi
