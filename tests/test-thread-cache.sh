#!/bin/bash
# The threads of a large folder are kept in the cache when the reader
# leaves it and read back at the next start, so that a warm start does not
# thread the folder again; they are used only while the folder is as it
# was threaded. In tmux, offline, on a cache of 2,500 messages filled by
# bench/ui-seed (threads with References, some parents missing):
#   - the first start threads them and keeps them on quitting;
#   - the second reads them and draws the very same index;
#   - a message changed behind tern's back (a new date and subject, as a
#     sync would write them) is not hidden by the kept threads: the index
#     shows it where a build puts it, and what is kept is the new build;
#   - kept bytes that do not read (cut short) are ignored and rebuilt;
#   - collapsing (Esc-V) works on kept threads as on built ones;
#   - a folder of 6,000 is threaded in the background: keys work while it
#     runs, and the threads it shows are those kept and read back next.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "no sqlite3 command"
[ -x "$TERN" ] || skip "no tern binary at $TERN"
build=$(cd "$(dirname "$TERN")" && pwd)
[ -f "$build/Makefile" ] || skip "$TERN is not in a build directory"
make -s -C "$build" bench/ui-seed >/dev/null ||
    fail "cannot build bench/ui-seed"

dir=$(mktemp -d "${TMPDIR:-/tmp}/tern-thread-cache.XXXXXX")
at_exit "rm -rf '$dir'"
export HOME=$dir XDG_CONFIG_HOME=$dir/config XDG_CACHE_HOME=$dir/cache
mkdir -p "$dir/config/tern" "$dir/cache/tern"
chmod 700 "$dir/config/tern" "$dir/cache/tern"
printf '%s\n' '[ui]' 'sort = threads' '[account bench]' \
    'imap = imaps://127.0.0.1:1' 'user = bench' 'password_cmd = echo none' \
    >"$dir/config/tern/config"
chmod 600 "$dir/config/tern/config"
db=$dir/cache/tern/bench.db
log=$dir/tern.log
"$build/bench/ui-seed" "$db" 2500 >/dev/null || fail "ui-seed failed"

# run: start the reader, wait for the index; the index lines (the screen
# without its status line) go to $dir/screen.N.
n=0
run()
{
	n=$((n + 1))
	: >"$log"
	tui_start 120 40 "$TERN" --log "$log" --offline bench
	tui_wait_for "Topic" 20
	# The status line last: it says how many messages.
	tui_wait_for "2500" 10
	tui_screen | head -n 38 >"$dir/screen.$n"
}

# quit: leave as a user does (q, y), so that the threads are kept.
quit()
{
	tui_quit
	st=$(tui_wait_exit 20)
	assert_eq 0 "$st" "tern's exit status"
}

kept_gen()
{
	sqlite3 "$db" "SELECT c.gen = f.thread_gen FROM thread_cache c
	    JOIN folder f ON f.id = c.folder_id WHERE f.name = 'INBOX'"
}

# --- The first start threads the folder and keeps the threads.
run
assert_not_contains "$(cat "$log")" "read as kept" "first start's log"
quit
assert_contains "$(cat "$log")" "the threads of 2500 messages kept" \
    "first quit's log"
assert_eq 1 "$(kept_gen)" "kept threads at the folder's generation"

# --- The second reads them and draws the same.
run
assert_contains "$(cat "$log")" "the threads of 2500 messages read as kept" \
    "second start's log"
cmp -s "$dir/screen.1" "$dir/screen.2" || {
	diff "$dir/screen.1" "$dir/screen.2" >&2 || true
	fail "the index from kept threads differs from the built one"
}
# Collapse every thread, then expand again: the same screen.
tui_keys Escape V
tui_wait_gone "$(sed -n 3p "$dir/screen.2" | cut -c30-70)" 10
tui_keys Escape V
sleep 0.5
tui_screen | head -n 38 >"$dir/screen.unfold"
cmp -s "$dir/screen.2" "$dir/screen.unfold" ||
    fail "collapsing and expanding kept threads changed the index"
