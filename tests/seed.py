#!/usr/bin/env python3
"""Generate test mail for tern: the harness's mailboxes and benchmark input.

Python 3 from Debian, standard library only.

Usage:
  seed.py harness MAILDIR N [--corpus DIR]
      Build a user's whole Maildir++ tree for the harness dovecot:
      INBOX with N generated messages, Archive and Sent with a handful each
      (ARCHIVE_COUNT, SENT_COUNT below), the empty special folders Drafts,
      Trash and Junk, and with --corpus (if DIR exists) a folder "Corpus"
      holding every *.eml under DIR, recursively, in path order.
  seed.py maildir DIR N      one maildir (cur/new/tmp + dovecot-uidlist)
  seed.py mbox FILE N        one mbox file (From_ lines, >From quoting)
  seed.py message I N        message I of N on standard output

Generated message I of N (1-based), the same in every output form:
  Subject:    "Message %05d of N"  (i zero-padded to 5 digits, N not padded:
              "Message 00042 of 50")
  From:       "Sender I <sender-I@example.org>"
  To:         alice@example.org
  Message-ID: <seed-I@example.org>
  Date:       2025-01-01 00:00 UTC plus I minutes (the highest UID is the
              newest); the maildir file's mtime (dovecot's INTERNALDATE) is
              the same instant
  Body:       "Body of message I.\n" and then 2 to 6 lines
              "Line K of message I.\n" (K from 1; (I % 5) + 2 lines), so
              sizes differ a little
  Flags:      \\Seen when I % 3 == 0, \\Flagged when I % 10 == 0 (maildir
              ":2,S", ":2,F", ":2,FS"); every other message has no flag.
              The mbox form carries no flags.
Maildir output writes dovecot-uidlist itself, so message I gets UID I exactly;
the next UID is N + 1. UIDVALIDITY is the current time (plus the folder's
index in the harness tree, so folders differ) unless --uidvalidity is given.
"""

import argparse
import email.utils
import os
import sys
import time
import uuid

BASE = 1735689600          # 2025-01-01 00:00:00 UTC
ARCHIVE_COUNT = 5
SENT_COUNT = 4
SPECIAL = ["Drafts", "Sent", "Trash", "Junk", "Archive"]


def rfc2822(ts):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))


def flags_for(i):
    f = ""
    if i % 10 == 0:
        f += "F"
    if i % 3 == 0:
        f += "S"
    return f


def message(i, n):
    ts = BASE + 60 * i
    lines = [
        "Return-Path: <sender-%d@example.org>" % i,
        "Date: %s" % rfc2822(ts),
        "From: Sender %d <sender-%d@example.org>" % (i, i),
        "To: alice@example.org",
        "Subject: Message %05d of %d" % (i, n),
        "Message-ID: <seed-%d@example.org>" % i,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 7bit",
        "",
        "Body of message %d." % i,
    ]
    for k in range(1, (i % 5) + 3):
        lines.append("Line %d of message %d." % (k, i))
    return ("\n".join(lines) + "\n").encode("ascii"), ts


def side_message(kind, k):
    """A message of the Archive ("archive") or Sent ("sent") folder."""
    ts = BASE - 86400 + 3600 * k
    if kind == "sent":
        frm = "Alice <alice@example.org>"
        to = "Friend %d <friend-%d@example.net>" % (k, k)
        subject = "Sent %d" % k
    else:
        frm = "Archivist %d <archivist-%d@example.org>" % (k, k)
        to = "alice@example.org"
        subject = "Archived %d" % k
    text = (
        "Date: %s\n"
        "From: %s\n"
        "To: %s\n"
        "Subject: %s\n"
        "Message-ID: <%s-%d@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        "This is %s message %d.\n"
        % (rfc2822(ts), frm, to, subject, kind, k, kind, k))
    return text.encode("ascii"), ts


