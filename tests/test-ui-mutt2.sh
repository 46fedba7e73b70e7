#!/bin/bash
# The rest of the mutt trial (issue 14, points 6, 8, 9 and 10) in tmux, at
# 80x24 and at 160x45. Prompts: the cursor moves (Left, Home, End, C-a,
# C-e), C-k C-u C-w and Delete edit, Up brings back the last entry of that
# prompt; c takes =NAME and ACCOUNT:NAME, and Tab completes =Arc; s marks
# the message to move (shown D, counted on the status line), u keeps it,
# $ moves it, and the target's count comes without a sync of it; the
# attachment save prompt completes a path with Tab and the overwrite
# question takes one key. A collapsed thread with unread replies shows N,
# and O keeps it collapsed. C-n and C-p go from thread to thread; D U C-t
# and w W act and say so; the wide index gets half the height. New mail
# counts at once on the status line and in the folder pane, and a folder
# opened the first time shows its unread count.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 12
harness_config imaps >/dev/null
out=$HARNESS_DIR/att-out
mkdir -p "$out"

# A thread of three (the first read, two unread replies) and a message with
# an attachment, newer than the seeded twelve.
msgs=$HARNESS_DIR/mutt2-msgs
mkdir -p "$msgs"
"$TERN_PYTHON" - "$msgs" <<'EOF'
import email.utils, sys, time
out = sys.argv[1]
now = time.time()

def save(name, headers, ctype, body, ago):
    head = "Date: %s\n" % email.utils.formatdate(now - ago * 60)
    head += "".join("%s: %s\n" % h for h in headers)
    head += "MIME-Version: 1.0\nContent-Type: %s\n" % ctype
    open("%s/%s.eml" % (out, name), "wb").write(
        head.encode() + b"\n" + body)

for i, (who, refs) in enumerate([("Ann Trip", None),
                                 ("Bob Trip", "<trip-0@x>"),
                                 ("Cat Trip", "<trip-0@x> <trip-1@x>")]):
    h = [("From", "%s <t%d@example.org>" % (who, i)),
         ("To", "alice@example.org"),
         ("Subject", "Trip plans" if i == 0 else "Re: Trip plans"),
         ("Message-ID", "<trip-%d@x>" % i)]
    if refs:
        h.append(("References", refs))
        h.append(("In-Reply-To", refs.split()[-1]))
    save("t%d" % i, h, "text/plain; charset=utf-8",
         b"Trip message %d.\n" % i, 10 - i)

body = (b"--b1\nContent-Type: text/plain; charset=utf-8\n\nSee the notes.\n"
        b"--b1\nContent-Type: text/plain; name=notes.txt\n"
        b"Content-Disposition: attachment; filename=notes.txt\n\n"
        b"The notes.\n--b1--\n")
save("att", [("From", "Dee Files <dee@example.org>"),
             ("To", "alice@example.org"), ("Subject", "Notes attached"),
             ("Message-ID", "<notes@x>")],
     'multipart/mixed; boundary="b1"', body, 30)
EOF
for m in att t0 t1 t2; do
	harness_doveadm save -u "$HARNESS_USER" -m INBOX <"$msgs/$m.eml" ||
	    fail "doveadm save $m"
done

server_has()
{
	harness_doveadm search -u "$HARNESS_USER" mailbox "$1" \
	    header subject "$2" | wc -l
}

# The index row of the message with SUBJECT (the folder pane cut off).
row()
{
	tui_screen | grep -F -- "$1" | head -n 1 | sed 's/.*│//'
}

# Wait until the flag columns of SUBJECT's row hold (or with !, lack) FLAG.
wait_flag()
{
	local subj=$1 flag=$2 want=1 i
	if [ "${flag#!}" != "$flag" ]; then
		want=0
		flag=${flag#!}
	fi
	for ((i = 0; i < 100; i++)); do
		case $(row "$subj" | cut -c1-5) in
		*"$flag"*) [ "$want" = 1 ] && return 0 ;;
		*) [ "$want" = 0 ] && return 0 ;;
		esac
		sleep 0.05
	done
	tui_screen >&2
	fail "the row of '$subj' never $([ "$want" = 1 ] && echo showed ||
	    echo lost) '$flag'"
}

# The prompt's line (the last line of the screen).
prompt_line()
{
	tui_screen | tail -n 1
}

wait_prompt()
{
	local want=$1 i
	for ((i = 0; i < 100; i++)); do
		case $(prompt_line) in
		"$want"*) return 0 ;;
		esac
		sleep 0.05
	done
	tui_screen >&2
	fail "the prompt is '$(prompt_line)', want '$want'"
}

# Wait up to SECS for a line of the screen to match the regex RE.
wait_screen()
{
	local re=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		tui_screen | grep -Eq -- "$re" && return 0
		sleep 0.05
	done
	tui_screen >&2
	return 1
}

