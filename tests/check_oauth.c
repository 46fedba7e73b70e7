/*
 * Unit tests for the pure parts of src/oauth.c: the token endpoint's
 * answers (RFC 6749 5.1 and 5.2, in the shapes Google and Microsoft send),
 * the device authorization answers (RFC 8628 3.2, Google's
 * verification_url too), the form bodies and the secret buffer. The
 * exchanges themselves run against tests/oauth-server.py in
 * tests/test-oauth2-device.sh.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "oauth.h"

#define MAXSECS (10L * 365 * 24 * 3600)

/* Token answers: what oauth_token_parse() returns and fills in. */
static const struct {
	const char *name;
	const char *json;
	int rc;
	const char *access;	/* NULL: none */
	const char *refresh;
	long expires_in;
	const char *error;
	const char *description;
	const char *errmsg;	/* a part of *err when rc is -1 */
} token_rows[] = {
	{ "Google access token",
	  "{\n  \"access_token\": \"ya29.a0AfB_byC-token\",\n"
	  "  \"expires_in\": 3599,\n"
	  "  \"scope\": \"https://mail.google.com/\",\n"
	  "  \"token_type\": \"Bearer\"\n}",
	  0, "ya29.a0AfB_byC-token", NULL, 3599, NULL, NULL, NULL },
	{ "Microsoft access and rotated refresh token",
	  "{\"token_type\":\"Bearer\",\"scope\":\"https://outlook.office.com/"
	  "IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send\","
	  "\"expires_in\":4280,\"ext_expires_in\":4280,"
	  "\"access_token\":\"eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJo.c2ln\","
	  "\"refresh_token\":\"0.AXoA-refresh_token.x\"}",
	  0, "eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJo.c2ln", "0.AXoA-refresh_token.x",
	  4280, NULL, NULL, NULL },
	{ "expires_in as a string, lower-case bearer",
	  "{\"access_token\":\"t\",\"token_type\":\"bearer\","
	  "\"expires_in\":\"3600\"}",
	  0, "t", NULL, 3600, NULL, NULL, NULL },
	{ "no expires_in, no token_type",
	  "{\"access_token\":\"t\"}", 0, "t", NULL, 0, NULL, NULL, NULL },
	{ "expires_in not a number",
	  "{\"access_token\":\"t\",\"expires_in\":\"soon\"}",
	  0, "t", NULL, 0, NULL, NULL, NULL },
	{ "expires_in negative",
	  "{\"access_token\":\"t\",\"expires_in\":-5}",
	  0, "t", NULL, 0, NULL, NULL, NULL },
	{ "expires_in a real",
	  "{\"access_token\":\"t\",\"expires_in\":3599.9}",
	  0, "t", NULL, 3599, NULL, NULL, NULL },
	{ "expires_in too large",
	  "{\"access_token\":\"t\",\"expires_in\":1e30}",
	  0, "t", NULL, MAXSECS, NULL, NULL, NULL },
	{ "expires_in a long string",
	  "{\"access_token\":\"t\",\"expires_in\":\"99999999999999999999\"}",
	  0, "t", NULL, MAXSECS, NULL, NULL, NULL },
	{ "Google invalid_grant",
	  "{\n  \"error\": \"invalid_grant\",\n"
	  "  \"error_description\": \"Token has been expired or revoked.\"\n}",
	  0, NULL, NULL, 0, "invalid_grant",
	  "Token has been expired or revoked.", NULL },
	{ "Microsoft invalid_grant, first line of a long description",
	  "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70000: "
	  "The provided value for the 'refresh_token' is not valid.\\r\\n"
	  "Trace ID: 0a1b\\r\\nCorrelation ID: 2c3d\\r\\nTimestamp: "
	  "2024-05-01 10:00:00Z\",\"error_codes\":[70000],\"timestamp\":"
	  "\"2024-05-01 10:00:00Z\",\"trace_id\":\"0a1b\",\"correlation_id\":"
	  "\"2c3d\",\"error_uri\":\"https://login.microsoftonline.com/"
	  "error?code=70000\"}",
	  0, NULL, NULL, 0, "invalid_grant",
	  "AADSTS70000: The provided value for the 'refresh_token' is not "
	  "valid.", NULL },
	{ "an error without a description",
	  "{\"error\":\"invalid_client\"}",
	  0, NULL, NULL, 0, "invalid_client", NULL, NULL },
	{ "an error wins over a token",
	  "{\"error\":\"slow_down\",\"access_token\":\"t\"}",
	  0, NULL, NULL, 0, "slow_down", NULL, NULL },
	{ "a description with a terminal escape",
	  "{\"error\":\"x\",\"error_description\":\"\\u001b[31mred\"}",
	  0, NULL, NULL, 0, "x", "^[[31mred", NULL },
	{ "an error code with a control character",
	  "{\"error\":\"a\\u0007b\"}", 0, NULL, NULL, 0, "a^Gb", NULL, NULL },
	{ "HTML", "<html><body>500</body></html>", -1, NULL, NULL, 0, NULL,
	  NULL, "not a JSON object" },
	{ "empty", "", -1, NULL, NULL, 0, NULL, NULL, "not a JSON object" },
	{ "an array", "[\"access_token\"]", -1, NULL, NULL, 0, NULL, NULL,
	  "not a JSON object" },
	{ "a form-encoded answer",
	  "access_token=gho_secret&scope=mail&token_type=bearer", -1, NULL,
	  NULL, 0, NULL, NULL, "not a JSON object" },
	{ "truncated JSON", "{\"access_token\":\"t\"", -1, NULL, NULL, 0,
	  NULL, NULL, "not a JSON object" },
	{ "duplicate keys",
	  "{\"access_token\":\"a\",\"access_token\":\"b\"}", -1, NULL, NULL,
	  0, NULL, NULL, "not a JSON object" },
	{ "neither token nor error", "{\"token_type\":\"Bearer\"}", -1, NULL,
	  NULL, 0, NULL, NULL, "neither an access_token nor an error" },
	{ "access_token a number", "{\"access_token\":42}", -1, NULL, NULL,
	  0, NULL, NULL, "neither an access_token nor an error" },
	{ "access_token with a NUL (jansson refuses it)",
	  "{\"access_token\":\"a\\u0000b\"}", -1, NULL, NULL, 0, NULL,
	  NULL, "not a JSON object" },
	{ "access_token with a newline", "{\"access_token\":\"a\\nb\"}", -1,
	  NULL, NULL, 0, NULL, NULL, "characters a token cannot have" },
	{ "access_token empty", "{\"access_token\":\"\"}", -1, NULL, NULL,
	  0, NULL, NULL, "characters a token cannot have" },
	{ "access_token not ASCII",
	  "{\"access_token\":\"t\\u00e9\"}", -1, NULL, NULL, 0, NULL, NULL,
	  "characters a token cannot have" },
	{ "refresh_token with a control character",
	  "{\"access_token\":\"t\",\"refresh_token\":\"r\\u0001\"}", -1, NULL,
	  NULL, 0, NULL, NULL, "refresh_token holds characters" },
	{ "not a Bearer token",
	  "{\"access_token\":\"t\",\"token_type\":\"mac\"}", -1, NULL, NULL,
	  0, NULL, NULL, "of type \"mac\", not Bearer" },
};

