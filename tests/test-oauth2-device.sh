#!/bin/bash
# tern oauth2 ACCOUNT, the device grant of RFC 8628 (src/oauth.c), end to
# end against tests/oauth-server.py serving the harness's certificate over
# HTTPS (tls_ca_file = the harness CA; dovecot runs but is not used):
#   - it prints the verification URI and the user code and how long the
#     code lasts, polls the token endpoint at the interval given, and hands
#     the refresh token to oauth2_store_cmd (the file it writes holds the
#     token, exactly), or prints it when there is no store command;
#   - what it sent: client_id and scope to the device endpoint, the device
#     grant with device_code, client_id and the client secret of
#     oauth2_client_secret_cmd to the token endpoint; nothing it logs
#     (--log) holds a secret;
#   - slow_down adds five seconds to the interval (the poll times);
#   - access_denied and expired_token, an endpoint that is down, one whose
#     certificate is not trusted, one for another host name, one that does
#     not answer within the timeout, one that answers HTTP 500 with HTML,
#     a redirect to http://, an answer over 1 MiB: exit status 1 and one
#     line on stderr naming the cause;
#   - Ctrl-C (SIGINT) while it waits ends it at once with "interrupted".
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 0
# libcurl honours the proxy variables: the endpoints are on 127.0.0.1.
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY
d=$HARNESS_DIR/oauth
mkdir -p "$d" "$XDG_CONFIG_HOME/tern"
chmod 700 "$XDG_CONFIG_HOME/tern"
printf '%s\n' 'client-secret-1' >"$d/client-secret"

# config [LINE]...: account "mail" with the endpoints of the server at
# host ${HOST:-localhost} (after each oauth_start: the port changes), the
# CA ${CA:-$HARNESS_CA}, a client secret; LINEs added.
config()
{
	local host=${HOST:-localhost}
	(
		umask 077
		printf '%s\n' "[account mail]" \
		    "imap = imaps://localhost:$HARNESS_IMAPS_PORT" \
		    "user = $HARNESS_USER" \
		    "tls_ca_file = ${CA:-$HARNESS_CA}" \
		    "oauth2_client_id = tern-test-client" \
		    "oauth2_client_secret_cmd = cat '$d/client-secret'" \
		    "oauth2_token_url = https://$host:$OAUTH_PORT/token" \
		    "oauth2_device_url = https://$host:$OAUTH_PORT/device" \
		    "oauth2_scope = https://mail.example/ offline_access" \
		    "$@" >"$XDG_CONFIG_HOME/tern/config"
	)
}

# run: tern oauth2 mail, with its log; sets OUT, ERR, RC.
run()
{
	RC=0
	"$TERN" --log "$d/tern.log" oauth2 mail >"$d/out" 2>"$d/err" || RC=$?
	OUT=$(cat "$d/out")
	ERR=$(cat "$d/err")
}

# requests PATH [FIELD]: one line per request to PATH: the value of FIELD
# in its form, or the whole form as sorted JSON.
requests()
{
	"$TERN_PYTHON" - "$OAUTH_LOG" "$@" <<'EOF'
import json, sys
path = sys.argv[2]
field = sys.argv[3] if len(sys.argv) > 3 else None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] != path:
        continue
    if field is None:
        print(json.dumps(r["form"], sort_keys=True))
    else:
        print(r["form"].get(field, "<absent>"))
EOF
}

# poll_gaps SECONDS...: the polls of /token came SECONDS apart, each gap
# no shorter (less 0.2 s of clock jitter) and at most 2.5 s longer (the
# request itself, on a loaded machine, under ASan).
poll_gaps()
{
	local why
	why=$("$TERN_PYTHON" - "$OAUTH_LOG" "$@" <<'EOF'
import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1])
     if json.loads(l)["path"] == "/token"]
