#!/bin/bash
# tests/test-layers.sh: the architecture check of STYLE.md ("one owner per
# library", DESIGN.md "The one rule of the architecture").
#
# Fails, naming file and line, when a file under src/ or ui/ (*.c, *.h)
# includes a library that its layer must not see:
#   - curses (curses.h, ncurses.h, ncursesw/..., term.h, panel.h, menu.h,
#     form.h) anywhere in src/;
#   - sqlite3.h anywhere but the store's files (src/store.c,
#     src/store-*.c, src/store-private.h);
#   - OpenSSL (<openssl/...>) anywhere but src/tls.c (the connection) and
#     src/sasl.c (base64 and APOP's MD5);
#   - libcurl (<curl/...>) and jansson (jansson.h) anywhere but
#     src/oauth.c;
#   - libmagic (magic.h) anywhere but src/compose.c (an attachment's
#     type);
#   - libetpan, sqlite3 or OpenSSL anywhere in ui/;
#   - curses, libetpan, sqlite3 or OpenSSL anywhere in cli/ (main() and
#     the headless commands);
#   - libetpan's network headers anywhere but src/imap.c, src/pop3.c,
#     src/conn.c, src/smtp.c and src/tls.c: mailimap*,
#     mailpop3*, mailsmtp*, mailstream*, the umbrella libetpan.h, the IMAP
#     extension headers (idle.h, condstore.h, qresync.h, ...) and the
#     driver/storage layer (imapdriver*, pop3driver*, maildriver*, ...),
#     which all reach the network. src/mime.c's mailmime*/mailimf*/charconv
#     and the data-structure headers (carray.h, clist.h, mmapstring.h ...)
#     are fine anywhere in src/.
# Before checking the tree it checks itself on a scratch tree with one
# crossing of each kind, so a broken pattern cannot pass silently.

set -eu

: "${TERN_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"

INC='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]'
CURSES='(ncursesw?/)?(n?curses|term|panel|menu|form|unctrl)\.h[>"]'
SQLITE='sqlite3(ext)?\.h[>"]'
OPENSSL='openssl/'
CURL='curl/'
JANSSON='jansson(_config)?\.h[>"]'
MAGIC='magic\.h[>"]'
ETPAN_ANY='libetpan/'
ETPAN_NET='libetpan/(libetpan|mailimap|mailpop3|mailsmtp|mailesmtp|mailstream|imapdriver|imapstorage|pop3driver|pop3storage|nntpdriver|nntpstorage|newsnntp|newsfeed|feeddriver|feedstorage|hotmailstorage|maildriver|mailstorage|mailengine|mailfolder|acl|annotatemore|condstore|enable|idle|namespace|qresync|quota|uidplus|xgm[a-z]*|xlist|clientid)[^/">]*\.h[>"]'