/* Compare two strings that may be NULL. */
static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

START_TEST(test_token_rows)
{
	struct oauth_token tok;
	const char *json = token_rows[_i].json;
	char *err = NULL;
	int rc;

	rc = oauth_token_parse(json, strlen(json), &tok, &err);
	ck_assert_msg(rc == token_rows[_i].rc, "row %d (%s): rc %d (%s)", _i,
	    token_rows[_i].name, rc, err != NULL ? err : "");
	if (rc == 0) {
		ck_assert_msg(err == NULL, "row %d: err set", _i);
		ck_assert_msg(same(tok.access_token, token_rows[_i].access),
		    "row %d (%s): access_token \"%s\"", _i,
		    token_rows[_i].name, tok.access_token);
		ck_assert_msg(same(tok.refresh_token, token_rows[_i].refresh),
		    "row %d (%s): refresh_token \"%s\"", _i,
		    token_rows[_i].name, tok.refresh_token);
		ck_assert_msg(tok.expires_in == token_rows[_i].expires_in,
		    "row %d (%s): expires_in %ld", _i, token_rows[_i].name,
		    tok.expires_in);
		ck_assert_msg(same(tok.error, token_rows[_i].error),
		    "row %d (%s): error \"%s\"", _i, token_rows[_i].name,
		    tok.error);
		ck_assert_msg(same(tok.error_description,
		    token_rows[_i].description),
		    "row %d (%s): error_description \"%s\"", _i,
		    token_rows[_i].name, tok.error_description);
	} else {
		ck_assert_msg(err != NULL && strstr(err,
		    token_rows[_i].errmsg) != NULL,
		    "row %d (%s): err \"%s\"", _i, token_rows[_i].name, err);
		/* jansson's message would quote the answer: never shown. */
		ck_assert_msg(strstr(err, "gho_secret") == NULL,
		    "row %d: the answer leaked into \"%s\"", _i, err);
	}
	oauth_token_release(&tok);
	ck_assert(tok.access_token == NULL && tok.error == NULL);
	free(err);
}
END_TEST

