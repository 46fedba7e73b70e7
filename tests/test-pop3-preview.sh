#!/bin/bash
# The POP3 preview, against the harness dovecot:
#   - `tern sync --preview` lists exactly the server's messages (subject and
#     size of each, from TOP n 0) and downloads nothing;
#   - `tern sync --delete UIDL` deletes that one on the server, only it,
#     and downloads nothing;
#   - a message over pop3_max_size is listed, not fetched, and the user is
#     told; `tern sync --fetch UIDL` downloads it anyway;
#   - tmux: the account's Inbox shows the downloaded mail, and the preview
#     screen (P) lists the server's messages and deletes one there; $
#     checks at once, a message deleted in tern (d, expunge) goes from the
#     server at that check, and pop3_interval brings new mail by itself.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 30
db=$XDG_CACHE_HOME/tern/test.db
harness_config pop3s "pop3_delete = no" >/dev/null

# "size<TAB>subject" of every message on the server, sorted.
server_list()
{
	harness_doveadm fetch -u "$HARNESS_USER" 'size.virtual hdr.subject' \
	    mailbox INBOX | "$TERN_PYTHON" -c '
import sys
rows, cur = [], {}
for line in sys.stdin.read().splitlines():
    if line.startswith("size.virtual: "):
        cur = {"size": line[14:]}
        rows.append(cur)
    elif line.startswith("hdr.subject: "):
        cur["subject"] = line[13:]
for r in sorted(rows, key=lambda r: r["subject"]):
    print("%s\t%s" % (r["size"], r["subject"]))
'
}

server_count()
{
	harness_doveadm mailbox status -u "$HARNESS_USER" messages INBOX |
	    sed 's/.*messages=//'
}

cached()
{
	sqlite3 "$db" "SELECT count(*) FROM message" 2>/dev/null || echo 0
}

# The preview's "size<TAB>subject", sorted, from its lines
# (UIDL, state, size, date, sender, subject).
preview_list()
{
	cut -f 3,6 "$1" | sort -t "$(printf '\t')" -k 2
}

"$TERN" sync --preview test >"$HARNESS_DIR/pv1.out" 2>"$HARNESS_DIR/pv1.err" ||
	fail "preview failed: $(cat "$HARNESS_DIR/pv1.err")"
assert_eq 30 "$(wc -l <"$HARNESS_DIR/pv1.out")" "preview lines"
assert_eq "$(server_list)" "$(preview_list "$HARNESS_DIR/pv1.out")" \
    "the preview lists the server's messages"
assert_eq 30 "$(cut -f 2 "$HARNESS_DIR/pv1.out" | grep -cx new)" \
    "all new"
assert_eq "Sender 7 <sender-7@example.org>" \
    "$(grep 'Message 00007 of 30' "$HARNESS_DIR/pv1.out" | cut -f 5)" \
    "the sender column"
assert_eq "2025-01-01" \
    "$(grep 'Message 00007 of 30' "$HARNESS_DIR/pv1.out" | cut -f 4 |
    cut -c 1-10)" "the date column"
assert_eq 0 "$(cached)" "the preview downloads nothing"

# Delete message 7 on the server from the preview.
uidl=$(grep 'Message 00007 of 30' "$HARNESS_DIR/pv1.out" | cut -f 1)
"$TERN" sync --delete "$uidl" test 2>"$HARNESS_DIR/del.err" ||
	fail "delete failed: $(cat "$HARNESS_DIR/del.err")"
assert_eq 29 "$(server_count)" "server after deleting one"
assert_eq "$(grep -v 'Message 00007 of 30' <(preview_list "$HARNESS_DIR/pv1.out"))" \
    "$(server_list)" "only that one went"
assert_eq 0 "$(cached)" "deleting downloads nothing"
"$TERN" sync --preview test >"$HARNESS_DIR/pv2.out" 2>/dev/null
assert_eq 29 "$(wc -l <"$HARNESS_DIR/pv2.out")" "preview after the delete"

