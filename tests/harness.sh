# tests/harness.sh: a private mail server for tern's integration tests:
# dovecot (the default), Cyrus IMAP 3.6 or GNU mailutils 3.15.
#
#   . "$TERN_SRCDIR/tests/harness.sh"      (from a bash script with set -eu)
#
# Sourcing it also sources tests/lib.sh (fail, skip, assert_*, at_exit, tui_*)
# and sets, if unset: TERN_SRCDIR (the repository holding this file), TERN
# ($TERN_SRCDIR/tern, else $TERN_SRCDIR/build/normal/tern if that exists),
# TERN_CORPUS ($TERN_SRCDIR/../shared/corpus). `make check` exports all three.
#
# harness_start [-s dovecot|cyrus|mailutils] [-n N] [-c] [-u USER:PASS]...
#     -s picks the server (default $HARNESS_SERVER, else dovecot); what
#     follows is dovecot's case, "Other servers" below says how Cyrus and
#     mailutils differ.
#     Start dovecot (the Debian 2.3 binaries; never the system service) on
#     127.0.0.1 with four free high ports, everything under a fresh
#     HARNESS_DIR (mktemp -d): config, base_dir, state_dir, log, mail, TLS.
#     Stopped by its master PID at exit, on INT/TERM/HUP and on failure.
#     Users: alice / alice-secret-1 and bob / bob-secret-2; each -u adds a
#     user or changes the password of an existing one (USER without ':',
#     either without newlines). disable_plaintext_auth = yes, BUT dovecot
#     2.3 counts a connection whose remote and local addresses are equal as
#     secured, so on 127.0.0.1 plaintext LOGIN/USER+PASS before STARTTLS/
#     STLS IS accepted (handy for `tls = off` tests). The same four ports
#     also listen on $HARNESS_STRICT_ADDR (127.0.0.2, when it can be bound;
#     else empty): a client there connects from 127.0.0.1, so dovecot
#     advertises LOGINDISABLED and refuses plaintext auth until STARTTLS/
#     STLS. (Its certificate does not match 127.0.0.2 either.)
#     Mail (Maildir++, folder separator "/"): alice's INBOX holds N (default
#     50) generated messages, UID i = message i (see tests/seed.py):
#       Subject "Message %05d of N" ("Message 00042 of 50"),
#       From "Sender i <sender-i@example.org>", To alice@example.org,
#       Message-ID <seed-i@example.org>, Date 2025-01-01 00:00 UTC + i min
#       (also the INTERNALDATE; the highest UID is the newest),
#       \Seen when i % 3 == 0, \Flagged when i % 10 == 0.
#     Drafts, Sent, Trash, Junk, Archive exist for every user with their
#     SPECIAL-USE flag, auto-created and subscribed; alice's Archive holds 5
#     messages ("Archived 1".."Archived 5"), her Sent 4 ("Sent 1".."Sent 4"),
#     all \Seen. With -c, every *.eml under $TERN_CORPUS (recursively, in path
#     order; skipped silently if the folder is absent) goes into alice's
#     subscribed folder "Corpus". bob has only the empty special folders.
#     Returns once all four ports answer (fails with the log after 10 s).
#     HARNESS_DIR goes under $HARNESS_TMPDIR, else $TMPDIR, else /dev/shm
#     when it is writable with room to spare, else /tmp (set
#     HARNESS_TMPDIR=/tmp to measure on a disk). Start-up takes about 0.4 s
#     for 50 or 2,000 messages and 3 s for 100,000 on /dev/shm; on this
#     machine's /tmp 0.4 s, 2 s and 9-18 s.
#     Exports:
#       HARNESS_DIR         the private directory (removed at stop unless
#                           HARNESS_KEEP=1)
#       HARNESS_CA          CA certificate (PEM) that signed the server cert
#       HARNESS_OTHER_CA    an unrelated CA (PEM), for negative tests
#       HARNESS_CERT        the server certificate (PEM); SAN DNS:localhost
#                           only, so 127.0.0.1 is a wrong host name
#       HARNESS_KEY         its private key (PEM), e.g. for fake-server.py
#       HARNESS_CERT_SHA256 its fingerprint, "sha256:AA:BB:..." (uppercase)
#       HARNESS_IMAPS_PORT  IMAP, implicit TLS
#       HARNESS_IMAP_PORT   IMAP, STARTTLS
#       HARNESS_POP3S_PORT  POP3, implicit TLS
#       HARNESS_POP3_PORT   POP3, STLS
#       HARNESS_STRICT_ADDR 127.0.0.2 or empty (see above)
#       HARNESS_USER        alice
#       HARNESS_PASS        alice-secret-1 (or what -u alice:... set)
#       HARNESS_N           N
#       HARNESS_LOG         the server's log file
#       HARNESS_PID         dovecot's (Cyrus's) master PID; mailutils's imap4d
#       HARNESS_SERVER      dovecot, cyrus or mailutils
#       HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME  fresh, empty, under HARNESS_DIR
#
# harness_config [--no-password] [imaps|imap|pop3s|pop3] [LINE]...
#     Write $XDG_CONFIG_HOME/tern/config (0600): one "[account test]" for
#     that listener (default imaps) at host ${HARNESS_HOST:-localhost} (a
#     test may set HARNESS_HOST, e.g. to 127.0.0.1) as $HARNESS_USER, with
#     password_cmd reading $HARNESS_PASS from a 0600 file outside HOME and
#     tls_ca_file = $HARNESS_CA; each LINE is appended verbatim (so "tls =
#     off", "tls_fingerprint = ...", or a whole "[ui]" section after it).
#     Prints the config's path. Set HARNESS_USER/HARNESS_PASS first to log in
#     as someone else. --no-password leaves password_cmd out (an OAuth
#     account's LINEs bring their own keys).
#
# harness_url [imaps|imap|pop3s|pop3] [FOLDER]
#     Print the URL of a listener: imaps://alice@localhost:PORT[/FOLDER]
#     (host ${HARNESS_HOST:-localhost}).
#
# harness_doveadm ARGS...
#     (dovecot only; fails on the other servers: use harness_imapc.)
#     doveadm with the harness's config, e.g.
#       harness_doveadm fetch -u alice 'uid flags hdr.subject' mailbox INBOX
#       harness_doveadm expunge -u alice mailbox INBOX uid 3:7
#       harness_doveadm flags add -u alice '\Flagged' mailbox INBOX uid 9
#
# harness_deliver [-u USER] [-f FOLDER] SUBJECT [BODY]
#     Add one message dated now (doveadm save, so dovecot indexes it at once
#     and IDLE clients hear of it; on Cyrus and mailutils an IMAP APPEND by
#     that user). Default user $HARNESS_USER, folder INBOX.
#     From "Deliverer <deliverer@example.org>", Message-ID unique.
#     Prints the new message's UID.
#
# harness_pause / harness_resume
#     Stop the server but keep everything (mail, config, ports); start it
#     again.
#
# harness_server_state [FOLDER]
#     "UID FLAGS SUBJECT" per message of FOLDER (default INBOX), by UID, as
#     the server has them (FLAGS as tern's bits: 1 seen, 2 answered, 4
#     flagged, 8 deleted, 16 draft): doveadm on dovecot, tests/imapc.py
#     (subjects RFC 2047-decoded) on the others.
# cache_state DB [FOLDER] / assert_cache_matches DB FOLDER WHAT
#     The same lines from tern's cache; fail with a diff unless they match.
#
# harness_imapc [-u USER] COMMAND [ARG]...
#     tests/imapc.py, another IMAP/POP3 client (implicit TLS, the harness
#     CA), logged in as USER (a harness user's name; default alice): the
#     same on every server. state, flag, expunge, append, search, fetch,
#     uids, create, delete, list, caps, pop-list, pop-uidl, pop-count: see
#     the head of tests/imapc.py. POP3 commands want --port
#     "$HARNESS_POP3S_PORT".
#
# HARNESS_DOVECOT_EXTRA (set before harness_start)
#     Text appended to dovecot.conf, e.g. to hide a capability:
#       HARNESS_DOVECOT_EXTRA='protocol imap { imap_capability = IMAP4rev1 }'
#
# harness_stop
#     Stop the server (TERM to the master PID(s) and their children, KILL
#     after 5 s) and remove HARNESS_DIR. Idempotent; run automatically at
#     exit. On a failing exit it first prints the tail of the server's log
#     on stderr (Cyrus: without its debug lines).
#
# Other servers (harness_start -s cyrus | -s mailutils)
#     The same four listeners on free 127.0.0.1 ports with the same CA and
#     certificate, the same users (-u too), the same mail: alice's INBOX
#     with the N messages of tests/seed.py (same subjects, senders,
#     Message-IDs, Date headers and INTERNALDATEs, \Seen/\Flagged pattern,
#     UIDs 1..N in order), Drafts Sent Trash Junk Archive subscribed (with
#     their SPECIAL-USE role where the server has it), Archive 5 and Sent
#     4 messages; bob the empty special folders. The mail goes in by IMAP
#     APPEND as each user (tests/imapc.py seed). -c is refused (dovecot
#     only). HARNESS_STRICT_ADDR is empty. Started and stopped by PID like
#     dovecot, everything under HARNESS_DIR.
#   cyrus: Cyrus IMAP 3.6.1 (imapd, pop3d, idled under master) run from
#     the Debian packages tools/deps.sh unpacked (deps_cyrus) into
#     $TERN_CYRUS_ROOT (default /var/cache/tern-tests/cyrus as root, else
#     ~/.cache/tern-tests/cyrus); skipped (77) when it is not there. Users
#     in a sasldb (saslpasswd2), PLAIN and LOGIN; the admin "cyrus"
#     ($HARNESS_ADMIN, password $HARNESS_ADMIN_PASS) creates user/NAME.
#     Folder separator "/", alt namespace (alice sees INBOX, Archive...).
#     As root the processes run as "mail". Cyrus logs only to syslog: a
#     shim (tests/syslog-shim.c, built with cc into HARNESS_DIR and put in
#     LD_PRELOAD) writes its lines to HARNESS_LOG; without cc there is no
#     log. HARNESS_CYRUS_EXTRA: lines appended to imapd.conf.
#     Capabilities: CONDSTORE QRESYNC MOVE UIDPLUS SPECIAL-USE ESEARCH IDLE...
#   mailutils: GNU mailutils imap4d and pop3d (Debian's, never the system
#     services), virtual domain users: HARNESS_USER is alice@example.org
#     (and bob@example.org), mail in mbox files under
#     HARNESS_DIR/mail/NAME. Both log to HARNESS_LOG; HARNESS_PID is
#     imap4d's. HARNESS_MAILUTILS_EXTRA: text appended to both configs.
#     No CONDSTORE, QRESYNC, MOVE, UIDPLUS, SPECIAL-USE; quirks in
#     ../shared/docs/servers.md.
#   Start-up on this machine (2 shared cores, /dev/shm), 50 messages:
#     dovecot 0.3 s, Cyrus 0.85 s, mailutils 0.6 s.
#
# As root (CI), dovecot's internal and login users are the dovecot and
# dovenull system users and mail belongs to the "mail" user (uid 8 on
# Debian; first_valid_uid is lowered to it). As another user, everything
# runs as that user, without chroots.