/* A description longer than the limit is cut at a character, with "...". */
START_TEST(test_token_long_description)
{
	struct oauth_token tok;
	char json[2048], *err = NULL;
	size_t i, n;

	n = (size_t)snprintf(json, sizeof json,
	    "{\"error\":\"e\",\"error_description\":\"x");
	/* "x" and 250 "é" (two bytes each): byte 300 is inside one. */
	for (i = 0; i < 250; i++) {
		json[n++] = '\xc3';
		json[n++] = '\xa9';
	}
	n += (size_t)snprintf(json + n, sizeof json - n, "\"}");
	ck_assert_int_eq(oauth_token_parse(json, n, &tok, &err), 0);
	ck_assert_ptr_nonnull(tok.error_description);
	n = strlen(tok.error_description);
	ck_assert_msg(n <= 300 + 3, "%zu bytes", n);
	ck_assert_str_eq(tok.error_description + n - 3, "...");
	ck_assert_msg(tok.error_description[n - 4] == '\xa9',
	    "cut inside a character");
	oauth_token_release(&tok);
	free(err);
}
END_TEST

/* Device answers: what oauth_device_parse() returns and fills in. */
static const struct {
	const char *name;
	const char *json;
	int rc;
	const char *device_code;
	const char *user_code;
	const char *uri;
	const char *uri_complete;
	long expires_in;
	long interval;
	const char *error;
	const char *errmsg;
} device_rows[] = {
	{ "RFC 8628's example",
	  "{\"device_code\": \"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS\",\n"
	  " \"user_code\": \"WDJB-MJHT\",\n"
	  " \"verification_uri\": \"https://example.com/device\",\n"
	  " \"verification_uri_complete\":\n"
	  "     \"https://example.com/device?user_code=WDJB-MJHT\",\n"
	  " \"expires_in\": 1800,\n \"interval\": 5}",
	  0, "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS", "WDJB-MJHT",
	  "https://example.com/device",
	  "https://example.com/device?user_code=WDJB-MJHT", 1800, 5, NULL,
	  NULL },
	{ "Google (verification_url)",
	  "{\n  \"device_code\": \"AH-1Ng2-device-code\",\n"
	  "  \"user_code\": \"GQVQ-JKEC\",\n"
	  "  \"verification_url\": \"https://www.google.com/device\",\n"
	  "  \"expires_in\": 1800,\n  \"interval\": 5\n}",
	  0, "AH-1Ng2-device-code", "GQVQ-JKEC",
	  "https://www.google.com/device", NULL, 1800, 5, NULL, NULL },
	{ "Microsoft (with a message)",
	  "{\"user_code\":\"FR3WQ7H9C\",\"device_code\":\"FAQABAAEAAAD-code\","
	  "\"verification_uri\":\"https://microsoft.com/devicelogin\","
	  "\"expires_in\":900,\"interval\":5,\"message\":\"To sign in, use a "
	  "web browser to open the page https://microsoft.com/devicelogin "
	  "and enter the code FR3WQ7H9C to authenticate.\"}",
	  0, "FAQABAAEAAAD-code", "FR3WQ7H9C",
	  "https://microsoft.com/devicelogin", NULL, 900, 5, NULL, NULL },
	{ "no interval: 5 s; expires_in a string",
	  "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":"
	  "\"https://e/d\",\"expires_in\":\"600\"}",
	  0, "d", "u", "https://e/d", NULL, 600, 5, NULL, NULL },
	{ "a user code with an escape",
	  "{\"device_code\":\"d\",\"user_code\":\"\\u001b]0;x\\u0007\","
	  "\"verification_uri\":\"https://e/d\"}",
	  0, "d", "^[]0;x^G", "https://e/d", NULL, 0, 5, NULL, NULL },
	{ "an error",
	  "{\"error\":\"invalid_client\",\"error_description\":\"The OAuth "
	  "client was not found.\"}",
	  0, NULL, NULL, NULL, NULL, 0, 0, "invalid_client", NULL },
	{ "no user_code",
	  "{\"device_code\":\"d\",\"verification_uri\":\"https://e/d\"}",
	  -1, NULL, NULL, NULL, NULL, 0, 0, NULL, "lacks a device_code" },
	{ "no verification_uri",
	  "{\"device_code\":\"d\",\"user_code\":\"u\"}",
	  -1, NULL, NULL, NULL, NULL, 0, 0, NULL, "lacks a device_code" },
	{ "no device_code",
	  "{\"user_code\":\"u\",\"verification_uri\":\"https://e/d\"}",
	  -1, NULL, NULL, NULL, NULL, 0, 0, NULL, "lacks a device_code" },
	{ "a device_code with a space",
	  "{\"device_code\":\"d\\t\",\"user_code\":\"u\","
	  "\"verification_uri\":\"https://e/d\"}",
	  -1, NULL, NULL, NULL, NULL, 0, 0, NULL, "device_code holds" },
	{ "not JSON", "Service Unavailable", -1, NULL, NULL, NULL, NULL, 0, 0,
	  NULL, "not a JSON object" },
};

