#!/usr/bin/env python3
"""The protocol floor for bench/imap: log in, SELECT, one
UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE), log out,
reading the bytes and storing nothing. Prints seconds and bytes.
With --references the FETCH also asks for
BODY.PEEK[HEADER.FIELDS (References)], as tern's header sync does. With
--batch N the messages are fetched N at a time by sequence number, newest
first, one command after the other (as tern's cold sync does), to see what
the server's cost per command is."""
import re
import socket
import ssl
import sys
import time


def main():
    args = sys.argv[1:]
    refs = b""
    batch = 0
    while args and args[0].startswith("--"):
        if args[0] == "--references":
            refs = b" BODY.PEEK[HEADER.FIELDS (References)]"
            args = args[1:]
        elif args[0] == "--batch":
            batch = int(args[1])
            args = args[2:]
        else:
            raise SystemExit("usage: imap-floor.py [--references] "
                             "[--batch N] PORT CA USER PASS")
    port, ca, user, password = args[0:4]
    t0 = time.monotonic()
    ctx = ssl.create_default_context(cafile=ca)
    sock = ctx.wrap_socket(socket.create_connection(("localhost", int(port))),
                           server_hostname="localhost")
    buf = b""
    total = 0

    exists = 0

    def until(tag):
        nonlocal buf, total, exists
        while True:
            i = buf.find(tag)
            if i >= 0 and (i == 0 or buf[i - 1:i] == b"\n"):
                j = buf.find(b"\r\n", i)
                if j >= 0:
                    buf = buf[j + 2:]
                    return
            data = sock.recv(1 << 20)
            if not data:
                raise SystemExit("connection closed")
            total += len(data)
            if exists == 0:
                m = re.search(rb"\* (\d+) EXISTS", buf + data)
                if m:
                    exists = int(m.group(1))
            # Keep only the tail: a tagged line cannot be longer.
            buf = buf[-4096:] + data

    until(b"* OK")
    sock.sendall(b"a1 LOGIN %s %s\r\n" % (user.encode(), password.encode()))
    until(b"a1 ")
    sock.sendall(b"a2 SELECT INBOX\r\n")
    until(b"a2 ")
    items = b"(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE" + refs + b")"
    if batch == 0:
        sock.sendall(b"a3 UID FETCH 1:* " + items + b"\r\n")
        until(b"a3 ")
    hi = exists if batch > 0 else 0
    while hi > 0:
        lo = max(1, hi - batch + 1)
        sock.sendall(b"b%d FETCH %d:%d %s\r\n" % (hi, lo, hi, items))
        until(b"b%d " % hi)
        hi = lo - 1
    sock.sendall(b"a4 LOGOUT\r\n")
    until(b"a4 ")
    print("%.3f %d" % (time.monotonic() - t0, total))


main()