if [ -n "${_TERN_HARNESS_SH:-}" ]; then
	return 0
fi
_TERN_HARNESS_SH=1

_harness_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${TERN_SRCDIR:=$(cd "$_harness_here/.." && pwd)}"
if [ -z "${TERN:-}" ]; then
	TERN=$TERN_SRCDIR/tern
	if [ ! -x "$TERN" ] && [ -x "$TERN_SRCDIR/build/normal/tern" ]; then
		TERN=$TERN_SRCDIR/build/normal/tern
	fi
fi
: "${TERN_CORPUS:=$TERN_SRCDIR/../shared/corpus}"
export TERN_SRCDIR TERN TERN_CORPUS

. "$_harness_here/lib.sh"

# TERN_VALGRIND=1 (make check-valgrind, tools/test --valgrind): every run
# of $TERN goes through valgrind memcheck with tests/valgrind.supp, its
# reports under $TERN_VALGRIND_DIR (default ./valgrind-logs)/SCRIPT.PID/;
# the script fails at exit if one counts an error (a definite leak is
# one). Timing-bound tests may fail from the slowness alone.
_harness_vg_check()
{
	local bad
	bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$_harness_vg_dir"/*.log \
	    2>/dev/null || true)
	if [ -n "$bad" ]; then
		printf 'FAIL: valgrind found errors in %s\n' "$bad" >&2
		# shellcheck disable=SC2086
		grep -h -v '^==[0-9]*== *$' $bad | head -n 150 >&2
		# The hooks before this one do not run after an exit here.
		_lib_watchdog_stop
		exit 1
	fi
	return 0
}
if [ -n "${TERN_VALGRIND:-}" ] && [ -z "${_TERN_VG_REAL:-}" ]; then
	command -v valgrind >/dev/null 2>&1 ||
	    skip "TERN_VALGRIND is set but valgrind is not installed"
	: "${TERN_VALGRIND_DIR:=$PWD/valgrind-logs}"
	_harness_vg_dir=$TERN_VALGRIND_DIR/$(basename "$0").$$
	mkdir -p "$_harness_vg_dir"
	_TERN_VG_REAL=$TERN
	printf '%s\n' '#!/bin/sh' \
	    "exec valgrind --error-exitcode=99 --leak-check=full \\" \
	    "    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\" \
	    "    --num-callers=30 --suppressions='$TERN_SRCDIR/tests/valgrind.supp' \\" \
	    "    --log-file='$_harness_vg_dir/%p.log' '$_TERN_VG_REAL' \"\$@\"" \
	    >"$_harness_vg_dir/tern"
	chmod +x "$_harness_vg_dir/tern"
	TERN=$_harness_vg_dir/tern
	export TERN _TERN_VG_REAL
	at_exit _harness_vg_check
