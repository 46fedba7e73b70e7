#!/bin/bash
# Hostile servers (tests/fake-server.py), one case each; every case checks
# that tern does not crash, stays within bounded memory, leaves a cache
# that passes integrity_check, and says one clear line (hard_check in
# tests/hardening.sh), plus what the case itself is about:
#   preauth-starttls, garbage-greeting, pop3-garbage-greeting: TLS is
#       required and the greeting skips it or is not the protocol: tern
#       disconnects and sends nothing;
#   untagged-before-starttls: CAPABILITY, LIST and EXISTS slipped in before
#       STARTTLS's OK are forgotten; the capabilities are read again;
#   literal-4g, long-line, pop3-endless-retr: a literal claiming 4 GB, a
#       100 MB line, a RETR without end: the read limit ends the session;
#   trickle, pop3-trickle: an answer a byte at a time, without end: the
#       answer's deadline ends the session;
#   deep-bodystructure, long-internaldate, huge-size, no-text, set-comma,
#       exists-backwards, unasked-fetch, flag-news: malformed or
#       unexpected answers;
#   hostile-names, pop3-hostile-uidl: mailbox names and UIDLs made to reach
#       a shell or a file path, or the terminal: they never do;
#   empty-status, no-status: STATUS answers without data (in the reader);
#   notify-refused, notify-hostile, notify-literal-4g: NOTIFY and
#     LIST-STATUS refused, wrapped in hostile STATUS data, a 4 GB literal
#     in IDLE (in the reader);
#   timeout: a server that stops answering: the status line says so and
#       the reader keeps answering keys (tmux);
#   sasl-endless, oauth-hostile-error: SASL challenges without end, OAuth
#       error challenges with escapes: bounded, answered, sanitised.
# HARD_CASES="a b" runs only those cases.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 0
. "$TERN_SRCDIR/tests/hardening.sh"
tls=(--cert "$HARNESS_CERT" --key "$HARNESS_KEY")
export FAKE_POP3_USER=$HARNESS_USER FAKE_POP3_PASS=$HARNESS_PASS
work=$HARNESS_DIR/work
mkdir -p "$work"
cd "$work"

# fresh: no cache, no config.
fresh()
{
	rm -rf "$XDG_CACHE_HOME/tern" "$XDG_CONFIG_HOME/tern"
}

# imap_plain SCENARIO [FAKE OPTION]...: the fake, and an account on it
# without TLS.
imap_plain()
{
	fresh
	fake_start "$@"
	hard_config imap "imap://127.0.0.1:$FAKE_PORT" "tls = off"
}

# count SQL: one number from the cache.
count()
{
	sqlite3 "$HARD_DB" "$1"
}

# sent: what the fake received (after it has gone).
sent()
{
	wait_until 5 sh -c "! kill -0 $FAKE_PID 2>/dev/null" || true
	cat "$FAKE_LOG"
}

# no_pwned: no file a hostile name would have made.
no_pwned()
{
	local f
	f=$(find "$work" "$HOME" /tmp "$XDG_CACHE_HOME" -maxdepth 3 \
	    -name 'tern-pwned-*' 2>/dev/null | head -n 1)
	[ -z "$f" ] || fail "$1: a hostile name made $f"
}

case_preauth_starttls()
{
	fresh
	fake_start imap-preauth
	hard_config imap "imap://localhost:$FAKE_PORT" \
	    "tls_ca_file = $HARNESS_CA"
	hard_run sync t
	hard_check "$1" "PREAUTH"
	assert_eq "" "$(sent)" "$1: nothing sent"
}

case_garbage_greeting()
{
	fresh
	fake_start imap-garbage-greeting
	hard_config imap "imap://localhost:$FAKE_PORT" \
	    "tls_ca_file = $HARNESS_CA"
	hard_run sync t
	hard_check "$1" "greeting"
	assert_eq "" "$(sent)" "$1: nothing sent"
	assert_not_contains "$HARD_ERR" $'\e' "$1: no escape on stderr"
}

case_pop3_garbage_greeting()
{
	fresh
	fake_start pop3-garbage-greeting
	hard_config pop3 "pop3://localhost:$FAKE_PORT" \
	    "tls_ca_file = $HARNESS_CA"
	hard_run sync t
	hard_check "$1" "greeting"
	assert_eq "" "$(sent)" "$1: nothing sent"
	assert_not_contains "$HARD_ERR" $'\e' "$1: no escape on stderr"
}

