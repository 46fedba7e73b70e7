#!/bin/bash
# IMAP in depth against the harness dovecot: while tern idles on a folder,
# flags set by another client reach the cache within 5 s and new mail and
# expunges appear with no key press (IDLE); a folder deleted and recreated
# on the server (a UIDVALIDITY change) is refetched with no stale row; a
# mass deletion on the server keeps the local copies, marked, and says so.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 200
harness_config imaps >/dev/null
db=$XDG_CACHE_HOME/tern/test.db

flags_of()
{
	sqlite3 "$db" "SELECT m.flags FROM message m JOIN folder f
	    ON f.id = m.folder_id WHERE f.name = 'INBOX' AND m.uid = $1"
}

# has_flag UID BIT: the cached flags of UID have BIT set.
has_flag()
{
	local f
	f=$(flags_of "$1")
	[ -n "$f" ] && [ $((f & $2)) -ne 0 ]
}

lacks_flag()
{
	local f
	f=$(flags_of "$1")
	[ -n "$f" ] && [ $((f & $2)) -eq 0 ]
}

cached()
{
	[ -n "$(flags_of "$1")" ]
}

not_cached()
{
	[ -z "$(flags_of "$1")" ]
}

tui_start 120 40 "$TERN" test
tui_wait_for "Message 00200 of 200" 30
tui_wait_for "online" 20
wait_until 10 cached 1 || fail "the first sync did not finish"
# Let the worker settle into IDLE.
sleep 1

# Flags changed by another client arrive within 5 s, each kind.
harness_doveadm flags add -u "$HARNESS_USER" '\Flagged' mailbox INBOX uid 5
wait_until 5 has_flag 5 4 || fail "\\Flagged set elsewhere did not arrive"
harness_doveadm flags add -u "$HARNESS_USER" '\Seen' mailbox INBOX uid 7
wait_until 5 has_flag 7 1 || fail "\\Seen set elsewhere did not arrive"
harness_doveadm flags remove -u "$HARNESS_USER" '\Seen' mailbox INBOX uid 9
wait_until 5 lacks_flag 9 1 || fail "\\Seen cleared elsewhere did not arrive"
harness_doveadm flags add -u "$HARNESS_USER" '\Answered' mailbox INBOX uid 11
wait_until 5 has_flag 11 2 || fail "\\Answered set elsewhere did not arrive"
harness_doveadm flags add -u "$HARNESS_USER" '\Deleted' mailbox INBOX uid 13
wait_until 5 has_flag 13 8 || fail "\\Deleted set elsewhere did not arrive"
harness_doveadm flags add -u "$HARNESS_USER" '$Work' mailbox INBOX uid 15
kw()
{
	[ "$(sqlite3 "$db" "SELECT keywords FROM message WHERE uid = 15")" = '$Work' ]
}
wait_until 5 kw || fail "a keyword set elsewhere did not arrive"

# New mail during IDLE appears on screen with no key press.
harness_deliver "Pushed while idling" >/dev/null
tui_wait_for "Pushed while idling" 5
assert_contains "$(tui_screen)" "new message" "new mail announced"

# An expunge elsewhere leaves the cache.
harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX uid 21
wait_until 5 not_cached 21 || fail "an expunge elsewhere did not arrive"
assert_cache_matches "$db" INBOX "after the pushed changes"
# UID 13 is \Deleted: leaving asks whether to expunge it; keep it.
tui_quit
tui_wait_for "Expunge" 5
tui_keys n
tui_wait_exit 10 >/dev/null
tui_stop

# A folder deleted and recreated on the server: UIDVALIDITY changes, the
# cache is refetched and holds no stale row.
"$TERN" sync test:Archive 2>/dev/null
old_validity=$(sqlite3 "$db" "SELECT uidvalidity FROM folder WHERE name = 'Archive'")
harness_doveadm mailbox delete -u "$HARNESS_USER" Archive
# dovecot derives a new folder's UIDVALIDITY from the clock: recreated within
# the same second, the folder could keep its old one.
sleep 1.1
harness_doveadm mailbox create -u "$HARNESS_USER" Archive
harness_deliver -f Archive "Recreated archive" >/dev/null
"$TERN" sync test:Archive 2>"$HARNESS_DIR/err" ||
	fail "sync after recreation failed: $(cat "$HARNESS_DIR/err")"
new_validity=$(sqlite3 "$db" "SELECT uidvalidity FROM folder WHERE name = 'Archive'")
[ "$old_validity" != "$new_validity" ] || fail "UIDVALIDITY did not change"
assert_cache_matches "$db" Archive "after a UIDVALIDITY change"
assert_eq 1 "$(sqlite3 "$db" "SELECT count(*) FROM message m JOIN folder f
    ON f.id = m.folder_id WHERE f.name = 'Archive'")" "Archive rows"

# Mass deletion: 80 % of the INBOX expunged elsewhere at once.
"$TERN" sync test:INBOX 2>/dev/null
before=$(sqlite3 "$db" "SELECT count(*) FROM message m JOIN folder f
    ON f.id = m.folder_id WHERE f.name = 'INBOX'")
harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX uid 1:160
"$TERN" sync test:INBOX 2>"$HARNESS_DIR/err" ||
	fail "sync after the mass deletion failed: $(cat "$HARNESS_DIR/err")"
assert_contains "$(cat "$HARNESS_DIR/err")" "vanished" \
    "the mass deletion is reported"
assert_eq "$before" "$(sqlite3 "$db" "SELECT count(*) FROM message m
    JOIN folder f ON f.id = m.folder_id WHERE f.name = 'INBOX'")" \
    "local copies kept"
gone=$(sqlite3 "$db" "SELECT count(*) FROM message WHERE gone = 1")
[ "$gone" -ge 150 ] || fail "only $gone messages marked gone"
assert_cache_matches "$db" INBOX "the rest still matches"
# A later sync does not ask again, and keeps them.
"$TERN" sync test:INBOX 2>"$HARNESS_DIR/err"
assert_not_contains "$(cat "$HARNESS_DIR/err")" "vanished" "asked only once"
assert_eq "$gone" "$(sqlite3 "$db" "SELECT count(*) FROM message WHERE gone = 1")" \
    "gone copies kept"
# cache = bodies: the newest bodies arrive in the background, as many as
# prefetch says, with no message opened.
harness_config imaps "cache = bodies" "prefetch = 15" >/dev/null
harness_deliver "Prefetched body" "Text that was prefetched." >/dev/null
with_body()
{
	[ "$(sqlite3 "$db" "SELECT count(*) FROM message m JOIN folder f
	    ON f.id = m.folder_id WHERE f.name = 'INBOX' AND m.has_body = 1
	    AND m.gone = 0")" -ge "$1" ]
}
tui_start 120 40 "$TERN" test
tui_wait_for "Prefetched body" 30
wait_until 15 with_body 15 || fail "the newest bodies were not prefetched"
newest_has_body=$(sqlite3 "$db" "SELECT has_body FROM message
    WHERE subject = 'Prefetched body'")
assert_eq 1 "$newest_has_body" "the newest body is among them"
tui_quit
tui_wait_for "Expunge" 5
tui_keys n
tui_wait_exit 10 >/dev/null
echo "ok"
