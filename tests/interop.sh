# tests/interop.sh: the same scenarios against every server of the harness
# (dovecot, Cyrus IMAP, GNU mailutils): issue 11.
#
#   . "$TERN_SRCDIR/tests/interop.sh"     (after tests/harness.sh)
#   interop_main SERVER
#
# tests/test-interop-{dovecot,cyrus,mailutils}.sh each run interop_main for
# one server (three files, so that `make -j2` runs them side by side). Each
# scenario runs in a subshell with a fresh server (harness_start -s SERVER)
# and its own tern config and cache, so that one failing does not stop the
# others; at the end one line per scenario:
#   interop SERVER SCENARIO: PASS | FAIL | FALLBACK-PASS | SKIP
# FALLBACK-PASS: the server lacks the extension the scenario uses where it
# can (CONDSTORE, MOVE, UIDPLUS, IDLE that reports) and the fallback path
# is what passed. The script fails if a scenario failed; the FAIL line and
# the lines above it name the server, the scenario and what differed, with
# the tail of tern's --log and of the server's log.
#
# The scenarios (interop_s_NAME below, each with a comment saying what it
# checks): seed (the harness's smoke check), sync (cold and warm), bodies,
# search (online = offline = the server's UID SEARCH, UTF-8 terms),
# other-client (flags and expunges by another client, the newest
# included), offline-replay (an offline \Deleted replayed after another
# client expunged the message), move-copy (from the reader), folder-utf8
# (a non-ASCII folder on the command line; missing folders), folder-utf8-
# reader, expunge-reader (d $ on the newest; the connection stays),
# idle (new mail in the open folder), pop3-login, pop3-delete, pop3-keep
# (three syncs, no duplicate), pop3-preview.
# A SKIP line means the server could not be started (not installed); the
# script skips when every scenario did.
#
# INTEROP_ONLY="sync search" runs only those scenarios (for debugging).
# The "other client" is tests/imapc.py (harness_imapc), the same on every
# server; harness_server_state reads the server through it (doveadm on
# dovecot).

INTEROP_SCENARIOS="seed sync bodies search other-client offline-replay
move-copy folder-utf8 folder-utf8-reader expunge-reader idle pop3-login
pop3-delete pop3-keep pop3-preview"

# --- helpers used by the scenarios -------------------------------------------

# The tern log of the scenario (tern --log appends).
_interop_log=

# Run tern with the scenario's log.
t()
{
	"$TERN" --log "$_interop_log" "$@"
}

# The subject of seeded message $1 of $2.
subj()
{
	printf 'Message %05d of %d' "$1" "${2:-$HARNESS_N}"
}

# wait_for SECONDS CMD...: run CMD until it succeeds, for at most SECONDS
# of wall time (wait_until counts tries of 50 ms, too long when CMD is an
# IMAP session); returns 1 on timeout.
wait_for()
{
	local end=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	while ! "$@"; do
		[ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
		sleep 0.2
	done
	return 0
}

# The server has capability $1 (after login).
has_cap()
{
	harness_imapc caps | grep -qx "$1"
}

# Note that the fallback path is what this scenario checks ($*: why).
fallback()
{
	printf '%s\n' "$*" >>"$_interop_dir/fallback"
	printf 'note: interop %s %s checks the fallback: %s\n' "$HARNESS_SERVER" \
	    "$_interop_scenario" "$*" >&2
}

# A failure of the running scenario (fail with the server and scenario).
ifail()
{
	fail "interop $HARNESS_SERVER $_interop_scenario: $*"
}

# assert_state FOLDER FILE WHAT: the server's FOLDER is FILE's lines.
assert_state()
{
	harness_server_state "$1" >"$HARNESS_DIR/state.now"
	if ! diff -u "$2" "$HARNESS_DIR/state.now" >"$HARNESS_DIR/state.diff"; then
		head -40 "$HARNESS_DIR/state.diff" >&2
		ifail "$3: the server's $1 is not as expected"
	fi
}

# cache_matches FOLDER WHAT: assert_cache_matches with the scenario's name.
cache_matches()
{
	assert_cache_matches "$db" "$1" \
	    "interop $HARNESS_SERVER $_interop_scenario: $2"
}

# How many messages of the server's FOLDER have SUBJECT (exactly).
server_count_subject()
{
	harness_server_state "$1" | cut -d' ' -f3- | grep -cxF "$2" || true
}

# The flags (tern's bits) of the server's message with SUBJECT in FOLDER.
server_flags_subject()
{
	harness_server_state "$1" |
	    awk -v s="$2" '{ u = $1; f = $2; $1 = ""; $2 = "";
		sub(/^  /, ""); if ($0 == s) print f }'
}