case_untagged_before_starttls()
{
	fresh
	fake_start imap-untagged-before-starttls "${tls[@]}"
	hard_config imap "imap://localhost:$FAKE_PORT" \
	    "tls_ca_file = $HARNESS_CA"
	hard_run sync t
	hard_check "$1" ok
	local log
	log=$(sent)
	# Before TLS the server said LOGINDISABLED; after it, not: a client
	# that kept the old capabilities would have used AUTHENTICATE.
	assert_contains "$log" "LOGIN $HARNESS_USER" "$1: LOGIN after TLS"
	assert_not_contains "$log" "AUTHENTICATE" "$1: stale capabilities"
	assert_eq 1 "$(printf '%s\n' "$log" | grep -c 'STARTTLS')" \
	    "$1: one STARTTLS"
	assert_eq 0 "$(count "SELECT count(*) FROM folder WHERE name = 'Evil'")" \
	    "$1: the injected LIST"
	assert_eq 5 "$(count "SELECT count(*) FROM message m JOIN folder f
	    ON f.id = m.folder_id WHERE f.name = 'INBOX'")" \
	    "$1: INBOX as the server has it, not the injected EXISTS"
}

case_literal_4g()
{
	imap_plain imap-literal-4g
	hard_run sync t
	hard_check "$1" "more than 64 MB in one answer"
}

case_long_line()
{
	imap_plain imap-long-line
	hard_run sync t
	hard_check "$1" "more than 64 MB in one answer"
}

# A server that trickles a byte at a time never lets a read time out; the
# answer's own deadline (two timeouts, a second more per kB) ends it.
case_trickle()
{
	local t0 t1
	imap_plain imap-trickle
	hard_config imap "imap://127.0.0.1:$FAKE_PORT" "tls = off" "timeout = 2"
	t0=$(date +%s)
	hard_run sync t
	t1=$(date +%s)
	hard_check "$1" "answers too slowly"
	[ $((t1 - t0)) -le 12 ] || fail "$1: took $((t1 - t0)) s"
}

case_pop3_trickle()
{
	local t0 t1
	fresh
	fake_start pop3-trickle
	hard_config pop3 "pop3://127.0.0.1:$FAKE_PORT" "tls = off" "timeout = 2"
	t0=$(date +%s)
	hard_run sync t
	t1=$(date +%s)
	hard_check "$1" "answers too slowly"
	[ $((t1 - t0)) -le 12 ] || fail "$1: took $((t1 - t0)) s"
}

case_pop3_endless_retr()
{
	fresh
	fake_start pop3-endless-retr
	hard_config pop3 "pop3://127.0.0.1:$FAKE_PORT" "tls = off" \
	    "pop3_delete = yes"
	hard_run sync t
	hard_check "$1" "more than 64 MB in one answer"
	assert_not_contains "$(sent)" "DELE" "$1: nothing deleted"
	assert_eq 0 "$(count "SELECT count(*) FROM message")" \
	    "$1: nothing stored"
}

case_deep_bodystructure()
{
	imap_plain imap-deep-bodystructure
	hard_run sync t
	hard_check "$1" ok
	assert_eq 10 "$(count "SELECT count(*) FROM message")" "$1: messages"
}

# A FETCH whose FLAGS list nests: libetpan's parser refuses it (in FLAGS
# and PERMANENTFLAGS lines it crashed; the response filter takes those
# out): one clear line, no crash.
case_nested_flags()
{
	imap_plain imap-nested-flags
	hard_run sync t
	hard_check "$1" "the server sent something unreadable"
}

case_long_internaldate()
{
	imap_plain imap-long-internaldate
	hard_run sync t
	# Readable or not, the run ends cleanly either way.
	if [ "$HARD_STATUS" = 0 ]; then
		hard_check "$1" ok
	else
		hard_check "$1" "unreadable"
	fi
}

case_huge_size()
{
	imap_plain imap-huge-size
	hard_run sync t
	if [ "$HARD_STATUS" = 0 ]; then
		hard_check "$1" ok
		assert_eq 10 "$(count "SELECT count(*) FROM message")" \
		    "$1: messages"
	else
		hard_check "$1" "unreadable"
	fi
}

case_no_text()
{
	imap_plain imap-no-text
	hard_run sync t:INBOX
	hard_check "$1" "SELECT"
	assert_not_contains "$HARD_ERR" "(null)" "$1: the message"
}

