#!/bin/sh
# The Debian packages as an operator gets them: built from "make dist"'s
# tarball ($OB_DIST_TARBALL; else a clean "git archive" of HEAD), lintian
# clean, installed with their dependencies into a fresh Debian 12
# (debootstrap --variant=minbase bookworm into a folder of this test's),
# then checked there: the files, the user and group orgbook, the modes of
# /etc/orgbook and /var/lib/orgbook, the shipped configuration starting
# the installed server as user orgbook (it answers /healthz), orgbook-admin
# as root leaving the database's files orgbook's, and systemd-analyze
# verify on the installed units. Slow (minutes) and needs root and the
# network: run by "make check-packages", not by make check. Each stage's
# seconds are printed as a TAP comment.
#   OB_DEBOOTSTRAP_CACHE=DIR  keep debootstrap's downloads there
#   OB_DEBIAN_MIRROR=URL      default http://deb.debian.org/debian
#   KEEP=1                    leave the temporary folder (and say where)
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
mirror=${OB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (debootstrap, chroot)"
	exit 0
fi
for t in dpkg-buildpackage debootstrap lintian curl; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "1..0 # SKIP needs $t (build-aux/install-deps.sh)"
		exit 0
	fi
done
. "$top_srcdir/tests/lib/tap.sh"
tmp=$(mktemp -d /var/tmp/orgbook-packages.XXXXXX)
root="$tmp/root"
spid=""
unmount_all() {
	for m in "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc"; do
		if mountpoint -q "$m" 2>/dev/null; then
			umount "$m" 2>/dev/null || umount -l "$m"
		fi
	done
}
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	unmount_all
	if [ -n "${KEEP:-}" ]; then
		echo "# kept $tmp"
	elif ! grep -q " $tmp/" /proc/mounts; then
		rm -rf --one-file-system "$tmp"
	else
		echo "# $tmp still has mounts: not removed"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
t0=$(date +%s)
stage() {
	now=$(date +%s)
	echo "# stage $1: $((now - t0)) s"
	t0=$now
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# -- 1. build the packages from a clean source tree ---------------------------
mkdir "$tmp/src"
if [ -n "${OB_DIST_TARBALL:-}" ]; then
	check "unpack $(basename "$OB_DIST_TARBALL")" 0 tar -xzf "$OB_DIST_TARBALL" -C "$tmp/src"
else
	check "git archive of HEAD" 0 sh -c "git -C '$top_srcdir' archive --prefix=orgbook/ HEAD | tar -x -C '$tmp/src'"
fi
srcdir=$(find "$tmp/src" -mindepth 1 -maxdepth 1 -type d | head -1)
check "the source has debian/" 0 test -x "$srcdir/debian/rules"
(cd "$srcdir" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -j2) >"$tmp/build.log" 2>&1
check "dpkg-buildpackage -us -uc -b" 0 test $? -eq 0
[ -s "$tmp/build.log" ] && out=$(tail -20 "$tmp/build.log")
check "DEB_BUILD_OPTIONS=nocheck: no test run" 1 grep -q -e "make -j[0-9]* check" -e "make check" "$tmp/build.log"
server_deb=$(ls "$tmp"/src/orgbook-server_*.deb 2>/dev/null | head -1)
agent_deb=$(ls "$tmp"/src/orgbook-agent_*.deb 2>/dev/null | head -1)
check "two packages" 0 test -n "$server_deb" -a -n "$agent_deb"
out=$(lintian --pedantic -I "$tmp"/src/orgbook_*.changes 2>&1 | grep -v 'running with root privileges')
check "lintian clean (pedantic, info)" 0 test -z "$out"
stage "package build"

# -- 2. a fresh Debian 12 ---------------------------------------------------------
cache=""
if [ -n "${OB_DEBOOTSTRAP_CACHE:-}" ]; then
	mkdir -p "$OB_DEBOOTSTRAP_CACHE"
	cache="--cache-dir=$(cd "$OB_DEBOOTSTRAP_CACHE" && pwd)"
fi
# shellcheck disable=SC2086
debootstrap --variant=minbase $cache bookworm "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1
check "debootstrap --variant=minbase bookworm" 0 test $? -eq 0
[ -x "$root/bin/sh" ] || {
	out=$(tail -20 "$tmp/debootstrap.log")
	tap_show 20
	tap_done
}
stage "debootstrap"

# -- 3. install the packages with their dependencies -----------------------------
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
# no service starts inside the root (it has no running systemd anyway)
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/debs"
cp "$server_deb" "$agent_deb" "$root/tmp/debs/"
in_root apt-get -qq update >"$tmp/apt.log" 2>&1
check "apt-get update in the root" 0 test $? -eq 0
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "/tmp/debs/$(basename "$server_deb")" \
	"/tmp/debs/$(basename "$agent_deb")" >>"$tmp/apt.log" 2>&1
check "apt-get install the two .debs and their dependencies" 0 test $? -eq 0
out=$(tail -20 "$tmp/apt.log")
check "both installed" 0 sh -c "chroot '$root' dpkg-query -W -f='\${db:Status-Status}\n' orgbook-server orgbook-agent | grep -c installed | grep -qx 2"
stage "install"

# -- 4. checks ------------------------------------------------------------------------
for f in /usr/bin/orgbook-server /usr/bin/orgbook-admin /usr/bin/orgbook-agent \
	/etc/orgbook/orgbook-server.conf /lib/systemd/system/orgbook-server.service \
	/usr/lib/sysusers.d/orgbook.conf /usr/lib/tmpfiles.d/orgbook.conf \
	/usr/lib/systemd/user/orgbook-agent.service /usr/lib/systemd/user/orgbook-agent.timer \
	/usr/share/man/man8/orgbook-server.8.gz /usr/share/man/man1/orgbook-admin.1.gz \
	/usr/share/man/man1/orgbook-agent.1.gz /usr/share/doc/orgbook-server/IMPORT.md.gz \
	/usr/share/bash-completion/completions/orgbook-server \
	/usr/share/bash-completion/completions/orgbook-admin \
	/usr/share/bash-completion/completions/orgbook-agent; do
	check "installed: $f" 0 test -e "$root$f"
done
out=$(chroot "$root" dpkg-query -W -f='${Conffiles}\n' orgbook-server)
has "the configuration is a conffile" "/etc/orgbook/orgbook-server.conf"
out=$(grep -h ExecStart "$root/lib/systemd/system/orgbook-server.service" "$root/usr/lib/systemd/user/orgbook-agent.service")
has "the unit starts /usr/bin/orgbook-server with /etc's config" "ExecStart=/usr/bin/orgbook-server --config /etc/orgbook/orgbook-server.conf"
has "the agent's unit runs /usr/bin/orgbook-agent sync" "ExecStart=/usr/bin/orgbook-agent sync"
pw=$(in_root getent passwd orgbook)
uid=$(echo "$pw" | cut -d: -f3)
check "user orgbook exists" 0 test -n "$uid"
check "user orgbook is a system user (uid $uid)" 0 test "${uid:-1000}" -lt 1000
out=$pw
has "its home is /var/lib/orgbook" ":/var/lib/orgbook:"
has "it has no login shell" "nologin"
out=$(in_root getent group orgbook)
has "group orgbook exists" "orgbook:x:"
modes() { in_root stat -c '%a %U:%G' "$1" 2>&1; }
out=$(modes /etc/orgbook)
has "/etc/orgbook 750 root:orgbook" "750 root:orgbook"
out=$(modes /etc/orgbook/orgbook-server.conf)
has "the configuration 640 root:orgbook" "640 root:orgbook"
out=$(modes /var/lib/orgbook)
has "/var/lib/orgbook 750 orgbook:orgbook" "750 orgbook:orgbook"

# The shipped configuration, as user orgbook like the unit (no
# capabilities, no_new_privs, UMask 0027). The ports are made 0 (any free
# one, written to a port file) because this machine's 8080 and 8081 may be
# taken; every other setting is the shipped file's.
start_server() {
	rm -f "$root/var/lib/orgbook/ports"
	chroot "$root" /usr/bin/setpriv --reuid=orgbook --regid=orgbook --clear-groups \
		--no-new-privs --inh-caps=-all --bounding-set=-all \
		/bin/sh -c 'umask 0027; exec /usr/bin/orgbook-server --config /etc/orgbook/orgbook-server.conf --port 0 --admin-port 0 --port-file /var/lib/orgbook/ports' \
		>>"$tmp/server.log" 2>&1 &
	spid=$!
	i=0
	while [ ! -s "$root/var/lib/orgbook/ports" ] && [ $i -lt 100 ] && kill -0 "$spid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	read -r port aport <"$root/var/lib/orgbook/ports" 2>/dev/null || aport=""
}
stop_server() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid"
	stopped=$?
	spid=""
}
start_server
out=$(cat "$tmp/server.log")
check "the installed server starts as orgbook with the shipped config" 0 test -n "$aport"
check "/healthz answers on its admin port" 0 curl -sf -m 5 "http://127.0.0.1:$aport/healthz"
check "the sync listener answers" 0 sh -c "curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/sync | grep -q '^[1-5]'"
stop_server
check "it stops on SIGTERM with status 0" 0 test "$stopped" -eq 0
out=$(modes /var/lib/orgbook/orgbook.db)
has "it made its database orgbook's, 600" "600 orgbook:orgbook"

# root's orgbook-admin on the service's database
adm() { in_root /usr/bin/orgbook-admin --db /var/lib/orgbook/orgbook.db "$@"; }
check "root: orgbook-admin enterprise create (MD5)" 0 adm enterprise create acme --md5-auth yes
check "root: an account with a password (seals with the key file)" 0 \
	sh -c "echo long-password-1 | chroot '$root' /usr/bin/orgbook-admin --db /var/lib/orgbook/orgbook.db account create --tenant acme alice --password-stdin"
out=$(modes /var/lib/orgbook/orgbook.db.key)
has "the key file root made is orgbook's, 600" "600 orgbook:orgbook"
out=$(in_root find /var/lib/orgbook ! -user orgbook)
check "nothing in /var/lib/orgbook is root's" 0 test -z "$out"
start_server
check "the server starts again on the database root touched" 0 test -n "$aport"
check "/healthz again" 0 curl -sf -m 5 "http://127.0.0.1:$aport/healthz"
stop_server

# systemd-analyze in the root (the systemd package came as a dependency)
out=$(in_root systemd-analyze verify --man=no /lib/systemd/system/orgbook-server.service 2>&1)
check "systemd-analyze verify orgbook-server.service" 0 test -z "$out"
out=$(in_root systemd-analyze verify --man=no /usr/lib/systemd/user/orgbook-agent.service /usr/lib/systemd/user/orgbook-agent.timer 2>&1)
check "systemd-analyze verify the agent's service and timer" 0 test -z "$out"
score=$(in_root systemd-analyze security --offline=yes /lib/systemd/system/orgbook-server.service 2>&1 | sed -n 's/.*Overall exposure level for orgbook-server.service: //p')
echo "# systemd-analyze security --offline=yes: $score"
check "exposure below 2.0 (${score:-none})" 0 awk -v s="${score%% *}" 'BEGIN { exit !(s != "" && s + 0 < 2.0) }'

# purge leaves no configuration behind
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq orgbook-server orgbook-agent >>"$tmp/apt.log" 2>&1
check "apt-get purge" 0 test $? -eq 0
check "purged: no /etc/orgbook/orgbook-server.conf" 1 test -e "$root/etc/orgbook/orgbook-server.conf"
stage "checks"
tap_done
