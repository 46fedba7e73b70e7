#!/bin/bash
# Message and folder operations in the reader (tmux, 100x30, the harness
# dovecot over IMAPS), each checked on the server with doveadm: d then $
# (answered y) expunges; u undeletes before $; s moves to Archive (Tab
# completes the name); C copies; F flags; t, t, ; d deletes two tagged
# messages; T tags by query and ; F flags those; leaving a folder with
# deleted messages asks to expunge; new mail is announced (with a bell
# only under `bell = yes`); with `delete = trash` d moves to the Trash and
# flags inside it; the folder pane creates (a child shown indented under
# its parent), unsubscribes, subscribes, renames and deletes folders; what
# is done in `tern --offline` (flag, move) waits in the queue, shown in
# the status line, and reaches the server on the next online start; a mass
# deletion on the server is asked about and the kept copies are marked.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

N=120
harness_start -n $N
harness_config imaps >/dev/null

subj()
{
	printf 'Message %05d of %d' "$1" "$N"
}

# The server's flags of UID in FOLDER (default INBOX); empty if none.
srv_flags()
{
	harness_doveadm fetch -u "$HARNESS_USER" flags mailbox "${2:-INBOX}" \
	    uid "$1" | sed -n 's/^flags: *//p'
}

# srv_flag UID FLAG [FOLDER]: the message carries FLAG on the server.
srv_flag()
{
	case " $(srv_flags "$1" "${3:-INBOX}") " in
	*" $2 "*) return 0 ;;
	esac
	return 1
}

srv_uid()
{
	[ -n "$(harness_doveadm search -u "$HARNESS_USER" \
	    mailbox "${2:-INBOX}" uid "$1")" ]
}

# srv_no_flag UID FLAG [FOLDER]: the message is there, without FLAG.
srv_no_flag()
{
	srv_uid "$1" "${3:-INBOX}" && ! srv_flag "$@"
}

srv_no_uid()
{
	! srv_uid "$@"
}

# srv_subject FOLDER SUBJECT: a message of FOLDER has SUBJECT.
srv_subject()
{
	[ -n "$(harness_doveadm search -u "$HARNESS_USER" mailbox "$1" \
	    header subject "$2")" ]
}

srv_folder()
{
	harness_doveadm mailbox list -u "$HARNESS_USER" | grep -qxF "$1"
}

srv_no_folder()
{
	! srv_folder "$1"
}

srv_subscribed()
{
	harness_doveadm mailbox list -s -u "$HARNESS_USER" | grep -qxF "$1"
}

srv_unsubscribed()
{
	srv_folder "$1" && ! srv_subscribed "$1"
}

# server WHAT CMD...: wait up to 15 s for CMD to hold, or fail with WHAT.
server()
{
	local what=$1
	shift
	wait_until 15 "$@" || fail "on the server: $what"
}

# The flags column of the index row showing TEXT.
row_flags()
{
	tui_screen | grep -F "$1" | head -n 1 | cut -c1-5
}

# row_flag TEXT CHAR: the row showing TEXT has CHAR in its flags.
row_flag()
{
	case $(row_flags "$1") in
	*"$2"*) return 0 ;;
	esac
	return 1
}

row_no_flag()
{
	! row_flag "$@"
}

screen_has()
{
	case $(tui_screen) in
	*"$1"*) return 0 ;;
	esac
	return 1
}

# The folder pane (the 24 columns at the left).
folder_pane()
{
	tui_screen | cut -c1-24
}

folders_show()
{
	case $(folder_pane) in
	*"$1"*) return 0 ;;
	esac
	return 1
}

folders_lack()
{
	! folders_show "$1"
}

# on_screen WHAT CMD...: wait up to 10 s for CMD, or fail showing the screen.
on_screen()
{
	local what=$1
	shift
	if ! wait_until 10 "$@"; then
		tui_screen >&2
		fail "on the screen: $what"
	fi
}

# Run tern in tmux at 100x30 with ARGS; its exit status goes to
# $status_file, its stderr (sanitizer reports) to $err_file.
status_file=$HARNESS_DIR/tui-status
err_file=$status_file.err
: >"$err_file"
at_exit '[ "$LIB_EXIT_STATUS" = 0 ] || cat "$err_file" >&2'
start_tern()
{
	rm -f "$status_file"
	tui_start 100 30 \
	    sh -c '"$@" 2>>"$0.err"; echo "$?" >"$0.tmp"; mv "$0.tmp" "$0"' \
	    "$status_file" "$TERN" "$@"
}

quit_tern()
{
	tui_quit
	tui_wait_exit 10 >/dev/null
	wait_until 5 test -s "$status_file" ||
	    fail "tern exited without a status"
	assert_eq 0 "$(cat "$status_file")" "exit status"
	tui_stop
}

start_tern
tui_wait_for "$(subj $N)" 30
tui_wait_for "online" 30

