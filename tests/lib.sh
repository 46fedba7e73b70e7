# tests/lib.sh: small helpers for tern's bash test scripts.
#
# Source it (tests/harness.sh sources it too):  . "$TERN_SRCDIR/tests/lib.sh"
# Safe under `set -eu`; sourcing it twice is harmless.
#
# Results (automake's test protocol: 0 pass, 1 fail, 77 skip)
#   fail MSG...                   print "FAIL: MSG" on stderr, exit 1
#   skip MSG...                   print "SKIP: MSG" on stderr, exit 77
#   assert_eq EXPECTED ACTUAL WHAT
#   assert_contains HAYSTACK NEEDLE WHAT
#   assert_not_contains HAYSTACK NEEDLE WHAT
#   wait_until SECONDS CMD...     run CMD every 50 ms until it succeeds;
#                                 returns 1 on timeout (does not fail)
#
# Environment
#   TERN_TEST_TIMEOUT             seconds after which the script is failed
#                                 (its children and then itself get SIGTERM,
#                                 so exit hooks still clean up); default
#                                 600, 0 disables (tools/demo does)
#   TERN_PYTHON                   the python3 to run helper scripts with
#                                 (/usr/bin/python3 if present; exported)
#
# Clean-up
#   at_exit CMD...                run CMD (eval'd) when the script exits, also
#                                 on INT/TERM/HUP and on failure; hooks run
#                                 in reverse order, with `set +e`. lib.sh owns
#                                 the EXIT/INT/TERM/HUP traps: scripts must use
#                                 at_exit, never `trap ... EXIT`.
#   LIB_EXIT_STATUS               the status the script is exiting with, for
#                                 hooks that only act on failure
#   Never use a bare `wait`: the watchdog is a background job too; wait for
#   your own PIDs.
#
# Fake server (tests/fake-server.py; one at a time, killed on exit)
#   fake_start SCENARIO [OPTION]...  start it on 127.0.0.1 and wait for its
#                                 port; sets FAKE_PORT, FAKE_PID, FAKE_LOG
#                                 (the lines the client sent) and FAKE_ERR
#                                 (its stderr); OPTIONs go to fake-server.py
#                                 (--timeout S, --cert PEM --key PEM)
#   fake_stop                     kill it by PID (idempotent)
#
# OAuth 2.0 endpoint (tests/oauth-server.py, HTTPS; one at a time, killed
# on exit)
#   oauth_start [OPTION]...       start it on 127.0.0.1 with the harness's
#                                 certificate ($HARNESS_CERT, $HARNESS_KEY:
#                                 tls_ca_file = $HARNESS_CA, host localhost;
#                                 a later --cert/--key wins) and wait for its
#                                 port; sets OAUTH_PORT, OAUTH_PID, OAUTH_URL
#                                 (https://localhost:PORT: its endpoints are
#                                 $OAUTH_URL/token and $OAUTH_URL/device) and
#                                 OAUTH_LOG (one JSON line per request, with
#                                 the form fields), emptied; OPTIONs go to
#                                 oauth-server.py (--mode, --access-token,
#                                 --rotate ...: see its head). Needs
#                                 harness_start (or --cert and --key)
#   oauth_stop                    kill it by PID and remove OAUTH_LOG
#                                 (idempotent); OAUTH_PORT stays set (a port
#                                 where nothing listens, for a while)
#
# SMTP submission server (tests/smtp-server.py on aiosmtpd; one at a time,
# killed on exit)
#   smtp_start [OPTION]...        start it on 127.0.0.1 with the harness's
#                                 certificate ($HARNESS_CERT, $HARNESS_KEY:
#                                 tls_ca_file = $HARNESS_CA, host localhost)
#                                 and users ($HARNESS_DIR/passwd: alice /
#                                 alice-secret-1 ...; OAuth tokens are the
#                                 passwords) and wait for its port; sets
#                                 SMTP_PORT, SMTP_PID, SMTP_REC (the folder
#                                 where each message is recorded: N.eml, the
#                                 bytes received, N.json its envelope, and
#                                 envelopes.jsonl, one JSON line a message;
#                                 emptied) and SMTP_ERR (its stderr).
#                                 OPTIONs go to smtp-server.py: --tls
#                                 starttls|implicit|none, --no-8bitmime,
#                                 --smtputf8, --pipelining, --size N,
#                                 --no-auth, --user U:P, --deliver (each
#                                 message also into the harness dovecot's
#                                 INBOX of each local recipient, by doveadm
#                                 save). Needs harness_start (or --cert,
#                                 --key and --user)
#   smtp_stop                     kill it by PID and remove SMTP_REC
#                                 (idempotent)
#   smtp_count                    print how many messages it recorded
#   smtp_last_eml                 print the path of the last one
#   self_signed_cert DIR          DIR/self.pem and DIR/self.key: a
#                                 self-signed certificate for localhost that
#                                 no CA of the harness vouches for
#
# TUI (tmux; one private tmux server per script, killed on exit)
#   tui_start COLS ROWS CMD...    start CMD (argv, not a shell string) in a
#                                 detached COLSxROWS session of a private
#                                 server (tmux -L <unique> -f /dev/null) with
#                                 TERM=xterm-256color LANG=LC_ALL=C.UTF-8;
#                                 remain-on-exit is on (with no "Pane is
#                                 dead" line, so the last screen stays as
#                                 CMD left it), and everything CMD
#                                 writes to the terminal is copied to a file
#                                 (pipe-pane, set up before CMD starts)
#   tui_keys KEYS...              tmux send-keys (tmux key names: Enter, Escape,
#                                 Up, C-c ...; use -l for literal text)
#   tui_screen                    print the screen (capture-pane -p)
#   tui_wait_for TEXT [SECONDS]   poll every 50 ms until TEXT is on screen
#                                 (default 10 s); on timeout print the screen
#                                 and fail
#   tui_wait_gone TEXT [SECONDS]  the same, until TEXT is no longer on screen
#   tui_wait_exit [SECONDS]       wait for CMD to exit (default 10 s), print
#                                 its exit status (empty if it died of a
#                                 signal); fail on timeout
#   tui_pid                       print CMD's process id (CMD runs under a
#                                 shell that records its exit status)
#   tui_raw_output                print the raw bytes CMD wrote so far (for
#                                 grepping escape sequences)
#   tui_stop                      kill the private server (idempotent; also
#                                 run at exit)

