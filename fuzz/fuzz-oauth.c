/*
 * Fuzz target: the OAuth 2.0 answers and forms of src/oauth.c. The input
 * is parsed as a token endpoint's answer and as a device authorization
 * answer. Checked: a parse that succeeds gives a token of visible ASCII
 * (RFC 6749's VSCHAR) or an error, never both, and every string meant for
 * the terminal (error, description, user code, URIs) is safe there, on
 * one line; codes of the device answer are all there. Then the input,
 * up to its first NUL, goes into a form: the body holds only unreserved
 * characters and %XX, and decodes back to the input.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "oauth.h"
#include "xmalloc.h"

/* Fail unless S (WHAT) is NULL or visible ASCII, non-empty. */
static void
check_vschar(const char *what, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL)
		return;
	if (*p == '\0')
		fuzz_fail("oauth: empty %s", what);
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			fuzz_fail("oauth: byte 0x%02x in %s", *p, what);
}

/* Fail unless S (WHAT) is NULL or safe on a terminal, one line. */
static void
check_line(const char *what, const char *s)
{
	if (s != NULL)
		fuzz_check_safe(what, s, strlen(s), 0);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

FUZZ_TARGET(oauth)
{
	static int init;
	struct oauth_token tok;
	struct oauth_device dev;
	struct oauth_buf b = OAUTH_BUF_INIT;
	char *err = NULL, *s, *out, *o;
	const char *p;
	int hi, lo;

	if (!init) {
		oauth_global_init();
		init = 1;
	}
	if (oauth_token_parse((const char *)data, size, &tok, &err) == 0) {
		if ((tok.access_token == NULL) == (tok.error == NULL))
			fuzz_fail("oauth: token and error %p %p",
			    (void *)tok.access_token, (void *)tok.error);
		check_vschar("access_token", tok.access_token);
		check_vschar("refresh_token", tok.refresh_token);
		check_line("error", tok.error);
		check_line("error_description", tok.error_description);
		if (tok.expires_in < 0)
			fuzz_fail("oauth: expires_in %ld", tok.expires_in);
	} else if (err == NULL)
		fuzz_fail("oauth: token parse failed without a message");
	oauth_token_release(&tok);
	free(err);
	err = NULL;

	if (oauth_device_parse((const char *)data, size, &dev, &err) == 0) {
		if (dev.error == NULL && (dev.device_code == NULL ||
		    dev.user_code == NULL || dev.verification_uri == NULL))
			fuzz_fail("oauth: device answer without its codes");
		check_vschar("device_code", dev.device_code);
		check_line("user_code", dev.user_code);
		check_line("verification_uri", dev.verification_uri);
		check_line("verification_uri_complete",
		    dev.verification_uri_complete);
		check_line("error", dev.error);
		check_line("error_description", dev.error_description);
		if (dev.error == NULL && dev.interval < 1)
			fuzz_fail("oauth: interval %ld", dev.interval);
	} else if (err == NULL)
		fuzz_fail("oauth: device parse failed without a message");
	oauth_device_release(&dev);
	free(err);

	s = fuzz_strndup(data, size);
	oauth_form_add(&b, "v", s);
	if (b.len < 2 || memcmp(b.buf, "v=", 2) != 0)
		fuzz_fail("oauth: form starts \"%.2s\"", b.buf);
	out = o = xmalloc(b.len + 1);
	for (p = b.buf + 2; *p != '\0'; p++) {
		if (*p == '%') {
			if ((hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0)
				fuzz_fail("oauth: bad escape in the form");
			*o++ = (char)(hi << 4 | lo);
			p += 2;
		} else if (strchr("-._~", *p) != NULL ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9'))
			*o++ = *p;
		else
			fuzz_fail("oauth: byte 0x%02x in the form",
			    (unsigned char)*p);
	}
	*o = '\0';
	if (strcmp(out, s) != 0)
		fuzz_fail("oauth: the form does not decode to the input");
	free(out);
	oauth_buf_release(&b);
	free(s);
	return (0);
}