class Maildir:
    """Writes one maildir with a dovecot-uidlist giving UIDs in add order."""

    def __init__(self, path, uidvalidity, subfolder=False):
        self.path = path
        self.uidvalidity = uidvalidity
        self.entries = []
        self.cur = os.path.join(path, "cur") + os.sep
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, d), exist_ok=True)
        if subfolder:
            open(os.path.join(path, "maildirfolder"), "w").close()

    def add(self, data, ts, flags=""):
        uid = len(self.entries) + 1
        base = "%d.M%dP%d.seed,S=%d" % (ts, uid, os.getpid(), len(data))
        name = self.cur + base + ":2," + flags
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
            os.utime(fd, (ts, ts))
        finally:
            os.close(fd)
        self.entries.append((uid, base))

    def close(self):
        out = ["3 V%d N%d G%s\n" % (self.uidvalidity,
                                     len(self.entries) + 1, uuid.uuid4().hex)]
        out.extend("%d :%s\n" % e for e in self.entries)
        tmp = os.path.join(self.path, "dovecot-uidlist.seed-tmp")
        with open(tmp, "w") as f:
            f.write("".join(out))
        os.rename(tmp, os.path.join(self.path, "dovecot-uidlist"))


def fill_generated(md, n):
    for i in range(1, n + 1):
        data, ts = message(i, n)
        md.add(data, ts, flags_for(i))


def header_date(data):
    """The Date: header of DATA as a timestamp, else a fixed old date."""
    head = data.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\n"):
        if line[:5].lower() == b"date:":
            try:
                t = email.utils.parsedate_tz(line[5:].decode("latin-1"))
                if t:
                    ts = email.utils.mktime_tz(t)
                    if 0 < ts < 2 ** 31:
                        return ts
            except (ValueError, OverflowError):
                pass
            break
    return BASE - 7 * 86400


def corpus_files(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith(".eml"):
                found.append(os.path.join(dirpath, fn))
    return sorted(found)


def cmd_harness(args):
    root = args.path
    uv = args.uidvalidity or int(time.time())
    inbox = Maildir(root, uv)
    fill_generated(inbox, args.n)
    inbox.close()
    for idx, name in enumerate(SPECIAL, start=1):
        md = Maildir(os.path.join(root, "." + name), uv + idx, True)
        if name == "Archive":
            for k in range(1, ARCHIVE_COUNT + 1):
                md.add(*side_message("archive", k), flags="S")
        elif name == "Sent":
            for k in range(1, SENT_COUNT + 1):
                md.add(*side_message("sent", k), flags="S")
        md.close()
    if args.corpus and os.path.isdir(args.corpus):
        files = corpus_files(args.corpus)
        md = Maildir(os.path.join(root, ".Corpus"), uv + len(SPECIAL) + 1,
                     True)
        for fn in files:
            with open(fn, "rb") as f:
                data = f.read()
            md.add(data, header_date(data))
        md.close()
        print("Corpus %d" % len(files))
    print("INBOX %d" % args.n)


def cmd_maildir(args):
    md = Maildir(args.path, args.uidvalidity or int(time.time()))
    fill_generated(md, args.n)
    md.close()


def cmd_mbox(args):
    with open(args.path, "wb") as f:
        for i in range(1, args.n + 1):
            data, ts = message(i, args.n)
            stamp = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(ts))
            f.write(("From sender-%d@example.org %s\n" % (i, stamp))
                    .encode("ascii"))
            for line in data.split(b"\n")[:-1]:
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line + b"\n")
            f.write(b"\n")


def cmd_message(args):
    data, _ = message(args.i, args.n)
    sys.stdout.buffer.write(data)


def main():
    p = argparse.ArgumentParser(
        description="generate test mail for tern (see the file's docstring)")
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("harness", help="a user's Maildir++ tree")
    h.add_argument("path")
    h.add_argument("n", type=int)
    h.add_argument("--corpus")
    h.add_argument("--uidvalidity", type=int)
    m = sub.add_parser("maildir", help="one maildir")
    m.add_argument("path")
    m.add_argument("n", type=int)
    m.add_argument("--uidvalidity", type=int)
    b = sub.add_parser("mbox", help="one mbox file")
    b.add_argument("path")
    b.add_argument("n", type=int)
    g = sub.add_parser("message", help="one message on stdout")
    g.add_argument("i", type=int)
    g.add_argument("n", type=int)
    args = p.parse_args()
    {"harness": cmd_harness, "maildir": cmd_maildir, "mbox": cmd_mbox,
     "message": cmd_message}[args.cmd](args)


if __name__ == "__main__":
    main()