quit
# Nothing changed: nothing kept anew (they were read, not built).
assert_not_contains "$(cat "$log")" "messages kept" "second quit's log"

# --- A message changed behind tern's back: newest, with its own subject.
sqlite3 "$db" "UPDATE message SET date = (SELECT max(date) + 3600 FROM
    message), subject = 'Changed behind its back', message_id = NULL,
    refs = NULL, in_reply_to = NULL WHERE id = (SELECT min(id) FROM message)"
assert_eq 0 "$(kept_gen)" "the generation after the change"
run
assert_not_contains "$(cat "$log")" "read as kept" "start after a change"
# Newest thread first: the changed message is the index's first row.
first=$(grep -m1 -n 'Changed behind its back' "$dir/screen.$n" | cut -d: -f1)
[ -n "$first" ] || fail "the changed message is not on the screen"
top=$(sed -n 2p "$dir/screen.$n")
assert_contains "$top" "Changed behind its back" "the index's first row"
quit
assert_contains "$(cat "$log")" "the threads of 2500 messages kept" \
    "quit after a change"
assert_eq 1 "$(kept_gen)" "kept threads at the new generation"
cp "$dir/screen.$n" "$dir/screen.changed"

# --- Kept bytes that do not read are ignored, the folder threaded anew.
sqlite3 "$db" "UPDATE thread_cache SET data = substr(data, 1, 100)"
assert_eq 1 "$(kept_gen)" "the generation of the cut bytes"
run
assert_not_contains "$(cat "$log")" "read as kept" "start on cut bytes"
cmp -s "$dir/screen.changed" "$dir/screen.$n" ||
    fail "the index after cut kept bytes differs from a build"
quit
assert_contains "$(cat "$log")" "the threads of 2500 messages kept" \
    "quit after cut bytes"
sqlite3 "$db" "PRAGMA integrity_check" | grep -qx ok ||
    fail "the cache fails integrity_check"

# --- A folder large enough to be threaded in the background (5,000 and
# more): the index answers keys meanwhile, and shows the threads once they
# are built, as a kept build of them does.
rm -f "$db" "$db"-* "$db".*
"$build/bench/ui-seed" "$db" 6000 >/dev/null || fail "ui-seed failed"
: >"$log"
tui_start 120 40 "$TERN" --log "$log" --offline bench
tui_wait_for "Topic" 20
# Keys go through while it threads: End then Home, and back.
tui_keys End
tui_keys Home
# The threads come: tree lines on the screen, nothing said of threading.
tui_wait_for "─>" 30
tui_wait_gone "threading" 30
tui_screen | head -n 38 >"$dir/screen.async"
assert_not_contains "$(cat "$log")" "read as kept" "async start's log"
assert_contains "$(cat "$log")" "6000 messages built in the background" \
    "async start's log"
quit
assert_contains "$(cat "$log")" "the threads of 6000 messages kept" \
    "the quit after a background build"
run6000()
{
	: >"$log"
	tui_start 120 40 "$TERN" --log "$log" --offline bench
	tui_wait_for "─>" 20
	tui_screen | head -n 38 >"$dir/screen.kept6000"
}
run6000
assert_contains "$(cat "$log")" "the threads of 6000 messages read as kept" \
    "the start after a background build"
cmp -s "$dir/screen.async" "$dir/screen.kept6000" || {
	diff "$dir/screen.async" "$dir/screen.kept6000" >&2 || true
	fail "the threads built in the background differ from the kept ones"
}
# Another order and back: from (built in the background too), threads.
tui_keys o
tui_wait_for "Sort by" 5
tui_keys f
tui_wait_for "sorted by" 10
tui_wait_gone "sorting" 30
tui_keys o
tui_wait_for "Sort by" 5
tui_keys t
tui_wait_for "─>" 30
tui_wait_gone "threading" 30
quit
exit 0
