#!/bin/bash
# Writing mail in the reader (tmux, 100x30), against the harness dovecot
# and the SMTP server of tests/smtp-server.py (STARTTLS, AUTH, each
# message delivered into dovecot), with a scripted editor:
#   - m: the editor gets a file with From and an empty To; what it writes
#     is on the compose screen; y sends: the server gets it once, the
#     Sent copy is in dovecot once;
#   - r: To is the sender, "Re: " once, In-Reply-To and References, the
#     text quoted under the attribution; the original gets \Answered;
#   - g: the other recipients in Cc (not the user); L: the List-Post
#     address; f: "Fwd: " and the original's text; forward = attach: a
#     message/rfc822 part;
#   - t, c, b, s edit the fields on the compose screen (Tab completes an
#     address: those written to, then the cache's senders); Bcc reaches
#     the envelope, not the data;
#   - a attaches a file (its size shown), D detaches; the bytes sent
#     are the file's; a file mentioned and not attached is warned about;
#   - P postpones (Drafts in dovecot, \Draft), R recalls it with its
#     attachment, y sends it and the draft leaves Drafts;
#   - b bounces the message unchanged under Resent- fields;
#   - q asks, and y drops the message: nothing is sent; an unchanged
#     file drops it too;
#   - offline the message waits in the outbox ("waiting to be sent") and
#     tern sync sends it;
#   - with --ephemeral the draft lives in memory-backed storage and is
#     gone once sent; an attached file's odd name is only a name;
#   - tern compose (--to, --cc, --subject, --attach) and a mailto: URL
#     write one message and end once it is sent; bad arguments exit 2;
#   - a reader killed while the editor runs leaves the draft's file,
#     offered at the next start and sent from there.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$TERN" ] || skip "no tern binary at $TERN"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    skip "python3-aiosmtpd is not installed"

harness_start -n 3
u=$HARNESS_USER
ed=$HARNESS_DIR/editor.sh
act=$HARNESS_DIR/editor-action
files=$HARNESS_DIR/files
mkdir -p "$files"

# The editor: runs $act (a shell snippet) with the file as $1 and keeps
# a copy of what it was given in $HARNESS_DIR/given.
cat >"$ed" <<'EOF'
#!/bin/sh
cp "$1" "$HARNESS_DIR/given"
. "$HARNESS_DIR/editor-action"
EOF
chmod +x "$ed"
export HARNESS_DIR

smtp_start --tls starttls --deliver

conf()
{
	harness_config imaps "smtp = smtp://localhost:$SMTP_PORT" \
	    "from = Alice Tester <$u@localhost>" "$@" "[ui]" \
	    "editor = $ed" >/dev/null
}
conf

# The editor's action: replace header NAME's line with "NAME: VALUE".
set_header()
{
	printf 'sed -i "s|^%s:.*|%s: %s|" "$1"\n' "$1" "$1" "$2"
}

# count: the messages the SMTP server got
count()
{
	smtp_count
}

last_eml()
{
	cat "$(smtp_last_eml)"
}

last_env()
{
	tail -n 1 "$SMTP_REC/envelopes.jsonl"
}

# n_in FOLDER [SEARCH...]: messages in FOLDER on the server
n_in()
{
	local f=$1
	shift
	harness_doveadm search -u "$u" mailbox "$f" "${@:-all}" 2>/dev/null |
	    wc -l
}

# wait_count N: the SMTP server got N messages
count_is()
{
	[ "$(count)" = "$1" ]
}

n_in_is()
{
	[ "$(n_in "$1")" = "$2" ]
}

has_search()
{
	[ -n "$(harness_doveadm search -u "$u" "$@" 2>/dev/null)" ]
}

wait_count()
{
	wait_until 15 count_is "$1" ||
	    { tui_screen >&2; fail "expected $1 messages sent, got $(count)"; }
}

start()
{
	tui_start 100 30 "$TERN" "$@" test
	tui_wait_for "Message 00003" 15
}