fi

HARNESS_DIR=
_harness_pid=
_harness_pids_extra=
_harness_hooked=

_harness_dovecot=${HARNESS_DOVECOT:-/usr/sbin/dovecot}
_harness_doveadm=${HARNESS_DOVEADM:-/usr/bin/doveadm}

_harness_die()
{
	# The exit hook prints the tail of dovecot's log.
	fail "harness: $*"
}

# Print N TCP ports free on 127.0.0.1 (and on address $2 too if given),
# one a line.
_harness_free_ports()
{
	"$TERN_PYTHON" - "$@" <<'EOF'
import socket, sys
n = int(sys.argv[1])
extra = sys.argv[2] if len(sys.argv) > 2 else ""
held = []
ports = []
while len(ports) < n:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    held.append(s)
    port = s.getsockname()[1]
    if extra:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind((extra, port))
        except OSError:
            continue
        finally:
            t.close()
    ports.append(port)
for p in ports:
    print(p)
EOF
}

# Can we listen on ADDRESS?
_harness_can_bind()
{
	"$TERN_PYTHON" -c 'import socket, sys
socket.socket().bind((sys.argv[1], 0))' "$1" 2>/dev/null
}

# Succeed when every port given listens on 127.0.0.1. On Linux this reads
# /proc/net/tcp, so that no probe connection clutters dovecot's log.
_harness_ports_up()
{
	local p
	for p in "$@"; do
		if [ -r /proc/net/tcp ]; then
			grep -q "^ *[0-9]*: 0100007F:$(printf '%04X' "$p") 00000000:0000 0A" \
			    /proc/net/tcp || return 1
		else
			(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || return 1
		fi
	done
}

# Succeed when the server listens on all four ports, or has died.
_harness_ready()
{
	local pid
	for pid in $_harness_pid $_harness_pids_extra; do
		_harness_alive "$pid" || return 0
	done
	_harness_ports_up "$HARNESS_IMAPS_PORT" "$HARNESS_IMAP_PORT" \
	    "$HARNESS_POP3S_PORT" "$HARNESS_POP3_PORT"
}

# Is PID a live (not zombie) process?
_harness_alive()
{
	local state
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) ||
		    return 1
		[ "$state" != Z ] || return 1
	fi
	return 0
}

_harness_certs()
{
	local t=$HARNESS_DIR/tls
	local ossl="openssl"
	mkdir -p "$t"
	(
		cd "$t"
		$ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out ca.key
		$ossl req -x509 -new -key ca.key -sha256 -days 30 \
		    -subj "/O=tern tests/CN=tern test CA" -out ca.pem \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign"
		$ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out other-ca.key
		$ossl req -x509 -new -key other-ca.key -sha256 -days 30 \
		    -subj "/O=elsewhere/CN=unrelated test CA" -out other-ca.pem \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign"
		$ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out server.key
		$ossl req -new -key server.key \
		    -subj "/O=tern tests/CN=tern test server" -out server.csr
		printf '%s\n' \
		    "subjectAltName=DNS:localhost" \
		    "basicConstraints=critical,CA:FALSE" \
		    "keyUsage=critical,digitalSignature" \
		    "extendedKeyUsage=serverAuth" \
		    "subjectKeyIdentifier=hash" \
		    "authorityKeyIdentifier=keyid" >server.ext
		$ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		    -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
		    -sha256 -days 30 -extfile server.ext -out server.pem
		rm -f server.csr server.ext ca.key other-ca.key
	) >"$HARNESS_DIR/log/openssl.log" 2>&1 ||
	    _harness_die "could not make certificates: $(cat "$HARNESS_DIR/log/openssl.log")"
	HARNESS_CA=$t/ca.pem
	HARNESS_OTHER_CA=$t/other-ca.pem
	HARNESS_CERT=$t/server.pem
	HARNESS_KEY=$t/server.key
	HARNESS_CERT_SHA256=sha256:$(openssl x509 -in "$t/server.pem" -noout \
	    -fingerprint -sha256 | sed 's/^[^=]*=//' | tr 'a-f' 'A-F')
	export HARNESS_CA HARNESS_OTHER_CA HARNESS_CERT HARNESS_KEY \
	    HARNESS_CERT_SHA256
}

# Where HARNESS_DIR goes: $HARNESS_TMPDIR, else $TMPDIR, else /dev/shm if
# it is a writable tmpfs with room for N messages (creating many small files
# there is 4-10 times faster than on the disk), else /tmp.
_harness_tmpdir()
{
	local avail
	if [ -n "${HARNESS_TMPDIR:-}" ]; then
		echo "$HARNESS_TMPDIR"
		return
	fi
	if [ -n "${TMPDIR:-}" ]; then
		echo "$TMPDIR"
		return
	fi
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
		if [ -n "$avail" ] && [ "$avail" -gt $(($1 * 8 + 262144)) ]; then
			echo /dev/shm
			return
		fi
	fi
	echo /tmp
}

# Who runs what: sets _harness_{internal,login,mail}_{user,...}. $1: the
# server (only dovecot needs its system users).
_harness_identity()
{
	if [ "$(id -u)" = 0 ]; then
		_harness_root=1
		_harness_internal_user=dovecot
		_harness_internal_group=dovecot
		_harness_login_user=dovenull
		if getent passwd mail >/dev/null; then
			_harness_mail_uid=$(id -u mail)
			_harness_mail_gid=$(getent group mail | cut -d: -f3)
		else
			_harness_mail_uid=$(id -u nobody)
			_harness_mail_gid=$(id -g nobody)
		fi
		if [ "${1:-dovecot}" = dovecot ] && {
		    ! getent passwd dovecot >/dev/null ||
		    ! getent passwd dovenull >/dev/null; }; then
			_harness_die "the dovecot/dovenull users are missing (install dovecot-core)"
		fi
	else
		_harness_root=
		_harness_internal_user=$(id -un)
		_harness_internal_group=$(id -gn)
		_harness_login_user=$(id -un)
		_harness_mail_uid=$(id -u)
		_harness_mail_gid=$(id -g)
	fi
}

