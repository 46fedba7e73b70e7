#!/bin/bash
# tests/protofuzz-record.sh: make the transcripts of tests/protofuzz/ again.
#
#   tests/protofuzz-record.sh [TERN]
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
	sed -n 's/^.* \(imap\|pop3\): C: //p' "$1" |
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
	for line in "$@"; do
		cfg+=(--config "$line")
	done
	if [ "$cache" = fresh ]; then
		rm -rf "$XDG_CACHE_HOME/tern"
	fi
	case $proto in
	imap) upstream=$HARNESS_IMAP_PORT ;;
	pop3) upstream=$HARNESS_POP3_PORT ;;
	esac
	rm -f "$HARNESS_DIR/rec/port"
	"$TERN_PYTHON" "$pf" record --proto "$proto" --upstream "$upstream" \
	    --port-file "$HARNESS_DIR/rec/port" --out "$out/$name.json" \
	    --name "$name" --args "$args" ${before:+--before "$before"} \
	    ${cfg[@]+"${cfg[@]}"} &
	pid=$!
	wait_until 10 test -s "$HARNESS_DIR/rec/port" ||
	    fail "$name: the relay did not start"
	port=$(cat "$HARNESS_DIR/rec/port")
	config "$proto = $proto://127.0.0.1:$port" "tls = off" "$@"
	# shellcheck disable=SC2086
	"$TERN" --log "$HARNESS_DIR/rec/$name.log" $args \
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
	case $proto in
	imap) port=$HARNESS_IMAPS_PORT ;;
	pop3) port=$HARNESS_POP3S_PORT ;;
	esac
	config "$proto = ${proto}s://localhost:$port" "$@"
	# shellcheck disable=SC2086
	XDG_CACHE_HOME=$HARNESS_DIR/rec/tls-cache \
	    "$TERN" --log "$HARNESS_DIR/rec/$name-tls.log" $args \
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
echo "ok: transcripts in tests/protofuzz/"