# --- m: a new message ---------------------------------------------------------
sent0=$(n_in Sent)
sent=0
start
{
	set_header To "Bob Builder <bob@localhost>"
	set_header Subject "Hello from compose"
	printf 'printf "%%s\\n" "The new message body." >>"$1"\n'
} >"$act"
tui_keys m
tui_wait_for "Compose (test): new message"
tui_wait_for "bob@localhost"
given=$(cat "$HARNESS_DIR/given")
assert_contains "$given" "From: Alice Tester <$u@localhost>" "the file's From"
assert_contains "$given" "To:" "the file's To"
screen=$(tui_screen)
assert_contains "$screen" "Hello from compose" "the subject shown"
assert_contains "$screen" "y:Send" "the compose keys shown"
tui_keys y
sent=$((sent + 1))
wait_count $sent
eml=$(last_eml)
assert_contains "$eml" "Subject: Hello from compose" "m: the subject sent"
assert_contains "$eml" "The new message body." "m: the body sent"
assert_contains "$(last_env)" "bob@localhost" "m: the envelope"
wait_until 15 n_in_is Sent $((sent0 + 1)) ||
    fail "m: Sent copies: $(n_in Sent), $sent0 before"
tui_wait_gone "Compose (test)"

# --- r: a reply -----------------------------------------------------------------
harness_doveadm flags remove -u "$u" '\Answered' mailbox INBOX all
printf 'printf "%%s\\n" "My answer." >>"$1"\n' >"$act"
tui_keys Home
tui_wait_for "Message 00003"
tui_keys r
tui_wait_for "Compose (test): reply"
given=$(cat "$HARNESS_DIR/given")
assert_contains "$given" "To: Sender 3 <sender-3@example.org>" "r: To"
assert_contains "$given" "Subject: Re: " "r: subject"
assert_contains "$given" "wrote:" "r: attribution"
assert_contains "$given" "> " "r: quoted"
tui_keys y
sent=$((sent + 1))
wait_count $sent
eml=$(last_eml)
assert_contains "$eml" "In-Reply-To: <seed-3@example.org>" "r: In-Reply-To"
assert_contains "$eml" "References: " "r: References"
assert_contains "$eml" "My answer." "r: the text"
assert_contains "$(last_env)" "sender-3@example.org" "r: the envelope"
wait_until 15 has_search mailbox INBOX answered header message-id \
    seed-3@example.org ||
    fail "r: no \\Answered on the original"

# --- g, L, f ----------------------------------------------------------------------
cat >"$files/list.eml" <<EOF
Date: Mon, 30 Nov 2026 10:00:00 +0000
From: Carol Lister <carol@example.org>
To: tern-users@lists.example.org, $u@localhost
Cc: Dan <dan@example.org>
Subject: Zz list thread
Message-ID: <list-1@example.org>
List-Post: <mailto:tern-users@lists.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

The list's words.
EOF
harness_doveadm save -u "$u" -m INBOX <"$files/list.eml"
tui_wait_for "Zz list thread" 15
tui_keys Home
tui_keys g
tui_wait_for "Compose (test): reply to all"
given=$(cat "$HARNESS_DIR/given")
assert_contains "$given" "To: Carol Lister <carol@example.org>" "g: To"
assert_contains "$given" "dan@example.org" "g: Cc has Dan"
assert_contains "$given" "tern-users@lists.example.org" "g: Cc has the list"
assert_not_contains "$(grep '^Cc:' "$HARNESS_DIR/given")" "$u@localhost" \
    "g: not to me"
tui_keys y
sent=$((sent + 1))
wait_count $sent
env=$(last_env)
for r in carol@example.org dan@example.org tern-users@lists.example.org; do
	assert_contains "$env" "$r" "g: envelope has $r"
done

tui_keys L
tui_wait_for "Compose (test): reply to the list"
assert_contains "$(cat "$HARNESS_DIR/given")" \
    "To: tern-users@lists.example.org" "L: To is List-Post"
tui_keys y
sent=$((sent + 1))
wait_count $sent
assert_not_contains "$(last_env)" "carol@example.org" "L: only the list"

set_header To "erin@example.org" >"$act"
tui_keys f
tui_wait_for "Compose (test): forward"
tui_keys y
sent=$((sent + 1))
wait_count $sent
eml=$(last_eml)
assert_contains "$eml" "Subject: Fwd: Zz list thread" "f: subject"
assert_contains "$eml" "The list's words." "f: the original's text"
wait_until 15 has_search mailbox INBOX keyword '$Forwarded' header \
    message-id list-1@example.org ||
    fail "f: no \$Forwarded on the original"