# Write the passwd-file from _harness_users ("user:pass" entries).
_harness_passwd()
{
	local entry user pass b64
	: >"$HARNESS_DIR/passwd"
	mkdir -p "$HARNESS_DIR/secrets"
	chmod 700 "$HARNESS_DIR/secrets"
	for entry in "${_harness_users[@]}"; do
		user=${entry%%:*}
		pass=${entry#*:}
		b64=$(printf '%s' "$pass" | base64 -w0)
		printf '%s:{PLAIN.b64}%s:%s:%s::%s::\n' "$user" "$b64" \
		    "$_harness_mail_uid" "$_harness_mail_gid" \
		    "$HARNESS_DIR/mail/$user" >>"$HARNESS_DIR/passwd"
		mkdir -p "$HARNESS_DIR/mail/$user"
		(umask 077 && printf '%s\n' "$pass" >"$HARNESS_DIR/secrets/$user")
	done
	chmod 644 "$HARNESS_DIR/passwd"
}

_harness_write_conf()
{
	local d=$HARNESS_DIR corpus_box=$1 chroot_lines=
	if [ -z "$_harness_root" ]; then
		chroot_lines="service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
service anvil {
  chroot =
}
service ipc {
  chroot =
}
service auth-worker {
  user = \$default_internal_user
}"
	fi
	cat >"$d/dovecot.conf" <<EOF
# Written by tern's tests/harness.sh; private to this test run.
protocols = imap pop3
listen = 127.0.0.1${HARNESS_STRICT_ADDR:+, $HARNESS_STRICT_ADDR}
instance_name = tern-harness-$$
base_dir = $d/run
state_dir = $d/state
log_path = $d/log/dovecot.log
info_log_path = $d/log/dovecot.log
default_internal_user = $_harness_internal_user
default_internal_group = $_harness_internal_group
default_login_user = $_harness_login_user
first_valid_uid = $_harness_mail_uid
first_valid_gid = $_harness_mail_gid
shutdown_clients = yes
auth_verbose = yes

ssl = yes
ssl_cert = <$d/tls/server.pem
ssl_key = <$d/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/passwd
}

mail_location = maildir:~/Maildir
mail_fsync = never
mailbox_idle_check_interval = 1 secs
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
$corpus_box
}

protocol imap {
  mail_max_userip_connections = 1000
  # Changes made by doveadm reach IDLE clients within a second even where
  # inotify does not see them.
  mailbox_idle_check_interval = 1 secs
}
protocol pop3 {
  mail_max_userip_connections = 1000
  pop3_uidl_format = %08Xu%08Xv
}

service imap-login {
  inet_listener imap {
    port = $HARNESS_IMAP_PORT
  }
  inet_listener imaps {
    port = $HARNESS_IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $HARNESS_POP3_PORT
  }
  inet_listener pop3s {
    port = $HARNESS_POP3S_PORT
    ssl = yes
  }
}
$chroot_lines
${HARNESS_DOVECOT_EXTRA:-}
EOF
}

harness_start()
{
	local n=50 corpus='' opt entry name i found server
	local OPTIND=1 OPTARG
	server=${HARNESS_SERVER:-dovecot}
	_harness_users=("alice:alice-secret-1" "bob:bob-secret-2")
	while getopts n:cu:s: opt; do
		case $opt in
		n) n=$OPTARG ;;
		c) corpus=1 ;;
		s) server=$OPTARG ;;
		u)
			case $OPTARG in
			*:*) ;;
			*) fail "harness_start: -u wants USER:PASS" ;;
			esac
			name=${OPTARG%%:*}
			found=
			for i in "${!_harness_users[@]}"; do
				if [ "${_harness_users[i]%%:*}" = "$name" ]; then
					_harness_users[i]=$OPTARG
					found=1
				fi
			done
			[ -n "$found" ] || _harness_users+=("$OPTARG")
			;;
		*) fail "usage: harness_start [-s dovecot|cyrus|mailutils] [-n N] [-c] [-u USER:PASS]..." ;;
		esac
	done
	case $n in
	'' | *[!0-9]*) fail "harness_start: -n wants a number" ;;
	esac
	case $server in
	dovecot | cyrus | mailutils) ;;
	*) fail "harness_start: unknown server '$server' (dovecot, cyrus or mailutils)" ;;
	esac
	if [ -n "$corpus" ] && [ "$server" != dovecot ]; then
		fail "harness_start: -c (the corpus) is only seeded on dovecot"
	fi
	[ -z "$HARNESS_DIR" ] || harness_stop
	case $server in
	dovecot)
		[ -x "$_harness_dovecot" ] ||
		    skip "dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)"
		;;
	cyrus) _harness_cyrus_check ;;
	mailutils)
		if ! command -v imap4d >/dev/null 2>&1 ||
		    ! command -v pop3d >/dev/null 2>&1; then
			skip "mailutils is not installed (apt-get install mailutils-imap4d mailutils-pop3d)"
		fi
		;;
	esac
	command -v openssl >/dev/null || skip "openssl is not installed"
	command -v "$TERN_PYTHON" >/dev/null || skip "python3 is not installed"

	if [ -z "$_harness_hooked" ]; then
		at_exit _harness_on_exit
		_harness_hooked=1
	fi
	HARNESS_SERVER=$server
	export HARNESS_SERVER
	HARNESS_DIR=$(mktemp -d "$(_harness_tmpdir "$n")/tern-harness.XXXXXX")
	export HARNESS_DIR
	# The servers' unprivileged processes must be able to traverse it.
	chmod 755 "$HARNESS_DIR"
	mkdir -p "$HARNESS_DIR/run" "$HARNESS_DIR/state" "$HARNESS_DIR/log" \
	    "$HARNESS_DIR/mail" "$HARNESS_DIR/home" "$HARNESS_DIR/config" \
	    "$HARNESS_DIR/cache"
	chmod 700 "$HARNESS_DIR/home" "$HARNESS_DIR/config" "$HARNESS_DIR/cache"
	HARNESS_N=$n
	export HARNESS_N
	HOME=$HARNESS_DIR/home
	XDG_CONFIG_HOME=$HARNESS_DIR/config
	XDG_CACHE_HOME=$HARNESS_DIR/cache
	export HOME XDG_CONFIG_HOME XDG_CACHE_HOME

	_harness_identity "$server"
	mkdir -p "$HARNESS_DIR/secrets"
	chmod 700 "$HARNESS_DIR/secrets"
	_harness_certs
	HARNESS_USER=$(_harness_login alice)
	for entry in "${_harness_users[@]}"; do
		if [ "${entry%%:*}" = alice ]; then
			HARNESS_PASS=${entry#*:}
		fi
	done
	export HARNESS_USER HARNESS_PASS
	case $server in
	dovecot) _harness_start_dovecot "$n" "$corpus" ;;
	cyrus) _harness_start_cyrus "$n" ;;
	mailutils) _harness_start_mailutils "$n" ;;
	esac
}

