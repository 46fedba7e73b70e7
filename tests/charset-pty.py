#!/usr/bin/env python3
"""Run a command on a terminal of another charset inside a UTF-8 one.

  charset-pty.py CHARSET [--log FILE] -- CMD [ARG]...

The command gets a pseudo-terminal of its own, the size of ours; what it
writes is decoded from CHARSET and written to our terminal in UTF-8, and
what we type is encoded from UTF-8 to CHARSET for it (as luit does). With
--log, the bytes the command wrote are also copied to FILE as they came, so
a test can check what the command itself sent. Exits with the command's
status.
"""
import argparse
import codecs
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import tty


def main():
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit("usage: charset-pty.py CHARSET [--log FILE] -- CMD [ARG]...")
    cut = args.index("--")
    p = argparse.ArgumentParser()
    p.add_argument("charset")
    p.add_argument("--log")
    a = p.parse_args(args[:cut])
    cmd = args[cut + 1:]
    if not cmd:
        p.error("no command")
    try:
        size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        size = struct.pack("HHHH", 24, 80, 0, 0)
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, size)
        os.execvp(cmd[0], cmd)
    log = open(a.log, "ab") if a.log else None
    dec = codecs.getincrementaldecoder(a.charset)("replace")
    enc_in = codecs.getincrementaldecoder("utf-8")("replace")
    old = None
    if os.isatty(0):
        old = termios.tcgetattr(0)
        tty.setraw(0)
    try:
        while True:
            r, _, _ = select.select([0, fd], [], [])
            if fd in r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                if log:
                    log.write(data)
                    log.flush()
                os.write(1, dec.decode(data).encode("utf-8"))
            if 0 in r:
                data = os.read(0, 4096)
                if not data:
                    break
                text = enc_in.decode(data)
                os.write(fd, text.encode(a.charset, "replace"))
    finally:
        if old is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, old)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) & 0xff)


if __name__ == "__main__":
    main()
