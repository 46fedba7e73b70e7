#!/usr/bin/env python3
"""A server-neutral "other client" for tern's tests: IMAP and POP3 over TLS.

Python 3 from Debian, standard library only. It speaks to the harness's
server (dovecot, Cyrus or mailutils: tests/harness.sh) as another mail
client would, so that a test can change the mailbox behind tern's back and
read what the server holds, on any of the three.

Connection (from the environment harness_start exports; options override):
  --host H (localhost)  --port P ($HARNESS_IMAPS_PORT; POP3: $HARNESS_POP3S_PORT)
  --user U ($HARNESS_USER)  --pass P ($HARNESS_PASS)  --ca FILE ($HARNESS_CA)
Implicit TLS, the certificate checked against the CA with the host name.
Folder names are given as the user sees them (UTF-8) and sent in modified
UTF-7. Every command logs in, does its work and logs out (mailutils only
shows a session's flag changes to others once it ends).

Commands (exit 0 on success; 1 with a message on stderr otherwise):
  state [FOLDER]              "UID FLAGS SUBJECT" per message, by UID, as
                              harness_server_state prints them (FLAGS as
                              tern's bits: 1 seen, 2 answered, 4 flagged,
                              8 deleted, 16 draft; SUBJECT RFC 2047-decoded)
  flag add|remove FLAGS UIDSET [--folder F]
                              FLAGS e.g. '\\Flagged \\Seen'; every UID of
                              UIDSET must exist (a server taking a missing
                              UID as another message is never asked)
  expunge UIDSET [--folder F] expunge exactly those messages: UID EXPUNGE
                              with UIDPLUS, else \\Deleted + EXPUNGE with the
                              \\Deleted of every other message lifted for
                              the time of it and set again after
  append [FOLDER] [--flags F] [--date D]
                              the message on stdin (LF or CRLF) goes into
                              FOLDER (default INBOX) with INTERNALDATE D
                              (IMAP date-time, default now); prints its UID
                              (APPENDUID, else found by its Message-ID)
  search FOLDER KEY...        the server's own UID SEARCH; each KEY is one
                              IMAP token sent as is, except that a token
                              with a space, a quote or a non-ASCII byte is
                              sent as a literal (and then CHARSET UTF-8 is
                              asked for); prints the UIDs, ascending
  fetch FOLDER UID            the message's bytes (BODY.PEEK[]) on stdout
  uids [FOLDER]               the UIDs, ascending, one a line
  create NAME [--use ROLE] [--subscribe]
                              ROLE e.g. \\Archive (sent only when the
                              server has CREATE-SPECIAL-USE)
  delete NAME
  list                        "NAME<TAB>ATTRIBUTES" of every folder
  caps                        the capabilities after login, one a line
  seed N [--bare]             what harness_start does for a user on the
                              servers without doveadm: the special folders
                              Drafts Sent Trash Junk Archive (with their
                              SPECIAL-USE role where the server can),
                              subscribed; INBOX gets the N messages of
                              tests/seed.py, Archive 5, Sent 4 (not with
                              --bare)
  pop-list                    POP3 LIST: "N SIZE" per message
  pop-uidl                    POP3 UIDL: "N UIDL" per message
  pop-count                   the number of messages (STAT)
"""

import argparse
import base64
import email.header
import os
import poplib
import re
import socket
import ssl
import sys
import time

# No __pycache__ beside the sources (a dist's may be read-only).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed  # noqa: E402

FLAG_BITS = {"\\seen": 1, "\\answered": 2, "\\flagged": 4, "\\deleted": 8,
             "\\draft": 16}
SPECIAL = [("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"),
           ("Junk", "\\Junk"), ("Archive", "\\Archive")]


class Error(Exception):
    pass


# --- modified UTF-7 (RFC 3501 5.1.3) ---------------------------------------

def mutf7_encode(name):
    out, buf = [], []

    def flush():
        if buf:
            raw = "".join(buf).encode("utf-16-be")
            b = base64.b64encode(raw).decode().rstrip("=").replace("/", ",")
            out.append("&" + b + "-")
            buf.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def dec(m):
        s = m.group(1)
        if s == "":
            return "&"
        s = s.replace(",", "/")
        s += "=" * (-len(s) % 4)
        return base64.b64decode(s).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, name)


# --- a small IMAP client -----------------------------------------------------

class Lit:
    """A literal argument."""

    def __init__(self, data):
        self.data = data if isinstance(data, bytes) else data.encode()