START_TEST(test_device_rows)
{
	struct oauth_device dev;
	const char *json = device_rows[_i].json;
	char *err = NULL;
	int rc;

	rc = oauth_device_parse(json, strlen(json), &dev, &err);
	ck_assert_msg(rc == device_rows[_i].rc, "row %d (%s): rc %d (%s)",
	    _i, device_rows[_i].name, rc, err != NULL ? err : "");
	if (rc == 0) {
		ck_assert_msg(same(dev.error, device_rows[_i].error),
		    "row %d (%s): error \"%s\"", _i, device_rows[_i].name,
		    dev.error);
		if (dev.error == NULL) {
			ck_assert_msg(same(dev.device_code,
			    device_rows[_i].device_code),
			    "row %d (%s): device_code \"%s\"", _i,
			    device_rows[_i].name, dev.device_code);
			ck_assert_msg(same(dev.user_code,
			    device_rows[_i].user_code),
			    "row %d (%s): user_code \"%s\"", _i,
			    device_rows[_i].name, dev.user_code);
			ck_assert_msg(same(dev.verification_uri,
			    device_rows[_i].uri),
			    "row %d (%s): verification_uri \"%s\"", _i,
			    device_rows[_i].name, dev.verification_uri);
			ck_assert_msg(same(dev.verification_uri_complete,
			    device_rows[_i].uri_complete),
			    "row %d (%s): verification_uri_complete \"%s\"",
			    _i, device_rows[_i].name,
			    dev.verification_uri_complete);
			ck_assert_msg(dev.expires_in ==
			    device_rows[_i].expires_in,
			    "row %d (%s): expires_in %ld", _i,
			    device_rows[_i].name, dev.expires_in);
			ck_assert_msg(dev.interval == device_rows[_i].interval,
			    "row %d (%s): interval %ld", _i,
			    device_rows[_i].name, dev.interval);
		}
	} else
		ck_assert_msg(err != NULL && strstr(err,
		    device_rows[_i].errmsg) != NULL,
		    "row %d (%s): err \"%s\"", _i, device_rows[_i].name, err);
	oauth_device_release(&dev);
	ck_assert(dev.device_code == NULL && dev.user_code == NULL);
	free(err);
}
END_TEST

