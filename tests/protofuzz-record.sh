#!/bin/bash
# tests/protofuzz-record.sh: make the transcripts of tests/protofuzz/ again.
#
#   tests/protofuzz-record.sh [TERN]
#   PROTOFUZZ_ONLY=NAME tests/protofuzz-record.sh [TERN]   (that one only)
#
# Starts the harness's dovecot with 12 messages in INBOX and runs tern
# (default build/normal/tern) through a recording relay (protofuzz.py
# record) in each session the fuzzer replays, in this order (the server's
# state carries over: the delete-mode sync comes last):
#   imap-cold     sync t                   an empty cache
#   imap-warm     sync t                   after imap-cold
#   imap-bodies   sync --bodies t:INBOX    after imap-cold
#   imap-search   search t:INBOX from:x    an empty cache
#   pop3-preview  sync --preview t         an empty cache
#   pop3-keep     sync t                   an empty cache
#   pop3-delete   sync t, pop3_delete=yes  an empty cache
#   smtp-send     send t msg.eml           an empty cache; the message
#                 (8-bit, three recipients) kept in the transcript; the
#                 submission server is tests/smtp-server.py (PIPELINING,
#                 8BITMIME, AUTH over plain text here)
# The relay sees the plain connection (tls = off; dovecot accepts plain
# logins from 127.0.0.1), so it records every byte both ways; tern also
# runs with --log, and the commands of its log must match the relay's.
# Each first session of a protocol is run once more over implicit TLS
# (with --log, no relay) to check that tern sends the same commands there.
# Writes tests/protofuzz/NAME.json; commit them with the seeds of
# tests/protofuzz/regressions checked again (a seed means another case
# once the transcripts change).
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"
if [ "$#" -gt 0 ]; then
	TERN=$1
fi
# tern runs in the recording's folder (tern send reads msg.eml there).
TERN=$(cd "$(dirname "$TERN")" && pwd)/$(basename "$TERN")
out=$TERN_SRCDIR/tests/protofuzz
pf=$TERN_SRCDIR/tests/protofuzz.py
harness_start -n 12
mkdir -p "$out" "$HARNESS_DIR/rec"
secret=$HARNESS_DIR/secrets/rec
(umask 077 && printf '%s\n' "$HARNESS_PASS" >"$secret")

# config URL [LINE]...: the account "t".
config()
{
	mkdir -p "$XDG_CONFIG_HOME/tern"
	(
		umask 077
		printf '%s\n' "[account t]" "$1" "user = $HARNESS_USER" \
		    "password_cmd = cat '$secret'" "tls_ca_file = $HARNESS_CA"
		shift
		if [ "$#" -gt 0 ]; then
			printf '%s\n' "$@"
		fi
	) >"$XDG_CONFIG_HOME/tern/config"
}

# The commands of a tern --log file, one a line, tags and credentials
# aside: "CAPABILITY", "LOGIN", "AUTH" ...
log_verbs()
{
	sed -n 's/^.* \(imap\|pop3\|smtp\): C: //p' "$1" |
	    sed '/^(.* bytes of message data)$/d' |
	    awk -v p="$2" '{ if (p == "imap") $1 = ""; sub(/^ /, "");
	        v = toupper($1); if (v == "UID") v = v " " toupper($2);
	        print v }'
}

json_verbs()
{
	"$TERN_PYTHON" - "$1" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
for e in t["exchanges"]:
    w = e["c"].split(" ")
    if t["proto"] == "imap":
        w = w[1:]
    v = w[0].upper() if w else ""
    if v == "UID" and len(w) > 1:
        v += " " + w[1].upper()
    print(v)
EOF
}