def quote(s):
    """An IMAP string for S: quoted when it can be, else a literal."""
    if isinstance(s, str):
        b = s.encode()
    else:
        b = s
    if all(0x20 <= c < 0x7f for c in b) and b'"' not in b and b"\\" not in b:
        return '"' + b.decode() + '"'
    return Lit(b)


def tokenize(segments):
    """Parse a response's segments (str text, bytes literals) into nested
    lists of str/bytes tokens (NIL is None)."""
    stack = [[]]
    for seg in segments:
        if isinstance(seg, bytes):
            stack[-1].append(seg)
            continue
        i, n = 0, len(seg)
        while i < n:
            c = seg[i]
            if c in " \r\n":
                i += 1
            elif c == "(":
                stack.append([])
                i += 1
            elif c == ")":
                done = stack.pop()
                stack[-1].append(done)
                i += 1
            elif c == '"':
                j, val = i + 1, []
                while j < n and seg[j] != '"':
                    if seg[j] == "\\" and j + 1 < n:
                        j += 1
                    val.append(seg[j])
                    j += 1
                stack[-1].append("".join(val))
                i = j + 1
            elif c == "{" and seg.rstrip("\r\n").endswith("}"):
                # The literal marker; its data is the next segment.
                i = n
            else:
                j, depth = i, 0
                while j < n:
                    if seg[j] == "[":
                        depth += 1
                    elif seg[j] == "]":
                        depth -= 1
                    elif depth == 0 and seg[j] in " ()\r\n":
                        break
                    j += 1
                tok = seg[i:j]
                stack[-1].append(None if tok.upper() == "NIL" else tok)
                i = j
    while len(stack) > 1:
        done = stack.pop()
        stack[-1].append(done)
    return stack[0]


class Imap:
    def __init__(self, host, port, ca, timeout=30):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        self.rfile = self.sock.makefile("rb")
        self.tagn = 0
        self.caps = set()
        greeting = self._read_response()
        self._note_caps(greeting[0])

    def _readline(self):
        line = self.rfile.readline()
        if not line:
            raise Error("the server closed the connection")
        return line

    def _read_response(self):
        """One response: a list of segments (str text, bytes literals)."""
        segs = []
        while True:
            line = self._readline().decode("utf-8", "replace")
            segs.append(line)
            m = re.search(r"\{(\d+)\+?\}\r?\n$", line)
            if not m:
                return segs
            n = int(m.group(1))
            data = self.rfile.read(n)
            if len(data) != n:
                raise Error("short literal")
            segs.append(data)

    def _note_caps(self, text):
        m = re.search(r"\[CAPABILITY ([^\]]*)\]", text, re.I)
        if m:
            self.caps = set(m.group(1).upper().split())

    def cmd(self, *parts):
        """Send a command; return (status, text, [untagged responses]),
        each untagged response a list of segments."""
        self.tagn += 1
        tag = "t%d" % self.tagn
        out = [tag.encode()]
        lplus = "LITERAL+" in self.caps
        chunks = []
        for p in parts:
            if isinstance(p, Lit):
                if lplus:
                    out.append(b"{%d+}\r\n" % len(p.data) + p.data)
                else:
                    out.append(b"{%d}" % len(p.data))
                    chunks.append(b" ".join(out) + b"\r\n")
                    out = [p.data]
            else:
                out.append(p.encode() if isinstance(p, str) else p)
        tail = b" ".join(out)
        untagged = []
        for ch in chunks:
            self.sock.sendall(ch)
            while True:
                segs = self._read_response()
                if segs[0].startswith("+"):
                    break
                if segs[0].startswith(tag + " "):
                    raise Error("literal refused: " + segs[0].strip())
                untagged.append(segs)
        self.sock.sendall(tail + b"\r\n")
        while True:
            segs = self._read_response()
            first = segs[0]
            if first.startswith(tag + " "):
                st = first[len(tag) + 1:].split(" ", 1)
                status = st[0].upper()
                text = st[1].strip() if len(st) > 1 else ""
                self._note_caps(first)
                return status, text, untagged
            if first.startswith("+"):
                raise Error("unexpected continuation: " + first.strip())
            self._note_caps(first)
            if re.match(r"\* CAPABILITY ", first, re.I):
                self.caps = set(first.strip().upper().split()[2:])
            untagged.append(segs)

    def ok(self, *parts):
        status, text, untagged = self.cmd(*parts)
        if status != "OK":
            raise Error("%s: %s %s" % (" ".join(
                p if isinstance(p, str) else "{literal}" for p in parts),
                status, text))
        return text, untagged

    def login(self, user, password):
        self.ok("LOGIN", quote(user), quote(password))
        if not any(c.startswith("IMAP4") for c in self.caps):
            self.ok("CAPABILITY")

    def select(self, folder, readonly=False):
        text, untagged = self.ok("EXAMINE" if readonly else "SELECT",
                                 quote(mutf7_encode(folder)))
        exists = 0
        for segs in untagged:
            m = re.match(r"\* (\d+) EXISTS", segs[0], re.I)
            if m:
                exists = int(m.group(1))
        return exists

    def logout(self):
        try:
            self.cmd("LOGOUT")
        except (Error, OSError):
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def fetch(self, uidset, items):
        """UID FETCH: {uid: {ITEM: value}} for the UIDs the server names
        (only those of UIDSET: a FETCH naming another UID is dropped)."""
        want = parse_uidset(uidset)
        _, untagged = self.ok("UID", "FETCH", uidset, items)
        res = {}
        for segs in untagged:
            if not re.match(r"\* \d+ FETCH ", segs[0], re.I):
                continue
            toks = tokenize(segs)
            lst = toks[3] if len(toks) > 3 and isinstance(toks[3], list) \
                else []
            d = {}
            for k in range(0, len(lst) - 1, 2):
                key = lst[k].upper() if isinstance(lst[k], str) else lst[k]
                d[key] = lst[k + 1]
            if "UID" not in d:
                continue
            uid = int(d["UID"])
            if want is not None and uid not in want:
                continue
            res.setdefault(uid, {}).update(d)
        return res

    def uid_search(self, *keys):
        _, untagged = self.ok("UID", "SEARCH", *keys)
        uids = []
        for segs in untagged:
            m = re.match(r"\* SEARCH\b(.*)", segs[0], re.I)
            if m:
                uids.extend(int(x) for x in m.group(1).split()
                            if x.isdigit())
        return sorted(set(uids))

    def all_uids(self):
        return sorted(self.fetch("1:*", "(UID)").keys())