# Quit the reader: q (again if the pager was open, which q only leaves),
# "y" to "Quit tern?", "n" if it asks to expunge.
tui_quit()
{
	local i screen
	tui_keys q
	for ((i = 0; i < 100; i++)); do
		if [ "$(_tui_tmux display-message -p -t tui '#{pane_dead}')" = 1 ]; then
			break
		fi
		screen=$(tui_screen)
		case $screen in
		*"Quit tern?"*) tui_keys y ;;
		*"Expunge"*) tui_keys n ;;
		*) if [ $((i % 10)) = 9 ]; then tui_keys q; fi ;;
		esac
		sleep 0.1
	done
	tui_wait_exit 10 >/dev/null
	tui_stop
}

# The number of IMAP log-ins in the scenario's tern log so far.
logins()
{
	grep -c 'imap: logged in to' "$_interop_log" 2>/dev/null || true
}

# The expected "UID FLAGS SUBJECT" lines of the seeded INBOX.
seeded_state()
{
	local i f
	for ((i = 1; i <= HARNESS_N; i++)); do
		f=0
		[ $((i % 3)) -ne 0 ] || f=$((f | 1))
		[ $((i % 10)) -ne 0 ] || f=$((f | 4))
		printf '%d %d %s\n' "$i" "$f" "$(subj "$i")"
	done
}

# --- scenarios -----------------------------------------------------------------
# Each is interop_s_NAME, run with HARNESS_SERVER chosen and nothing
# started; it starts its own server.

# The harness's smoke check: the server holds what seed.py makes, and
# tern logs in on every listener.
interop_s_seed()
{
	harness_start -s "$HARNESS_SERVER" -n 30
	seeded_state >"$HARNESS_DIR/want"
	assert_state INBOX "$HARNESS_DIR/want" "seeded INBOX"
	printf '%s\n' "1 1 Archived 1" "2 1 Archived 2" "3 1 Archived 3" \
	    "4 1 Archived 4" "5 1 Archived 5" >"$HARNESS_DIR/want"
	assert_state Archive "$HARNESS_DIR/want" "seeded Archive"
	printf '%s\n' "1 1 Sent 1" "2 1 Sent 2" "3 1 Sent 3" "4 1 Sent 4" \
	    >"$HARNESS_DIR/want"
	assert_state Sent "$HARNESS_DIR/want" "seeded Sent"
	for f in Drafts Trash Junk; do
		[ -z "$(harness_server_state "$f")" ] || ifail "$f is not empty"
	done
	assert_eq 30 "$(harness_imapc --port "$HARNESS_POP3S_PORT" pop-count)" \
	    "interop $HARNESS_SERVER seed: POP3 STAT"
	for proto in imaps imap; do
		harness_config "$proto" >/dev/null
		t sync test:Drafts 2>"$HARNESS_DIR/err" ||
			ifail "tern cannot log in over $proto: $(cat "$HARNESS_DIR/err")"
	done
}

# Cold and warm sync: the cache is the server's, folder roles included.
interop_s_sync()
{
	harness_start -s "$HARNESS_SERVER" -n 200
	harness_config imaps >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "cold sync failed: $(cat "$HARNESS_DIR/err")"
	for f in INBOX Archive Sent; do
		cache_matches "$f" "cold sync of $f"
	done
	assert_eq "INBOX Drafts Sent Junk Trash Archive" \
	    "$(sqlite3 "$db" "SELECT name FROM folder WHERE role < 6 ORDER BY role" |
	    tr '\n' ' ' | sed 's/ $//')" \
	    "interop $HARNESS_SERVER sync: special folders"
	# Warm, over STARTTLS: nothing changed, nothing differs.
	harness_config imap >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "warm sync failed: $(cat "$HARNESS_DIR/err")"
	cache_matches INBOX "warm sync, no change"
	# Warm after changes by another client (older messages only; the
	# newest are the other-client scenario's).
	harness_imapc flag add '\Flagged \Answered' 11
	harness_imapc flag remove '\Seen' 12
	harness_imapc expunge 20:25
	for i in 1 2 3; do
		harness_deliver "Late arrival $i" >/dev/null
	done
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "warm sync failed: $(cat "$HARNESS_DIR/err")"
	cache_matches INBOX "warm sync after changes"
	assert_eq 197 "$(wc -l <"$HARNESS_DIR/cache.txt")" \
	    "interop $HARNESS_SERVER sync: messages after the changes"
	has_cap CONDSTORE || fallback "no CONDSTORE: flags compared in full"
}

