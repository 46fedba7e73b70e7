#!/bin/bash
# A whole session in tmux without a config file: `tern imaps://user@host`
# asks for the password (echo off), paints the index, stores \Seen on the
# server when a message is opened, shows a dropped connection as a state in
# the status line and reconnects by itself. Also: with no config file and no
# URL, tern says where the config goes and exits 2.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 30

# No config, no URL: a usage error naming the missing file.
status=0
"$TERN" 2>"$HARNESS_DIR/noconf.err" </dev/null || status=$?
assert_eq 2 "$status" "exit status without a config"
assert_contains "$(cat "$HARNESS_DIR/noconf.err")" \
    "$XDG_CONFIG_HOME/tern/config" "message names the config path"

# The URL form trusts the system store: make the harness CA that store.
export SSL_CERT_FILE=$HARNESS_CA
url=imaps://$HARNESS_USER@localhost:$HARNESS_IMAPS_PORT

tui_start 100 30 "$TERN" "$url"
tui_wait_for "Password for $HARNESS_USER@localhost:" 20
tui_keys -l "$HARNESS_PASS"
# Echo is off: the password never shows.
assert_not_contains "$(tui_screen)" "$HARNESS_PASS" "password echo"
tui_keys Enter
tui_wait_for "Message 00030 of 30" 30
tui_wait_for "online" 20

# Opening the newest message marks it read on the server.
tui_keys Enter
tui_wait_for "Body of message 30." 20
seen()
{
	harness_doveadm fetch -u "$HARNESS_USER" flags mailbox INBOX uid 30 |
	    grep -q 'Seen'
}
wait_until 10 seen || fail "\\Seen did not reach the server"
tui_keys q

# The server drops the session while tern idles: the status line says so
# with no key press, then the worker comes back by itself.
harness_doveadm kick "$HARNESS_USER" >/dev/null
tui_wait_for "retrying" 20
tui_wait_for "online" 30
assert_contains "$(tui_screen)" "Message 00030 of 30" "index kept while offline"
tui_quit
tui_wait_exit 10 >/dev/null
if grep -rqF "$HARNESS_PASS" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" 2>/dev/null; then
	fail "the password was written under the XDG folders"
fi
echo "ok"