_harness_start_dovecot()
{
	local n=$1 corpus=$2 tries ports corpus_box=''
	HARNESS_LOG=$HARNESS_DIR/log/dovecot.log
	export HARNESS_LOG
	_harness_passwd

	if [ -n "$corpus" ] && [ ! -d "$TERN_CORPUS" ]; then
		echo "harness: no corpus at $TERN_CORPUS: skipped it" >&2
	fi
	if [ -n "$corpus" ] && [ -d "$TERN_CORPUS" ]; then
		"$TERN_PYTHON" "$_harness_here/seed.py" harness \
		    "$HARNESS_DIR/mail/alice/Maildir" "$n" --corpus "$TERN_CORPUS" \
		    >"$HARNESS_DIR/log/seed.log" 2>&1 ||
		    _harness_die "seeding failed: $(cat "$HARNESS_DIR/log/seed.log")"
		corpus_box="  mailbox Corpus {
    auto = subscribe
  }"
	else
		"$TERN_PYTHON" "$_harness_here/seed.py" harness \
		    "$HARNESS_DIR/mail/alice/Maildir" "$n" \
		    >"$HARNESS_DIR/log/seed.log" 2>&1 ||
		    _harness_die "seeding failed: $(cat "$HARNESS_DIR/log/seed.log")"
	fi
	if [ -n "$_harness_root" ]; then
		chown -R "$_harness_mail_uid:$_harness_mail_gid" \
		    "$HARNESS_DIR/mail"
	fi

	HARNESS_STRICT_ADDR=
	if _harness_can_bind 127.0.0.2; then
		HARNESS_STRICT_ADDR=127.0.0.2
	fi
	export HARNESS_STRICT_ADDR
	for tries in 1 2 3; do
		ports=$(_harness_free_ports 4 $HARNESS_STRICT_ADDR | tr '\n' ' ')
		read -r HARNESS_IMAPS_PORT HARNESS_IMAP_PORT HARNESS_POP3S_PORT \
		    HARNESS_POP3_PORT <<<"$ports"
		export HARNESS_IMAPS_PORT HARNESS_IMAP_PORT HARNESS_POP3S_PORT \
		    HARNESS_POP3_PORT
		_harness_write_conf "$corpus_box"
		if "$_harness_dovecot" -c "$HARNESS_DIR/dovecot.conf" \
		    >"$HARNESS_DIR/log/start.log" 2>&1; then
			break
		fi
		if [ "$tries" = 3 ] || ! grep -qi 'address already in use' \
		    "$HARNESS_DIR/log/start.log" "$HARNESS_LOG" 2>/dev/null; then
			_harness_die "dovecot did not start: $(cat "$HARNESS_DIR/log/start.log")"
		fi
	done
	if ! wait_until 5 test -s "$HARNESS_DIR/run/master.pid"; then
		_harness_die "dovecot wrote no master.pid"
	fi
	_harness_pid=$(cat "$HARNESS_DIR/run/master.pid")
	HARNESS_PID=$_harness_pid
	export HARNESS_PID
	if ! wait_until 10 _harness_ready; then
		_harness_die "dovecot's ports did not answer within 10 s"
	fi
	if ! _harness_alive "$_harness_pid"; then
		_harness_pid=
		_harness_die "dovecot exited right after starting"
	fi
}

# --- Cyrus IMAP and GNU mailutils -------------------------------------------

# The login name of harness user $1 on this server: mailutils's virtual
# domains want user@example.org.
_harness_login()
{
	case ${HARNESS_SERVER:-dovecot}:$1 in
	*@*) printf '%s\n' "$1" ;;
	mailutils:*) printf '%s@example.org\n' "$1" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# The password of harness user $1 (a name or a login name).
_harness_password()
{
	local entry name=${1%@example.org}
	for entry in "${_harness_users[@]}"; do
		if [ "${entry%%:*}" = "$name" ]; then
			printf '%s\n' "${entry#*:}"
			return 0
		fi
	done
	fail "harness: no user '$1'"
}

# harness_imapc [-u USER] COMMAND [ARG]...: tests/imapc.py against the
# harness's server as USER (default alice; a harness user's name or login).
harness_imapc()
{
	local user=$HARNESS_USER pass=$HARNESS_PASS
	[ -n "$HARNESS_DIR" ] || fail "harness_imapc: no harness_start"
	if [ "${1:-}" = -u ]; then
		user=$(_harness_login "$2")
		pass=$(_harness_password "$2")
		shift 2
	fi
	HARNESS_USER=$user HARNESS_PASS=$pass \
	    "$TERN_PYTHON" "$_harness_here/imapc.py" "$@"
}

# Print the 4 ports and export them as HARNESS_{IMAPS,IMAP,POP3S,POP3}_PORT.
_harness_pick_ports()
{
	local ports
	ports=$(_harness_free_ports 4 | tr '\n' ' ')
	read -r HARNESS_IMAPS_PORT HARNESS_IMAP_PORT HARNESS_POP3S_PORT \
	    HARNESS_POP3_PORT <<<"$ports"
	export HARNESS_IMAPS_PORT HARNESS_IMAP_PORT HARNESS_POP3S_PORT \
	    HARNESS_POP3_PORT
}

# Wait until the servers listen on the 4 ports; $1 names them for errors.
# On failure the log's tail is printed by the exit hook.
_harness_wait_up()
{
	local pid
	if ! wait_until 10 _harness_ready; then
		_harness_die "$1's ports did not answer within 10 s"
	fi
	for pid in $_harness_pid $_harness_pids_extra; do
		if ! _harness_alive "$pid"; then
			_harness_die "$1 exited right after starting"
		fi
	done
}

# Where tools/deps.sh unpacks Cyrus (the packages conflict with dovecot's,
# so they are never installed).
# (The same default as tools/deps.sh.)
if [ -n "${TERN_CYRUS_ROOT:-}" ]; then
	_harness_cyrus_root=$TERN_CYRUS_ROOT
elif [ "$(id -u)" = 0 ]; then
	_harness_cyrus_root=/var/cache/tern-tests/cyrus
else
	_harness_cyrus_root=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tern-tests/cyrus
fi

