#!/bin/bash
# tern export: a maildir or mbox backup of the cache. Online it fetches the
# bodies first; the files hold the server's bytes; flags become maildir
# info; the mbox is mboxrd-quoted; and after a mass deletion on the server
# the copies tern kept are exported too, offline.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 60
harness_config imaps >/dev/null
harness_deliver "Quoting" "$(printf 'Line one\nFrom the start of a line\n>From already quoted\n')" >/dev/null

out=$HARNESS_DIR/export
"$TERN" export test:INBOX --maildir "$out/inbox" 2>"$HARNESS_DIR/err" ||
	fail "export failed: $(cat "$HARNESS_DIR/err")"
assert_contains "$(cat "$HARNESS_DIR/err")" "exported 61 messages" "summary"
assert_eq 61 "$(find "$out/inbox/cur" -type f | wc -l)" "maildir files"
assert_eq 0 "$(find "$out/inbox/tmp" -type f | wc -l)" "nothing left in tmp"
assert_eq 600 "$(stat -c %a "$(find "$out/inbox/cur" -type f | head -1)")" \
    "file mode"
# Flags: seeded \Seen on multiples of 3 and \Flagged on multiples of 10.
assert_eq 20 "$(find "$out/inbox/cur" -name '*:2,*S*' | wc -l)" "seen files"
assert_eq 6 "$(find "$out/inbox/cur" -name '*:2,F*' | wc -l)" "flagged files"

# The bytes are the server's (line ends aside).
file=$(grep -l '^Subject: Message 00042 of 60' "$out"/inbox/cur/*)
harness_doveadm fetch -u "$HARNESS_USER" text mailbox INBOX uid 42 |
    sed '1d' | tr -d '\r' >"$HARNESS_DIR/server-42"
tr -d '\r' <"$file" >"$HARNESS_DIR/export-42"
cmp -s "$HARNESS_DIR/server-42" "$HARNESS_DIR/export-42" || {
	diff "$HARNESS_DIR/server-42" "$HARNESS_DIR/export-42" | head >&2
	fail "the exported message differs from the server's"
}

# An mbox of every folder, quoted as mboxrd.
"$TERN" export test --mbox "$out/all.mbox" 2>"$HARNESS_DIR/err" ||
	fail "mbox export failed: $(cat "$HARNESS_DIR/err")"
# 61 in INBOX, 5 in Archive, 4 in Sent.
assert_eq 70 "$(grep -c '^From ' "$out/all.mbox")" "mbox messages"
assert_contains "$(cat "$out/all.mbox")" ">From the start of a line" \
    "From_ quoting"
assert_contains "$(cat "$out/all.mbox")" ">>From already quoted" \
    "mboxrd quoting of quoted lines"
[ -z "$(tr -cd '\r' <"$out/all.mbox")" ] || fail "CR left in the mbox"

# After a mass deletion on the server, the kept copies still export.
harness_doveadm expunge -u "$HARNESS_USER" mailbox INBOX uid 1:55
"$TERN" sync test:INBOX 2>/dev/null
"$TERN" export --offline test:INBOX --maildir "$out/kept" 2>"$HARNESS_DIR/err" ||
	fail "offline export failed: $(cat "$HARNESS_DIR/err")"
assert_eq 61 "$(find "$out/kept/cur" -type f | wc -l)" \
    "the copies kept after the mass deletion are exported"

# Usage errors.
status=0
"$TERN" export test 2>/dev/null || status=$?
assert_eq 2 "$status" "export without a target format"
echo "ok"
