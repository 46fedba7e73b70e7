/*
 * Fuzz target: the HTML-to-text converter. The input is the HTML of a
 * text/html part. Checked, with and without links: the text is valid
 * UTF-8 of the length returned, and renders to safe display lines; and
 * html_entity() at every '&' uses no more bytes than it has and appends
 * UTF-8, or nothing when it reads no reference.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "html.h"
#include "strbuf.h"
#include "xmalloc.h"

FUZZ_TARGET(html)
{
	struct strbuf sb = STRBUF_INIT;
	char *s, *out;
	size_t len, i, used;
	int flags;

	/* Exactly SIZE bytes: the converter must not read past them. */
	s = xmalloc(size > 0 ? size : 1);
	if (size > 0)
		memcpy(s, data, size);
	for (flags = 0; flags <= HTML_NO_LINKS; flags++) {
		len = (size_t)-1;
		out = html_to_text(s, size, flags, &len);
		if (out == NULL || len == (size_t)-1 || out[len] != '\0')
			fuzz_fail("html_to_text: %zu bytes", len);
		fuzz_check_utf8("html_to_text", out, len);
		fuzz_render("html_to_text", out, len, TEXT_KEEP_NEWLINES);
		free(out);
	}
	for (i = 0; i < size; i++) {
		if (s[i] != '&')
			continue;
		strbuf_reset(&sb);
		used = html_entity(&sb, s + i, size - i);
		if (used > size - i || (used == 0 && sb.len != 0) ||
		    (used > 0 && sb.len == 0))
			fuzz_fail("html_entity at %zu: %zu bytes used, %zu "
			    "appended", i, used, sb.len);
		fuzz_check_utf8("html_entity", sb.buf, sb.len);
	}
	strbuf_release(&sb);
	free(s);
	return (0);
}