_harness_cyrus_check()
{
	local r=$_harness_cyrus_root
	if [ ! -e "$r/.complete" ] || [ ! -x "$r/usr/lib/cyrus/bin/master" ]; then
		skip "Cyrus is not unpacked in $r (tools/deps.sh: deps_cyrus)"
	fi
	_harness_saslpasswd=$r/usr/sbin/saslpasswd2
	[ -x "$_harness_saslpasswd" ] || _harness_saslpasswd=/usr/sbin/saslpasswd2
	[ -x "$_harness_saslpasswd" ] ||
	    skip "saslpasswd2 is missing (apt-get install sasl2-bin)"
}

_harness_cyrus_conf()
{
	local d=$HARNESS_DIR/cyrus bin=$_harness_cyrus_root/usr/lib/cyrus/bin
	cat >"$d/imapd.conf" <<EOF
# Written by tern's tests/harness.sh; private to this test run.
configdirectory: $d/conf
partition-default: $d/part
defaultpartition: default
servername: localhost
admins: cyrus
cyrus_user: $_harness_cyrus_user
unixhierarchysep: yes
altnamespace: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $d/sasldb2
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
tls_server_cert: $HARNESS_CERT
tls_server_key: $d/server.key
idlesocket: $d/run/idle
notifysocket: $d/run/notify
lmtpsocket: $d/run/lmtp
mboxname_lockpath: $d/run/lock
proc_path: $d/run/proc
sievedir: $d/sieve
specialusealways: yes
delete_mode: immediate
popminpoll: 0
${HARNESS_CYRUS_EXTRA:-}
EOF
	cat >"$d/cyrus.conf" <<EOF
# Written by tern's tests/harness.sh; private to this test run.
START {
  recover cmd="$bin/ctl_cyrusdb -C $d/imapd.conf -r"
}
SERVICES {
  imap cmd="$bin/imapd -C $d/imapd.conf" listen="127.0.0.1:$HARNESS_IMAP_PORT" prefork=0
  imaps cmd="$bin/imapd -s -C $d/imapd.conf" listen="127.0.0.1:$HARNESS_IMAPS_PORT" prefork=0
  pop3 cmd="$bin/pop3d -C $d/imapd.conf" listen="127.0.0.1:$HARNESS_POP3_PORT" prefork=0
  pop3s cmd="$bin/pop3d -s -C $d/imapd.conf" listen="127.0.0.1:$HARNESS_POP3S_PORT" prefork=0
}
EVENTS {
  checkpoint cmd="$bin/ctl_cyrusdb -C $d/imapd.conf -c" period=30
}
DAEMON {
  idled cmd="$bin/idled -C $d/imapd.conf"
}
EOF
}

# Start Cyrus's master on the config of HARNESS_DIR/cyrus.
_harness_cyrus_launch()
{
	local d=$HARNESS_DIR/cyrus r=$_harness_cyrus_root preload=
	if [ -f "$d/syslog-shim.so" ]; then
		preload=$d/syslog-shim.so
	fi
	rm -f "$d/run/master.pid"
	env LD_LIBRARY_PATH="$r/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	    LD_PRELOAD="$preload" TERN_SYSLOG_FILE="$HARNESS_LOG" \
	    "$r/usr/lib/cyrus/bin/master" -C "$d/imapd.conf" \
	    -M "$d/cyrus.conf" -p "$d/run/master.pid" -D \
	    >>"$HARNESS_DIR/log/cyrus-master.out" 2>&1 &
	_harness_pid=$!
	HARNESS_PID=$_harness_pid
	export HARNESS_PID
	_harness_wait_up Cyrus
}

