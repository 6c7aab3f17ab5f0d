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

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "ensure-postgres: PostgreSQL is missing and we are not root: apt-get install postgresql" >&2
    exit 1
fi

echo "ensure-postgres: installing Debian's postgresql" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null

if ! have_postgres; then
    echo "ensure-postgres: postgresql installed but initdb not found" >&2
    exit 1
fi