# --- t, c, b, s on the compose screen; completion; a and D -----------------------
printf 'printf "%%s\\n" "See the attached file." >>"$1"\n' >"$act"
head -c 3000 /dev/urandom >"$files/data.bin"
printf 'second\n' >"$files/two.txt"
tui_keys m
tui_wait_for "Compose (test): new message"
tui_wait_for "speaks of an attachment"
tui_keys t
tui_wait_for "To:"
tui_keys -l "sender-2"
tui_keys Tab
tui_wait_for "Sender 2 <sender-2@example.org>"
tui_keys Enter
tui_keys s
tui_wait_for "Subject:"
tui_keys -l "Fields and files"
tui_keys Enter
tui_keys b
tui_keys -l "frank@example.org"
tui_keys Enter
tui_keys c
tui_keys -l "gina@example.org"
tui_keys Enter
tui_wait_for "gina@example.org"
tui_keys a
tui_wait_for "Attach file:"
tui_keys -l "$files/data.bin"
tui_keys Enter
tui_wait_for "data.bin"
assert_contains "$(tui_screen)" "2.9K" "the attachment's size"
tui_keys a
tui_keys -l "$files/two.txt"
tui_keys Enter
tui_wait_for "two.txt"
tui_keys D
tui_wait_gone "two.txt"
assert_not_contains "$(tui_screen)" "speaks of an attachment" \
    "no warning once attached"
# A file that is not there is refused with its reason.
tui_keys a
tui_keys -l "$files/none.bin"
tui_keys Enter
tui_wait_for "cannot attach"
tui_keys y
sent=$((sent + 1))
wait_count $sent
eml=$(last_eml)
env=$(last_env)
assert_contains "$eml" "Subject: Fields and files" "s: subject"
assert_contains "$eml" "sender-2@example.org" "t: completed To"
assert_contains "$eml" "gina@example.org" "c: Cc"
assert_not_contains "$eml" "frank@example.org" "b: Bcc not in the data"
assert_contains "$env" "frank@example.org" "b: Bcc in the envelope"
assert_not_contains "$eml" "two.txt" "D: detached"
"$TERN_PYTHON" - "$SMTP_REC" "$files/data.bin" <<'EOF' ||
import email, email.policy, glob, sys
last = sorted(glob.glob(sys.argv[1] + "/*.eml"),
              key=lambda p: int(p.rsplit("/", 1)[1].split(".")[0]))[-1]
msg = email.message_from_bytes(open(last, "rb").read(),
                               policy=email.policy.default)
want = open(sys.argv[2], "rb").read()
for part in msg.iter_attachments():
    if part.get_filename() == "data.bin":
        sys.exit(0 if part.get_content() == want else 1)
sys.exit(2)
EOF
    fail "a: the attachment's bytes differ"

# --- P, then R ----------------------------------------------------------------------
drafts0=$(n_in Drafts)
{
	set_header To "henry@example.org"
	set_header Subject "A draft for later"
	printf 'printf "%%s\\n" "Draft text." >>"$1"\n'
} >"$act"
tui_keys m
tui_wait_for "Compose (test): new message"
tui_keys a
tui_keys -l "$files/two.txt"
tui_keys Enter
tui_wait_for "two.txt"
tui_keys P
tui_wait_for "message postponed"
wait_until 15 n_in_is Drafts $((drafts0 + 1)) ||
    fail "P: not in Drafts"
assert_eq "$sent" "$(count)" "P: nothing sent"
[ -n "$(harness_doveadm search -u "$u" mailbox Drafts draft)" ] ||
    fail "P: no \\Draft flag"
tui_keys c
tui_wait_for "Open folder:"
tui_keys -l Drafts
tui_keys Enter
tui_wait_for "A draft for later" 15
tui_keys c
tui_keys -l INBOX
tui_keys Enter
tui_wait_for "Message 00003"
: >"$act"
tui_keys R
tui_wait_for "Compose (test): postponed message" 15
screen=$(tui_screen)
assert_contains "$screen" "henry@example.org" "R: To"
assert_contains "$screen" "two.txt" "R: the attachment"
# gina was only ever written to (Cc above), never a sender: completion
# knows her from the message sent.
tui_keys c
tui_wait_for "Cc:"
tui_keys -l "gin"
tui_keys Tab
tui_wait_for "gina@example.org"
tui_keys Enter
tui_keys y
sent=$((sent + 1))
wait_count $sent
eml=$(last_eml)
assert_contains "$eml" "Subject: A draft for later" "R: sent"
assert_contains "$eml" "two.txt" "R: with its attachment"
assert_contains "$eml" "gina@example.org" "c: completed from a recipient"
wait_until 15 n_in_is Drafts "$drafts0" ||
    fail "R: the draft stays in Drafts ($(n_in Drafts))"