want = [float(x) for x in sys.argv[2:]]
got = [b - a for a, b in zip(t, t[1:])]
if len(got) != len(want) or not all(w - 0.2 <= g <= w + 2.5
                                    for g, w in zip(got, want)):
    print("polls %s s apart, expected %s" % (
        " ".join("%.2f" % g for g in got), " ".join(sys.argv[2:])))
EOF
	)
	[ -z "$why" ] || fail "$why"
}

# one_line: stderr is one line, starting "tern: mail: ".
one_line()
{
	assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "$1: lines on stderr ($ERR)"
	assert_contains "$ERR" "tern: mail: " "$1"
}

# 1. The sign-in, the refresh token going to oauth2_store_cmd.
oauth_start --pending 2 --refresh-token 'refresh/token+1=' --access-token \
    access-secret-1
config "oauth2_store_cmd = cat >'$d/stored'"
run
assert_eq 0 "$RC" "exit status of the sign-in ($ERR)"
assert_contains "$OUT" "https://localhost/device" "the verification URI"
assert_contains "$OUT" "WDJB-MJHT" "the user code"
assert_contains "$OUT" "https://localhost/device?user_code=WDJB-MJHT" \
    "the complete verification URI"
assert_contains "$OUT" "10 minutes" "how long the code is valid"
assert_contains "$OUT" "oauth2_store_cmd" "where the token went"
assert_not_contains "$OUT" "refresh/token" "the token on stdout"
assert_eq "" "$ERR" "stderr of the sign-in"
[ "$(cat "$d/stored")" = 'refresh/token+1=' ] ||
    fail "the store command got '$(cat "$d/stored")'"
[ "$(wc -c <"$d/stored")" = 16 ] || fail "the stored token is not exact"
assert_eq '{"client_id": "tern-test-client", "scope": "https://mail.example/ offline_access"}' \
    "$(requests /device)" "the device request"
assert_eq "3" "$(requests /token | wc -l)" "polls (2 pending, 1 success)"
assert_eq "urn:ietf:params:oauth:grant-type:device_code" \
    "$(requests /token grant_type | sort -u)" "grant_type"
assert_eq "device-code-1" "$(requests /token device_code | sort -u)" \
    "device_code"
assert_eq "tern-test-client" "$(requests /token client_id | sort -u)" \
    "client_id of the polls"
assert_eq "client-secret-1" "$(requests /token client_secret | sort -u)" \
    "client_secret of the polls"
assert_eq "<absent>" "$(requests /device client_secret)" \
    "no client secret to the device endpoint"
poll_gaps 1 1
log=$(cat "$d/tern.log")
assert_contains "$log" "oauth2: POST https://localhost:$OAUTH_PORT/token: HTTP 200" \
    "the log"
for secret in refresh/token client-secret-1 device-code-1 access-secret-1; do
	assert_not_contains "$log" "$secret" "the log"
done

# 2. No store command: the token is printed; slow_down honoured.
oauth_start --pending 1 --slow-down --refresh-token refresh-token-2
config
run
assert_eq 0 "$RC" "exit status without a store command ($ERR)"
assert_contains "$OUT" "refresh-token-2" "the printed refresh token"
assert_eq "refresh-token-2" "$(printf '%s\n' "$OUT" | tail -n 1)" \
    "the token alone on the last line"
# Polls: pending, then slow_down 1 s later, then success 6 s (1 + 5) later.
poll_gaps 1 6

# 3. access_denied, expired_token.
oauth_start --pending 1 --mode denied
config
run
assert_eq 1 "$RC" "exit status when denied"
one_line "denied"
assert_contains "$ERR" "the sign-in was denied: access_denied (The user denied the request.)" \
    "denied"
oauth_start --pending 0 --mode expired
config
run
assert_eq 1 "$RC" "exit status when expired"
one_line "expired"
assert_contains "$ERR" "expired" "expired"
assert_contains "$ERR" 'tern oauth2 mail' "expired: what to do"

