#!/bin/bash
# The reader on terminals that are not UTF-8 (tmux, 120x20, the harness
# dovecot): under LANG=C every string reaches the terminal as ASCII
# (transliterated: "Jurgen Muller", "Grusse aus Koln - 5 EUR"; '?' for
# what has no ASCII form), not one byte above 0x7f is written, the columns
# after a non-ASCII name stay where they are (widths counted in the
# terminal's charset), thread trees are ASCII and the folder pane's frame
# is the terminal's line (ACS). Under an ISO-8859-1 locale made
# here with localedef (a private LOCPATH), seen through a converting pty
# (tests/charset-pty.py, as luit does): Latin-1 bytes for what Latin-1 has
# ("Jürgen Müller", "Grüße aus Köln"), transliteration for the rest ("EUR"),
# and the same columns.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 3
# The sender column ends in '|' so that its right edge can be checked.
harness_config imaps "[ui]" "sort = threads" \
    "index_format = %-16.16F|%s" >/dev/null

# put_msg FROM SUBJECT ID [IN-REPLY-TO]: save a message (RFC 2047 headers).
put_msg()
{
	"$TERN_PYTHON" - "$@" >"$HARNESS_DIR/msg.eml" <<'PY'
import sys
from email.header import Header
from email.utils import formataddr
frm, subj, mid = sys.argv[1:4]
name, addr = frm.split("<")
print("Date: Mon, 02 Mar 2026 10:00:%02d +0000" % (len(sys.argv) * 7))
print("From: " + formataddr((str(Header(name.strip(), "utf-8")),
                             addr.rstrip(">"))))
print("To: alice@example.org")
print("Subject: " + Header(subj, "utf-8").encode())
print("Message-ID: <%s>" % mid)
if len(sys.argv) > 4:
    print("In-Reply-To: <%s>" % sys.argv[4])
    print("References: <%s>" % sys.argv[4])
print("MIME-Version: 1.0")
print("Content-Type: text/plain; charset=UTF-8")
print("Content-Transfer-Encoding: 8bit")
print()
print("Bis bald in Köln. – 5 €")
PY
	harness_doveadm save -u "$HARNESS_USER" -m INBOX <"$HARNESS_DIR/msg.eml" ||
	    fail "doveadm save failed"
}
put_msg "Jürgen Müller <jm@example.de>" "Grüße aus Köln – 5 €" koeln@x
put_msg "Zoë Ørsted <zo@example.dk>" "Re: Grüße aus Köln – 5 €" re@x koeln@x
put_msg "山田太郎 <yamada@example.jp>" "日本語のテスト" jp@x

# The column of the first '|' on each index line that has one must be the
# same: 16 columns of sender whatever its letters.
check_columns()
{
	local what=$1 cols
	cols=$(tui_screen | "$TERN_PYTHON" -c '
import re, sys
for line in sys.stdin.buffer.read().decode("utf-8", "replace").splitlines():
    if re.search(r"Gr|\?\?\?|Sender", line) and "|" in line:
        print(line.index("|"))' | sort -u)
	[ -n "$cols" ] || { tui_screen; fail "$what: no index line with |"; }
	[ "$(printf '%s\n' "$cols" | wc -l)" = 1 ] || {
		tui_screen
		fail "$what: the sender column ends at columns $(echo $cols)"
	}
}

# --- LANG=C: ASCII only.
tui_start 120 20 env LANG=C LC_ALL=C "$TERN"
tui_wait_for "online" 30
tui_wait_for "Jurgen Muller" 10
screen=$(tui_screen)
assert_contains "$screen" "Grusse aus Koln - 5 EUR" "C: subject transliterated"
assert_contains "$screen" "Zoe " "C: Zoë as Zoe"
assert_contains "$screen" "????" "C: the Japanese name as '?'"
assert_contains "$screen" '`->' "C: the thread tree in ASCII"
check_columns "C"
# The frame between the folder pane and the index: ACS_VLINE, which tmux
# keeps as an 'x' drawn in the alternate charset (capture-pane prints the
# 'x'; the terminal gets ESC ( 0 first), on every line of the pane.
c=$(tui_screen | sed -n 2p | awk '{ print index($0, "Jurgen") - 1 }')
frame=$(tui_screen | sed -n '2,12p' | cut -c"$c" | grep -c '^x$' || true)
[ "$frame" = 11 ] || { tui_screen; fail "C: no frame line at column $c"; }
LC_ALL=C grep -q $'\e(0' <(tui_raw_output) ||
    fail "C: the frame is not drawn in the alternate charset"
if LC_ALL=C grep -q $'[\x80-\xff]' <(tui_raw_output); then
	tui_raw_output | LC_ALL=C grep -ao $'[^\x01-\x7f]\+' | head -5 >&2
	fail "C: bytes above 0x7f were written to an ASCII terminal"
fi
tui_keys x y
tui_wait_exit 10 >/dev/null

# --- ISO-8859-1: a locale of our own, a converting pty in front.
command -v localedef >/dev/null 2>&1 || skip "no localedef"
[ -e /usr/share/i18n/locales/de_DE ] ||
    skip "no locale sources (/usr/share/i18n/locales, Debian: locales)"
loc=$HARNESS_DIR/locale
mkdir -p "$loc"
localedef -i de_DE -f ISO-8859-1 "$loc/de_DE.ISO-8859-1" >/dev/null 2>&1 ||
    [ -e "$loc/de_DE.ISO-8859-1/LC_CTYPE" ] ||
    skip "localedef cannot make de_DE.ISO-8859-1"
raw=$HARNESS_DIR/latin1.raw
: >"$raw"
tui_start 120 20 "$TERN_PYTHON" "$TERN_SRCDIR/tests/charset-pty.py" \
    ISO-8859-1 --log "$raw" -- \
    env LOCPATH="$loc" LANG=de_DE.ISO-8859-1 LC_ALL=de_DE.ISO-8859-1 \
    LANGUAGE=en "$TERN"
tui_wait_for "online" 30
tui_wait_for "Jürgen Müller" 10
screen=$(tui_screen)
assert_contains "$screen" "Grüße aus Köln - 5 EUR" "latin1: subject"
assert_contains "$screen" "Zoë Ørsted" "latin1: Zoë Ørsted"
assert_contains "$screen" "????" "latin1: the Japanese name as '?'"
check_columns "latin1"
# What tern wrote: ü as the one byte 0xfc, never as UTF-8 (0xc3 0xbc).
LC_ALL=C grep -q $'\xfc' "$raw" || fail "latin1: no 0xfc byte for ü"
if LC_ALL=C grep -q $'\xc3\xbc' "$raw"; then
	fail "latin1: UTF-8 written to a Latin-1 terminal"
fi
tui_keys x y
tui_wait_exit 10 >/dev/null
echo "PASS: LANG=C and ISO-8859-1 terminals"
