#!/usr/bin/env python3
"""tern's protocol fuzzer: a mutating fake IMAP/POP3/SMTP server.

It replays sessions recorded against the harness's dovecot (transcripts in
tests/protofuzz/*.json, made by tests/protofuzz-record.sh) to the real tern
binary, and mutates one to three of the server's responses, chosen by a
seed. The same seed always gives the same case: the transcript, the
transport (plain, implicit TLS or STARTTLS/STLS), the responses mutated and
how. Standard library only; the server side reuses tests/fake-server.py's
Session (line reading, TLS).

Subcommands:
  run     run cases against tern and check each (what tests/test-protofuzz.sh
          and tools/fuzz call):
            protofuzz.py run --tern TERN --cert PEM --key PEM --ca PEM
                [--seeds A-B[,C...]] [--seconds S] [--jobs N]
                [--regressions FILE] [--known] [--workdir DIR] [-v]
          A case fails on: a sanitizer report on stderr, a signal, an exit
          status other than 0 or 1, no answer within --deadline seconds (a
          hang: tern is killed by its PID), an exit status of 1 without
          exactly one line starting with "tern:", a control character or
          invalid UTF-8 on stdout or stderr (a server byte reaching the
          terminal raw), or a cache failing PRAGMA integrity_check. A failure
          prints the seed, the transcript, the mutations applied and where,
          tern's stderr, and the command that replays that case alone.
  show    print the plan of a seed (transcript, transport, mutations) and the
          mutated responses, without running anything.
  serve   serve one case on a port, for running tern by hand:
            protofuzz.py serve --seed S --port-file F [--cert --key]
  fixed   serve a transcript with exact responses in place of some (the
          regression cases of tests/test-hostile-libetpan.sh):
            protofuzz.py fixed --transcript NAME --port-file F
                [--mode plain|tls|starttls] [--cert --key]
                --answer 'VERB=RESPONSE'...
          RESPONSE is a Python bytes literal body (\\r\\n, \\x00 ...); {TAG}
          stands for the client's tag. "GREETING=..." replaces the greeting.
          --answer-file 'VERB=FILE' reads the response from FILE (raw).
  record  (tests/protofuzz-record.sh) relay one client to a real server,
          then write the transcript of what both sides said:
            protofuzz.py record --proto imap|pop3|smtp --upstream PORT
                --port-file F --out FILE.json --name NAME
                [--args 'sync t'] [--config LINE]... [--before NAME]
                [--file NAME=PATH]...

Transcripts: {"name", "proto", "args" (tern's arguments, account "t"),
"config" (extra config lines), "before" (the transcript whose unmutated run
fills the cache first, or null), "files" (name -> text: files written into
tern's working directory first, such as the message of "send t msg.eml"),
"greeting", "exchanges": [{"c": command line, "s": the server's whole
answer}]}. Bytes are stored as latin-1 strings. An SMTP transcript's
message data is not kept: its exchange "." is the answer to the data's end. Credentials are replaced with <redacted>. The replayer answers by
command, not byte for byte: a command gets the first unused exchange with the
same verb and arguments, else the same verb and first argument, else the same
verb, else the last exchange of that verb, else BAD / -ERR; the recorded tag
is replaced with the client's, and literals are re-sized to their data
unless a mutation says otherwise.

SMTP transcripts (tern send) have a seed space of their own: `run --protos
smtp` picks among them only, so that adding them changed no IMAP or POP3
seed. Besides the checks above, an SMTP case fails when the message is lost
or kept twice: after the run, the outbox must hold it unless tern said it
was sent, and then it must not.

A seed's meaning depends on the transcripts: re-recording them changes
what every seed does (the regression list then needs checking again).
"""

import argparse
import concurrent.futures
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSCRIPTS = os.path.join(HERE, "protofuzz")


