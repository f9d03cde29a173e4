-- Roles, one per purpose. Idempotent: runs on every start; passwords come from files.
-- pagila_reader:    reads the pagila source (SELECT only).
-- warehouse_loader: owns the warehouse database and writes to it; not a superuser.
-- warehouse_reader: reads the warehouse (analysts, `datakit verify`).
-- datakit_admin:    superuser for test fixtures and administration only, never for loads.
-- kerberos_reader:  reads the pagila source like pagila_reader, but has no password: it logs in
--                   only through GSSAPI with a Kerberos ticket (pg_hba.conf, map "kerberos").
select format('create role %I', r) from unnest(array[
  'pagila_reader', 'warehouse_loader', 'warehouse_reader', 'datakit_admin', 'kerberos_reader'
]) as r
where not exists (select 1 from pg_roles where rolname = r)
\gexec

\set pagila_reader_password `tr -d '\n' < /run/secrets/postgres/pagila_reader.password`
\set warehouse_loader_password `tr -d '\n' < /run/secrets/postgres/warehouse_loader.password`
\set warehouse_reader_password `tr -d '\n' < /run/secrets/postgres/warehouse_reader.password`
\set datakit_admin_password `tr -d '\n' < /run/secrets/postgres/datakit_admin.password`

alter role pagila_reader    with login nosuperuser nocreatedb nocreaterole password :'pagila_reader_password';
alter role warehouse_loader with login nosuperuser nocreatedb nocreaterole password :'warehouse_loader_password';
alter role warehouse_reader with login nosuperuser nocreatedb nocreaterole password :'warehouse_reader_password';
alter role datakit_admin    with login superuser password :'datakit_admin_password';
alter role kerberos_reader  with login nosuperuser nocreatedb nocreaterole password null;
