#!/bin/bash
# Builds a `debian:bookworm-slim`-like root filesystem with debootstrap (minbase) and writes it
# as a tar to stdout, for `docker import`. Used only when the image can neither be found on the
# engine nor pulled. Needs root and Debian's debootstrap package.
set -euo pipefail
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${DEBIAN_SUITE:-bookworm}
root=$(mktemp -d /tmp/datakit-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >&2
cat >"$root/etc/apt/sources.list" <<LIST
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} $SUITE-security main
LIST
# Keep the image slim the way the official one is: no package lists, no apt cache.
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<CONF
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
CONF
echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/no-recommends"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
tar --numeric-owner -C "$root" -c .
