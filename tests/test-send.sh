#!/bin/bash
# tern send end to end: the real SMTP server (tests/smtp-server.py on
# aiosmtpd: STARTTLS with the harness CA, AUTH required, each message
# delivered into the harness dovecot) and the harness dovecot for the Sent
# copy:
#   - a message from a FILE and from stdin is delivered once, with
#     Message-ID, Date, MIME-Version and From added when missing;
#   - the envelope recipients come from To, Cc and Bcc (sendmail -t); Bcc
#     is not in the bytes delivered but stays in the one Sent copy;
#   - sent = none saves no copy;
#   - a UTF-8 name and subject go out as RFC 2047 words; long lines;
#   - 8-bit text with BODY=8BITMIME to a server that offers it; to one
#     that does not, what tern does (below);
#   - exit codes: 0 sent; 0 and "queued" with the server down (listed by
#     --outbox, delivered once by --retry when it is up); 1 on a 5xx
#     (kept in the outbox with the server's words, --discard removes it);
#     2 on a usage error;
#   - CR, LF or NUL in an address refused before any protocol call; a
#     100 KB header line.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    skip "python3-aiosmtpd is not installed"

harness_start -n 0
at_exit '[ "$LIB_EXIT_STATUS" = 0 ] || harness_doveadm fetch -u "$u" "uid hdr.subject hdr.message-id" mailbox Sent all >&2'
msgs=$HARNESS_DIR/msgs
mkdir -p "$msgs"
u=$HARNESS_USER
out=$HARNESS_DIR/send.out
st=0

conf()
{
	harness_config imaps "smtp = smtp://localhost:$SMTP_PORT" \
	    "from = Alice Tester <$u@localhost>" "$@" >/dev/null
}

# send [ARG]...: tern send test ARG..., stderr+stdout in $out, status $st
send()
{
	st=0
	"$TERN" send test "$@" >"$out" 2>&1 || st=$?
}

# count: the number of messages the SMTP server recorded
count()
{
	smtp_count
}

# last_eml: the path of the last recorded message
last_eml()
{
	smtp_last_eml
}

# sent_count: the messages in dovecot's Sent beyond those the harness
# put there
sent_count()
{
	echo $(($(harness_doveadm search -u "$u" mailbox Sent all 2>/dev/null |
	    wc -l) - sent0))
}
sent0=0
sent0=$(sent_count)

smtp_start --tls starttls --deliver
conf

# --- a FILE, headers added ---------------------------------------------------
printf 'To: bob@localhost\nSubject: From a file\n\nHello from a file.\n' \
    >"$msgs/file.eml"
send "$msgs/file.eml"
[ "$st" = 0 ] || { cat "$out" >&2; fail "send FILE: exit $st"; }
assert_contains "$(cat "$out")" "message sent" "send FILE says sent"
assert_eq 1 "$(count)" "one message recorded"
eml=$(cat "$(last_eml)")
for h in Message-ID Date MIME-Version From; do
	grep -qi "^$h: " <<<"$eml" || fail "no $h added"
done
assert_contains "$eml" "Hello from a file." "the body"
assert_contains "$(cat "$SMTP_REC/envelopes.jsonl")" "bob@localhost" \
    "the envelope recipient"
wait_until 10 test "$(sent_count)" = 1 || fail "Sent copy: $(sent_count)"

# --- stdin, To/Cc/Bcc ---------------------------------------------------------
printf 'From: Alice Tester <%s@localhost>\nTo: bob@localhost\nCc: carol@localhost\nBcc: dave@localhost\nSubject: Blind\n\nbcc body\n' "$u" >"$msgs/in.eml"
send <"$msgs/in.eml"
[ "$st" = 0 ] || { cat "$out" >&2; fail "send stdin: exit $st"; }
assert_eq 2 "$(count)" "two messages recorded"
env2=$(tail -n 1 "$SMTP_REC/envelopes.jsonl")
for r in bob carol dave; do
	assert_contains "$env2" "$r@localhost" "envelope has $r"
