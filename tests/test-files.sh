#!/bin/bash
# Files tern writes and reads:
#   modes: under umask 000, the cache folder (and the parents tern makes)
#       is 0700 and the cache, its -wal and -shm files and the --log file
#       are 0600 (checked while the reader runs, when all of them exist);
#   config-password: a config holding "password =" that group or others
#       may read is refused with a message saying how to fix it (chmod 600
#       FILE); at 0600 the password is used, with no prompt;
#   config-keys: "password" with "password_cmd", and a bad "timeout", are
#       errors naming the file and the line.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 10
. "$TERN_SRCDIR/tests/hardening.sh"

mode()
{
	stat -c %a "$1"
}

# --- modes ---------------------------------------------------------------------
hard_case_start
harness_config imaps >/dev/null
export XDG_CACHE_HOME=$HARNESS_DIR/new/cache
log=$HARNESS_DIR/tern.log
umask 000
tui_start 100 30 "$TERN" --log "$log"
umask 077
tui_wait_for "Message 00010 of 10" 20
tui_wait_for "online" 20
db=$XDG_CACHE_HOME/tern/test.db
for f in "$db" "$db-wal" "$db-shm" "$log"; do
	[ -f "$f" ] || fail "modes: no $f"
	assert_eq 600 "$(mode "$f")" "modes: $f"
done
for d in "$HARNESS_DIR/new" "$XDG_CACHE_HOME" "$XDG_CACHE_HOME/tern"; do
	assert_eq 700 "$(mode "$d")" "modes: $d"
done
tui_quit
assert_eq 0 "$(tui_wait_exit 10)" "modes: exit status"
tui_stop
hard_case modes

# --- config-password ---------------------------------------------------------------
hard_case_start
export XDG_CACHE_HOME=$HARNESS_DIR/cache
conf=$XDG_CONFIG_HOME/tern/config
harness_config imaps >/dev/null
# The password in the file instead of password_cmd.
sed -i "s|^password_cmd = .*|password = $HARNESS_PASS|" "$conf"
for m in 640 604 644; do
	chmod "$m" "$conf"
	hard_run sync test
	hard_check "config-password $m" "chmod 600 $conf"
	assert_contains "$HARD_ERR" "holds a password" "config-password $m"
	[ ! -f "$XDG_CACHE_HOME/tern/test.db" ] ||
	    fail "config-password $m: the account was opened"
done
chmod 600 "$conf"
hard_run sync test
hard_check "config-password 600" ok
assert_eq 10 "$(sqlite3 "$XDG_CACHE_HOME/tern/test.db" \
    "SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id
    WHERE f.name = 'INBOX'")" "config-password 600: synced"
# A group-readable file without a password is fine.
harness_config imaps >/dev/null
chmod 640 "$conf"
hard_run sync test
hard_check "config without password, 640" ok
hard_case config-password

# --- config-keys -----------------------------------------------------------------
hard_case_start
harness_config imaps "password = x" >/dev/null
hard_run sync test
hard_check "config-keys password and password_cmd" \
    "$conf:6: key \"password\": conflicts with \"password_cmd\" (line 4)"
harness_config imaps "timeout = 0" >/dev/null
hard_run sync test
hard_check "config-keys timeout" "$conf:6: key \"timeout\": \"0\" is not"
harness_config imaps "timeout = 5" >/dev/null
hard_run sync test
hard_check "config-keys timeout = 5" ok
hard_case config-keys
echo "ok"
