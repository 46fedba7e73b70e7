#!/bin/bash
# The SMTP session (src/smtp.c) alone, through tests/smtp-try:
#   - against tests/smtp-server.py (aiosmtpd): STARTTLS and implicit TLS,
#     AUTH PLAIN, a wrong password (an auth error), XOAUTH2 and
#     OAUTHBEARER tokens (and a wrong one), 8BITMIME offered or not with
#     8-bit data, SMTPUTF8 needed or not, the message recorded byte for
#     byte (dot-unstuffed) with its lines that start with ".", a message
#     without a final CRLF, a 5 MB message, SIZE over the limit, two
#     messages in one session, PIPELINING, no AUTH offered, delivery into
#     the harness dovecot, EHLO's argument (the From domain or an address
#     literal, never the host name), bare LF and CR sent as CRLF, no
#     secret in the log;
#   - against tests/fake-server.py, for what a real server never does:
#     421 at the greeting and to MAIL, 452 and 550 for one recipient
#     (listed by address, the server's text sanitised), every recipient
#     refused, 554 and 452 after the data, the link dropped after the
#     final dot (unknown) and in the middle of the data (temp), STARTTLS
#     not offered and bytes injected after its 220 (no credentials sent),
#     AUTH refused (535) and refused for now (454), a reply that never
#     ends and a line that never ends, silence after the greeting (the
#     timeout, and smtp_interrupt() from another thread), the before-dot
#     callback stopping a message.
set -eu
_try_bin=${TERN:-}
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

try=${SMTP_TRY:-}
if [ -z "$try" ]; then
	try=$(dirname "${_try_bin:-$TERN}")/tests/smtp-try
	[ -x "$try" ] || try=$(dirname "$TERN")/tests/smtp-try
fi
[ -x "$try" ] || skip "no tests/smtp-try (make check builds it)"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    skip "python3-aiosmtpd is not installed"

harness_start -n 0
msgs=$HARNESS_DIR/msgs
mkdir -p "$msgs"

# The messages: CRLF line ends; lines starting with "." and ".."; 8-bit
# text; no final CRLF; 5 MB.
"$TERN_PYTHON" - "$msgs" <<'EOF'
import sys
d = sys.argv[1]
head = ("From: Alice Tester <alice@example.org>\r\n"
        "To: bob@example.org\r\n"
        "Subject: %s\r\n"
        "Message-ID: <%s@example.org>\r\n"
        "MIME-Version: 1.0\r\n")
def w(name, data):
    with open("%s/%s" % (d, name), "wb") as f:
        f.write(data)
w("plain.eml", (head % ("Plain", "plain") + "\r\n"
    ".A line that starts with a dot\r\n"
    "..two dots\r\n"
    ".\r\n"
    "The end.\r\n").encode())
