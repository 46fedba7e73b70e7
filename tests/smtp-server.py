#!/usr/bin/env python3
"""A real SMTP submission server for tern's tests, on Debian's aiosmtpd.

Listens on 127.0.0.1 (port 0: a free one, written to --port-file once it
listens) with STARTTLS required (--tls starttls, the default), implicit
TLS (--tls implicit) or none (--tls none), the certificate given with
--cert/--key (the harness's: tests/harness.sh). AUTH is required: PLAIN
and LOGIN (aiosmtpd's) and XOAUTH2 and OAUTHBEARER (here), each checked
against the users of --passwd (a dovecot passwd-file, the harness's
$HARNESS_DIR/passwd) and --user USER:PASS; an OAuth token is taken when it
equals the user's password, as the harness's dovecot does. A refused token
gets the error challenge of its RFC, then 535.

What EHLO offers: SIZE (--size N, 0 hides it), 8BITMIME (--no-8bitmime
hides it), SMTPUTF8 (--smtputf8 offers it), PIPELINING (--pipelining
offers it; aiosmtpd reads commands in order anyway), AUTH (--no-auth hides
it, and then no sign-in is asked for).

Each message taken is recorded in --record DIR: N.eml (the bytes as
received, dot-unstuffed), N.json (mail_from, rcpt_tos, mail_options,
rcpt_options, helo: EHLO's argument, auth: "MECH:user", tls) and one line
of the same JSON appended to DIR/envelopes.jsonl, N counting from 1. With
--doveadm-conf FILE (the harness's dovecot.conf), each message is also
saved into the INBOX of each recipient whose local part is a known user
(doveadm -c FILE save -u USER -m INBOX).
"""

import argparse
import asyncio
import base64
import json
import logging
import os
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def load_users(args):
    users = {}
    if args.passwd:
        with open(args.passwd) as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if len(parts) < 2 or not parts[0]:
                    continue
                pw = parts[1]
                if pw.startswith("{PLAIN.b64}"):
                    pw = base64.b64decode(pw[len("{PLAIN.b64}"):]).decode()
                elif pw.startswith("{PLAIN}"):
                    pw = pw[len("{PLAIN}"):]
                users[parts[0]] = pw
    for u in args.user or []:
        name, _, pw = u.partition(":")
        users[name] = pw
    return users