# --- an attachment deleted before sending: not sent, nothing lost -----------------
{
	set_header To "mona@example.org"
	set_header Subject "Gone file"
} >"$act"
printf 'temporary\n' >"$files/gone.txt"
tui_keys m
tui_wait_for "Compose (test): new message"
tui_keys a
tui_keys -l "$files/gone.txt"
tui_keys Enter
tui_wait_for "gone.txt"
rm "$files/gone.txt"
tui_keys C-l
tui_wait_for "missing"
tui_keys y
tui_wait_for "not sent:"
assert_contains "$(tui_screen)" "Compose (test)" "the draft stays on screen"
tui_keys D
tui_wait_gone "gone.txt"
tui_keys y
sent=$((sent + 1))
wait_count $sent
assert_contains "$(last_eml)" "Subject: Gone file" "sent once detached"

# --- b: bounce --------------------------------------------------------------------
tui_keys Home
tui_wait_for "Zz list thread"
tui_keys b
tui_wait_for "Bounce message to:"
tui_keys -l "lara@example.org"
tui_keys Enter
tui_wait_for "Bounce the message to lara@example.org?"
tui_keys y
sent=$((sent + 1))
wait_count $sent
eml=$(last_eml)
assert_contains "$eml" "Resent-To: lara@example.org" "b: Resent-To"
assert_contains "$eml" "Resent-From: Alice Tester" "b: Resent-From"
assert_contains "$eml" "Subject: Zz list thread" "b: the subject unchanged"
assert_contains "$eml" "From: Carol Lister <carol@example.org>" \
    "b: the From unchanged"
assert_contains "$(last_env)" "lara@example.org" "b: the envelope"
assert_not_contains "$(last_env)" "carol@example.org" "b: only Resent-To"

# --- q, and an unchanged file -------------------------------------------------------
set_header To "ivan@example.org" >"$act"
tui_keys m
tui_wait_for "Compose (test): new message"
tui_keys q
tui_wait_for "Drop this message?"
tui_keys y
tui_wait_for "message dropped"
: >"$act"
tui_keys m
tui_wait_for "not changed"
sleep 1
assert_eq "$sent" "$(count)" "q and an unchanged file send nothing"
tui_quit
tui_wait_exit 10 >/dev/null

# --- offline, then tern sync ---------------------------------------------------------
{
	set_header To "judy@example.org"
	set_header Subject "Written offline"
} >"$act"
start --offline
tui_keys m
tui_wait_for "Compose (test): new message"
tui_keys y
tui_wait_for "waiting to be sent"
tui_quit
tui_wait_exit 10 >/dev/null
assert_eq "$sent" "$(count)" "offline: nothing sent"
assert_contains "$("$TERN" send --outbox test 2>&1)" "Written offline" \
    "offline: in the outbox"
"$TERN" sync test >/dev/null 2>&1 || fail "tern sync failed"
sent=$((sent + 1))
wait_count $sent
assert_contains "$(last_eml)" "Subject: Written offline" "offline: sent"

# --- --ephemeral: the draft in memory-backed storage, gone afterwards ------------
{
	set_header To "quinn@example.org"
	set_header Subject "Ephemeral draft"
	printf 'printf "%%s\\n" "$1" >"$HARNESS_DIR/draft-path"\n'
} >"$act"
weird='we ird $(touch pwned);`id`.txt'
printf 'odd name\n' >"$files/$weird"
tui_start 100 30 "$TERN" --ephemeral test
tui_wait_for "Message 00003" 20
tui_keys m
tui_wait_for "Compose (test): new message"
dpath=$(cat "$HARNESS_DIR/draft-path")
case $dpath in
"${XDG_RUNTIME_DIR:-/dev/shm}"/tern-* | /dev/shm/tern-*) ;;
*) fail "--ephemeral: the draft is at $dpath" ;;
esac
[ -z "$(ls "$XDG_CACHE_HOME/tern/drafts/" 2>/dev/null)" ] ||
    fail "--ephemeral: a draft in the cache folder"
