#!/bin/bash
# OAuth 2.0 sign-in end to end against the harness dovecot, with
# auth_mechanisms = plain login oauthbearer xoauth2 (dovecot then checks a
# bearer token against the passwd-file password, so the token that works
# is alice's password):
#   - oauth2_token_cmd over IMAP and POP3, with auth = auto (OAUTHBEARER,
#     which dovecot offers), auth = oauthbearer and auth = xoauth2: each
#     signs in with the mechanism asked for, and the mail comes;
#   - a token the server refuses: the command is run once more (a fresh
#     token) and the sign-in tried once more, never again: one clear
#     error, exit 1; a command whose second token works signs in;
#   - no password is asked for, and the token is in no file tern wrote
#     (the cache, the --log) and not in the log's protocol trace;
#   - the built-in refresh against tests/oauth-server.py: the refresh
#     token exchanged (grant, client id, scope as sent), IMAP and POP3
#     signed in, a rotated refresh token handed to oauth2_store_cmd; a
#     refused access token refreshed once; a refused refresh token
#     (invalid_grant), an endpoint down, slow, or with a certificate not
#     trusted: one clear line each.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

HARNESS_DOVECOT_EXTRA='auth_mechanisms = plain login oauthbearer xoauth2' \
    harness_start -n 20
db=$XDG_CACHE_HOME/tern/test.db
token=$HARNESS_PASS
runs=$HARNESS_DIR/token-runs

# A token command that counts its runs and prints the token it is given.
cat >"$HARNESS_DIR/token.sh" <<'EOF'
#!/bin/sh
# token.sh RUNS TOKEN [TOKEN2]: TOKEN the first time, TOKEN2 after.
echo run >>"$1"
if [ -n "${3:-}" ] && [ "$(wc -l <"$1")" -gt 1 ]; then
	printf '%s\n' "$3"
else
	printf '%s\n' "$2"
fi
EOF
chmod 755 "$HARNESS_DIR/token.sh"

# oauth_sync WHAT PROTO AUTH TOKEN [TOKEN2]: tern sync with a token command.
oauth_sync()
{
	local what=$1 proto=$2 auth=$3
	shift 3
	rm -f "$runs" "$db" "$HARNESS_DIR/oauth.log"
	harness_config --no-password "$proto" \
	    "oauth2_token_cmd = $HARNESS_DIR/token.sh $runs $*" \
	    "auth = $auth" >/dev/null
	"$TERN" --log "$HARNESS_DIR/oauth.log" sync test \
	    </dev/null >"$HARNESS_DIR/oauth.out" 2>"$HARNESS_DIR/oauth.err"
}

for proto in imaps pop3s; do
	for auth in auto oauthbearer xoauth2; do
		case $auth in
		auto | oauthbearer) mech=OAUTHBEARER ;;
		*) mech=XOAUTH2 ;;
		esac
		oauth_sync "$proto $auth" "$proto" "$auth" "$token" ||
			fail "$proto, auth = $auth: sync failed: $(cat "$HARNESS_DIR/oauth.err")"
		assert_contains "$(cat "$HARNESS_DIR/oauth.log")" \
		    "logged in to localhost:" "$proto $auth: signed in"
		assert_contains "$(cat "$HARNESS_DIR/oauth.log")" "($mech)" \
		    "$proto $auth: the mechanism"
		assert_eq 1 "$(wc -l <"$runs")" "$proto $auth: token runs"
		assert_eq 20 "$(sqlite3 "$db" "SELECT total FROM folder WHERE name = 'INBOX'")" \
		    "$proto $auth: messages"
		assert_not_contains "$(cat "$HARNESS_DIR/oauth.log")" "$token" \
		    "$proto $auth: the token in the log"
		if grep -rlF "$token" "$XDG_CACHE_HOME" "$HOME" >/dev/null; then
			fail "$proto $auth: the token is in a file: $(grep -rlF "$token" "$XDG_CACHE_HOME" "$HOME")"
		fi
		echo "ok: $proto auth = $auth"
	done
done

# A refused token: a fresh one once, one more try, then one clear error.
for proto in imaps pop3s; do
	rc=0
	oauth_sync "refused" "$proto" auto wrong-token || rc=$?
	assert_eq 1 "$rc" "$proto refused token: exit status"
	assert_eq 2 "$(wc -l <"$runs")" "$proto refused token: token runs"
	assert_contains "$(cat "$HARNESS_DIR/oauth.err")" \
	    "refused the OAuth 2.0 access token" "$proto refused token: message"
	assert_contains "$(cat "$HARNESS_DIR/oauth.err")" "invalid_token" \
	    "$proto refused token: the server's reason"
	assert_eq 1 "$(grep -c '^tern:' "$HARNESS_DIR/oauth.err")" \
	    "$proto refused token: one error line"
	echo "ok: $proto refused token"

	# The second token (a refresh) works.
	oauth_sync "second" "$proto" xoauth2 stale-token "$token" ||
		fail "$proto: the fresh token did not sign in: $(cat "$HARNESS_DIR/oauth.err")"
	assert_eq 2 "$(wc -l <"$runs")" "$proto second token: runs"
	assert_eq 20 "$(sqlite3 "$db" "SELECT total FROM folder WHERE name = 'INBOX'")" \
	    "$proto second token: messages"
	echo "ok: $proto fresh token after a refused one"
done

