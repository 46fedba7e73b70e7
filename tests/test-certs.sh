#!/bin/bash
# Certificates refused alike on implicit TLS and on STARTTLS/STLS, for IMAP
# and POP3, against tests/fake-server.py serving certificates made here
# with openssl: a self-signed one, an expired one, one for another host,
# one from a CA the account does not trust, and a good one with a pin that
# does not match. Each refusal is exit status 1 and one line saying why,
# and the socket closes before anything else is sent: the fake received
# nothing (implicit TLS) or nothing after STARTTLS/STLS, and it ends at
# once. The good certificate from the trusted CA works in all four modes.
# (tests/test-tls.sh does the same against dovecot for the harness's own
# certificate; tests/check_tls.c unit-tests src/tls.c.)
set -eu
. "${TERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/harness.sh"

harness_start -n 0
. "$TERN_SRCDIR/tests/hardening.sh"
export FAKE_POP3_DIR=$HARNESS_DIR/box FAKE_POP3_USER=$HARNESS_USER
export FAKE_POP3_PASS=$HARNESS_PASS
mkdir -p "$FAKE_POP3_DIR"
printf 'Subject: one\n\nBody.\n' >"$FAKE_POP3_DIR/uidl-1"

# The certificates: a CA of our own and leaves for localhost.
c=$HARNESS_DIR/certs
mkdir -p "$c"
(
	cd "$c"
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=serverAuth" >leaf.ext
	printf '%s\n' "subjectAltName=DNS:other.example" \
	    "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=serverAuth" >other.ext
	printf '%s\n' "[ca]" "default_ca = t" "[t]" "database = index.txt" \
	    "new_certs_dir = ." "serial = serial" "default_md = sha256" \
	    "policy = pol" "unique_subject = no" "[pol]" \
	    "commonName = supplied" >ca.cnf
	: >index.txt
	echo 1000 >serial
	# shellcheck disable=SC2086
	openssl req -x509 $ec -keyout ca.key -out ca.pem -days 30 \
	    -subj "/CN=hardening test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
	# shellcheck disable=SC2086
	openssl req -new $ec -keyout leaf.key -out leaf.csr -subj /CN=localhost
	openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key \
	    -set_serial 101 -days 30 -extfile leaf.ext -out good.pem
	openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key \
	    -set_serial 102 -days 30 -extfile other.ext -out wronghost.pem
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
	    -in leaf.csr -startdate 20200101000000Z -enddate 20200201000000Z \
	    -extfile leaf.ext -notext -out expired.pem
	openssl req -x509 -new -key leaf.key -out self.pem -days 30 \
	    -subj /CN=localhost -addext "subjectAltName=DNS:localhost" \
	    -addext "basicConstraints=CA:FALSE"
) >"$HARNESS_DIR/certs.log" 2>&1 ||
    fail "cannot make the certificates: $(cat "$HARNESS_DIR/certs.log")"
bad_pin=sha256:$(printf '%064d' 0 | sed 's/../&:/g; s/:$//')

# try MODE CERT [LINE]...: tern sync against the fake in MODE (imaps,
# imap, pop3s, pop3) serving CERT, the account trusting our CA unless a
# LINE says otherwise.
try()
{
	local mode=$1 cert=$2 scenario fopt=() proto
	shift 2
	case $mode in
	imaps) scenario=imap-mailbox fopt=(--tls) proto=imap ;;
	imap) scenario=imap-starttls-mailbox proto=imap ;;
	pop3s) scenario=pop3-userpass fopt=(--tls) proto=pop3 ;;
	pop3) scenario=pop3-stls-mailbox proto=pop3 ;;
	esac
	rm -rf "$XDG_CACHE_HOME/tern"
	fake_start "$scenario" "${fopt[@]}" --cert "$c/$cert.pem" \
	    --key "$c/leaf.key" --timeout 10
	if [ "$#" -eq 0 ]; then
		set -- "tls_ca_file = $c/ca.pem"
	fi
	hard_config "$proto" "$mode://localhost:$FAKE_PORT" "$@"
	hard_run sync t
	wait_until 3 sh -c "! kill -0 $FAKE_PID 2>/dev/null" ||
	    fail "$mode $cert: the fake still waits: the socket was not closed"
	sent=$(cat "$FAKE_LOG")
	ferr=$(cat "$FAKE_ERR")
	fake_stop
}

# refused MODE CERT WHY [LINE]...
refused()
{
	local mode=$1 cert=$2 why=$3 name="$1 $2 ($3)"
	shift 3
	hard_case_start
	try "$mode" "$cert" "$@"
	hard_check "$name" "$why"
	case $mode in
	imaps | pop3s)
		assert_eq "" "$sent" "$name: nothing sent" ;;
	imap)
		assert_eq STARTTLS "$(printf '%s\n' "$sent" | tail -n 1 |
		    cut -d' ' -f2)" "$name: nothing sent after STARTTLS" ;;
	pop3)
		assert_eq STLS "$(printf '%s\n' "$sent" | tail -n 1)" \
		    "$name: nothing sent after STLS" ;;
	esac
	assert_not_contains "$sent" "$HARNESS_PASS" "$name: the password"
	hard_case "$name"
}

for mode in imaps imap pop3s pop3; do
	hard_case_start
	try "$mode" good
	hard_check "$mode good" ok
	hard_case "$mode good"
	refused "$mode" self "self-signed"
	refused "$mode" expired "expired"
	refused "$mode" wronghost "name mismatch"
	refused "$mode" good "untrusted issuer" "tls_ca_file = $HARNESS_CA"
	refused "$mode" good "pin mismatch" "tls_ca_file = $c/ca.pem" \
	    "tls_fingerprint = $bad_pin"
done
echo "ok"