# record NAME PROTO FRESH|KEEP "ARGS" [CONFIG-LINE]... (BEFORE in $before)
record()
{
	local name=$1 proto=$2 cache=$3 args=$4 port upstream pid cfg=()
	shift 4
	[ -z "${PROTOFUZZ_ONLY:-}" ] || [ "$PROTOFUZZ_ONLY" = "$name" ] ||
	    return 0
	for line in "$@"; do
		cfg+=(--config "$line")
	done
	if [ "$cache" = fresh ]; then
		rm -rf "$XDG_CACHE_HOME/tern"
	fi
	case $proto in
	imap) upstream=$HARNESS_IMAP_PORT ;;
	pop3) upstream=$HARNESS_POP3_PORT ;;
	smtp) upstream=$SMTP_PORT ;;
	esac
	rm -f "$HARNESS_DIR/rec/port"
	"$TERN_PYTHON" "$pf" record --proto "$proto" --upstream "$upstream" \
	    --port-file "$HARNESS_DIR/rec/port" --out "$out/$name.json" \
	    --name "$name" --args "$args" ${before:+--before "$before"} \
	    ${cfg[@]+"${cfg[@]}"} ${files[@]+"${files[@]}"} &
	pid=$!
	wait_until 10 test -s "$HARNESS_DIR/rec/port" ||
	    fail "$name: the relay did not start"
	port=$(cat "$HARNESS_DIR/rec/port")
	if [ "$proto" = smtp ]; then
		config "pop3 = pop3://127.0.0.1:$HARNESS_POP3_PORT" \
		    "smtp = smtp://127.0.0.1:$port" "tls = off" "$@"
	else
		config "$proto = $proto://127.0.0.1:$port" "tls = off" "$@"
	fi
	# shellcheck disable=SC2086
	(cd "$HARNESS_DIR/rec" && "$TERN" --log "$HARNESS_DIR/rec/$name.log" \
	    $args) \
	    >"$HARNESS_DIR/rec/$name.out" 2>"$HARNESS_DIR/rec/$name.err" ||
	    fail "$name: tern $args failed: $(cat "$HARNESS_DIR/rec/$name.err")"
	wait "$pid" || fail "$name: the relay failed"
	if ! diff <(log_verbs "$HARNESS_DIR/rec/$name.log" "$proto") \
	    <(json_verbs "$out/$name.json") >"$HARNESS_DIR/rec/diff"; then
		cat "$HARNESS_DIR/rec/diff" >&2
		fail "$name: the relay and tern's --log disagree"
	fi
	printf '%-13s %3d exchanges  %s\n' "$name" \
	    "$(json_verbs "$out/$name.json" | wc -l)" "tern $args"
}

# same_over_tls NAME PROTO "ARGS" [LINE]...: tern over implicit TLS sends
# the commands of the transcript NAME.
same_over_tls()
{
	local name=$1 proto=$2 args=$3 port cache=$XDG_CACHE_HOME
	shift 3
	[ -z "${PROTOFUZZ_ONLY:-}" ] || [ "$PROTOFUZZ_ONLY" = "$name" ] ||
	    return 0
	case $proto in
	imap) port=$HARNESS_IMAPS_PORT ;;
	pop3) port=$HARNESS_POP3S_PORT ;;
	smtp) port=$SMTP_PORT ;;
	esac
	if [ "$proto" = smtp ]; then
		config "pop3 = pop3://127.0.0.1:$HARNESS_POP3_PORT" \
		    "smtp = smtps://localhost:$port" "$@"
	else
		config "$proto = ${proto}s://localhost:$port" "$@"
	fi
	# shellcheck disable=SC2086
	(cd "$HARNESS_DIR/rec" && XDG_CACHE_HOME=$HARNESS_DIR/rec/tls-cache \
	    "$TERN" --log "$HARNESS_DIR/rec/$name-tls.log" $args) \
	    >/dev/null 2>"$HARNESS_DIR/rec/$name-tls.err" ||
	    fail "$name over TLS: $(cat "$HARNESS_DIR/rec/$name-tls.err")"
	rm -rf "$HARNESS_DIR/rec/tls-cache"
	if ! diff <(log_verbs "$HARNESS_DIR/rec/$name-tls.log" "$proto") \
	    <(json_verbs "$out/$name.json") >"$HARNESS_DIR/rec/diff"; then
		cat "$HARNESS_DIR/rec/diff" >&2
		fail "$name: tern sends other commands over TLS"
	fi
	printf '%-13s same commands over implicit TLS\n' "$name"
}

files=()
before=
record imap-cold imap fresh "sync t"
same_over_tls imap-cold imap "sync t"
before=imap-cold
record imap-warm imap keep "sync t"
record imap-bodies imap keep "sync --bodies t:INBOX"
before=
record imap-search imap fresh "search t:INBOX from:x"
record pop3-preview pop3 fresh "sync --preview t"
same_over_tls pop3-preview pop3 "sync --preview t"
record pop3-keep pop3 fresh "sync t"
record pop3-delete pop3 fresh "sync t" "pop3_delete = yes"

# Sending: a message with an 8-bit body and three recipients, to
# smtp-server.py over plain text (the relay sees every byte), then the same
# over implicit TLS to a second server.
msg=$HARNESS_DIR/rec/msg.eml
printf '%s\n' "To: Bob <bob@example.org>" "Cc: carol@example.org" \
    "Bcc: dave@example.org" $'Subject: Gr\303\274\303\237e' "" \
    $'H\303\244llo, a line of 8-bit text.' "" "-- " "Alice" >"$msg"
files=(--file "msg.eml=$msg")
from="from = Alice <alice@example.org>"
smtp_start --tls none --pipelining
record smtp-send smtp fresh "send t msg.eml" "$from"
grep -q "$HARNESS_PASS\|$(printf '\0%s\0%s' "$HARNESS_USER" "$HARNESS_PASS" |
    base64)" "$out/smtp-send.json" && fail "smtp-send: the password is in it"
smtp_stop
smtp_start --tls implicit --pipelining
same_over_tls smtp-send smtp "send t msg.eml" "$from"
smtp_stop
echo "ok: transcripts in tests/protofuzz/"