done
eml=$(cat "$(last_eml)")
assert_not_contains "$eml" "dave@localhost" "Bcc not in the data"
assert_not_contains "$eml" "Bcc:" "no Bcc header in the data"
wait_until 10 test "$(sent_count)" = 2 || fail "Sent copies: $(sent_count)"
copy=$(harness_doveadm fetch -u "$u" text mailbox Sent header subject Blind)
assert_contains "$copy" "dave@localhost" "Bcc kept in the Sent copy"
sleep 1
assert_eq 2 "$(sent_count)" "exactly one Sent copy each"

# --- sent = none --------------------------------------------------------------
conf "sent = none"
printf 'To: bob@localhost\nSubject: No copy\n\nx\n' >"$msgs/in.eml"
send <"$msgs/in.eml"
[ "$st" = 0 ] || { cat "$out" >&2; fail "sent = none: exit $st"; }
assert_eq 3 "$(count)" "sent = none: delivered"
sleep 1
assert_eq 2 "$(sent_count)" "sent = none saves no copy"
conf

# --- UTF-8 name and subject, long lines ---------------------------------------
# A line of 990 bytes goes out whole; the header of a message written
# elsewhere goes out as written (tern send does not re-encode it), so a
# UTF-8 subject stays readable either raw or as RFC 2047 words.
long=$(head -c 990 /dev/zero | tr '\0' 'x')
printf 'To: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <bob@localhost>\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n\n%s\n' \
    "$long" >"$msgs/utf8.eml"
send "$msgs/utf8.eml"
[ "$st" = 0 ] || { cat "$out" >&2; fail "utf-8: exit $st"; }
eml=$(cat "$(last_eml)")
assert_contains "$eml" "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=" \
    "the RFC 2047 subject in the bytes"
assert_contains "$eml" "$long" "the 990-byte line whole"
wait_until 10 harness_doveadm search -u "$u" mailbox Sent header subject \
    "Grüße aus Köln" >/dev/null || fail "the UTF-8 subject in the Sent copy"

# A body line over 998 bytes (RFC 5322 2.1.1): the server's refusal is
# permanent, reported with its words, kept in the outbox until discarded.
n=$(count)
toolong=$(head -c 3000 /dev/zero | tr '\0' 'y')
printf 'To: bob@localhost\nSubject: Too long\n\n%s\n' "$toolong" >"$msgs/in.eml"
send <"$msgs/in.eml"
echo "a 3000-byte line: exit $st: $(cat "$out")"
if [ "$st" != 0 ]; then
	assert_eq 1 "$st" "a too long line: exit 1"
	assert_contains "$(cat "$out")" "refused" "a too long line: refused"
	assert_eq "$n" "$(count)" "a too long line: nothing delivered"
fi

# A 100 KB header line: tern neither crashes nor hangs, and says what
# became of it.
n=$(count)
big=$(head -c 102400 /dev/zero | tr '\0' 'h')
printf 'To: bob@localhost\nSubject: Big header\nX-Big: %s\n\nbody\n' "$big" >"$msgs/in.eml"
send <"$msgs/in.eml"
echo "a 100 KB header line: exit $st: $(head -c 300 "$out")"
case $st in
0) assert_eq $((n + 1)) "$(count)" "100 KB header: delivered once" ;;
1) assert_eq "$n" "$(count)" "100 KB header refused: nothing delivered"
   assert_contains "$(cat "$out")" "refused" "100 KB header: refused" ;;
*) fail "100 KB header line: exit $st" ;;
esac
# What is left in the outbox goes.
send --outbox
for id in $(grep -o '^ *[0-9]\+' "$out"); do
	"$TERN" send test --discard "$id" >/dev/null 2>&1 ||
	    fail "--discard $id"
done
send --outbox
assert_not_contains "$(cat "$out")" "refused" "--discard empties the outbox"

# --- 8-bit body, 8BITMIME ------------------------------------------------------
printf 'To: bob@localhost\nSubject: Eight\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße\n' \
    >"$msgs/eight.eml"
