#!/bin/bash
# Moves and copies with and without the MOVE capability: MOVE when the
# server has it; COPY + \Deleted + UID EXPUNGE of that message alone with
# UIDPLUS; and without UIDPLUS COPY + \Deleted with no expunge, so that
# another message marked \Deleted elsewhere is never expunged by tern.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

caps_base="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT NAMESPACE \
CHILDREN LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH SPECIAL-USE \
LITERAL+"

subject()
{
	printf 'Message %05d of 20' "$1"
}

server_has()
{
	harness_doveadm search -u "$HARNESS_USER" mailbox "$1" \
	    header subject "$2" | wc -l
}

# run CASE CAPS: queue a move of UID 20 and a copy of UID 19 offline, then
# replay them against a server announcing CAPS (empty: dovecot's own).
run()
{
	local name=$1 caps=$2
	HARNESS_DOVECOT_EXTRA=
	if [ -n "$caps" ]; then
		HARNESS_DOVECOT_EXTRA="protocol imap {
  imap_capability = $caps
}"
	fi
	harness_start -n 20
	harness_config imaps >/dev/null
	# Someone else marked UID 3 \Deleted and did not expunge it.
	harness_doveadm flags add -u "$HARNESS_USER" '\Deleted' \
	    mailbox INBOX uid 3
	"$TERN" sync test 2>/dev/null
	tui_start 100 30 "$TERN" --offline test
	tui_wait_for "$(subject 20)" 10
	tui_keys Home s
	tui_wait_for "Move" 5
	tui_keys -l Archive
	tui_keys Enter
	# mutt's save: the move waits for leaving; the row shows deleted.
	tui_wait_for "1 message to move to \"Archive\"" 5
	tui_keys C
	tui_wait_for "Copy" 5
	tui_keys -l Sent
	tui_keys Enter
	sleep 0.5
	tui_quit
	# UID 3 is \Deleted: leaving asks; keep it.
	tui_wait_for "Expunge" 5
	tui_keys n
	tui_wait_exit 10 >/dev/null
	tui_stop
	"$TERN" sync test 2>"$HARNESS_DIR/err" ||
		fail "$name: replay failed: $(cat "$HARNESS_DIR/err")"
	assert_eq 1 "$(server_has Archive "$(subject 20)")" "$name: moved"
	assert_eq 1 "$(server_has Sent "$(subject 19)")" "$name: copied"
	assert_eq 1 "$(server_has INBOX "$(subject 19)")" "$name: copy kept"
	assert_eq 1 "$(server_has INBOX "$(subject 3)")" \
	    "$name: the other \\Deleted message is not expunged"
	moved_left=$(server_has INBOX "$(subject 20)")
	harness_stop
}

run "MOVE" ""
assert_eq 0 "$moved_left" "MOVE: gone from INBOX"
run "UIDPLUS without MOVE" "$caps_base UIDPLUS"
assert_eq 0 "$moved_left" "UIDPLUS: expunged from INBOX"
run "neither MOVE nor UIDPLUS" "$caps_base"
assert_eq 1 "$moved_left" \
    "without UIDPLUS the moved message stays, marked \\Deleted"
echo "ok"
