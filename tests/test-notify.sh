#!/bin/bash
# Every folder watched at once: the reader in tmux against the harness
# dovecot, which offers NOTIFY (RFC 5465) and LIST-STATUS (RFC 5819), with
# the timed poll an hour away (status_interval = 3600):
# - tern sets NOTIFY once it idles, and mail delivered into a folder that
#   is not open reaches the cache's counts within seconds, with no STATUS
#   command sent (the news came by NOTIFY, read by tern itself since
#   libetpan keeps only the last STATUS);
# - mail delivered into the open folder shows in the index;
# - a folder made by another client appears (MailboxName);
# - the poll at the start asks every folder's counts in one LIST ...
#   RETURN (STATUS ...) instead of one STATUS per folder.
# The fallbacks (NOTIFY refused, hostile news) are in test-hostile.sh;
# servers without NOTIFY (Cyrus, mailutils) in the interop tests.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 3
for f in Receipts Lists; do
	harness_doveadm mailbox create -s -u "$HARNESS_USER" "$f"
done
harness_deliver -f Receipts "Receiptsd one" >/dev/null
harness_deliver -f Lists "List one" >/dev/null
harness_config imaps "status_interval = 3600" >/dev/null
db=$XDG_CACHE_HOME/tern/test.db
log=$HARNESS_DIR/tern.log

# count FOLDER: the server's count of FOLDER in the cache (-1 unknown).
count()
{
	sqlite3 "$db" "SELECT srv_total FROM folder WHERE name = '$1'" \
	    2>/dev/null || true
}

# commands: the commands of tern's log, one a line, tags left out: both
# connections' (the second, "imap2", polls the other folders).
commands()
{
	sed -n 's/^.* imap2\{0,1\}: C: [^ ]* //p' "$log"
}

tui_start 100 30 "$TERN" --log "$log"
tui_wait_for "online" 30
wait_until 20 grep -q 'NOTIFY SET STATUS' "$log" ||
    fail "no NOTIFY SET in the log: $(commands | tail -5)"
wait_until 20 sh -c "[ \"\$(sed -n 's/^.* imap: C: [^ ]* //p' '$log' |
    tail -n 1)\" = IDLE ]" || fail "tern does not idle: $(commands | tail -5)"
assert_eq 1 "$(count Receipts)" "Receipts's count at the start"

# The start: one LIST-STATUS, no STATUS per folder (the second connection
# may send it after the first idles).
wait_until 20 sh -c "grep -q 'C: [^ ]* LIST \"\" \"\\*\" RETURN (STATUS' '$log'" ||
    fail "no LIST-STATUS: $(commands | tail -5)"
assert_eq 1 "$(commands | grep -c '^LIST "" "\*" RETURN (STATUS')" \
    "one LIST-STATUS at the start"
assert_eq 0 "$(commands | grep -c '^STATUS ')" "no STATUS command"

# Mail into a folder that is not open: its count follows within seconds.
t0=$(date +%s%N)
harness_deliver -f Receipts "Receiptsd two" >/dev/null
harness_deliver -f Receipts "Receiptsd three" >/dev/null
wait_until 10 sh -c "[ \"\$(sqlite3 '$db' \"SELECT srv_total FROM folder
    WHERE name = 'Receipts'\")\" = 3 ]" ||
    fail "Receipts's count is $(count Receipts) after two deliveries, not 3"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "Receipts's count followed two deliveries in $ms ms"
[ "$ms" -lt 5000 ] || fail "NOTIFY news took $ms ms"
assert_eq 0 "$(commands | grep -c '^STATUS ')" \
    "no STATUS command: the counts came by NOTIFY"
assert_eq 1 "$(count Lists)" "Lists untouched"

# Mail into the open folder: the index shows it.
harness_deliver "Fresh in the inbox" >/dev/null
tui_wait_for "Fresh in the inbox" 10

# A folder made elsewhere appears in the cache's folder list.
harness_doveadm mailbox create -s -u "$HARNESS_USER" Projects
wait_until 10 sh -c "[ \"\$(sqlite3 '$db' \"SELECT count(*) FROM folder
    WHERE name = 'Projects'\")\" = 1 ]" ||
    fail "Projects, made by another client, is not in the folder list"

tui_quit
tui_wait_exit 10 >/dev/null
echo "ok"
