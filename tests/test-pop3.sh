#!/bin/bash
# POP3 against the harness dovecot, headless (tern sync):
#   - delete mode with --ephemeral deletes nothing (the cache is in memory);
#   - delete mode (pop3s): 500 messages end up in the cache byte for byte
#     equal to the maildir files the harness seeded (the cache holds what
#     POP3 delivers, CRLF line ends; the maildir files have LF: the
#     comparison turns CRLF into LF), and the server is empty;
#   - keep mode (pop3:// with STLS): 500 messages, two syncs, 100 new ones
#     arrive, a third sync: 600 in the cache, no Message-ID twice, all 600
#     still on the server; the one new message with an attachment is the
#     one tern search 'has:attachment' finds (the cache is the mailbox);
#   - pop3_keep_days with the test clock (TERN_TEST_NOW): the 500 first
#     downloaded "30 days ago" go from the server, the 100 new ones stay,
#     and every local copy stays;
#   - three messages deleted in tern (\Deleted in the cache, what the d key
#     does) are deleted on the server at the next check, and only they.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 500
db=$XDG_CACHE_HOME/tern/test.db
maildir=$HARNESS_DIR/mail/$HARNESS_USER/Maildir

# The Message-IDs on the server, sorted, one a line.
server_ids()
{
	harness_doveadm fetch -u "$HARNESS_USER" hdr.message-id mailbox INBOX |
	    sed -n 's/^hdr.message-id: *//p' | sort
}

# The Message-IDs in the cache, sorted (duplicates kept).
cache_ids()
{
	sqlite3 "$db" "SELECT message_id FROM message" | sort
}

server_count()
{
	harness_doveadm mailbox status -u "$HARNESS_USER" messages INBOX |
	    sed 's/.*messages=//'
}

# --- delete mode ------------------------------------------------------------

# Keep the seeded files: the server deletes them.
cp -r "$maildir/cur" "$HARNESS_DIR/seeded"
harness_config pop3s "pop3_delete = yes" >/dev/null
# A cache in memory is no place to move mail to: nothing is deleted.
"$TERN" --ephemeral sync test 2>"$HARNESS_DIR/eph.err" ||
	fail "ephemeral sync failed: $(cat "$HARNESS_DIR/eph.err")"
assert_contains "$(cat "$HARNESS_DIR/eph.err")" "(--ephemeral): messages stay" \
    "the user is told"
assert_eq 500 "$(server_count)" "delete mode with --ephemeral"
t0=$(date +%s%N)
"$TERN" sync test 2>"$HARNESS_DIR/del.err" ||
	fail "delete-mode sync failed: $(cat "$HARNESS_DIR/del.err")"
t1=$(date +%s%N)
echo "delete mode, 500 messages: $(((t1 - t0) / 1000000)) ms"
assert_contains "$(cat "$HARNESS_DIR/del.err")" "INBOX 500/500" "progress"
assert_eq 0 "$(server_count)" "messages left on the server"
assert_eq 500 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
    "messages in the cache"
assert_eq "0 1" "$(sqlite3 "$db" "SELECT role, subscribed FROM folder
    WHERE name = 'INBOX'" | tr '|' ' ')" "the Inbox's role"
# Byte for byte: message I of the seed is <seed-I@example.org>, in the
# maildir file named "*.MI P*".
"$TERN_PYTHON" - "$db" "$HARNESS_DIR/seeded" <<'EOF' ||
import os, re, sqlite3, sys
db, seeded = sys.argv[1], sys.argv[2]
files = {}
for name in os.listdir(seeded):
    m = re.match(r"\d+\.M(\d+)P", name)
    files[int(m.group(1))] = os.path.join(seeded, name)
con = sqlite3.connect(db)
rows = con.execute("SELECT m.message_id, b.raw FROM message m"
                   " JOIN body b ON b.message_id = m.id").fetchall()
assert len(rows) == 500, "%d bodies" % len(rows)
seen = set()
for mid, raw in rows:
    i = int(re.match(r"<seed-(\d+)@example.org>", mid).group(1))
    assert i not in seen, "message %d twice" % i
    seen.add(i)
    want = open(files[i], "rb").read()
    assert b"\r\n" in raw, "message %d: not as POP3 sent it (CRLF)" % i
    got = raw.replace(b"\r\n", b"\n")
    assert got == want, "message %d differs from its maildir file" % i
assert seen == set(range(1, 501)), "missing messages"
EOF
	fail "the cache differs from the maildir files"
# Every ledger entry is known deleted on the server.
assert_eq "500 2" "$(sqlite3 "$db" "SELECT count(*), min(server) FROM
    pop3_uidl" | tr '|' ' ')" "ledger after QUIT"
# A second check finds nothing and downloads nothing.
"$TERN" sync test 2>"$HARNESS_DIR/del2.err" ||
	fail "second sync failed: $(cat "$HARNESS_DIR/del2.err")"
assert_eq 500 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
    "messages after a second check"

# --- keep mode ----------------------------------------------------------------

