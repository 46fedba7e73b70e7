#!/bin/bash
# Offline work is never lost and never done twice: with dovecot stopped,
# tern flags 5 messages, moves 3 and deletes (expunges) 2; once dovecot is
# back, the replay makes the server match. Then a longer queue is replayed
# by `tern sync` runs killed with SIGKILL at random moments, and a last
# clean run leaves the server exactly as the user left the cache: no
# change lost, no copy made twice.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 30
harness_config imaps >/dev/null
db=$XDG_CACHE_HOME/tern/test.db
"$TERN" sync test 2>/dev/null

subject()
{
	printf 'Message %05d of 30' "$1"
}

# server_has FOLDER SUBJECT: how many messages of FOLDER carry SUBJECT.
server_has()
{
	harness_doveadm search -u "$HARNESS_USER" mailbox "$1" \
	    header subject "$2" | wc -l
}

# --- Part 1: a few changes made while the server is down.
harness_pause
tui_start 120 40 "$TERN" test
tui_wait_for "$(subject 30)" 20
# Flag the five newest (UIDs 30 to 26).
tui_keys F j F j F j F j F j
# Move the next three (UIDs 25 to 23) to Archive.
for i in 1 2 3; do
	tui_keys s
	tui_wait_for "Move" 5
	tui_keys -l Archive
	tui_keys Enter
	# The move waits for $ (mutt's save); the selection goes on.
	tui_wait_for "1 message to move to" 5
	tui_wait_for "[$((6 + i))/30 msgs" 5
done
# Delete the next two (UIDs 22 and 21) and expunge.
tui_keys d d '$'
tui_wait_for "Expunge 2" 5
tui_keys y
tui_wait_gone "$(subject 21)" 5
tui_quit
tui_wait_exit 10 >/dev/null
tui_stop
# What the user left: the server must end up the same.
cache_state "$db" INBOX >"$HARNESS_DIR/expected-inbox.txt"
for uid in 30 29 28 27 26; do
	# Seeded \Flagged on multiples of 10: F toggled each one.
	want=4
	[ $((uid % 10)) -ne 0 ] || want=0
	assert_eq "$want" "$(($(grep "^$uid " "$HARNESS_DIR/expected-inbox.txt" |
	    cut -d' ' -f2) & 4))" "UID $uid flag toggled in the cache"
done

harness_resume
"$TERN" sync test 2>"$HARNESS_DIR/err" ||
	fail "replay failed: $(cat "$HARNESS_DIR/err")"
harness_server_state INBOX >"$HARNESS_DIR/server-inbox.txt"
diff -u "$HARNESS_DIR/expected-inbox.txt" "$HARNESS_DIR/server-inbox.txt" >&2 ||
	fail "the server's INBOX differs from what the user left offline"
for uid in 25 24 23; do
	assert_eq 0 "$(server_has INBOX "$(subject "$uid")")" \
	    "UID $uid left INBOX"
	assert_eq 1 "$(server_has Archive "$(subject "$uid")")" \
	    "UID $uid is in Archive once"
done
for uid in 22 21; do
	assert_eq 0 "$(server_has INBOX "$(subject "$uid")")" \
	    "UID $uid expunged"
done
assert_cache_matches "$db" INBOX "INBOX after the replay"
assert_cache_matches "$db" Archive "Archive after the replay"

# --- Part 2: a longer queue, replayed by runs killed at random.
harness_pause
tui_start 120 40 "$TERN" test
tui_wait_for "$(subject 30)" 20
# Toggle \Flagged and \Seen on every message, one change each.
tui_keys T
tui_wait_for "Tag" 5
tui_keys -l all
tui_keys Enter
tui_keys '\;'
tui_keys F
tui_keys T
tui_wait_for "Tag" 5
tui_keys -l all
tui_keys Enter
tui_keys '\;'
tui_keys N
# Copy the two newest to Sent, move the third to Archive.
tui_keys Home C
tui_wait_for "Copy" 5
tui_keys -l Sent
tui_keys Enter j C
tui_wait_for "Copy" 5
tui_keys -l Sent
tui_keys Enter j s
tui_wait_for "Move" 5
tui_keys -l Archive
tui_keys Enter
sleep 1
tui_keys q
tui_quit
tui_wait_exit 10 >/dev/null
tui_stop
waiting=$(sqlite3 "$db" "SELECT count(*) FROM pending")
[ "$waiting" -ge 40 ] || fail "only $waiting changes queued"
cache_state "$db" INBOX >"$HARNESS_DIR/expected-inbox.txt"

harness_resume
for i in 1 2 3 4 5 6 7 8; do
	"$TERN" sync test 2>/dev/null &
	pid=$!
	sleep "0.$((RANDOM % 25))"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
"$TERN" sync test 2>"$HARNESS_DIR/err" ||
	fail "the clean replay failed: $(cat "$HARNESS_DIR/err")"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM pending")" \
    "nothing left to replay"
harness_server_state INBOX >"$HARNESS_DIR/server-inbox.txt"
diff -u "$HARNESS_DIR/expected-inbox.txt" "$HARNESS_DIR/server-inbox.txt" >&2 ||
	fail "the server's INBOX differs from what the user left"
# The newest two (UIDs 30, 29) were copied, the third (28) moved.
for uid in 30 29; do
	assert_eq 1 "$(server_has Sent "$(subject "$uid")")" \
	    "UID $uid copied to Sent exactly once"
	assert_eq 1 "$(server_has INBOX "$(subject "$uid")")" \
	    "UID $uid still in INBOX"
done
assert_eq 1 "$(server_has Archive "$(subject 28)")" \
    "UID 28 moved to Archive exactly once"
assert_eq 0 "$(server_has INBOX "$(subject 28)")" "UID 28 left INBOX"
assert_cache_matches "$db" INBOX "INBOX at the end"
assert_cache_matches "$db" Sent "Sent at the end"
echo "ok"