def _load_fake_server():
    spec = importlib.util.spec_from_file_location(
        "fake_server", os.path.join(HERE, "fake-server.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


fake_server = _load_fake_server()


def b2s(b):
    return b.decode("latin-1")


def s2b(s):
    return s.encode("latin-1")


# --- responses as structure --------------------------------------------------
#
# A response is a list of lines; a line is a list of items, each bytes (text)
# or a Lit (an IMAP literal: its "{n}\r\n" marker is written from its data
# unless size is set). Lines are written with CRLF.

class Lit:
    def __init__(self, data, size=None):
        self.data = data
        self.size = size

    def copy(self):
        return Lit(self.data, self.size)


LIT_RE = re.compile(rb"\{(\d+)\+?\}$")


def parse_lines(data, imap):
    """DATA (bytes) as lines of items; a last line without CRLF is kept."""
    lines = []
    pos = 0
    n = len(data)
    while pos < n:
        items = []
        while True:
            eol = data.find(b"\n", pos)
            if eol < 0:
                items.append(data[pos:])
                pos = n
                break
            text = data[pos:eol]
            if text.endswith(b"\r"):
                text = text[:-1]
            m = LIT_RE.search(text) if imap else None
            if m:
                size = int(m.group(1))
                items.append(text[:m.start()])
                items.append(Lit(data[eol + 1:eol + 1 + size]))
                pos = eol + 1 + size
                continue
            items.append(text)
            pos = eol + 1
            break
        lines.append(items)
    return lines


def line_bytes(items):
    out = b""
    for it in items:
        if isinstance(it, Lit):
            size = it.size if it.size is not None else b"%d" % len(it.data)
            out += b"{" + size + b"}\r\n" + it.data
        else:
            out += it
    return out


def copy_lines(lines):
    return [[it.copy() if isinstance(it, Lit) else it for it in items]
            for items in lines]


class Response:
    """One answer to send, with what the mutations asked of the sending."""

    def __init__(self, lines, tag=None):
        self.lines = lines
        self.tag = tag          # the recorded tag, replaced with the client's
        self.tag_new = None     # a mutation's tag for the tagged line
        self.truncate = None    # send only this many bytes ...
        self.after = None       # ... then "close" or "stall"
        self.close_before = False
        self.split = False

    def tagged(self, i):
        items = self.lines[i]
        return (self.tag is not None and items and
                not isinstance(items[0], Lit) and
                items[0].startswith(self.tag + b" "))

    def bytes(self, client_tag):
        out = b""
        for i, items in enumerate(self.lines):
            if self.tagged(i) and client_tag is not None:
                new = self.tag_new if self.tag_new is not None else client_tag
                items = [new + items[0][len(self.tag):]] + items[1:]
            out += line_bytes(items) + b"\r\n"
        return out


def exchange_tag(proto, cmd):
    if proto != "imap":
        return None
    return s2b(cmd.split(" ", 1)[0])


# --- transcripts --------------------------------------------------------------

PROTOS_DEFAULT = ("imap", "pop3")


def load_transcripts(names=None, protos=PROTOS_DEFAULT):
    out = {}
    for f in sorted(os.listdir(TRANSCRIPTS)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(TRANSCRIPTS, f)) as fh:
            t = json.load(fh)
        if (names is None or t["name"] in names) and \
                (protos is None or t["proto"] in protos):
            out[t["name"]] = t
    return out


def verb_of(proto, line):
    """(verb, args) of a command line, upper-case verb, tag stripped."""
    words = line.split(" ")
    if proto == "imap":
        words = words[1:]
    if not words or not words[0]:
        return "", ""
    verb = words[0].upper()
    rest = words[1:]
    if verb == "UID" and rest:
        verb = "UID " + rest[0].upper()
        rest = rest[1:]
    return verb, " ".join(rest)


def build_imap(greeting_and_rest, client_lines):
    """Exchanges from the server stream and the client's command lines."""
    lines = parse_lines(greeting_and_rest, True)
    if not lines:
        return "", []
    greeting = line_bytes(lines[0]) + b"\r\n"
    pos = 1
    exchanges = []
    for cmd in client_lines:
        tag = s2b(cmd.split(" ", 1)[0]) + b" "
        out = b""
        while pos < len(lines):
            items = lines[pos]
            pos += 1
            out += line_bytes(items) + b"\r\n"
            first = items[0] if items and not isinstance(items[0], Lit) \
                else b""
            if first.startswith(tag) or first.startswith(b"+"):
                break
        exchanges.append({"c": cmd, "s": b2s(out)})
    return b2s(greeting), exchanges


POP3_MULTI = ("CAPA", "RETR", "TOP")


def pop3_multiline(cmd):
    verb, args = verb_of("pop3", cmd)
    return verb in POP3_MULTI or (verb in ("LIST", "UIDL") and not args)


def build_pop3(stream, client_lines):
    lines = stream.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return "", []
    greeting = lines[0] + b"\r\n"
    pos = 1
    exchanges = []
    for cmd in client_lines:
        out = b""
        if pos < len(lines):
            first = lines[pos]
            pos += 1
            out += first + b"\r\n"
            if first.startswith(b"+OK") and pop3_multiline(cmd):
                while pos < len(lines):
                    out += lines[pos] + b"\r\n"
                    pos += 1
                    if lines[pos - 1] == b".":
                        break
        exchanges.append({"c": cmd, "s": b2s(out)})
    return b2s(greeting), exchanges


def smtp_replies(stream):
    """The replies of an SMTP server stream: lists of lines, each reply
    ending with its "NNN " line."""
    lines = stream.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    cur = []
    for l in lines:
        cur.append(l)
        if len(l) < 4 or l[3:4] != b"-":
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def build_smtp(stream, client_lines):
    """Exchanges of an SMTP session: one reply a command, the message data
    left out (the line "." gets the reply to the data's end)."""
    replies = smtp_replies(stream)
    if not replies:
        return "", []
    join = lambda r: b"".join(l + b"\r\n" for l in r)
    greeting = join(replies[0])
    pos = 1
    exchanges = []
    data = False
    for cmd in client_lines:
        if data and cmd != ".":
            continue
        out = b""
        if pos < len(replies):
            out = join(replies[pos])
            pos += 1
        data = not data and verb_of("smtp", cmd)[0] == "DATA" and \
            out.startswith(b"354")
        exchanges.append({"c": cmd, "s": b2s(out)})
    return b2s(greeting), exchanges


def redact(proto, line):
    verb, _ = verb_of(proto, line)
    secret = ("LOGIN", "AUTHENTICATE") if proto == "imap" else \
        ("PASS", "APOP", "AUTH")
    if verb in secret:
        keep = line.split(" ")[:(2 if proto == "imap" else 1)]
        if verb in ("AUTHENTICATE", "AUTH") and \
                len(line.split(" ")) > len(keep):
            keep.append(line.split(" ")[len(keep)])
        return " ".join(keep) + " <redacted>", True
    return line, False


# --- mutations ----------------------------------------------------------------

NUMBERS = [b"0", b"-1", b"2147483647", b"2147483648", b"4294967295",
           b"4294967296", b"18446744073709551615", b"18446744073709551616",
           b"9" * 40, b"9" * 4096]
HUGE_DIGITS = b"9" * (1 << 20)

IMAP_UNTAGGED = [
    b"* XYZZY frobnicate 1 2 3", b"* 1 XYZZY (FOO BAR)",
    b"* OK [XYZZY-CODE 1 2 (3)] odd", b"* NO [ALERT] a wild alert",
    b"* BAD stray", b"* 0 EXISTS", b"* 4294967295 EXISTS", b"* 1 EXPUNGE",
    b"* 0 EXPUNGE", b"* 99 FETCH (UID 99 FLAGS (\\Seen))",
    b"* 1 FETCH (UID 0)", b"* 1 FETCH (UID 4294967296 FLAGS ())",
    b"* FLAGS ()", b"* STATUS INBOX (MESSAGES 4294967296)",
    b"* LIST () \"/\" Phantom", b"* LIST (\\Noselect) NIL \"\"",
    b"* SEARCH 0 4294967296", b"* ENABLED", b"* VANISHED (EARLIER) 1:*",
    b"* OK [UIDVALIDITY 0] zero", b"* OK [HIGHESTMODSEQ 0] zero",
    b"* 1 RECENT", b"*", b"* ", b"+ continue?", b"* BYE going away",
    b"* PREAUTH what", b"* 1", b"* 1 FETCH", b"* 1 FETCH (",
    b"* ESEARCH (TAG \"x\") UID ALL 1:4294967295",
]
POP3_LINES = [b"", b"0 0", b"x y z", b"+OK", b"-ERR", b"..", b"1", b"1 ",
              b" 1 1", b"1 1 1", b"+OK extra", b"-1 -1", b"\x00",
              b"9" * 30 + b" 1"]
SMTP_LINES = [b"", b"250", b"250-", b"2", b"25", b"2500 odd", b"999 what",
              b"250-" + b"X" * 8192, b"550-no", b"354 go ahead",
              b"334 ", b"421 closing", b"\x00", b"250 " + b"9" * 30]
SMTP_CODES = [b"421", b"450", b"451", b"452", b"454", b"500", b"530",
              b"535", b"550", b"552", b"554", b"354", b"334", b"220",
              b"221", b"199", b"999", b"25", b"2500", b""]
BYTES = [b"\x00", b"\r", b"\n", b"\r\n", b"\x1b[2J", b"\x1b]0;pwned\x07",
         b"\x7f", b"\xff", b"\xc3", b"\x80\x81", b"\xf0\x9f"]

MUTATIONS = [
    # (name, weight)
    ("number", 6), ("string", 4), ("bytes", 4), ("nesting", 1),
    ("tag", 2), ("status", 2), ("untagged", 3), ("drop-line", 3),
    ("dup-line", 1), ("truncate", 2), ("stall", 0.3), ("split", 2),
    ("drop", 1),
]
CLASSES = [m for m, _ in MUTATIONS]


def pick_weighted(r, pairs):
    total = sum(w for _, w in pairs)
    x = r.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def show(b, n=70):
    """B as a short printable string for the mutation log."""
    s = repr(b[:n])[2:-1]
    return s + ("...(%d bytes)" % len(b) if len(b) > n else "")


def text_spots(resp, skip_tag=True):
    """(line, item) of every text item, for searching."""
    out = []
    for li, items in enumerate(resp.lines):
        for ii, it in enumerate(items):
            if not isinstance(it, Lit):
                out.append((li, ii))
    return out


def regex_hits(resp, rx, where=None):
    hits = []
    for li, ii in text_spots(resp):
        t = resp.lines[li][ii]
        for m in rx.finditer(t):
            if resp.tagged(li) and ii == 0 and m.start() < len(resp.tag) + 1:
                continue
            hits.append((li, ii, m.start(), m.end()))
    return hits


NUM_RE = re.compile(rb"\d+")
STR_RE = re.compile(rb'"(?:[^"\\]|\\.)*"')


def data_lines(resp, proto):
    """Indices of the lines a line mutation may touch."""
    idx = list(range(len(resp.lines)))
    if proto == "imap":
        return [i for i in idx if not resp.tagged(i)]
    if proto == "smtp":
        return idx
    # POP3: not the status line, not the final ".".
    return [i for i in idx[1:] if resp.lines[i] != [b"."]]


def mutate(cls, resp, proto, r, huge_ok=True):
    """Apply mutation CLS to RESP in place; a description of it, or None
    when it does not apply to this response."""
    imap = proto == "imap"
    if cls == "number":
        hits = regex_hits(resp, NUM_RE)
        if not hits:
            return None
        li, ii, a, b = r.choice(hits)
        old = resp.lines[li][ii][a:b]
        vals = NUMBERS + ([HUGE_DIGITS] if huge_ok else [])
        new = r.choice(vals + [b"%d" % (int(old) + 1),
                               b"%d" % (int(old) - 1)])
        t = resp.lines[li][ii]
        resp.lines[li][ii] = t[:a] + new + t[b:]
        return "number %s -> %s in line %d" % (show(old), show(new), li + 1)
    if cls == "string":
        hits = regex_hits(resp, STR_RE) if imap else []
        lits = [(li, ii) for li, items in enumerate(resp.lines)
                for ii, it in enumerate(items) if isinstance(it, Lit)]
        if not imap:
            # POP3 has no strings: a word of a data line becomes empty.
            words = [(li, ii, m.start(), m.end())
                     for li, ii, m_ in [(li, 0, None)
                                        for li in data_lines(resp, proto)]
                     for m in re.finditer(rb"\S+", resp.lines[li][0])]
            if not words:
                return None
            li, ii, a, b = r.choice(words)
            t = resp.lines[li][0]
            new = r.choice([b"", b"NIL", b'""', b"{5}"])
            resp.lines[li][0] = t[:a] + new + t[b:]
            return "word %s -> %s in line %d" % (show(t[a:b]), show(new),
                                                  li + 1)
        if not hits and not lits:
            return None
        choice = r.randrange(len(hits) + len(lits))
        how = r.choice(["NIL", '""', "literal-short", "literal-long",
                        "literal-huge", "literal-zero"])
        if choice < len(hits):
            li, ii, a, b = hits[choice]
            t = resp.lines[li][ii]
            old = t[a:b]
            data = old[1:-1]
        else:
            li, ii = lits[choice - len(hits)]
            old = resp.lines[li][ii].data
            data = old
        if how in ("NIL", '""'):
            new_items = [s2b(how)]
        else:
            size = {"literal-short": max(0, len(data) - r.randint(1, 8)),
                    "literal-long": len(data) + r.randint(1, 64),
                    "literal-huge": 4294967296,
                    "literal-zero": 0}[how]
            new_items = [b"", Lit(data, b"%d" % size), b""]
        items = resp.lines[li]
        if choice < len(hits):
            t = items[ii]
            repl = [t[:a]] + new_items + [t[b:]]
        else:
            repl = new_items
        # Join adjacent text items so that the line stays text, Lit, text.
        merged = []
        for it in items[:ii] + repl + items[ii + 1:]:
            if merged and not isinstance(it, Lit) and \
                    not isinstance(merged[-1], Lit):
                merged[-1] = merged[-1] + it
            else:
                merged.append(it)
        resp.lines[li] = merged
        return "string %s -> %s in line %d" % (show(old, 40), how, li + 1)
    if cls == "bytes":
        spots = [(li, ii) for li, items in enumerate(resp.lines)
                 for ii, _ in enumerate(items)]
        if not spots:
            # An empty answer (a transcript's silent step): nothing to
            # put bytes into.
            return None
        li, ii = r.choice(spots)
        it = resp.lines[li][ii]
        ins = r.choice(BYTES + [bytes(r.randrange(128, 256)
                                      for _ in range(r.randint(1, 8)))])
        if isinstance(it, Lit):
            p = r.randint(0, len(it.data))
            it.data = it.data[:p] + ins + it.data[p:]
            where = "literal"
        else:
            p = r.randint(0, len(it))
            resp.lines[li][ii] = it[:p] + ins + it[p:]
            where = "text"
        return "bytes %s inserted in the %s of line %d at %d" % (
            show(ins), where, li + 1, p)
    if cls == "nesting":
        depth = r.choice([64, 1000, 10000, 100000])
        hits = regex_hits(resp, re.compile(rb"\(")) if imap else []
        if hits:
            li, ii, a, b = r.choice(hits)
            t = resp.lines[li][ii]
            resp.lines[li][ii] = t[:b] + b"(" * depth + b")" * depth + t[b:]
            return "nesting %d deep after a '(' in line %d" % (depth, li + 1)
        li = r.randrange(len(resp.lines))
        resp.lines[li][-1 if not isinstance(resp.lines[li][-1], Lit)
                       else 0] += b" " + b"(" * depth + b")" * depth
        return "nesting %d deep appended to line %d" % (depth, li + 1)
    if cls == "tag":
        if imap:
            tl = [i for i in range(len(resp.lines)) if resp.tagged(i)]
            if not tl:
                return None
            how = r.choice(["other", "star", "plus", "empty", "dup",
                            "first"])
            if how == "other":
                resp.tag_new = b"X%d" % r.randrange(1000)
            elif how == "star":
                resp.tag_new = b"*"
            elif how == "plus":
                resp.tag_new = b"+"
            elif how == "empty":
                resp.tag_new = b""
            elif how == "dup":
                resp.lines.insert(tl[0], copy_lines([resp.lines[tl[0]]])[0])
            elif how == "first":
                line = resp.lines.pop(tl[0])
                resp.lines.insert(0, line)
            return "tag: %s" % how
        # POP3 and SMTP have no tags: answer as if to another command.
        resp.lines.insert(0, [r.choice(
            [b"250 OK", b"421 bye", b"354 go", b"550 no"]
            if proto == "smtp" else [b"+OK", b"-ERR", b"+OK 1 100"])])
        return "tag: an extra status line first (answers shift by one)"
    if cls == "status":
        if imap:
            tl = [i for i in range(len(resp.lines))
                  if resp.tagged(i) or resp.tag is None]
            if not tl:
                return None
            li = tl[-1]
            t = resp.lines[li][0]
            head = resp.tag + b" " if resp.tag is not None else b"* "
            new = r.choice([b"NO", b"BAD", b"BYE", b"PREAUTH", b"OK", b"X"])
            rest = t[len(head):].split(b" ", 1)
            resp.lines[li][0] = head + new + (b" " + rest[1]
                                              if len(rest) > 1 else b"")
            return "status %s -> %s in line %d" % (show(rest[0]), show(new),
                                                    li + 1)
        if proto == "smtp":
            if not resp.lines:
                return None
            li = r.choice([0, len(resp.lines) - 1])
            t = resp.lines[li][0]
            new = r.choice(SMTP_CODES)
            resp.lines[li][0] = new + t[3:]
            return "reply code %s -> %s in line %d" % (show(t[:3]),
                                                       show(new), li + 1)
        t = resp.lines[0][0]
        new = r.choice([b"-ERR", b"+ok", b"+OKAY", b"+", b"OK", b""])
        resp.lines[0][0] = new + t[3 if t.startswith(b"+OK") else 4:]
        return "status line -> %s" % show(resp.lines[0][0])
    if cls == "untagged":
        if imap:
            pos = [i for i in range(len(resp.lines) + 1)
                   if i == len(resp.lines) or not resp.tagged(i - 1)
                   or True]
            tl = [i for i in range(len(resp.lines)) if resp.tagged(i)]
            hi = tl[0] if tl else len(resp.lines)
            p = r.randint(0, hi)
            line = r.choice(IMAP_UNTAGGED + [
                b"* " + bytes(r.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                              for _ in range(r.randint(1, 12)))])
        elif proto == "smtp":
            p = r.randint(0, len(resp.lines))
            line = r.choice(SMTP_LINES)
        else:
            p = r.randint(1, max(1, len(resp.lines) - 1)) \
                if len(resp.lines) > 1 else 1
            line = r.choice(POP3_LINES)
        resp.lines.insert(p, [line])
        return "untagged %s inserted as line %d" % (show(line), p + 1)
    if cls == "drop-line":
        cand = data_lines(resp, proto)
        if proto == "pop3" and len(resp.lines) > 1:
            cand = cand + [len(resp.lines) - 1]     # the final "." too
        if not cand:
            return None
        li = r.choice(cand)
        old = line_bytes(resp.lines.pop(li))
        return "line %d removed: %s" % (li + 1, show(old))
    if cls == "dup-line":
        cand = data_lines(resp, proto)
        if not cand:
            return None
        li = r.choice(cand)
        resp.lines.insert(li, copy_lines([resp.lines[li]])[0])
        return "line %d doubled: %s" % (li + 1,
                                        show(line_bytes(resp.lines[li])))
    if cls in ("truncate", "stall"):
        resp.truncate = r.random()
        resp.after = "close" if cls == "truncate" else "stall"
        return "%s: cut at %d%% then %s" % (
            cls, int(resp.truncate * 100),
            "the connection closes" if cls == "truncate"
            else "no more bytes (tern must time out)")
    if cls == "split":
        resp.split = True
        return "split: sent in writes of 1-16 bytes"
    if cls == "drop":
        resp.close_before = True
        return "drop: the connection closes instead of this answer"
    raise ValueError(cls)


# --- cases ----------------------------------------------------------------------

MODES = ["plain", "tls", "starttls"]


class Case:
    """What seed SEED means for the transcripts T (a dict by name)."""

    def __init__(self, seed, transcripts, classes=None, mode=None,
                 name=None):
        self.seed = seed
        r = random.Random(seed)
        names = sorted(transcripts)
        self.name = name or names[r.randrange(len(names))]
        self.t = transcripts[self.name]
        self.proto = self.t["proto"]
        self.mode = mode or MODES[r.randrange(3)]
        n = len(self.t["exchanges"]) + 1
        weights = [1 + min(len(self.response(i).lines), 8)
                   for i in range(n)]
        count = r.choice([1, 1, 2, 2, 3])
        self.plan = {}
        pairs = MUTATIONS if classes is None else \
            [(c, w) for c, w in MUTATIONS if c in classes]
        for _ in range(count):
            idx = pick_weighted(r, list(zip(range(n), weights)))
            cls = pick_weighted(r, pairs)
            self.plan.setdefault(idx, []).append(
                (cls, r.randrange(1 << 32)))
        self.applied = []       # descriptions, in the order sent
        self.lock = threading.Lock()

    def exchange_name(self, idx):
        if idx == 0:
            return "the greeting"
        c = self.t["exchanges"][idx - 1]["c"]
        return "the answer to %r (exchange %d)" % (c[:60], idx)

    def response(self, idx):
        if idx == 0:
            data = s2b(self.t["greeting"])
            tag = None
        else:
            ex = self.t["exchanges"][idx - 1]
            data = s2b(ex["s"])
            tag = exchange_tag(self.proto, ex["c"])
        return Response(parse_lines(data, self.proto == "imap"), tag)

    def mutated(self, idx, log=True):
        """The response of exchange IDX with its mutations (once only)."""
        resp = self.response(idx)
        with self.lock:
            todo = self.plan.pop(idx, [])
        for cls, sub in todo:
            r = random.Random(sub)
            what = mutate(cls, resp, self.proto, r)
            if what is None:
                # Nothing of that kind here: the case still mutates.
                what = mutate("bytes", resp, self.proto, r)
                what = "(no %s here) %s" % (cls, what)
            if log:
                self.applied.append("%s: %s" % (self.exchange_name(idx),
                                                what))
        return resp

    def describe_plan(self):
        out = []
        for idx in sorted(self.plan):
            for cls, _ in self.plan[idx]:
                out.append("%s at %s" % (cls, self.exchange_name(idx)))
        return out


class Fixed(Case):
    """A transcript with exact answers in place of some: ANSWERS maps a verb
    (or GREETING) to bytes, {TAG} standing for the client's tag."""

    def __init__(self, transcripts, name, mode, answers):
        self.seed = None
        self.name = name
        self.t = transcripts[name]
        self.proto = self.t["proto"]
        self.mode = mode
        self.plan = {}
        self.answers = dict(answers)
        self.applied = []
        self.lock = threading.Lock()

    def mutated(self, idx, log=True):
        key = "GREETING" if idx == 0 else \
            verb_of(self.proto, self.t["exchanges"][idx - 1]["c"])[0]
        if key in self.answers:
            self.applied.append("%s: fixed answer" % self.exchange_name(idx))
            data = self.answers[key]
            tag = None if idx == 0 else \
                exchange_tag(self.proto, self.t["exchanges"][idx - 1]["c"])
            if tag is not None:
                data = data.replace(b"{TAG}", tag)
            return Response(parse_lines(data, self.proto == "imap"), tag)
        return self.response(idx)


# --- the replaying server -----------------------------------------------------

class Replayer:
    """Serve CASE on the listening socket LSOCK until the client is done."""

    def __init__(self, case, lsock, cert, key, timeout=30.0, events=None):
        self.case = case
        self.lsock = lsock
        self.cert = cert
        self.key = key
        self.timeout = timeout
        self.events = events if events is not None else []
        self.stop = threading.Event()

    def event(self, what):
        self.events.append("%.3f %s" % (time.time(), what))

    def run(self):
        self.lsock.settimeout(0.5)
        conns = 0
        while not self.stop.is_set() and conns < 4:
            try:
                conn, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conns += 1
            self.event("connection %d" % conns)
            try:
                self.session(conn)
            except (OSError, ConnectionError) as e:
                self.event("connection ends: %s" % e)
            finally:
                try:
                    conn.close()
                except OSError:
                    pass

    def send(self, s, resp, client_tag):
        """Send RESP; False when the connection is to end."""
        if resp.close_before:
            self.event("closing instead of answering")
            return False
        data = resp.bytes(client_tag)
        if resp.truncate is not None:
            data = data[:int(len(data) * resp.truncate)]
        if resp.split:
            r = random.Random(len(data))
            pos = 0
            while pos < len(data) and pos < 4096:
                k = r.randint(1, 16)
                s.conn.sendall(data[pos:pos + k])
                pos += k
                time.sleep(0.001)
            data = data[pos:]
        if data:
            s.conn.sendall(data)
        if resp.after == "close":
            self.event("closing after a truncated answer")
            return False
        if resp.after == "stall":
            self.event("silent after a truncated answer")
            while not self.stop.is_set() and s.readline() is not None:
                pass
            return False
        return True

    def session(self, conn):
        c = self.case
        proto = c.proto
        s = fake_server.Session(conn, None, self.timeout, self.cert, self.key)
        s.event = self.event
        if c.mode == "tls" and not s.starttls():
            return
        exs = c.t["exchanges"]
        used = set()
        tls_up = c.mode == "tls"
        if not self.send(s, c.mutated(0), None):
            return
        cont = None     # the exchange after a "+" continuation
        data = False    # SMTP: reading the message, up to "."
        while not self.stop.is_set():
            line = s.readline()
            if line is None:
                return
            if data:
                if line != ".":
                    continue
                data = False
            if cont is not None:
                idx, cont = cont, None
                if idx <= len(exs):
                    used.add(idx)
                    resp = c.mutated(idx)
                    if not self.send(s, resp, None):
                        return
                    if self.continues(resp):
                        cont = idx + 1
                continue
            verb, args = verb_of(proto, line)
            tag = s2b(line.split(" ", 1)[0]) if proto == "imap" else None
            if verb in ("STARTTLS", "STLS") and c.mode == "starttls" and \
                    not tls_up:
                s.conn.sendall(b"%s OK Begin TLS negotiation now.\r\n" % tag
                               if proto == "imap" else
                               b"220 Ready to start TLS\r\n"
                               if proto == "smtp" else
                               b"+OK Begin TLS negotiation now.\r\n")
                if not s.starttls():
                    return
                tls_up = True
                # The capabilities are asked again: the same answer.
                first = self.find(verb_of(proto, exs[0]["c"])[0], "", set())
                if first is not None:
                    used.discard(first)
                continue
            idx = self.find(verb, args, used)
            if idx is None:
                self.event("no exchange for %r" % line)
                s.conn.sendall(b"%s BAD unknown command\r\n" % tag
                               if proto == "imap" else
                               b"500 unknown command\r\n"
                               if proto == "smtp" else
                               b"-ERR unknown command\r\n")
                continue
            used.add(idx)
            resp = c.mutated(idx)
            if proto == "smtp" and verb == "EHLO" and \
                    c.mode == "starttls" and not tls_up:
                # Recorded over plain text: the offer a STARTTLS case needs.
                resp.lines.insert(1, [b"250-STARTTLS"])
            if not self.send(s, resp, tag):
                return
            if proto == "smtp":
                data = verb == "DATA" and resp.bytes(None).startswith(b"354")
            elif self.continues(resp):
                cont = idx + 1
            if verb in ("LOGOUT", "QUIT"):
                return

    def continues(self, resp):
        last = resp.lines[-1] if resp.lines else [b""]
        return (not isinstance(last[0], Lit) and last[0].startswith(b"+") and
                not last[0].startswith(b"+OK"))

    def find(self, verb, args, used):
        """The exchange (1-based) answering VERB ARGS, or None."""
        exs = self.case.t["exchanges"]
        proto = self.case.proto
        same = [i + 1 for i, e in enumerate(exs)
                if verb_of(proto, e["c"])[0] == verb]
        if not same:
            return None
        first_arg = args.split(" ", 1)[0]
        for pick in (lambda a: a == args,
                     lambda a: a.split(" ", 1)[0] == first_arg,
                     lambda a: True):
            for i in same:
                if i not in used and pick(verb_of(proto,
                                                  exs[i - 1]["c"])[1]):
                    return i
        return same[-1]


def listen():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    return ls


# --- running tern -------------------------------------------------------------

SANITIZER = [b"ERROR: AddressSanitizer", b"runtime error:", b"LeakSanitizer",
             b"ERROR: ThreadSanitizer", b"AddressSanitizer:",
             b"UndefinedBehaviorSanitizer"]


# Lines that are notices, not errors (as HARD_NOTICE in the shell tests).
NOTICE = re.compile(rb"has no UIDL|is damaged|newer tern")


def signature(why, err):
    """What tells one failure from another: the kind and the first frames
    of tern or libetpan in the sanitizer's stack (file:line left out)."""
    text = err.decode("utf-8", "replace")
    kind = why.split(" (")[0]
    m = re.search(r"(ERROR: AddressSanitizer: [\w-]+|runtime error: [^0-9]*?"
                  r"(?= 0x|$)|LeakSanitizer)", text, re.M)
    if m:
        kind = m.group(1).strip()
    m = re.search(r"^(\S+:\d+:\d+): runtime error", text, re.M)
    frames = re.findall(r"#\d+ 0x[0-9a-f]+ in (\S+)", text)
    frames = [f for f in frames if not f.startswith("__")][:2]
    sig = kind
    if m:
        sig += " at " + m.group(1)
    if frames:
        sig += " in " + " < ".join(frames)
    elif "tern:" in why:
        lines = [l for l in text.splitlines() if l.startswith("tern:")]
        sig += ": " + " | ".join(re.sub(r"\d+", "N", l.split(":", 2)[-1]
                                        .split(":")[0])[:40] for l in lines)
    return sig


def terminal_safe(data):
    """None if DATA may reach a terminal, else what is wrong with it."""
    for i, c in enumerate(data):
        if (c < 0x20 and c not in (0x09, 0x0a)) or c == 0x7f:
            return "control byte 0x%02x at offset %d" % (c, i)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "invalid UTF-8 at offset %d" % e.start
    return None


class Runner:
    def __init__(self, a):
        self.a = a
        self.transcripts = load_transcripts(protos=a.protos)
        self.base = {}          # transcript name -> db made by its run
        self.base_lock = threading.Lock()
        self.work = a.workdir or tempfile.mkdtemp(prefix="protofuzz.")
        os.makedirs(self.work, exist_ok=True)

    def config(self, case, port, d):
        t = case.t
        host = "127.0.0.1" if case.mode == "plain" else "localhost"
        scheme = case.proto + ("s" if case.mode == "tls" else "")
        secret = os.path.join(d, "secret")
        with open(secret, "w") as f:
            f.write("alice-secret-1\n")
        os.chmod(secret, 0o600)
        lines = ["[account t]",
                 "%s = %s://%s:%d" % (case.proto, scheme, host, port)]
        if case.proto == "smtp":
            # tern send uses the smtp server only; the POP3 one is never
            # asked (and keeps no Sent copy).
            lines = ["[account t]", "pop3 = pop3://127.0.0.1:9",
                     "smtp = %s://%s:%d" % (scheme, host, port)]
        lines += ["user = alice", "password_cmd = cat '%s'" % secret,
                 "tls_ca_file = %s" % self.a.ca,
                 "timeout = %d" % self.a.tern_timeout]
        if case.mode == "plain":
            lines.append("tls = off")
        lines += t.get("config", [])
        for name, text in t.get("files", {}).items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(s2b(text))
        cdir = os.path.join(d, "config", "tern")
        os.makedirs(cdir, mode=0o700, exist_ok=True)
        path = os.path.join(cdir, "config")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(path, 0o600)

    def base_db(self, name, mode):
        """The cache an unmutated run of transcript NAME leaves."""
        key = (name, mode)
        with self.base_lock:
            if key in self.base:
                return self.base[key]
            d = os.path.join(self.work, "base-%s-%s" % (name, mode))
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            case = Fixed(self.transcripts, name, mode, {})
            res = self.run_case(case, d, keep=True)
            db = os.path.join(d, "cache", "tern", "t.db")
            if res["failed"] or not os.path.exists(db):
                raise RuntimeError("the unmutated run of %s (%s) failed: %s"
                                   % (name, mode, res["why"]))
            self.base[key] = db
            return db

    def run_case(self, case, d, keep=False):
        """Run tern against CASE in directory D; a result dict."""
        os.makedirs(d, exist_ok=True)
        before = case.t.get("before")
        if before:
            db = self.base_db(before, case.mode)
            os.makedirs(os.path.join(d, "cache", "tern"), mode=0o700,
                        exist_ok=True)
            shutil.copy(db, os.path.join(d, "cache", "tern", "t.db"))
        ls = listen()
        port = ls.getsockname()[1]
        self.config(case, port, d)
        events = []
        rep = Replayer(case, ls, self.a.cert, self.a.key,
                       timeout=self.a.deadline + 5, events=events)
        th = threading.Thread(target=rep.run, daemon=True)
        th.start()
        env = dict(os.environ)
        env.update({"HOME": d, "XDG_CONFIG_HOME": os.path.join(d, "config"),
                    "XDG_CACHE_HOME": os.path.join(d, "cache"),
                    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        env.pop("TERM", None)
        args = [self.a.tern, "--log", os.path.join(d, "tern.log")] + \
            case.t["args"]
        t0 = time.time()
        with open(os.path.join(d, "stdout"), "wb") as out, \
                open(os.path.join(d, "stderr"), "wb") as err:
            p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=err, env=env, cwd=d)
            hung = False
            try:
                rc = p.wait(timeout=self.a.deadline)
            except subprocess.TimeoutExpired:
                hung = True
                os.kill(p.pid, signal.SIGKILL)
                rc = p.wait()
        secs = time.time() - t0
        rep.stop.set()
        ls.close()
        th.join(5)
        with open(os.path.join(d, "stderr"), "rb") as f:
            err = f.read()
        with open(os.path.join(d, "stdout"), "rb") as f:
            out = f.read()
        why = self.judge(rc, hung, err, out, d, case.proto)
        res = {"case": case, "rc": rc, "why": why, "failed": why is not None,
               "sig": signature(why, err) if why else None,
               "secs": secs, "stderr": err, "events": events, "dir": d}
        if not keep and why is None:
            shutil.rmtree(d, ignore_errors=True)
        return res

    def judge(self, rc, hung, err, out, d, proto=None):
        if hung:
            return "no exit within %d s (a hang): killed" % self.a.deadline
        for pat in SANITIZER:
            if pat in err:
                return "sanitizer report (%s)" % b2s(pat)
        if rc < 0:
            return "killed by signal %d (%s)" % (
                -rc, signal.Signals(-rc).name)
        if rc not in (0, 1):
            return "exit status %d" % rc
        lines = [l for l in err.split(b"\n") if l.startswith(b"tern:") and
                 not NOTICE.search(l)]
        if rc == 1 and len(lines) != 1:
            return "exit status 1 with %d \"tern:\" lines" % len(lines)
        bad = terminal_safe(err)
        if bad:
            return "stderr not fit for a terminal: %s" % bad
        bad = terminal_safe(out)
        if bad:
            return "stdout not fit for a terminal: %s" % bad
        db = os.path.join(d, "cache", "tern", "t.db")
        if os.path.exists(db):
            p = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"],
                               capture_output=True)
            ic = p.stdout.decode("utf-8", "replace").strip()
            if ic != "ok":
                return "cache integrity_check: %s %s" % (
                    ic[:200], p.stderr.decode("utf-8", "replace")[:200])
        if proto == "smtp":
            sent = re.search(rb"^tern: t: message sent$", err, re.M)
            n = -1
            if os.path.exists(db):
                p = subprocess.run(["sqlite3", db,
                                    "SELECT count(*) FROM outbox"],
                                   capture_output=True)
                n = int(p.stdout.strip() or b"-1")
            if n != (0 if sent else 1):
                return "the outbox holds %d messages after %s" % (
                    n, "\"message sent\"" if sent else
                    "a run that did not send")
        return None

    def replay_hint(self, case):
        smtp = case.proto == "smtp"
        return ("tests/protofuzz.py run --tern %s --cert CERT --key KEY "
                "--ca CA%s --seeds %d -v   (or: make check "
                "TESTS=tests/test-protofuzz.sh PROTOFUZZ_%sSEEDS=%d)" %
                (self.a.tern, " --protos smtp" if smtp else "", case.seed,
                 "SMTP_" if smtp else "", case.seed))

    def report(self, res):
        c = res["case"]
        lines = ["FAIL: protofuzz seed %s: %s over %s (%s): %s" %
                 (c.seed, c.name, c.mode, " ".join(c.t["args"]), res["why"]),
                 "  signature: %s" % res.get("sig")]
        for m in c.applied or ["(no mutation reached)"]:
            lines.append("  mutation: " + m)
        for m in c.describe_plan():
            lines.append("  not reached: " + m)
        err = res["stderr"].decode("utf-8", "replace").splitlines()
        frames = [l for l in err if re.match(r"\s+#\d+ ", l)]
        head = [l for l in err if "Sanitizer" in l or "runtime error" in l]
        for l in head[:3]:
            lines.append("  " + l.strip())
        for l in frames[:8]:
            lines.append("  " + l.strip())
        if not head:
            for l in err[-6:]:
                lines.append("  stderr: " + l[:200])
        lines.append("  files: " + res["dir"])
        lines.append("  replay: " + self.replay_hint(c))
        return "\n".join(lines)


def parse_seeds(spec):
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def read_regressions(path):
    """(seed, known-label or None, comment) per line of the file PATH."""
    out = []
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            body, _, comment = line.partition("#")
            words = body.split()
            if not words:
                continue
            known = None
            for w in words[1:]:
                if w.startswith("known="):
                    known = w[6:]
            out.append((int(words[0]), known, comment.strip()))
    return out


def cmd_run(a):
    runner = Runner(a)
    reg = read_regressions(a.regressions)
    known = {s: k for s, k, _ in reg if k}
    seeds = []
    for s, k, _ in reg:
        if k is None or a.known:
            seeds.append(s)
    if a.seeds:
        seeds += [s for s in parse_seeds(a.seeds)
                  if s not in seeds and (a.known or s not in known)]
    skipped = [s for s in parse_seeds(a.seeds or "") if s in known] \
        if not a.known else []
    stats = {"cases": 0, "failed": 0, "known": 0}
    by = {}
    failures = []
    t0 = time.time()
    deadline = t0 + a.seconds if a.seconds else None
    out_lock = threading.Lock()

    def one(seed):
        case = Case(seed, runner.transcripts)
        d = os.path.join(runner.work, "case-%d" % seed)
        shutil.rmtree(d, ignore_errors=True)
        try:
            res = runner.run_case(case, d)
        except RuntimeError as e:
            res = {"case": case, "failed": True, "why": str(e), "secs": 0,
                   "stderr": b"", "dir": d, "rc": None}
        with out_lock:
            stats["cases"] += 1
            k = (case.proto, case.mode)
            by[k] = by.get(k, 0) + 1
            if res["failed"]:
                if seed in known:
                    stats["known"] += 1
                    print("known: seed %d (%s): %s" % (seed, known[seed],
                                                       res["why"]))
                else:
                    stats["failed"] += 1
                    failures.append(res)
                    print(runner.report(res), flush=True)
                if a.results:
                    with open(a.results, "a") as f:
                        f.write(json.dumps({
                            "seed": seed, "transcript": case.name,
                            "mode": case.mode, "why": res["why"],
                            "sig": res.get("sig"),
                            "mutations": case.applied}) + "\n")
            elif seed in known:
                print("NOW PASSES: seed %d (%s): drop known= from the "
                      "regression list" % (seed, known[seed]))
            elif a.verbose:
                print("ok - seed %d %s %s %.1fs: %s" % (
                    seed, case.name, case.mode, res["secs"],
                    "; ".join(case.applied) or "-"), flush=True)
        return res

    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futs = []
        if deadline is None:
            for s in seeds:
                futs.append(pool.submit(one, s))
            for f in futs:
                f.result()
        else:
            # For as long as asked: the list first, then fresh seeds.
            it = iter(seeds)
            nxt = a.start
            running = set()
            while time.time() < deadline or running:
                while len(running) < a.jobs and time.time() < deadline:
                    s = next(it, None)
                    if s is None:
                        s = nxt
                        nxt += 1
                    running.add(pool.submit(one, s))
                done, running = concurrent.futures.wait(
                    running, timeout=1,
                    return_when=concurrent.futures.FIRST_COMPLETED)
                for f in done:
                    f.result()
    secs = time.time() - t0
    parts = ", ".join("%s/%s %d" % (p, m, n) for (p, m), n in sorted(by.items()))
    print("protofuzz: %d cases (%s), %d failed%s%s in %.0f s" % (
        stats["cases"], parts, stats["failed"],
        ", %d known failures" % stats["known"] if stats["known"] else "",
        ", %d known seeds skipped" % len(skipped) if skipped else "", secs))
    if not a.keep and not failures:
        shutil.rmtree(runner.work, ignore_errors=True)
    return 1 if failures else 0


def cmd_show(a):
    ts = load_transcripts(protos=a.protos)
    for seed in parse_seeds(a.seeds):
        c = Case(seed, ts)
        print("seed %d: %s over %s: %s" % (seed, c.name, c.mode,
                                           "; ".join(c.describe_plan())))
        for idx in sorted(c.plan):
            resp = c.mutated(idx)
            print("  %s" % c.applied[-1])
            if a.verbose:
                data = resp.bytes(b"TAG")
                print("    " + show(data, 600))


def cmd_serve(a, case):
    ls = listen()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)
    events = []
    rep = Replayer(case, ls, a.cert, a.key, timeout=a.timeout, events=events)
    th = threading.Thread(target=rep.run, daemon=True)
    th.start()
    t0 = time.time()
    try:
        while th.is_alive() and time.time() - t0 < a.timeout:
            th.join(0.2)
            if events and "connection" in events[0] and not th.is_alive():
                break
    finally:
        rep.stop.set()
    for m in case.applied:
        print("protofuzz: applied: " + m, file=sys.stderr)
    for e in events:
        print("protofuzz: " + e, file=sys.stderr)
    return 0


def cmd_record(a):
    """Relay connections to the upstream server; write the transcript."""
    ls = listen()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)
    ls.settimeout(a.timeout)
    conn, _ = ls.accept()
    up = socket.create_connection(("127.0.0.1", a.upstream))
    c2s = bytearray()
    s2c = bytearray()
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(conn, selectors.EVENT_READ, (conn, up, c2s))
    sel.register(up, selectors.EVENT_READ, (up, conn, s2c))
    open_ = 2
    while open_:
        for key, _ in sel.select(a.timeout):
            src, dst, buf = key.data
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(src)
                open_ -= 1
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            buf += data
            dst.sendall(data)
    client = [b2s(l.rstrip(b"\r")) for l in bytes(c2s).split(b"\n") if l]
    shown = []
    for l in client:
        r, _ = redact(a.proto, l)
        shown.append(r)
    if a.proto == "imap":
        greeting, exs = build_imap(bytes(s2c), client)
    elif a.proto == "smtp":
        greeting, exs = build_smtp(bytes(s2c), client)
        # The data left out: the commands are the lines kept.
        kept = []
        data = False
        for l, r in zip(client, shown):
            if data and l != ".":
                continue
            kept.append(r)
            data = not data and verb_of("smtp", l)[0] == "DATA"
        shown = kept
    else:
        greeting, exs = build_pop3(bytes(s2c), client)
    for e, r in zip(exs, shown):
        e["c"] = r
    files = {}
    for spec in a.file or []:
        name, _, path = spec.partition("=")
        with open(path, "rb") as f:
            files[name] = b2s(f.read())
    t = {"name": a.name, "proto": a.proto, "args": a.args.split(),
         "config": a.config or [], "before": a.before,
         "greeting": greeting, "exchanges": exs}
    if files:
        t["files"] = files
    with open(a.out, "w") as f:
        json.dump(t, f, indent=1)
        f.write("\n")
    return 0


