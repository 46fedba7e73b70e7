#!/bin/bash
# --ephemeral, for public and shared machines: a whole session in tmux
# (online: the index, a message opened, marked read on the server, another
# folder, a search, quit) with HOME and the XDG folders on fresh empty
# folders, and the config outside them. Afterwards every one of those
# folders is still empty: no cache, no ~/.cache, no history, nothing.
# tern sync --ephemeral leaves nothing behind either.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 10
. "$TERN_SRCDIR/tests/hardening.sh"
conf=$(harness_config imaps)
mv "$conf" "$HARNESS_DIR/ephemeral.conf"
conf=$HARNESS_DIR/ephemeral.conf

e=$HARNESS_DIR/ephemeral
empty()
{
	local left
	left=$(find "$e" -mindepth 2 2>/dev/null | head -n 5)
	[ -z "$left" ] || fail "$1: written under HOME or XDG: $left"
}

rm -rf "$e"
mkdir -p "$e/home" "$e/config" "$e/cache" "$e/data" "$e/state"
export HOME=$e/home XDG_CONFIG_HOME=$e/config XDG_CACHE_HOME=$e/cache
export XDG_DATA_HOME=$e/data XDG_STATE_HOME=$e/state

hard_case_start
tui_start 100 30 "$TERN" --ephemeral -c "$conf"
tui_wait_for "Message 00010 of 10" 20
tui_wait_for "online" 20
tui_keys Enter
tui_wait_for "Body of message 10." 20
seen()
{
	harness_doveadm fetch -u "$HARNESS_USER" flags mailbox INBOX uid 10 |
	    grep -q 'Seen'
}
wait_until 10 seen || fail "session: \\Seen did not reach the server"
tui_keys q
tui_keys /
tui_keys -l "Message 00003"
tui_keys Enter
tui_wait_for "Message 00003 of 10" 10
tui_keys c
tui_keys -l "Archive"
tui_keys Enter
tui_wait_for "Archived 5" 20
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "session: exit status"
tui_stop
empty session
[ ! -e "$HOME/.cache" ] || fail "session: ~/.cache was created"
hard_case session

hard_case_start
hard_run --ephemeral -c "$conf" sync test
hard_check sync ok
empty sync
hard_case sync
echo "ok"