# Bodies: tern sync --bodies caches what the server sends.
interop_s_bodies()
{
	local uid
	harness_start -s "$HARNESS_SERVER" -n 20
	harness_config imaps >/dev/null
	t sync --bodies test:INBOX 2>"$HARNESS_DIR/err" ||
		ifail "sync --bodies failed: $(cat "$HARNESS_DIR/err")"
	assert_eq 20 "$(sqlite3 "$db" "SELECT count(*) FROM message m
	    JOIN folder f ON f.id = m.folder_id JOIN body b ON b.message_id = m.id
	    WHERE f.name = 'INBOX'")" "interop $HARNESS_SERVER bodies: bodies cached"
	for uid in 1 7 20; do
		harness_imapc fetch INBOX "$uid" >"$HARNESS_DIR/server.eml"
		sqlite3 "$db" "SELECT writefile('$HARNESS_DIR/cache.eml', b.raw)
		    FROM message m JOIN folder f ON f.id = m.folder_id
		    JOIN body b ON b.message_id = m.id
		    WHERE f.name = 'INBOX' AND m.uid = $uid" >/dev/null
		"$TERN_PYTHON" - "$HARNESS_DIR/server.eml" "$HARNESS_DIR/cache.eml" \
		    "$HARNESS_SERVER" "$uid" <<'EOF' || ifail "the body of UID $uid differs from the server's"
import re, sys
server, cache, kind, uid = open(sys.argv[1], "rb").read(), \
    open(sys.argv[2], "rb").read(), sys.argv[3], sys.argv[4]
def norm(b):
    # mailutils rewrites the messages it stores (Status:, X-UID:,
    # X-IMAPbase:, X-UIDL:), so its header block may change between two
    # fetches: compare without those lines there, byte for byte elsewhere.
    if kind != "mailutils":
        return b
    head, sep, body = b.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not re.match(
        rb"(?i)(status|x-status|x-uid|x-imapbase|x-uidl|x-keywords):", l)]
    return b"\r\n".join(lines) + sep + body
if norm(server) != norm(cache):
    sys.stderr.write("UID %s: server %d bytes, cache %d bytes\n%r\n%r\n" % (
        uid, len(server), len(cache), server[:300], cache[:300]))
    sys.exit(1)
if b"Body of message %s." % uid.encode() not in cache:
    sys.stderr.write("UID %s: not its text\n" % uid)
    sys.exit(1)
EOF
	done
	# A second run fetches nothing more and changes nothing.
	t sync --bodies test:INBOX 2>"$HARNESS_DIR/err" ||
		ifail "second sync --bodies failed: $(cat "$HARNESS_DIR/err")"
	cache_matches INBOX "after --bodies"
}

# Search: tern online = tern offline = the server's own UID SEARCH.
interop_s_search()
{
	local tq sq want online offline
	harness_start -s "$HARNESS_SERVER" -n 30
	harness_config imaps >/dev/null
	# UIDs 31-33: UTF-8 in the subject (RFC 2047) and the body (8 bit,
	# quoted-printable).
	printf '%s\r\n' "Date: Mon, 30 Dec 2024 08:00:00 +0000" \
	    "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>" \
	    "To: alice@example.org" \
	    "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=" \
	    "Message-ID: <utf8-1@tern.test>" "MIME-Version: 1.0" \
	    "Content-Type: text/plain; charset=UTF-8" \
	    "Content-Transfer-Encoding: quoted-printable" "" \
	    "Die Stra=C3=9Fenbahn kommt gleich." |
	    harness_imapc append INBOX >/dev/null
	printf '%s\r\n' "Date: Tue, 31 Dec 2024 08:00:00 +0000" \
	    "From: Ann <ann@example.com>" "To: alice@example.org" \
	    "Subject: Stadtplan" "Message-ID: <utf8-2@tern.test>" \
	    "MIME-Version: 1.0" "Content-Type: text/plain; charset=UTF-8" \
	    "Content-Transfer-Encoding: 8bit" "" \
	    "Eine Straße in Köln, the quick brown fox." |
	    harness_imapc append INBOX >/dev/null
	printf '%s\r\n' "Date: Tue, 31 Dec 2024 09:00:00 +0000" \
	    "From: Bob <bob@example.net>" "To: alice@example.org" \
	    "Subject: Quarterly report" "Message-ID: <ascii-3@tern.test>" \
	    "" "Numbers are up; the fox is quick." |
	    harness_imapc append INBOX >/dev/null
	harness_imapc flag add '\Flagged' 31,33
	t sync --bodies test:INBOX 2>"$HARNESS_DIR/err" ||
		ifail "sync --bodies failed: $(cat "$HARNESS_DIR/err")"
	# tern query <TAB> the same as IMAP SEARCH keys (shell words).
	while IFS='	' read -r tq sq; do
		[ -n "$tq" ] || continue
		eval "harness_imapc search INBOX $sq" >"$HARNESS_DIR/want" ||
			ifail "the server's UID SEARCH $sq failed"
		want=$(tr '\n' ' ' <"$HARNESS_DIR/want")
		online=$(t search test:INBOX "$tq" 2>"$HARNESS_DIR/err" |
		    cut -f1 | sort -n | tr '\n' ' ') ||
			ifail "tern search '$tq' failed: $(cat "$HARNESS_DIR/err")"
		offline=$(t search --offline test:INBOX "$tq" 2>"$HARNESS_DIR/err" |
		    cut -f1 | sort -n | tr '\n' ' ') ||
			ifail "tern search --offline '$tq' failed: $(cat "$HARNESS_DIR/err")"
		[ -n "$want" ] || ifail "the server finds nothing for $sq (a bad row)"
		assert_eq "$want" "$online" \
		    "interop $HARNESS_SERVER search: online '$tq' (server: $sq)"
		assert_eq "$want" "$offline" \
		    "interop $HARNESS_SERVER search: offline '$tq' (server: $sq)"
	done <<'EOF'
from:sender-5	FROM sender-5
subject:"message 00012"	SUBJECT "message 00012"
subject:Grüße	SUBJECT Grüße
from:Jürgen	FROM Jürgen
body:Straße	BODY Straße
body:"brown fox"	BODY "brown fox"
subject:quarterly	SUBJECT quarterly
is:flagged	FLAGGED
is:unread subject:message	UNSEEN SUBJECT message
EOF
}