if [ -n "${_TERN_LIB_SH:-}" ]; then
	return 0
fi
_TERN_LIB_SH=1

# The system's python3 (Debian's; no pip packages needed), not a shim that
# PATH may put first.
if [ -z "${TERN_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then
		TERN_PYTHON=/usr/bin/python3
	else
		TERN_PYTHON=python3
	fi
fi
export TERN_PYTHON

# --- results ---------------------------------------------------------------

fail()
{
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

skip()
{
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

assert_eq()
{
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$1', got '$2'"
	fi
}

assert_contains()
{
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-text}: '$2' not found in:
$1" ;;
	esac
}

assert_not_contains()
{
	case "$1" in
	*"$2"*) fail "${3:-text}: '$2' unexpectedly found in:
$1" ;;
	esac
}

wait_until()
{
	local secs=$1 i=0 max
	shift
	max=$((secs * 20))
	while ! "$@"; do
		i=$((i + 1))
		if [ "$i" -ge "$max" ]; then
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# --- exit hooks ------------------------------------------------------------

_lib_exit_hooks=()
LIB_EXIT_STATUS=0

at_exit()
{
	_lib_exit_hooks+=("$*")
}

_lib_on_exit()
{
	LIB_EXIT_STATUS=$?
	local i
	set +e
	# Clean-up must finish: a closed stdout or a second ^C must not cut it.
	trap '' HUP INT TERM PIPE
	for ((i = ${#_lib_exit_hooks[@]} - 1; i >= 0; i--)); do
		eval "${_lib_exit_hooks[i]}"
	done
	_lib_exit_hooks=()
	return "$LIB_EXIT_STATUS"
}

# --- watchdog --------------------------------------------------------------

# A hung test must fail, and clean up, rather than stall `make check`: after
# TERN_TEST_TIMEOUT seconds (default 600; 0 disables) the script's children
# and then the script get SIGTERM, which runs the exit hooks.
_lib_watchdog_pid=

_lib_watchdog_start()
{
	local secs=${TERN_TEST_TIMEOUT:-600} parent=$$
	case $secs in
	'' | 0 | *[!0-9]*) return 0 ;;
	esac
	(
		sleep "$secs" &
		spid=$!
		trap 'kill "$spid" 2>/dev/null; exit 0' TERM
		wait "$spid" || exit 0
		printf 'FAIL: timed out after %ss (TERN_TEST_TIMEOUT)\n' \
		    "$secs" >&2
		for pid in $(ps -o pid= --ppid "$parent" 2>/dev/null); do
			if [ "$pid" != "$BASHPID" ]; then
				kill -TERM "$pid" 2>/dev/null
			fi
		done
		kill -TERM "$parent" 2>/dev/null
		exit 0
	) &
	_lib_watchdog_pid=$!
	at_exit '_lib_watchdog_stop'
}

_lib_watchdog_stop()
{
	if [ -n "$_lib_watchdog_pid" ]; then
		kill -TERM "$_lib_watchdog_pid" 2>/dev/null
		wait "$_lib_watchdog_pid" 2>/dev/null
		_lib_watchdog_pid=
	fi
	return 0
}

trap _lib_on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
_lib_watchdog_start

# --- fake server ---------------------------------------------------------

FAKE_PID=
FAKE_PORT=
FAKE_LOG=
FAKE_ERR=
_fake_dir=
_fake_hooked=

fake_start()
{
	local scenario=$1 here
	shift
	fake_stop
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	_fake_dir=$(mktemp -d "${TMPDIR:-/tmp}/tern-fake.XXXXXX")
	FAKE_LOG=$_fake_dir/received.log
	FAKE_ERR=$_fake_dir/stderr.log
	: >"$FAKE_LOG"
	if [ -z "$_fake_hooked" ]; then
		at_exit fake_stop
		_fake_hooked=1
	fi
	"$TERN_PYTHON" "$here/fake-server.py" --port-file "$_fake_dir/port" \
	    --log "$FAKE_LOG" "$@" "$scenario" 2>"$FAKE_ERR" &
	FAKE_PID=$!
	if ! wait_until 10 test -s "$_fake_dir/port"; then
		cat "$FAKE_ERR" >&2
		fail "fake-server.py $scenario did not start"
	fi
	FAKE_PORT=$(cat "$_fake_dir/port")
}

fake_stop()
{
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
		FAKE_PID=
	fi
	if [ -n "$_fake_dir" ]; then
		rm -rf "$_fake_dir"
		_fake_dir=
	fi
}

# --- OAuth 2.0 endpoint ----------------------------------------------------

OAUTH_PID=
OAUTH_PORT=
OAUTH_URL=
OAUTH_LOG=
_oauth_dir=
_oauth_hooked=

oauth_start()
{
	local here
	oauth_stop
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	_oauth_dir=$(mktemp -d "${TMPDIR:-/tmp}/tern-oauth.XXXXXX")
	OAUTH_LOG=$_oauth_dir/requests.log
	: >"$OAUTH_LOG"
	if [ -z "$_oauth_hooked" ]; then
		at_exit oauth_stop
		_oauth_hooked=1
	fi
	"$TERN_PYTHON" "$here/oauth-server.py" --port-file "$_oauth_dir/port" \
	    --log "$OAUTH_LOG" --cert "${HARNESS_CERT:-}" \
	    --key "${HARNESS_KEY:-}" "$@" 2>"$_oauth_dir/stderr.log" &
	OAUTH_PID=$!
	if ! wait_until 10 test -s "$_oauth_dir/port"; then
		cat "$_oauth_dir/stderr.log" >&2
		fail "oauth-server.py did not start"
	fi
	OAUTH_PORT=$(cat "$_oauth_dir/port")
	OAUTH_URL=https://localhost:$OAUTH_PORT
}

self_signed_cert()
{
	(
		cd "$1"
		openssl req -x509 -newkey ec \
		    -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		    -keyout self.key -out self.pem -days 30 -subj /CN=localhost \
		    -addext "subjectAltName=DNS:localhost"
	) >"$1/openssl.log" 2>&1 || fail "openssl: $(cat "$1/openssl.log")"
}

oauth_stop()
{
	if [ -n "$OAUTH_PID" ]; then
		kill "$OAUTH_PID" 2>/dev/null || true
		wait "$OAUTH_PID" 2>/dev/null || true
		OAUTH_PID=
	fi
	if [ -n "$_oauth_dir" ]; then
		rm -rf "$_oauth_dir"
		_oauth_dir=
	fi
}

# --- SMTP submission server -------------------------------------------------

SMTP_PID=
SMTP_PORT=
SMTP_REC=
SMTP_ERR=
_smtp_dir=
_smtp_hooked=

smtp_start()
{
	local here a
	local -a opts=()
	smtp_stop
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	_smtp_dir=$(mktemp -d "${TMPDIR:-/tmp}/tern-smtp.XXXXXX")
	SMTP_REC=$_smtp_dir/rec
	SMTP_ERR=$_smtp_dir/stderr.log
	mkdir "$SMTP_REC"
	if [ -z "$_smtp_hooked" ]; then
		at_exit smtp_stop
		_smtp_hooked=1
	fi
	[ -z "${HARNESS_CERT:-}" ] ||
	    opts+=(--cert "$HARNESS_CERT" --key "$HARNESS_KEY")
	[ -z "${HARNESS_DIR:-}" ] || [ ! -f "$HARNESS_DIR/passwd" ] ||
	    opts+=(--passwd "$HARNESS_DIR/passwd")
	for a in "$@"; do
		if [ "$a" = --deliver ]; then
			[ -n "${HARNESS_DIR:-}" ] ||
			    fail "smtp_start --deliver: no harness_start"
			opts+=(--doveadm-conf "$HARNESS_DIR/dovecot.conf"
			    --doveadm "${_harness_doveadm:-/usr/bin/doveadm}")
		else
			opts+=("$a")
		fi
	done
	"$TERN_PYTHON" "$here/smtp-server.py" --port-file "$_smtp_dir/port" \
	    --record "$SMTP_REC" "${opts[@]}" 2>"$SMTP_ERR" &
	SMTP_PID=$!
	if ! wait_until 10 test -s "$_smtp_dir/port"; then
		cat "$SMTP_ERR" >&2
		fail "smtp-server.py did not start"
	fi
	SMTP_PORT=$(cat "$_smtp_dir/port")
}

smtp_stop()
{
	if [ -n "$SMTP_PID" ]; then
		kill "$SMTP_PID" 2>/dev/null || true
		wait "$SMTP_PID" 2>/dev/null || true
		SMTP_PID=
	fi
	if [ -n "$_smtp_dir" ]; then
		rm -rf "$_smtp_dir"
		_smtp_dir=
	fi
}

smtp_count()
{
	if [ -f "$SMTP_REC/envelopes.jsonl" ]; then
		wc -l <"$SMTP_REC/envelopes.jsonl"
	else
		echo 0
	fi
}

smtp_last_eml()
{
	ls "$SMTP_REC"/*.eml | sort -t/ -k1 -V | tail -n 1
}

# --- TUI through tmux ------------------------------------------------------

_TUI_SOCK=
_TUI_SOCK_PATH=
_TUI_DIR=
_TUI_HOOKED=

_tui_tmux()
{
	env -u TMUX tmux -L "$_TUI_SOCK" -f /dev/null "$@"
}

tui_start()
{
	local cols=$1 rows=$2
	shift 2
	command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
	[ "$#" -gt 0 ] || fail "tui_start: no command"
	tui_stop
	_TUI_SOCK="tern-test-$$-$RANDOM$RANDOM"
	_TUI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tern-tui.XXXXXX")
	: >"$_TUI_DIR/raw"
	if [ -z "$_TUI_HOOKED" ]; then
		at_exit tui_stop
		_TUI_HOOKED=1
	fi
	# The session starts with a placeholder so that remain-on-exit and the
	# pipe are in place before the real command runs; respawn-pane then
	# replaces the placeholder with it.
	_tui_tmux new-session -d -s tui -x "$cols" -y "$rows" \
	    "exec sleep 2147483647" \; \
	    set-option -g remain-on-exit on \; \
	    set-option -g remain-on-exit-format '' \; \
	    set-option -g status off \; \
	    pipe-pane -o -t tui "exec cat >>'$_TUI_DIR/raw'" \; \
	    respawn-pane -k -t tui \
	    sh -c '"$@"; echo "$?" >"$0.tmp"; mv "$0.tmp" "$0"' \
	    "$_TUI_DIR/status" \
	    env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@" ||
	    fail "tui_start: tmux could not start the session"
	_TUI_SOCK_PATH=$(_tui_tmux display-message -p '#{socket_path}') || true
}

tui_keys()
{
	_tui_tmux send-keys -t tui "$@"
}

# q in the index: tern asks (quit = ask-yes, as the default), y answers.
tui_quit()
{
	tui_keys q
	tui_wait_for "Quit tern?"
	tui_keys y
}

tui_screen()
{
	_tui_tmux capture-pane -p -t tui
}

_tui_timeout()
{
	printf '%s\n' "--- screen ---" >&2
	tui_screen >&2 || true
	printf '%s\n' "--------------" >&2
	fail "$1"
}

tui_wait_for()
{
	local text=$1 secs=${2:-10} i=0 max
	max=$((secs * 20))
	while :; do
		case "$(tui_screen)" in
		*"$text"*) return 0 ;;
		esac
		i=$((i + 1))
		if [ "$i" -ge "$max" ]; then
			_tui_timeout "timed out after ${secs}s waiting for '$text'"
		fi
		sleep 0.05
	done
}

tui_wait_gone()
{
	local text=$1 secs=${2:-10} i=0 max
	max=$((secs * 20))
	while :; do
		case "$(tui_screen)" in
		*"$text"*) ;;
		*) return 0 ;;
		esac
		i=$((i + 1))
		if [ "$i" -ge "$max" ]; then
			_tui_timeout "timed out after ${secs}s waiting for '$text' to go"
		fi
		sleep 0.05
	done
}

tui_wait_exit()
{
	local secs=${1:-10} i=0 max st
	max=$((secs * 20))
	while [ "$(_tui_tmux display-message -p -t tui '#{pane_dead}')" != 1 ]; do
		i=$((i + 1))
		if [ "$i" -ge "$max" ]; then
			_tui_timeout "timed out after ${secs}s waiting for the program to exit"
		fi
		sleep 0.05
	done
	# tmux may mark the pane dead before it has reaped the process, and
	# then #{pane_dead_status} stays empty: the shell around CMD writes
	# the status to a file instead (128+N when signal N killed CMD).
	wait_until 5 test -s "$_TUI_DIR/status" ||
	    _tui_timeout "the program left no exit status"
	st=$(cat "$_TUI_DIR/status")
	if [ "$st" -gt 128 ]; then
		st=
	fi
	printf '%s\n' "$st"
}

tui_pid()
{
	local sh
	sh=$(_tui_tmux display-message -p -t tui '#{pane_pid}')
	pgrep -P "$sh" | head -n 1
}

tui_raw_output()
{
	[ -n "$_TUI_DIR" ] || fail "tui_raw_output: no tui_start"
	cat "$_TUI_DIR/raw"
}

tui_stop()
{
	if [ -n "$_TUI_SOCK" ]; then
		_tui_tmux kill-server >/dev/null 2>&1 || true
		_TUI_SOCK=
		# tmux 3.3 leaves the socket file behind.
		case "$_TUI_SOCK_PATH" in
		*/tern-test-*) rm -f "$_TUI_SOCK_PATH" ;;
		esac
		_TUI_SOCK_PATH=
	fi
	if [ -n "$_TUI_DIR" ]; then
		rm -rf "$_TUI_DIR"
		_TUI_DIR=
	fi
}