# A file name with spaces and shell characters is only a name.
tui_keys a
tui_keys -l "$files/$weird"
tui_keys Enter
tui_wait_for "we ird"
tui_keys y
sent=$((sent + 1))
wait_count $sent
assert_contains "$(last_eml)" "Subject: Ephemeral draft" "--ephemeral: sent"
assert_contains "$(last_eml)" "touch pwned" "the odd file name kept"
[ ! -e pwned ] && [ ! -e "$files/pwned" ] && [ ! -e "$HOME/pwned" ] ||
    fail "a file name ran as a command"
[ ! -e "$(dirname "$dpath")" ] ||
    fail "--ephemeral: $(dirname "$dpath") is left"
tui_quit
tui_wait_exit 10 >/dev/null

# --- tern compose and a mailto: URL ---------------------------------------------
printf 'printf "%%s\\n" "Written from the command line." >>"$1"\n' >"$act"
printf 'cli attachment\n' >"$files/cli.txt"
tui_start 100 30 "$TERN" compose --to nina@example.org --cc oscar@example.org \
    --subject "From the command line" --attach "$files/cli.txt" test
tui_wait_for "Compose (test): new message" 15
screen=$(tui_screen)
assert_contains "$screen" "From the command line" "compose: the subject"
assert_contains "$screen" "cli.txt" "compose: the attachment"
tui_keys y
sent=$((sent + 1))
wait_count $sent
assert_eq 0 "$(tui_wait_exit 20)" "compose: ends once sent"
eml=$(last_eml)
assert_contains "$eml" "Subject: From the command line" "compose: sent"
assert_contains "$eml" "Cc: oscar@example.org" "compose: --cc"
assert_contains "$eml" "cli.txt" "compose: --attach"
assert_contains "$eml" "Written from the command line." "compose: the text"
tui_start 100 30 "$TERN" \
    "mailto:pia@example.org?subject=Via%20mailto&body=Hello%20there%0A&X-Evil=1"
tui_wait_for "Compose (test): new message" 15
tui_keys y
sent=$((sent + 1))
wait_count $sent
assert_eq 0 "$(tui_wait_exit 20)" "mailto: ends once sent"
eml=$(last_eml)
assert_contains "$eml" "Subject: Via mailto" "mailto: the subject"
assert_contains "$eml" "Hello there" "mailto: the body"
assert_not_contains "$eml" "X-Evil" "mailto: other fields left out"
assert_contains "$(last_env)" "pia@example.org" "mailto: the envelope"
# Usage errors, before any screen.
st=0
"$TERN" compose --to "not an address" test >"$HARNESS_DIR/out" 2>&1 ||
    st=$?
assert_eq 2 "$st" "compose: a bad --to is a usage error"
st=0
"$TERN" compose --attach "$files/none" test >"$HARNESS_DIR/out" 2>&1 ||
    st=$?
assert_eq 2 "$st" "compose: a missing --attach is a usage error"
assert_contains "$(cat "$HARNESS_DIR/out")" "cannot attach" "compose: why"
st=0
"$TERN" --to a@example.org test >"$HARNESS_DIR/out" 2>&1 || st=$?
assert_eq 2 "$st" "--to without compose"
st=0
"$TERN" "mailto:a@example.org?subject=%zz" >"$HARNESS_DIR/out" 2>&1 ||
    st=$?
assert_eq 2 "$st" "a bad mailto: URL"

# --- killed while the editor runs: the file is offered again ---------------------
{
	set_header To "kate@example.org"
	set_header Subject "Survived a crash"
	printf 'touch "$HARNESS_DIR/in-editor"; sleep 30\n'
} >"$act"
rm -f "$HARNESS_DIR/in-editor"
start
tui_keys m
wait_until 10 test -f "$HARNESS_DIR/in-editor" || fail "no editor"
kill -9 "$(tui_pid)"
tui_stop
ls "$XDG_CACHE_HOME/tern/drafts/" | grep -q '^test-' ||
    fail "no draft file kept"
: >"$act"
tui_start 100 30 "$TERN" test
tui_wait_for "not sent when tern stopped" 15
tui_keys y
tui_wait_for "Survived a crash"
tui_keys y
sent=$((sent + 1))
wait_count $sent
assert_contains "$(last_eml)" "Subject: Survived a crash" "recovered: sent"
tui_quit
tui_wait_exit 10 >/dev/null
[ -z "$(ls "$XDG_CACHE_HOME/tern/drafts/")" ] ||
    fail "draft files left: $(ls "$XDG_CACHE_HOME/tern/drafts/")"
assert_eq "$sent" "$(count)" "each message sent once"
echo "ok"