# Flags and expunges by another client, the newest messages included, are
# in the cache after a tern sync.
interop_s_other_client()
{
	local n=40
	harness_start -s "$HARNESS_SERVER" -n $n
	harness_config imaps >/dev/null
	t sync test:INBOX 2>"$HARNESS_DIR/err" ||
		ifail "first sync failed: $(cat "$HARNESS_DIR/err")"
	harness_imapc flag add '\Flagged' 5
	harness_imapc flag add '\Seen \Answered' 38
	harness_imapc flag remove '\Seen' 3
	harness_imapc expunge 7
	harness_imapc expunge 39:40
	t sync test:INBOX 2>"$HARNESS_DIR/err" ||
		ifail "second sync failed: $(cat "$HARNESS_DIR/err")"
	cache_matches INBOX "flags and expunges (UIDs 39 and 40 the newest) by another client"
	assert_eq 37 "$(wc -l <"$HARNESS_DIR/cache.txt")" \
	    "interop $HARNESS_SERVER other-client: messages"
	# The next newest too, once the first sync knew the newest.
	harness_imapc expunge 38
	t sync test:INBOX 2>"$HARNESS_DIR/err" ||
		ifail "third sync failed: $(cat "$HARNESS_DIR/err")"
	cache_matches INBOX "the newest (UID 38) expunged by another client"
	has_cap CONDSTORE || fallback "no CONDSTORE: the FLAGS-compare resync"
}

# An offline \Deleted replayed after another client expunged its message:
# nothing else changes on the server.
interop_s_offline_replay()
{
	local n=20
	harness_start -s "$HARNESS_SERVER" -n $n
	harness_config imaps >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "first sync failed: $(cat "$HARNESS_DIR/err")"
	tui_start 120 40 "$TERN" --log "$_interop_log" --offline test
	tui_wait_for "$(subj $n)" 20
	# The cursor is on the newest message (UID 20): d marks it deleted.
	tui_keys d
	sleep 0.5
	tui_quit
	assert_eq 1 "$(sqlite3 "$db" "SELECT count(*) FROM pending")" \
	    "interop $HARNESS_SERVER offline-replay: one change queued"
	# Another client expunges UID 20 meanwhile.
	harness_imapc expunge $n
	harness_server_state INBOX >"$HARNESS_DIR/want"
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "the replay failed: $(cat "$HARNESS_DIR/err")"
	assert_state INBOX "$HARNESS_DIR/want" \
	    "the replayed \\Deleted of the expunged UID $n touched another message"
	cache_matches INBOX "after the replay"
}

