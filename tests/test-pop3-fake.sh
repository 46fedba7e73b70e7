#!/bin/bash
# POP3 against tests/fake-server.py, for what dovecot never does here:
#   - pop3:// on a server without STLS: an error, and no credentials sent;
#     the same when plain text is injected after the STLS answer;
#   - SASL PLAIN when CAPA offers it; APOP when the greeting has a
#     timestamp (no password on the wire),
#     USER/PASS when there is neither SASL PLAIN nor APOP (tls = off);
#   - [IN-USE]: a clear message, nothing lost;
#   - a connection dropped at QUIT (delete mode): the deletions did not
#     happen, nothing is lost, and the next sync downloads nothing twice
#     (it only deletes); a connection dropped in the middle of RETRs;
#   - a server without UIDL: delete mode works, also after a dropped QUIT
#     (nothing stored twice); keep mode tells messages apart by a hash of
#     their headers, says so once, and downloads nothing twice;
#   - servers without PIPELINING (one command at a time) and with it.
# The fake server's mailbox is a directory of files (FAKE_POP3_DIR) that
# survives from one run of the server to the next.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

# The harness gives HOME, the XDG folders, certificates and a cleanup.
harness_start -n 0
export FAKE_POP3_DIR=$HARNESS_DIR/box FAKE_POP3_USER=$HARNESS_USER
export FAKE_POP3_PASS=$HARNESS_PASS
db=$XDG_CACHE_HOME/tern/test.db

# fill N: a fresh mailbox of N messages <fake-I@example.org>, and a fresh
# cache.
fill()
{
	rm -rf "$FAKE_POP3_DIR" "$XDG_CACHE_HOME/tern"
	mkdir -p "$FAKE_POP3_DIR"
	"$TERN_PYTHON" - "$FAKE_POP3_DIR" "$1" <<'EOF'
import sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    with open("%s/uidl-%03d" % (d, i), "w") as f:
        f.write("From: Fake %d <fake-%d@example.org>\n"
                "Subject: Fake message %d\n"
                "Message-ID: <fake-%d@example.org>\n"
                "\n"
                ".A line that starts with a dot.\n"
                "Body %d.\n" % (i, i, i, i, i))
EOF
}

# config [LINE]...: an account on the fake server (plain text allowed).
config()
{
	mkdir -p "$XDG_CONFIG_HOME/tern"
	{
		printf '%s\n' "[account test]" \
		    "pop3 = pop3://127.0.0.1:$FAKE_PORT" \
		    "user = $HARNESS_USER" \
		    "password_cmd = echo $HARNESS_PASS"
		printf '%s\n' "$@"
	} >"$XDG_CONFIG_HOME/tern/config"
}

cached()
{
	sqlite3 "$db" "SELECT count(*) FROM message" 2>/dev/null || echo 0
}

left()
{
	ls "$FAKE_POP3_DIR" | wc -l
}

# Run tern sync against scenario $1 (config lines after it, options for
# the fake server in $fake_opts); its exit status in $status, its stderr in
# $out, what the server received in $sent.
fake_opts=
run()
{
	local scenario=$1
	shift
	# shellcheck disable=SC2086
	fake_start "$scenario" --timeout 20 $fake_opts
	config "$@"
	status=0
	"$TERN" sync test 2>"$HARNESS_DIR/err" || status=$?
	out=$(cat "$HARNESS_DIR/err")
	wait_until 5 sh -c "! kill -0 $FAKE_PID 2>/dev/null" || true
	sent=$(cat "$FAKE_LOG")
	fake_stop
}

# --- no STLS ----------------------------------------------------------------
fill 3
run pop3-no-stls
assert_eq 1 "$status" "exit status without STLS"
assert_contains "$out" "does not offer STLS" "the error says why"
for cmd in USER PASS APOP AUTH; do
	if printf '%s\n' "$sent" | grep -q "^$cmd"; then
		fail "$cmd was sent over plain text: $sent"
	fi
done

# --- STLS answered with injected plain text -----------------------------------------
fill 3
fake_opts="--cert $HARNESS_CERT --key $HARNESS_KEY"
run pop3-stls-inject
fake_opts=
assert_eq 1 "$status" "exit status after an injection"
assert_contains "$out" "refusing" "the error says it refused"
for cmd in USER PASS APOP AUTH; do
	if printf '%s\n' "$sent" | grep -q "^$cmd"; then
		fail "$cmd was sent after an injected STLS answer: $sent"
	fi
done

# --- USER/PASS (tls = off) ------------------------------------------------------
fill 3
run pop3-userpass "tls = off" "pop3_delete = yes"
assert_eq 0 "$status" "USER/PASS sync ($out)"
assert_contains "$sent" "USER $HARNESS_USER" "USER sent"
assert_eq 3 "$(cached)" "downloaded with USER/PASS"
assert_eq 0 "$(left)" "deleted with USER/PASS"
# Dot-stuffing undone.
assert_eq 3 "$(sqlite3 "$db" "SELECT count(*) FROM body WHERE
    instr(CAST(raw AS TEXT), char(10) || '.A line that') > 0")" \
    "dot-stuffed lines restored"