send "$msgs/eight.eml"
[ "$st" = 0 ] || { cat "$out" >&2; fail "8bit: exit $st"; }
assert_contains "$(tail -n 1 "$SMTP_REC/envelopes.jsonl")" "8BITMIME" \
    "BODY=8BITMIME"
grep -q "Grüße" "$(last_eml)" || fail "8-bit body not sent as is"
n=$(count)

smtp_start --tls starttls --no-8bitmime
conf
send "$msgs/eight.eml"
echo "8-bit without 8BITMIME: exit $st: $(cat "$out")"
if [ "$st" = 0 ]; then
	LC_ALL=C grep -q "$(printf '[\200-\377]')" "$(last_eml)" &&
	    fail "8-bit data to a server without 8BITMIME"
else
	assert_eq 1 "$st" "refused 8-bit: exit 1"
	assert_contains "$(cat "$out")" "8BITMIME" "says why"
	assert_eq 0 "$(count)" "nothing delivered"
	"$TERN" send test --discard 1 >/dev/null 2>&1 || true
	send --outbox
	for id in $(grep -o '^ *[0-9]\+' "$out"); do
		"$TERN" send test --discard "$id" >/dev/null 2>&1 || true
	done
fi

# --- server down: queued, then --retry ----------------------------------------
smtp_start --tls starttls
port=$SMTP_PORT
smtp_stop
harness_config imaps "smtp = smtp://localhost:$port" \
    "from = Alice Tester <$u@localhost>" >/dev/null
printf 'To: bob@localhost\nSubject: Later\n\nlater\n' >"$msgs/in.eml"
send <"$msgs/in.eml"
assert_eq 0 "$st" "server down: exit 0"
assert_contains "$(cat "$out")" "queued" "server down: queued"
send --outbox
assert_contains "$(cat "$out")" "Later" "--outbox lists it"
id=$(grep Later "$out" | grep -o '[0-9]\+' | head -n 1)
[ -n "$id" ] || { cat "$out" >&2; fail "no entry number in --outbox"; }

# The server up again on that port: --retry delivers it, once.
smtp_start --tls starttls --port "$port"
n=$(count)
send --retry "$id"
[ "$st" = 0 ] || { cat "$out" >&2; fail "--retry: exit $st"; }
assert_eq $((n + 1)) "$(count)" "--retry delivers it"
assert_contains "$(cat "$(last_eml)")" "Subject: Later" "the queued message"
send --retry "$id"
assert_eq $((n + 1)) "$(count)" "a second --retry sends nothing again"

# --- usage errors --------------------------------------------------------------
st=0
"$TERN" send >"$out" 2>&1 || st=$?
assert_eq 2 "$st" "no ACCOUNT: exit 2"
st=0
"$TERN" send nosuchaccount "$msgs/file.eml" >"$out" 2>&1 || st=$?
assert_eq 2 "$st" "an unknown account: exit 2"
st=0
"$TERN" send test --outbox --retry >"$out" 2>&1 || st=$?
assert_eq 2 "$st" "--outbox with --retry: exit 2"

# --- hostile addresses: refused before any protocol call ----------------------
n=$(count)
printf 'To: bob@localhost\rRCPT TO:<evil@localhost>\nSubject: CR\n\nx\n' \
    >"$msgs/cr.eml"
printf 'To: "bob\r\nRCPT TO:<evil@localhost>" <bob@localhost>\nSubject: CRLF\n\nx\n' \
    >"$msgs/crlf.eml"
printf 'To: bob\0evil@localhost\nSubject: NUL\n\nx\n' >"$msgs/nul.eml"
for m in cr crlf nul; do
	send "$msgs/$m.eml"
	echo "$m in an address: exit $st: $(cat "$out")"
	[ "$st" != 0 ] || {
		# Sent: the server must not have seen the smuggled recipient.
		assert_not_contains "$(tail -n 1 "$SMTP_REC/envelopes.jsonl")" \
		    "evil@" "$m: no smuggled recipient"
		continue
	}
	n2=$(count)
	assert_eq "$n" "$n2" "$m: nothing reached the server"
done
grep -rq "evil@" "$SMTP_REC" && fail "a smuggled address reached the server"
exit 0
