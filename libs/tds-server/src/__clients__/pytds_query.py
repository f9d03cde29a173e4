"""Runs one query with python3-tds (pytds) and prints the rows as JSON, one row per line.

Used by the tds-server integration tests as an independent TDS client. Values are printed
as text: None -> null, bool -> "1"/"0", Decimal/int -> str, float -> repr, bytes -> 0x + hex,
date/time/datetime -> isoformat (microseconds: Python's datetime has no 100 ns digit),
UUID -> upper case. The first line is the column names.

usage: pytds_query.py HOST PORT DATABASE QUERY [--user U --password P | --kerberos SPN [--spnego]]
                      [--encrypt login|all] [--cafile PEM] [--autocommit 0|1]
"""

import argparse
import datetime
import decimal
import json
import sys
import uuid

import pytds
import pytds.login


def text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex().upper()
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value).upper()
    return str(value)


def param(value):
    """A JSON parameter; {"bytes": hex}, {"datetime": iso}, {"decimal": text}, {"int": text} for other types."""
    if isinstance(value, dict):
        if "bytes" in value:
            return pytds.Binary(bytes.fromhex(value["bytes"]))
        if "datetime" in value:
            return datetime.datetime.fromisoformat(value["datetime"])
        if "int" in value:
            return int(value["int"])
        if "decimal" in value:
            return decimal.Decimal(value["decimal"])
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("database")
    parser.add_argument("query")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--kerberos")
    parser.add_argument("--spnego", action="store_true")
    parser.add_argument("--cafile")
    parser.add_argument("--encrypt", choices=["login", "all"])
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("--autocommit", type=int, default=1)
    args = parser.parse_args()
    options = dict(
        server=args.host,
        port=args.port,
        database=args.database,
        autocommit=bool(args.autocommit),
        login_timeout=10,
        timeout=60,
    )
    if args.kerberos:
        options["auth"] = pytds.login.KerberosAuth(args.kerberos)
        if args.spnego:
            # Same flow, but the GSS context uses the SPNEGO mechanism (as Windows clients do).
            import kerberos

            _, context = kerberos.authGSSClientInit(
                args.kerberos,
                gssflags=kerberos.GSS_C_MUTUAL_FLAG | kerberos.GSS_C_SEQUENCE_FLAG,
                mech_oid=kerberos.GSS_MECH_OID_SPNEGO,
            )
            options["auth"]._context = context
    else:
        options["user"] = args.user
        options["password"] = args.password
    if args.cafile:
        options["cafile"] = args.cafile
        options["validate_host"] = False
        options["enc_login_only"] = args.encrypt == "login"
    with pytds.connect(**options) as conn:
        with conn.cursor() as cursor:
            params = tuple(param(json.loads(p)) for p in args.param) or None
            cursor.execute(args.query, params)
            print(json.dumps([c[0] for c in cursor.description]))
            for row in cursor.fetchall():
                print(json.dumps([text(v) for v in row], ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # one line for the test's failure message
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
