#!/bin/bash
# The six ways of issue 15 in which a server crashed or hung tern through
# libetpan, as exact exchanges: the recorded sessions of tests/protofuzz/
# with one answer (or two) replaced (tests/protofuzz.py fixed). Each case
# checks what every hostile case checks (hard_check in tests/hardening.sh:
# no signal, no sanitizer report, bounded memory, a cache that passes
# integrity_check, one clear "tern:" line on failure; tern may sync what
# makes sense or refuse) and that tern ends within $PF_DEADLINE seconds
# (default 20; killed by its PID after that: a hang).
#   pop3-list-gap-uidl   LIST "1 100" then "3 100", UIDL has 1, 2 and 3
#                        (libetpan wrote through a garbage pointer)
#   pop3-list-gap        the same, UIDL has 1 and 3 (tern read the slot
#                        libetpan left uninitialised)
#   pop3-list-zero       LIST "0 100" (an out-of-bounds write in libetpan)
#   pop3-uidl-zero       UIDL "0 a" (an out-of-bounds read)
#   pop3-uidl-wrap       UIDL "4294967296 b" (wraps to 0: the same)
#   pop3-list-2g         LIST "2147483648 100" (libetpan's array growth
#                        spun for ever)
#   pop3-list-digits     LIST with a 1 MB number (the same)
#   imap-capability-empty  CAPABILITY answered OK without "* CAPABILITY",
#                        and no [CAPABILITY] code in the greeting (a NULL
#                        dereference in mailimap_capability)
#   imap-id-nil          * ID ("name" NIL), valid per RFC 2971 (strdup(NULL)
#                        in libetpan's ID parser)
# These fail on tern before the fixes of issue 15. PF_CASES="a b" runs only
# those cases.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 0
. "$TERN_SRCDIR/tests/hardening.sh"
deadline=${PF_DEADLINE:-20}
work=$HARNESS_DIR/work
mkdir -p "$work"
cd "$work"
# hard_run runs $TERN: through timeout(1), which kills tern by its PID.
real_tern=$TERN
printf '%s\n' '#!/bin/sh' \
    "exec timeout -s KILL $deadline '$real_tern' \"\$@\"" >"$work/tern"
chmod +x "$work/tern"
TERN=$work/tern

PF_PID=
pf_stop()
{
	if [ -n "$PF_PID" ]; then
		kill "$PF_PID" 2>/dev/null || true
		wait "$PF_PID" 2>/dev/null || true
		PF_PID=
	fi
}
at_exit pf_stop

# pf_start TRANSCRIPT ANSWER...: serve TRANSCRIPT (plain) with the answers
# (protofuzz.py fixed --answer / --answer-file options); sets PF_PORT.
pf_start()
{
	local t=$1
	shift
	pf_stop
	rm -f "$work/port"
	"$TERN_PYTHON" "$TERN_SRCDIR/tests/protofuzz.py" fixed \
	    --transcript "$t" --port-file "$work/port" --timeout $((deadline + 10)) \
	    "$@" 2>"$work/server.err" &
	PF_PID=$!
	wait_until 10 test -s "$work/port" || fail "protofuzz.py fixed did not start"
	PF_PORT=$(cat "$work/port")
}

# pf_case NAME PROTO: run "tern sync t" on the server of pf_start; tern
# may sync (status 0) or refuse with one clear line (status 1).
pf_case()
{
	local name=$1 proto=$2 t0 t1
	rm -rf "$XDG_CACHE_HOME/tern"
	hard_config "$proto" "$proto://127.0.0.1:$PF_PORT" "tls = off" \
	    "timeout = 5"
	t0=$(date +%s)
	hard_run sync t
	t1=$(date +%s)
	if [ "$HARD_STATUS" = 137 ] && [ $((t1 - t0)) -ge "$deadline" ]; then
		fail "$name: tern did not end within $deadline s (a hang); killed"
	fi
	if [ "$HARD_STATUS" = 0 ]; then
		hard_check "$name" ok
	else
		hard_check "$name" "tern:"
	fi
	pf_stop
}

uidl='UIDL=+OK\r\n1 a\r\n2 b\r\n3 c\r\n.\r\n'

case_pop3_list_gap_uidl()
{
	pf_start pop3-keep --answer 'LIST=+OK 2 messages\r\n1 100\r\n3 100\r\n.\r\n' \
	    --answer "$uidl"
	pf_case "$1" pop3
}

case_pop3_list_gap()
{
	pf_start pop3-keep --answer 'LIST=+OK 2 messages\r\n1 100\r\n3 100\r\n.\r\n' \
	    --answer 'UIDL=+OK\r\n1 a\r\n3 c\r\n.\r\n'
	pf_case "$1" pop3
}

case_pop3_list_zero()
{
	pf_start pop3-keep --answer 'LIST=+OK\r\n0 100\r\n1 100\r\n.\r\n' \
	    --answer 'UIDL=+OK\r\n1 a\r\n.\r\n'
	pf_case "$1" pop3
}

case_pop3_uidl_zero()
{
	pf_start pop3-keep --answer 'LIST=+OK\r\n1 100\r\n2 100\r\n.\r\n' \
	    --answer 'UIDL=+OK\r\n0 a\r\n1 b\r\n2 c\r\n.\r\n'
	pf_case "$1" pop3
}

case_pop3_uidl_wrap()
{
	pf_start pop3-keep --answer 'LIST=+OK\r\n1 100\r\n2 100\r\n.\r\n' \
	    --answer 'UIDL=+OK\r\n1 a\r\n4294967296 b\r\n2 c\r\n.\r\n'
	pf_case "$1" pop3
}

case_pop3_list_2g()
{
	pf_start pop3-keep --answer 'LIST=+OK\r\n1 100\r\n2147483648 100\r\n.\r\n' \
	    --answer 'UIDL=+OK\r\n1 a\r\n.\r\n'
	pf_case "$1" pop3
}

case_pop3_list_digits()
{
	"$TERN_PYTHON" -c 'import sys
sys.stdout.buffer.write(b"+OK\r\n1 100\r\n" + b"9" * (1 << 20) +
                        b" 100\r\n.\r\n")' >"$work/list"
	pf_start pop3-keep --answer-file "LIST=$work/list" \
	    --answer 'UIDL=+OK\r\n1 a\r\n.\r\n'
	pf_case "$1" pop3
}

case_imap_capability_empty()
{
	# libetpan falls back on the greeting's [CAPABILITY] code: none here.
	pf_start imap-cold --answer 'GREETING=* OK Dovecot ready.\r\n' \
	    --answer 'CAPABILITY={TAG} OK Capability completed.\r\n'
	pf_case "$1" imap
}

case_imap_id_nil()
{
	pf_start imap-cold \
	    --answer 'ID=* ID ("name" NIL)\r\n{TAG} OK ID completed.\r\n'
	pf_case "$1" imap
}

all="pop3-list-gap-uidl pop3-list-gap pop3-list-zero pop3-uidl-zero
pop3-uidl-wrap pop3-list-2g pop3-list-digits imap-capability-empty
imap-id-nil"
failed=
for c in ${PF_CASES:-$all}; do
	hard_case_start
	# Each case in a subshell, so that one failing does not hide the rest.
	if ("case_${c//-/_}" "$c"); then
		hard_case "$c"
	else
		echo "not ok - $c"
		failed="$failed $c"
	fi
done
[ -z "$failed" ] || fail "failing cases:$failed"
echo "ok"
