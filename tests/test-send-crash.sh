#!/bin/bash
# tern send killed (SIGKILL) at each step of the outbox, in repeated
# trials, each followed by a clean run (tern send --retry ID for what the
# outbox still holds as queued, after a tern sync): every message is delivered exactly once,
# or the outbox says "may have been sent" with the message kept — never
# twice, never lost. Deliveries are counted from the SMTP server's
# records (tests/smtp-server.py). The steps:
#   - before the SMTP session (killed right after the start);
#   - at random points of a run with a 1 MB message (the session, DATA);
#   - after the final dot, before the reply (the server holds its reply:
#     --data-delay);
#   - after the reply (sent, the Sent copy not saved yet).
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    skip "python3-aiosmtpd is not installed"

harness_start -n 0
u=$HARNESS_USER
d=$HARNESS_DIR/crash
mkdir -p "$d"
out=$d/out

conf()
{
	harness_config imaps "smtp = smtp://localhost:$SMTP_PORT" \
	    "from = Alice Tester <$u@localhost>" >/dev/null
}

# delivered SUBJECT: how many recorded messages carry SUBJECT
delivered()
{
	grep -l "^Subject: $1.\?$" "$SMTP_REC"/*.eml 2>/dev/null | wc -l
}

# recorded SUBJECT: the server has recorded SUBJECT
recorded()
{
	[ "$(delivered "$1")" -ge 1 ]
}

# message SUBJECT [KB]: a message file with SUBJECT and KB of text
message()
{
	{
		printf 'To: bob@localhost\nSubject: %s\n\n' "$1"
		if [ "${2:-0}" -gt 0 ]; then
			head -c $(($2 * 1024)) /dev/zero | tr '\0' 'z' |
			    fold -w 76
			echo
		fi
		echo end
	} >"$d/$1.eml"
}

# killed SUBJECT DELAY_MS [WAIT_RECORDED]: queue SUBJECT (--offline: in
# the outbox once that returns 0), send it in the background (--retry
# ID) and SIGKILL that after DELAY_MS (or, with WAIT_RECORDED, that long
# after the server recorded it)
killed()
{
	local pid id
	"$TERN" send --offline test "$d/$1.eml" >"$out" 2>&1 ||
	    fail "$1: --offline: $(cat "$out")"
	"$TERN" send --outbox test >"$out" 2>&1 || true
	id=$(grep -F "$1" "$out" | grep -o '[0-9]\+' | head -n 1)
	[ -n "$id" ] || fail "$1: not in the outbox: $(cat "$out")"
	"$TERN" send --retry "$id" test >"$d/bg" 2>&1 &
	pid=$!
	if [ -n "${3:-}" ]; then
		wait_until 10 recorded "$1" ||
		    fail "$1: never reached the server: $(cat "$d/bg"; "$TERN" send --outbox test 2>&1)"
	fi
	sleep "$(printf '%d.%03d' $(($2 / 1000)) $(($2 % 1000)))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# settle SUBJECT: the clean run, then the check
unknown=0
settle()
{
	local id line n
	"$TERN" sync test >"$d/retry" 2>&1 || true
	"$TERN" send --outbox test >"$out" 2>&1 || true
	line=$(grep -F "$1" "$out" || true)
	if [ -n "$line" ] && ! grep -q "may have been sent" <<<"$line"; then
		id=$(grep -o '[0-9]\+' <<<"$line" | head -n 1)
		"$TERN" send --retry "$id" test >"$d/retry" 2>&1 || true
		"$TERN" send --outbox test >"$out" 2>&1 || true
		line=$(grep -F "$1" "$out" || true)
	fi
	n=$(delivered "$1")
	echo "$1: delivered $n, outbox: ${line:-nothing}"
	# A kill while the message was in flight: tern cannot know, and
	# keeps it ("may have been sent", or still "sending" until the next
	# tern send looks at it).
	if [ -n "$line" ] && grep -q "may have been sent\|sending" <<<"$line"; then
		[ "$n" -le 1 ] || fail "$1: delivered $n times"
		unknown=$((unknown + 1))
		id=$(grep -o '[0-9]\+' <<<"$line" | head -n 1)
		"$TERN" send --discard "$id" test >/dev/null 2>&1 || true
		return
	fi
	[ "$n" = 1 ] || {
		cat "$out" "$d/retry" >&2 2>/dev/null || true
		fail "$1: delivered $n times, outbox: ${line:-nothing}"
	}
}

smtp_start --tls starttls
conf
trials=${TRIALS:-6}

# Before the session.
for t in $(seq 1 "$trials"); do
	message "before-$t"
	killed "before-$t" $((RANDOM % 20))
	settle "before-$t"
done

# Anywhere in a run with a 1 MB message.
message warm 1024
st=0
t0=$(date +%s%N)
"$TERN" send test "$d/warm.eml" >/dev/null 2>&1 || st=$?
dur=$((($(date +%s%N) - t0) / 1000000))
assert_eq 0 "$st" "the warm-up send"
assert_eq 1 "$(delivered warm)" "the warm-up message"
for t in $(seq 1 "$trials"); do
	message "during-$t" 1024
	killed "during-$t" $((RANDOM % (dur + 1)))
	settle "during-$t"
done

# After the final dot, before the reply.
smtp_start --tls starttls --data-delay 3
conf
for t in $(seq 1 "$trials"); do
	message "dot-$t"
	killed "dot-$t" $((RANDOM % 200)) recorded
	settle "dot-$t"
done
[ "$unknown" -gt 0 ] || fail "a kill before the reply to the dot left no \"may have been sent\""

# After the reply: sent, the Sent copy perhaps not saved.
smtp_start --tls starttls
conf
for t in $(seq 1 "$trials"); do
	message "after-$t"
	killed "after-$t" $((RANDOM % 30)) recorded
	settle "after-$t"
done
echo "$((4 * trials)) trials, $unknown left as \"may have been sent\""