# check_tree ROOT: print "FILE:LINE: what is wrong" for each crossing under
# ROOT/src, ROOT/ui and ROOT/cli (paths relative to ROOT); always succeeds.
check_tree()
{
	local root=$1 f rel
	(
		cd "$root"
		find src ui cli -type f \( -name '*.c' -o -name '*.h' \) \
		    2>/dev/null | LC_ALL=C sort
	) | while IFS= read -r rel; do
		f=$root/$rel
		case $rel in
		src/*)
			report "$f" "$rel" "$CURSES" \
			    "curses included in the core (only ui/ may)"
			;;
		ui/*)
			report "$f" "$rel" "$ETPAN_ANY" \
			    "libetpan included in ui/ (the UI reads only the store)"
			report "$f" "$rel" "$SQLITE" \
			    "sqlite3 included in ui/ (the UI goes through src/store.h)"
			report "$f" "$rel" "$OPENSSL" \
			    "OpenSSL included in ui/"
			;;
		cli/*)
			report "$f" "$rel" "$CURSES" \
			    "curses included in cli/ (only ui/ may)"
			report "$f" "$rel" "$ETPAN_ANY" \
			    "libetpan included in cli/ (the core does the network)"
			report "$f" "$rel" "$SQLITE" \
			    "sqlite3 included in cli/ (it goes through src/store.h)"
			report "$f" "$rel" "$OPENSSL" \
			    "OpenSSL included in cli/"
			;;
		esac
		case $rel in
		src/store.c | src/store-*.c | src/store-private.h) ;;
		*)
			report "$f" "$rel" "$SQLITE" \
			    "sqlite3.h included outside the store (src/store*.c)"
			;;
		esac
		case $rel in
		src/tls.c | src/sasl.c) ;;
		*)
			report "$f" "$rel" "$OPENSSL" \
			    "OpenSSL included outside src/tls.c and src/sasl.c"
			;;
		esac
		case $rel in
		src/oauth.c) ;;
		*)
			report "$f" "$rel" "$CURL" \
			    "libcurl included outside src/oauth.c"
			report "$f" "$rel" "$JANSSON" \
			    "jansson included outside src/oauth.c"
			;;
		esac
		case $rel in
		src/compose.c) ;;
		*)
			report "$f" "$rel" "$MAGIC" \
			    "libmagic included outside src/compose.c"
			;;
		esac
		case $rel in
		src/imap.c | src/pop3.c | src/conn.c | src/tls.c | src/smtp.c) ;;
		*)
			report "$f" "$rel" "$ETPAN_NET" \
			    "libetpan network header included outside src/imap.c, src/pop3.c, src/conn.c, src/tls.c"
			;;
		esac
	done
}

# report FILE REL PATTERN MESSAGE: one line per #include of PATTERN in FILE.
report()
{
	grep -nE "$INC$3" "$1" 2>/dev/null | while IFS= read -r hit; do
		printf '%s:%s: %s: %s\n' "$2" "${hit%%:*}" "$4" "${hit#*:}"
	done || true
}

# --- self-test ---------------------------------------------------------------

scratch=$(mktemp -d "${TMPDIR:-/tmp}/tern-layers.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src" "$scratch/ui" "$scratch/cli"
# Allowed includes: must produce nothing.
cat >"$scratch/src/store.c" <<'EOF'
#include <sqlite3.h>
EOF
cp "$scratch/src/store.c" "$scratch/src/store-msg.c"
cp "$scratch/src/store.c" "$scratch/src/store-private.h"
cat >"$scratch/src/tls.c" <<'EOF'
#include <openssl/ssl.h>
#include <libetpan/mailstream.h>
EOF
cat >"$scratch/src/imap.c" <<'EOF'
#include <libetpan/libetpan.h>
#include <libetpan/mailimap.h>
EOF
cat >"$scratch/src/pop3.c" <<'EOF'
# include <libetpan/mailpop3.h>
EOF
cat >"$scratch/src/mime.c" <<'EOF'
#include <libetpan/mailmime.h>
#include <libetpan/mailimf.h>
#include <libetpan/charconv.h>
#include <libetpan/mmapstring.h>
#include "store.h"
EOF
cat >"$scratch/src/compose.c" <<'EOF'
#include <magic.h>
#include <libetpan/mailmime.h>
EOF
cat >"$scratch/ui/ui.c" <<'EOF'
#include <curses.h>
#include "../src/store.h"
EOF
cat >"$scratch/src/oauth.c" <<'EOF'
#include <curl/curl.h>
#include <jansson.h>
#include "oauth.h"
EOF
clean=$(check_tree "$scratch")
if [ -n "$clean" ]; then
	printf 'FAIL: self-test: allowed includes were reported:\n%s\n' \
	    "$clean" >&2
	exit 1
fi
# One crossing per rule, each expected as FILE:LINE.
cat >"$scratch/src/account.c" <<'EOF'
#include <stdio.h>
#include <ncursesw/curses.h>
#include "sqlite3.h"
  #  include <openssl/evp.h>
#include <libetpan/mailimap_types.h>
#include <libetpan/mailstream_ssl.h>
#include <curl/curl.h>
#include "jansson.h"
#include <magic.h>
EOF
cat >"$scratch/src/text.h" <<'EOF'
#include <ncurses.h>
EOF
cat >"$scratch/src/mime.c" <<'EOF'
#include <libetpan/mailmime.h>
#include <libetpan/libetpan.h>
EOF
cat >"$scratch/ui/pane-index.c" <<'EOF'
#include <curses.h>
#include <libetpan/mailmime.h>
#include <sqlite3.h>
#include <openssl/x509.h>
#include <libetpan/mailpop3.h>
#include <jansson.h>
EOF
cat >"$scratch/cli/cli.c" <<'EOF'
#include "ui.h"
#include <ncursesw/ncurses.h>
#include <libetpan/mailmime.h>
#include <curl/easy.h>
#include "oauth.h"
EOF
found=$(check_tree "$scratch")
missing=
for want in cli/cli.c:2 cli/cli.c:3 cli/cli.c:4 src/account.c:2 \
    src/account.c:3 src/account.c:4 src/account.c:5 src/account.c:6 \
    src/account.c:7 src/account.c:8 src/account.c:9 src/text.h:1 src/mime.c:2 \
    ui/pane-index.c:2 ui/pane-index.c:3 ui/pane-index.c:4 \
    ui/pane-index.c:5 ui/pane-index.c:6; do
	case $found in
	*"$want:"*) ;;
	*) missing="$missing $want" ;;
	esac
done
case $found in
*"src/account.c:1:"* | *"src/mime.c:1:"* | *"ui/pane-index.c:1:"* | \
    *"cli/cli.c:1:"* | *"cli/cli.c:5:"*)
	missing="$missing (and an allowed line was reported)"
	;;
esac
if [ -n "$missing" ]; then
	printf 'FAIL: self-test: crossings not caught:%s\nreported:\n%s\n' \
	    "$missing" "$found" >&2
	exit 1
fi

# --- the tree ----------------------------------------------------------------

[ -d "$TERN_SRCDIR/src" ] || {
	echo "FAIL: no src/ under TERN_SRCDIR=$TERN_SRCDIR" >&2
	exit 1
}
bad=$(check_tree "$TERN_SRCDIR")
if [ -n "$bad" ]; then
	printf 'FAIL: layering crossed (see DESIGN.md, STYLE.md rule 2):\n%s\n' \
	    "$bad" >&2
	exit 1
fi
n=$(cd "$TERN_SRCDIR" && find src ui cli -type f \( -name '*.c' -o -name '*.h' \) |
    wc -l)
echo "PASS: layering holds in $n files under src/, ui/ and cli/"
