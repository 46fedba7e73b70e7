#!/bin/bash
# The protocol fuzzer (tests/protofuzz.py) against $TERN: the sessions of
# tests/protofuzz/*.json replayed with one to three answers mutated per
# case, over plain, implicit TLS and STARTTLS/STLS, seeds 1 to
# $PROTOFUZZ_CASES (default 200), then every seed of
# tests/protofuzz/regressions. Each case must end (no hang: tern is killed
# by its PID after 20 s) without a signal or a sanitizer report, with
# status 0 or 1, one clear "tern:" line on failure, nothing unprintable on
# stdout or stderr, and a cache that passes PRAGMA integrity_check.
#
# A failing case prints its seed, the transcript, the mutations and where,
# and how to run it alone:
#   make check TESTS=tests/test-protofuzz.sh PROTOFUZZ_SEEDS=1234
# Environment:
#   PROTOFUZZ_CASES   how many seeds (1..N) to run
#   PROTOFUZZ_SEEDS   the seeds to run instead ("7", "1-50,99")
#   PROTOFUZZ_JOBS    cases at a time (default 2)
#   PROTOFUZZ_KNOWN=1 also run the regression seeds marked known= (those
#                     that fail until their fix lands; skipped otherwise,
#                     and kept out of the random range)
#   PROTOFUZZ_SECONDS=S  instead of a fixed range: the regression seeds,
#                     then fresh seeds from PROTOFUZZ_START (default: a
#                     random one, printed) for S seconds (tools/fuzz; set
#                     TERN_TEST_TIMEOUT above S)
#   PROTOFUZZ_KEEP=DIR keep the cases' files (config, cache, tern --log,
#                     stderr) in DIR
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
# For the CA and the server certificate (and a dovecot nobody uses).
harness_start -n 0
seeds=${PROTOFUZZ_SEEDS:-1-${PROTOFUZZ_CASES:-200}}
work=${PROTOFUZZ_KEEP:-$HARNESS_DIR/protofuzz}
range=(--seeds "$seeds")
if [ -n "${PROTOFUZZ_SECONDS:-}" ]; then
	start=${PROTOFUZZ_START:-$((1000000 + (RANDOM << 15 | RANDOM)))}
	echo "protofuzz: fresh seeds from $start for $PROTOFUZZ_SECONDS s"
	range=(--seconds "$PROTOFUZZ_SECONDS" --start "$start")
fi
known=
[ -z "${PROTOFUZZ_KNOWN:-}" ] || known=--known
keep=
[ -z "${PROTOFUZZ_KEEP:-}" ] || keep=--keep
"$TERN_PYTHON" "$TERN_SRCDIR/tests/protofuzz.py" run --tern "$TERN" \
    --cert "$HARNESS_CERT" --key "$HARNESS_KEY" --ca "$HARNESS_CA" \
    "${range[@]}" --jobs "${PROTOFUZZ_JOBS:-2}" \
    --regressions "$TERN_SRCDIR/tests/protofuzz/regressions" \
    --workdir "$work" $known $keep ||
    fail "protofuzz: failing cases above (PROTOFUZZ_KEEP=DIR keeps their files)"
echo "ok"
