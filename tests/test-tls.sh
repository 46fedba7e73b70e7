#!/bin/bash
# TLS as tern does it, against the harness dovecot and a fake server:
# the harness CA is accepted, a missing or unrelated CA is refused, a wrong
# host name is refused, a matching pin is accepted and a wrong one refused,
# STARTTLS works, and a server that does not offer STARTTLS (or injects
# bytes after it) never receives the password.
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 5
conf=$XDG_CONFIG_HOME/tern/config
mkdir -p "$XDG_CONFIG_HOME/tern"
printf '%s\n' "$HARNESS_PASS" >"$HARNESS_DIR/pw"
chmod 600 "$HARNESS_DIR/pw"

# write_conf URL [LINE]...: one account "t" with the harness password.
write_conf()
{
	local url=$1
	shift
	{
		echo "[account t]"
		echo "imap = $url"
		echo "user = $HARNESS_USER"
		echo "password_cmd = cat $HARNESS_DIR/pw"
		for line in "$@"; do
			echo "$line"
		done
	} >"$conf"
	chmod 600 "$conf"
}

# expect_ok WHAT: tern sync t succeeds.
expect_ok()
{
	if ! "$TERN" sync t:INBOX 2>"$HARNESS_DIR/err"; then
		fail "$1: sync failed: $(cat "$HARNESS_DIR/err")"
	fi
	rm -rf "$XDG_CACHE_HOME/tern"
}

# expect_refused WHAT TEXT: tern sync t fails with one line holding TEXT.
expect_refused()
{
	local status=0
	"$TERN" sync t:INBOX 2>"$HARNESS_DIR/err" || status=$?
	assert_eq 1 "$status" "$1: exit status"
	assert_contains "$(cat "$HARNESS_DIR/err")" "$2" "$1: message"
	assert_eq 1 "$(grep -c . "$HARNESS_DIR/err")" "$1: one line"
	rm -rf "$XDG_CACHE_HOME/tern"
}

imaps=imaps://localhost:$HARNESS_IMAPS_PORT
starttls=imap://localhost:$HARNESS_IMAP_PORT

write_conf "$imaps" "tls_ca_file = $HARNESS_CA"
expect_ok "implicit TLS with the harness CA"

write_conf "$imaps"
expect_refused "implicit TLS, system store only" "untrusted issuer"

write_conf "$imaps" "tls_ca_file = $HARNESS_OTHER_CA"
expect_refused "implicit TLS, unrelated CA" "untrusted issuer"

# The system store as a folder of hashed names (Debian's /etc/ssl/certs),
# read one issuer at a time: the harness CA there is trusted, the other
# CA alone is not; SSL_CERT_FILE, when set, is the store instead.
if command -v openssl >/dev/null 2>&1; then
	for which in ca other; do
		mkdir -p "$HARNESS_DIR/store-$which"
		cp "$([ $which = ca ] && echo "$HARNESS_CA" ||
		    echo "$HARNESS_OTHER_CA")" "$HARNESS_DIR/store-$which/c.pem"
		openssl rehash "$HARNESS_DIR/store-$which" 2>/dev/null ||
		    c_rehash "$HARNESS_DIR/store-$which" >/dev/null
	done
	write_conf "$imaps"
	(
		unset SSL_CERT_FILE
		export SSL_CERT_DIR=$HARNESS_DIR/store-ca
		expect_ok "a hashed system store holding the CA"
		export SSL_CERT_DIR=$HARNESS_DIR/store-other
		expect_refused "a hashed system store without it" \
		    "untrusted issuer"
		export SSL_CERT_FILE=$HARNESS_CA
		expect_ok "SSL_CERT_FILE over the folder"
	)
fi

write_conf "imaps://127.0.0.1:$HARNESS_IMAPS_PORT" "tls_ca_file = $HARNESS_CA"
expect_refused "implicit TLS, wrong host name" "name mismatch"

write_conf "$imaps" "tls_ca_file = $HARNESS_CA" \
    "tls_fingerprint = $HARNESS_CERT_SHA256"
expect_ok "implicit TLS with a matching pin"

bad_pin=sha256:$(printf '%064d' 0 | sed 's/../&:/g; s/:$//')
write_conf "$imaps" "tls_ca_file = $HARNESS_CA" "tls_fingerprint = $bad_pin"
expect_refused "implicit TLS with a wrong pin" "pin mismatch"

write_conf "$starttls" "tls_ca_file = $HARNESS_CA"
expect_ok "STARTTLS with the harness CA"

write_conf "$starttls"
expect_refused "STARTTLS, system store only" "untrusted issuer"

write_conf "imap://127.0.0.1:$HARNESS_IMAP_PORT" "tls_ca_file = $HARNESS_CA"
expect_refused "STARTTLS, wrong host name" "name mismatch"

write_conf "$starttls" "tls_ca_file = $HARNESS_CA" "tls_fingerprint = $bad_pin"
expect_refused "STARTTLS with a wrong pin" "pin mismatch"

fake_start imap-no-starttls
write_conf "imap://localhost:$FAKE_PORT" "tls_ca_file = $HARNESS_CA"
expect_refused "STARTTLS not offered" "STARTTLS"
if grep -qi "LOGIN\|AUTHENTICATE" "$FAKE_LOG"; then
	fail "credentials were sent to a server without STARTTLS"
fi
fake_stop

fake_start imap-starttls-inject
write_conf "imap://localhost:$FAKE_PORT" "tls_ca_file = $HARNESS_CA"
expect_refused "bytes injected after STARTTLS" "STARTTLS"
if grep -qi "LOGIN\|AUTHENTICATE" "$FAKE_LOG"; then
	fail "credentials were sent after an injected STARTTLS answer"
fi
fake_stop
echo "ok"
