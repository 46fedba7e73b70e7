#!/bin/bash
# tern speaks German: under LC_ALL=C.UTF-8 LANGUAGE=de (glibc ignores
# LANGUAGE under plain C, not under C.UTF-8; where C.UTF-8 does not
# translate, a de_DE.UTF-8 locale is made with localedef in a private
# LOCPATH) with the catalogue compiled here from po/de.po (msgfmt -c, found
# through TERN_LOCALEDIR): the usage on stderr, an unknown account on
# stderr (both status 2), and in tmux the key hints, the status line and the
# help screen of the reader against the harness dovecot.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

[ -x "$TERN" ] || skip "no tern binary at $TERN"
command -v msgfmt >/dev/null 2>&1 || skip "no msgfmt (gettext)"
harness_start -n 3
cfg=$(harness_config imaps)

TERN_LOCALEDIR=$HARNESS_DIR/locale
mkdir -p "$TERN_LOCALEDIR/de/LC_MESSAGES"
msgfmt -c -o "$TERN_LOCALEDIR/de/LC_MESSAGES/tern.mo" \
    "$TERN_SRCDIR/po/de.po" || fail "msgfmt -c po/de.po failed"
export TERN_LOCALEDIR

# The locale: C.UTF-8 with LANGUAGE=de, else a de_DE.UTF-8 of our own.
de_env=(LC_ALL=C.UTF-8 LANG=C.UTF-8 LANGUAGE=de)
if ! env "${de_env[@]}" "$TERN" --bogus 2>&1 | grep -q "Aufruf: tern"; then
	command -v localedef >/dev/null 2>&1 ||
	    skip "C.UTF-8 does not translate and there is no localedef"
	mkdir -p "$HARNESS_DIR/locpath"
	localedef -i de_DE -f UTF-8 "$HARNESS_DIR/locpath/de_DE.UTF-8" \
	    >/dev/null 2>&1 || true
	de_env=(LOCPATH="$HARNESS_DIR/locpath" LC_ALL=de_DE.UTF-8
	    LANG=de_DE.UTF-8 LANGUAGE=de)
fi

# stderr: a usage error and an unknown account (both status 2).
status=0
err=$(env "${de_env[@]}" "$TERN" --bogus 2>&1 >/dev/null) || status=$?
assert_eq 2 "$status" "usage error status"
assert_contains "$err" "Aufruf: tern [-c DATEI]" "usage in German"
assert_contains "$err" "Die Konfigurationsdatei ist" "usage text in German"
status=0
err=$(env "${de_env[@]}" "$TERN" -c "$cfg" sync nosuch 2>&1 >/dev/null) ||
    status=$?
assert_eq 2 "$status" "unknown account status"
assert_contains "$err" "kein Konto „nosuch“" "unknown account in German"
# And without LANGUAGE, English as before.
err=$(env LC_ALL=C.UTF-8 "$TERN" -c "$cfg" sync nosuch 2>&1 >/dev/null) || true
assert_contains "$err" "no account \"nosuch\"" "English without LANGUAGE"

# The reader: hints, status line, help screen.
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
tui_start 100 30 env "${de_env[@]}" TERN_LOCALEDIR="$TERN_LOCALEDIR" \
    "$TERN" -c "$cfg"
tui_wait_for "q:Beenden" 30
tui_wait_for "online" 30
screen=$(tui_screen)
assert_contains "$screen" "Enter:Öffnen" "hint: Öffnen"
assert_contains "$screen" "c:Ordner" "hint: Ordner"
assert_contains "$screen" "d:Löschen" "hint: Löschen"
assert_contains "$screen" "Nachr." "status line in German"
tui_keys '?'
tui_wait_for "Tasten, wie sie jetzt belegt sind" 10
assert_contains "$(tui_screen)" "die Nachricht als gelesen oder ungelesen markieren" \
    "help screen in German"
tui_keys q
tui_wait_gone "Tasten, wie sie jetzt belegt sind" 10
tui_keys x
tui_wait_for "ohne endgültig zu löschen" 10
tui_keys y
tui_wait_exit 10 >/dev/null
echo "PASS: German on stderr and on the screen"
