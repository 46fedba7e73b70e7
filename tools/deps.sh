# tools/deps.sh: the Debian packages that tern's build, tests and demo need,
# and deps_install, which installs the missing ones. Sourced by tools/test
# and tools/demo; bash.
#
#   deps_missing      print the packages of TERN_DEPS not installed
#   deps_install      install them (apt-get; as root directly, otherwise
#                     through sudo), quietly and only if something is
#                     missing; services are kept from starting meanwhile
#                     (the tests start their own dovecot, never the system's)

TERN_DEPS="build-essential autoconf automake autopoint libtool gettext
pkg-config libncurses-dev libssl-dev libsqlite3-dev libinih-dev check
libetpan-dev dovecot-imapd dovecot-pop3d tmux python3 openssl sqlite3
clang libclang-rt-14-dev"

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