def parse_uidset(s):
    """The UIDs of a set without '*', else None."""
    if "*" in s:
        return None
    out = set()
    for part in s.split(","):
        if ":" in part:
            a, b = part.split(":")
            a, b = int(a), int(b)
            out.update(range(min(a, b), max(a, b) + 1))
        else:
            out.add(int(part))
    return out


def uidset_of(uids):
    return ",".join(str(u) for u in sorted(uids))


def flag_bits(flags):
    if not isinstance(flags, list):
        return 0
    return sum(FLAG_BITS.get(f.lower(), 0) for f in flags
               if isinstance(f, str))


def decode_subject(raw):
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    m = re.search(r"^subject:(.*(?:\r?\n[ \t].*)*)", raw, re.I | re.M)
    if not m:
        return ""
    value = re.sub(r"\r?\n(?=[ \t])", "", m.group(1)).strip()
    try:
        parts = email.header.decode_header(value)
        return "".join(p.decode(c or "utf-8", "replace")
                       if isinstance(p, bytes) else p for p, c in parts)
    except Exception:  # noqa: BLE001 - shown as the server sent it
        return value


def imap_date(ts):
    return time.strftime('"%d-%b-%Y %H:%M:%S +0000"', time.gmtime(ts))


def crlf(data):
    return re.sub(rb"\r?\n", b"\r\n", data)


# --- commands ----------------------------------------------------------------

def connect(a):
    c = Imap(a.host, a.port or int(os.environ["HARNESS_IMAPS_PORT"]), a.ca)
    c.login(a.user, a.password)
    return c


def cmd_state(a, c):
    folder = a.args[0] if a.args else "INBOX"
    exists = c.select(folder, readonly=True)
    if exists == 0:
        return
    flags = c.fetch("1:*", "(UID FLAGS)")
    subj = c.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for uid in sorted(flags):
        raw = b""
        for k, v in subj.get(uid, {}).items():
            if isinstance(k, str) and k.startswith("BODY[") and \
                    isinstance(v, bytes):
                raw = v
        print(uid, flag_bits(flags[uid].get("FLAGS")), decode_subject(raw))


def check_uids(c, uidset):
    """The UIDs of UIDSET, each confirmed present on the server."""
    want = parse_uidset(uidset)
    have = set(c.fetch(uidset, "(UID)").keys())
    missing = sorted(want - have)
    if missing:
        raise Error("no message with UID %s" % uidset_of(missing))
    return sorted(want)