# Move and copy from the reader: MOVE where the server has it; else the
# fallback (COPY + \Deleted, + UID EXPUNGE with UIDPLUS). Another client
# expunged UIDs 1-3 first, so that UIDs and sequence numbers differ.
interop_s_move_copy()
{
	local n=20 f
	harness_start -s "$HARNESS_SERVER" -n $n
	harness_config imaps >/dev/null
	harness_imapc expunge 1:3
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "first sync failed: $(cat "$HARNESS_DIR/err")"
	tui_start 120 40 "$TERN" --log "$_interop_log" test
	tui_wait_for "$(subj $n)" 20
	tui_wait_for "online" 20
	# Move the newest (UID 20) to Archive.
	tui_keys s
	tui_wait_for "Move" 5
	tui_keys -l Archive
	tui_keys Enter
	# mutt's save: the move waits for $ (or leaving); on to UID 19.
	tui_wait_for "1 message to move to" 5
	# Copy the next (UID 19) to Sent.
	tui_keys C
	tui_wait_for "Copy" 5
	tui_keys -l Sent
	tui_keys Enter
	tui_wait_gone "Copy to folder" 5
	tui_keys '$'
	tui_wait_gone "$(subj $n)" 5
	copied() { [ "$(server_count_subject Sent "$(subj 19)")" = 1 ]; }
	moved() { [ "$(server_count_subject Archive "$(subj $n)")" = 1 ]; }
	wait_for 10 moved || {
		tui_screen >&2
		ifail "UID $n is not in Archive on the server"
	}
	wait_for 10 copied || ifail "UID 19 is not in Sent on the server"
	tui_quit
	assert_eq 1 "$(server_count_subject INBOX "$(subj 19)")" \
	    "interop $HARNESS_SERVER move-copy: the copy stays in INBOX"
	assert_eq 0 "$(($(server_flags_subject INBOX "$(subj 19)") & 8))" \
	    "interop $HARNESS_SERVER move-copy: the copied message is not \\Deleted"
	assert_eq 1 "$(server_count_subject Archive "$(subj $n)")" \
	    "interop $HARNESS_SERVER move-copy: moved once"
	assert_eq 1 "$(server_count_subject Sent "$(subj 19)")" \
	    "interop $HARNESS_SERVER move-copy: copied once"
	if has_cap MOVE || has_cap UIDPLUS; then
		assert_eq 0 "$(server_count_subject INBOX "$(subj $n)")" \
		    "interop $HARNESS_SERVER move-copy: moved out of INBOX"
		has_cap MOVE || fallback "no MOVE: COPY + UID EXPUNGE"
	else
		# Without UIDPLUS tern cannot expunge one message alone: it
		# stays, \Deleted.
		f=$(server_flags_subject INBOX "$(subj $n)")
		[ -z "$f" ] || [ $((f & 8)) -ne 0 ] ||
			ifail "without UIDPLUS the moved message stays but is not \\Deleted"
		fallback "no MOVE, no UIDPLUS: COPY + \\Deleted"
	fi
	# Every other message of INBOX is as it was.
	seeded_state | grep -v -e "^$n " -e "^[123] " >"$HARNESS_DIR/want"
	harness_server_state INBOX | grep -v -e "^$n " >"$HARNESS_DIR/now"
	diff -u "$HARNESS_DIR/want" "$HARNESS_DIR/now" >&2 ||
		ifail "other messages of INBOX changed"
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "sync after the move failed: $(cat "$HARNESS_DIR/err")"
	cache_matches Archive "Archive after the move"
	cache_matches Sent "Sent after the copy"
}

# Réunions (wire name R&AOk-unions) with two messages; subscribed with -s.
_interop_utf8_folder()
{
	harness_imapc create Réunions ${1:+--subscribe}
	printf '%s\r\n' "From: Chloé <chloe@example.fr>" "To: alice@example.org" \
	    "Subject: Ordre du jour" "Message-ID: <reu-1@tern.test>" "" \
	    "Lundi." | harness_imapc append Réunions >/dev/null
	printf '%s\r\n' "From: Chloé <chloe@example.fr>" "To: alice@example.org" \
	    "Subject: Compte rendu" "Message-ID: <reu-2@tern.test>" "" \
	    "Mardi." | harness_imapc append Réunions >/dev/null
}

