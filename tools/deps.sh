# tools/deps.sh: the Debian packages that tern's build, tests and demo need,
# and deps_install, which installs the missing ones. Sourced by tools/test
# and tools/demo; bash.
#
#   deps_missing      print the packages of TERN_DEPS not installed
#   deps_install      install them (apt-get; as root directly, otherwise
#                     through sudo), quietly and only if something is
#                     missing; services are kept from starting meanwhile
#                     (the tests start their own dovecot and mailutils,
#                     never the system's)
#   deps_cyrus        unpack Cyrus IMAP (for tests/harness.sh -s cyrus)
#                     into TERN_CYRUS_ROOT (default, as root:
#                     /var/cache/tern-tests/cyrus, else
#                     ${XDG_CACHE_HOME:-~/.cache}/tern-tests/cyrus), unless
#                     it is there already. Debian's cyrus-* packages
#                     conflict with dovecot's (imap-server), so they are
#                     never installed: `apt-get download` fetches them and
#                     the libraries they need that are not installed, and
#                     `dpkg -x` unpacks each there. Needs no root (only
#                     apt-get download and dpkg-deb); safe to run again,
#                     and from two checkouts at once (the folder is built
#                     aside and renamed into place).

# libcurl: the GnuTLS flavour, because Debian's libetpan-dev depends on it
# and libcurl4-openssl-dev conflicts with it (src/oauth.c works with both).
TERN_DEPS="build-essential autoconf automake autopoint libtool gettext
pkg-config libncurses-dev libssl-dev libsqlite3-dev libinih-dev check
libetpan-dev libcurl4-gnutls-dev libjansson-dev libmagic-dev dovecot-imapd dovecot-pop3d tmux python3 openssl sqlite3
clang libclang-rt-14-dev mailutils-imap4d mailutils-pop3d sasl2-bin
libsasl2-modules libsasl2-modules-db python3-aiosmtpd"

# Cyrus IMAP, unpacked and never installed (see deps_cyrus).
TERN_CYRUS_PKGS="cyrus-common cyrus-imapd cyrus-pop3d cyrus-admin
cyrus-clients"
# As root the servers run as "mail", which cannot enter /root: the folder
# is then under /var/cache. tests/harness.sh looks in the same places.
if [ -z "${TERN_CYRUS_ROOT:-}" ]; then
	if [ "$(id -u)" = 0 ]; then
		TERN_CYRUS_ROOT=/var/cache/tern-tests/cyrus
	else
		TERN_CYRUS_ROOT=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tern-tests/cyrus
	fi
fi

deps_missing()
{
	local p
	for p in $TERN_DEPS; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed'; then
			printf '%s\n' "$p"
		fi
	done
}

deps_install()
{
	local missing sudo='' policy='' rc=0 log
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: not a Debian system; install the equivalents of:" \
		    $TERN_DEPS >&2
		return 0
	fi
	missing=$(deps_missing | tr '\n' ' ')
	if [ -z "${missing// /}" ]; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "deps: missing packages: $missing" >&2
			echo "deps: not root and no sudo: install them and retry" >&2
			return 1
		fi
		sudo=sudo
	fi
	echo "deps: installing $missing"
	# Keep invoke-rc.d from starting services (dovecot) during the install.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d \
		    >/dev/null
		$sudo chmod 755 /usr/sbin/policy-rc.d
		policy=1
	fi
	log=$(mktemp "${TMPDIR:-/tmp}/tern-deps.XXXXXX")
	{
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install \
		    -y -qq --no-install-recommends $missing
	} >"$log" 2>&1 || rc=$?
	if [ -n "$policy" ]; then
		$sudo rm -f /usr/sbin/policy-rc.d
	fi
	if [ "$rc" != 0 ]; then
		tail -n 30 "$log" >&2
		rm -f "$log"
		echo "deps: apt-get failed ($rc)" >&2
		return 1
	fi
	rm -f "$log"
	missing=$(deps_missing | tr '\n' ' ')
	if [ -n "${missing// /}" ]; then
		echo "deps: still missing after apt-get: $missing" >&2
		return 1
	fi
	if [ -s /run/dovecot/master.pid ] &&
	    kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
		echo "deps: note: the system dovecot service is running; the" \
		    "tests do not use it" >&2
	fi
	return 0
}

# Is Debian package $1 installed?
_deps_installed()
{
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
	    grep -q 'install ok installed'
}

# The library packages (lib*) package $1 depends on, the first of each
# group of alternatives, one a line.
_deps_lib_depends()
{
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
	    --no-breaks --no-replaces --no-enhances "$1" 2>/dev/null |
	    awk '
		/^ *\|?(Pre)?Depends:/ {
			alt = ($1 ~ /^\|/)
			name = $2
			if (!inalt && name ~ /^lib/ && name !~ /^</)
				print name
			inalt = alt
		}'
}

deps_cyrus()
{
	local root=$TERN_CYRUS_ROOT tmp queue p dep want='' got=' ' missing b
	local bin
	if [ -e "$root/.complete" ]; then
		return 0
	fi
	if ! command -v apt-get >/dev/null 2>&1 ||
	    ! command -v dpkg-deb >/dev/null 2>&1; then
		echo "deps: not a Debian system: the Cyrus tests will be skipped" >&2
		return 0
	fi
	echo "deps: unpacking Cyrus IMAP into $root"
	mkdir -p "$(dirname "$root")"
	tmp=$(mktemp -d "$root.tmp.XXXXXX")
	# The packages, then the libraries they need that are not installed,
	# recursively through the libraries fetched.
	queue=$TERN_CYRUS_PKGS
	while [ -n "${queue// /}" ]; do
		p=${queue%% *}
		queue=${queue#"$p"}
		queue=${queue# }
		p=$(printf '%s' "$p" | tr -d '\n')
		[ -n "$p" ] || continue
		case $got in
		*" $p "*) continue ;;
		esac
		got="$got$p "
		want="$want $p"
		for dep in $(_deps_lib_depends "$p"); do
			_deps_installed "$dep" || queue="$queue $dep"
		done
		queue=$(printf '%s' "$queue" | tr '\n' ' ')
	done
	if ! (cd "$tmp" && apt-get download $want) >"$tmp/download.log" 2>&1; then
		tail -n 20 "$tmp/download.log" >&2
		rm -rf "$tmp"
		echo "deps: apt-get download of Cyrus failed" >&2
		return 1
	fi
	mkdir -p "$tmp/root"
	for b in "$tmp"/*.deb; do
		dpkg-deb -x "$b" "$tmp/root" || {
			rm -rf "$tmp"
			echo "deps: dpkg-deb -x $b failed" >&2
			return 1
		}
	done
	# Every library the servers need must now resolve.
	for bin in master imapd pop3d idled ctl_cyrusdb; do
		missing=$(LD_LIBRARY_PATH=$tmp/root/usr/lib/x86_64-linux-gnu \
		    ldd "$tmp/root/usr/lib/cyrus/bin/$bin" 2>&1 |
		    sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
		if [ -n "$missing" ]; then
			echo "deps: Cyrus $bin still lacks:" $missing >&2
			rm -rf "$tmp"
			return 1
		fi
	done
	(cd "$tmp" && ls ./*.deb) >"$tmp/root/.packages"
	touch "$tmp/root/.complete"
	if ! mv -T "$tmp/root" "$root" 2>/dev/null; then
		# Another run got there first.
		rm -rf "$tmp"
		[ -e "$root/.complete" ] || {
			echo "deps: could not put Cyrus in $root" >&2
			return 1
		}
		return 0
	fi
	rm -rf "$tmp"
	return 0
}