def cmd_flag(a, c):
    if len(a.args) != 3 or a.args[0] not in ("add", "remove"):
        raise Error("usage: flag add|remove FLAGS UIDSET [--folder F]")
    how, flags, uidset = a.args
    c.select(a.folder)
    uids = check_uids(c, uidset)
    c.ok("UID", "STORE", uidset_of(uids),
         ("+" if how == "add" else "-") + "FLAGS.SILENT", "(%s)" % flags)


def cmd_expunge(a, c):
    if len(a.args) != 1:
        raise Error("usage: expunge UIDSET [--folder F]")
    c.select(a.folder)
    uids = check_uids(c, a.args[0])
    s = uidset_of(uids)
    c.ok("UID", "STORE", s, "+FLAGS.SILENT", "(\\Deleted)")
    if "UIDPLUS" in c.caps:
        c.ok("UID", "EXPUNGE", s)
    else:
        others = [u for u in c.uid_search("DELETED") if u not in uids]
        if others:
            c.ok("UID", "STORE", uidset_of(others), "-FLAGS.SILENT",
                 "(\\Deleted)")
        c.ok("EXPUNGE")
        if others:
            c.ok("UID", "STORE", uidset_of(others), "+FLAGS.SILENT",
                 "(\\Deleted)")
    left = set(c.all_uids()) & set(uids)
    if left:
        raise Error("UID %s still there after EXPUNGE" % uidset_of(left))


def message_id_of(data):
    m = re.search(rb"^message-id:\s*(<[^>\r\n]*>)", data, re.I | re.M)
    return m.group(1).decode("ascii", "replace") if m else None


def append(c, folder, data, flags="", ts=None, find=True):
    """APPEND DATA to FOLDER; return its UID (None when not FIND and the
    server has no UIDPLUS, or when it cannot be found)."""
    data = crlf(data)
    parts = ["APPEND", quote(mutf7_encode(folder))]
    if flags:
        parts.append("(%s)" % flags)
    parts.append(imap_date(ts if ts is not None else time.time()))
    parts.append(Lit(data))
    text, _ = c.ok(*parts)
    m = re.search(r"\[APPENDUID \d+ (\d+)\]", text, re.I)
    if m:
        return int(m.group(1))
    mid = message_id_of(data)
    if mid is None or not find:
        return None
    c.select(folder, readonly=True)
    uids = c.uid_search("HEADER", "Message-ID", quote(mid))
    c.cmd("UNSELECT")
    return uids[-1] if uids else None


def cmd_append(a, c):
    folder = a.args[0] if a.args else "INBOX"
    data = sys.stdin.buffer.read()
    ts = None
    if a.date:
        ts = time.mktime(time.strptime(a.date, "%d-%b-%Y %H:%M:%S +0000")) \
            - time.timezone
    uid = append(c, folder, data, a.flags or "", ts)
    if uid is None:
        raise Error("appended, but its UID is unknown")
    print(uid)


def cmd_search(a, c):
    if len(a.args) < 2:
        raise Error("usage: search FOLDER KEY...")
    c.select(a.args[0], readonly=True)
    keys, utf8 = [], False
    for k in a.args[1:]:
        b = k.encode()
        if any(x >= 0x80 for x in b):
            utf8 = True
            keys.append(Lit(b))
        elif re.search(r'[ "\\(){]', k) or k == "":
            keys.append(quote(k))
        else:
            keys.append(k)
    if utf8:
        keys = ["CHARSET", "UTF-8"] + keys
    for u in c.uid_search(*keys):
        print(u)


def cmd_fetch(a, c):
    if len(a.args) != 2:
        raise Error("usage: fetch FOLDER UID")
    c.select(a.args[0], readonly=True)
    uid = int(a.args[1])
    got = c.fetch(str(uid), "(UID BODY.PEEK[])").get(uid)
    if not got:
        raise Error("no message with UID %d" % uid)
    for k, v in got.items():
        if isinstance(k, str) and k.startswith("BODY[") and \
                isinstance(v, bytes):
            sys.stdout.buffer.write(v)
            return
    raise Error("no body in the FETCH response")


def cmd_uids(a, c):
    if c.select(a.args[0] if a.args else "INBOX", readonly=True):
        for u in c.all_uids():
            print(u)


def create(c, name, use=None, subscribe=False):
    parts = ["CREATE", quote(mutf7_encode(name))]
    if use and "CREATE-SPECIAL-USE" in c.caps:
        parts.append("(USE (%s))" % use)
    c.ok(*parts)
    if subscribe:
        c.ok("SUBSCRIBE", quote(mutf7_encode(name)))


def cmd_create(a, c):
    if len(a.args) != 1:
        raise Error("usage: create NAME [--use ROLE] [--subscribe]")
    create(c, a.args[0], a.use, a.subscribe)