case_set_comma()
{
	imap_plain imap-set-comma
	hard_run sync t:INBOX
	hard_check "$1 (COPYUID)" ok
	fake_stop
	fake_start imap-set-comma
	hard_config imap "imap://127.0.0.1:$FAKE_PORT" "tls = off"
	hard_run search t:INBOX all
	hard_check "$1 (SEARCH)" "UID SEARCH"
}

case_exists_backwards()
{
	imap_plain imap-exists-backwards
	hard_run sync t
	hard_check "$1" ok
	assert_eq "1 2 3 4 5" "$(count "SELECT group_concat(uid, ' ') FROM
	    (SELECT uid FROM message m JOIN folder f ON f.id = m.folder_id
	    WHERE f.name = 'INBOX' ORDER BY uid)")" "$1: INBOX"
}

case_unasked_fetch()
{
	imap_plain imap-unasked-fetch
	hard_run sync t
	hard_check "$1" ok
	assert_eq 0 "$(count "SELECT count(*) FROM message WHERE uid > 5
	    OR uid = 0")" "$1: messages nobody asked for"
	assert_eq 10 "$(count "SELECT count(*) FROM message")" "$1: messages"
}

# Flag news (FLAGS alone) for a message in the answer to its header
# FETCH does not blank the headers already read.
case_flag_news()
{
	imap_plain imap-flag-news
	hard_run sync t
	hard_check "$1" ok
	assert_eq "Fake INBOX 1" "$(count "SELECT m.subject FROM message m
	    JOIN folder f ON f.id = m.folder_id WHERE f.name = 'INBOX' AND
	    m.uid = 1")" "$1: the headers of message 1"
	assert_eq 0 "$(count "SELECT count(*) FROM message WHERE subject IS
	    NULL OR from_addr IS NULL")" "$1: blank rows"
}

case_hostile_names()
{
	imap_plain imap-hostile-names
	hard_run sync t
	hard_check "$1" ok
	no_pwned "$1"
	assert_not_contains "$HARD_ERR" $'\e' "$1: no escape on stderr"
	# Shown escaped: no control character, only valid UTF-8.
	assert_eq 0 "$(count "SELECT count(*) FROM folder WHERE
	    display GLOB '*['||char(1)||'-'||char(31)||char(127)||']*'")" \
	    "$1: control characters in names shown"
	if ! count "SELECT display FROM folder" | iconv -f UTF-8 -t UTF-8 \
	    >/dev/null 2>&1; then
		fail "$1: invalid UTF-8 in names shown"
	fi
	# The reader shows them inert: no title or screen escape reaches
	# the terminal.
	tui_start 120 30 "$TERN" --offline
	tui_wait_for "touch tern-pwned-1" 10
	assert_not_contains "$(tui_raw_output)" $'\e]0;pwned' \
	    "$1: an escape sent to the terminal"
	assert_contains "$(tui_screen)" '\x1b]0;pwned\x07' \
	    "$1: the name shown escaped"
	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$1: the reader's exit status"
	tui_stop
	# A folder name never becomes a path outside the export.
	hard_run export --offline t --maildir "$work/export"
	assert_eq 0 "$HARD_STATUS" "$1: export ($HARD_ERR)"
	assert_eq 9 "$(find "$work/export" -mindepth 1 -maxdepth 1 -type d |
	    wc -l)" "$1: one folder of the export each"
	[ ! -e "$work/tern-pwned-3" ] && [ ! -e /etc/passwd/cur ] ||
	    fail "$1: a name left the export folder"
	no_pwned "$1"
}

case_pop3_hostile_uidl()
{
	fresh
	fake_start pop3-hostile-uidl
	hard_config pop3 "pop3://127.0.0.1:$FAKE_PORT" "tls = off"
	hard_run sync t
	# A UIDL with control characters is not taken: a header hash is.
	HARD_NOTICE='no usable UIDL' hard_check "$1" ok
	assert_eq 7 "$(count "SELECT count(*) FROM message")" "$1: messages"
	fake_stop
	fake_start pop3-hostile-uidl
	hard_config pop3 "pop3://127.0.0.1:$FAKE_PORT" "tls = off"
	hard_run sync --preview t
	HARD_NOTICE='no usable UIDL' hard_check "$1 (preview)" ok
	assert_eq 7 "$(printf '%s\n' "$HARD_OUT" | grep -c .)" "$1: preview"
	assert_not_contains "$HARD_OUT" $'\e' "$1: no escape in the preview"
	if ! printf '%s\n' "$HARD_OUT" | iconv -f UTF-8 -t UTF-8 \
	    >/dev/null 2>&1; then
		fail "$1: invalid UTF-8 in the preview"
	fi
	no_pwned "$1"
}

