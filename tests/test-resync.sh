#!/bin/bash
# A warm resync costs O(changes): a 20,000-message folder synced once, then
# changed elsewhere (20 flags, 10 expunges), is brought back in line with
# far fewer bytes from the server than a plain FLAGS fetch of the folder
# (dovecot's logout line counts the bytes it sent).
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 20000
harness_config imaps >/dev/null
db=$XDG_CACHE_HOME/tern/test.db

"$TERN" sync test:INBOX 2>"$HARNESS_DIR/err" ||
	fail "cold sync failed: $(cat "$HARNESS_DIR/err")"
assert_cache_matches "$db" INBOX "cold sync"

for uid in $(seq 100 900 18000); do
	harness_doveadm flags add -u "$HARNESS_USER" '\Flagged' \
	    mailbox INBOX uid "$uid"
done
harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX uid 500:509

# The bytes dovecot sent to the session that ended last.
last_out()
{
	grep 'Disconnected' "$HARNESS_LOG" | tail -1 |
	    sed -n 's/.* out=\([0-9]*\).*/\1/p'
}

"$TERN" sync test:INBOX 2>"$HARNESS_DIR/err" ||
	fail "warm sync failed: $(cat "$HARNESS_DIR/err")"
assert_cache_matches "$db" INBOX "warm sync"
wait_until 5 test -n "$(last_out)" || fail "no disconnection line in the log"
warm=$(last_out)

# The floor to compare with: one UID FETCH 1:* (UID FLAGS).
"$TERN_PYTHON" - "$HARNESS_IMAPS_PORT" "$HARNESS_CA" "$HARNESS_USER" \
    "$HARNESS_PASS" <<'PY'
import imaplib, ssl, sys
port, ca, user, pw = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ctx)
m.login(user, pw)
m.select("INBOX")
m.uid("FETCH", "1:*", "(UID FLAGS)")
m.logout()
PY
sleep 0.5
full=$(last_out)
echo "warm resync: $warm bytes from the server; full FLAGS fetch: $full bytes"
[ "$full" -gt 100000 ] || fail "the full fetch is implausibly small ($full)"
[ $((warm * 20)) -lt "$full" ] ||
	fail "the warm resync ($warm bytes) is not a small fraction of a full FLAGS fetch ($full bytes)"
echo "ok"
