#!/bin/bash
# The second connection (connections = 2, the default of an IMAP account)
# against the harness dovecot, in tmux with --log:
#   - the reader signs in twice, the second once the first has the folder
#     list; the body prefetch (cache = bodies) goes over the second
#     ("imap2" in the log) and none over the first, which idles;
#   - a message sent from the reader (the SMTP server of
#     tests/smtp-server.py) has its Sent copy appended by the second,
#     once;
#   - with connections = 1 there is one sign-in and the first does it all;
#   - against a server that allows one connection a user (dovecot's
#     mail_max_userip_connections = 1) the second is refused, and the
#     first does its work: every body arrives, the Sent copy once.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 command"
[ -x "$TERN" ] || skip "no tern binary at $TERN"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    skip "python3-aiosmtpd is not installed"

# setup: after harness_start, the editor (it writes To, Subject and a line
# of text) and the SMTP server, which delivers into dovecot.
setup()
{
	u=$HARNESS_USER
	db=$XDG_CACHE_HOME/tern/test.db
	log=$HARNESS_DIR/tern.log
	ed=$HARNESS_DIR/editor.sh
	cat >"$ed" <<'EOF'
#!/bin/sh
sed -i -e 's|^To:.*|To: Bob <bob@localhost>|' \
    -e "s|^Subject:.*|Subject: $(cat "$HARNESS_DIR/subject")|" "$1"
echo "Sent over one of two connections." >>"$1"
EOF
	chmod +x "$ed"
	export HARNESS_DIR
	smtp_start --tls starttls --deliver
}

harness_start -n 40
setup

# conf N: the account with N connections, its bodies cached.
conf()
{
	harness_config imaps "connections = $1" "cache = bodies" \
	    "prefetch = 40" "status_interval = 3600" \
	    "smtp = smtp://localhost:$SMTP_PORT" \
	    "from = Alice Tester <$u@localhost>" "[ui]" "editor = $ed" \
	    >/dev/null
}

bodies()
{
	sqlite3 "$db" "SELECT count(*) FROM body" 2>/dev/null || echo 0
}

bodies_are()
{
	[ "$(bodies)" = "$1" ]
}

# sent SUBJECT: the copies of SUBJECT in Sent on the server
sent()
{
	harness_doveadm search -u "$u" mailbox Sent header subject "$1" \
	    2>/dev/null | wc -l
}

sent_is()
{
	[ "$(sent "$1")" = "$2" ]
}

# lines PROTO PATTERN: the commands of connection PROTO (imap, imap2) in
# tern's log that match PATTERN (an extended regex)
lines()
{
	{ sed -n "s/^.* $1: C: [^ ]* //p" "$log" | grep -Ec "$2"; } || true
}

# logins: the sign-ins dovecot logged since its log was N lines long
logins()
{
	tail -n +"$(($1 + 1))" "$HARNESS_DIR/log/dovecot.log" |
	    grep -c 'imap-login: Info: Login:' || true
}

dovecot_lines()
{
	wc -l <"$HARNESS_DIR/log/dovecot.log"
}

# run N SUBJECT: a reader with N connections fills the cache's bodies and
# sends a message SUBJECT; it checks both and quits.
run()
{
	local n=$1 subject=$2
	rm -rf "$XDG_CACHE_HOME/tern"
	rm -f "$log"
	conf "$n"
	printf '%s\n' "$subject" >"$HARNESS_DIR/subject"
	tui_start 100 30 "$TERN" --log "$log" test
	tui_wait_for "online" 30
	wait_until 30 bodies_are 40 ||
	    fail "$n connection(s): $(bodies) of 40 bodies in the cache"
	tui_keys m
	tui_wait_for "Compose (test): new message" 15
	tui_keys y
	wait_until 20 sent_is "$subject" 1 ||
	    fail "$n connection(s): $(sent "$subject") Sent copies of \"$subject\""
	tui_quit
	tui_wait_exit 15 >/dev/null
	# Once: nothing appends it again after the reader is gone.
	assert_eq 1 "$(sent "$subject")" "$n connection(s): one Sent copy"
}

# --- Two connections -----------------------------------------------------
before=$(dovecot_lines)
run 2 "Over two"
assert_eq 2 "$(logins "$before")" "two sign-ins"
assert_eq 0 "$(lines imap 'BODY\.PEEK\[\]')" \
    "the first fetched no body of the prefetch"
[ "$(lines imap2 'BODY\.PEEK\[\]')" -ge 1 ] ||
    fail "the second fetched no body: $(grep -c imap2 "$log") imap2 lines"
assert_eq 1 "$(lines imap2 '^APPEND ')" "the second appended the Sent copy"
assert_eq 0 "$(lines imap '^APPEND ')" "the first appended nothing"
[ "$(lines imap '^IDLE')" -ge 1 ] || fail "the first does not idle"
assert_eq 0 "$(lines imap2 '^IDLE')" "the second does not idle"
grep -q 'the second connection is up' "$log" ||
    fail "the log does not say the second connection is up"

# --- One connection ------------------------------------------------------
before=$(dovecot_lines)
run 1 "Over one"
assert_eq 1 "$(logins "$before")" "connections = 1: one sign-in"
assert_eq 0 "$(grep -c ' imap2: ' "$log" || true)" \
    "connections = 1: no second connection"
[ "$(lines imap 'BODY\.PEEK\[\]')" -ge 1 ] ||
    fail "connections = 1: the first fetched no body"
assert_eq 1 "$(lines imap '^APPEND ')" "connections = 1: the Sent copy"

# --- A server that allows one connection a user ----------------------------
harness_stop
HARNESS_DOVECOT_EXTRA='protocol imap {
  mail_max_userip_connections = 1
}'
harness_start -n 40
setup
run 2 "Over one allowed"
grep -q 'the second connection failed, its work goes to the first' "$log" ||
    fail "the refused second connection is not in the log"
[ "$(lines imap 'BODY\.PEEK\[\]')" -ge 1 ] ||
    fail "one allowed: the first fetched no body"
assert_eq 1 "$(lines imap '^APPEND ')" "one allowed: the first appended"
echo "ok"