# --- SASL PLAIN -------------------------------------------------------------------
fill 3
run pop3-sasl-plain "tls = off"
assert_eq 0 "$status" "SASL PLAIN sync ($out)"
assert_contains "$sent" "AUTH PLAIN" "AUTH PLAIN sent"
assert_not_contains "$sent" "USER " "no USER with SASL PLAIN offered"
assert_eq 3 "$(cached)" "downloaded with SASL PLAIN"

# --- APOP -----------------------------------------------------------------------
fill 3
run pop3-apop "tls = off"
assert_eq 0 "$status" "APOP sync ($out)"
assert_contains "$sent" "APOP $HARNESS_USER " "APOP sent"
assert_not_contains "$sent" "$HARNESS_PASS" "the password on the wire"
assert_eq 3 "$(cached)" "downloaded with APOP"
assert_eq 3 "$(left)" "keep mode keeps"

# --- [IN-USE] ---------------------------------------------------------------------
fill 3
run pop3-in-use "tls = off" "pop3_delete = yes"
assert_eq 1 "$status" "exit status when the mailbox is in use"
assert_contains "$out" "in use by another session" "the message says why"
assert_contains "$out" "trying again later" "and that it retries"
assert_eq 3 "$(left)" "nothing touched"

# --- dropped at QUIT, delete mode -------------------------------------------------
fill 5
run pop3-drop-at-quit "tls = off" "pop3_delete = yes"
assert_eq 1 "$status" "a dropped QUIT is reported"
assert_contains "$sent" "DELE 5" "the DELEs were sent"
assert_eq 5 "$(left)" "no deletion without QUIT"
assert_eq 5 "$(cached)" "every message is in the cache"
run pop3-userpass "tls = off" "pop3_delete = yes"
assert_eq 0 "$status" "the next sync ($out)"
assert_not_contains "$sent" "RETR" "nothing downloaded twice"
assert_eq 0 "$(left)" "deleted by the next sync"
assert_eq 5 "$(cached)" "each message once"

# --- dropped in the middle of the RETRs, delete mode -------------------------------
fill 10
export FAKE_POP3_DROP_AFTER=4
run pop3-drop-mid-retr "tls = off" "pop3_delete = yes"
assert_eq 1 "$status" "a dropped session is reported"
assert_contains "$out" "connection lost" "the message says so"
assert_eq 10 "$(left)" "nothing deleted"
run pop3-userpass "tls = off" "pop3_delete = yes"
assert_eq 0 "$status" "the next sync ($out)"
assert_eq 0 "$(left)" "all deleted by the next sync"
assert_eq 10 "$(cached)" "each message once"
assert_eq 10 "$(sqlite3 "$db" "SELECT count(DISTINCT message_id) FROM message")" \
    "no duplicate"

# --- no UIDL ------------------------------------------------------------------------
fill 4
run pop3-no-uidl "tls = off" "pop3_delete = yes"
assert_eq 0 "$status" "delete mode without UIDL ($out)"
assert_eq 4 "$(cached)" "downloaded without UIDL"
assert_eq 0 "$(left)" "deleted without UIDL"

fill 6
run pop3-no-uidl-drop-at-quit "tls = off" "pop3_delete = yes"
assert_eq 1 "$status" "a dropped QUIT is reported (no UIDL)"
assert_eq 6 "$(left)" "no deletion without QUIT (no UIDL)"
assert_eq 6 "$(cached)" "every message is in the cache (no UIDL)"
run pop3-no-uidl "tls = off" "pop3_delete = yes"
assert_eq 0 "$status" "the next sync, no UIDL ($out)"
assert_eq 0 "$(left)" "deleted by the next sync (no UIDL)"
assert_eq 6 "$(cached)" "each message once, told apart by their headers"

fill 4
run pop3-no-uidl "tls = off"
assert_eq 0 "$status" "keep mode without UIDL ($out)"
assert_eq 1 "$(printf '%s\n' "$out" | grep -c "has no UIDL")" \
    "said once"
run pop3-no-uidl "tls = off"
assert_eq 0 "$status" "keep mode without UIDL, again ($out)"
assert_not_contains "$sent" "RETR" "nothing downloaded twice"
assert_eq 4 "$(cached)" "each message once"
assert_eq 4 "$(left)" "all kept"
assert_eq 4 "$(sqlite3 "$db" "SELECT count(*) FROM pop3_uidl
    WHERE uidl LIKE 'hdr:%'")" "identities from the headers"
echo "ok"
