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


SCENARIOS = {
    "imap-no-starttls": imap_no_starttls,
    "imap-starttls-inject": imap_starttls_inject,
    "imap-silent": imap_silent,
    "pop3-no-stls": pop3_no_stls,
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
