#!/bin/bash
# Crash safety of POP3 delete mode: 30 trials (TRIALS), each of which
# delivers 1,000 new messages, kills tern -9 at a random moment of its
# download, checks that no message is gone from both the server and the
# cache, then runs a clean sync and checks that every message is in the
# cache exactly once and the server is empty. The cache is kept from one
# trial to the next, so its ledger grows as a real one does.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

trials=${TRIALS:-30}
n=1000
harness_start -n 0
harness_config pop3s "pop3_delete = yes" >/dev/null
db=$XDG_CACHE_HOME/tern/test.db
maildir=$HARNESS_DIR/mail/$HARNESS_USER/Maildir
owner=$(stat -c %u:%g "$maildir")

# deliver T: N messages <T-I@crash.example> into the maildir's new/.
deliver()
{
	"$TERN_PYTHON" - "$maildir" "$1" "$n" <<'EOF'
import os, sys
md, t, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(1, n + 1):
    body = "".join("Line %d of message %s-%d.\n" % (k, t, i)
                   for k in range(i % 7 + 1))
    data = ("Date: Thu, 01 May 2025 10:00:00 +0000\n"
            "From: Crash <crash@example.org>\n"
            "To: alice@example.org\n"
            "Subject: Trial %s message %d\n"
            "Message-ID: <%s-%d@crash.example>\n"
            "\n%s" % (t, i, t, i, body)).encode()
    name = "%s.%d.crash" % (t, i)
    with open(os.path.join(md, "tmp", name), "wb") as f:
        f.write(data)
    os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
EOF
	chown -R "$owner" "$maildir/new"
}

server_ids()
{
	harness_doveadm fetch -u "$HARNESS_USER" hdr.message-id mailbox INBOX |
	    sed -n 's/^hdr.message-id: *//p' | sort
}

cache_ids()
{
	sqlite3 "$db" "SELECT message_id FROM message
	    WHERE message_id LIKE '<$1-%'" 2>/dev/null | sort || true
}

expected()
{
	seq 1 "$n" | sed "s/.*/<$1-&@crash.example>/" | sort
}

# When the download starts (the first progress line) and how long the
# whole run takes here: the kills land from half-way through the log-in
# to a little after the end, most of them in the download.
deliver warmup
t0=$(date +%s%N)
"$TERN" sync test 2>&1 >/dev/null | while IFS= read -r line; do
	printf '%s %s\n' "$(date +%s%N)" "$line"
done >"$HARNESS_DIR/warmup.err"
dur_ms=$((($(date +%s%N) - t0) / 1000000))
first=$(awk 'NR == 1 { print $1 }' "$HARNESS_DIR/warmup.err")
[ -n "$first" ] || fail "the warm-up sync printed nothing"
first_ms=$(((first - t0) / 1000000))
[ -z "$(server_ids)" ] || fail "the warm-up sync left messages on the server"
echo "a whole run for $n messages: $dur_ms ms, the first batch after" \
    "$first_ms ms"
lo=$((first_ms / 2))
span=$((dur_ms + dur_ms / 8 - lo))
[ "$span" -gt 0 ] || span=1

before=0 during=0 after=0
for t in $(seq 1 "$trials"); do
	deliver "t$t"
	delay=$((RANDOM * 32768 + RANDOM))
	delay=$((lo + delay % span))
	"$TERN" sync test >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true

	# Never gone from both: each message is on the server or cached.
	server_ids >"$HARNESS_DIR/server.txt"
	cache_ids "t$t" >"$HARNESS_DIR/cache.txt"
	expected "t$t" >"$HARNESS_DIR/want.txt"
	missing=$(sort -u "$HARNESS_DIR/server.txt" "$HARNESS_DIR/cache.txt" |
	    comm -13 - "$HARNESS_DIR/want.txt" | head -5)
	[ -z "$missing" ] ||
		fail "trial $t (kill after $delay ms): lost from both: $missing"
	dup=$(uniq -d "$HARNESS_DIR/cache.txt" | head -3)
	[ -z "$dup" ] || fail "trial $t: cached twice after the kill: $dup"
	got=$(wc -l <"$HARNESS_DIR/cache.txt")
	if [ "$got" = 0 ]; then
		before=$((before + 1))
	elif [ "$got" -lt "$n" ]; then
		during=$((during + 1))
	else
		after=$((after + 1))
	fi

	# A clean sync: everything once, the server empty.
	"$TERN" sync test 2>"$HARNESS_DIR/clean.err" ||
		fail "trial $t: the clean sync failed: $(cat "$HARNESS_DIR/clean.err")"
	cache_ids "t$t" >"$HARNESS_DIR/cache.txt"
	if ! cmp -s "$HARNESS_DIR/cache.txt" "$HARNESS_DIR/want.txt"; then
		diff "$HARNESS_DIR/want.txt" "$HARNESS_DIR/cache.txt" | head >&2
		fail "trial $t (kill after $delay ms): the cache is not every message once"
	fi
	[ -z "$(server_ids)" ] || fail "trial $t: the server is not empty"
done
assert_eq $(((trials + 1) * n)) "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
    "every message of every trial, once"
echo "$trials trials: killed before the first commit $before, during the" \
    "download $during, after it $after"
echo "ok"