class Handler:
    def __init__(self, args, users):
        self.args = args
        self.users = users
        self.count = 0

    # EHLO: what is offered, and EHLO's argument kept for the record.
    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        out = []
        for r in responses:
            word = r[4:].split(" ")[0].upper()
            if word == "8BITMIME" and self.args.no_8bitmime:
                continue
            if word == "AUTH" and self.args.no_auth:
                continue
            out.append(r)
        if self.args.pipelining:
            out.insert(len(out) - 1, "250-PIPELINING")
        return out

    def check(self, mech, user, secret):
        user = user.decode("utf-8", "replace") \
            if isinstance(user, bytes) else user
        secret = secret.decode("utf-8", "replace") \
            if isinstance(secret, bytes) else secret
        if user in self.users and self.users[user] == secret:
            return AuthResult(success=True, handled=False,
                              auth_data="%s:%s" % (mech, user))
        return AuthResult(success=False, handled=False)

    async def initial(self, server, args):
        if len(args) > 1:
            if args[1] == "=":
                return b""
            try:
                return base64.b64decode(args[1], validate=True)
            except Exception:
                return None
        r = await server.challenge_auth("")
        return None if not isinstance(r, bytes) else r

    async def auth_XOAUTH2(self, server, args):
        blob = await self.initial(server, args)
        user = token = None
        if blob is not None:
            for field in blob.split(b"\x01"):
                if field.startswith(b"user="):
                    user = field[5:]
                elif field.startswith(b"auth=Bearer "):
                    token = field[12:]
        if user is not None and token is not None:
            r = self.check("XOAUTH2", user, token)
            if r.success:
                return r
        await server.challenge_auth(json.dumps(
            {"status": "401", "schemes": "bearer", "scope": "mail"}))
        return AuthResult(success=False, handled=False)

    async def auth_OAUTHBEARER(self, server, args):
        blob = await self.initial(server, args)
        user = token = None
        if blob is not None:
            fields = blob.split(b"\x01")
            gs2 = fields[0].split(b",")
            for g in gs2:
                if g.startswith(b"a="):
                    user = g[2:].replace(b"=2C", b",").replace(b"=3D", b"=")
            for field in fields[1:]:
                if field.startswith(b"auth=Bearer "):
                    token = field[12:]
        if user is not None and token is not None:
            r = self.check("OAUTHBEARER", user, token)
            if r.success:
                return r
        await server.challenge_auth(json.dumps({"status": "invalid_token"}))
        return AuthResult(success=False, handled=False)

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        return self.check(mechanism, auth_data.login, auth_data.password)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        rec = {
            "n": n,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "rcpt_options": envelope.rcpt_options,
            "helo": session.host_name,
            "auth": session.auth_data if isinstance(session.auth_data, str)
            else None,
            "tls": server.transport is not None and
            server.transport.get_extra_info("ssl_object") is not None,
            "size": len(envelope.original_content),
        }
        d = self.args.record
        if d:
            with open(os.path.join(d, "%d.eml" % n), "wb") as f:
                f.write(envelope.original_content)
            line = json.dumps(rec, sort_keys=True)
            with open(os.path.join(d, "%d.json" % n), "w") as f:
                f.write(line + "\n")
            with open(os.path.join(d, "envelopes.jsonl"), "a") as f:
                f.write(line + "\n")
        if self.args.doveadm_conf:
            for rcpt in envelope.rcpt_tos:
                user = rcpt.rsplit("@", 1)[0]
                if user not in self.users:
                    continue
                r = subprocess.run(
                    [self.args.doveadm, "-c", self.args.doveadm_conf, "save",
                     "-u", user, "-m", "INBOX"],
                    input=envelope.original_content, capture_output=True)
                if r.returncode != 0:
                    sys.stderr.write("doveadm save: %s\n" %
                                     r.stderr.decode("utf-8", "replace"))
                    return "451 4.3.0 delivery failed"
        if self.args.data_delay > 0:
            # The message is recorded; the reply to its final dot waits.
            await asyncio.sleep(self.args.data_delay)
        return "250 2.0.0 Ok: queued as %d" % n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", choices=["starttls", "implicit", "none"],
                    default="starttls")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--passwd")
    ap.add_argument("--user", action="append")
    ap.add_argument("--size", type=int, default=33554432)
    ap.add_argument("--no-8bitmime", action="store_true")
    ap.add_argument("--smtputf8", action="store_true")
    ap.add_argument("--pipelining", action="store_true")
    ap.add_argument("--no-auth", action="store_true")
    ap.add_argument("--record")
    ap.add_argument("--data-delay", type=float, default=0)
    ap.add_argument("--doveadm-conf")
    ap.add_argument("--doveadm", default="/usr/bin/doveadm")
    args = ap.parse_args()

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    users = load_users(args)
    handler = Handler(args, users)
    ctx = None
    if args.tls != "none":
        if not args.cert or not args.key:
            ap.error("--tls %s needs --cert and --key" % args.tls)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
    if args.record:
        os.makedirs(args.record, exist_ok=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return SMTP(
            handler,
            hostname="smtp.test",
            ident="tern test server",
            data_size_limit=args.size or None,
            enable_SMTPUTF8=args.smtputf8,
            decode_data=False,
            tls_context=ctx if args.tls == "starttls" else None,
            require_starttls=args.tls == "starttls",
            auth_required=not args.no_auth,
            auth_require_tls=args.tls == "starttls",
            authenticator=handler.authenticator,
            loop=loop)

    server = loop.run_until_complete(loop.create_server(
        factory, host=args.host, port=args.port,
        ssl=ctx if args.tls == "implicit" else None))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