# The reader against SCENARIO, with STATUS polls every second: the
# session goes on polling (an answer without counts leaves them unknown),
# and the reader answers keys and quits cleanly.
reader_status()
{
	local name=$1 scenario=$2
	imap_plain "$scenario" --timeout 10
	printf '%s\n' "status_interval = 1" >>"$XDG_CONFIG_HOME/tern/config"
	tui_start 100 30 "$TERN"
	tui_wait_for "Fake INBOX 5" 10
	wait_until 10 sh -c "[ \$(grep -c STATUS '$FAKE_LOG') -ge 3 ]" ||
	    fail "$name: the polls stopped: $(cat "$FAKE_LOG")"
	tui_keys '?'
	tui_wait_for "next-message" 2
	tui_keys q
	tui_wait_gone "next-message" 2
	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$name: exit status"
	assert_eq ok "$(sqlite3 "$HARD_DB" 'PRAGMA integrity_check')" \
	    "$name: cache integrity"
	assert_eq 5 "$(count "SELECT count(*) FROM message m JOIN folder f
	    ON f.id = m.folder_id WHERE f.name = 'INBOX'")" "$name: messages"
	tui_stop
}

case_empty_status()
{
	reader_status "$1" imap-empty-status
}

case_no_status()
{
	reader_status "$1" imap-no-status
}

# NOTIFY and LIST-STATUS offered, then refused: tern goes on with IDLE
# and polls each folder with STATUS.
case_notify_refused()
{
	imap_plain imap-notify-refused --timeout 10
	printf '%s\n' "status_interval = 1" >>"$XDG_CONFIG_HOME/tern/config"
	tui_start 100 30 "$TERN"
	tui_wait_for "Fake INBOX 5" 10
	wait_until 10 grep -q '^[^ ]* NOTIFY SET' "$FAKE_LOG" ||
	    fail "$1: no NOTIFY SET: $(cat "$FAKE_LOG")"
	wait_until 10 sh -c "[ \$(grep -c '^[^ ]* STATUS Archive' '$FAKE_LOG') \
	    -ge 2 ]" || fail "$1: no STATUS polls after the refusals: \
	    $(tail -5 "$FAKE_LOG")"
	assert_eq 1 "$(grep -c '^[^ ]* NOTIFY' "$FAKE_LOG")" \
	    "$1: NOTIFY asked once"
	assert_eq 1 "$(grep -c 'RETURN (STATUS' "$FAKE_LOG")" \
	    "$1: LIST-STATUS asked once"
	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$1: exit status"
	tui_stop
}

# NOTIFY's news and LIST-STATUS's answer wrapped in hostile STATUS data
# (escapes and shell in names, numbers too large, a NUL, nesting, 20,000
# folders tern has not): the true counts are taken, the rest left out,
# nothing reaches the terminal or the file system.
case_notify_hostile()
{
	imap_plain imap-notify-hostile --timeout 30
	printf '%s\n' "status_interval = 3600" >>"$XDG_CONFIG_HOME/tern/config"
	tui_start 100 30 "$TERN"
	tui_wait_for "Fake INBOX 5" 10
	wait_until 10 sh -c "[ \"\$(sqlite3 '$HARD_DB' \"SELECT srv_total
	    FROM folder WHERE name = 'Archive'\")\" = 7 ]" ||
	    fail "$1: Archive's count from LIST-STATUS: $(count "SELECT
	    srv_total FROM folder WHERE name = 'Archive'")"
	wait_until 20 sh -c "[ \"\$(sqlite3 '$HARD_DB' \"SELECT srv_total
	    FROM folder WHERE name = 'Archive'\")\" = 11 ]" ||
	    fail "$1: Archive's count after the news: $(count "SELECT
	    srv_total FROM folder WHERE name = 'Archive'")"
	assert_eq 2 "$(count "SELECT count(*) FROM folder")" \
	    "$1: no folder made from STATUS data"
	case $(tui_raw_output) in
	*pwned*) fail "$1: a hostile name reached the terminal" ;;
	esac
	tui_keys '?'
	tui_wait_for "next-message" 5
	tui_keys q
	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$1: exit status"
	assert_eq ok "$(count 'PRAGMA integrity_check')" "$1: cache integrity"
	no_pwned "$1"
	tui_stop
}

