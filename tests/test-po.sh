#!/bin/sh
# The catalogues are complete: tools/po-check extracts the messages from
# the sources now and fails, naming each msgid, when a catalogue of
# po/LINGUAS lacks one or has it fuzzy, or when a file that marks messages
# is missing from po/POTFILES.in.
set -eu
src=${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
exec "$src/tools/po-check" "$src"
