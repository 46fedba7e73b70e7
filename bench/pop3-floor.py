#!/usr/bin/env python3
"""The protocol floor for bench/pop3: log in over POP3S, LIST, RETR every
message and throw it away, QUIT without deleting anything. Prints
"SECONDS MESSAGES BYTES MAXRSS_KB" on one line.

Usage: pop3-floor.py HOST PORT CAFILE USER PASSWORD
"""

import poplib
import resource
import ssl
import sys
import time


def main():
    host, port, ca, user, password = sys.argv[1:6]
    ctx = ssl.create_default_context(cafile=ca)
    t0 = time.monotonic()
    p = poplib.POP3_SSL(host, int(port), context=ctx)
    p.user(user)
    p.pass_(password)
    _, listing, _ = p.list()
    n = 0
    size = 0
    for entry in listing:
        num = int(entry.split()[0])
        _, lines, octets = p.retr(num)
        n += 1
        size += octets
    p.quit()
    elapsed = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("%.3f %d %d %d" % (elapsed, n, size, rss))


if __name__ == "__main__":
    main()
