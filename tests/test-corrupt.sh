#!/bin/bash
# A cache file that cannot be trusted is set aside and built again from the
# server, never used and never a crash: garbage over the whole file,
# garbage over pages in its middle, the file cut in half, and a schema
# version from the future (999). Each time tern sync says so in one notice,
# keeps the old file as test.db.corrupt-STAMP (test.db.newer-STAMP for the
# future one), and leaves a cache that passes integrity_check and matches
# the server; tern search --offline and the reader --offline on a damaged
# cache start afresh the same way.
#
# A clean close leaves test.db.clean (the file's stat), which spares the
# next open its check: every damage above comes after one, so the stamp
# must not hide it; nor may it when the damage puts the mtime back. A
# cache opened again after a clean close is not checked; after a reader
# killed with SIGKILL, it is.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 300
. "$TERN_SRCDIR/tests/hardening.sh"
harness_config imaps >/dev/null
HARD_DB=$XDG_CACHE_HOME/tern/test.db
HARD_NOTICE="is damaged\|newer tern"

# fill: a fresh, complete cache of INBOX, closed cleanly.
fill()
{
	rm -rf "$XDG_CACHE_HOME/tern"
	hard_run sync test:INBOX
	hard_check fill ok
	assert_cache_matches "$HARD_DB" INBOX "fill"
	[ -f "$HARD_DB.clean" ] || fail "fill: no stamp of a clean close"
}

# checked NAME YES: whether the last hard_run checked the cache (logged in
# $LOG) is YES (1) or not (0).
LOG=$HARNESS_DIR/tern.log
checked()
{
	assert_eq "$2" "$(grep -c 'test.db: checked in' "$LOG")" \
	    "$1: checked"
	assert_eq "$((1 - $2))" "$(grep -c 'test.db: closed cleanly' "$LOG")" \
	    "$1: trusted"
	rm -f "$LOG"
}

# set_aside NAME KIND: tern sync said so, the old file is kept as KIND,
# and the new cache is whole.
set_aside()
{
	local name=$1 kind=$2 kept
	hard_check "$name" ok
	assert_eq 1 "$(printf '%s\n' "$HARD_ERR" | grep -c "$HARD_NOTICE")" \
	    "$name: one notice ($HARD_ERR)"
	kept=$(find "$XDG_CACHE_HOME/tern" -name "test.db.$kind-*" | head -n 1)
	[ -n "$kept" ] || fail "$name: the old cache was not kept"
	assert_contains "$HARD_ERR" "$kept" "$name: the notice names it"
	assert_cache_matches "$HARD_DB" INBOX "$name"
}

# garble FILE OFFSET COUNT: COUNT KB of random bytes at OFFSET KB.
garble()
{
	dd if=/dev/urandom of="$1" bs=1024 seek="$2" count="$3" \
	    conv=notrunc status=none
}

size_kb()
{
	echo $(($(stat -c %s "$1") / 1024))
}

hard_case_start
fill
garble "$HARD_DB" 0 "$(size_kb "$HARD_DB")"
hard_run sync test:INBOX
set_aside garbage corrupt
hard_case garbage

hard_case_start
fill
garble "$HARD_DB" $(($(size_kb "$HARD_DB") / 2)) 8
hard_run sync test:INBOX
set_aside garbage-inside corrupt
hard_case garbage-inside

hard_case_start
fill
truncate -s $(($(stat -c %s "$HARD_DB") / 2)) "$HARD_DB"
hard_run sync test:INBOX
set_aside truncated corrupt
hard_case truncated

hard_case_start
fill
stamp=$(stat -c %.9Y "$HARD_DB")
garble "$HARD_DB" $(($(size_kb "$HARD_DB") / 2)) 8
touch -m -d "@$stamp" "$HARD_DB"
assert_eq "$stamp" "$(stat -c %.9Y "$HARD_DB")" "mtime put back"
hard_run sync test:INBOX
set_aside mtime-put-back corrupt
hard_case mtime-put-back

hard_case_start
fill
rm -f "$LOG"
hard_run --log "$LOG" sync test:INBOX
hard_check "clean, again" ok
checked "clean, again" 0
hard_run --log "$LOG" search --offline test:INBOX all
hard_check "clean, search" ok
checked "clean, search" 0
tui_start 100 30 "$TERN" --offline
tui_wait_for "Message 00300" 10
[ ! -e "$HARD_DB.clean" ] || fail "killed: the stamp outlived the open"
kill -KILL "$(tui_pid)"
tui_stop
[ ! -e "$HARD_DB.clean" ] || fail "killed: a stamp after SIGKILL"
hard_run --log "$LOG" sync test:INBOX
hard_check killed ok
checked killed 1
assert_cache_matches "$HARD_DB" INBOX killed
hard_case clean-and-killed

hard_case_start
fill
sqlite3 "$HARD_DB" 'PRAGMA user_version = 999'
hard_run sync test:INBOX
set_aside future newer
assert_contains "$HARD_ERR" "schema 999" "future: the notice says why"
hard_case future

hard_case_start
fill
truncate -s $(($(stat -c %s "$HARD_DB") / 2)) "$HARD_DB"
hard_run search --offline test:INBOX all
# The new cache is empty until a sync fills it.
hard_check "offline search" 'no folder "INBOX" in the cache'
assert_contains "$HARD_ERR" "is damaged" "offline search: the notice"
assert_eq "" "$HARD_OUT" "offline search: nothing trusted"
fill
garble "$HARD_DB" 0 4
tui_start 100 30 "$TERN" --offline
tui_wait_for "0 msgs" 10
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "offline reader: exit status"
tui_stop
assert_eq ok "$(sqlite3 "$HARD_DB" 'PRAGMA integrity_check')" \
    "offline reader: the new cache"
hard_case offline
echo "ok"
