#!/usr/bin/env python3
"""A small scriptable IMAP/POP3 server that misbehaves on purpose.

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

    def event(self, what):
        print("fake-server: %s" % what, file=sys.stderr, flush=True)

    def send(self, text):
        if isinstance(text, str):
            text = text.encode("utf-8")
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


SCENARIOS = {
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
}


def main():
    p = argparse.ArgumentParser(description="misbehaving IMAP/POP3 server")
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--cert")
    p.add_argument("--key")
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
    try:
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
