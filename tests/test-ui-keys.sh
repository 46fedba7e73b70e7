#!/bin/bash
# The reader's keys in tmux against the harness dovecot, at 80x24 and at
# 200x50: threads drawn with tree lines, Esc-v and Esc-V collapse and
# expand (mutt's keys), o
# and O change the order of the running index, J and K step through the
# messages from the pager, / n Esc-/ search inside a message, C-d C-u Space
# scroll, G and g go to the end and the top, H shows every header field
# and V the raw message. A rebound key (from [keys] in the config) works
# and `?` lists it; an unknown action or key in the config stops tern with
# status 2 and FILE:LINE. A message with every class of hostile character
# (C0, CSI, OSC, DCS, C1 as UTF-8 and as raw bytes, bidi overrides,
# zero-width) in its subject, sender and body is drawn inert, in its raw
# source too, and leaves the screen intact; resizes while a long message
# is drawn leave a clean screen; NO_COLOR gives no colour at all.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 30
config=$(harness_config imaps "[ui]" "sort = threads" "[keys]" \
    "bind = index,pager x next-message")

# The test messages: a thread of four, a long message with quotes and a
# signature, and a hostile one; dated minutes ago, the thread newest.
msgs=$HARNESS_DIR/keys-msgs
mkdir -p "$msgs"
"$TERN_PYTHON" - "$msgs" <<'EOF'
import base64, email.utils, sys, time
out = sys.argv[1]
now = time.time()

def save(name, headers, body, ago):
    head = "Date: %s\n" % email.utils.formatdate(now - ago * 60)
    head += "".join("%s: %s\n" % h for h in headers)
    head += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    open("%s/%s.eml" % (out, name), "wb").write(
        head.encode() + b"\n" + body)

thread = [
    ("Ann Root", "Picnic plans", None),
    ("Bob Reply", "Re: Picnic plans", "<pic-0@x>"),
    ("Cat Deeper", "Re: Picnic plans", "<pic-0@x> <pic-1@x>"),
    ("Dan Second", "Re: Picnic plans", "<pic-0@x>"),
]
for i, (who, subj, refs) in enumerate(thread):
    h = [("From", "%s <p%d@example.org>" % (who, i)),
         ("To", "alice@example.org"), ("Subject", subj),
         ("Message-ID", "<pic-%d@x>" % i)]
    if refs:
        h.append(("References", refs))
        h.append(("In-Reply-To", refs.split()[-1]))
    save("t%d" % i, h, b"Thread message %d.\n" % i, 10 - i)

lines = []
for i in range(1, 201):
    if i in (150, 180):
        lines.append("Line %03d holds a needle here." % i)
    elif 40 <= i < 43:
        lines.append("%squoted line %03d" % ("> " * (i - 39), i))
    else:
        lines.append("Line %03d of the long message." % i)
body = ("\n".join(lines) + "\n-- \nThe Sender\n").encode()
save("long", [("From", "Long Writer <long@example.org>"),
              ("To", "alice@example.org"),
              ("Subject", "A long message"),
              ("Message-ID", "<long@x>")], body, 20)

# Every class of hostile character, each between two markers.
evil = ("S1\x1b[2JS2 O1\x1b]0;pwned-title\x07O2 D1\x1bP1$qm\x1b\\D2 "
        "C1\u009bC2 B1\u202eB2 I1\u2066I2 Z1\u200bZ2 F1\ufeffF2 "
        "A1\x01\x08A2")
def word(s):
    return "=?UTF-8?B?%s?=" % base64.b64encode(s.encode()).decode()
save("evil", [("From", "%s <evil@example.org>" % word("Evil " + evil)),
              ("To", "alice@example.org"),
              ("Subject", word("Hostile " + evil)),
              ("Message-ID", "<evil@x>")],
     ("Body " + evil + "\nR1").encode() + b"\x9b" + b"R2 end\n", 30)
EOF
for m in long evil t0 t1 t2 t3; do
	harness_doveadm save -u "$HARNESS_USER" -m INBOX <"$msgs/$m.eml" ||
	    fail "doveadm save $m"
done

status_file=$HARNESS_DIR/tui-status
start_tern()
{
	rm -f "$status_file"
	tui_start "$1" "$2" \
	    sh -c 'shift; "$@"; echo "$?" >"$0.tmp"; mv "$0.tmp" "$0"' \
	    "$status_file" sh "${@:3}"
}

exit_status()
{
	tui_wait_exit 10 >/dev/null
	wait_until 5 test -s "$status_file" ||
	    fail "tern exited without a status"
	cat "$status_file"
}