# A folder with a non-ASCII name on the command line (not subscribed:
# only the command naming it brings it), by the name the user sees and by
# its wire name; a missing folder is exit status 1 for every command.
interop_s_folder_utf8()
{
	local st
	harness_start -s "$HARNESS_SERVER" -n 10
	harness_config imaps >/dev/null
	_interop_utf8_folder
	# Export first, on a cold cache: it syncs the folder, then exports.
	t export test:Réunions --maildir "$HARNESS_DIR/reu" 2>"$HARNESS_DIR/err" ||
		ifail "tern export test:Réunions failed: $(cat "$HARNESS_DIR/err")"
	assert_eq 2 "$(find "$HARNESS_DIR/reu" -type f \( -path '*/cur/*' -o \
	    -path '*/new/*' \) | wc -l)" \
	    "interop $HARNESS_SERVER folder-utf8: messages exported by tern export test:Réunions"
	grep -rqs "Ordre du jour" "$HARNESS_DIR/reu" ||
		ifail "the export of Réunions lacks its messages"
	rm -f "$db" "$db-wal" "$db-shm"
	t sync 'test:R&AOk-unions' 2>"$HARNESS_DIR/err" ||
		ifail "tern sync test:R&AOk-unions (the wire name) failed: $(cat "$HARNESS_DIR/err")"
	rm -f "$db" "$db-wal" "$db-shm"
	t sync test:Réunions 2>"$HARNESS_DIR/err" ||
		ifail "tern sync test:Réunions failed: $(cat "$HARNESS_DIR/err")"
	assert_eq 2 "$(sqlite3 "$db" "SELECT count(*) FROM message m
	    JOIN folder f ON f.id = m.folder_id WHERE f.display = 'Réunions'")" \
	    "interop $HARNESS_SERVER folder-utf8: messages of Réunions in the cache"
	st=0
	t sync test:NoSuchFolder 2>"$HARNESS_DIR/err" || st=$?
	assert_eq 1 "$st" "interop $HARNESS_SERVER folder-utf8: tern sync test:NoSuchFolder exit status"
	st=0
	t export test:NoSuchFolder --maildir "$HARNESS_DIR/none" \
	    2>"$HARNESS_DIR/err" || st=$?
	assert_eq 1 "$st" "interop $HARNESS_SERVER folder-utf8: tern export test:NoSuchFolder exit status"
	st=0
	t search test:NoSuchFolder all >/dev/null 2>"$HARNESS_DIR/err" || st=$?
	assert_eq 1 "$st" "interop $HARNESS_SERVER folder-utf8: tern search test:NoSuchFolder exit status"
}

# The same folder opened from the reader (c, then its name).
interop_s_folder_utf8_reader()
{
	harness_start -s "$HARNESS_SERVER" -n 10
	harness_config imaps >/dev/null
	_interop_utf8_folder -s
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "sync failed: $(cat "$HARNESS_DIR/err")"
	tui_start 120 40 "$TERN" --log "$_interop_log" test
	tui_wait_for "$(subj 10)" 20
	tui_keys c
	sleep 0.3
	tui_keys -l Réunions
	tui_keys Enter
	tui_wait_for "Ordre du jour" 10
	tui_wait_for "Compte rendu" 5
	tui_quit
}

# Expunge from the reader (d, $ on the newest): exactly that message goes,
# and the connection stays up.
interop_s_expunge_reader()
{
	local n=20 before
	harness_start -s "$HARNESS_SERVER" -n $n
	harness_config imaps >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "first sync failed: $(cat "$HARNESS_DIR/err")"
	seeded_state | grep -v "^$n " >"$HARNESS_DIR/want"
	tui_start 120 40 "$TERN" --log "$_interop_log" test
	tui_wait_for "$(subj $n)" 20
	tui_wait_for "online" 20
	sleep 1
	before=$(logins)
	tui_keys d '$'
	tui_wait_for "Expunge 1" 5
	tui_keys y
	tui_wait_gone "$(subj $n)" 5
	gone() { [ "$(server_count_subject INBOX "$(subj $n)")" = 0 ]; }
	wait_for 10 gone || ifail "UID $n is still on the server"
	# The reader stays open a while: nothing else may go (issue 11: on
	# mailutils message after message went), and no new log-in.
	sleep 5
	assert_state INBOX "$HARNESS_DIR/want" "exactly UID $n expunged"
	assert_eq "$before" "$(logins)" \
	    "interop $HARNESS_SERVER expunge-reader: log-ins (a dropped connection logs in again)"
	tui_quit
	assert_state INBOX "$HARNESS_DIR/want" "after leaving the reader"
}

# New mail in the open folder while the reader idles: IDLE pushes it, or
# (mailutils: IDLE never reports) tern checks every status_interval.
interop_s_idle()
{
	local n=20 interval=5
	harness_start -s "$HARNESS_SERVER" -n $n
	harness_config imaps "status_interval = $interval" >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "first sync failed: $(cat "$HARNESS_DIR/err")"
	tui_start 120 40 "$TERN" --log "$_interop_log" test
	tui_wait_for "$(subj $n)" 20
	tui_wait_for "online" 20
	sleep 1
	# Three checks' time and some: mailutils may also reset UIDVALIDITY
	# when another session appends, which costs a refetch, and a loaded
	# machine is slow.
	harness_deliver "Pushed while idling" >/dev/null
	tui_wait_for "Pushed while idling" $((3 * interval + 10))
	harness_deliver "Second while idling" >/dev/null
	tui_wait_for "Second while idling" $((3 * interval + 10))
	tui_quit
	[ "$HARNESS_SERVER" != mailutils ] ||
		fallback "IDLE never reports: the open folder checked every status_interval"
}