# d marks the first message deleted; $ asks, y expunges it on the server.
tui_keys d
on_screen "D on the deleted row" row_flag "$(subj 120)" D
server "\\Deleted on uid 120" srv_flag 120 '\Deleted'
tui_keys '$'
tui_wait_for "Expunge 1 deleted message? (y/n)"
tui_keys y
tui_wait_for "1 message expunged"
tui_wait_gone "$(subj 120)"
server "uid 120 expunged" srv_no_uid 120

# d moved the selection down (to 119); d, back up, u: nothing to expunge.
tui_keys d
on_screen "D on 119" row_flag "$(subj 119)" D
server "\\Deleted on uid 119" srv_flag 119 '\Deleted'
tui_keys k u
on_screen "no D on 119" row_no_flag "$(subj 119)" D
server "\\Deleted off uid 119" srv_no_flag 119 '\Deleted'
tui_keys '$'
sleep 1
assert_not_contains "$(tui_screen)" "Expunge" "\$ with nothing deleted"
srv_uid 119 || fail "uid 119 was expunged after u"

# s moves the first message to Archive, the name completed with Tab.
tui_keys Home s
tui_wait_for "Move to folder:"
tui_keys -l Arc
tui_keys Tab
tui_wait_for "Move to folder: Archive"
tui_keys Enter
# The move waits (mutt's save): 119 shows deleted until $.
tui_wait_for "1 message to move to \"Archive\""
on_screen "D on 119 until \$" row_flag "$(subj 119)" D
tui_keys '$'
tui_wait_for "1 message moved"
tui_wait_gone "$(subj 119)"
server "uid 119 gone from INBOX" srv_no_uid 119
server "119 in Archive" srv_subject Archive "$(subj 119)"

# C copies 118 to Junk; it stays in INBOX.
tui_keys Home C
tui_wait_for "Copy to folder:"
tui_keys -l Junk
tui_keys Enter
tui_wait_for "1 message copied to \"Junk\""
server "118 copied to Junk" srv_subject Junk "$(subj 118)"
srv_uid 118 || fail "the copy took 118 out of INBOX"

# F flags 118 (still selected).
tui_keys F
on_screen "F on 118" row_flag "$(subj 118)" F
server "\\Flagged on 118" srv_flag 118 '\Flagged'

# t, t tags 118 and 117; ; d deletes both; $ y expunges them.
tui_keys Home t t
on_screen "118 tagged" row_flag "$(subj 118)" '*'
on_screen "117 tagged" row_flag "$(subj 117)" '*'
tui_wait_for "2 tagged"
row_no_flag "$(subj 116)" '*' || fail "116 tagged"
tui_keys '\;'
tui_wait_for "2 tagged messages: press an operation key"
tui_keys d
tui_wait_for "2 messages marked deleted"
server "\\Deleted on 118" srv_flag 118 '\Deleted'
server "\\Deleted on 117" srv_flag 117 '\Deleted'
srv_no_flag 116 '\Deleted' || fail "116 deleted with the tagged"
tui_keys '$'
tui_wait_for "Expunge 2 deleted messages? (y/n)"
tui_keys y
tui_wait_for "2 messages expunged"
server "117 and 118 expunged" eval 'srv_no_uid 117 && srv_no_uid 118'

# T tags by query; ; F flags the two tagged; ; t untags everything.
tui_keys T
tui_wait_for "Tag messages matching:"
tui_keys -l 'subject:00105 OR subject:"Message 00104"'
tui_keys Enter
tui_wait_for "2 messages match, 2 newly tagged"
on_screen "105 tagged" row_flag "$(subj 105)" '*'
on_screen "104 tagged" row_flag "$(subj 104)" '*'
row_no_flag "$(subj 106)" '*' || fail "106 tagged by the query"
tui_keys '\;' F
tui_wait_for "flag toggled on 2 messages"
server "\\Flagged on 105" srv_flag 105 '\Flagged'
server "\\Flagged on 104" srv_flag 104 '\Flagged'
tui_keys '\;' t
tui_wait_for "no message is tagged now"
on_screen "105 untagged" row_no_flag "$(subj 105)" '*'

# Leaving a folder with a deleted message asks first.
tui_keys Home d
server "\\Deleted on 116" srv_flag 116 '\Deleted'
tui_keys c
tui_wait_for "Open folder:"
tui_keys -l Archive
tui_keys Enter
tui_wait_for "Expunge 1 deleted message? (y/n)"
tui_keys y
tui_wait_for "Archived 1" 20
server "116 expunged on leaving" srv_no_uid 116
tui_keys c
tui_keys -l INBOX
tui_keys Enter
tui_wait_for "$(subj 115)" 20

# New mail is announced in the status line; no bell by default.
harness_deliver "Fresh delivery" "Hello." >/dev/null
tui_wait_for "Fresh delivery" 30
tui_wait_for "1 new message in INBOX" 10
case $(tui_raw_output) in
*$'\a'*) fail "a bell without bell = yes" ;;
esac

