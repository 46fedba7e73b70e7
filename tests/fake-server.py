#!/usr/bin/env python3
"""A small scriptable IMAP/POP3/SMTP server that misbehaves on purpose.

For what a real server (the harness's dovecot) never does: hostile or broken
peers. Standard library only; one client, then exit.

Usage:
  fake-server.py --port-file F [--log F2] [--timeout S]
                 [--cert PEM --key PEM] SCENARIO

  --port-file F   listen on 127.0.0.1, an ephemeral port, written to F
                  (atomically: wait for F to exist, then read it)
  --log F2        every line received from the client is appended to F2,
                  without its CRLF, one per line, flushed at once (after
                  STARTTLS/STLS, the decrypted lines if the handshake worked)
  --timeout S     give up after S seconds (default 30) waiting for a client
                  or for its next line
  --cert/--key    server certificate and key for scenarios that do TLS
                  (the harness's $HARNESS_DIR/tls/server.{pem,key})
  --tls           implicit TLS: the handshake (with --cert/--key) comes
                  first, then the scenario runs over it
  --drop-after N  send only half of response N+1 (the greeting is response
                  1), then close the connection: a drop at step N
  --hang-after N  answer N responses, then never again (read until the
                  client gives up): a server that stops answering
  --list          print the scenarios and exit

The server exits when the client disconnects, at the timeout, or when the
scenario ends; the test may also kill it by PID. Events (connect, TLS,
close) go to stderr, never to the --log file, so the log holds only what
the client sent.

Adding a scenario: write a function taking a Session and register it in
SCENARIOS. Session has send(text), readline() -> str or None, log(line),
starttls() and the helpers imap_loop(session, caps, handlers) and
pop3_loop(session, capa, handlers), where handlers maps an upper-case
command to a function (session, tag, args) for IMAP or (session, args) for
POP3 that answers it; the loops answer the usual commands themselves.
"""

import argparse
import os
import socket
import ssl
import sys
import time