/* Form bodies: pairs added in order, and the body they make. */
static const struct {
	const char *pairs[8];	/* name, value, ..., NULL */
	const char *body;
} form_rows[] = {
	{ { "grant_type", "refresh_token", NULL },
	  "grant_type=refresh_token" },
	{ { "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
	    "device_code", "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS", NULL },
	  "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
	  "&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS" },
	{ { "scope", "https://mail.google.com/ offline_access", NULL },
	  "scope=https%3A%2F%2Fmail.google.com%2F%20offline_access" },
	{ { "client_secret", "a+b=c&d%e f", NULL },
	  "client_secret=a%2Bb%3Dc%26d%25e%20f" },
	{ { "client_id", "1234-abc.apps.googleusercontent.com", "x", "-._~",
	    NULL },
	  "client_id=1234-abc.apps.googleusercontent.com&x=-._~" },
	{ { "refresh_token", "1//0g\xc3\xbc\n", NULL },
	  "refresh_token=1%2F%2F0g%C3%BC%0A" },
	{ { "empty", "", "a", "b", NULL }, "empty=&a=b" },
};

START_TEST(test_form_rows)
{
	struct oauth_buf b = OAUTH_BUF_INIT;
	int k;

	for (k = 0; form_rows[_i].pairs[k] != NULL; k += 2)
		oauth_form_add(&b, form_rows[_i].pairs[k],
		    form_rows[_i].pairs[k + 1]);
	ck_assert_msg(b.buf != NULL && strcmp(b.buf, form_rows[_i].body) == 0,
	    "row %d: \"%s\"", _i, b.buf);
	ck_assert_uint_eq(b.len, strlen(form_rows[_i].body));
	oauth_buf_release(&b);
	ck_assert_ptr_null(b.buf);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* The buffer grows across many blocks and keeps every byte. */
START_TEST(test_buf_grows)
{
	struct oauth_buf b = OAUTH_BUF_INIT;
	char expect[10000];
	size_t i;

	for (i = 0; i < sizeof expect; i++) {
		expect[i] = (char)('a' + i % 26);
		oauth_buf_add(&b, &expect[i], 1);
		ck_assert(b.buf[b.len] == '\0');
	}
	ck_assert_uint_eq(b.len, sizeof expect);
	ck_assert(b.alloc > b.len);
	ck_assert(memcmp(b.buf, expect, sizeof expect) == 0);
	oauth_buf_add(&b, "", 0);
	ck_assert_uint_eq(b.len, sizeof expect);
	oauth_buf_release(&b);
	ck_assert_ptr_null(b.buf);
	oauth_buf_release(&b);
}
END_TEST

static Suite *
oauth_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("oauth");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_token_rows, 0,
	    sizeof token_rows / sizeof token_rows[0]);
	tcase_add_test(tc, test_token_long_description);
	tcase_add_loop_test(tc, test_device_rows, 0,
	    sizeof device_rows / sizeof device_rows[0]);
	suite_add_tcase(s, tc);
	tc = tcase_create("form");
	tcase_add_loop_test(tc, test_form_rows, 0,
	    sizeof form_rows / sizeof form_rows[0]);
	tcase_add_test(tc, test_buf_grows);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* jansson's clearing allocator, as tern runs it. */
	oauth_global_init();
	sr = srunner_create(oauth_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
