#!/bin/bash
# Issue 11's interoperability scenarios (tests/interop.sh) against the
# harness's dovecot: one line per scenario at the end,
# "interop dovecot SCENARIO: PASS | FAIL | FALLBACK-PASS".
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"
. "$TERN_SRCDIR/tests/interop.sh"

interop_main dovecot
