#!/bin/bash
# The README's table "mutt key -> tern" is true: every row that says
# "same" is a key that `?` lists, in that mode, for that action.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"

harness_start -n 3
harness_config imaps >/dev/null
help=$HARNESS_DIR/help.txt
: >"$help"

tui_start 160 45 "$TERN" --offline
tui_wait_for "test:INBOX" 30
tui_keys '?'
tui_wait_for "keys, as bound now"
# Every page of the help screen, the title line left out.
last=
for ((i = 0; i < 40; i++)); do
	page=$(tui_screen)
	[ "$page" != "$last" ] || break
	printf '%s\n' "$page" | tail -n +2 >>"$help"
	last=$page
	tui_keys PgDn
	sleep 0.2
done
tui_keys q
tui_wait_gone "keys, as bound now"
tui_quit
tui_wait_exit 10 >/dev/null
tui_stop

"$TERN_PYTHON" - "$TERN_SRCDIR/README.md" "$help" <<'PY'
import re, sys
readme, help_path = sys.argv[1], sys.argv[2]
modes = {}
mode = None
title = re.compile(r"^ \S.*\((\w+)\)\s*$")
for line in open(help_path, encoding="utf-8"):
    line = line.rstrip("\n")
    m = title.match(line)
    if m:
        mode = m.group(1)
        modes.setdefault(mode, set())
        continue
    if mode is None or not line.startswith("   ") or len(line) < 40:
        continue
    keys = line[3:17].split()
    action = line[19:39].strip()
    for k in keys:
        modes[mode].add((k, action))
rows = bad = 0
in_table = False
for line in open(readme, encoding="utf-8"):
    if line.startswith("### mutt key"):
        in_table = True
        continue
    if in_table and line.startswith("#"):
        break
    if not in_table or not line.startswith("| `"):
        continue
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    if len(cells) != 5 or cells[4] != "same":
        continue
    key = cells[0].strip("`").replace("\\|", "|")
    mode, action = cells[1], cells[3]
    rows += 1
    if (key, action) not in modes.get(mode, set()):
        print("README row says %s in %s is %s; ? does not list it" %
              (key, mode, action))
        bad += 1
if rows < 100:
    print("only %d rows marked same were found" % rows)
    bad += 1
print("%d rows marked same, %d wrong" % (rows, bad))
sys.exit(1 if bad else 0)
PY
echo "ok"