harness_start -n 500
maildir=$HARNESS_DIR/mail/$HARNESS_USER/Maildir
db=$XDG_CACHE_HOME/tern/test.db
harness_config pop3 "pop3_delete = no" >/dev/null
old=$(($(date +%s) - 30 * 86400))
for run in 1 2; do
	TERN_TEST_NOW=$old "$TERN" sync test 2>"$HARNESS_DIR/keep$run.err" ||
		fail "keep-mode sync $run failed: $(cat "$HARNESS_DIR/keep$run.err")"
	assert_eq 500 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
	    "cache after keep-mode sync $run"
	assert_eq 500 "$(server_count)" "server after keep-mode sync $run"
done
assert_contains "$(cat "$HARNESS_DIR/keep2.err")" "INBOX 0/0" \
    "the second sync downloads nothing"

# 100 new messages arrive (written into the maildir's new/, as a local
# delivery agent would); Late 555 has an attachment.
owner=$(stat -c %u:%g "$maildir")
"$TERN_PYTHON" - "$maildir" <<'EOF'
import os, sys, time
md = sys.argv[1]
for i in range(501, 601):
    head = ("Date: Thu, 01 May 2025 10:00:00 +0000\n"
            "From: Late %d <late-%d@example.org>\n"
            "To: alice@example.org\n"
            "Subject: Late %d\n"
            "Message-ID: <late-%d@example.org>\n" % (i, i, i, i))
    if i == 555:
        data = (head + "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"b555\"\n"
                "\n--b555\nContent-Type: text/plain\n\n"
                "Arrived late: %d, with a file.\n"
                "--b555\nContent-Type: application/pdf; name=\"r.pdf\"\n"
                "Content-Disposition: attachment; filename=\"r.pdf\"\n"
                "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
                "--b555--\n" % i).encode()
    else:
        data = (head + "\nArrived late: %d.\n" % i).encode()
    name = "%d.L%dP%d.test" % (int(time.time()), i, os.getpid())
    with open(os.path.join(md, "tmp", name), "wb") as f:
        f.write(data)
    os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
EOF
chown -R "$owner" "$maildir/new"
"$TERN" sync test 2>"$HARNESS_DIR/keep3.err" ||
	fail "keep-mode sync 3 failed: $(cat "$HARNESS_DIR/keep3.err")"
assert_contains "$(cat "$HARNESS_DIR/keep3.err")" "INBOX 100/100" \
    "only the new messages are downloaded"
assert_eq 600 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
    "cache after 100 new"
assert_eq 600 "$(cache_ids | uniq | wc -l)" "distinct Message-IDs in the cache"
assert_eq 600 "$(server_count)" "server after keep mode"
assert_eq "" "$(diff <(server_ids) <(cache_ids))" "server and cache hold the same"
# has:attachment finds the POP3 message with one (and the index marks it).
"$TERN" search test 'has:attachment' >"$HARNESS_DIR/attach.out" \
    2>"$HARNESS_DIR/attach.err" ||
	fail "search failed: $(cat "$HARNESS_DIR/attach.err")"
assert_eq 1 "$(wc -l <"$HARNESS_DIR/attach.out")" "has:attachment: one match"
assert_contains "$(cat "$HARNESS_DIR/attach.out")" "Late 555" \
    "has:attachment: the message with the attachment"
assert_eq 1 "$(sqlite3 "$db" "SELECT count(*) FROM message
    WHERE has_attachment != 0")" "the cache marks only it"

# --- pop3_keep_days with the test clock --------------------------------------

harness_config pop3 "pop3_delete = no" "pop3_keep_days = 7" >/dev/null
"$TERN" sync test 2>"$HARNESS_DIR/days.err" ||
	fail "keep_days sync failed: $(cat "$HARNESS_DIR/days.err")"
assert_eq 100 "$(server_count)" "server after keep_days"
assert_eq "$(seq 501 600 | sed 's/.*/<late-&@example.org>/' | sort)" \
    "$(server_ids)" "the new ones stay on the server"
assert_eq 600 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
    "every local copy stays"

# --- deleting in tern deletes on the server ----------------------------------

# What the d key does: \Deleted on the message, queued as a flag change.
sqlite3 "$db" "UPDATE message SET flags = flags | 8 WHERE message_id IN
    ('<late-510@example.org>', '<late-520@example.org>',
     '<late-530@example.org>');
    INSERT INTO pending (kind, folder_id, uid, add_flags)
    SELECT 1, folder_id, uid, 8 FROM message WHERE (flags & 8) != 0;"
"$TERN" sync test 2>"$HARNESS_DIR/local.err" ||
	fail "sync after deleting locally failed: $(cat "$HARNESS_DIR/local.err")"
assert_eq 97 "$(server_count)" "server after 3 local deletions"
assert_eq "$(seq 501 600 | grep -vx -e 510 -e 520 -e 530 |
    sed 's/.*/<late-&@example.org>/' | sort)" "$(server_ids)" \
    "exactly those 3 went"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM pending")" \
    "pending operations done"

# With pop3_delete_with_local = no, a local deletion stays local.
harness_config pop3 "pop3_delete = no" "pop3_delete_with_local = no" >/dev/null
sqlite3 "$db" "UPDATE message SET flags = flags | 8
    WHERE message_id = '<late-540@example.org>'"
"$TERN" sync test 2>"$HARNESS_DIR/nolocal.err" ||
	fail "sync failed: $(cat "$HARNESS_DIR/nolocal.err")"
assert_eq 97 "$(server_count)" "pop3_delete_with_local = no"
echo "ok"
