#!/bin/bash
# The connection dropped at every step: the fake server (--drop-after N)
# sends half of its N+1-th response and closes, for N = 0 (the greeting)
# up to the last response of a whole session. After each drop: no crash, a
# consistent cache and at most one clear message (hard_check); then a clean
# session leaves the cache exactly as the server has it.
#   imap-cold: an empty cache, tern sync of two folders;
#   imap-warm: a full cache, and the server changed meanwhile (new and
#       expunged messages);
#   pop3-delete, pop3-pipelined: delete mode, USER/PASS one command at a
#       time, and a server without UIDL that takes PIPELINING: after every
#       drop each message is in the cache or still on the server (nothing
#       is DELEd before it is stored), and after the clean session each is
#       in the cache once and the server is empty.
# (tests/test-pop3-fake.sh has the drops at QUIT and in the middle of the
# RETRs with their own checks; this loops over every step.)
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 0
. "$TERN_SRCDIR/tests/hardening.sh"
export FAKE_POP3_DIR=$HARNESS_DIR/box FAKE_POP3_USER=$HARNESS_USER
export FAKE_POP3_PASS=$HARNESS_PASS

# drop_run NAME SCENARIO N [ARG]...: tern sync t against SCENARIO dropping
# after N responses; the common checks. Returns 0 if the fake really
# dropped (N was a step of the session), 1 if the session was shorter.
drop_run()
{
	local name=$1 scenario=$2 n=$3
	shift 3
	fake_start "$scenario" --drop-after "$n" --timeout 10
	sed -i "s/:[0-9]*\$/:$FAKE_PORT/" "$XDG_CONFIG_HOME/tern/config"
	hard_run sync t "$@"
	wait_until 5 sh -c "! kill -0 $FAKE_PID 2>/dev/null" || true
	if ! grep -q "dropping the connection" "$FAKE_ERR"; then
		fake_stop
		return 1
	fi
	fake_stop
	# Dropped before the session's end: exit 1 with one line, or 0 when
	# only the goodbye was lost.
	if [ "$HARD_STATUS" = 0 ]; then
		hard_check "$name, drop after $n" ok
	else
		hard_check "$name, drop after $n" "$HARD_EXPECT"
	fi
	return 0
}

# clean_run NAME SCENARIO: tern sync t against SCENARIO, which must work.
clean_run()
{
	fake_start "$2" --timeout 10
	sed -i "s/:[0-9]*\$/:$FAKE_PORT/" "$XDG_CONFIG_HOME/tern/config"
	hard_run sync t
	fake_stop
	hard_check "$1" ok
}

# imap_state FOLDER: "uid subject" lines of the cache's FOLDER.
imap_state()
{
	sqlite3 -separator ' ' "$HARD_DB" "SELECT m.uid, m.subject FROM message
	    m JOIN folder f ON f.id = m.folder_id WHERE f.name = '$1'
	    AND m.gone = 0 ORDER BY m.uid"
}

# imap_expect FOLDER N: what the fake's FOLDER holds with N messages.
imap_expect()
{
	local i
	for ((i = 1; i <= $2; i++)); do
		printf '%d Fake %s %d\n' "$i" "$1" "$i"
	done
}

imap_check()
{
	local f
	for f in INBOX Archive; do
		assert_eq "$(imap_expect "$f" "$2")" "$(imap_state "$f")" \
		    "$1: $f after a clean sync"
	done
}

# Any one clear line: where the drop falls decides its words.
HARD_EXPECT=

hard_case_start
rm -rf "$XDG_CACHE_HOME/tern"
hard_config imap "imap://127.0.0.1:1" "tls = off"
n=0
while :; do
	rm -rf "$XDG_CACHE_HOME/tern"
	FAKE_IMAP_N=5 drop_run imap-cold imap-mailbox "$n" || break
	FAKE_IMAP_N=7 clean_run "imap-cold, clean after $n" imap-mailbox
	imap_check "imap-cold, drop after $n" 7
	n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "imap-cold: only $n steps"
hard_case "imap-cold (steps 0 to $((n - 1)))"

hard_case_start
rm -rf "$XDG_CACHE_HOME/tern"
FAKE_IMAP_N=6 clean_run "imap-warm, fill" imap-mailbox
cp "$HARD_DB" "$HARNESS_DIR/warm.db"
# The log-in steps are those of imap-cold.
n=5
while :; do
	rm -rf "$XDG_CACHE_HOME/tern"
	mkdir -p "$XDG_CACHE_HOME/tern"
	cp "$HARNESS_DIR/warm.db" "$HARD_DB"
	FAKE_IMAP_N=8 drop_run imap-warm imap-mailbox "$n" || break
	FAKE_IMAP_N=4 clean_run "imap-warm, clean after $n" imap-mailbox
	imap_check "imap-warm, drop after $n" 4
	n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "imap-warm: only $n steps"
hard_case "imap-warm (steps 5 to $((n - 1)))"

# fill N: a fresh mailbox of N messages <drop-I@example.org>, fresh cache.
fill()
{
	local i
	rm -rf "$FAKE_POP3_DIR" "$XDG_CACHE_HOME/tern"
	mkdir -p "$FAKE_POP3_DIR"
	for ((i = 1; i <= $1; i++)); do
		printf '%s\n' "From: Drop $i <drop-$i@example.org>" \
		    "Subject: Drop message $i" \
		    "Message-ID: <drop-$i@example.org>" "" "Body $i." \
		    >"$FAKE_POP3_DIR/uidl-$i"
	done
}

# pop3_ids: the Message-IDs in the cache, then those on the server.
cached_ids()
{
	if [ -f "$HARD_DB" ]; then
		sqlite3 "$HARD_DB" "SELECT message_id FROM message" | sort
	fi
}

server_ids()
{
	cat "$FAKE_POP3_DIR"/* 2>/dev/null | sed -n 's/^Message-ID: //p' |
	    sort
}

# pop3_loop NAME SCENARIO FIRST: the drop loop of a 5-message download,
# from step FIRST on.
pop3_loop()
{
	local name=$1 scenario=$2 all n=$3 first=$3 both
	fill 5
	all=$(server_ids)
	while :; do
		fill 5
		drop_run "$name" "$scenario" "$n" || break
		# Nothing lost: each message cached or still on the server.
		both=$( (cached_ids; server_ids) | sort -u)
		assert_eq "$all" "$both" "$name, drop after $n: lost messages"
		assert_eq "" "$(cached_ids | uniq -d)" \
		    "$name, drop after $n: stored twice"
		clean_run "$name, clean after $n" "$scenario"
		assert_eq "$all" "$(cached_ids)" "$name, drop after $n: cache"
		assert_eq "" "$(server_ids)" "$name, drop after $n: server"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || fail "$name: only $n steps"
	hard_case "$name (steps $first to $((n - 1)))"
}

hard_case_start
hard_config pop3 "pop3://127.0.0.1:1" "tls = off" "pop3_delete = yes"
pop3_loop pop3-delete pop3-userpass 0
hard_case_start
HARD_NOTICE="has no UIDL"
# From the LIST on: the log-in steps are those of pop3-delete.
pop3_loop pop3-pipelined pop3-no-uidl 4
echo "ok"