def cmd_delete(a, c):
    if len(a.args) != 1:
        raise Error("usage: delete NAME")
    c.ok("DELETE", quote(mutf7_encode(a.args[0])))


def cmd_list(a, c):
    _, untagged = c.ok("LIST", '""', '"*"')
    for segs in untagged:
        if not re.match(r"\* LIST ", segs[0], re.I):
            continue
        toks = tokenize(segs)
        attrs, name = toks[2], toks[4]
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        print("%s\t%s" % (mutf7_decode(name or ""), " ".join(attrs or [])))


def cmd_caps(a, c):
    for cap in sorted(c.caps):
        print(cap)


def cmd_seed(a, c):
    if len(a.args) != 1 or not a.args[0].isdigit():
        raise Error("usage: seed N [--bare]")
    n = int(a.args[0])
    for name, role in SPECIAL:
        create(c, name, role, subscribe=True)
    if a.bare:
        return
    for i in range(1, n + 1):
        data, ts = seed.message(i, n)
        flags = []
        if i % 3 == 0:
            flags.append("\\Seen")
        if i % 10 == 0:
            flags.append("\\Flagged")
        append(c, "INBOX", data, " ".join(flags), ts, find=False)
    for folder, kind, count in (("Archive", "archive", seed.ARCHIVE_COUNT),
                                ("Sent", "sent", seed.SENT_COUNT)):
        for k in range(1, count + 1):
            data, ts = seed.side_message(kind, k)
            append(c, folder, data, "\\Seen", ts, find=False)
    print("INBOX %d" % n)


def pop_connect(a):
    ctx = ssl.create_default_context(cafile=a.ca)
    p = poplib.POP3_SSL(a.host, a.port or int(os.environ["HARNESS_POP3S_PORT"]),
                        context=ctx, timeout=30)
    p.user(a.user)
    p.pass_(a.password)
    return p


def cmd_pop(a):
    p = pop_connect(a)
    try:
        if a.cmd == "pop-count":
            print(p.stat()[0])
        else:
            _, lines, _ = p.list() if a.cmd == "pop-list" else p.uidl()
            for line in lines:
                print(line.decode("utf-8", "replace"))
    finally:
        p.quit()


COMMANDS = {"state": cmd_state, "flag": cmd_flag, "expunge": cmd_expunge,
            "append": cmd_append, "search": cmd_search, "fetch": cmd_fetch,
            "uids": cmd_uids, "create": cmd_create, "delete": cmd_delete,
            "list": cmd_list, "caps": cmd_caps, "seed": cmd_seed}


def main():
    p = argparse.ArgumentParser(
        description="another IMAP/POP3 client for tern's tests "
        "(see the file's docstring)")
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int)
    p.add_argument("--user", default=os.environ.get("HARNESS_USER"))
    p.add_argument("--pass", dest="password",
                   default=os.environ.get("HARNESS_PASS"))
    p.add_argument("--ca", default=os.environ.get("HARNESS_CA"))
    p.add_argument("--folder", default="INBOX")
    p.add_argument("--flags")
    p.add_argument("--date")
    p.add_argument("--use")
    p.add_argument("--subscribe", action="store_true")
    p.add_argument("--bare", action="store_true")
    p.add_argument("cmd")
    p.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args()
    # Options may also follow the command's arguments.
    rest, args = a.args, []
    i = 0
    while i < len(rest):
        opt = rest[i]
        if opt in ("--folder", "--flags", "--date", "--use") and \
                i + 1 < len(rest):
            setattr(a, opt[2:], rest[i + 1])
            i += 2
        elif opt in ("--subscribe", "--bare"):
            setattr(a, opt[2:], True)
            i += 1
        else:
            args.append(opt)
            i += 1
    a.args = args
    if not a.user or a.password is None or not a.ca:
        sys.exit("imapc: no user, password or CA (run harness_start first)")
    try:
        if a.cmd.startswith("pop-"):
            if a.cmd not in ("pop-list", "pop-uidl", "pop-count"):
                raise Error("unknown command " + a.cmd)
            cmd_pop(a)
            return
        fn = COMMANDS.get(a.cmd)
        if fn is None:
            raise Error("unknown command " + a.cmd)
        c = connect(a)
        try:
            fn(a, c)
        finally:
            c.logout()
    except (Error, OSError, poplib.error_proto, ssl.SSLError) as e:
        sys.exit("imapc %s: %s" % (a.cmd, e))


if __name__ == "__main__":
    main()