_harness_start_cyrus()
{
	local n=$1 d=$HARNESS_DIR/cyrus entry user pass sub
	_harness_cyrus_user=$(id -un)
	[ -z "$_harness_root" ] || _harness_cyrus_user=mail
	HARNESS_STRICT_ADDR=
	HARNESS_LOG=$HARNESS_DIR/log/cyrus.log
	export HARNESS_STRICT_ADDR HARNESS_LOG
	HARNESS_ADMIN=cyrus
	HARNESS_ADMIN_PASS=admin-$RANDOM$RANDOM
	export HARNESS_ADMIN HARNESS_ADMIN_PASS
	for sub in conf/db conf/socket conf/proc conf/log conf/msg \
	    conf/ptclient conf/quota conf/user conf/sync part run/lock \
	    run/proc sieve; do
		mkdir -p "$d/$sub"
	done
	: >"$HARNESS_LOG"
	# Cyrus refuses a key that others can read; the harness's is 0600
	# and owned by whoever runs Cyrus.
	cp "$HARNESS_KEY" "$d/server.key"
	chmod 600 "$d/server.key"
	if command -v cc >/dev/null 2>&1; then
		cc -shared -fPIC -O2 -o "$d/syslog-shim.so" \
		    "$_harness_here/syslog-shim.c" \
		    >"$HARNESS_DIR/log/shim.log" 2>&1 ||
		    printf 'harness: no Cyrus log (the syslog shim did not build)\n' >&2
	else
		printf 'harness: no Cyrus log (no C compiler for the syslog shim)\n' >&2
	fi
	for entry in "cyrus:$HARNESS_ADMIN_PASS" "${_harness_users[@]}"; do
		user=${entry%%:*}
		pass=${entry#*:}
		printf '%s' "$pass" | "$_harness_saslpasswd" -p -c \
		    -f "$d/sasldb2" -u localhost "$user" ||
		    _harness_die "saslpasswd2 failed for $user"
		(umask 077 && printf '%s\n' "$pass" >"$HARNESS_DIR/secrets/$user")
	done
	if [ -n "$_harness_root" ]; then
		chown -R "$_harness_mail_uid:$_harness_mail_gid" "$d"
		chown "$_harness_mail_uid:$_harness_mail_gid" "$HARNESS_DIR/log"
	fi
	_harness_pick_ports
	_harness_cyrus_conf
	_harness_cyrus_launch
	for entry in "${_harness_users[@]}"; do
		user=${entry%%:*}
		"$TERN_PYTHON" "$_harness_here/imapc.py" --user cyrus \
		    --pass "$HARNESS_ADMIN_PASS" create "user/$user" \
		    >>"$HARNESS_DIR/log/seed.log" 2>&1 ||
		    _harness_die "Cyrus: could not create user/$user: $(cat "$HARNESS_DIR/log/seed.log")"
		_harness_seed_user "$user" "$n"
	done
}

# Seed harness user $1 over IMAP: alice's INBOX gets $2 messages.
_harness_seed_user()
{
	local bare=--bare
	[ "$1" != alice ] || bare=
	"$TERN_PYTHON" "$_harness_here/imapc.py" --user "$(_harness_login "$1")" \
	    --pass "$(_harness_password "$1")" seed "$2" $bare \
	    >>"$HARNESS_DIR/log/seed.log" 2>&1 ||
	    _harness_die "seeding $1 failed: $(cat "$HARNESS_DIR/log/seed.log")"
}

_harness_mailutils_conf()
{
	local d=$HARNESS_DIR/mailutils proto=$1 plain=$2 tls=$3
	cat >"$d/$proto.conf" <<EOF
# Written by tern's tests/harness.sh; private to this test run.
auth {
  authentication generic;
  authorization virtdomain;
};
virtdomain {
  passwd-dir "$d/passwd";
};
mailbox {
  mailbox-pattern "$HARNESS_DIR/mail/\${user}/INBOX";
  mailbox-type mbox;
};
tls {
  ssl-certificate-file "$HARNESS_CERT";
  ssl-key-file "$HARNESS_KEY";
};
tls-file-checks {
  key-file none;
  cert-file none;
  ca-file none;
};
logging {
  syslog false;
  severity info;
};
server 127.0.0.1:$plain {
  tls-mode stls;
};
server 127.0.0.1:$tls {
  tls-mode connection;
};
${HARNESS_MAILUTILS_EXTRA:-}
EOF
	"$proto" --config-file="$d/$proto.conf" --config-lint \
	    >"$HARNESS_DIR/log/lint.log" 2>&1 ||
	    _harness_die "mailutils $proto: bad config: $(cat "$HARNESS_DIR/log/lint.log")"
}

_harness_mailutils_launch()
{
	local d=$HARNESS_DIR/mailutils
	imap4d --config-file="$d/imap4d.conf" --daemon --foreground \
	    >>"$HARNESS_LOG" 2>&1 &
	_harness_pid=$!
	pop3d --config-file="$d/pop3d.conf" --daemon --foreground \
	    >>"$HARNESS_LOG" 2>&1 &
	_harness_pids_extra=$!
	HARNESS_PID=$_harness_pid
	export HARNESS_PID
	_harness_wait_up mailutils
}

_harness_start_mailutils()
{
	local n=$1 d=$HARNESS_DIR/mailutils entry user pass home
	HARNESS_STRICT_ADDR=
	HARNESS_LOG=$HARNESS_DIR/log/mailutils.log
	export HARNESS_STRICT_ADDR HARNESS_LOG
	mkdir -p "$d/passwd"
	: >"$d/passwd/example.org"
	for entry in "${_harness_users[@]}"; do
		user=${entry%%:*}
		pass=${entry#*:}
		home=$HARNESS_DIR/mail/$user
		printf '%s:%s:%s:%s:%s:%s:/bin/sh\n' "$user" \
		    "$(printf '%s' "$pass" | openssl passwd -6 -stdin)" \
		    "$_harness_mail_uid" "$_harness_mail_gid" "$user" "$home" \
		    >>"$d/passwd/example.org"
		mkdir -p "$home"
		# APPEND to a missing INBOX is refused (TRYCREATE).
		: >"$home/INBOX"
		chmod 600 "$home/INBOX"
		(umask 077 && printf '%s\n' "$pass" >"$HARNESS_DIR/secrets/$user")
	done
	if [ -n "$_harness_root" ]; then
		chown -R "$_harness_mail_uid:$_harness_mail_gid" "$HARNESS_DIR/mail"
	fi
	: >"$HARNESS_LOG"
	_harness_pick_ports
	_harness_mailutils_conf imap4d "$HARNESS_IMAP_PORT" "$HARNESS_IMAPS_PORT"
	_harness_mailutils_conf pop3d "$HARNESS_POP3_PORT" "$HARNESS_POP3S_PORT"
	_harness_mailutils_launch
	for entry in "${_harness_users[@]}"; do
		_harness_seed_user "${entry%%:*}" "$n"
	done
}

harness_url()
{
	local proto=${1:-imaps} port
	case $proto in
	imaps) port=$HARNESS_IMAPS_PORT ;;
	imap) port=$HARNESS_IMAP_PORT ;;
	pop3s) port=$HARNESS_POP3S_PORT ;;
	pop3) port=$HARNESS_POP3_PORT ;;
	*) fail "harness_url: unknown listener '$proto'" ;;
	esac
	printf '%s://%s@%s:%s%s\n' "$proto" "$HARNESS_USER" \
	    "${HARNESS_HOST:-localhost}" "$port" "${2:+/$2}"
}

harness_config()
{
	local proto=imaps key url file secret nopw=0
	[ -n "$HARNESS_DIR" ] || fail "harness_config: no harness_start"
	if [ "${1:-}" = --no-password ]; then
		nopw=1
		shift
	fi
	case ${1:-} in
	imaps | imap | pop3s | pop3)
		proto=$1
		shift
		;;
	esac
	case $proto in
	imap*) key=imap ;;
	pop3*) key=pop3 ;;
	esac
	url=$(harness_url "$proto")
	url=${url/"$HARNESS_USER"@/}
	secret=$HARNESS_DIR/secrets/config-$HARNESS_USER
	(umask 077 && printf '%s\n' "$HARNESS_PASS" >"$secret")
	mkdir -p "$XDG_CONFIG_HOME/tern"
	chmod 700 "$XDG_CONFIG_HOME/tern"
	file=$XDG_CONFIG_HOME/tern/config
	(
		umask 077
		{
			printf '%s\n' "[account test]" \
			    "$key = $url" \
			    "user = $HARNESS_USER"
			[ "$nopw" = 1 ] ||
			    printf '%s\n' "password_cmd = cat '$secret'"
			printf '%s\n' "tls_ca_file = $HARNESS_CA"
			if [ "$#" -gt 0 ]; then
				printf '%s\n' "$@"
			fi
		} >"$file"
	)
	chmod 600 "$file"
	printf '%s\n' "$file"
}

harness_doveadm()
{
	[ -n "$HARNESS_DIR" ] || fail "harness_doveadm: no harness_start"
	[ "$HARNESS_SERVER" = dovecot ] ||
	    fail "harness_doveadm: the server is $HARNESS_SERVER, not dovecot (use harness_imapc)"
	"$_harness_doveadm" -c "$HARNESS_DIR/dovecot.conf" "$@"
}

