#!/usr/bin/env bash
# Make a local PostgreSQL for the server tests and print the line that points them at it.
#
# Idempotent: installs PostgreSQL when missing (Debian), starts the cluster listening on
# 127.0.0.1 only, creates the role and database "ukuk" (password "ukuk") when missing.
# Everything but the final `export UKUK_PG_URL=...` line goes to stderr, so CI can do:
#     eval "$(bash .ci/postgres.sh)"
set -euo pipefail

ROLE=ukuk
PASSWORD=ukuk
DATABASE=ukuk

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
fi

VERSION="$(ls /etc/postgresql | sort -V | tail -n 1)"
CLUSTER=main
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
    log "creating cluster $VERSION/$CLUSTER"
    pg_createcluster "$VERSION" "$CLUSTER" >&2
fi

# Listen on loopback only, through the conf.d drop-in that Debian's postgresql.conf includes.
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
pg_conftool "$VERSION" "$CLUSTER" remove listen_addresses >&2 || true
mkdir -p "$CONF_DIR/conf.d"
echo "listen_addresses = '127.0.0.1'" >"$CONF_DIR/conf.d/ukuk-listen.conf"
PORT="$(pg_conftool -s "$VERSION" "$CLUSTER" show port)"

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$STATUS" != "online" ]; then
    log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
else
    # listen_addresses only changes on restart; restart once if it is listening elsewhere.
    if [ "$(runuser -u postgres -- psql -p "$PORT" -tAc 'SHOW listen_addresses')" != "127.0.0.1" ]; then
        log "restarting cluster to listen on 127.0.0.1 only"
        pg_ctlcluster "$VERSION" "$CLUSTER" restart >&2
    fi
fi

for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
        break
    fi
    sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT" >&2

psql_admin() { runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -tA "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    log "creating role $ROLE"
    psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
else
    psql_admin -c "ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >/dev/null
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
    log "creating database $DATABASE"
    psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2
else
    # The tests make a schema per test, so the role must own the database.
    psql_admin -c "ALTER DATABASE $DATABASE OWNER TO $ROLE" >/dev/null
fi

echo "export UKUK_PG_URL=postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
