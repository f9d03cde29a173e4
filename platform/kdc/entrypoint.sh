#!/bin/bash
# Runs an MIT KDC for a test realm on loopback. On first start it creates the realm database
# (master key random, kept only in the volume's stash file); on every start it makes sure the
# principals exist, exports their keytabs (without changing keys) and a client krb5.conf to
# $EXPORT_DIR, then runs krb5kdc in the foreground.
set -euo pipefail

REALM=${KRB5_REALM:-DATAKIT.TEST}
PORT=${KDC_PORT:-88}
LISTEN=${KDC_LISTEN:-127.0.0.1}
MAX_LIFE=${KRB5_MAX_LIFE:-10h 0m 0s}
MAX_RENEW=${KRB5_MAX_RENEWABLE_LIFE:-7d 0h 0m 0s}
# principal=keytab-file pairs, space separated; `=maxlife=maxrenewlife` after the keytab gives
# that principal its own (shorter) limits, e.g. datakit-e2e for the Kerberos end-to-end tests:
# tickets of 2 minutes renewable for 10, while the realm's other principals keep the defaults.
# MSSQLSvc/localhost:1433 is the SQL Server service principal the TDS test server
# (libs/tds-server) accepts Kerberos logins for.
PRINCIPALS=${KRB5_PRINCIPALS:-postgres/localhost=postgres.keytab datakit-loader=datakit-loader.keytab datakit-e2e=datakit-e2e.keytab=2m=10m MSSQLSvc/localhost:1433=mssqlsvc.keytab}
EXPORT_DIR=${EXPORT_DIR:-/export}

log() { echo "datakit-kdc: $*" >&2; }

cat >/etc/krb5.conf <<CONF
[libdefaults]
  default_realm = $REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
  udp_preference_limit = 1
[realms]
  $REALM = {
    kdc = $LISTEN:$PORT
  }
CONF

mkdir -p /etc/krb5kdc
cat >/etc/krb5kdc/kdc.conf <<CONF
[kdcdefaults]
  kdc_listen = $LISTEN:$PORT
  kdc_tcp_listen = $LISTEN:$PORT
[realms]
  $REALM = {
    database_name = /var/lib/krb5kdc/principal
    key_stash_file = /var/lib/krb5kdc/stash
    acl_file = /etc/krb5kdc/kadm5.acl
    max_life = $MAX_LIFE
    max_renewable_life = $MAX_RENEW
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = STDERR
CONF
: >/etc/krb5kdc/kadm5.acl

if [ ! -s /var/lib/krb5kdc/principal ]; then
  log "creating realm $REALM"
  # The master password is random and thrown away: the stash file in the volume unlocks it.
  kdb5_util create -s -r "$REALM" -P "$(head -c 32 /dev/urandom | base64)" >/dev/null
fi

# Lifetimes can change between starts (tests shorten them): apply them to the TGS principal.
kadmin.local -q "modprinc -maxlife \"$MAX_LIFE\" -maxrenewlife \"$MAX_RENEW\" krbtgt/$REALM@$REALM" >/dev/null

mkdir -p "$EXPORT_DIR"
for pair in $PRINCIPALS; do
  principal=${pair%%=*}
  rest=${pair#*=}
  keytab=${rest%%=*}
  life=$MAX_LIFE
  renew=$MAX_RENEW
  if [ "$rest" != "$keytab" ]; then
    limits=${rest#*=}
    life=${limits%%=*}
    renew=${limits#*=}
  fi
  if ! kadmin.local -q "getprinc $principal" 2>/dev/null | grep -q "^Principal: "; then
    log "adding principal $principal@$REALM"
    kadmin.local -q "addprinc -randkey -maxlife \"$life\" -maxrenewlife \"$renew\" $principal" >/dev/null
  else
    kadmin.local -q "modprinc -maxlife \"$life\" -maxrenewlife \"$renew\" $principal" >/dev/null
  fi
  rm -f "$EXPORT_DIR/$keytab"
  kadmin.local -q "ktadd -norandkey -k $EXPORT_DIR/$keytab $principal" >/dev/null
  chmod 0600 "$EXPORT_DIR/$keytab"
done
cp /etc/krb5.conf "$EXPORT_DIR/krb5.conf"
chmod 0644 "$EXPORT_DIR/krb5.conf"

log "realm $REALM ready on $LISTEN:$PORT"
exec krb5kdc -n