# The counts at the end of the status line (flagged, deleted, to move,
# tagged) are cut off at 80 columns while a message is shown in front:
# those waits allow for the message to expire (8 s).

# The unread count on the status line.
unread_count()
{
	prompt_line | sed -n 's/.*, \([0-9]*\) unread.*/\1/p'
}

mutt2_at()
{
	local cols=$1 rows=$2 n

	rm -rf "$XDG_CACHE_HOME/tern" "$out"/*
	harness_doveadm move -u "$HARNESS_USER" INBOX mailbox Archive \
	    header subject "Message 00012 of 12" 2>/dev/null || true
	harness_doveadm flags remove -u "$HARNESS_USER" '\Seen' \
	    mailbox Archive all
	harness_doveadm flags remove -u "$HARNESS_USER" '\Seen \Deleted \Flagged' \
	    mailbox INBOX all
	harness_doveadm flags add -u "$HARNESS_USER" '\Seen' mailbox INBOX \
	    header message-id '<trip-0@x>'
	harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX \
	    header subject "Fresh mail" 2>/dev/null || true
	tui_start "$cols" "$rows" "$TERN"
	tui_wait_for "Message 00012 of 12" 30
	tui_wait_for "online" 30
	# 12 seeded, 2 replies and the notes unread: counted at once.
	tui_wait_for ", 15 unread]" 10

	# Point 10: the wide index has half the height (16 rows all shown).
	if [ "$cols" -ge 120 ]; then
		tui_wait_for "Message 00001 of 12"
	fi

	# Point 9: the line editor. Home, End, Left; Delete; C-a C-k.
	tui_keys l
	wait_prompt "Limit to:"
	tui_keys -l "ubject:Message 0000"
	tui_keys Home
	tui_keys -l s
	tui_keys End
	tui_keys -l 5X
	tui_keys Left DC
	wait_prompt "Limit to: subject:Message 00005"
	tui_keys Enter
	tui_wait_for "[1/1 msgs"
	# Up brings the last limit back; C-a C-k erases it.
	tui_keys l
	tui_keys Up
	wait_prompt "Limit to: subject:Message 00005"
	tui_keys C-a C-k
	wait_prompt "Limit to:"
	assert_not_contains "$(prompt_line)" "subject" "$cols: C-k"
	tui_keys -l "one two"
	tui_keys C-w
	wait_prompt "Limit to: one"
	assert_not_contains "$(prompt_line)" "two" "$cols: C-w"
	tui_keys C-e BSpace C-b C-b
	tui_keys -l X
	wait_prompt "Limit to: oXne"
	tui_keys C-u
	tui_keys -l all
	tui_keys Enter
	tui_wait_for "/16 msgs"

	# c: =NAME and ACCOUNT:NAME; Tab completes after =.
	tui_keys c
	tui_keys -l "=Arc"
	tui_keys Tab
	wait_prompt "Open folder: =Archive"
	tui_keys Escape
	tui_keys c
	tui_keys -l "test:Sent"
	tui_keys Enter
	tui_wait_for "test:Sent"
	tui_keys c
	tui_keys -l "=INBOX"
	tui_keys Enter
	tui_wait_for "test:INBOX"
	tui_wait_for "Message 00012 of 12"

	# s marks the message to move: D, counted, the next one selected;
	# u keeps it here; s again and $ move it. Newest first: the three
	# of the thread, the notes, then 12 (row 5).
	tui_keys 5 Enter
	tui_wait_for "[5/16 msgs"
	tui_keys s
	wait_prompt "Move to folder:"
	tui_keys -l "=Archive"
	tui_keys Enter
	tui_wait_for "1 message to move to \"Archive\""
	wait_flag "Message 00012 of 12" D
	tui_wait_for "  1 to move" 15
	tui_wait_for "[6/16 msgs"
	tui_keys k u
	tui_wait_for "1 message stays here: its move is undone"
	wait_flag "Message 00012 of 12" '!D'
	tui_wait_gone "  1 to move"
	# u went on to 11, as mutt's resolve does: back to 12.
	tui_wait_for "[6/16 msgs"
	tui_keys k s
	tui_keys -l "test:Archive"
	tui_keys Enter
	tui_wait_for "  1 to move" 15
	tui_keys '$'
	tui_wait_for "1 message moved"
	tui_wait_gone "Message 00012 of 12"
	tui_wait_for "/15 msgs"
	wait_until 20 test "$(server_has Archive "Message 00012 of 12")" = 1 ||
	    fail "$cols: 12 never reached Archive"
	assert_eq 0 "$(server_has INBOX "Message 00012 of 12")" \
	    "$cols: 12 left INBOX"
	# Point 6: the folder moved to counts it without a sync of its own.
	if [ "$cols" -ge 120 ]; then
		wait_screen 'Archive +6/6' 20 ||
		    fail "$cols: Archive never counted the moved message"
	fi
	# A folder opened for the first time shows its unread count.
	tui_keys c
	tui_keys -l "=Archive"
	tui_keys Enter
	tui_wait_for "test:Archive"
	tui_wait_for "[1/6 msgs, 6 unread]" 10
	tui_keys c
	tui_keys -l "=INBOX"
	tui_keys Enter
	tui_wait_for "[1/15 msgs, 14 unread]"

	# The attachment save prompt completes a path; overwrite takes y.
	tui_keys 4 Enter
	tui_wait_for "[4/15 msgs"
	tui_keys Enter
	tui_wait_for "See the notes." 20
	tui_keys v
	tui_wait_for "(attachments)"
	tui_wait_for "notes.txt"
	# The list starts on the attachment.
	tui_keys s
	wait_prompt "Save to"
	tui_keys -l "${out%-out}-o"
	tui_keys Tab
	tui_wait_for "att-out/"
	tui_keys Enter
	tui_wait_for "saved"
	[ -f "$out/notes.txt" ] || fail "$cols: notes.txt not saved in att-out"
	tui_keys s
	tui_keys -l "$out/"
	tui_keys Enter
	tui_wait_for "The file exists; overwrite it? (y/n)"
	tui_keys y
	tui_wait_for "saved"
	tui_keys q
	tui_wait_gone "(attachments)"
	tui_keys q
	tui_wait_for "q:Quit"

	# Point 8: threads; the collapsed thread with unread replies shows N.
	tui_keys o t
	tui_wait_for "sorted by threads"
	tui_keys Home
	tui_wait_for "Ann Trip"
	wait_flag "Ann Trip" '!N'
	tui_keys M-v
	tui_wait_for "(+2) Trip plans"
	wait_flag "(+2) Trip plans" N
	# O reverses the order and keeps the thread collapsed; so does Esc-V.
	tui_keys O
	tui_wait_for "sorted by threads, reversed"
	tui_wait_for "(+2) Trip plans"
	wait_flag "(+2) Trip plans" N
	tui_keys O
	tui_wait_for "(+2) Trip plans"
	tui_keys M-V
	tui_wait_for "shown, "
	tui_keys O
	tui_wait_for "(+2) Trip plans"
	tui_wait_for "shown, "
	tui_keys O M-V
	tui_wait_for "Bob Trip"
	tui_wait_gone "shown, "
	# C-n, C-p: from thread to thread (the trip thread is first).
	tui_keys Home
	tui_wait_for "[1/15 msgs"
	tui_keys C-n
	tui_wait_for "[4/15 msgs"
	tui_keys C-n
	tui_wait_for "[5/15 msgs"
	tui_keys C-p C-p
	tui_wait_for "[1/15 msgs"
	tui_keys C-p
	tui_wait_for "this is the first thread"
	tui_keys o d
	tui_wait_for "sorted by date"

	# Point 10: D, U, C-t and w, W say what they did, and the status
	# line counts deleted, flagged and tagged.
	tui_keys D
	tui_keys -l "~s 00003"
	tui_keys Enter
	tui_wait_for "1 message marked deleted"
	wait_flag "Message 00003 of 12" D
	tui_wait_for "  1 deleted" 15
	tui_keys U
	tui_keys -l "~s 00003"
	tui_keys Enter
	tui_wait_for "1 message undeleted"
	wait_flag "Message 00003 of 12" '!D'
	tui_keys T
	tui_keys -l "~s 0000"
	tui_keys Enter
	tui_wait_for "9 messages match, 9 newly tagged"
	tui_keys C-t
	tui_keys -l "~s 00001"
	tui_keys Enter
	tui_wait_for "1 message matches, 1 untagged"
	tui_wait_for "  8 tagged" 15
	tui_keys '\;' t
	tui_wait_for "no message is tagged now"
	tui_keys Home w
	tui_wait_for "Set flag:"
	tui_keys '!'
	tui_wait_for "flag set on 1 message"
	tui_wait_for "  1 flagged" 15
	tui_keys W
	tui_wait_for "Clear flag:"
	tui_keys '!'
	tui_wait_for "flag cleared on 1 message"
	tui_wait_gone "  1 flagged"

	# Point 6: new mail counts at once, on the status line and (wide)
	# in the folder pane, with no $.
	n=$(unread_count)
	harness_deliver "Fresh mail" >/dev/null
	tui_wait_for "1 new message in INBOX" 30
	tui_wait_for ", $((n + 1)) unread]" 10
	if [ "$cols" -ge 120 ]; then
		wait_screen "INBOX +$((n + 1))/16" 10 ||
		    fail "$cols: the folder pane kept the old count"
	fi

	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$cols: exit status"
	tui_stop
}

mutt2_at 80 24
mutt2_at 160 45
echo "ok"