# A STATUS in IDLE whose name is a 4 GB literal: the connection is given
# up (to be made again), and the reader goes on.
case_notify_literal_4g()
{
	imap_plain imap-notify-literal-4g --timeout 10
	tui_start 100 30 "$TERN"
	tui_wait_for "Fake INBOX 5" 10
	wait_until 10 grep -q 'client closed' "$FAKE_ERR" ||
	    fail "$1: the connection was kept: $(tail -5 "$FAKE_ERR")"
	tui_wait_for "retrying" 10
	tui_keys '?'
	tui_wait_for "next-message" 5
	tui_keys q
	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$1: exit status"
	assert_eq ok "$(count 'PRAGMA integrity_check')" "$1: cache integrity"
	tui_stop
}

case_timeout()
{
	local i
	# Greeting, CAPABILITY, LOGIN, CAPABILITY, LIST, LSUB, SELECT: then
	# the FETCH gets no answer.
	imap_plain imap-mailbox --hang-after 7 --timeout 20
	printf '%s\n' "timeout = 2" >>"$XDG_CONFIG_HOME/tern/config"
	tui_start 100 30 "$TERN"
	wait_until 10 grep -q FETCH "$FAKE_LOG" ||
	    fail "$1: tern never got to FETCH"
	# The worker waits on the server; the reader answers keys.
	tui_keys '?'
	tui_wait_for "next-message" 2
	tui_keys q
	tui_wait_gone "next-message" 2
	tui_wait_for "retrying" 10
	assert_contains "$(tui_screen)" "no answer from the server in 2 s" \
	    "$1: the reason shown"
	tui_quit
	assert_eq 0 "$(tui_wait_exit 10)" "$1: exit status"
	assert_eq ok "$(sqlite3 "$HARD_DB" 'PRAGMA integrity_check')" \
	    "$1: cache integrity"
	tui_stop
}

# SASL: a server whose challenges never end (tern cancels the exchange
# when its mechanism has nothing more to say), and OAuth error challenges holding terminal escapes
# and 5,000 bytes: answered with ^A as RFC 7628 says, one fresh token and
# no more, and one line on stderr with no escape in it.
case_sasl_endless()
{
	local t0 t1
	imap_plain imap-sasl-endless
	t0=$(date +%s)
	hard_run sync t
	t1=$(date +%s)
	hard_check "$1" "login refused"
	[ $((t1 - t0)) -le 10 ] || fail "$1: took $((t1 - t0)) s"
	# PLAIN's response answers the first challenge; the second one is
	# cancelled ("*"), as RFC 3501 6.2.2 says.
	assert_contains "$(sent)" "cancelled after 2" "$1: the exchange cancelled"
}

case_oauth_hostile_error()
{
	fresh
	fake_start imap-oauth-hostile-error
	HARD_NO_PASSWORD=1 hard_config imap "imap://127.0.0.1:$FAKE_PORT" \
	    "tls = off" "oauth2_token_cmd = echo tok-$$"
	hard_run sync t
	hard_check "$1" "refused the OAuth 2.0 access token"
	case $HARD_ERR in
	*$'\033'* | *$'\007'*) fail "$1: an escape reached stderr: $HARD_ERR" ;;
	esac
	[ "${#HARD_ERR}" -lt 600 ] || fail "$1: a ${#HARD_ERR}-byte message"
	assert_eq 2 "$(sent | grep -c '^mechanism: OAUTHBEARER')" \
	    "$1: sign-ins (one fresh token, no more)"
	assert_eq 2 "$(sent | grep -c '^error answer: AQ==$')" \
	    "$1: the error challenge answered with ^A"
}

all="preauth-starttls garbage-greeting pop3-garbage-greeting
untagged-before-starttls literal-4g long-line pop3-endless-retr trickle
pop3-trickle
deep-bodystructure nested-flags long-internaldate huge-size no-text set-comma
exists-backwards unasked-fetch flag-news hostile-names pop3-hostile-uidl
empty-status no-status notify-refused notify-hostile notify-literal-4g timeout
sasl-endless oauth-hostile-error"
for c in ${HARD_CASES:-$all}; do
	hard_case_start
	"case_${c//-/_}" "$c"
	fake_stop
	hard_case "$c"
done
echo "ok"