# A size limit: messages over it are listed, not fetched, and the user is
# told. The seed's sizes grow with the message number.
limit=$(sort -n <(cut -f 3 "$HARNESS_DIR/pv2.out") | sed -n 15p)
big=$(awk -F '\t' -v l="$limit" '$3 > l' "$HARNESS_DIR/pv2.out" | wc -l)
[ "$big" -gt 0 ] || fail "the test needs messages over $limit bytes"
harness_config pop3s "pop3_delete = no" "pop3_max_size = $limit" >/dev/null
"$TERN" sync test 2>"$HARNESS_DIR/limit.err" ||
	fail "sync with a size limit failed: $(cat "$HARNESS_DIR/limit.err")"
assert_contains "$(cat "$HARNESS_DIR/limit.err")" \
    "over the size limit" "the user is told"
assert_eq $((29 - big)) "$(cached)" "only the small ones are downloaded"
"$TERN" sync --preview test >"$HARNESS_DIR/pv3.out" 2>/dev/null
assert_eq "$big" "$(cut -f 2 "$HARNESS_DIR/pv3.out" | grep -cx too-big)" \
    "the big ones are marked"
assert_eq $((29 - big)) "$(cut -f 2 "$HARNESS_DIR/pv3.out" | grep -cx local)" \
    "the small ones are marked downloaded"
uidl=$(awk -F '\t' '$2 == "too-big" { print $1; exit }' "$HARNESS_DIR/pv3.out")
"$TERN" sync --fetch "$uidl" test 2>"$HARNESS_DIR/fetch.err" ||
	fail "fetch failed: $(cat "$HARNESS_DIR/fetch.err")"
assert_eq $((29 - big + 1)) "$(cached)" "a big one fetched on request"
assert_eq 29 "$(server_count)" "keep mode keeps it on the server"

# --- tmux ---------------------------------------------------------------------
harness_config pop3s "pop3_delete = no" "pop3_interval = 2" >/dev/null
"$TERN" sync test 2>/dev/null
tui_start 120 30 "$TERN" test
tui_wait_for "Message 00030 of 30" 20
tui_wait_for "online" 20
# P in the folder pane (` moves the focus on: pager, then folders).
tui_keys '`' '`'
tui_wait_for "focus: folder pane"
tui_keys P
tui_wait_for "29 messages on the server" 20
tui_wait_gone "listing..." 20
tui_wait_for "Message 00001 of 30" 10
# The first row is message 1 (server order): delete it there.
tui_keys D
tui_wait_for "Delete 1 message on the server" 5
tui_keys y
tui_wait_for "28 messages on the server" 20
gone()
{
	[ "$(server_count)" = 28 ]
}
wait_until 10 gone || fail "the preview's delete did not reach the server"
assert_not_contains "$(server_list)" "Message 00001 of 30" \
    "message 1 on the server"
assert_not_contains "$(tui_screen)" "Message 00001 of 30" \
    "the row left the preview"
tui_keys q
tui_wait_gone "messages on the server" 5
# q in the folder pane: back to the index.
tui_keys q
tui_wait_gone "focus: folder pane" 5

# $ checks at once; a message deleted in tern (d, then the expunge that $
# asks about) is deleted on the server at that check.
harness_deliver "Fresh arrival" >/dev/null
tui_keys '$'
tui_wait_for "Fresh arrival" 20
tui_keys Home
tui_wait_for "Fresh arrival" 5
tui_keys d '$'
tui_wait_for "Expunge 1 deleted message?" 10
tui_keys y
fresh_gone()
{
	case "$(server_list)" in
	*"Fresh arrival"*) return 1 ;;
	esac
}
wait_until 20 fresh_gone || fail "the message deleted in tern is still on the server"
assert_eq 28 "$(server_count)" "only that one went"
tui_wait_gone "Fresh arrival" 10

# With pop3_interval = 2, new mail shows with no key pressed.
harness_deliver "Second arrival" >/dev/null
tui_wait_for "Second arrival" 20
tui_quit
tui_wait_exit 10 >/dev/null
# Keep mode: the local copy of message 1 stays.
assert_eq 1 "$(sqlite3 "$db" "SELECT count(*) FROM message
    WHERE subject = 'Message 00001 of 30'")" "local copy kept"
echo "ok"
