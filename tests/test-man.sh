#!/bin/bash
# The man pages: tern(1) and tern-config(5) format with no warning under
# `man --warnings` (groff's own checks), tern(1) names every long option
# of cli/main.c, and tern-config(5) every key of the [ui] and [account]
# sections and every colour element of src/config.c.
set -eu
src=${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
command -v man >/dev/null 2>&1 || { echo "SKIP: no man"; exit 77; }
command -v groff >/dev/null 2>&1 || { echo "SKIP: no groff"; exit 77; }
bad=0
for page in doc/tern.1 doc/tern-config.5; do
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 \
	    -l "$src/$page" 2>&1 >/dev/null) || {
		echo "FAIL: man cannot format $page"
		bad=1
	}
	if [ -n "$warn" ]; then
		printf 'FAIL: %s: %s\n' "$page" "$warn"
		bad=1
	fi
done
# In the roff source a '-' is written '\-'.
unroff()
{
	sed -e 's/\\-/-/g' "$1"
}
for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' \
    "$src/cli/main.c"); do
	unroff "$src/doc/tern.1" | grep -q -e "--$opt" ||
	    { echo "FAIL: tern(1) lacks --$opt"; bad=1; }
done
keys=$(sed -n '/^static const char \*ui_key_names/,/^};/p;
    /^static const char \*account_key_names/,/^};/p;
    /^const char \*const config_color_names/,/^};/p' "$src/src/config.c" |
    grep -o '"[a-z_0-9]*"' | tr -d '"')
[ -n "$keys" ] || { echo "FAIL: no key names found in src/config.c"; exit 1; }
for key in $keys; do
	unroff "$src/doc/tern-config.5" | grep -qw -e "$key" ||
	    { echo "FAIL: tern-config(5) lacks \"$key\""; bad=1; }
done
[ "$bad" = 0 ] || exit 1
echo "PASS: man pages clean, every option and key documented"