class Session:
    def __init__(self, conn, logf, timeout, cert, key):
        self.conn = conn
        self.logf = logf
        self.timeout = timeout
        self.cert = cert
        self.key = key
        self.buf = b""
        conn.settimeout(timeout)
        self.responses = 0      # send() calls so far
        self.drop_after = None  # --drop-after N
        self.hang_after = None  # --hang-after N

    def event(self, what):
        print("fake-server: %s" % what, file=sys.stderr, flush=True)

    def send(self, text):
        if isinstance(text, str):
            text = text.encode("utf-8")
        # Each send() is one response for --drop-after and --hang-after.
        n = self.responses
        self.responses += 1
        if n == self.drop_after:
            self.conn.sendall(text[:len(text) // 2])
            self.event("dropping the connection in response %d" % (n + 1))
            raise ConnectionResetError("dropped on purpose")
        if n == self.hang_after:
            self.event("silent from response %d on" % (n + 1))
            while self.readline() is not None:
                pass
            raise ConnectionResetError("silent on purpose")
        self.conn.sendall(text)

    def readline(self):
        """The next line without CRLF, or None at EOF/timeout/error."""
        while b"\n" not in self.buf:
            try:
                chunk = self.conn.recv(65536)
            except (socket.timeout, OSError, ssl.SSLError) as e:
                self.event("read ends: %s" % e)
                return None
            if not chunk:
                self.event("client closed")
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.log(text)
        return text

    def log(self, line):
        if self.logf:
            self.logf.write(line + "\n")
            self.logf.flush()

    def starttls(self):
        """Start TLS as the server; False if it cannot or fails."""
        if not (self.cert and self.key):
            self.event("no --cert/--key: cannot start TLS")
            return False
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        try:
            self.conn = ctx.wrap_socket(self.conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.event("TLS handshake failed: %s" % e)
            return False
        self.conn.settimeout(self.timeout)
        self.buf = b""
        self.event("TLS started")
        return True


# --- IMAP ------------------------------------------------------------------

def imap_loop(s, caps, handlers=None):
    """Answer IMAP commands until LOGOUT or EOF; HANDLERS override."""
    handlers = handlers or {}
    while True:
        line = s.readline()
        if line is None:
            return
        parts = line.split(" ", 2)
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else ""
        args = parts[2] if len(parts) > 2 else ""
        if cmd in handlers:
            if handlers[cmd](s, tag, args) is False:
                return
        elif cmd == "CAPABILITY":
            s.send("* CAPABILITY %s\r\n%s OK done\r\n" % (caps, tag))
        elif cmd in ("NOOP", "CHECK"):
            s.send("%s OK done\r\n" % tag)
        elif cmd == "LOGIN":
            s.send("%s OK [CAPABILITY %s] logged in\r\n" % (tag, caps))
        elif cmd == "AUTHENTICATE":
            if " " not in args.strip():
                s.send("+ \r\n")
                if s.readline() is None:
                    return
            s.send("%s OK [CAPABILITY %s] logged in\r\n" % (tag, caps))
        elif cmd == "LOGOUT":
            s.send("* BYE fake says bye\r\n%s OK done\r\n" % tag)
            return
        elif cmd == "STARTTLS":
            s.send("%s BAD STARTTLS not offered\r\n" % tag)
        else:
            s.send("%s BAD unknown command\r\n" % tag)


def imap_no_starttls(s):
    """Greets and answers CAPABILITY without STARTTLS; LOGIN would succeed."""
    s.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN] fake ready\r\n")
    imap_loop(s, "IMAP4rev1 AUTH=PLAIN")


def imap_starttls_inject(s):
    """Offers STARTTLS, then sends a response injected before the handshake.

    The tagged OK and "* OK injected" go out in one send(), as a
    man-in-the-middle would do it (CVE-2011-0411 class). If the client goes
    on with the handshake anyway and --cert/--key are given, TLS starts and
    the session goes on, so a test can see what the client then sends.
    """
    caps = "IMAP4rev1 STARTTLS LOGINDISABLED"

    def starttls(s, tag, args):
        s.send("%s OK begin TLS\r\n* OK injected\r\n" % tag)
        if not s.starttls():
            return False
        imap_loop(s, "IMAP4rev1 AUTH=PLAIN")
        return False

    s.send("* OK [CAPABILITY %s] fake ready\r\n" % caps)
    imap_loop(s, caps, {"STARTTLS": starttls})


def imap_silent(s):
    """Accepts the connection and never says a word (timeout tests)."""
    while s.readline() is not None:
        pass


# --- POP3 ------------------------------------------------------------------

def pop3_loop(s, capa, handlers=None):
    """Answer POP3 commands until QUIT or EOF; HANDLERS override."""
    handlers = handlers or {}
    while True:
        line = s.readline()
        if line is None:
            return
        cmd, _, args = line.partition(" ")
        cmd = cmd.upper()
        if cmd in handlers:
            if handlers[cmd](s, args) is False:
                return
        elif cmd == "CAPA":
            s.send("+OK capability list follows\r\n" +
                   "".join(c + "\r\n" for c in capa) + ".\r\n")
        elif cmd in ("USER", "PASS", "NOOP", "RSET"):
            s.send("+OK\r\n")
        elif cmd == "AUTH":
            if " " not in args.strip():
                s.send("+ \r\n")
                if s.readline() is None:
                    return
            s.send("+OK logged in\r\n")
        elif cmd == "STAT":
            s.send("+OK 0 0\r\n")
        elif cmd in ("LIST", "UIDL"):
            s.send("+OK\r\n.\r\n")
        elif cmd == "QUIT":
            s.send("+OK bye\r\n")
            return
        elif cmd == "STLS":
            s.send("-ERR STLS not offered\r\n")
        else:
            s.send("-ERR unknown command\r\n")


def pop3_no_stls(s):
    """POP3 greeting, CAPA without STLS; USER/PASS would succeed."""
    s.send("+OK fake POP3 ready\r\n")
    pop3_loop(s, ["USER", "UIDL", "TOP", "SASL PLAIN"])


# --- POP3 with a mailbox ----------------------------------------------------
#
# The scenarios below serve a real mailbox: the files of the directory named
# by $FAKE_POP3_DIR, in name order, each one message (LF or CRLF endings;
# sent with CRLF). The file name is the message's UIDL. DELE marks, RSET
# unmarks, and only a QUIT answered +OK removes the marked files, so the
# state carries over from one run of the server to the next. The expected
# login is $FAKE_POP3_USER / $FAKE_POP3_PASS (default alice /
# alice-secret-1).

class Pop3Box:
    def __init__(self):
        self.dir = os.environ.get("FAKE_POP3_DIR", "")
        names = sorted(os.listdir(self.dir)) if self.dir else []
        self.names = [n for n in names if not n.startswith(".")]
        self.deleted = set()
        self.user = os.environ.get("FAKE_POP3_USER", "alice")
        self.password = os.environ.get("FAKE_POP3_PASS", "alice-secret-1")
        self.retrs = 0

    def data(self, i):
        with open(os.path.join(self.dir, self.names[i]), "rb") as f:
            raw = f.read()
        return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def msg(self, args):
        """The index of message ARGS (1-based text), or None."""
        try:
            i = int(args.split()[0]) - 1
        except (ValueError, IndexError):
            return None
        if i < 0 or i >= len(self.names) or i in self.deleted:
            return None
        return i

    def commit(self):
        for i in sorted(self.deleted):
            os.unlink(os.path.join(self.dir, self.names[i]))


def pop3_stuffed(data):
    """DATA as a multi-line POP3 response body (dot-stuffed, ended)."""
    out = []
    for line in data.split(b"\r\n"):
        out.append(b"." + line if line.startswith(b".") else line)
    if out and out[-1] == b"":
        out.pop()
    return b"\r\n".join(out) + b"\r\n.\r\n"


def pop3_mailbox(s, box, capa, uidl=True, login=None, quit_drop=False,
                 drop_after_retr=None):
    """Serve BOX until QUIT or EOF.

    LOGIN(s, cmd, args) may answer USER/PASS/APOP/AUTH itself (returning
    True when it did). With QUIT_DROP the connection closes at QUIT without
    an answer and without deleting anything; DROP_AFTER_RETR=N closes it
    after the N-th RETR (in the middle of the session).
    """
    authed = False
    user_ok = False
    while True:
        line = s.readline()
        if line is None:
            return
        cmd, _, args = line.partition(" ")
        cmd = cmd.upper()
        if login is not None and not authed and login(s, cmd, args):
            if cmd in ("PASS", "APOP", "AUTH") and getattr(s, "authed",
                                                           False):
                authed = True
            continue
        if cmd == "CAPA":
            s.send("+OK capability list follows\r\n" +
                   "".join(c + "\r\n" for c in capa) + ".\r\n")
        elif cmd == "QUIT":
            if quit_drop:
                s.event("dropping the connection at QUIT")
                return
            if authed:
                box.commit()
            s.send("+OK bye\r\n")
            return
        elif not authed:
            if cmd == "USER":
                user_ok = args == box.user
                s.send("+OK\r\n")
            elif cmd == "PASS":
                if user_ok and args == box.password:
                    authed = True
                    s.send("+OK logged in\r\n")
                else:
                    s.send("-ERR [AUTH] authentication failed\r\n")
            elif cmd == "STLS":
                s.send("-ERR STLS not offered\r\n")
            else:
                s.send("-ERR log in first\r\n")
        elif cmd == "STAT":
            live = [i for i in range(len(box.names)) if i not in box.deleted]
            s.send("+OK %d %d\r\n" % (len(live),
                                       sum(len(box.data(i)) for i in live)))
        elif cmd == "LIST" and not args:
            out = ["+OK"]
            for i in range(len(box.names)):
                if i not in box.deleted:
                    out.append("%d %d" % (i + 1, len(box.data(i))))
            s.send("\r\n".join(out) + "\r\n.\r\n")
        elif cmd == "UIDL" and not args:
            if not uidl:
                s.send("-ERR UIDL not supported\r\n")
                continue
            out = ["+OK"]
            for i in range(len(box.names)):
                if i not in box.deleted:
                    out.append("%d %s" % (i + 1, box.names[i]))
            s.send("\r\n".join(out) + "\r\n.\r\n")
        elif cmd in ("RETR", "TOP"):
            i = box.msg(args)
            if i is None:
                s.send("-ERR no such message\r\n")
                continue
            data = box.data(i)
            if cmd == "TOP":
                head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                data = head
            else:
                box.retrs += 1
            s.send(b"+OK\r\n" + pop3_stuffed(data))
            if (cmd == "RETR" and drop_after_retr is not None and
                    box.retrs >= drop_after_retr):
                s.event("dropping the connection after RETR %d" %
                        box.retrs)
                return
        elif cmd == "DELE":
            i = box.msg(args)
            if i is None:
                s.send("-ERR no such message\r\n")
            else:
                box.deleted.add(i)
                s.send("+OK marked\r\n")
        elif cmd == "RSET":
            box.deleted.clear()
            s.send("+OK\r\n")
        elif cmd == "NOOP":
            s.send("+OK\r\n")
        else:
            s.send("-ERR unknown command\r\n")


def pop3_userpass(s):
    """A mailbox ($FAKE_POP3_DIR); USER/PASS only: no SASL, no APOP."""
    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, Pop3Box(), ["USER", "UIDL", "TOP"])


def pop3_apop(s):
    """A mailbox; the greeting has an APOP timestamp; USER is refused."""
    import hashlib
    stamp = "<%d.%d@fake.example>" % (os.getpid(), int(time.time()))
    box = Pop3Box()

    def login(s, cmd, args):
        if cmd == "APOP":
            parts = args.split()
            want = hashlib.md5((stamp + box.password).encode()).hexdigest()
            if len(parts) == 2 and parts[0] == box.user and \
                    parts[1] == want:
                s.authed = True
                s.send("+OK maildrop ready\r\n")
            else:
                s.send("-ERR [AUTH] APOP digest wrong\r\n")
            return True
        if cmd in ("USER", "PASS", "AUTH"):
            s.send("-ERR use APOP\r\n")
            return True
        return False

    s.send("+OK fake POP3 ready %s\r\n" % stamp)
    pop3_mailbox(s, box, ["UIDL", "TOP"], login=login)


def pop3_sasl_plain(s):
    """A mailbox; CAPA offers SASL PLAIN, which is checked; USER is refused."""
    import base64
    box = Pop3Box()

    def login(s, cmd, args):
        if cmd == "AUTH":
            parts = args.split()
            if not parts or parts[0].upper() != "PLAIN":
                s.send("-ERR only PLAIN\r\n")
                return True
            if len(parts) > 1:
                data = parts[1]
            else:
                s.send("+ \r\n")
                data = s.readline() or ""
            try:
                fields = base64.b64decode(data).split(b"\0")
            except ValueError:
                fields = []
            want = [box.user.encode(), box.user.encode(),
                    box.password.encode()]
            if fields == want or fields[1:] == want[1:]:
                s.authed = True
                s.send("+OK logged in\r\n")
            else:
                s.send("-ERR [AUTH] bad credentials\r\n")
            return True
        if cmd in ("USER", "PASS", "APOP"):
            s.send("-ERR use SASL\r\n")
            return True
        return False

    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, box, ["UIDL", "TOP", "SASL PLAIN"], login=login)


