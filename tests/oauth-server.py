#!/usr/bin/env python3
"""A small OAuth 2.0 token and device authorization endpoint over HTTPS.

For tern's OAuth tests (src/oauth.c): the refresh grant of RFC 6749 and the
device grant of RFC 8628, with the failures a test needs. Standard library
only; it serves until killed (the test stops it by its PID).

Usage:
  oauth-server.py --port-file F --log F2 --cert PEM --key PEM
                  [--port N] [--mode MODE] [--control F3]
                  [--access-token T] [--expires-in S] [--rotate NEW]
                  [--expect-refresh R] [--refresh-token R]
                  [--pending N] [--slow-down] [--interval S]
                  [--device-expires-in S] [--delay S]

  --port-file F   listen on 127.0.0.1 (port --port N, default a free one);
                  the port is written to F once it listens (atomically:
                  wait for F to exist, then read it)
  --log F2        one JSON object a line per request, flushed at once:
                  {"time": UNIX seconds (float), "method": "POST",
                  "path": "/token", "form": {field: value, ...}} with the
                  form fields decoded, secrets included (they are the
                  test's own), keys sorted (json.dumps(sort_keys=True))
  --cert/--key    the certificate and key served (the harness's
                  $HARNESS_CERT and $HARNESS_KEY: trusted with
                  tls_ca_file = $HARNESS_CA, for host name localhost)
  --mode MODE     what the endpoints do (default normal):
                    normal, refresh, device: as the grants say (below)
                    invalid_grant  POST /token with grant_type
                                   refresh_token: 400 {"error":
                                   "invalid_grant", "error_description":
                                   "Token has been expired or revoked."}
                    error500       every request: 500, an HTML body
                    slow           every request: sleep --delay seconds
                                   (default 30), then answer as normal
                    redirect       every request: 302 to http:// on the
                                   same port
                    huge           every request: 200 with 2 MiB of JSON
                    denied         the device polls: --pending
                                   authorization_pending, then
                                   access_denied
                    expired        the same with expired_token
  --control F3    if F3 exists, its first line is the mode of each request
                  (read anew every time): a test switches modes without a
                  restart
  --access-token T  the access token handed out (default access-token-1)
  --expires-in S  its expires_in (default 3600; "none" leaves it out,
                  "string" sends it as the string "3600")
  --rotate NEW    the refresh grant also answers refresh_token NEW
  --expect-refresh R  the refresh grant answers invalid_grant unless the
                  refresh_token sent is R
  --refresh-token R  the refresh token the device grant ends with (default
                  refresh-token-1)
  --pending N     device polls answered authorization_pending first
                  (default 2)
  --slow-down     then one slow_down
  --interval S    the device answer's interval (default 1)
  --device-expires-in S  the device answer's expires_in (default 600)

Endpoints: POST /token (grant_type refresh_token or
urn:ietf:params:oauth:grant-type:device_code) and POST /device (answers
device_code "device-code-1", user_code "WDJB-MJHT", verification_uri
https://localhost/device, verification_uri_complete with ?user_code=).
Anything else is 404. Events and errors go to stderr, never to the log.
"""

import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

DEVICE_CODE = "device-code-1"
USER_CODE = "WDJB-MJHT"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

args = None
log_lock = threading.Lock()
state_lock = threading.Lock()
device_polls = 0


def current_mode():
    if args.control and os.path.exists(args.control):
        with open(args.control) as f:
            line = f.readline().strip()
        if line:
            return line
    return args.mode