# The folder pane: create, a child indented, unsubscribe, subscribe,
# rename, delete. b shows it, ` moves the focus there (h is mutt's
# display-toggle-weed now); unsubscribing asks, as deleting does.
tui_keys B '`'
tui_wait_for "focus: folder pane"
tui_keys C
tui_wait_for "Create folder:"
tui_keys -l Projects
tui_keys Enter
server "Projects created" srv_folder Projects
on_screen "Projects in the pane" folders_show " Projects"
tui_keys C
tui_keys -l Projects/2025
tui_keys Enter
server "Projects/2025 created" srv_folder Projects/2025
on_screen "2025 in the pane" folders_show "   2025"
# The child comes right below its parent, indented.
tree=$(folder_pane | grep -A1 -F " Projects" | head -n 2)
assert_contains "$tree" "
   2025" "the child under its parent"
tui_keys G d
tui_wait_for "Delete folder \"Projects/2025\" and its 0 messages? (y/n)"
tui_keys y
server "Projects/2025 deleted" srv_no_folder Projects/2025
on_screen "2025 gone from the pane" folders_lack "   2025"
tui_keys G u
tui_wait_for "Unsubscribe from \"Projects\"? (y/n)"
tui_keys y
server "Projects unsubscribed" srv_unsubscribed Projects
tui_keys s
server "Projects subscribed" srv_subscribed Projects
tui_keys r
tui_wait_for "Rename \"Projects\" to: Projects"
tui_keys C-u
tui_keys -l Plans
tui_keys Enter
server "Projects renamed" eval 'srv_folder Plans && srv_no_folder Projects'
on_screen "Plans in the pane" folders_show " Plans"
tui_keys G d
tui_wait_for "Delete folder \"Plans\" and its 0 messages? (y/n)"
tui_keys y
server "Plans deleted" srv_no_folder Plans
on_screen "Plans gone from the pane" folders_lack " Plans"
# The Inbox is not for deleting.
tui_keys Home d
tui_wait_for "\"INBOX\" cannot be renamed or deleted"
# q in the folder pane goes back to the index (mutt's browser exit).
tui_keys q
tui_wait_gone "focus: folder pane"
quit_tern

# delete = trash: d moves to the Trash; inside the Trash d flags. And
# bell = yes rings on new mail.
harness_config imaps "[ui]" "delete = trash" "bell = yes" >/dev/null
start_tern
tui_wait_for "$(subj 115)" 30
tui_wait_for "online" 30
# The newest message is the one delivered above; 115 is the second.
tui_keys Home j
tui_wait_for "2/"
tui_keys d
tui_wait_for "1 message moved to \"Trash\""
server "115 gone from INBOX" srv_no_uid 115
server "115 in the Trash" srv_subject Trash "$(subj 115)"
harness_deliver "Bell ringer" "Ring." >/dev/null
tui_wait_for "1 new message in INBOX" 30
case $(tui_raw_output) in
*$'\a'*) ;;
*) fail "no bell on new mail with bell = yes" ;;
esac
tui_keys c
tui_keys -l Trash
tui_keys Enter
tui_wait_for "test:Trash" 20
tui_wait_for "$(subj 115)" 20
tui_keys d
on_screen "D in the Trash" row_flag "$(subj 115)" D
server "\\Deleted in the Trash" srv_flag 1 '\Deleted' Trash
# Quitting asks too; n keeps it.
tui_quit
tui_wait_for "Expunge 1 deleted message? (y/n)"
tui_keys n
tui_wait_exit 10 >/dev/null
tui_stop
srv_uid 1 Trash || fail "n expunged the Trash"

# Offline: flag one message and move another, then quit; the next online
# start replays both.
harness_config imaps >/dev/null
start_tern --offline
tui_wait_for "$(subj 114)" 30
tui_wait_for "offline" 10
tui_keys Home
tui_wait_for "Bell ringer"
tui_keys j j F
on_screen "F on 114 offline" row_flag "$(subj 114)" F
tui_keys j s
tui_wait_for "Move to folder:"
tui_keys -l Archive
tui_keys Enter
tui_wait_for "1 message to move to \"Archive\""
tui_keys '$'
tui_wait_for "1 message moved"
tui_wait_gone "$(subj 113)"
tui_wait_for "offline (2 changes waiting)"
srv_no_flag 114 '\Flagged' || fail "the offline flag reached the server"
quit_tern
start_tern
tui_wait_for "online" 30
# The worker does not replay the queue by itself on connecting yet: $
# (push and sync now) asks it to.
tui_keys '$'
server "the offline flag replayed" srv_flag 114 '\Flagged'
server "the offline move replayed" eval \
    'srv_no_uid 113 && srv_subject Archive "$(subj 113)"'
quit_tern

# A mass deletion on the server: the reader asks; n keeps the copies,
# marked gone.
start_tern
tui_wait_for "online" 30
quit_tern
harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX uid 1:100
start_tern
tui_wait_for "vanished from INBOX on the server (hacked account?). Drop" 30
tui_keys n
tui_wait_for "kept, marked gone"
tui_wait_for "[gone]"
quit_tern

echo "ok"
