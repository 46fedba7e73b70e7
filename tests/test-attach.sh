#!/bin/bash
# The attachment list (`v`) in tmux at 80x24 against the harness dovecot:
# a message with a binary attachment under a hostile file name
# ("../../evil;$(touch x).txt"), a part for a test mailcap entry, a
# copiousoutput part and a name holding an escape. The list shows types,
# sizes and names (the escape in caret notation); s saves the exact
# decoded bytes under a sanitised name inside the chosen folder, 0600, and
# asks before overwriting; Enter saves to the current folder by default;
# o runs the mailcap entry (pointed at by MAILCAPS) on a private temporary
# file with a sanitised name, removed after, and the injected text never
# runs; a copiousoutput entry's output is shown in the list; | pipes the
# bytes to a command. The pager lists the attachments too.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 3
harness_config imaps >/dev/null

work=$HARNESS_DIR/attach
mkdir -p "$work/cwd" "$work/save" "$work/tmp"
case $work in
*[!A-Za-z0-9._/-]*) skip "harness folder $work has characters the test mailcap cannot hold" ;;
esac

# The message, and the bytes each attachment must decode to.
"$TERN_PYTHON" - "$work" <<'EOF'
import base64, sys, time, email.utils
work = sys.argv[1]
payload = bytes(range(256)) * 3 + b"\r\nend\x00"
payload2 = b"mailcap part \x01\x02\xff" * 10
open(work + "/payload.bin", "wb").write(payload)
open(work + "/payload2.bin", "wb").write(payload2)
def b64(b):
    s = base64.b64encode(b).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))
msg = f"""From: Sender <sender@example.org>
To: alice@example.org
Subject: Attachments test
Date: {email.utils.formatdate(time.time())}
Message-ID: <attach-test@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BOUND"

--BOUND
Content-Type: text/plain; charset=utf-8

body text here
--BOUND
Content-Type: application/octet-stream; name="../../evil;$(touch x).txt"
Content-Disposition: attachment; filename="../../evil;$(touch x).txt"
Content-Transfer-Encoding: base64

{b64(payload)}
--BOUND
Content-Type: application/x-tern-test
Content-Disposition: attachment; filename="$(touch PWNED).bin"
Content-Transfer-Encoding: base64

{b64(payload2)}
--BOUND
Content-Type: text/x-tern-view; charset=utf-8
Content-Disposition: attachment; filename="view.txt"

copious view line one
copious view line two
--BOUND
Content-Type: text/plain
Content-Disposition: attachment; filename*=utf-8''esc%1B%5B31mred.txt

x
--BOUND--
"""
open(work + "/msg.eml", "w").write(msg)
EOF
harness_doveadm save -u "$HARNESS_USER" -m INBOX <"$work/msg.eml" ||
    fail "doveadm save failed"

# The test mailcap: one entry copies the file it is given and records its
# path, one prints the part (copiousoutput).
cat >"$work/mailcap" <<EOF
# tern test mailcap
application/x-tern-test; cp %s $work/opened.bin \\; echo %s > $work/opened-path
text/x-tern-view; cat %s; copiousoutput
EOF
export MAILCAPS=$work/mailcap
export TMPDIR=$work/tmp

status_file=$HARNESS_DIR/tui-status
tui_start 80 24 sh -c 'cd "$1" && "$2"; echo "$?" >"$3"' sh "$work/cwd" \
    "$TERN" "$status_file"
tui_wait_for "Attachments test" 30
tui_keys Enter
tui_wait_for "body text here" 20
# The pager lists the attachments after the text.
tui_wait_for "[-- Attachment #3: ../../evil;\$(touch x).txt" 5

tui_keys v
tui_wait_for "(attachments)" 10
screen=$(tui_screen)
assert_contains "$screen" "multipart/mixed" "list: the container"
assert_contains "$screen" "application/octet-stream" "list: a type"
assert_contains "$screen" '../../evil;$(touch x).txt' "list: the hostile name"
assert_contains "$screen" "     774  " "list: the decoded size (bytes under 1K as a number)"
assert_contains "$screen" "text/x-tern-view; utf-8" "list: type and charset"
assert_contains "$screen" "esc^[[31mred.txt" "list: an escape in a name"

