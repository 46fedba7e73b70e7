#!/bin/bash
# The protocol fuzzer (tests/protofuzz.py) against $TERN: the sessions of
# tests/protofuzz/*.json replayed with one to three answers mutated per
# case, over plain, implicit TLS and STARTTLS/STLS, seeds 1 to
# $PROTOFUZZ_CASES (default 200), then every seed of
# tests/protofuzz/regressions; then the SMTP sessions (tern send, a seed
# space of their own): seeds 1 to $PROTOFUZZ_SMTP_CASES (default 100) and
# tests/protofuzz/regressions-smtp. Each case must end (no hang: tern is killed
# by its PID after 20 s) without a signal or a sanitizer report, with
# status 0 or 1, one clear "tern:" line on failure, nothing unprintable on
# stdout or stderr, and a cache that passes PRAGMA integrity_check; an
# SMTP case must also leave the message in the outbox unless tern said it
# was sent, and only then take it out.
#
# A failing case prints its seed, the transcript, the mutations and where,
# and how to run it alone:
#   make check TESTS=tests/test-protofuzz.sh PROTOFUZZ_SEEDS=1234
# Environment:
#   PROTOFUZZ_CASES   how many seeds (1..N) to run
#   PROTOFUZZ_SEEDS   the seeds to run instead ("7", "1-50,99"); with it
#                     alone, no SMTP case runs
#   PROTOFUZZ_SMTP_CASES, PROTOFUZZ_SMTP_SEEDS  the same for SMTP (with
#                     PROTOFUZZ_SMTP_SEEDS alone, no IMAP or POP3 case)
#   PROTOFUZZ_JOBS    cases at a time (default 2)
#   PROTOFUZZ_KNOWN=1 also run the regression seeds marked known= (those
#                     that fail until their fix lands; skipped otherwise,
#                     and kept out of the random range)
#   PROTOFUZZ_SECONDS=S  instead of a fixed range: the regression seeds,
#                     then fresh seeds from PROTOFUZZ_START (default: a
#                     random one, printed) for S seconds, three quarters
#                     IMAP and POP3, one quarter SMTP (tools/fuzz; set
#                     TERN_TEST_TIMEOUT above S)
#   PROTOFUZZ_KEEP=DIR keep the cases' files (config, cache, tern --log,
#                     stderr) in DIR
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
# For the CA and the server certificate (and a dovecot nobody uses).
harness_start -n 0
work=${PROTOFUZZ_KEEP:-$HARNESS_DIR/protofuzz}
known=
[ -z "${PROTOFUZZ_KNOWN:-}" ] || known=--known
keep=
[ -z "${PROTOFUZZ_KEEP:-}" ] || keep=--keep
start=${PROTOFUZZ_START:-$((1000000 + (RANDOM << 15 | RANDOM)))}

# fuzz PROTOS SEEDS REGRESSIONS SECONDS
fuzz()
{
	local range=(--seeds "$2")
	if [ -n "$4" ]; then
		echo "protofuzz ($1): fresh seeds from $start for $4 s"
		range=(--seconds "$4" --start "$start")
	fi
	"$TERN_PYTHON" "$TERN_SRCDIR/tests/protofuzz.py" run --tern "$TERN" \
	    --cert "$HARNESS_CERT" --key "$HARNESS_KEY" --ca "$HARNESS_CA" \
	    --protos "$1" "${range[@]}" --jobs "${PROTOFUZZ_JOBS:-2}" \
	    --regressions "$TERN_SRCDIR/tests/protofuzz/$3" \
	    --workdir "$work/$1" $known $keep ||
	    fail "protofuzz: failing cases above (PROTOFUZZ_KEEP=DIR keeps their files)"
}

main_secs= smtp_secs=
if [ -n "${PROTOFUZZ_SECONDS:-}" ]; then
	smtp_secs=$((PROTOFUZZ_SECONDS / 4 > 0 ? PROTOFUZZ_SECONDS / 4 : 1))
	main_secs=$((PROTOFUZZ_SECONDS - smtp_secs > 0 ?
	    PROTOFUZZ_SECONDS - smtp_secs : 1))
fi
if [ -n "${PROTOFUZZ_SEEDS:-}" ] || [ -z "${PROTOFUZZ_SMTP_SEEDS:-}" ]; then
	fuzz imap,pop3 "${PROTOFUZZ_SEEDS:-1-${PROTOFUZZ_CASES:-200}}" \
	    regressions "$main_secs"
fi
if [ -n "${PROTOFUZZ_SMTP_SEEDS:-}" ] || [ -z "${PROTOFUZZ_SEEDS:-}" ]; then
	fuzz smtp "${PROTOFUZZ_SMTP_SEEDS:-1-${PROTOFUZZ_SMTP_CASES:-100}}" \
	    regressions-smtp "$smtp_secs"
fi
echo "ok"
