#!/bin/sh
# Installs everything Orgbook needs to build, run and test on Debian 12.
# Run as root. Safe to run again: apt-get skips what is installed.
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get)" >&2
	exit 1
fi
PKGS="build-essential autoconf automake pkg-config
libxml2-dev libwbxml2-dev libwbxml2-utils libcurl4-gnutls-dev
libsqlite3-dev sqlite3 libgnutls28-dev gnutls-bin libmicrohttpd-dev
libcrypt-dev libpq-dev postgresql haproxy libjpeg62-turbo-dev libpng-dev
clang libclang-rt-14-dev valgrind cppcheck clang-format
python3 python3-vobject unicode-data curl gettext
syncevolution syncevolution-http python3-twisted dbus procps
vdirsyncer litmus
slapd ldap-utils python3-ldap3 libjpeg62-turbo-dev libpng-dev python3-pil
radicale strace
debhelper lintian debootstrap fakeroot systemd
chromium fonts-wqy-microhei"
# Node.js runs the browser tests (Playwright); Debian's when none is there.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
echo "install-deps: installing$missing"
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
