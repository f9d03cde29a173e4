#!/bin/bash
# Starts PostgreSQL for datakit development: creates the cluster on first start, then on every
# start (idempotently) the roles, their passwords (read from files in $SECRETS_DIR, never from
# the environment or the image), the pagila source database and the warehouse database.
set -euo pipefail

# Passwords are read by psql itself from these files (see bootstrap.sql), so they never
# appear on a command line or in the environment.
SECRETS_DIR=/run/secrets/postgres
PAGILA_DIR=${PAGILA_DIR:-/seed/pagila}
LISTEN=${LISTEN_ADDRESSES:-127.0.0.1}
# GSSAPI: the realm whose principals may log in, and the service key of postgres/localhost (the
# SPN libpq asks for when it connects to host "localhost"), put next to the password files by
# `infra:up` once the KDC has exported it. PostgreSQL reads it at each GSSAPI login, not at start.
REALM=${KRB5_REALM:-DATAKIT.TEST}
KEYTAB=$SECRETS_DIR/postgres.keytab

log() { echo "datakit-postgres: $*" >&2; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  log "creating a new cluster in $PGDATA"
  initdb --username=postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '$LISTEN'
port = $PGPORT
unix_socket_directories = '/tmp'
shared_buffers = 256MB
max_wal_size = 2GB
include_if_exists = 'datakit-extra.conf'
CONF
fi

# Client authentication, rewritten on every start so an existing cluster gets it too (the first
# matching line wins). kerberos_reader has no password: it logs in only through GSSAPI, with a
# ticket of a principal the "kerberos" map names; every other role logs in with its password.
cat >"$PGDATA/pg_hba.conf" <<HBA
# TYPE  DATABASE  USER             ADDRESS        METHOD
local   all       all                             peer
host    pagila    kerberos_reader  127.0.0.1/32   gss include_realm=1 krb_realm=$REALM map=kerberos
host    all       kerberos_reader  all            reject
host    all       all              127.0.0.1/32   scram-sha-256
host    all       all              ::1/128        scram-sha-256
HBA
cat >"$PGDATA/pg_ident.conf" <<IDENT
# MAPNAME   SYSTEM-USERNAME              PG-USERNAME
kerberos    datakit-e2e@$REALM    kerberos_reader
IDENT

# A short private start on the socket only, to apply roles and databases before accepting
# connections from the outside.
pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
psql_admin() { psql -v ON_ERROR_STOP=1 -q -h /tmp -U postgres "$@"; }

for role in pagila_reader warehouse_loader warehouse_reader datakit_admin; do
  if [ ! -s "$SECRETS_DIR/$role.password" ]; then
    log "missing password file for role $role (expected $SECRETS_DIR/$role.password)"
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    exit 2
  fi
done
psql_admin -d postgres -f /usr/local/lib/datakit-postgres/bootstrap.sql

if [ "$(psql_admin -d postgres -tAc "select 1 from pg_database where datname = 'pagila'")" != "1" ]; then
  log "loading pagila from $PAGILA_DIR"
  psql_admin -d postgres -c "create database pagila"
  psql_admin -d pagila -f "$PAGILA_DIR/pagila-schema.sql" >/dev/null
  psql_admin -d pagila -f "$PAGILA_DIR/pagila-data.sql" >/dev/null
  psql_admin -d pagila -c "analyze" >/dev/null
fi
psql_admin -d pagila <<'SQL'
grant connect on database pagila to pagila_reader;
grant usage on schema public to pagila_reader;
grant select on all tables in schema public to pagila_reader;
alter default privileges in schema public grant select on tables to pagila_reader;
grant connect on database pagila to kerberos_reader;
grant usage on schema public to kerberos_reader;
grant select on all tables in schema public to kerberos_reader;
alter default privileges in schema public grant select on tables to kerberos_reader;
SQL

if [ "$(psql_admin -d postgres -tAc "select 1 from pg_database where datname = 'warehouse'")" != "1" ]; then
  log "creating the warehouse database"
  psql_admin -d postgres -c "create database warehouse owner warehouse_loader"
fi
psql_admin -d warehouse <<'SQL'
revoke all on database warehouse from public;
grant connect on database warehouse to warehouse_loader, warehouse_reader;
alter default privileges for role warehouse_loader grant usage on schemas to warehouse_reader;
alter default privileges for role warehouse_loader grant select on tables to warehouse_reader;
SQL

pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
log "ready to start on $LISTEN:$PGPORT"
exec postgres -D "$PGDATA" -c krb_server_keyfile="FILE:$KEYTAB"