def pop3_no_uidl(s):
    """A mailbox whose server has no UIDL (CAPA lacks it; UIDL is -ERR).

    It offers PIPELINING, which the mailbox loop serves as it comes.
    """
    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, Pop3Box(), ["USER", "TOP", "PIPELINING"], uidl=False)


def pop3_no_uidl_drop_at_quit(s):
    """No UIDL, PIPELINING, and the connection drops at QUIT."""
    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, Pop3Box(), ["USER", "TOP", "PIPELINING"], uidl=False,
                 quit_drop=True)


def pop3_stls_inject(s):
    """Offers STLS, then answers it with an injected line in one send.

    As imap-starttls-inject does for IMAP: if the client goes on with the
    handshake anyway (and --cert/--key are given), the session goes on in
    TLS, so a test can see whether credentials followed.
    """
    capa = ["USER", "UIDL", "TOP", "STLS"]

    def stls(s, args):
        s.send("+OK begin TLS\r\n+OK injected\r\n")
        if s.starttls():
            pop3_loop(s, ["USER", "UIDL", "TOP"])
        return False

    s.send("+OK fake POP3 ready\r\n")
    pop3_loop(s, capa, {"STLS": stls})


def pop3_in_use(s):
    """The mailbox is locked: PASS answers -ERR [IN-USE]."""
    s.send("+OK fake POP3 ready\r\n")
    pop3_loop(s, ["USER", "UIDL", "TOP", "RESP-CODES"], {
        "PASS": lambda s, args: s.send(
            "-ERR [IN-USE] mailbox locked by another session\r\n"),
    })


def pop3_drop_at_quit(s):
    """A mailbox; the connection drops at QUIT: no deletion happens."""
    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, Pop3Box(), ["USER", "UIDL", "TOP"], quit_drop=True)


def pop3_drop_mid_retr(s):
    """A mailbox; the connection drops after $FAKE_POP3_DROP_AFTER RETRs."""
    n = int(os.environ.get("FAKE_POP3_DROP_AFTER", "3"))
    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, Pop3Box(), ["USER", "UIDL", "TOP"], drop_after_retr=n)


# --- IMAP with a mailbox (hostile servers) -----------------------------------
#
# imap_box() serves a small mailbox well enough for `tern sync` and the
# reader: INBOX and Archive with $FAKE_IMAP_N messages each (default 5; UID
# i, Subject "Fake FOLDER i", \Seen when i is even), LIST, LSUB, SELECT,
# FETCH and UID FETCH (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE
# BODYSTRUCTURE BODY[HEADER.FIELDS ...] BODY[]), UID SEARCH (every UID),
# STATUS, IDLE, STORE and the rest as plain OKs. Each answer to a command is
# one send(), so --drop-after and --hang-after count commands (the greeting
# is response 1). The hostile scenarios below change one thing each through
# the hooks of imap_box():
#   greeting      the greeting line(s) instead of the usual one
#   caps          the capabilities (default IMAP_BOX_CAPS)
#   caps_tls      after STARTTLS, these instead (with STARTTLS in caps)
#   boxes         the mailbox names LIST and LSUB return (raw IMAP text)
#   fetch_item    fn(folder, msg) -> text added inside each FETCH's parens
#   fetch_extra   fn(command) -> raw lines sent before a FETCH's tagged OK
#   select_extra  raw lines sent before SELECT's tagged OK
#   status        fn(name) -> the raw STATUS lines for NAME
#   search        the raw SEARCH line(s) instead of the usual one
#   tagged        dict COMMAND -> the text after the tag ("NO", "BAD x")
#   fetch_takeover  fn(session, tag) answers the first FETCH its own way and
#                 ends the session

IMAP_BOX_CAPS = "IMAP4rev1 LITERAL+ UIDPLUS IDLE"


class ImapBox:
    def __init__(self):
        self.n = int(os.environ.get("FAKE_IMAP_N", "5"))
        self.uidvalidity = 4242

    def raw(self, folder, i):
        return ("Date: Wed, 01 Jan 2025 00:%02d:00 +0000\r\n"
                "From: Fake Sender %d <sender-%d@example.org>\r\n"
                "To: alice@example.org\r\n"
                "Subject: Fake %s %d\r\n"
                "Message-ID: <fake-%s-%d@example.org>\r\n"
                "\r\n"
                "Body of fake message %d in %s.\r\n" %
                (i % 60, i, i, folder, i, folder, i, i, folder)).encode()

    def flags(self, i):
        return "(\\Seen)" if i % 2 == 0 else "()"

    def envelope(self, folder, i):
        return ('("Wed, 01 Jan 2025 00:%02d:00 +0000" "Fake %s %d" '
                '(("Fake Sender %d" NIL "sender-%d" "example.org")) '
                '(("Fake Sender %d" NIL "sender-%d" "example.org")) '
                '(("Fake Sender %d" NIL "sender-%d" "example.org")) '
                '((NIL NIL "alice" "example.org")) NIL NIL NIL '
                '"<fake-%s-%d@example.org>")' %
                (i % 60, folder, i, i, i, i, i, i, i, folder, i))


def imap_ranges(text, star):
    """An IMAP sequence set as (lo, hi) pairs; * is STAR."""
    out = []
    for part in text.split(","):
        if not part:
            continue
        a, _, b = part.partition(":")
        try:
            lo = star if a == "*" else int(a)
            hi = lo if not b else (star if b == "*" else int(b))
        except ValueError:
            continue
        out.append((min(lo, hi), max(lo, hi)))
    return out


def imap_in(ranges, n):
    return any(lo <= n <= hi for lo, hi in ranges)


def imap_fetch(box, folder, items, seq, uid, hooks):
    """One FETCH response for message UID (sequence number SEQ)."""
    up = items.upper()
    parts = ["UID %d" % uid]
    lits = []
    if "FLAGS" in up:
        parts.append("FLAGS %s" % box.flags(uid))
    if "INTERNALDATE" in up:
        parts.append('INTERNALDATE "01-Jan-2025 00:%02d:00 +0000"' %
                     (uid % 60))
    raw = box.raw(folder, uid)
    if "RFC822.SIZE" in up:
        parts.append("RFC822.SIZE %d" % len(raw))
    if "ENVELOPE" in up:
        parts.append("ENVELOPE " + box.envelope(folder, uid))
    if "BODYSTRUCTURE" in up:
        parts.append('BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") '
                     'NIL NIL "7bit" %d 1)' % len(raw))
    text = "* %d FETCH (%s" % (seq, " ".join(parts))
    if "HEADER.FIELDS" in up:
        text += " BODY[HEADER.FIELDS (REFERENCES)] {2}\r\n\r\n"
        lits.append(True)
    if "BODY.PEEK[]" in up or "BODY[]" in up:
        text = text.encode() + b" BODY[] {%d}\r\n" % len(raw) + raw
    if hooks.get("fetch_item"):
        extra = hooks["fetch_item"](folder, uid)
        text = (text if isinstance(text, bytes) else text.encode()) + \
            (extra if isinstance(extra, bytes) else extra.encode())
    if isinstance(text, str):
        text = text.encode()
    return text + b")\r\n"