# POP3: tern logs in over POP3S and POP3 + STLS (mailutils's greeting has
# an APOP timestamp without an APOP secret: USER/PASS or SASL PLAIN).
interop_s_pop3_login()
{
	local proto
	harness_start -s "$HARNESS_SERVER" -n 5
	for proto in pop3s pop3; do
		harness_config "$proto" "pop3_delete = no" >/dev/null
		t sync test 2>"$HARNESS_DIR/err" ||
			ifail "POP3 log-in over $proto failed: $(cat "$HARNESS_DIR/err")"
	done
	# Over TLS APOP is used only when asked for (auth = apop).
	if grep -q 'pop3: C: APOP' "$_interop_log"; then
		ifail "tern logged in with APOP over TLS, unasked"
	fi
	assert_eq 5 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
	    "interop $HARNESS_SERVER pop3-login: messages downloaded"
}

# POP3 delete mode: everything comes, the server is left empty.
interop_s_pop3_delete()
{
	harness_start -s "$HARNESS_SERVER" -n 30
	harness_config pop3s "pop3_delete = yes" >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "delete-mode sync failed: $(cat "$HARNESS_DIR/err")"
	assert_eq 30 "$(sqlite3 "$db" "SELECT count(DISTINCT message_id) FROM message")" \
	    "interop $HARNESS_SERVER pop3-delete: messages in the cache"
	assert_eq 0 "$(harness_imapc --port "$HARNESS_POP3S_PORT" pop-count)" \
	    "interop $HARNESS_SERVER pop3-delete: messages left on the server"
	sqlite3 "$db" "SELECT subject FROM message ORDER BY subject" \
	    >"$HARNESS_DIR/got"
	seeded_state | cut -d' ' -f3- | sort >"$HARNESS_DIR/want"
	diff -u "$HARNESS_DIR/want" "$HARNESS_DIR/got" >&2 ||
		ifail "the downloaded messages are not the seeded ones"
}

# POP3 keep mode over three syncs: no message twice, though the server
# (mailutils) may change LIST sizes between them; the UIDL is the identity.
interop_s_pop3_keep()
{
	local run
	harness_start -s "$HARNESS_SERVER" -n 30
	harness_config pop3s "pop3_delete = no" >/dev/null
	for run in 1 2; do
		t sync test 2>"$HARNESS_DIR/err" ||
			ifail "keep-mode sync $run failed: $(cat "$HARNESS_DIR/err")"
		harness_imapc --port "$HARNESS_POP3S_PORT" pop-list \
		    >"$HARNESS_DIR/list$run"
	done
	harness_deliver "Kept 1" >/dev/null
	harness_deliver "Kept 2" >/dev/null
	t sync test 2>"$HARNESS_DIR/err" ||
		ifail "keep-mode sync 3 failed: $(cat "$HARNESS_DIR/err")"
	if ! cmp -s "$HARNESS_DIR/list1" "$HARNESS_DIR/list2"; then
		printf 'interop %s pop3-keep: LIST sizes changed between syncs\n' \
		    "$HARNESS_SERVER" >&2
	fi
	assert_eq 32 "$(sqlite3 "$db" "SELECT count(*) FROM message")" \
	    "interop $HARNESS_SERVER pop3-keep: messages in the cache after three syncs"
	assert_eq 32 "$(sqlite3 "$db" "SELECT count(DISTINCT message_id) FROM message")" \
	    "interop $HARNESS_SERVER pop3-keep: distinct Message-IDs"
	assert_eq 32 "$(harness_imapc --port "$HARNESS_POP3S_PORT" pop-count)" \
	    "interop $HARNESS_SERVER pop3-keep: messages kept on the server"
}

# The POP3 preview lists the server's messages and downloads nothing.
interop_s_pop3_preview()
{
	harness_start -s "$HARNESS_SERVER" -n 12
	harness_config pop3s "pop3_delete = no" >/dev/null
	t sync --preview test >"$HARNESS_DIR/pv" 2>"$HARNESS_DIR/err" ||
		ifail "preview failed: $(cat "$HARNESS_DIR/err")"
	cut -f 6 "$HARNESS_DIR/pv" | sort >"$HARNESS_DIR/got"
	seeded_state | cut -d' ' -f3- | sort >"$HARNESS_DIR/want"
	diff -u "$HARNESS_DIR/want" "$HARNESS_DIR/got" >&2 ||
		ifail "the preview does not list the server's messages"
	harness_imapc --port "$HARNESS_POP3S_PORT" pop-uidl | cut -d' ' -f2 |
	    sort >"$HARNESS_DIR/want"
	cut -f 1 "$HARNESS_DIR/pv" | sort >"$HARNESS_DIR/got"
	diff -u "$HARNESS_DIR/want" "$HARNESS_DIR/got" >&2 ||
		ifail "the preview's UIDLs are not the server's"
	assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM message" 2>/dev/null || echo 0)" \
	    "interop $HARNESS_SERVER pop3-preview: downloads nothing"
}