harness_deliver()
{
	local user=$HARNESS_USER folder=INBOX opt subject body id uid
	local OPTIND=1 OPTARG
	while getopts u:f: opt; do
		case $opt in
		u) user=$OPTARG ;;
		f) folder=$OPTARG ;;
		*) fail "usage: harness_deliver [-u USER] [-f FOLDER] SUBJECT [BODY]" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ "$#" -ge 1 ] ||
	    fail "usage: harness_deliver [-u USER] [-f FOLDER] SUBJECT [BODY]"
	subject=$1
	body=${2:-"Delivered by the test harness."}
	id="deliver-$(date +%s)-$$-$RANDOM$RANDOM@example.org"
	printf '%s\n' \
	    "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S +0000')" \
	    "From: Deliverer <deliverer@example.org>" \
	    "To: $user@example.org" \
	    "Subject: $subject" \
	    "Message-ID: <$id>" \
	    "MIME-Version: 1.0" \
	    "Content-Type: text/plain; charset=UTF-8" \
	    "" \
	    "$body" >"$HARNESS_DIR/deliver.eml"
	if [ "$HARNESS_SERVER" != dovecot ]; then
		uid=$(harness_imapc -u "$user" append "$folder" \
		    <"$HARNESS_DIR/deliver.eml") ||
		    fail "harness_deliver: APPEND to $HARNESS_SERVER failed"
		printf '%s\n' "$uid"
		return 0
	fi
	harness_doveadm save -u "$user" -m "$folder" <"$HARNESS_DIR/deliver.eml" ||
	    fail "harness_deliver: doveadm save failed"
	uid=$(harness_doveadm fetch -u "$user" uid mailbox "$folder" \
	    header message-id "$id" | sed -n 's/^uid: *//p' | tail -n 1)
	printf '%s\n' "$uid"
}

# harness_server_state [FOLDER]: "uid flags subject" per line, by UID, as
# the server has them (flags as tern's bits: 1 seen, 2 answered, 4
# flagged, 8 deleted, 16 draft).
harness_server_state()
{
	if [ "$HARNESS_SERVER" != dovecot ]; then
		harness_imapc state "${1:-INBOX}" ||
		    fail "harness_server_state: imapc state ${1:-INBOX} failed"
		return 0
	fi
	harness_doveadm fetch -u "$HARNESS_USER" 'uid flags hdr.subject' \
	    mailbox "${1:-INBOX}" | "$TERN_PYTHON" -c '
import sys
bits = {"\\Seen": 1, "\\Answered": 2, "\\Flagged": 4, "\\Deleted": 8,
        "\\Draft": 16}
rows, cur = [], {}
for line in sys.stdin.read().splitlines():
    if line.startswith("uid: "):
        if cur: rows.append(cur)
        cur = {"uid": int(line[5:])}
    elif line.startswith("flags:"):
        cur["flags"] = sum(bits.get(f, 0) for f in line[6:].split())
    elif line.startswith("hdr.subject: "):
        cur["subject"] = line[len("hdr.subject: "):]
if cur: rows.append(cur)
for r in sorted(rows, key=lambda r: r["uid"]):
    print(r["uid"], r.get("flags", 0), r.get("subject", ""))
'
}

# cache_state DB [FOLDER]: the same lines from tern's cache DB (messages
# kept as gone from the server left out).
cache_state()
{
	sqlite3 -separator ' ' "$1" "SELECT m.uid, m.flags, m.subject
	    FROM message m JOIN folder f ON f.id = m.folder_id
	    WHERE f.name = '${2:-INBOX}' AND m.gone = 0 ORDER BY m.uid"
}

# assert_cache_matches DB FOLDER WHAT: the cache holds exactly the server's
# UIDs, flags and subjects of FOLDER.
assert_cache_matches()
{
	harness_server_state "$2" >"$HARNESS_DIR/server.txt"
	cache_state "$1" "$2" >"$HARNESS_DIR/cache.txt"
	if ! diff -u "$HARNESS_DIR/server.txt" "$HARNESS_DIR/cache.txt" \
	    >"$HARNESS_DIR/diff.txt"; then
		head -40 "$HARNESS_DIR/diff.txt" >&2
		fail "$3: the cache differs from the server"
	fi
}

# harness_pause: stop dovecot but keep its mail, config and ports, so that a
# test can see tern without a server; harness_resume starts it again.
harness_pause()
{
	_harness_kill
}

harness_resume()
{
	[ -n "$HARNESS_DIR" ] || fail "harness_resume: no harness"
	[ -z "$_harness_pid" ] || return 0
	case $HARNESS_SERVER in
	cyrus)
		_harness_cyrus_launch
		return 0
		;;
	mailutils)
		_harness_mailutils_launch
		return 0
		;;
	esac
	rm -f "$HARNESS_DIR/run/master.pid"
	"$_harness_dovecot" -c "$HARNESS_DIR/dovecot.conf" \
	    >"$HARNESS_DIR/log/start.log" 2>&1 ||
	    _harness_die "dovecot did not restart: $(cat "$HARNESS_DIR/log/start.log")"
	wait_until 5 test -s "$HARNESS_DIR/run/master.pid" ||
	    _harness_die "dovecot wrote no master.pid"
	_harness_pid=$(cat "$HARNESS_DIR/run/master.pid")
	HARNESS_PID=$_harness_pid
	export HARNESS_PID
	wait_until 10 _harness_ready ||
	    _harness_die "dovecot's ports did not answer within 10 s"
}

# Stop the server's processes (dovecot's or Cyrus's master; mailutils's
# imap4d and pop3d), each by its PID, and the children each had.
_harness_kill()
{
	local kids='' pid i masters="$_harness_pid $_harness_pids_extra"
	for pid in $masters; do
		kids="$kids $(ps -o pid= --ppid "$pid" 2>/dev/null || true)"
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $masters; do
		for ((i = 0; i < 100; i++)); do
			_harness_alive "$pid" || break
			sleep 0.05
		done
		if _harness_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		# Reap it when it is this shell's child (Cyrus, mailutils).
		wait "$pid" 2>/dev/null || true
	done
	for pid in $kids; do
		for ((i = 0; i < 40; i++)); do
			_harness_alive "$pid" || break
			sleep 0.05
		done
		if _harness_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	_harness_pid=
	_harness_pids_extra=
}

harness_stop()
{
	_harness_kill
	if [ -n "$HARNESS_DIR" ]; then
		if [ "${HARNESS_KEEP:-0}" = 1 ]; then
			printf 'harness: kept %s\n' "$HARNESS_DIR" >&2
		else
			rm -rf "$HARNESS_DIR"
		fi
		HARNESS_DIR=
	fi
}

_harness_on_exit()
{
	if [ "$LIB_EXIT_STATUS" != 0 ] && [ "$LIB_EXIT_STATUS" != 77 ] &&
	    [ -n "$HARNESS_DIR" ] && [ -s "${HARNESS_LOG:-}" ]; then
		printf '%s\n' "--- $HARNESS_SERVER log (tail) ---" >&2
		# Cyrus's debug lines are many; its errors matter.
		if [ "$HARNESS_SERVER" = cyrus ]; then
			grep -v '\] <7> ' "$HARNESS_LOG" | tail -n 30 >&2
		else
			tail -n 30 "$HARNESS_LOG" >&2
		fi
		printf '%s\n' "--------------------------" >&2
	fi
	harness_stop
}