def imap_box(s, hooks=None):
    """A small mailbox (see above); HOOKS make it hostile."""
    hooks = hooks or {}
    box = ImapBox()
    caps = hooks.get("caps", IMAP_BOX_CAPS)
    boxes = hooks.get("boxes", ["INBOX", "Archive"])
    selected = None
    greeting = hooks.get("greeting",
                         "* OK [CAPABILITY %s] fake IMAP ready\r\n" % caps)
    if greeting:
        s.send(greeting)
    while True:
        line = s.readline()
        if line is None:
            return
        parts = line.split(" ", 2)
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else ""
        args = parts[2] if len(parts) > 2 else ""
        if cmd == "UID" and args:
            sub, _, args = args.partition(" ")
            cmd = "UID " + sub.upper()
        out = b""
        ok = "OK done"
        if cmd == "CAPABILITY":
            out = ("* CAPABILITY %s\r\n" % caps).encode()
        elif cmd == "STARTTLS" and "STARTTLS" in caps.split():
            s.send("%s OK begin TLS\r\n" % tag)
            if not s.starttls():
                return
            caps = hooks.get("caps_tls", caps.replace(" STARTTLS", ""))
            continue
        elif cmd in ("LOGIN", "AUTHENTICATE"):
            if cmd == "AUTHENTICATE" and " " not in args.strip():
                s.send("+ \r\n")
                if s.readline() is None:
                    return
            ok = "OK [CAPABILITY %s] logged in" % caps
        elif cmd == "LIST" and "RETURN" in args.upper() and \
                hooks.get("list_status"):
            out, ok = hooks["list_status"]()
        elif cmd == "NOTIFY" and hooks.get("notify"):
            out, ok = hooks["notify"]()
        elif cmd in ("LIST", "LSUB"):
            for name in boxes:
                if isinstance(name, bytes):
                    out += b'* %s () "/" ' % cmd.encode() + name + b"\r\n"
                else:
                    out += ('* %s () "/" %s\r\n' % (cmd, name)).encode()
        elif cmd in ("SELECT", "EXAMINE"):
            selected = args.split(" ")[0].strip('"')
            out = ("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n"
                   "* %d EXISTS\r\n* 0 RECENT\r\n"
                   "* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n" %
                   (box.n, box.uidvalidity, box.n + 1)).encode()
            out += hooks.get("select_extra", "").encode()
            ok = "OK [READ-WRITE] selected"
        elif cmd in ("FETCH", "UID FETCH") and hooks.get("fetch_takeover"):
            hooks["fetch_takeover"](s, tag)
            return
        elif cmd in ("FETCH", "UID FETCH"):
            setspec, _, items = args.partition(" ")
            star = box.n
            ranges = imap_ranges(setspec, star)
            for i in range(1, box.n + 1):
                if imap_in(ranges, i):
                    out += imap_fetch(box, selected or "INBOX", items, i, i,
                                      hooks)
            if hooks.get("fetch_extra"):
                out += hooks["fetch_extra"](cmd).encode()
        elif cmd == "UID SEARCH":
            out = hooks.get("search", "* SEARCH %s\r\n" % " ".join(
                str(i) for i in range(1, box.n + 1))).encode()
        elif cmd == "STATUS":
            name = args.split(" ")[0]
            if hooks.get("status"):
                out = hooks["status"](name).encode()
            else:
                out = ("* STATUS %s (MESSAGES %d UNSEEN %d UIDNEXT %d)\r\n" %
                       (name, box.n, box.n - box.n // 2, box.n + 1)).encode()
        elif cmd == "ID":
            out = b"* ID NIL\r\n"
        elif cmd == "IDLE":
            s.send("+ idling\r\n")
            if hooks.get("idle"):
                hooks["idle"](s)
            if s.readline() is None:
                return
        elif cmd == "LOGOUT":
            s.send("* BYE fake says bye\r\n%s OK done\r\n" % tag)
            return
        elif cmd in ("NOOP", "CHECK", "CLOSE", "ENABLE", "UID STORE", "STORE",
                     "SUBSCRIBE", "UNSUBSCRIBE", "EXPUNGE", "UID EXPUNGE"):
            pass
        else:
            ok = "BAD unknown command"
        ok = hooks.get("tagged", {}).get(cmd, ok)
        s.send(out + ("%s %s\r\n" % (tag, ok)).encode())


def imap_mailbox(s):
    """A well-behaved small IMAP mailbox ($FAKE_IMAP_N messages a folder)."""
    imap_box(s)


def imap_starttls_mailbox(s):
    """The small mailbox behind STARTTLS (needs --cert/--key)."""
    imap_box(s, {"caps": IMAP_BOX_CAPS + " STARTTLS LOGINDISABLED"})


def imap_auth_plain(s):
    """The small mailbox; LOGINDISABLED and AUTH=PLAIN: AUTHENTICATE."""
    imap_box(s, {"caps": IMAP_BOX_CAPS + " LOGINDISABLED AUTH=PLAIN"})


def imap_sasl_box(s, caps, authenticate):
    """Greets with CAPS, answers CAPABILITY and LOGOUT, and hands each
    AUTHENTICATE (its tag and arguments) to AUTHENTICATE, which returns
    False once the connection is gone."""
    s.send("* OK [CAPABILITY %s] fake\r\n" % caps)
    while True:
        line = s.readline()
        if line is None:
            return
        tag, _, rest = line.partition(" ")
        cmd, _, args = rest.partition(" ")
        cmd = cmd.upper()
        if cmd == "CAPABILITY":
            s.send("* CAPABILITY %s\r\n%s OK done\r\n" % (caps, tag))
        elif cmd == "AUTHENTICATE":
            if not authenticate(tag, args):
                return
        elif cmd == "LOGOUT":
            s.send("* BYE\r\n%s OK bye\r\n" % tag)
            return
        else:
            s.send("%s BAD no\r\n" % tag)


def imap_sasl_endless(s):
    """LOGINDISABLED, AUTH=PLAIN, no SASL-IR: every answer to AUTHENTICATE
    brings one more empty challenge, without end."""
    def authenticate(tag, args):
        steps = 0
        while True:
            s.send("+ \r\n")
            answer = s.readline()
            if answer is None:
                s.log("challenges: %d" % steps)
                return False
            steps += 1
            if answer == "*":
                s.log("cancelled after %d" % steps)
                s.send("%s BAD cancelled\r\n" % tag)
                return True
    imap_sasl_box(s, IMAP_BOX_CAPS + " LOGINDISABLED AUTH=PLAIN",
                  authenticate)


def imap_oauth_hostile_error(s):
    """OAUTHBEARER with SASL-IR; every token refused with an error
    challenge holding terminal escapes and 5,000 bytes, then a NO that
    holds escapes too. The log records what tern answered."""
    import base64
    err = ('{"status":"invalid_token","x":"\x1b[2J\x1b]0;pwned\x07' +
           "A" * 5000 + '"}')

    def authenticate(tag, args):
        s.log("mechanism: %s" % args.split(" ")[0])
        s.send("+ %s\r\n" % base64.b64encode(err.encode()).decode())
        answer = s.readline()
        if answer is None:
            return False
        s.log("error answer: %s" % answer)
        s.send("%s NO [AUTHENTICATIONFAILED] \x1b[31mrefused\x07\r\n"
               % tag)
        return True
    imap_sasl_box(s, IMAP_BOX_CAPS + " SASL-IR AUTH=OAUTHBEARER AUTH=XOAUTH2",
                  authenticate)


def imap_preauth(s):
    """A PREAUTH greeting, offering STARTTLS (which TLS-required refuses)."""
    imap_box(s, {"greeting": "* PREAUTH [CAPABILITY %s STARTTLS] welcome\r\n"
                 % IMAP_BOX_CAPS, "caps": IMAP_BOX_CAPS + " STARTTLS"})


def imap_garbage_greeting(s):
    """A greeting that is not IMAP at all."""
    imap_box(s, {"greeting": "\x00\x01HTTP/1.1 400 Bad Request\x1b[2J\r\n"})


def imap_untagged_before_starttls(s):
    """Untagged CAPABILITY, LIST and EXISTS before STARTTLS's OK.

    Before TLS the capabilities say LOGINDISABLED and X-EVIL (a client that
    kept them would use AUTHENTICATE); after TLS they do not. The injected
    LIST names a folder "Evil" and EXISTS claims 99 messages; the real
    mailbox has neither. Needs --cert/--key.
    """
    pre = IMAP_BOX_CAPS + " STARTTLS LOGINDISABLED AUTH=PLAIN X-EVIL"
    s.send("* OK [CAPABILITY %s] fake IMAP ready\r\n" % pre)
    while True:
        line = s.readline()
        if line is None:
            return
        parts = line.split(" ", 2)
        tag, cmd = parts[0], (parts[1].upper() if len(parts) > 1 else "")
        if cmd == "CAPABILITY":
            s.send("* CAPABILITY %s\r\n%s OK done\r\n" % (pre, tag))
        elif cmd == "STARTTLS":
            s.send('* CAPABILITY %s\r\n* LIST () "/" Evil\r\n'
                   '* 99 EXISTS\r\n%s OK begin TLS\r\n' % (pre, tag))
            if s.starttls():
                imap_box(s, {"greeting": "",
                             "caps": IMAP_BOX_CAPS + " AUTH=PLAIN"})
            return
        else:
            s.send("%s BAD log in after STARTTLS\r\n" % tag)


def imap_stream_until_closed(s, head, byte):
    """Send HEAD, then BYTE repeated (1 MB at a time, 512 MB at most)."""
    s.send(head)
    chunk = byte * (1 << 20)
    for i in range(512):
        try:
            s.conn.sendall(chunk)
        except OSError as e:
            s.event("client stopped reading after %d MB: %s" % (i, e))
            return
    s.event("sent 512 MB")


def imap_trickle(s):
    """The first FETCH answers one byte every 0.2 s, without end: each
    read is quick, the answer never comes."""
    def takeover(s, tag):
        s.send(b"* 1 FETCH (UID 1 X-JUNK \"")
        for i in range(3000):
            try:
                s.conn.sendall(b"A")
            except OSError as e:
                s.event("client stopped reading after %d bytes: %s" % (i, e))
                return
            time.sleep(0.2)
        s.event("trickled 3000 bytes; closing")

    imap_box(s, {"fetch_takeover": takeover})


def pop3_trickle(s):
    """LIST answers one byte every 0.2 s, without end."""
    s.send("+OK fake POP3 ready\r\n")
    while True:
        line = s.readline()
        if line is None:
            return
        cmd = line.split(" ", 1)[0].upper()
        if cmd in ("USER", "PASS"):
            s.send("+OK\r\n")
        elif cmd == "CAPA":
            s.send("+OK\r\nUSER\r\nUIDL\r\n.\r\n")
        elif cmd == "STAT":
            s.send("+OK 3 300\r\n")
        elif cmd == "LIST":
            s.send("+OK\r\n")
            for i in range(3000):
                try:
                    s.conn.sendall(b"1")
                except OSError as e:
                    s.event("client stopped reading after %d bytes: %s"
                            % (i, e))
                    return
                time.sleep(0.2)
            return
        elif cmd == "QUIT":
            s.send("+OK\r\n")
            return
        else:
            s.send("-ERR no\r\n")


def imap_literal_4g(s):
    """The first FETCH answers with a literal that claims 4 GB, then sends
    data (up to 512 MB) until the client closes."""
    imap_box(s, {"fetch_takeover": lambda s, tag: imap_stream_until_closed(
        s, b"* 1 FETCH (UID 1 BODY[] {4294967296}\r\n", b"x")})


def imap_long_line(s):
    """The first FETCH answers with one line that never ends (100 MB)."""
    def takeover(s, tag):
        s.send(b'* 1 FETCH (UID 1 X-JUNK "')
        chunk = b"A" * (1 << 20)
        for i in range(100):
            try:
                s.conn.sendall(chunk)
            except OSError as e:
                s.event("client stopped reading after %d MB: %s" % (i, e))
                return
        s.event("sent 100 MB without CRLF; closing")

    imap_box(s, {"fetch_takeover": takeover})


def imap_deep_bodystructure(s):
    """A BODYSTRUCTURE nested 10,000 deep in every FETCH."""
    leaf = '("text" "plain" NIL NIL NIL "7bit" 1 1)'
    deep = "(" * 10000 + leaf + ' "mixed")' * 10000

    def item(folder, uid):
        return " BODYSTRUCTURE " + deep

    imap_box(s, {"fetch_item": item})


def imap_nested_flags(s):
    """A FLAGS item in every FETCH whose list nests 64 deep."""
    def item(folder, uid):
        return " FLAGS (\\Seen " + "(" * 64 + ")" * 64 + ")"

    imap_box(s, {"fetch_item": item})


def imap_long_internaldate(s):
    """INTERNALDATE and RFC822.SIZE far too long for their types."""
    def item(folder, uid):
        return (' INTERNALDATE "01-Jan-%s 00:00:00 +0000" RFC822.SIZE %s' %
                ("9" * 4000, "9" * 4000))

    imap_box(s, {"fetch_item": item})


def imap_huge_size(s):
    """RFC822.SIZE and a date just past what 32 bits hold."""
    def item(folder, uid):
        return ' RFC822.SIZE 99999999999999999999'

    imap_box(s, {"fetch_item": item})


def imap_no_text(s):
    """SELECT answered with a bare "NO" (no text)."""
    imap_box(s, {"tagged": {"SELECT": "NO"}})


def imap_empty_status(s):
    """STATUS answered with an empty list, "* STATUS name ()"."""
    imap_box(s, {"status": lambda name: "* STATUS %s ()\r\n" % name})


def imap_no_status(s):
    """STATUS answered with a tagged OK and no STATUS line at all."""
    imap_box(s, {"status": lambda name: ""})


def imap_set_comma(s):
    """UID sets that end in a comma (SEARCH and a COPYUID code)."""
    imap_box(s, {"search": "* SEARCH 1 2 3,\r\n",
                 "select_extra": "* OK [COPYUID 4242 1:3, 5,] odd\r\n"})


IMAP_NOTIFY_CAPS = IMAP_BOX_CAPS + " NOTIFY LIST-STATUS"


def imap_notify_refused(s):
    """NOTIFY and LIST-STATUS offered, then refused: tern idles and polls
    with STATUS."""
    imap_box(s, {"caps": IMAP_NOTIFY_CAPS,
                 "notify": lambda: (b"", "NO [NOTIFY] not today"),
                 "list_status": lambda: (b"", "BAD no RETURN here")})


# STATUS data no folder of tern's has, or that is not STATUS data at all:
# ESC and OSC in a name, numbers too large, an attribute twice, a NUL in a
# literal name, nesting, a name of 2,000 bytes.
IMAP_HOSTILE_STATUS = (
    b'* STATUS "\x1b]0;pwned\x07\x1b[2J" (MESSAGES 1)\r\n'
    b'* STATUS "`touch tern-pwned-4`" (MESSAGES 2)\r\n'
    b"* STATUS Archive (MESSAGES 99999999999)\r\n"
    b"* STATUS Archive (MESSAGES 1 MESSAGES 2)\r\n"
    b"* STATUS {9}\r\nnul\x00after (MESSAGES 3)\r\n"
    b"* STATUS Archive (FOO ((((((((((((1)))))))))))) )\r\n"
    b"* STATUS " + b"x" * 2000 + b" (MESSAGES 4)\r\n"
    b"* STATUS Archive\r\n"
    b"* XYZZY \x1b[31m odd\r\n")


def imap_notify_hostile(s):
    """NOTIFY accepted with hostile STATUS data around the true counts,
    the same in LIST-STATUS's answer; in the first IDLE, news of Archive
    (11 messages from then on) after 20,000 STATUS lines for folders tern
    has not, more than it keeps from one answer."""
    idles = [0]
    archive = [7]

    def idle(s):
        idles[0] += 1
        if idles[0] != 1:
            return
        time.sleep(0.5)
        archive[0] = 11
        s.send(IMAP_HOSTILE_STATUS + b"".join(
            b"* STATUS Nothing%d (MESSAGES %d)\r\n" % (i, i)
            for i in range(20000)) +
            b"* STATUS Archive (MESSAGES 11 UNSEEN 1 UIDNEXT 12)\r\n")

    imap_box(s, {"caps": IMAP_NOTIFY_CAPS, "idle": idle,
                 "notify": lambda: (IMAP_HOSTILE_STATUS, "OK NOTIFY set"),
                 "list_status": lambda: (
                     IMAP_HOSTILE_STATUS + b'* LIST () "/" Archive\r\n'
                     b"* STATUS Archive (MESSAGES %d UNSEEN 0 UIDNEXT %d)\r\n"
                     % (archive[0], archive[0] + 1), "OK listed")})


def imap_notify_literal_4g(s):
    """NOTIFY accepted; in the first IDLE a STATUS whose name is a literal
    of 4 GB: tern drops the connection and connects again."""
    idles = [0]

    def idle(s):
        idles[0] += 1
        if idles[0] == 1:
            s.send(b"* STATUS {4294967296}\r\nArchive (MESSAGES 1)\r\n")

    imap_box(s, {"caps": IMAP_NOTIFY_CAPS, "idle": idle,
                 "notify": lambda: (b"", "OK NOTIFY set")})


def imap_hostile_names(s):
    """Mailbox names with `...`, $(...), /, .., NUL, ESC and bad UTF-8."""
    imap_box(s, {"boxes": [
        "INBOX",
        '"`touch tern-pwned-1`"',
        '"$(touch tern-pwned-2)"',
        '"../../tern-pwned-3"',
        '"/etc/passwd"',
        b"{9}\r\nnul\x00after",
        b'"\x1b]0;pwned\x07\x1b[2J"',
        b'"bad \xff\xfe utf-8 &-Jjo-"',
        '"&AGEAYgBj-bad&-utf7&Zm9v-"',
    ]})


def imap_exists_backwards(s):
    """EXISTS goes down, and EXPUNGE past zero, in the middle of FETCHes."""
    def extra(cmd):
        return "* 2 EXISTS\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n"

    imap_box(s, {"fetch_extra": extra})


def imap_unasked_fetch(s):
    """FETCH responses for UIDs the client never asked for."""
    def extra(cmd):
        return ('* 77 FETCH (UID 9999 FLAGS (\\Flagged) RFC822.SIZE 10 '
                'ENVELOPE (NIL "Never asked" NIL NIL NIL NIL NIL NIL NIL '
                'NIL))\r\n* 78 FETCH (UID 0 FLAGS ())\r\n')

    imap_box(s, {"fetch_extra": extra})


def imap_flag_news(s):
    """Flag news for a message (FLAGS alone) in the answer to its FETCH."""
    def extra(cmd):
        return "* 1 FETCH (UID 1 FLAGS (\\Flagged))\r\n"

    imap_box(s, {"fetch_extra": extra})

# --- POP3 hostile ------------------------------------------------------------

class Pop3MemoryBox(Pop3Box):
    """A Pop3Box of messages in memory: (uidl bytes, data bytes) pairs."""

    def __init__(self, msgs):
        Pop3Box.__init__(self)
        self.msgs = msgs
        self.names = [u.decode("latin-1") for u, _ in msgs]

    def data(self, i):
        return self.msgs[i][1].replace(b"\r\n", b"\n").replace(b"\n",
                                                               b"\r\n")

    def commit(self):
        pass


def pop3_hostile_message(i, subject):
    return (b"From: Hostile <hostile@example.org>\n"
            b"Subject: " + subject + b"\n"
            b"Message-ID: <hostile-%d@example.org>\n\nBody %d.\n" % (i, i))


def pop3_hostile_uidl(s):
    """UIDLs with `...`, $(...), /, .., ESC and bad UTF-8 (USER/PASS)."""
    uidls = [b"`touch tern-pwned-4`", b"$(touch tern-pwned-5)",
             b"../../tern-pwned-6", b"/etc/passwd",
             b"\x1b]0;pwned\x07\x1b[2J", b"bad\xff\xfeutf8", b"nul\x00after"]
    msgs = [(u, pop3_hostile_message(i, b"Hostile UIDL %d" % i))
            for i, u in enumerate(uidls, 1)]
    box = Pop3MemoryBox(msgs)
    s.send("+OK fake POP3 ready\r\n")
    # UIDL lines go out raw: the mailbox loop would encode them as UTF-8.
    orig = s.send

    def send(text):
        if isinstance(text, str) and text.startswith("+OK\r\n1 `"):
            text = b"+OK\r\n" + b"".join(
                b"%d %s\r\n" % (i, u) for i, u in enumerate(uidls, 1)) + \
                b".\r\n"
        return orig(text)

    s.send = send
    pop3_mailbox(s, box, ["USER", "UIDL", "TOP"])


def pop3_stls_mailbox(s):
    """A mailbox ($FAKE_POP3_DIR) behind STLS (needs --cert/--key)."""
    def login(s, cmd, args):
        if cmd != "STLS":
            return False
        s.send("+OK begin TLS\r\n")
        if not s.starttls():
            raise ConnectionResetError("TLS failed")
        return True

    s.send("+OK fake POP3 ready\r\n")
    pop3_mailbox(s, Pop3Box(), ["USER", "UIDL", "TOP", "STLS"], login=login)


def pop3_garbage_greeting(s):
    """A greeting that is not POP3 at all."""
    s.send("\x00\x01HTTP/1.1 400 Bad Request\x1b[2J\r\n")
    pop3_loop(s, ["USER", "UIDL", "TOP", "STLS"])


def pop3_endless_retr(s):
    """LIST says 200 bytes; RETR 1 sends data without end (up to 512 MB)."""
    box = Pop3MemoryBox([(b"endless-1", b"Subject: endless\n\nx\n")])
    s.send("+OK fake POP3 ready\r\n")

    def login(s, cmd, args):
        return False

    orig = s.send

    def send(text):
        if isinstance(text, bytes) and text.startswith(b"+OK\r\nSubject"):
            return imap_stream_until_closed(s, b"+OK\r\n", b"y")
        return orig(text)

    s.send = send
    pop3_mailbox(s, box, ["USER", "UIDL", "TOP"])



# --- SMTP ------------------------------------------------------------------
#
# Submission servers that misbehave; the well-behaved one is
# tests/smtp-server.py (aiosmtpd). smtp_loop answers EHLO, STARTTLS,
# AUTH (any credentials: 235), MAIL, RCPT, DATA (read to the dot, then
# 250), RSET, NOOP and QUIT; RCPT TO a local part starting with "temp" is
# answered 452, with "bad" 550 (its text holding an escape sequence),
# everything else 250. HANDLERS map a command to a function (session,
# args) that answers it instead (False ends the session).

SMTP_EXT = ["PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
            "AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER"]


def smtp_read_data(s):
    """Read a DATA section to its dot; False at EOF."""
    while True:
        line = s.readline()
        if line is None:
            return False
        if line == ".":
            return True


def smtp_rcpt(s, args):
    local = args.partition("<")[2].partition("@")[0].lower()
    if local.startswith("temp"):
        s.send("452 4.2.2 <%s> mailbox full, try later\r\n" % local)
    elif local.startswith("bad"):
        s.send("550 5.1.1 <%s> \x1b[31mno such user\x1b[0m\r\n" % local)
    else:
        s.send("250 2.1.5 ok\r\n")


def smtp_loop(s, ext, handlers=None):
    """Answer SMTP commands until QUIT or EOF; HANDLERS override."""
    handlers = handlers or {}
    while True:
        line = s.readline()
        if line is None:
            return
        cmd, _, args = line.partition(" ")
        cmd = cmd.upper()
        if cmd == "MAIL" or cmd == "RCPT":
            cmd = cmd + " " + args.partition(":")[0].upper()
        if cmd in handlers:
            if handlers[cmd](s, args) is False:
                return
        elif cmd == "EHLO":
            lines = ["fake.test greets " + args] + ext
            s.send("".join("250-%s\r\n" % l for l in lines[:-1]) +
                   "250 %s\r\n" % lines[-1])
        elif cmd == "STARTTLS" and "STARTTLS" in ext:
            s.send("220 2.0.0 go ahead\r\n")
            if not s.starttls():
                return
            ext = [e for e in ext if e != "STARTTLS"]
        elif cmd == "AUTH":
            mech, _, ir = args.partition(" ")
            if mech.upper() == "LOGIN" and not ir:
                s.send("334 VXNlcm5hbWU6\r\n")
                if s.readline() is None:
                    return
                s.send("334 UGFzc3dvcmQ6\r\n")
                if s.readline() is None:
                    return
            elif not ir:
                s.send("334 \r\n")
                if s.readline() is None:
                    return
            s.send("235 2.7.0 authenticated\r\n")
        elif cmd == "MAIL FROM":
            s.send("250 2.1.0 ok\r\n")
        elif cmd == "RCPT TO":
            smtp_rcpt(s, args)
        elif cmd == "DATA":
            s.send("354 go ahead\r\n")
            if not smtp_read_data(s):
                return
            s.send("250 2.0.0 queued\r\n")
        elif cmd in ("RSET", "NOOP"):
            s.send("250 2.0.0 ok\r\n")
        elif cmd == "QUIT":
            s.send("221 2.0.0 bye\r\n")
            return
        else:
            s.send("502 5.5.2 unknown command\r\n")


def smtp_greet(s):
    s.send("220 fake.test ESMTP ready\r\n")


def smtp_mailbox(s):
    """A submission server (PIPELINING, 8BITMIME, any AUTH); RCPT to temp*
    gets 452, to bad* 550 (with an escape sequence in its text)."""
    smtp_greet(s)
    smtp_loop(s, SMTP_EXT)


def smtp_no_pipelining(s):
    """As smtp-mailbox, without PIPELINING: one command at a time."""
    smtp_greet(s)
    smtp_loop(s, [e for e in SMTP_EXT if e != "PIPELINING"])


def smtp_greet_421(s):
    """The greeting is 421: busy, try later; then the connection closes."""
    s.send("421 4.3.2 fake.test busy, try later\r\n")


def smtp_mail_421(s):
    """MAIL FROM is answered 421 and the connection closed."""
    smtp_greet(s)

    def mail(s, args):
        s.send("421 4.3.2 shutting down\r\n")
        return False

    smtp_loop(s, SMTP_EXT, {"MAIL FROM": mail})


def smtp_data_refused(s, reply):
    """The message is read to its final dot, then answered REPLY."""
    smtp_greet(s)

    def data(s, args):
        s.send("354 go ahead\r\n")
        if not smtp_read_data(s):
            return False
        s.send(reply)

    smtp_loop(s, SMTP_EXT, {"DATA": data})


def smtp_data_554(s):
    """The message is refused after its final dot: 554."""
    smtp_data_refused(s, "554 5.6.0 message refused: looks like spam\r\n")


def smtp_data_452(s):
    """The message is refused after its final dot for now: 452."""
    smtp_data_refused(s, "452 4.3.1 insufficient system storage\r\n")


def smtp_drop_after_dot(s):
    """The data is read to its final dot, then the connection drops
    without a reply: the message may or may not have gone."""
    smtp_greet(s)

    def data(s, args):
        s.send("354 go ahead\r\n")
        smtp_read_data(s)
        return False

    smtp_loop(s, SMTP_EXT, {"DATA": data})


def smtp_drop_mid_data(s):
    """The connection drops in the middle of the data (after 64 lines)."""
    smtp_greet(s)

    def data(s, args):
        s.send("354 go ahead\r\n")
        for _ in range(64):
            if s.readline() is None:
                break
        return False

    smtp_loop(s, SMTP_EXT, {"DATA": data})


def smtp_no_starttls(s):
    """EHLO without STARTTLS (plain text), AUTH PLAIN would succeed."""
    smtp_greet(s)
    smtp_loop(s, ["8BITMIME", "AUTH PLAIN LOGIN"])


def smtp_starttls_inject(s):
    """Offers STARTTLS and answers it with the 220 and an injected reply
    in one send; if the client goes on, TLS starts (with --cert/--key)."""
    smtp_greet(s)

    def starttls(s, args):
        s.send("220 2.0.0 go ahead\r\n250 injected\r\n")
        if not s.starttls():
            return False
        smtp_loop(s, SMTP_EXT)
        return False

    smtp_loop(s, ["STARTTLS", "AUTH PLAIN"], {"STARTTLS": starttls})


def smtp_auth_refused(s):
    """AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER offered, every attempt 535;
    an OAuth one after the error challenge of its RFC."""
    smtp_greet(s)

    def auth(s, args):
        mech = args.partition(" ")[0].upper()
        if mech == "LOGIN":
            s.send("334 VXNlcm5hbWU6\r\n")
            if s.readline() is None:
                return False
            s.send("334 UGFzc3dvcmQ6\r\n")
            if s.readline() is None:
                return False
        elif mech in ("XOAUTH2", "OAUTHBEARER"):
            # {"status":"invalid_token"}
            s.send("334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\n")
            if s.readline() is None:
                return False
        s.send("535 5.7.8 authentication failed\r\n")

    smtp_loop(s, SMTP_EXT, {"AUTH": auth})


def smtp_auth_temp(s):
    """Every AUTH is answered 454 4.7.0: a temporary failure."""
    smtp_greet(s)

    def auth(s, args):
        s.send("454 4.7.0 temporary authentication failure\r\n")

    smtp_loop(s, SMTP_EXT, {"AUTH": auth})


def smtp_no_auth(s):
    """EHLO offers no AUTH: the relay knows its clients."""
    smtp_greet(s)
    smtp_loop(s, [e for e in SMTP_EXT if not e.startswith("AUTH")])


def smtp_endless_ehlo(s):
    """EHLO is answered with "250-" lines without end (512 MB at most)."""
    smtp_greet(s)

    def ehlo(s, args):
        chunk = b"250-X-ENDLESS continuation\r\n" * 32768
        for _ in range(512):
            s.conn.sendall(chunk)
        return False

    smtp_loop(s, SMTP_EXT, {"EHLO": ehlo})


def smtp_huge_line(s):
    """EHLO is answered with one line that never ends (100 MB)."""
    smtp_greet(s)

    def ehlo(s, args):
        s.conn.sendall(b"250-")
        chunk = b"x" * (1024 * 1024)
        for _ in range(100):
            s.conn.sendall(chunk)
        return False

    smtp_loop(s, SMTP_EXT, {"EHLO": ehlo})


def smtp_silent_after_greeting(s):
    """Greets, then never answers again (timeout tests)."""
    smtp_greet(s)
    while s.readline() is not None:
        pass


SCENARIOS = {
    "imap-sasl-endless": imap_sasl_endless,
    "imap-oauth-hostile-error": imap_oauth_hostile_error,
    "imap-no-starttls": imap_no_starttls,
    "imap-starttls-inject": imap_starttls_inject,
    "imap-silent": imap_silent,
    "pop3-no-stls": pop3_no_stls,
    "pop3-userpass": pop3_userpass,
    "pop3-apop": pop3_apop,
    "pop3-sasl-plain": pop3_sasl_plain,
    "pop3-no-uidl": pop3_no_uidl,
    "pop3-no-uidl-drop-at-quit": pop3_no_uidl_drop_at_quit,
    "pop3-in-use": pop3_in_use,
    "pop3-stls-inject": pop3_stls_inject,
    "pop3-drop-at-quit": pop3_drop_at_quit,
    "pop3-drop-mid-retr": pop3_drop_mid_retr,
    "imap-mailbox": imap_mailbox,
    "imap-starttls-mailbox": imap_starttls_mailbox,
    "imap-preauth": imap_preauth,
    "imap-auth-plain": imap_auth_plain,
    "imap-garbage-greeting": imap_garbage_greeting,
    "imap-untagged-before-starttls": imap_untagged_before_starttls,
    "imap-literal-4g": imap_literal_4g,
    "imap-long-line": imap_long_line,
    "imap-deep-bodystructure": imap_deep_bodystructure,
    "imap-long-internaldate": imap_long_internaldate,
    "imap-huge-size": imap_huge_size,
    "imap-no-text": imap_no_text,
    "imap-empty-status": imap_empty_status,
    "imap-no-status": imap_no_status,
    "imap-set-comma": imap_set_comma,
    "imap-hostile-names": imap_hostile_names,
    "imap-notify-refused": imap_notify_refused,
    "imap-notify-hostile": imap_notify_hostile,
    "imap-notify-literal-4g": imap_notify_literal_4g,
    "imap-exists-backwards": imap_exists_backwards,
    "imap-unasked-fetch": imap_unasked_fetch,
    "imap-flag-news": imap_flag_news,
    "pop3-hostile-uidl": pop3_hostile_uidl,
    "pop3-endless-retr": pop3_endless_retr,
    "imap-trickle": imap_trickle,
    "imap-nested-flags": imap_nested_flags,
    "pop3-trickle": pop3_trickle,
    "pop3-garbage-greeting": pop3_garbage_greeting,
    "pop3-stls-mailbox": pop3_stls_mailbox,
    "smtp-mailbox": smtp_mailbox,
    "smtp-no-pipelining": smtp_no_pipelining,
    "smtp-greet-421": smtp_greet_421,
    "smtp-mail-421": smtp_mail_421,
    "smtp-data-554": smtp_data_554,
    "smtp-data-452": smtp_data_452,
    "smtp-drop-after-dot": smtp_drop_after_dot,
    "smtp-drop-mid-data": smtp_drop_mid_data,
    "smtp-no-starttls": smtp_no_starttls,
    "smtp-starttls-inject": smtp_starttls_inject,
    "smtp-auth-refused": smtp_auth_refused,
    "smtp-auth-temp": smtp_auth_temp,
    "smtp-no-auth": smtp_no_auth,
    "smtp-endless-ehlo": smtp_endless_ehlo,
    "smtp-huge-line": smtp_huge_line,
    "smtp-silent-after-greeting": smtp_silent_after_greeting,
}


def main():
    p = argparse.ArgumentParser(description="misbehaving IMAP/POP3 server")
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--drop-after", type=int)
    p.add_argument("--hang-after", type=int)
    p.add_argument("--list", action="store_true")
    p.add_argument("scenario", nargs="?")
    a = p.parse_args()
    if a.list:
        for name, fn in sorted(SCENARIOS.items()):
            print("%-24s %s" % (name, (fn.__doc__ or "").split("\n")[0]))
        return 0
    if a.scenario not in SCENARIOS or not a.port_file:
        p.error("need --port-file and one of: " + ", ".join(sorted(SCENARIOS)))

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(a.timeout)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, a.port_file)

    logf = open(a.log, "a") if a.log else None
    try:
        conn, peer = srv.accept()
    except socket.timeout:
        print("fake-server: no client within %gs" % a.timeout,
              file=sys.stderr)
        return 1
    srv.close()
    s = Session(conn, logf, a.timeout, a.cert, a.key)
    s.event("client %s:%d, scenario %s" % (peer[0], peer[1], a.scenario))
    s.drop_after = a.drop_after
    s.hang_after = a.hang_after
    try:
        if not a.tls or s.starttls():
            SCENARIOS[a.scenario](s)
    except (BrokenPipeError, ConnectionResetError, socket.timeout) as e:
        s.event("connection ends: %s" % e)
    finally:
        try:
            s.conn.close()
        except OSError:
            pass
        if logf:
            logf.close()
    s.event("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
