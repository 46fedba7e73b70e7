#!/bin/bash
# tern sync against the harness dovecot: a 2,000-message INBOX is cached
# with exactly the server's UIDs, flags and subjects; after the server gains
# 10 messages, loses 5 and has flags changed behind tern's back, a second
# sync matches again.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 2000
harness_config imaps >/dev/null
db=$XDG_CACHE_HOME/tern/test.db

compare()
{
	assert_cache_matches "$db" INBOX "$1"
	assert_eq "$2" "$(wc -l <"$HARNESS_DIR/cache.txt")" "$1: messages"
}

start=$(date +%s.%N)
"$TERN" sync test 2>"$HARNESS_DIR/sync1.err" ||
	fail "first sync failed: $(cat "$HARNESS_DIR/sync1.err")"
end=$(date +%s.%N)
echo "first sync of 2000 messages: $(echo "$end - $start" | bc 2>/dev/null || echo "?") s"
assert_contains "$(cat "$HARNESS_DIR/sync1.err")" "INBOX 2000/2000" \
    "progress on stderr"
compare "first sync" 2000

# Every subscribed folder came along, with its role.
assert_eq "5" "$(sqlite3 "$db" "SELECT total FROM folder WHERE name = 'Archive'")" \
    "Archive messages"
assert_eq "INBOX Drafts Sent Junk Trash Archive" \
    "$(sqlite3 "$db" "SELECT name FROM folder WHERE role < 6 ORDER BY role" | tr '\n' ' ' | sed 's/ $//')" \
    "special folders"

# The server changes behind tern's back.
for i in 1 2 3 4 5 6 7 8 9 10; do
	harness_deliver "Late arrival $i" >/dev/null
done
harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX uid 3:7
harness_doveadm flags add -u "$HARNESS_USER" '\Flagged \Answered' \
    mailbox INBOX uid 11
harness_doveadm flags remove -u "$HARNESS_USER" '\Seen' mailbox INBOX uid 12
harness_doveadm flags add -u "$HARNESS_USER" '\Seen' mailbox INBOX uid 13

"$TERN" sync test:INBOX 2>"$HARNESS_DIR/sync2.err" ||
	fail "second sync failed: $(cat "$HARNESS_DIR/sync2.err")"
compare "second sync" 2005
assert_eq "6" "$(sqlite3 "$db" "SELECT flags FROM message WHERE uid = 11")" \
    "flags of UID 11 (answered + flagged)"

# The folder's counts follow.
assert_eq "2005" "$(sqlite3 "$db" "SELECT total FROM folder WHERE name = 'INBOX'")" \
    "INBOX total"
expected_unseen=$(awk '$2 % 2 == 0' "$HARNESS_DIR/server.txt" | wc -l)
assert_eq "$expected_unseen" \
    "$(sqlite3 "$db" "SELECT unseen FROM folder WHERE name = 'INBOX'")" \
    "INBOX unseen"

# A UIDVALIDITY change drops the folder's cache and refetches; the cached
# bodies go back to the same messages (Message-ID and size), so reading
# and body search offline survive it.
"$TERN" sync --bodies test:INBOX 2>"$HARNESS_DIR/bodies.err" ||
	fail "sync --bodies failed: $(cat "$HARNESS_DIR/bodies.err")"
bodies_before=$(sqlite3 "$db" "SELECT count(*) FROM message WHERE has_body")
sum_before=$(sqlite3 "$db" "SELECT m.message_id, length(b.raw), hex(b.raw)
    FROM message m JOIN body b ON b.message_id = m.id ORDER BY m.message_id" |
    md5sum)
sqlite3 "$db" "UPDATE folder SET uidvalidity = 1 WHERE name = 'INBOX';
    UPDATE message SET subject = 'stale' WHERE uid = 20"
"$TERN" sync test:INBOX 2>"$HARNESS_DIR/sync3.err" ||
	fail "third sync failed: $(cat "$HARNESS_DIR/sync3.err")"
compare "after a UIDVALIDITY change" 2005
assert_eq "$bodies_before" \
    "$(sqlite3 "$db" "SELECT count(*) FROM message WHERE has_body")" \
    "cached bodies after the UIDVALIDITY change"
assert_eq "$sum_before" "$(sqlite3 "$db" "SELECT m.message_id,
    length(b.raw), hex(b.raw) FROM message m JOIN body b
    ON b.message_id = m.id ORDER BY m.message_id" | md5sum)" \
    "the bodies went back to their own messages"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM orphan_body")" \
    "no body left aside"

# The cache is private.
assert_eq "700" "$(stat -c %a "$XDG_CACHE_HOME/tern")" "cache folder mode"
assert_eq "600" "$(stat -c %a "$db")" "cache file mode"
# And the password is nowhere in it.
if grep -rqF "$HARNESS_PASS" "$XDG_CACHE_HOME"; then
	fail "the password was written to the cache"
fi

# auth = plain logs in with AUTHENTICATE PLAIN, auth = login with LOGIN.
for mode in plain login; do
	harness_config imaps "auth = $mode" >/dev/null
	rm -f "$HARNESS_DIR/auth.log"
	"$TERN" --log "$HARNESS_DIR/auth.log" sync test:INBOX \
	    2>"$HARNESS_DIR/auth.err" ||
		fail "sync with auth = $mode failed: $(cat "$HARNESS_DIR/auth.err")"
	case $mode in
	plain) want='C: [0-9]+ AUTHENTICATE' not='C: [0-9]+ LOGIN' ;;
	login) want='C: [0-9]+ LOGIN' not='C: [0-9]+ AUTHENTICATE' ;;
	esac
	grep -Eq "$want" "$HARNESS_DIR/auth.log" ||
		fail "auth = $mode: no \"$want\" in the log"
	if grep -Eq "$not" "$HARNESS_DIR/auth.log"; then
		fail "auth = $mode: \"$not\" in the log"
	fi
done

# A wrong password is one clear line and exit status 1.
echo "wrong-password" >"$HARNESS_DIR/wrongpw"
cat >"$XDG_CONFIG_HOME/tern/config" <<CONF
[account test]
imap = imaps://localhost:$HARNESS_IMAPS_PORT
user = $HARNESS_USER
password_cmd = cat $HARNESS_DIR/wrongpw
tls_ca_file = $HARNESS_CA
CONF
status=0
"$TERN" sync test 2>"$HARNESS_DIR/sync4.err" || status=$?
assert_eq 1 "$status" "exit status with a wrong password"
assert_contains "$(cat "$HARNESS_DIR/sync4.err")" "login refused" \
    "wrong password message"
echo "ok"