w("eight.eml", (head % ("Eight", "eight") +
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Grüße aus Köln.\r\n.Punkt\r\n").encode("utf-8"))
w("noeol.eml", (head % ("No EOL", "noeol") + "\r\n"
    "no final line end").encode())
w("bare.eml", b"Subject: Bare\n\n.dot\nlf\rcr\r\ncrlf\n")
w("bare.want", b"Subject: Bare\r\n\r\n.dot\r\nlf\r\ncr\r\ncrlf\r\n")
big = [head % ("Big", "big") + "\r\n"]
line = "0123456789" * 7 + "abcdef\r\n"
n = 5 * 1024 * 1024 // len(line)
for i in range(n):
    big.append(("." if i % 100 == 0 else "") + line)
w("big.eml", "".join(big).encode())
EOF

out=$HARNESS_DIR/try.out
st=0
elapsed=0
# try [SMTP-TRY OPTION]... FILE RCPT...: run smtp-try on the config
# $cfg; its output in $out, its exit status in $st, the seconds it took
# in $elapsed.
try()
{
	local t0 t1
	t0=$(date +%s)
	st=0
	"$try" -c "$cfg" "$@" >"$out" 2>"$out.err" || st=$?
	t1=$(date +%s)
	elapsed=$((t1 - t0))
	if grep -q . "$out.err"; then
		cat "$out.err" >&2
	fi
}

# expect KEY [VALUE]: the line "KEY: VALUE..." (or "KEY") is in the
# output; VALUE is a regexp.
expect()
{
	grep -q "^$1${2:+: $2}" "$out" || {
		cat "$out" >&2
		fail "expected \"$1${2:+: $2}\" (${what:-})"
	}
}

# Bytes of the output that a terminal must never see: ESC and the C0
# controls but for newline and tab.
clean_output()
{
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$out"; then
		od -c "$out" | head >&2
		fail "control bytes in the output (${what:-})"
	fi
}

# rec N KEY: the envelope field KEY of message N as JSON.
rec()
{
	"$TERN_PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps(r[sys.argv[2]], sort_keys=True))' "$SMTP_REC/$1.json" "$2"
}

same()
{
	cmp -s "$1" "$2" || fail "recorded message $2 differs from $1 (${what:-})"
}

conf()
{
	cfg=$(harness_config imaps "$@")
}

from='from = Alice Tester <alice@example.org>'

# --- the real server -------------------------------------------------------

what="STARTTLS, AUTH PLAIN"
smtp_start --tls starttls
conf "smtp = smtp://localhost:$SMTP_PORT" "$from"
try -l "$HARNESS_DIR/smtp.log" "$msgs/plain.eml" bob@example.org
expect connect ok
expect outcome sent
expect code 250
assert_eq 0 "$st" "$what: exit status"
same "$msgs/plain.eml" "$SMTP_REC/1.eml"
assert_eq '"alice@example.org"' "$(rec 1 mail_from)" "$what: MAIL FROM"
assert_eq '["bob@example.org"]' "$(rec 1 rcpt_tos)" "$what: RCPT TO"
assert_eq '"PLAIN:alice"' "$(rec 1 auth)" "$what: AUTH"
assert_eq true "$(rec 1 tls)" "$what: TLS"
assert_eq '"example.org"' "$(rec 1 helo)" "$what: EHLO argument"
assert_not_contains "$(rec 1 helo)" "$(hostname)" "$what: host name in EHLO"
assert_contains "$(rec 1 mail_options)" "SIZE=" "$what: SIZE"
assert_not_contains "$(rec 1 mail_options)" "BODY=8BITMIME" \
    "$what: 7-bit data"
assert_not_contains "$(rec 1 mail_options)" "SMTPUTF8" "$what: SMTPUTF8"
# No secret in the log: neither the password nor PLAIN's base64.
log=$(cat "$HARNESS_DIR/smtp.log")
b64=$(printf '\0alice\0alice-secret-1' | base64 -w0)
assert_not_contains "$log" "alice-secret-1" "$what: password in the log"
assert_not_contains "$log" "$b64" "$what: AUTH PLAIN in the log"
assert_contains "$log" "AUTH <redacted>" "$what: the AUTH line redacted"
assert_contains "$log" "bytes of message data" "$what: data not traced"
assert_not_contains "$log" "starts with a dot" "$what: data in the trace"

what="two messages in one session, a line without CRLF at the end"
try -n 2 "$msgs/noeol.eml" bob@example.org
assert_eq 2 "$(grep -c '^outcome: sent' "$out")" "$what"
{ cat "$msgs/noeol.eml"; printf '\r\n'; } >"$HARNESS_DIR/noeol.want"
same "$HARNESS_DIR/noeol.want" "$SMTP_REC/2.eml"
same "$HARNESS_DIR/noeol.want" "$SMTP_REC/3.eml"

what="8-bit data, 8BITMIME offered"
try "$msgs/eight.eml" bob@example.org
expect outcome sent
same "$msgs/eight.eml" "$SMTP_REC/4.eml"
assert_contains "$(rec 4 mail_options)" "BODY=8BITMIME" "$what"

what="bare LF and CR: sent as CRLF"
try "$msgs/bare.eml" bob@example.org
expect outcome sent
same "$msgs/bare.want" "$SMTP_REC/5.eml"

what="a non-ASCII address, SMTPUTF8 not offered"
try "$msgs/plain.eml" 'jörg@example.org'
expect outcome perm
expect text "an address is not ASCII"
assert_eq 1 "$st" "$what: exit status"

what="a 5 MB message"
try "$msgs/big.eml" bob@example.org carol@example.org
expect outcome sent
same "$msgs/big.eml" "$SMTP_REC/6.eml"
assert_eq '["bob@example.org", "carol@example.org"]' "$(rec 6 rcpt_tos)" \
    "$what: recipients"

what="an address tern will not send"
try "$msgs/plain.eml" bob@example.org 'evil@x>
RCPT TO:<more@x'
expect outcome perm
expect text '"evil@x> RCPT TO:<more@x" is not an address'
[ ! -e "$SMTP_REC/7.json" ] || fail "$what: something was sent"

what="wrong password"
HARNESS_PASS=wrong conf "smtp = smtp://localhost:$SMTP_PORT" "$from"
try "$msgs/plain.eml" bob@example.org
expect connect auth
assert_eq 2 "$st" "$what: exit status"
clean_output

what="a From without a dotted domain: an address literal"
conf "smtp = smtp://localhost:$SMTP_PORT" "from = alice@localhost"
try "$msgs/plain.eml" bob@example.org
expect outcome sent
assert_eq '"[127.0.0.1]"' "$(rec 7 helo)" "$what"
smtp_stop

what="implicit TLS"
smtp_start --tls implicit --smtputf8
conf "smtp = smtps://localhost:$SMTP_PORT" "$from"
try "$msgs/plain.eml" bob@example.org
expect outcome sent
assert_eq true "$(rec 1 tls)" "$what: TLS"
same "$msgs/plain.eml" "$SMTP_REC/1.eml"

what="a non-ASCII address, SMTPUTF8 offered"
try "$msgs/eight.eml" 'jörg@example.org'
expect outcome sent
assert_contains "$(rec 2 mail_options)" "SMTPUTF8" "$what"
assert_contains "$(rec 2 mail_options)" "BODY=8BITMIME" "$what: 8-bit"
assert_eq '["j\u00f6rg@example.org"]' "$(rec 2 rcpt_tos)" "$what: RCPT"

what="ASCII addresses, SMTPUTF8 offered: not asked for"
try "$msgs/eight.eml" bob@example.org
expect outcome sent
assert_not_contains "$(rec 3 mail_options)" "SMTPUTF8" "$what"

what="XOAUTH2 with the token"
cfg=$(harness_config --no-password imaps "smtp = smtps://localhost:$SMTP_PORT" \
    "$from" "auth = xoauth2" "oauth2_token_cmd = echo $HARNESS_PASS")
try "$msgs/plain.eml" bob@example.org
expect outcome sent
assert_eq '"XOAUTH2:alice"' "$(rec 4 auth)" "$what"

what="OAUTHBEARER with the token"
cfg=$(harness_config --no-password imaps "smtp = smtps://localhost:$SMTP_PORT" \
    "$from" "auth = oauthbearer" "oauth2_token_cmd = echo $HARNESS_PASS")
try "$msgs/plain.eml" bob@example.org
expect outcome sent
assert_eq '"OAUTHBEARER:alice"' "$(rec 5 auth)" "$what"

what="OAUTHBEARER with a wrong token"
cfg=$(harness_config --no-password imaps "smtp = smtps://localhost:$SMTP_PORT" \
    "$from" "auth = oauthbearer" "oauth2_token_cmd = echo wrong-token")
try "$msgs/plain.eml" bob@example.org
expect connect auth
expect connect "auth: the server refused the OAuth 2.0 access token"

what="smtp_user signs in"
cfg=$(harness_config imaps "smtp = smtps://localhost:$SMTP_PORT" "$from" \
    "smtp_user = bob")
try "$msgs/plain.eml" alice@example.org
expect connect auth
smtp_stop

what="8-bit data, no 8BITMIME"
smtp_start --no-8bitmime --size 1000000 --pipelining --deliver
conf "smtp = smtp://localhost:$SMTP_PORT" "$from"
try "$msgs/eight.eml" bob@example.org
expect outcome perm
expect text "the message holds 8-bit data and the server does not offer 8BITMIME"
[ ! -e "$SMTP_REC/1.json" ] || fail "$what: something was sent"

what="over the server's SIZE"
try "$msgs/big.eml" bob@example.org
expect outcome perm
expect text "the message ("
[ ! -e "$SMTP_REC/1.json" ] || fail "$what: something was sent"

what="PIPELINING, delivered into the harness dovecot"
try "$msgs/plain.eml" alice@example.org bob@example.org
expect outcome sent
same "$msgs/plain.eml" "$SMTP_REC/1.eml"
n=$(harness_doveadm search -u alice mailbox INBOX header Message-ID \
    '<plain@example.org>' | wc -l)
assert_eq 1 "$n" "$what: in alice's INBOX"
smtp_stop

what="no AUTH offered"
smtp_start --no-auth
conf "smtp = smtp://localhost:$SMTP_PORT" "$from"
try "$msgs/plain.eml" bob@example.org
expect connect ok
expect outcome sent
assert_eq null "$(rec 1 auth)" "$what"
smtp_stop

# --- the fake server ---------------------------------------------------------

# fake SCENARIO [tls]: start it (implicit TLS unless "plain") and point the
# config at it; more config lines in $extra.
extra=
fake()
{
	if [ "${2:-tls}" = plain ]; then
		fake_start "$1" --timeout 20 --cert "$HARNESS_CERT" \
		    --key "$HARNESS_KEY"
		conf "smtp = smtp://localhost:$FAKE_PORT" "$from" $extra
	else
		fake_start "$1" --timeout 20 --tls --cert "$HARNESS_CERT" \
		    --key "$HARNESS_KEY"
		conf "smtp = smtps://localhost:$FAKE_PORT" "$from" $extra
	fi
}

# sent_line LINE: whether the client sent LINE (a regexp) to the fake.
sent_line()
{
	grep -q "$1" "$FAKE_LOG"
}

for sc in smtp-mailbox smtp-no-pipelining; do
	what="$sc: one recipient 452, one 550"
	fake "$sc"
	try "$msgs/plain.eml" ok@example.org temp1@example.org bad1@example.org
	expect outcome sent
	expect refused "temp1@example.org 452 452 4.2.2"
	expect refused "bad1@example.org 550 550 5.1.1 <bad1> \\^\\[\\[31mno such user"
	clean_output
	assert_eq 1 "$(grep -c '^RCPT TO:<ok@example.org>' "$FAKE_LOG")" "$what"
	sent_line '^DATA$' || fail "$what: no DATA"

	what="$sc: every recipient refused, one for now"
	fake "$sc"
	try -n 2 "$msgs/plain.eml" temp2@example.org bad2@example.org
	expect outcome temp
	expect text "the server refused every recipient"
	assert_eq 2 "$(grep -c '^RSET$' "$FAKE_LOG")" "$what: RSET"
	assert_eq 2 "$(grep -c '^outcome: temp' "$out")" "$what: session kept"
	clean_output

	what="$sc: every recipient refused for good"
	fake "$sc"
	try "$msgs/plain.eml" bad2@example.org bad3@example.org
	expect outcome perm
	expect status ok
	assert_eq 2 "$(grep -c '^refused: ' "$out")" "$what"
	sent_line '^RSET$' || fail "$what: no RSET"
	if [ "$sc" = smtp-no-pipelining ]; then
		! sent_line '^DATA$' || fail "$what: DATA sent"
	fi
done

what="421 at the greeting"
fake smtp-greet-421
try "$msgs/plain.eml" bob@example.org
expect connect "net: the server refused the connection: 421 4.3.2"
! sent_line AUTH || fail "$what: AUTH sent"

what="421 to MAIL"
fake smtp-mail-421
try -n 2 "$msgs/plain.eml" bob@example.org
expect outcome temp
expect status net
expect code 421
expect text "the server closes the connection: 421"
assert_eq 1 "$(grep -c '^MAIL FROM' "$FAKE_LOG")" "$what: no second MAIL"

what="554 after the data"
fake smtp-data-554
try "$msgs/plain.eml" bob@example.org
expect before-dot
expect outcome perm
expect code 554
expect text "the server refused the message: 554 5.6.0"

what="452 after the data"
fake smtp-data-452
try "$msgs/plain.eml" bob@example.org
expect outcome temp
expect code 452

what="the link dropped after the final dot"
fake smtp-drop-after-dot
try "$msgs/plain.eml" bob@example.org
expect before-dot
expect outcome unknown
expect status net
expect text ".*the message may have been sent"

what="the link dropped in the middle of the data"
fake smtp-drop-mid-data
try "$msgs/big.eml" bob@example.org
expect outcome temp
expect status net
! grep -q '^before-dot' "$out" || fail "$what: before-dot called"

what="the before-dot callback stops the message"
fake smtp-mailbox
try -s "$msgs/plain.eml" bob@example.org
expect before-dot
expect outcome temp
! sent_line '^\.$' || fail "$what: the final dot was sent"

what="STARTTLS not offered"
fake smtp-no-starttls plain
try "$msgs/plain.eml" bob@example.org
expect connect "tls: localhost does not offer STARTTLS"
! sent_line AUTH || fail "$what: AUTH sent in plain text"

what="bytes injected after STARTTLS's 220"
fake smtp-starttls-inject plain
try "$msgs/plain.eml" bob@example.org
expect connect "tls: localhost sent data right after accepting STARTTLS"
! sent_line AUTH || fail "$what: AUTH sent"

what="AUTH refused"
fake smtp-auth-refused
try "$msgs/plain.eml" bob@example.org
expect connect "auth: login refused: 535 5.7.8"

what="an OAuth token refused: a fresh one tried once"
fake_start smtp-auth-refused --timeout 20 --tls --cert "$HARNESS_CERT" \
    --key "$HARNESS_KEY"
cfg=$(harness_config --no-password imaps "smtp = smtps://localhost:$FAKE_PORT" \
    "$from" "auth = xoauth2" "oauth2_token_cmd = echo some-token")
extra=
try "$msgs/plain.eml" bob@example.org
expect connect auth
assert_eq 2 "$(grep -c '^AUTH XOAUTH2' "$FAKE_LOG")" "$what"

what="AUTH refused for now (454)"
fake smtp-auth-temp
try "$msgs/plain.eml" bob@example.org
expect connect "net: the server cannot sign in now (454 4.7.0"

what="no AUTH offered by the fake"
fake smtp-no-auth
try "$msgs/plain.eml" bob@example.org
expect connect ok
expect outcome sent
! sent_line AUTH || fail "$what: AUTH sent"

what="an EHLO reply that never ends"
fake smtp-endless-ehlo
try "$msgs/plain.eml" bob@example.org
expect connect net
[ "$elapsed" -lt 15 ] || fail "$what: took $elapsed s"

what="a reply line that never ends"
fake smtp-huge-line
try "$msgs/plain.eml" bob@example.org
expect connect net
[ "$elapsed" -lt 15 ] || fail "$what: took $elapsed s"

what="silence after the greeting: the timeout"
extra="timeout=2"
fake smtp-silent-after-greeting
extra=
try "$msgs/plain.eml" bob@example.org
expect connect "net: .*no answer from the server in 2 s"
[ "$elapsed" -lt 10 ] || fail "$what: took $elapsed s"

what="silence after the greeting: smtp_interrupt()"
fake smtp-silent-after-greeting
try -i 1 "$msgs/plain.eml" bob@example.org
expect connect net
[ "$elapsed" -lt 8 ] || fail "$what: took $elapsed s"

exit 0