screen_line()
{
	tui_screen | sed -n "${1}p"
}

# The 1-based number of the first screen line holding TEXT (0: none).
line_of()
{
	tui_screen | grep -nF -- "$1" | head -n 1 | cut -d: -f1 | grep . ||
	    echo 0
}

# Wait until the screen line holding TEXT also holds WHAT.
wait_row()
{
	local text=$1 what=$2 i
	for ((i = 0; i < 100; i++)); do
		case $(tui_screen | grep -F -- "$text" | head -n 1) in
		*"$what"*) return 0 ;;
		esac
		sleep 0.05
	done
	tui_screen >&2
	fail "the row of '$text' never showed '$what'"
}

# Wait until screen line N holds TEXT.
wait_row_n()
{
	local n=$1 text=$2 what=$3 i
	for ((i = 0; i < 100; i++)); do
		case $(screen_line "$n") in
		*"$text"*) return 0 ;;
		esac
		sleep 0.05
	done
	tui_screen >&2
	fail "$what: line $n is '$(screen_line "$n")', want '$text'"
}

# Wait until screen line N of the pager starts with TEXT (in the wide
# layout, after the folder pane's border).
wide=0
wait_line()
{
	local n=$1 text=$2 what=$3 i line
	for ((i = 0; i < 100; i++)); do
		line=$(screen_line "$n")
		if [ "$wide" = 1 ]; then
			line=${line#*│}
		fi
		case $line in
		"$text"*) return 0 ;;
		esac
		sleep 0.05
	done
	tui_screen >&2
	fail "$what: line $n is '$(screen_line "$n")', want '$text...'"
}

keys_at()
{
	local cols=$1 rows=$2 top half page

	start_tern "$cols" "$rows" "$TERN"
	tui_wait_for "Ann Root" 30
	tui_wait_for "online" 30
	# Threads: the newest thread first, replies under it, a repeated
	# subject left out of the reply rows.
	assert_contains "$(screen_line 2)" "Ann Root" "$cols: thread first"
	wait_row "Bob Reply" "├─>"
	wait_row "Cat Deeper" "│ └─>"
	wait_row "Dan Second" "└─>"
	assert_not_contains "$(tui_screen | grep -F "Bob Reply")" \
	    "Re: Picnic" "$cols: repeated subject"

	# Esc-v folds the thread into its first row (mutt's collapse-thread),
	# Esc-v again unfolds it.
	tui_keys M-v
	tui_wait_for "(+3) Picnic plans"
	tui_wait_gone "Bob Reply"
	tui_keys Escape v
	tui_wait_for "Bob Reply"
	# Esc-V folds every thread, Esc-V again unfolds them.
	tui_keys M-V
	tui_wait_for "(+3) Picnic plans"
	tui_wait_for "shown, "
	tui_keys M-V
	tui_wait_for "Cat Deeper"

	# o s: by subject ("Re:" ignored): "A long message" heads the index.
	tui_keys o
	tui_wait_for "Sort by (d)ate, (t)hreads"
	tui_keys s
	tui_wait_for "sorted by subject"
	tui_keys Home
	wait_row_n 2 "A long message" "$cols: by subject"
	# O reverses it; o d gives date order, o t the threads again.
	tui_keys O
	tui_wait_for "sorted by subject, reversed"
	tui_keys Home
	wait_row_n 2 "Picnic plans" "$cols: by subject, reversed"
	tui_keys o d
	tui_wait_for "sorted by date, reversed"
	tui_keys O
	tui_wait_for "sorted by date"
	tui_keys Home
	wait_row_n 2 "Dan Second" "$cols: by date"
	assert_not_contains "$(tui_screen)" "├─>" "$cols: no tree by date"
	tui_keys o t
	tui_wait_for "sorted by threads"
	tui_keys Home
	wait_row "Bob Reply" "├─>"

	# J and K from the pager; x is J rebound from the config.
	tui_keys Home Enter
	tui_wait_for "Thread message 0."
	tui_keys J
	tui_wait_for "Thread message 1."
	tui_keys x
	tui_wait_for "Thread message 2."
	tui_keys K K
	tui_wait_for "Thread message 0."
	tui_keys K
	tui_wait_for "this is the first message"

	# The long message, fifth in the index: scrolling and its colours.
	# q leaves the pager for the index in either layout.
	tui_keys q
	tui_wait_for "Ann Root"
	tui_keys Home j j j j Enter
	tui_wait_for "Line 001 of the long message."
	if [ "$cols" -lt 120 ]; then
		top=2
		wide=0
	else
		top=$(($(line_of "-- (") + 1))
		wide=1
	fi
	# Rendered: From, To, Date, Subject, a blank line, then "Line 001".
	page=$((rows - top))
	half=$((page / 2))
	tui_keys C-d
	wait_line "$top" "$(printf 'Line %03d of' $((half - 4)))" "$cols: C-d"
	tui_keys C-u
	wait_line "$top" "From: Long Writer" "$cols: C-u"
	tui_keys Space
	wait_line "$top" "$(printf 'Line %03d of' $((page - 4)))" \
	    "$cols: Space"
	tui_keys -
	wait_line "$top" "From: Long Writer" "$cols: -"
	tui_keys /
	tui_wait_for "Search the message:"
	tui_keys -l "quoted line 040"
	tui_keys Enter
	wait_line "$top" "> quoted line 040" "$cols: search a quote"
	assert_contains "$(_tui_tmux capture-pane -p -e -t tui |
	    grep -F "quoted line 041")" "38;5;130" "$cols: quote 2 colour"
	assert_contains "$(_tui_tmux capture-pane -p -e -t tui |
	    grep -F "quoted line 040")" "38;5;28" "$cols: quote 1 colour"

	# Search: /, n, Esc-/ (wrapping round; N is mutt's toggle-new).
	tui_keys Home /
	tui_wait_for "Search the message:"
	tui_keys -l "needle"
	tui_keys Enter
	wait_line "$top" "Line 150 holds a needle" "$cols: /"
	tui_keys n
	tui_wait_for "Line 180 holds a needle here."
	tui_keys M-/
	wait_line "$top" "Line 150 holds a needle" "$cols: Esc-/"
	tui_keys M-/
	tui_wait_for "search went on from the bottom"
	tui_wait_for "Line 180 holds a needle here."
	# The ends, every header field, the raw message.
	tui_keys G
	tui_wait_for "The Sender"
	tui_wait_for "Line 200 of the long message."
	tui_keys Home
	wait_line "$top" "From: Long Writer" "$cols: g"
	tui_keys H
	tui_wait_for "Message-ID: <long@x>"
	tui_keys H
	tui_wait_gone "Message-ID: <long@x>"
	tui_keys V
	tui_wait_for "Content-Type: text/plain; charset=utf-8"
	tui_keys V
	tui_wait_gone "Content-Type: text/plain"

	# ? lists the keys as bound now, the rebound x included.
	tui_keys '?'
	tui_wait_for "keys, as bound now"
	tui_wait_for "next-message"
	assert_contains "$(tui_screen | grep -F next-message | head -n 1)" \
	    "J x" "$cols: help shows the rebound key"
	tui_keys q
	tui_wait_gone "keys, as bound now"

	tui_keys q
	if [ "$cols" -lt 120 ]; then
		tui_wait_gone "Line 001 of the long"
	fi
	tui_quit
	assert_eq 0 "$(exit_status)" "$cols: exit status"
	tui_stop
}

