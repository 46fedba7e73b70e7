# tests/hardening.sh: helpers of the hardening tests (hostile servers,
# dropped connections, secrets, files). Source it after tests/harness.sh
# (which gives HOME, the XDG folders, certificates and clean-up).
#
# hard_config PROTO URL [LINE]...
#     Write $XDG_CONFIG_HOME/tern/config (0600): "[account t]" with
#     PROTO = URL (PROTO is imap or pop3), user $HARNESS_USER, password_cmd
#     printing $HARNESS_PASS (from a 0600 file outside HOME), then each LINE.
# hard_run ARG...
#     Run $TERN ARG... with stdin from /dev/null. Sets HARD_STATUS (its exit
#     status; 128+N when signal N killed it), HARD_OUT and HARD_ERR (stdout
#     and stderr) and HARD_RSS (its peak resident memory in MB).
# hard_check NAME EXPECT
#     The checks every case makes of the last hard_run: no crash (no signal,
#     no sanitizer report), peak memory under HARD_RSS_MAX MB (160, or 400 for
#     a sanitizer build; 0 turns the check off, as TERN_VALGRIND does), the
#     cache $HARD_DB (if it exists) passes PRAGMA integrity_check, and one
#     clear message: with EXPECT "ok", exit status 0 and no "tern:" line on
#     stderr; otherwise exit status 1 and exactly one "tern:" line, which
#     holds EXPECT. Lines matching HARD_NOTICE (a grep pattern) are notices
#     and do not count. Failures name the case NAME.
# hard_case_start / hard_case NAME
#     Mark the start of a case; print "ok - NAME (S s)" at its end.

HARD_DB=$XDG_CACHE_HOME/tern/t.db
if [ -z "${HARD_RSS_MAX:-}" ]; then
	HARD_RSS_MAX=160
	if [ -n "${TERN_VALGRIND:-}" ]; then
		HARD_RSS_MAX=0
	elif ldd "$TERN" 2>/dev/null | grep -q 'lib[at]san'; then
		HARD_RSS_MAX=400
	fi
fi

hard_config()
{
	local proto=$1 url=$2 secret=$HARNESS_DIR/secrets/hard-$HARNESS_USER
	shift 2
	mkdir -p "$HARNESS_DIR/secrets" "$XDG_CONFIG_HOME/tern"
	(umask 077 && printf '%s\n' "$HARNESS_PASS" >"$secret")
	(
		umask 077
		printf '%s\n' "[account t]" "$proto = $url" \
		    "user = $HARNESS_USER"
		# HARD_NO_PASSWORD=1: an OAuth account's LINEs bring its keys.
		[ "${HARD_NO_PASSWORD:-0}" = 1 ] ||
		    printf '%s\n' "password_cmd = cat '$secret'"
		if [ "$#" -gt 0 ]; then
			printf '%s\n' "$@"
		fi
	) >"$XDG_CONFIG_HOME/tern/config"
	chmod 600 "$XDG_CONFIG_HOME/tern/config"
}

hard_run()
{
	HARD_STATUS=
	HARD_RSS=0
	"$TERN_PYTHON" -c '
import resource, subprocess, sys
p = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL)
rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
with open(sys.argv[1], "w") as f:
    f.write("%d %d\n" % (rc, rss))
' "$HARNESS_DIR/hard.rc" "$TERN" "$@" >"$HARNESS_DIR/hard.out" \
	    2>"$HARNESS_DIR/hard.err" || true
	read -r HARD_STATUS HARD_RSS <"$HARNESS_DIR/hard.rc" ||
	    fail "hard_run: no exit status for $*"
	HARD_OUT=$(cat "$HARNESS_DIR/hard.out")
	HARD_ERR=$(cat "$HARNESS_DIR/hard.err")
}

hard_check()
{
	local name=$1 expect=$2 lines ic
	case $HARD_STATUS in
	0 | 1) ;;
	*) fail "$name: tern crashed (status $HARD_STATUS): $HARD_ERR" ;;
	esac
	case $HARD_ERR in
	*Sanitizer* | *"runtime error:"* | *"Invalid read"* | *"Invalid write"*)
		fail "$name: memory error: $HARD_ERR" ;;
	esac
	if [ "$HARD_RSS_MAX" -gt 0 ] && [ "$HARD_RSS" -gt "$HARD_RSS_MAX" ]; then
		fail "$name: peak memory $HARD_RSS MB (at most $HARD_RSS_MAX)"
	fi
	if [ -f "$HARD_DB" ]; then
		ic=$(sqlite3 "$HARD_DB" 'PRAGMA integrity_check' 2>&1 || true)
		case $ic in
		*"unable to open"*)
			# A read-only file system: read it as it is.
			ic=$(sqlite3 "file:$HARD_DB?immutable=1" \
			    'PRAGMA integrity_check' 2>&1 || true) ;;
		esac
		assert_eq ok "$ic" "$name: cache integrity"
	fi
	lines=$(printf '%s\n' "$HARD_ERR" | grep '^tern:' |
	    grep -vc "${HARD_NOTICE:-^$}" || true)
	if [ "$expect" = ok ]; then
		assert_eq 0 "$HARD_STATUS" "$name: exit status ($HARD_ERR)"
		assert_eq 0 "$lines" "$name: error lines ($HARD_ERR)"
		return 0
	fi
	assert_eq 1 "$HARD_STATUS" "$name: exit status ($HARD_ERR)"
	assert_eq 1 "$lines" "$name: one message ($HARD_ERR)"
	assert_contains "$(printf '%s\n' "$HARD_ERR" | grep '^tern:' |
	    grep -v "${HARD_NOTICE:-^$}")" \
	    "$expect" "$name: the message"
}

_hard_t0=0
hard_case_start()
{
	_hard_t0=$(date +%s.%N)
}

hard_case()
{
	awk -v a="$_hard_t0" -v b="$(date +%s.%N)" -v n="$1" \
	    'BEGIN { printf "ok - %s (%.1f s)\n", n, b - a }'
}
