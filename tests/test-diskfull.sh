#!/bin/bash
# A full disk and a read-only cache, on a small tmpfs mounted over the
# cache folder (root only; skipped elsewhere):
#   imap-full: a sync that runs out of room says so in one line, the cache
#       passes integrity_check, and what is in it can still be read
#       (tern search --offline); once there is room, a sync completes it;
#   pop3-full: delete mode on a full disk: every message is in the cache
#       or still on the server (nothing is DELEd that was not stored), none
#       twice; once there is room, the rest comes and the server empties;
#   read-only: the cache's file system mounted read-only: the reader and
#       tern search --offline still read it; a sync says why it cannot
#       write, in one line.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
harness_start -n 1500
. "$TERN_SRCDIR/tests/hardening.sh"
cache=$XDG_CACHE_HOME/tern
HARD_DB=$cache/test.db
mounted=

# mount_cache SIZE [ro]: a fresh tmpfs of SIZE over the cache folder.
mount_cache()
{
	umount_cache
	mkdir -p "$cache"
	mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$cache" ||
	    skip "cannot mount a tmpfs here"
	mounted=1
}

umount_cache()
{
	if [ -n "$mounted" ]; then
		umount "$cache" 2>/dev/null || umount -l "$cache"
		mounted=
	fi
}
at_exit umount_cache

# grow_cache SIZE: room again, keeping what the cache holds.
grow_cache()
{
	mount -o "remount,size=$1" "$cache"
}

inbox_count()
{
	sqlite3 "$HARD_DB" "SELECT count(*) FROM message m JOIN folder f
	    ON f.id = m.folder_id WHERE f.name = 'INBOX'"
}

# --- imap-full -------------------------------------------------------------------
hard_case_start
harness_config imaps >/dev/null
mount_cache 400k
hard_run sync test:INBOX
hard_check imap-full "full"
n=$(inbox_count)
[ "$n" -gt 0 ] && [ "$n" -lt 1500 ] ||
    fail "imap-full: $n messages cached (some, not all, expected)"
hard_run search --offline test:INBOX all
hard_check "imap-full (search)" ok
assert_eq "$n" "$(printf '%s\n' "$HARD_OUT" | grep -c .)" \
    "imap-full: what is cached is read"
grow_cache 64m
hard_run sync test:INBOX
hard_check "imap-full (room again)" ok
assert_eq 1500 "$(inbox_count)" "imap-full: the sync completed"
hard_case imap-full

# --- read-only -------------------------------------------------------------------
hard_case_start
mount -o remount,ro "$cache"
hard_run search --offline test:INBOX all
hard_check "read-only (search)" ok
assert_contains "$HARD_OUT" "Message 01500 of 1500" "read-only: search"
hard_run sync test:INBOX
hard_check "read-only (sync)" "read-only"
tui_start 100 30 "$TERN" --offline
tui_wait_for "Message 01500 of 1500" 10
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "read-only: the reader's exit status"
tui_stop
hard_case read-only

# --- pop3-full ---------------------------------------------------------------------
hard_case_start
export FAKE_POP3_DIR=$HARNESS_DIR/box FAKE_POP3_USER=$HARNESS_USER
export FAKE_POP3_PASS=$HARNESS_PASS
rm -rf "$FAKE_POP3_DIR"
mkdir -p "$FAKE_POP3_DIR"
"$TERN_PYTHON" - "$FAKE_POP3_DIR" <<'EOF'
import sys
for i in range(1, 401):
    with open("%s/uidl-%03d" % (sys.argv[1], i), "w") as f:
        f.write("From: Full %d <full-%d@example.org>\n"
                "Subject: Full message %d\n"
                "Message-ID: <full-%d@example.org>\n\n" % (i, i, i, i))
        f.write(("Line of message %d, to fill the disk.\n" % i) * 60)
EOF
server_ids()
{
	cat "$FAKE_POP3_DIR"/* 2>/dev/null | sed -n 's/^Message-ID: //p' | sort
}
cached_ids()
{
	sqlite3 "$HARD_DB" "SELECT message_id FROM message" | sort
}
all=$(server_ids)
mount_cache 600k
fake_start pop3-userpass
hard_config pop3 "pop3://127.0.0.1:$FAKE_PORT" "tls = off" \
    "pop3_delete = yes"
HARD_DB=$cache/t.db
hard_run sync t
fake_stop
hard_check pop3-full "full"
assert_eq "$all" "$( (cached_ids; server_ids) | sort -u)" \
    "pop3-full: lost messages"
assert_eq "" "$(cached_ids | uniq -d)" "pop3-full: stored twice"
[ -n "$(server_ids)" ] || fail "pop3-full: everything was deleted"
grow_cache 64m
fake_start pop3-userpass
hard_config pop3 "pop3://127.0.0.1:$FAKE_PORT" "tls = off" \
    "pop3_delete = yes"
hard_run sync t
fake_stop
hard_check "pop3-full (room again)" ok
assert_eq "$all" "$(cached_ids)" "pop3-full: every message once"
assert_eq "" "$(server_ids)" "pop3-full: the server emptied"
hard_case pop3-full
umount_cache
echo "ok"