def protos_arg(spec):
    return tuple(sorted(x.strip() for x in spec.split(",") if x.strip()))


def parse_answer(spec):
    verb, _, body = spec.partition("=")
    import ast
    return verb.upper(), ast.literal_eval("b'''" + body + "'''")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--tern", required=True)
    r.add_argument("--cert", required=True)
    r.add_argument("--key", required=True)
    r.add_argument("--ca", required=True)
    r.add_argument("--seeds", default="")
    r.add_argument("--seconds", type=float, default=0)
    r.add_argument("--start", type=int, default=100000,
                   help="first fresh seed of a --seconds run")
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--protos", type=protos_arg, default=PROTOS_DEFAULT,
                   help="the transcripts' protocols (a seed space each: "
                   "imap,pop3 the default, or smtp)")
    r.add_argument("--deadline", type=int, default=20)
    r.add_argument("--tern-timeout", type=int, default=2)
    r.add_argument("--regressions")
    r.add_argument("--known", action="store_true",
                   help="also run the seeds marked known= (failing until "
                   "their fix lands)")
    r.add_argument("--workdir")
    r.add_argument("--results", help="append each failure to this file "
                   "(JSON lines)")
    r.add_argument("--keep", action="store_true")
    r.add_argument("-v", "--verbose", action="store_true")
    s = sub.add_parser("show")
    s.add_argument("--seeds", required=True)
    s.add_argument("--protos", type=protos_arg, default=PROTOS_DEFAULT)
    s.add_argument("-v", "--verbose", action="store_true")
    for name in ("serve", "fixed"):
        v = sub.add_parser(name)
        v.add_argument("--port-file", required=True)
        v.add_argument("--cert")
        v.add_argument("--key")
        v.add_argument("--timeout", type=float, default=30)
        if name == "serve":
            v.add_argument("--seed", type=int, required=True)
            v.add_argument("--protos", type=protos_arg,
                           default=PROTOS_DEFAULT)
        else:
            v.add_argument("--transcript", required=True)
            v.add_argument("--mode", default="plain", choices=MODES)
            v.add_argument("--answer", action="append", default=[])
            v.add_argument("--answer-file", action="append", default=[])
    c = sub.add_parser("record")
    c.add_argument("--proto", required=True, choices=["imap", "pop3", "smtp"])
    c.add_argument("--file", action="append",
                   help="NAME=PATH: a file tern's arguments name, kept in "
                   "the transcript")
    c.add_argument("--upstream", type=int, required=True)
    c.add_argument("--port-file", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--name", required=True)
    c.add_argument("--args", default="sync t")
    c.add_argument("--config", action="append")
    c.add_argument("--before")
    c.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    for k in ("tern", "cert", "key", "ca"):
        if getattr(a, k, None):
            setattr(a, k, os.path.abspath(getattr(a, k)))
    if a.cmd == "run":
        return cmd_run(a)
    if a.cmd == "show":
        return cmd_show(a)
    if a.cmd == "serve":
        return cmd_serve(a, Case(a.seed, load_transcripts(protos=a.protos)))
    if a.cmd == "fixed":
        answers = dict(parse_answer(x) for x in a.answer)
        for x in a.answer_file:
            verb, _, path = x.partition("=")
            with open(path, "rb") as f:
                answers[verb.upper()] = f.read()
        return cmd_serve(a, Fixed(load_transcripts(protos=None),
                                  a.transcript, a.mode,
                                  answers))
    if a.cmd == "record":
        return cmd_record(a)
    return 2


if __name__ == "__main__":
    sys.exit(main())