# A token command that fails: its own words, and no sign-in tried.
harness_config --no-password imaps "oauth2_token_cmd = exit 3" >/dev/null
rc=0
"$TERN" sync test </dev/null 2>"$HARNESS_DIR/fail.err" || rc=$?
assert_eq 1 "$rc" "failing token command: exit status"
assert_contains "$(cat "$HARNESS_DIR/fail.err")" \
    "oauth2_token_cmd failed (exit status 3)" \
    "failing token command: named"
echo "ok: a failing token command"

# The built-in refresh: the refresh token (from its command) exchanged at
# the token endpoint for the access token the server takes.
# refresh_sync PROTO [LINE]...: tern sync with the built-in refresh.
refresh_sync()
{
	local proto=$1
	shift
	rm -f "$db"
	: >"$OAUTH_LOG" 2>/dev/null || true
	harness_config --no-password "$proto" \
	    "oauth2_token_url = $OAUTH_URL/token" \
	    "oauth2_client_id = tern-test" \
	    "oauth2_refresh_token_cmd = echo refresh-1" \
	    "oauth2_scope = mail" "$@" >/dev/null
	rc=0
	"$TERN" --log "$HARNESS_DIR/refresh.log" sync test </dev/null \
	    >/dev/null 2>"$HARNESS_DIR/refresh.err" || rc=$?
}

token_requests()
{
	grep -c '"path": "/token"' "$OAUTH_LOG" || true
}

store=$HARNESS_DIR/stored-refresh
oauth_start --access-token "$token" --expect-refresh refresh-1 \
    --rotate refresh-2
for proto in imaps pop3s; do
	rm -f "$store"
	refresh_sync "$proto" "oauth2_store_cmd = cat >$store"
	assert_eq 0 "$rc" "$proto refresh: exit status ($(cat "$HARNESS_DIR/refresh.err"))"
	assert_eq 20 "$(sqlite3 "$db" "SELECT total FROM folder WHERE name = 'INBOX'")" \
	    "$proto refresh: messages"
	assert_eq 1 "$(token_requests)" "$proto refresh: token requests"
	req=$(cat "$OAUTH_LOG")
	assert_contains "$req" '"grant_type": "refresh_token"' "$proto refresh: grant"
	assert_contains "$req" '"client_id": "tern-test"' "$proto refresh: client id"
	assert_contains "$req" '"scope": "mail"' "$proto refresh: scope"
	# The rotated refresh token went to the store command, exactly.
	assert_eq refresh-2 "$(cat "$store")" "$proto refresh: rotated token stored"
	assert_not_contains "$(cat "$HARNESS_DIR/refresh.log")" "$token" \
	    "$proto refresh: the access token in the log"
	assert_not_contains "$(cat "$HARNESS_DIR/refresh.log")" refresh-2 \
	    "$proto refresh: the refresh token in the log"
	if grep -rlF "$token" "$XDG_CACHE_HOME" "$HOME" >/dev/null; then
		fail "$proto refresh: the token is in a file"
	fi
	echo "ok: $proto built-in refresh"
done
oauth_stop

# An access token the server refuses: refreshed once, tried once more.
oauth_start --access-token wrong-token
refresh_sync imaps
assert_eq 1 "$rc" "refused access token: exit status"
assert_eq 2 "$(token_requests)" "refused access token: token requests"
assert_contains "$(cat "$HARNESS_DIR/refresh.err")" \
    "refused the OAuth 2.0 access token" "refused access token: message"
echo "ok: a refused access token is refreshed once"
oauth_stop

# A refused refresh token: the endpoint's words, and no sign-in tried.
oauth_start --mode invalid_grant
refresh_sync pop3s
assert_eq 1 "$rc" "invalid_grant: exit status"
assert_eq 1 "$(grep -c '^tern:' "$HARNESS_DIR/refresh.err")" \
    "invalid_grant: one line"
assert_contains "$(cat "$HARNESS_DIR/refresh.err")" \
    "invalid_grant (Token has been expired or revoked.)" "invalid_grant: said"
assert_contains "$(cat "$HARNESS_DIR/refresh.err")" "tern oauth2 test" \
    "invalid_grant: what to do"
assert_eq 1 "$(token_requests)" "invalid_grant: token requests"
echo "ok: a refused refresh token"
oauth_stop

# The endpoint down, slow, or with a certificate not trusted.
refresh_sync imaps
assert_eq 1 "$rc" "endpoint down: exit status"
assert_contains "$(cat "$HARNESS_DIR/refresh.err")" "cannot connect" \
    "endpoint down: message"
echo "ok: the endpoint down"
oauth_start --mode slow --delay 20
start=$(date +%s)
refresh_sync imaps "timeout = 2"
assert_eq 1 "$rc" "slow endpoint: exit status"
[ $(($(date +%s) - start)) -le 12 ] ||
	fail "slow endpoint: took $(($(date +%s) - start)) s"
assert_contains "$(cat "$HARNESS_DIR/refresh.err")" "no answer within" \
    "slow endpoint: message"
echo "ok: a slow endpoint"
oauth_stop
self_signed_cert "$HARNESS_DIR"
oauth_start --cert "$HARNESS_DIR/self.pem" --key "$HARNESS_DIR/self.key"
refresh_sync imaps
assert_eq 1 "$rc" "bad certificate: exit status"
assert_contains "$(cat "$HARNESS_DIR/refresh.err")" "certificate" \
    "bad certificate: message"
assert_eq 0 "$(token_requests)" "bad certificate: no request crossed"
echo "ok: an endpoint with a certificate not trusted"
oauth_stop
