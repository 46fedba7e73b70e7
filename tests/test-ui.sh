#!/bin/bash
# The full-screen reader in tmux against the harness dovecot (IMAPS, 200
# messages): at 80x24 and at 200x50 the newest message heads the index,
# Enter shows its body, `c` (with Tab completion) switches folder and q
# quits with status 0; a tiny terminal and resizes do not crash it; and a
# subject or body carrying terminal escapes (ESC[2J, an OSC title) is shown
# inert, as caret notation, never sent to the terminal.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 200
harness_config imaps >/dev/null

newest="Message 00200 of 200"

# Run tern at COLS x ROWS in tmux; its exit status goes to $status_file.
# (tmux may mark a pane dead before it has reaped the process, and then
# #{pane_dead_status} stays empty: the shell records the status instead.)
status_file=$HARNESS_DIR/tui-status
start_tern()
{
	rm -f "$status_file"
	tui_start "$1" "$2" \
	    sh -c '"$1"; echo "$?" >"$2.tmp"; mv "$2.tmp" "$2"' \
	    sh "$TERN" "$status_file"
}

# Wait for tern to exit and print its exit status.
exit_status()
{
	tui_wait_exit 10 >/dev/null
	wait_until 5 test -s "$status_file" ||
	    fail "tern exited without a status"
	cat "$status_file"
}

# Line LINE (1-based) of the screen.
screen_line()
{
	tui_screen | sed -n "${1}p"
}

# The reader at COLS x ROWS: first row, body, folder change, quit.
reader_at()
{
	local cols=$1 rows=$2 status

	start_tern "$cols" "$rows"
	tui_wait_for "$newest" 30
	# Line 1 holds the key hints; the index starts on line 2.
	assert_contains "$(screen_line 1)" "q:Quit" "${cols}x${rows}: key hints"
	assert_contains "$(screen_line 2)" "$newest" \
	    "${cols}x${rows}: first index row"
	tui_wait_for "online" 30

	tui_keys Enter
	tui_wait_for "Body of message 200." 20
	assert_contains "$(tui_screen)" "Subject: $newest" \
	    "${cols}x${rows}: pager headers"
	if [ "$cols" -lt 120 ]; then
		# The pager had the whole screen; q goes back to the index.
		assert_not_contains "$(tui_screen)" "Message 00199 of 200" \
		    "${cols}x${rows}: full-screen pager"
		tui_keys q
		tui_wait_for "Message 00199 of 200"
	else
		# Three panes: folders, index and pager side by side.
		assert_contains "$(tui_screen)" "Message 00199 of 200" \
		    "${cols}x${rows}: index above the pager"
		assert_contains "$(tui_screen)" "Archive" \
		    "${cols}x${rows}: folder pane"
		assert_contains "$(screen_line 2)" "INBOX" \
		    "${cols}x${rows}: folder pane, first row"
		assert_contains "$(screen_line 2)" "│" \
		    "${cols}x${rows}: folder pane border"
	fi

	# Change folder, completing the name with Tab.
	tui_keys c
	tui_wait_for "Open folder:"
	tui_keys -l Arc
	tui_keys Tab
	tui_wait_for "Open folder: Archive"
	tui_keys Enter
	tui_wait_for "Archived 1" 20
	tui_wait_gone "$newest"
	assert_contains "$(tui_screen)" "test:Archive" \
	    "${cols}x${rows}: status line names the folder"

	tui_quit
	status=$(exit_status)
	assert_eq 0 "$status" "${cols}x${rows}: exit status"
	tui_stop
}

reader_at 80 24
reader_at 200 50

# A tiny terminal shows what fits, and survives resizes.
start_tern 20 5
tui_wait_for "Message 00200" 30
if declare -F _tui_tmux >/dev/null; then
	for size in "12 3" "1 1" "200 50" "20 5" "80 24"; do
		set -- $size
		_tui_tmux resize-window -t tui -x "$1" -y "$2"
		sleep 0.3
	done
	tui_wait_for "$newest"
fi
tui_quit
assert_eq 0 "$(exit_status)" "small terminal: exit status"
tui_stop

# Hostile text: escapes in a subject and a body are drawn inert.
subject=$(printf 'Hostile \033[2J\033]0;tern-pwned-title\007 subject')
body=$(printf 'Body \033]0;tern-body-title\007 with \033[2J inside.')
harness_deliver "$subject" "$body" >/dev/null

start_tern 80 24
tui_wait_for "tern-pwned-title" 30
screen=$(tui_screen)
assert_contains "$screen" "Hostile ^[[2J^[]0;tern-pwned-title^G" \
    "escapes shown in caret notation"
# The screen was not cleared: the other rows are still there.
assert_contains "$screen" "$newest" "rows after the hostile subject"
assert_contains "$(screen_line 2)" "Hostile" "the hostile message is newest"
# It arrived while tern was painting, and the selection stays on the
# message it was on: go to the first row before opening.
tui_keys Home
tui_keys Enter
tui_wait_for "tern-body-title" 20
assert_contains "$(tui_screen)" "Body ^[]0;tern-body-title^G with ^[[2J" \
    "escapes in the body shown in caret notation"
tui_keys q
tui_wait_for "$newest"
tui_quit
assert_eq 0 "$(exit_status)" "hostile run: exit status"

raw=$(tui_raw_output)
case $raw in
*$'\033]0;'*) fail "an OSC 0 title sequence reached the terminal" ;;
esac
case $raw in
*$'tern-pwned-title\007'* | *$'tern-body-title\007'*)
	fail "a BEL-terminated title reached the terminal" ;;
esac
case $raw in
*$'\033[2J\033]'* | *$'\033[2J inside'*)
	fail "the injected ESC[2J reached the terminal" ;;
esac
assert_contains "$raw" "tern-pwned-title" "the raw output holds the subject"
tui_stop

# [ui] headers chooses the header fields the pager shows.
harness_config imaps "[ui]" "headers = From Subject Message-ID" >/dev/null
start_tern 100 30
tui_wait_for "$newest" 30
tui_keys Home Enter
tui_wait_for "Message-ID: <" 20
assert_not_contains "$(tui_screen)" "To: alice@example.org" \
    "headers = ... leaves To: out"
tui_keys q
tui_quit
assert_eq 0 "$(exit_status)" "headers run: exit status"
tui_stop

echo "ok"