def record(method, path, form):
    entry = {"time": time.time(), "method": method, "path": path,
             "form": form}
    with log_lock:
        with open(args.log, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oauth-server.py"

    def log_message(self, fmt, *a):
        sys.stderr.write("oauth-server: %s\n" % (fmt % a))

    def answer(self, status, body, ctype="application/json",
               headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def json(self, status, obj):
        self.answer(status, json.dumps(obj))

    def do_GET(self):
        record("GET", self.path, {})
        self.answer(404, "not found\n", "text/plain")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        form = {k: v[0] for k, v in
                urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        record("POST", self.path, form)
        mode = current_mode()
        if mode == "slow":
            time.sleep(args.delay)
        elif mode == "error500":
            self.answer(500, "<html><body><h1>500 Internal Server Error"
                        "</h1></body></html>\n", "text/html")
            return
        elif mode == "redirect":
            port = self.server.server_address[1]
            self.answer(302, "", "text/plain",
                        {"Location": "http://127.0.0.1:%d%s" %
                         (port, self.path)})
            return
        elif mode == "huge":
            self.answer(200, '{"pad": "' + "x" * (2 * 1024 * 1024) + '"}')
            return
        if self.path == "/device":
            self.device(form)
        elif self.path == "/token":
            self.token(form, mode)
        else:
            self.answer(404, "not found\n", "text/plain")

    def device(self, form):
        if not form.get("client_id"):
            self.json(400, {"error": "invalid_client"})
            return
        self.json(200, {
            "device_code": DEVICE_CODE,
            "user_code": USER_CODE,
            "verification_uri": "https://localhost/device",
            "verification_uri_complete":
                "https://localhost/device?user_code=" + USER_CODE,
            "expires_in": args.device_expires_in,
            "interval": args.interval,
        })

    def token_answer(self, refresh=None):
        obj = {"access_token": args.access_token, "token_type": "Bearer"}
        if args.expires_in == "string":
            obj["expires_in"] = "3600"
        elif args.expires_in != "none":
            obj["expires_in"] = int(args.expires_in)
        if refresh is not None:
            obj["refresh_token"] = refresh
        self.json(200, obj)

    def token(self, form, mode):
        global device_polls
        grant = form.get("grant_type")
        if not form.get("client_id"):
            self.json(401, {"error": "invalid_client",
                            "error_description": "no client_id"})
            return
        if grant == "refresh_token":
            if mode == "invalid_grant" or (
                    args.expect_refresh is not None and
                    form.get("refresh_token") != args.expect_refresh):
                self.json(400, {"error": "invalid_grant",
                                "error_description":
                                    "Token has been expired or revoked."})
                return
            self.token_answer(args.rotate)
            return
        if grant == DEVICE_GRANT:
            if form.get("device_code") != DEVICE_CODE:
                self.json(400, {"error": "invalid_grant",
                                "error_description": "unknown device_code"})
                return
            with state_lock:
                device_polls += 1
                k = device_polls
            if k <= args.pending:
                self.json(400, {"error": "authorization_pending"})
            elif args.slow_down and k == args.pending + 1:
                self.json(400, {"error": "slow_down"})
            elif mode == "denied":
                self.json(400, {"error": "access_denied",
                                "error_description":
                                    "The user denied the request."})
            elif mode == "expired":
                self.json(400, {"error": "expired_token"})
            else:
                self.token_answer(args.refresh_token)
            return
        self.json(400, {"error": "unsupported_grant_type"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, ctx):
        self.ctx = ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # The handshake in the request's thread, not in accept().
        request.settimeout(30)
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            sys.stderr.write("oauth-server: TLS handshake failed: %s\n" % e)
            return
        try:
            Handler(conn, client_address, self)
        except (ssl.SSLError, OSError) as e:
            sys.stderr.write("oauth-server: %s\n" % e)
        finally:
            try:
                conn.close()
            except OSError:
                pass


def main():
    global args
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", default="normal",
                   choices=["normal", "refresh", "device", "invalid_grant",
                            "error500", "slow", "redirect", "huge",
                            "denied", "expired"])
    p.add_argument("--control")
    p.add_argument("--access-token", default="access-token-1")
    p.add_argument("--expires-in", default="3600")
    p.add_argument("--rotate")
    p.add_argument("--expect-refresh")
    p.add_argument("--refresh-token", default="refresh-token-1")
    p.add_argument("--pending", type=int, default=2)
    p.add_argument("--slow-down", action="store_true")
    p.add_argument("--interval", type=int, default=1)
    p.add_argument("--device-expires-in", type=int, default=600)
    p.add_argument("--delay", type=float, default=30)
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    open(args.log, "a").close()
    srv = Server(("127.0.0.1", args.port), ctx)
    port = srv.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    sys.stderr.write("oauth-server: listening on 127.0.0.1:%d\n" % port)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