# 4. The endpoint is down: nothing listens on the port any more.
oauth_start
oauth_stop
config
run
assert_eq 1 "$RC" "exit status, endpoint down"
one_line "down"
assert_contains "$ERR" "cannot connect" "down"
assert_contains "$ERR" "https://localhost:$OAUTH_PORT/device" "down: which URL"

# 5. Certificates: one from another CA, one for another host name.
oauth_start
CA=$HARNESS_OTHER_CA config
run
assert_eq 1 "$RC" "exit status, untrusted certificate"
one_line "untrusted"
assert_contains "$ERR" "certificate" "untrusted"
[ ! -s "$OAUTH_LOG" ] || fail "a request crossed an untrusted connection"
HOST=127.0.0.1 config
run
assert_eq 1 "$RC" "exit status, wrong host name"
one_line "wrong host"
assert_contains "$ERR" "certificate" "wrong host"
[ ! -s "$OAUTH_LOG" ] || fail "a request went to the wrong host"
# A self-signed certificate for localhost, not the harness CA's.
self_signed_cert "$d"
oauth_start --cert "$d/self.pem" --key "$d/self.key"
config
run
assert_eq 1 "$RC" "exit status, self-signed certificate"
one_line "self-signed"
assert_contains "$ERR" "certificate is not accepted" "self-signed"

# 6. No answer within the timeout; HTTP 500 with HTML; a redirect to
# http://; an answer over 1 MiB.
oauth_start --mode slow --delay 20
config "timeout = 2"
start=$(date +%s)
run
took=$(($(date +%s) - start))
assert_eq 1 "$RC" "exit status, timeout"
one_line "timeout"
assert_contains "$ERR" "no answer within 2 seconds" "timeout"
[ "$took" -le 6 ] || fail "the timeout of 2 s took $took s"
oauth_start --mode error500
config
run
assert_eq 1 "$RC" "exit status, HTTP 500"
one_line "500"
assert_contains "$ERR" "answered HTTP 500: the answer is not a JSON object" "500"
oauth_start --mode redirect
config
run
assert_eq 1 "$RC" "exit status, redirect"
one_line "redirect"
assert_contains "$ERR" "HTTP 302" "redirect"
assert_eq 1 "$(wc -l <"$OAUTH_LOG")" "requests after a redirect"
oauth_start --mode huge
config
run
assert_eq 1 "$RC" "exit status, huge answer"
one_line "huge"
assert_contains "$ERR" "larger than 1024 kB" "huge"

# 7. Ctrl-C while it waits for the sign-in.
oauth_start --pending 1000
config
"$TERN" oauth2 mail >"$d/out" 2>"$d/err" &
pid=$!
wait_until 10 grep -q WDJB-MJHT "$d/out" || fail "no code printed"
wait_until 10 grep -q '"/token"' "$OAUTH_LOG" || fail "no poll"
kill -INT "$pid"
start=$(date +%s)
RC=0
wait "$pid" || RC=$?
took=$(($(date +%s) - start))
ERR=$(cat "$d/err")
assert_eq 1 "$RC" "exit status after Ctrl-C"
one_line "Ctrl-C"
assert_contains "$ERR" "interrupted" "Ctrl-C"
[ "$took" -le 3 ] || fail "Ctrl-C took $took s"

# 8. Not an OAuth account; no account named.
printf '%s\n' "[account mail]" "imap = imaps://localhost:1" "user = a" \
    "password_cmd = echo x" >"$XDG_CONFIG_HOME/tern/config"
run
assert_eq 2 "$RC" "exit status, not an OAuth account"
assert_contains "$ERR" "oauth2_client_id" "not an OAuth account"
RC=0
"$TERN" oauth2 >/dev/null 2>"$d/err" || RC=$?
assert_eq 2 "$RC" "exit status, no account"

echo "PASS: tern oauth2: sign-in, store command, slow_down, refusals, failures, Ctrl-C"
