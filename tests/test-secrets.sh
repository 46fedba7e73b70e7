#!/bin/bash
# Secrets. With a password of its own (so that a hit means a leak):
#   cmd-session: a whole session in tmux with password_cmd and --log (open
#       a message, quit): while it runs, its memory no longer holds the
#       password once logged in, its core size limit is 0; afterwards the
#       password is nowhere in the cache folder, the config folder, the log
#       or the files of /tmp and /dev/shm written meanwhile;
#   pop3-session: a POP3 check in the reader: then its memory no longer
#       holds the password;
#   typed-session: the same with the URL form and a typed password;
#   protocol-log: --log holds the IMAP and POP3 commands, LOGIN and PASS
#       with their arguments redacted, and neither the password nor its
#       base64 (AUTHENTICATE PLAIN against the fake server);
#   not-dumpable: tern run as another user leaves its /proc files to root
#       (PR_SET_DUMPABLE 0: no core, no ptrace by that user).
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

pw="Hard-$$-$RANDOM$RANDOM-secret"
harness_start -n 20 -u "alice:$pw"
. "$TERN_SRCDIR/tests/hardening.sh"
stamp=$HARNESS_DIR/stamp
touch "$stamp"
log=$HARNESS_DIR/tern.log

# leaks WHAT: fail if the password is in the cache or config folder, the
# log or a file written under /tmp or /dev/shm since the start (the
# harness's own folder, which holds the server's copy, aside).
leaks()
{
	local f hits=
	for f in "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$HOME"; do
		if grep -rlaF -- "$pw" "$f" >/dev/null 2>&1; then
			hits="$hits $(grep -rlaF -- "$pw" "$f" | tr '\n' ' ')"
		fi
	done
	if [ -f "$log" ] && grep -qaF -- "$pw" "$log"; then
		hits="$hits $log"
	fi
	while IFS= read -r -d '' f; do
		case $f in
		"$HARNESS_DIR"/*) continue ;;
		esac
		if grep -qaF -- "$pw" "$f" 2>/dev/null; then
			hits="$hits $f"
		fi
	done < <(find /tmp /dev/shm -xdev -type f -newer "$stamp" -print0 \
	    2>/dev/null)
	[ -z "$hits" ] || fail "$1: the password is in:$hits"
}

# in_memory PID: succeed if the password is in the memory of PID.
in_memory()
{
	"$TERN_PYTHON" - "$1" "$pw" <<'EOF'
import re, sys
pid, needle = sys.argv[1], sys.argv[2].encode()
found = False
with open("/proc/%s/maps" % pid) as maps, \
        open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        lo, hi, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        if not perms.startswith("r") or hi - lo > 1 << 31:
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        if needle in data:
            print(line.strip(), file=sys.stderr)
            found = True
sys.exit(0 if found else 1)
EOF
}

# --- cmd-session -------------------------------------------------------------
hard_case_start
harness_config imaps >/dev/null
# HARNESS_PASS stays out of tern's environment, which is in its memory.
tui_start 100 30 env -u HARNESS_PASS "$TERN" --log "$log"
tui_wait_for "Message 00020 of 20" 20
tui_wait_for "online" 20
tui_keys Enter
tui_wait_for "Body of message 20." 20
pid=$(tui_pid)
assert_eq "0 0" "$(awk '/^Max core file size/ { print $5, $6 }' \
    "/proc/$pid/limits")" "cmd-session: core size limit"
if in_memory "$pid"; then
	fail "cmd-session: the password is still in memory after login"
fi
tui_keys q
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "cmd-session: exit status"
tui_stop
assert_contains "$(cat "$log")" "LOGIN <redacted>" "cmd-session: the log"
leaks cmd-session
hard_case cmd-session

# --- pop3-session: the same in memory after a POP3 check --------------------
hard_case_start
rm -rf "$XDG_CACHE_HOME/tern"
harness_config pop3s >/dev/null
tui_start 100 30 env -u HARNESS_PASS "$TERN"
tui_wait_for "Message 00020 of 20" 20
tui_wait_for "online" 20
pid=$(tui_pid)
if in_memory "$pid"; then
	fail "pop3-session: the password is still in memory after the check"
fi
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "pop3-session: exit status"
tui_stop
leaks pop3-session
hard_case pop3-session

# --- typed-session ---------------------------------------------------------
hard_case_start
rm -rf "$XDG_CACHE_HOME/tern" "$XDG_CONFIG_HOME/tern" "$log"
touch "$stamp"
export SSL_CERT_FILE=$HARNESS_CA
tui_start 100 30 env -u HARNESS_PASS "$TERN" --log "$log" \
    "$(harness_url imaps)"
tui_wait_for "Password for $HARNESS_USER@localhost:" 20
tui_keys -l "$pw"
tui_keys Enter
tui_wait_for "Message 00020 of 20" 20
tui_wait_for "online" 20
tui_keys Enter
tui_wait_for "Body of message 20." 20
assert_not_contains "$(tui_screen)" "$pw" "typed-session: echo"
tui_keys q
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "typed-session: exit status"
assert_not_contains "$(tui_raw_output)" "$pw" "typed-session: the terminal"
tui_stop
unset SSL_CERT_FILE
leaks typed-session
hard_case typed-session

# --- protocol-log ------------------------------------------------------------
hard_case_start
rm -rf "$XDG_CACHE_HOME/tern" "$log"
harness_config imap >/dev/null
hard_run --log "$log" sync test
hard_check "protocol-log (IMAP)" ok
l=$(cat "$log")
assert_contains "$l" "imap: C: 1 CAPABILITY" "protocol-log: commands"
assert_contains "$l" "STARTTLS" "protocol-log: STARTTLS"
assert_contains "$l" "SELECT INBOX" "protocol-log: SELECT"
assert_contains "$l" "LOGIN <redacted>" "protocol-log: LOGIN"
assert_not_contains "$l" "$pw" "protocol-log: the IMAP password"
rm -rf "$XDG_CACHE_HOME/tern"
harness_config pop3s >/dev/null
hard_run --log "$log" sync test
hard_check "protocol-log (POP3)" ok
l=$(cat "$log")
assert_contains "$l" "pop3: C: CAPA" "protocol-log: POP3 commands"
assert_contains "$l" "pop3: C: UIDL" "protocol-log: UIDL"
assert_not_contains "$l" "$pw" "protocol-log: the POP3 password"
# AUTHENTICATE PLAIN: the fake offers LOGINDISABLED and AUTH=PLAIN.
rm -rf "$XDG_CACHE_HOME/tern"
fake_start imap-auth-plain
hard_config imap "imap://127.0.0.1:$FAKE_PORT" "tls = off"
hard_run --log "$log" sync t
fake_stop
hard_check "protocol-log (AUTHENTICATE)" ok
l=$(cat "$log")
assert_contains "$l" "AUTHENTICATE <redacted>" "protocol-log: AUTHENTICATE"
assert_not_contains "$l" "$pw" "protocol-log: the password (SASL)"
for b64 in "$(printf '%s\0%s\0%s' "$HARNESS_USER" "$HARNESS_USER" "$pw" |
    base64 -w0)" "$(printf '\0%s\0%s' "$HARNESS_USER" "$pw" | base64 -w0)"; do
	assert_not_contains "$l" "$b64" "protocol-log: the SASL PLAIN response"
done
hard_case protocol-log

# --- not-dumpable --------------------------------------------------------------
hard_case_start
if ! command -v setpriv >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
	skip "not-dumpable needs root and setpriv"
fi
nobody=$(id -u nobody)
home2=$HARNESS_DIR/nobody
mkdir -p "$home2/cfg/tern" "$home2/cache"
fake_start imap-silent --timeout 20
printf '%s\n' "[account t]" "imap = imap://127.0.0.1:$FAKE_PORT" \
    "user = alice" "password_cmd = echo x" "tls = off" "timeout = 10" \
    >"$home2/cfg/tern/config"
chmod 600 "$home2/cfg/tern/config"
chown -R "$nobody" "$home2"
# tern itself, not valgrind's wrapper (TERN_VALGRIND): nobody could not
# write valgrind's log.
HOME=$home2 XDG_CONFIG_HOME=$home2/cfg XDG_CACHE_HOME=$home2/cache \
    setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups \
    "${_TERN_VG_REAL:-$TERN}" sync t 2>/dev/null &
tpid=$!
wait_until 5 test -s "$FAKE_ERR" || true
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$tpid/status" 2>/dev/null) ||
    fail "not-dumpable: tern did not run"
owner=$(stat -c %u "/proc/$tpid/status")
kill "$tpid" 2>/dev/null || true
wait "$tpid" 2>/dev/null || true
fake_stop
assert_eq "$nobody" "$uid" "not-dumpable: tern ran as nobody"
assert_eq 0 "$owner" "not-dumpable: owner of /proc/PID (dumpable)"
hard_case not-dumpable
echo "ok"