keys_at 80 24
keys_at 200 50

# A hostile message: inert in the index, the pager and the raw source.
hostile_at()
{
	local cols=$1 rows=$2 screen raw bad

	start_tern "$cols" "$rows" "$TERN"
	tui_wait_for "online" 30
	tui_wait_for "Ann Root"
	# By date it is the sixth row (after the thread and the long one).
	tui_keys o d
	tui_wait_for "sorted by date"
	tui_wait_for "Hostile S1^[[2JS2"
	assert_eq 7 "$(line_of "Hostile S1^[[2JS2")" "$cols: hostile row"
	assert_contains "$(screen_line 7)" "Evil S1^[[2JS2" "$cols: sender"
	tui_keys Home j j j j j Enter
	tui_wait_for "Subject: Hostile S1^[[2JS2"
	screen=$(tui_screen)
	assert_contains "$screen" "S1^[[2JS2" "$cols: CSI inert"
	assert_contains "$screen" "O1^[]0;pwned-title^GO2" "$cols: OSC inert"
	assert_contains "$screen" 'D1^[P1$qm^[\D2' "$cols: DCS inert"
	assert_contains "$screen" "C1<U+009B>C2" "$cols: C1 as UTF-8"
	assert_contains "$screen" "B1<U+202E>B2" "$cols: bidi override"
	assert_contains "$screen" "I1<U+2066>I2" "$cols: bidi isolate"
	assert_contains "$screen" "Z1<U+200B>Z2" "$cols: zero width"
	assert_contains "$screen" "F1<U+FEFF>F2" "$cols: BOM"
	assert_contains "$screen" "A1^A^HA2" "$cols: C0"
	assert_contains "$screen" $'R1\xef\xbf\xbdR2' "$cols: a raw C1 byte"
	assert_contains "$screen" "From: Evil S1^[[2JS2" "$cols: sender"
	assert_contains "$screen" "Body S1^[[2JS2" "$cols: body"
	assert_contains "$(screen_line 1)" "q:Back" "$cols: hints intact"
	assert_contains "$(screen_line "$rows")" "test:INBOX" \
	    "$cols: status intact"
	# The raw source is inert as well.
	tui_keys V
	tui_wait_for "Content-Type: text/plain; charset=utf-8"
	assert_contains "$(tui_screen)" $'R1\xef\xbf\xbdR2' "$cols: raw body"
	assert_contains "$(tui_screen)" "=?UTF-8?B?SG9zdGlsZS" \
	    "$cols: raw subject"
	tui_keys V
	tui_wait_for "Subject: Hostile S1^[[2JS2"
	tui_keys q
	if [ "$cols" -lt 120 ]; then
		tui_wait_for "Ann Root"
		assert_contains "$(screen_line 7)" "Hostile S1^[[2JS2" \
		    "$cols: index intact"
	fi
	tui_quit
	assert_eq 0 "$(exit_status)" "$cols: hostile run: exit status"

	raw=$(tui_raw_output)
	for bad in $'\033]0;pwned' $'\033P1$q' $'S1\033[2J' $'\xc2\x9b' \
	    $'\xe2\x80\xae' $'\xe2\x81\xa6' $'\xe2\x80\x8b' \
	    $'\xef\xbb\xbf' $'A1\x01' $'R1\x9b'; do
		case $raw in
		*"$bad"*)
			fail "$cols: $(printf '%q' "$bad") reached the terminal" ;;
		esac
	done
	tui_stop
}

hostile_at 80 24
hostile_at 200 50

# Resizes while a long message is drawn and scrolled leave a clean screen.
start_tern 80 24 "$TERN"
tui_wait_for "Ann Root" 30
tui_keys Home j j j j Enter
tui_wait_for "Line 001 of the long message."
for size in "200 50" "40 10" "120 30" "20 6" "81 25" "200 50" "80 24"; do
	set -- $size
	_tui_tmux resize-window -t tui -x "$1" -y "$2"
	tui_keys C-d G C-u
done
sleep 0.5
tui_keys Home
tui_wait_for "From: Long Writer"
assert_contains "$(screen_line 1)" "q:Back" "after resizes: hints"
assert_contains "$(screen_line 24)" "test:INBOX" "after resizes: status"
assert_contains "$(screen_line 2)" "From: Long Writer" "after resizes: top"
assert_eq 24 "$(tui_screen | wc -l)" "after resizes: rows"
tui_keys q
tui_wait_for "Ann Root"
tui_quit
assert_eq 0 "$(exit_status)" "after resizes: exit status"
tui_stop

# NO_COLOR: attributes only, no colour sequence at all.
start_tern 80 24 env NO_COLOR=1 "$TERN"
tui_wait_for "Ann Root" 30
tui_keys Home j j j j Enter
tui_wait_for "Line 001 of the long message."
tui_keys /
tui_keys -l "quoted line 040"
tui_keys Enter
tui_wait_for "> > quoted line 041"
tui_keys q
tui_wait_for "Ann Root"
tui_quit
assert_eq 0 "$(exit_status)" "NO_COLOR: exit status"
case $(tui_raw_output) in
*$'\033[38;5;'* | *$'\033[48;5;'* | *$'\033[3'[0-7]m* | *$'\033[4'[0-7]m*)
	fail "NO_COLOR: a colour sequence reached the terminal" ;;
esac
tui_stop

# A bad binding in the config stops tern before the screen, naming the
# file and the line.
bad=$HARNESS_DIR/bad-keys.conf
cp "$config" "$bad"
printf '%s\n' "bind = index d frobnicate" >>"$bad"
set +e
out=$("$TERN" -c "$bad" --offline 2>&1 </dev/null)
rc=$?
set -e
assert_eq 2 "$rc" "unknown action: exit status"
assert_eq "tern: $bad:$(wc -l <"$bad"): unknown action \"frobnicate\"" \
    "$out" "unknown action: message"
cp "$config" "$bad"
printf '%s\n' "" "bind = pager Hyper-x quit" >>"$bad"
set +e
out=$("$TERN" -c "$bad" --offline 2>&1 </dev/null)
rc=$?
set -e
assert_eq 2 "$rc" "unknown key: exit status"
assert_eq "tern: $bad:$(wc -l <"$bad"): unknown key \"Hyper-x\"" "$out" \
    "unknown key: message"

echo "ok"