# s into a folder: the sanitised name inside it, the exact bytes, 0600.
tui_keys s
tui_wait_for "Save to (Enter:" 5
assert_contains "$(tui_screen)" "evil_touch_x_.txt" "save: the default name"
tui_keys -l "$work/save"
tui_keys Enter
tui_wait_for "saved" 5
saved=$work/save/evil_touch_x_.txt
[ -f "$saved" ] || fail "save: no $saved"
cmp -s "$saved" "$work/payload.bin" || fail "save: the bytes differ"
assert_eq 600 "$(stat -c %a "$saved")" "save: mode"

# Again: asked before overwriting; n keeps the file, y overwrites it.
printf 'old' >"$saved"
tui_keys s
tui_wait_for "Save to (Enter:" 5
tui_keys -l "$saved"
tui_keys Enter
tui_wait_for "overwrite it? (y/n)" 5
# One key answers, as every y/n question does.
tui_keys -l n
tui_wait_for "not saved" 5
assert_eq old "$(cat "$saved")" "overwrite refused"
tui_keys s
tui_wait_for "Save to (Enter:" 5
tui_keys -l "$saved"
tui_keys Enter
tui_wait_for "overwrite it? (y/n)" 5
tui_keys -l y
tui_wait_gone "overwrite it?" 5
wait_until 5 cmp -s "$saved" "$work/payload.bin" ||
    fail "overwrite accepted: the bytes differ"

# Enter alone: the current folder and the sanitised name.
tui_keys s
tui_wait_for "Save to (Enter:" 5
tui_keys Enter
wait_until 5 test -f "$work/cwd/evil_touch_x_.txt" ||
    fail "default save: no file in the current folder"
cmp -s "$work/cwd/evil_touch_x_.txt" "$work/payload.bin" ||
    fail "default save: the bytes differ"

# | pipes the bytes to a command.
tui_keys '|'
tui_wait_for "Pipe to:" 5
tui_keys -l "cat > $work/piped.bin"
tui_keys Enter
tui_wait_for "Press Enter to return" 10
tui_keys Enter
tui_wait_for "(attachments)" 10
cmp -s "$work/piped.bin" "$work/payload.bin" || fail "pipe: the bytes differ"

# o: the mailcap entry gets a private copy under a sanitised name.
tui_keys j
tui_keys o
wait_until 10 test -s "$work/opened-path" || fail "open: the entry did not run"
tui_wait_for "(attachments)" 10
cmp -s "$work/opened.bin" "$work/payload2.bin" || fail "open: the bytes differ"
opened=$(cat "$work/opened-path")
assert_eq "_touch_PWNED_.bin" "$(basename "$opened")" "open: sanitised name"
assert_contains "$opened" "$work/tmp/tern-" "open: a private folder"
[ ! -e "$opened" ] || fail "open: the temporary file was left"
[ ! -e "$(dirname "$opened")" ] || fail "open: the temporary folder was left"

# A copiousoutput entry: its output in the list, q back.
tui_keys j
tui_keys Enter
tui_wait_for "copious view line two" 10
assert_contains "$(tui_screen)" "output of the mailcap entry" "view: title"
tui_keys q
tui_wait_for "(attachments)" 5

# Nothing injected ran, nothing was written outside the chosen folders.
found=$(find "$HARNESS_DIR" -name x -o -name 'PWNED*' -o -name '*touch*' |
    grep -v -e "/save/evil_touch_x_.txt\$" -e "/cwd/evil_touch_x_.txt\$" ||
    true)
assert_eq "" "$found" "no injected file"
assert_eq "" "$(find "$work/tmp" -mindepth 1 -maxdepth 1 -name 'tern-*' \
    ! -name 'tern-tui.*')" "no temporary folder left"

tui_keys q
tui_wait_gone "(attachments)" 5
tui_wait_for "body text here" 5
tui_keys q
tui_quit
tui_wait_exit 10 >/dev/null
wait_until 5 test -s "$status_file" || fail "tern exited without a status"
assert_eq 0 "$(cat "$status_file")" "exit status"
