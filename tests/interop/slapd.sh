# A private OpenLDAP slapd on loopback for the LDAP tests and benchmark
# (sourced; POSIX sh): an oracle holding the same tree as Orgbook's LDAP
# listener, loaded from tests/interop/ldif.py's LDIF.
#   slapd_start DIR SUFFIX LDIF [SUFFIX LDIF ...]
#       a slapd.conf in DIR (core, cosine, inetorgperson and
#       ldap/orgbook.schema; one mdb database a suffix, indexed eq,sub on
#       cn, sn, givenName, displayName, mail, telephoneNumber, mobile,
#       homePhone, ipPhone, orgbookPinyin and eq on objectClass and uid;
#       the sssvlv overlay for server-side sort and VLV; no size limit;
#       anyone reads, userPassword only for binds), each LDIF loaded
#       with slapadd, then slapd on a free port of 127.0.0.1 (and LDAPS
#       on another when SLAPD_CERT and SLAPD_KEY name a PEM pair, which
#       also gives StartTLS). Sets slapd_port, slapd_ldaps_port,
#       slapd_pid; returns 1 with the log's tail on standard error when
#       it does not come up. Needs top_srcdir.
#   slapd_stop    stops it (call it from the script's cleanup).
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
slapd_pid=""

slapd_free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

slapd_start() {
	sd=$1
	shift
	slapd_loads="$*" # suffixes and paths hold no spaces
	mkdir -p "$sd"
	{
		for s in core cosine inetorgperson; do
			echo "include /etc/ldap/schema/$s.schema"
		done
		echo "include $(cd "$top_srcdir" && pwd)/ldap/orgbook.schema"
		echo "pidfile $sd/slapd.pid"
		echo "argsfile $sd/slapd.args"
		echo "modulepath /usr/lib/ldap"
		echo "moduleload back_mdb"
		echo "moduleload sssvlv"
		echo "sizelimit unlimited"
		echo "timelimit unlimited"
		if [ -n "${SLAPD_CERT:-}" ]; then
			echo "TLSCertificateFile $SLAPD_CERT"
			echo "TLSCertificateKeyFile $SLAPD_KEY"
		fi
		i=0
		while [ $# -ge 2 ]; do
			i=$((i + 1))
			mkdir -p "$sd/db$i"
			cat <<CONF
database mdb
suffix "$1"
directory $sd/db$i
maxsize 4294967296
index objectClass eq
index uid eq
index cn,sn,givenName,displayName,mail eq,sub
index telephoneNumber,mobile,homePhone,ipPhone,orgbookPinyin eq,sub
overlay sssvlv
sssvlv-max 200
sssvlv-maxperconn 200
access to attrs=userPassword by anonymous auth by * none
access to * by * read
CONF
			shift 2
		done
	} >"$sd/slapd.conf"
	# shellcheck disable=SC2086 # the pairs again, split on spaces
	slapd_load "$sd" $slapd_loads || return 1
	slapd_port=$(slapd_free_port)
	slapd_ldaps_port=""
	urls="ldap://127.0.0.1:$slapd_port/"
	if [ -n "${SLAPD_CERT:-}" ]; then
		slapd_ldaps_port=$(slapd_free_port)
		urls="$urls ldaps://127.0.0.1:$slapd_ldaps_port/"
	fi
	"$SLAPD" -f "$sd/slapd.conf" -h "$urls" -d 0 >"$sd/slapd.log" 2>&1 &
	slapd_pid=$!
	i=0
	while [ $i -lt 100 ]; do
		if ldapsearch -x -H "ldap://127.0.0.1:$slapd_port/" -s base \
			-b "" "(objectClass=*)" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$slapd_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	tail -5 "$sd/slapd.log" >&2
	return 1
}

# slapd_load DIR SUFFIX LDIF [SUFFIX LDIF ...]: slapadd each LDIF into its
# suffix's database (slapd_start's conf, slapd not running yet)
slapd_load() {
	sd=$1
	shift
	while [ $# -ge 2 ]; do
		"$SLAPADD" -q -f "$sd/slapd.conf" -b "$1" -l "$2" \
			>>"$sd/slapadd.log" 2>&1 || {
			tail -5 "$sd/slapadd.log" >&2
			return 1
		}
		shift 2
	done
}

slapd_stop() {
	if [ -n "$slapd_pid" ]; then
		kill "$slapd_pid" 2>/dev/null && wait "$slapd_pid" 2>/dev/null
		slapd_pid=""
	fi
}
