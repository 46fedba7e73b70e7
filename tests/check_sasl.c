/*
 * Unit tests of the SASL mechanisms (src/sasl.h) against the examples of
 * their RFCs: PLAIN (RFC 4616), OAUTHBEARER (RFC 7628 4.1 and 4.3),
 * XOAUTH2 (Google's documented example), LOGIN, base64 (RFC 4648 10)
 * and the APOP digest (RFC 1321's MD5 suite and RFC 1939's example).
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"
#include "testutil.h"
#include "xmalloc.h"

/* RFC 1321's test suite (the digest of TIMESTAMP + PASSWORD) and RFC 1939's
 * APOP example. */
static const struct {
	const char *timestamp, *password, *want;
} md5_rows[] = {
	{ "", "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "", "0cc175b9c0f1b6a831c399e269772661" },
	{ "ab", "c", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message ", "digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklm", "nopqrstuvwxyz",
	  "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "0123456789",
	  "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "1234567890123456789012345678901234567890",
	  "1234567890123456789012345678901234567890",
	  "57edf4a22be3c955ac49da2e2107b67a" },
	/* 55 and 56 bytes: either side of the one-block padding limit. */
	{ "0123456789012345678901234567890123456789", "012345678901234",
	  "6e7a4fc92eb1c3f6e652425bcc8d44b5" },
	{ "0123456789012345678901234567890123456789", "0123456789012345",
	  "8af270b2847610e742b0791b53648c09" },
	{ "<1896.697170952@dbc.mtview.ca.us>", "tanstaaf",
	  "c4c9334bac560ecc979e58001b3e22fb" },
};

START_TEST(test_apop_digest)
{
	char out[33];

	memset(out, 'x', sizeof out);
	sasl_apop_digest(md5_rows[_i].timestamp, md5_rows[_i].password, out);
	ck_assert_msg(strcmp(out, md5_rows[_i].want) == 0,
	    "row %d: got %s, want %s", _i, out, md5_rows[_i].want);
}
END_TEST

START_TEST(test_plain)
{
	struct sasl s = { .mech = SASL_PLAIN, .user = "tim",
	    .secret = "tanstaaftanstaaf" };
	char *r;

	ck_assert_str_eq(sasl_mech_name(SASL_PLAIN), "PLAIN");
	r = sasl_initial(&s);
	ck_assert_str_eq(r, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	xfree_secret(r);
	/* Everything went in the first response: a challenge cancels. */
	ck_assert_ptr_null(sasl_step(&s, ""));
	ck_assert(!sasl_mech_is_oauth(SASL_PLAIN));
	sasl_done(&s);
}
END_TEST

START_TEST(test_login)
{
	struct sasl s = { .mech = SASL_LOGIN, .user = "tim",
	    .secret = "tanstaaf" };
	char *r;

	ck_assert_ptr_null(sasl_initial(&s));
	r = sasl_step(&s, "VXNlcm5hbWU6");	/* "Username:" */
	ck_assert_str_eq(r, "dGlt");
	free(r);
	r = sasl_step(&s, "UGFzc3dvcmQ6");	/* "Password:" */
	ck_assert_str_eq(r, "dGFuc3RhYWY=");
	xfree_secret(r);
	ck_assert_ptr_null(sasl_step(&s, ""));
	sasl_done(&s);
}
END_TEST

/* RFC 7628 4.1: the initial response, then the server's OK. */
START_TEST(test_oauthbearer)
{
	struct sasl s = { .mech = SASL_OAUTHBEARER,
	    .user = "user@example.com",
	    .secret = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
	    .host = "server.example.com", .port = 143 };
	char *r;

	ck_assert(sasl_mech_is_oauth(SASL_OAUTHBEARER));
	ck_assert_str_eq(sasl_mech_name(SASL_OAUTHBEARER), "OAUTHBEARER");
	r = sasl_initial(&s);
	ck_assert_str_eq(r, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4"
	    "YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNS"
	    "bGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	xfree_secret(r);
	ck_assert_ptr_null(s.error);
	sasl_done(&s);
}
END_TEST

/*
 * RFC 7628 4.3: a refused token. The server's challenge is its JSON
 * error; the client answers with a single ^A ("AQ==") and the server
 * then fails the exchange. A second challenge cancels.
 */
START_TEST(test_oauthbearer_error)
{
	struct sasl s = { .mech = SASL_OAUTHBEARER, .user = "user@example.com",
	    .secret = "token", .host = NULL };
	char *r;

	r = sasl_initial(&s);
	xfree_secret(r);
	r = sasl_step(&s, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFt"
	    "cGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1w"
	    "bGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=");
	ck_assert_str_eq(r, "AQ==");
	free(r);
	ck_assert_str_eq(s.error, "{\"status\":\"invalid_token\",\"scope\":"
	    "\"example_scope\",\"openid-configuration\":\"https://example.com"
	    "/.well-known/openid-configuration\"}");
	ck_assert_ptr_null(sasl_step(&s, ""));
	sasl_done(&s);
	ck_assert_ptr_null(s.error);
}
END_TEST

/* Without host, and with a user whose ',' and '=' GS2 escapes. */
START_TEST(test_oauthbearer_escape)
{
	struct sasl s = { .mech = SASL_OAUTHBEARER, .user = "a,b=c",
	    .secret = "T" };
	char *r, *raw;
	size_t len;

	r = sasl_initial(&s);
	raw = sasl_b64_decode(r, &len);
	ck_assert_ptr_nonnull(raw);
	ck_assert_uint_eq(len, strlen("n,a=a=2Cb=3Dc,\001auth=Bearer T"
	    "\001\001"));
	ck_assert_mem_eq(raw, "n,a=a=2Cb=3Dc,\001auth=Bearer T\001\001", len);
	xfree_secret(raw);
	xfree_secret(r);
}
END_TEST

/* Google's example of the XOAUTH2 initial client response. */
START_TEST(test_xoauth2)
{
	struct sasl s = { .mech = SASL_XOAUTH2, .user = "someuser@example.com",
	    .secret = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg" };
	char *r;

	r = sasl_initial(&s);
	ck_assert_str_eq(r, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJl"
	    "ciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBA"
	    "Q==");
	xfree_secret(r);
	/* An error challenge (as dovecot sends it) is answered empty. */
	r = sasl_step(&s, "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2Nv"
	    "cGUiOiJtYWlsIn0=");
	ck_assert_str_eq(r, "");
	free(r);
	ck_assert_str_eq(s.error,
	    "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}");
	sasl_done(&s);
}
END_TEST

/* An error challenge that is not base64, or has control bytes. */
START_TEST(test_error_printable)
{
	struct sasl s = { .mech = SASL_XOAUTH2, .user = "u", .secret = "t" };
	char *r;

	r = sasl_step(&s, "not base64 \033[31m");
	ck_assert_str_eq(r, "");
	free(r);
	ck_assert_str_eq(s.error, "not base64 ?[31m");
	sasl_done(&s);
	r = sasl_step(&s, "G1sybQ==");	/* ESC [ 2 m */
	free(r);
	ck_assert_ptr_null(s.error);	/* the second step gives up */
	s.step = 0;
	r = sasl_step(&s, "G1sybQ==");
	free(r);
	ck_assert_str_eq(s.error, "?[2m");
	sasl_done(&s);
}
END_TEST

/* RFC 4648 10, both ways, and what decoding refuses. */
START_TEST(test_base64)
{
	static const char *rows[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v YmFy", "Zm9v\nYmFy", "Zm=v", "Zm9$",
		"=Zm9",
	};
	size_t i, len;
	char *r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		r = sasl_b64_encode(rows[i][0], strlen(rows[i][0]));
		ck_assert_str_eq(r, rows[i][1]);
		free(r);
		r = sasl_b64_decode(rows[i][1], &len);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(len, strlen(rows[i][0]));
		ck_assert_str_eq(r, rows[i][0]);
		free(r);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(sasl_b64_decode(bad[i], &len) == NULL,
		    "\"%s\" decoded", bad[i]);
	/* Bytes that are not text, NUL among them. */
	r = sasl_b64_decode("AAEC/w==", &len);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(r, "\000\001\002\377", 4);
	free(r);
}
END_TEST

static Suite *
sasl_suite(void)
{
	Suite *s = suite_create("sasl");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_apop_digest, 0,
	    sizeof md5_rows / sizeof md5_rows[0]);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_login);
	tcase_add_test(tc, test_oauthbearer);
	tcase_add_test(tc, test_oauthbearer_error);
	tcase_add_test(tc, test_oauthbearer_escape);
	tcase_add_test(tc, test_xoauth2);
	tcase_add_test(tc, test_error_printable);
	tcase_add_test(tc, test_base64);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(sasl_suite());
}
