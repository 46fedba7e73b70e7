#!/bin/bash
# mutt's keys in tmux, at 80x24 and at 160x45 (where the layout has three
# panes: it must not change what q, Tab, Space or j mean): a key bound to
# nothing says so and Esc-d deletes nothing; Space opens; in the pager j
# and k step through the messages, d marks deleted, says so and goes on,
# Space at the end opens the next one, q goes back to the index; Tab goes
# to the next unread; = and * first and last; a digit jumps; l ~N limits
# to the unread (a mutt pattern); : binds a key in the attachment list and
# ? lists every mode's keys; | pipes the whole message, headers included;
# x and q ask before leaving.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 12
harness_config imaps >/dev/null
piped=$HARNESS_DIR/piped.txt

mutt_at()
{
	local cols=$1 rows=$2 i

	rm -rf "$XDG_CACHE_HOME/tern" "$piped"
	harness_doveadm flags remove -u "$HARNESS_USER" '\Seen \Deleted' \
	    mailbox INBOX all
	tui_start "$cols" "$rows" "$TERN"
	tui_wait_for "Message 00012 of 12" 30
	tui_wait_for "online" 30

	# Unbound keys say so; Esc-d is not d.
	tui_keys %
	tui_wait_for "%: key is not bound; ? for help"
	tui_keys M-d
	tui_wait_for "Esc-d: key is not bound; ? for help"
	assert_not_contains "$(tui_screen | grep -F "Message 00012 of 12" |
	    cut -c1-30)" "D " "$cols: Esc-d deleted nothing"

	# Space opens; j, k step; d marks, says so, goes on.
	tui_keys Home Space
	tui_wait_for "Body of message 12."
	tui_keys j
	tui_wait_for "Body of message 11."
	tui_keys k
	tui_wait_for "Body of message 12."
	tui_keys d
	tui_wait_for "1 message marked deleted"
	tui_wait_for "Body of message 11."
	# A short message is all on the screen: Space goes on.
	tui_keys Space
	tui_wait_for "Body of message 10."
	assert_contains "$(tui_screen | head -n 1)" "q:Back" "$cols: pager hint"
	# q goes back to the index, in either layout.
	tui_keys q
	tui_wait_for "q:Quit"
	assert_not_contains "$(tui_screen | tail -n 1)" "focus: pager" \
	    "$cols: the index has the focus"

	# Tab: 12, 11 and 10 are read, 9 is the next unread (row 4).
	tui_keys Home Tab
	tui_wait_for "[4/12 msgs"
	tui_keys '*'
	tui_wait_for "[12/12 msgs"
	tui_keys =
	tui_wait_for "[1/12 msgs"
	tui_keys 5
	tui_wait_for "Jump to message: 5"
	tui_keys Enter
	tui_wait_for "[5/12 msgs"

	# l with a mutt pattern: the nine unread.
	tui_keys l
	tui_keys -l "~N"
	tui_keys Enter
	tui_wait_for "/9 msgs"
	tui_keys l
	tui_keys -l "all"
	tui_keys Enter
	tui_wait_for "/12 msgs"

	# : binds a key in a mode; ? lists every mode, that one too.
	tui_keys :
	tui_keys -l "bind attach S save-attachment"
	tui_keys Enter
	tui_wait_for "bound"
	tui_keys '?'
	tui_wait_for "keys, as bound now"
	for ((i = 0; i < 20; i++)); do
		case $(tui_screen) in
		*"Attachment list (attach)"*) break ;;
		esac
		tui_keys C-d
		sleep 0.1
	done
	assert_contains "$(tui_screen)" "Attachment list (attach)" \
	    "$cols: help lists the attachment list"
	for ((i = 0; i < 20; i++)); do
		case $(tui_screen) in
		*save-attachment*) break ;;
		esac
		tui_keys j
		sleep 0.05
	done
	assert_contains "$(tui_screen | grep -F save-attachment)" "S s" \
	    "$cols: the key bound at :"
	tui_keys q
	tui_wait_gone "keys, as bound now"

	# | pipes the whole message, its header fields included.
	tui_keys Home '|'
	tui_wait_for "Pipe to command:"
	tui_keys -l "cat >'$piped'"
	tui_keys Enter
	tui_wait_for "Press Enter to return to tern."
	tui_keys Enter
	tui_wait_for "q:Quit"
	assert_contains "$(cat "$piped")" "Subject: Message 00012 of 12" \
	    "$cols: piped with its header"
	assert_contains "$(cat "$piped")" "Body of message 12." \
	    "$cols: piped with its body"

	# x asks, n stays; q asks, y quits (and the expunge question follows).
	tui_keys x
	tui_wait_for "Exit tern without expunging? ([yes]/no)"
	tui_keys n
	tui_wait_gone "Exit tern"
	tui_quit
	tui_wait_for "Expunge 1 deleted message? (y/n)"
	tui_keys n
	assert_eq 0 "$(tui_wait_exit 10)" "$cols: exit status"
	tui_stop
}

mutt_at 80 24
mutt_at 160 45
echo "ok"