# --- the driver ------------------------------------------------------------------

# Run scenario $2 against server $1 in a subshell; record its result.
_interop_run()
{
	local server=$1 name=$2 fn rc t0 t1
	fn=interop_s_${name//-/_}
	_interop_dir=$_interop_top/$name
	mkdir -p "$_interop_dir"
	t0=$(date +%s)
	printf '=== interop %s %s\n' "$server" "$name" >&2
	set +e
	(
		set -e
		trap 'exit 129' HUP
		trap 'exit 130' INT
		trap 'exit 143' TERM
		trap '_interop_sub_exit' EXIT
		HARNESS_SERVER=$server
		_interop_scenario=$name
		_interop_log=$_interop_dir/tern.log
		db=$_interop_dir/cache/tern/test.db
		# The harness sets XDG_CACHE_HOME to its own dir: the cache
		# path is looked up after harness_start.
		_interop_cache_path()
		{
			db=$XDG_CACHE_HOME/tern/test.db
		}
		harness_start()
		{
			_interop_harness_start "$@"
			_interop_cache_path
		}
		# A reader that times out names the server and the scenario.
		_tui_timeout()
		{
			printf '%s\n' "--- screen ---" >&2
			tui_screen >&2 || true
			printf '%s\n' "--------------" >&2
			ifail "$1"
		}
		"$fn"
	)
	rc=$?
	set -e
	t1=$(date +%s)
	if [ "$rc" = 77 ]; then
		_interop_results+=("interop $server $name: SKIP")
		_interop_skipped=$((_interop_skipped + 1))
	elif [ "$rc" = 0 ]; then
		if [ -s "$_interop_dir/fallback" ]; then
			_interop_results+=("interop $server $name: FALLBACK-PASS")
		else
			_interop_results+=("interop $server $name: PASS")
		fi
	else
		_interop_results+=("interop $server $name: FAIL")
		_interop_failed=1
	fi
	printf '=== interop %s %s: %s s\n' "$server" "$name" $((t1 - t0)) >&2
}

# In the scenario's subshell at exit: on failure the tails of tern's log
# and of the server's; then stop what it started.
_interop_sub_exit()
{
	local st=$?
	set +e
	if [ "$st" != 0 ] && [ "$st" != 77 ] && [ -s "$_interop_log" ]; then
		printf '%s\n' "--- tern --log: changes, searches, errors (last 40) ---" >&2
		grep -E 'C: [0-9]+ (UID (FETCH|STORE|EXPUNGE|MOVE|COPY|SEARCH)|EXPUNGE|STORE|COPY|MOVE|SELECT|APOP|USER|AUTH|LIST |DELE|RETR|UIDL)|S: \* (VANISHED|[0-9]+ EXPUNGE)|S: [0-9]+ (NO|BAD)|S: -ERR|warn|error|vanished|dropping|reconnect|logged in' \
		    "$_interop_log" | tail -n 40 >&2
		printf '%s\n' "--- tern --log (tail) ---" >&2
		tail -n 15 "$_interop_log" >&2
	fi
	tui_stop
	LIB_EXIT_STATUS=$st
	_harness_on_exit
	exit "$st"
}

interop_main()
{
	local server=$1 name line
	_interop_results=()
	_interop_failed=
	_interop_skipped=0
	_interop_top=$(mktemp -d "${TMPDIR:-/tmp}/tern-interop-$server.XXXXXX")
	at_exit "rm -rf '$_interop_top'"
	# harness_start is wrapped inside each scenario's subshell.
	eval "_interop_harness_start() $(declare -f harness_start | tail -n +2)"
	command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
	for name in ${INTEROP_ONLY:-$INTEROP_SCENARIOS}; do
		_interop_run "$server" "$name"
	done
	printf '\n'
	for line in "${_interop_results[@]}"; do
		printf '%s\n' "$line"
	done
	[ -z "$_interop_failed" ] || fail "interop $server: some scenarios failed (above)"
	if [ "$_interop_skipped" = "${#_interop_results[@]}" ]; then
		skip "interop $server: every scenario was skipped"
	fi
}
