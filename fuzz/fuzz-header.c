/*
 * Fuzz target: the decoders of mime.h that read one field or one piece of
 * text. The whole input is a raw header value for mime_decode_header() and
 * a date for mime_parse_date(); its first line names a charset for
 * mime_to_utf8() of the rest, which also goes through
 * mime_flowed_decode(). Checked: the results are UTF-8 (and terminal-safe
 * once sanitised), UTF-8 stays as it is, and a date that parses prints
 * back to the same time.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/testutil.h"
#include "fuzz.h"
#include "mime.h"
#include "strbuf.h"
#include "xmalloc.h"

static void
fuzz_date(const char *s)
{
	static const char *months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	char buf[64];
	time_t t, again;
	struct tm tm;

	if ((t = mime_parse_date(s)) == -1)
		return;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 ||
	    tm.tm_year > 9999 - 1900)
		return;
	snprintf(buf, sizeof buf, "%d %s %d %02d:%02d:%02d +0000",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if ((again = mime_parse_date(buf)) != t)
		fuzz_fail("date \"%s\" is %lld, printed back \"%s\" is %lld",
		    s, (long long)t, buf, (long long)again);
}

FUZZ_TARGET(header)
{
	struct strbuf sb = STRBUF_INIT;
	const uint8_t *rest;
	char *s, *charset, *out;
	size_t len, rest_len;
	int valid;

	s = fuzz_strndup(data, size);
	out = mime_decode_header(s, size);
	fuzz_check_utf8("decoded header", out, strlen(out));
	fuzz_render("decoded header", out, strlen(out), 0);
	free(out);
	fuzz_date(s);
	free(s);

	fuzz_split(data, size, &charset, &rest, &rest_len);
	s = fuzz_strndup(rest, rest_len);
	valid = tu_utf8_valid(s, rest_len, NULL);
	out = mime_to_utf8(charset, s, rest_len, &len);
	if (out[len] != '\0')
		fuzz_fail("mime_to_utf8: no NUL after %zu bytes", len);
	fuzz_check_utf8("mime_to_utf8", out, len);
	free(out);
	/* Valid UTF-8 labelled us-ascii or utf-8 is taken as it is. */
	if (valid) {
		out = mime_to_utf8(rest_len % 2 ? "utf-8" : NULL, s,
		    rest_len, &len);
		if (len != rest_len || memcmp(out, s, len) != 0)
			fuzz_fail("mime_to_utf8: valid UTF-8 changed");
		free(out);
	}

	mime_flowed_decode(&sb, s, rest_len, 0);
	if (valid)
		fuzz_check_utf8("flowed", sb.buf, sb.len);
	strbuf_reset(&sb);
	mime_flowed_decode(&sb, s, rest_len, 1);
	if (valid)
		fuzz_check_utf8("flowed (delsp)", sb.buf, sb.len);
	strbuf_release(&sb);
	free(s);
	free(charset);
	return (0);
}
