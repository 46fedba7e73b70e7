#!/bin/bash
# tern search against the harness dovecot: a folder seeded with known
# messages (UTF-8 names, subjects and bodies in quoted-printable, base64 and
# 8 bit, HTML only, attachments, every flag) is searched with each operator
# online and, after `tern sync --bodies`, offline; both must return exactly
# the UIDs that `doveadm search` returns for the same query. Then the output
# format of `tern search`, its errors, and that --bodies resumes.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

# Dates are compared as calendar days: tern in local time, these Date:
# headers in +0000.
export TZ=UTC

harness_start -n 30
harness_config imaps >/dev/null
db=$XDG_CACHE_HOME/tern/test.db
msgs=$HARNESS_DIR/msgs
mkdir -p "$msgs"

# The messages after the 30 generated ones (UIDs 31 on, in this order).
"$TERN_PYTHON" - "$msgs" <<'EOF'
import base64, sys
out = sys.argv[1]
def b(s):
    return "=?UTF-8?B?%s?=" % base64.b64encode(s.encode()).decode()
def save(n, headers, body):
    with open("%s/%02d.eml" % (out, n), "wb") as f:
        f.write(("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + body)
pdf = base64.encodebytes(bytes(range(48, 58)) * 2000).replace(b"\n", b"\r\n")
png = base64.encodebytes(b"\x89PNG" + b"\x00\x01" * 30000).replace(
    b"\n", b"\r\n")
save(1, ["Date: Mon, 30 Dec 2024 08:00:00 +0000",
    "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>",
    "To: alice@example.org", "Cc: Bob <bob@example.net>",
    "Subject: " + b("Grüße aus Köln"),
    "Message-ID: <custom-1@tern.test>", "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: quoted-printable"],
    b"Die Stra=C3=9Fenbahn kommt gleich.\r\n"
    b"the quick brown fox jumps\r\n")
save(2, ["Date: Thu, 02 Jan 2025 12:00:00 +0000",
    "From: Ann Smith <ann@example.com>",
    "To: alice@example.org, Carol <carol@example.net>",
    "Subject: Quarterly report", "Message-ID: <custom-2@tern.test>",
    "MIME-Version: 1.0",
    "Content-Type: multipart/mixed; boundary=\"b1\""],
    b"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    b"Numbers are up. See the attached invoice.\r\n"
    b"--b1\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename=\"q4.pdf\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + pdf + b"--b1--\r\n")
save(3, ["Date: Fri, 03 Jan 2025 00:00:00 +0000",
    "From: bob@example.net", "To: alice@example.org",
    "Subject: Re: Quarterly report", "Message-ID: <custom-3@tern.test>",
    "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii"],
    b"A brown dog; the fox is quick.\r\n")
save(4, ["Date: Sat, 04 Jan 2025 23:59:00 +0000",
    "From: " + b("Ελένη") + " <eleni@example.gr>",
    "To: alice@example.org",
    "Subject: " + b("Λόγος και πράξη"),
    "Message-ID: <custom-4@tern.test>", "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: base64"],
    base64.encodebytes("Ένας λόγος για τη Straßenbahn.\n".encode())
    .replace(b"\n", b"\r\n"))
save(5, ["Date: Sun, 05 Jan 2025 09:30:00 +0000",
    "From: " + b("日本") + " <jp@example.jp>", "To: alice@example.org",
    "Subject: " + b("日本語のメール"),
    "Message-ID: <custom-5@tern.test>", "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit"],
    "本文です。東京から。\r\n".encode())
save(6, ["Date: Mon, 06 Jan 2025 10:00:00 +0000",
    "From: Carol <carol@example.net>", "To: alice@example.org",
    "Subject: Lunch?", "Message-ID: <custom-6@tern.test>",
    "MIME-Version: 1.0", "Content-Type: text/html; charset=UTF-8"],
    b"<html><body><p>Lunch at <b>noon</b> tomorrow?</p></body></html>\r\n")
save(7, ["Date: Tue, 07 Jan 2025 10:00:00 +0000",
    "From: Dave <dave@example.net>", "To: alice@example.org",
    "Cc: bob@example.net", "Subject: Meeting agenda",
    "Message-ID: <custom-7@tern.test>", "MIME-Version: 1.0",
    "Content-Type: multipart/alternative; boundary=\"b2\""],
    b"--b2\r\nContent-Type: text/plain\r\n\r\nagenda: budget, hiring\r\n"
    b"--b2\r\nContent-Type: text/html\r\n\r\n"
    b"<p>agenda: budget, hiring</p>\r\n--b2--\r\n")
save(8, ["Date: Sat, 01 Feb 2025 10:00:00 +0000",
    "From: Eve <eve@example.net>", "To: alice@example.org",
    "Subject: big attachment", "Message-ID: <custom-8@tern.test>",
    "MIME-Version: 1.0",
    "Content-Type: multipart/mixed; boundary=\"b3\""],
    b"--b3\r\nContent-Type: text/plain\r\n\r\nA picture.\r\n"
    b"--b3\r\nContent-Type: image/png\r\n"
    b"Content-Disposition: attachment; filename=\"photo.png\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + png + b"--b3--\r\n")
save(9, ["Date: Sun, 02 Feb 2025 10:00:00 +0000",
    "From: Mallory <mallory@example.net>", "To: alice@example.org",
    "Subject: =?UTF-8?Q?evil=1B[31mred=07?=",
    "Message-ID: <custom-9@tern.test>", "MIME-Version: 1.0",
    "Content-Type: text/plain"], b"Terminal games.\r\n")
EOF
for f in "$msgs"/*.eml; do
	harness_doveadm save -u "$HARNESS_USER" -m INBOX <"$f" ||
		fail "doveadm save $f"
done
harness_doveadm flags add -u "$HARNESS_USER" '\Seen' mailbox INBOX uid 31:33
harness_doveadm flags add -u "$HARNESS_USER" '\Flagged \Answered' \
    mailbox INBOX uid 33
harness_doveadm flags add -u "$HARNESS_USER" '\Deleted \Seen' \
    mailbox INBOX uid 38
total=39

# The UIDs doveadm finds for ARGS..., one a line, ascending.
server_uids()
{
	harness_doveadm search -u "$HARNESS_USER" mailbox INBOX "$@" |
	    awk '{ print $2 }' | sort -n
}

# The UIDs tern finds for QUERY (with OPTION, e.g. --offline), ascending.
tern_uids()
{
	"$TERN" search $1 test:INBOX "$2" 2>"$HARNESS_DIR/search.err" |
	    cut -f1 | sort -n
}

# Each row: a tern query, a tab, the same query for doveadm (shell words).
queries=$(cat <<'EOF'
all	all
from:sender-5	from sender-5
from:JÜRGEN	from JÜRGEN
from:"müller <jm@"	from "müller <jm@"
to:carol	to carol
cc:bob	cc bob
subject:"quarterly REPORT"	subject "quarterly REPORT"
subject:grüße	subject grüße
subject:ΛΌΓΟΣ	subject ΛΌΓΟΣ
subject:re	subject re
body:straßenbahn	body straßenbahn
body:STRAßENBAHN	body STRAßENBAHN
body:"brown fox"	body "brown fox"
"brown fox"	text "brown fox"
body:noon	body noon
body:agenda	body agenda
invoice	text invoice
text:東京	text 東京
本文	text 本文
text:example.de	text example.de
before:2025-01-01	sentbefore 2025-01-01
since:2025-01-04	sentsince 2025-01-04
on:2025-01-03	senton 2025-01-03
on:2025-01-01	senton 2025-01-01
larger:10k	larger 10240
smaller:1k	smaller 1024
is:unread	unseen
is:read	seen
is:flagged	flagged
is:answered	answered
is:deleted	deleted
has:attachment	header content-type multipart/mixed
-is:read from:sender	not seen from sender
from:sender-3 OR from:sender-4	"(" from sender-3 OR from sender-4 ")"
(subject:report OR body:agenda) -is:flagged	"(" subject report OR body agenda ")" not flagged
NOT subject:message	not subject message
~f sender-5	from sender-5
~t carol	to carol
~c bob	cc bob
~s "quarterly REPORT"	subject "quarterly REPORT"
~b agenda	body agenda
=b agenda	body agenda
~B invoice	text invoice
~N	unseen
~U	unseen
~R	seen
~F	flagged
~Q	answered
~D	deleted
~A	all
!~R ~f sender	not seen from sender
~f sender-3 | ~f sender-4	"(" from sender-3 OR from sender-4 ")"
(~s report | ~b agenda) !~F	"(" subject report OR body agenda ")" not flagged
~d -31/12/2024	sentbefore 2025-01-01
~d 04/01/2025-	sentsince 2025-01-04
~d 03/01/2025	senton 2025-01-03
~z >10K	larger 10240
~z <1K	smaller 1024
EOF
)

# compare WHAT OPTION: every row, tern (with OPTION) against doveadm.
compare()
{
	local what=$1 option=$2 tq dq want got rows=0
	while IFS=$'\t' read -r tq dq; do
		eval "set -- $dq"
		want=$(server_uids "$@")
		got=$(tern_uids "$option" "$tq") ||
			fail "$what: tern search \"$tq\" failed: $(cat "$HARNESS_DIR/search.err")"
		if [ "$want" != "$got" ]; then
			fail "$what: \"$tq\": tern found [$(echo $got)], doveadm [$(echo $want)]"
		fi
		[ -n "$want" ] ||
			fail "$what: \"$tq\" matches nothing: a useless row"
		rows=$((rows + 1))
	done <<<"$queries"
	echo "$what: $rows queries agree with doveadm"
}

"$TERN" sync test:INBOX 2>"$HARNESS_DIR/sync.err" ||
	fail "sync failed: $(cat "$HARNESS_DIR/sync.err")"
compare online ""

# The body cache: filled newest first, resumable.
"$TERN" sync --bodies test:INBOX 2>"$HARNESS_DIR/bodies1.err" ||
	fail "sync --bodies failed: $(cat "$HARNESS_DIR/bodies1.err")"
assert_contains "$(cat "$HARNESS_DIR/bodies1.err")" \
    "INBOX bodies $total/$total" "first --bodies run fetches every body"
assert_eq "$total" "$(sqlite3 "$db" "SELECT count(*) FROM message
    WHERE has_body = 1")" "bodies cached"
sessions()
{
	grep -c 'imap(alice).*Disconnected' "$HARNESS_LOG" || true
}
before=$(sessions)
"$TERN" sync --bodies test:INBOX 2>"$HARNESS_DIR/bodies2.err" ||
	fail "second sync --bodies failed: $(cat "$HARNESS_DIR/bodies2.err")"
assert_not_contains "$(cat "$HARNESS_DIR/bodies2.err")" "bodies" \
    "second --bodies run fetches nothing"
# And the server says so: that session's logout line counts no body.
more_sessions()
{
	[ "$(sessions)" -gt "$before" ]
}
wait_until 5 more_sessions ||
	fail "dovecot logged no end of the second --bodies session"
assert_contains "$(grep 'imap(alice).*Disconnected' "$HARNESS_LOG" |
    tail -n 1)" "body_count=0 " "the server sent no body the second time"
# Resumes: drop three bodies, and only those come back.
sqlite3 "$db" "DELETE FROM body WHERE message_id IN (SELECT id FROM message
    WHERE uid IN (3, 17, 35)); UPDATE message SET has_body = 0
    WHERE uid IN (3, 17, 35)"
"$TERN" sync --bodies test:INBOX 2>"$HARNESS_DIR/bodies3.err" ||
	fail "third sync --bodies failed: $(cat "$HARNESS_DIR/bodies3.err")"
assert_contains "$(cat "$HARNESS_DIR/bodies3.err")" "INBOX bodies 3/3" \
    "an interrupted fill resumes with what is missing"

compare offline --offline

# Offline with bodies missing says how much of the folder it covers.
sqlite3 "$db" "DELETE FROM body WHERE message_id IN (SELECT id FROM message
    WHERE uid = 31); UPDATE message SET has_body = 0 WHERE uid = 31;
    UPDATE fts SET body = '' WHERE rowid = (SELECT id FROM message
    WHERE uid = 31)"
out=$("$TERN" search --offline test body:straßenbahn 2>"$HARNESS_DIR/cov.err")
assert_eq "34" "$(echo "$out" | cut -f1)" "offline body search sees cached bodies only"
assert_contains "$(cat "$HARNESS_DIR/cov.err")" \
    "body search covers $((total - 1)) of $total cached messages" \
    "the coverage note"
out=$("$TERN" search --offline test subject:grüße 2>"$HARNESS_DIR/cov.err")
assert_eq "" "$(cat "$HARNESS_DIR/cov.err")" "no coverage note without body terms"

# The output: UID, date, sender, subject, tab-separated, newest first.
assert_eq "$(printf '31\t2024-12-30 08:00\tJürgen Müller\tGrüße aus Köln')" \
    "$("$TERN" search test from:jürgen)" "one line, online"
assert_eq "$(printf '31\t2024-12-30 08:00\tJürgen Müller\tGrüße aus Köln')" \
    "$("$TERN" search --offline test 'from:jürgen')" "one line, offline"
assert_eq "39 38 37 36 35 34" \
    "$("$TERN" search test since:2025-01-04 | cut -f1 | tr '\n' ' ' | sed 's/ $//')" \
    "newest first"
assert_eq "6 5 4" \
    "$("$TERN" search test from:sender-4@ OR from:sender-5@ OR \
    from:sender-6@ | cut -f1 | tr '\n' ' ' | sed 's/ $//')" \
    "words after the folder make one query"
evil=$("$TERN" search test from:mallory)
case $evil in
*$'\033'* | *$'\007'*) fail "a control character reached the output" ;;
esac
assert_contains "$evil" "evil^[[31mred^G" "control characters shown, not sent"
assert_eq "$total" "$("$TERN" search test all | wc -l)" "all, INBOX by default"
assert_eq "5" "$("$TERN" search test:Archive all | wc -l)" "another folder"
assert_eq "5" "$("$TERN" search --offline test:Archive all | wc -l)" \
    "another folder, offline"

# Quit the reader, keeping the \Deleted message if it asks.
quit_reader()
{
	tui_quit
	if wait_until 2 tui_screen_has "Expunge"; then
		tui_keys n
	fi
	tui_wait_exit >/dev/null
	tui_stop
}

tui_screen_has()
{
	tui_screen | grep -qF "$1"
}

# The reader: / selects the first match, n the next one, l limits the
# index; the status line says who answered. Display order is newest first:
# 39 .. 32, then 30 .. 1, then 31.
tui_start 100 30 "$TERN" test
tui_wait_for "Message 00030 of 30"
tui_wait_for "online"
tui_keys /
tui_keys -l 'from:sender-2'
tui_keys Enter
tui_wait_for "server search: 11 matches"
assert_contains "$(tui_screen | tail -n 1)" "[10/$total msgs" \
    "/ selects the first match"
tui_keys n
tui_wait_for "[11/$total msgs"
tui_keys l
tui_keys -l 'subject:"00005" OR subject:"00006"'
tui_keys Enter
tui_wait_for "server search: 2 messages"
assert_contains "$(tui_screen | tail -n 1)" "limit: subject:" \
    "the status line shows the limit"
assert_contains "$(tui_screen | tail -n 1)" "/2 msgs" "the limited index"
assert_not_contains "$(tui_screen)" "Message 00007" "others are hidden"
tui_keys l
tui_keys -l all
tui_keys Enter
tui_wait_for "every message is shown"
tui_wait_for "Message 00007"
quit_reader
# Offline, the cache answers and says how much of it has bodies.
tui_start 100 30 "$TERN" --offline test
tui_wait_for "Message 00030 of 30"
tui_keys /
tui_keys -l 'body:STRAßENBAHN'
tui_keys Enter
tui_wait_for "offline search (cache): body text of $((total - 1)) of $total messages: 1 match"
assert_contains "$(tui_screen | tail -n 1)" "[6/$total msgs" \
    "offline / selects the match"
tui_keys /
tui_keys -l 'foo:bar'
tui_keys Enter
tui_wait_for 'search: unknown operator "foo:" at column 1'
quit_reader

# Usage errors: status 2 and one line naming the problem.
status=0
"$TERN" search test 'a foo:bar' 2>"$HARNESS_DIR/bad.err" || status=$?
assert_eq 2 "$status" "exit status of a bad query"
assert_eq 'tern: search: unknown operator "foo:" at column 3' \
    "$(cat "$HARNESS_DIR/bad.err")" "the bad query's message"
status=0
"$TERN" search --offline test '(from:a' 2>"$HARNESS_DIR/bad.err" || status=$?
assert_eq 2 "$status" "exit status of a missing )"
assert_contains "$(cat "$HARNESS_DIR/bad.err")" "missing )" "missing ) message"
status=0
"$TERN" search test 2>/dev/null || status=$?
assert_eq 2 "$status" "exit status without a query"
status=0
"$TERN" search --bodies test all 2>/dev/null || status=$?
assert_eq 2 "$status" "--bodies goes with sync only"

# A server that cannot be reached is an error online, not a silent switch.
sed -i "s/:$HARNESS_IMAPS_PORT/:1/" "$XDG_CONFIG_HOME/tern/config"
status=0
"$TERN" search test all >/dev/null 2>"$HARNESS_DIR/down.err" || status=$?
assert_eq 1 "$status" "exit status with the server down"
assert_eq "$total" "$("$TERN" search --offline test all | wc -l)" \
    "the cache still answers offline"
echo "ok"
