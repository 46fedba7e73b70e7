/*
 * Fuzz target: the terminal sanitiser and the measuring functions of
 * text.h. The first byte of the input picks a width, the rest is text
 * from a hostile server. Checked, for text_sanitize() with and without
 * TEXT_KEEP_NEWLINES: the output is terminal-safe (tests/testutil.c's
 * checker) and sanitising it again changes nothing; text_fit() returns the
 * width of what it appended, never more than asked, and stops only where
 * the next character would not fit; text_wrap() gives safe lines no wider
 * than asked that keep every visible character; and the raw, unsanitised
 * text through text_fit() and text_wrap() still gives safe output.
 * text_utf8_next() agrees with the independent UTF-8 validator.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "../tests/testutil.h"
#include "fuzz.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

static void
fuzz_utf8_walk(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned int cp;
	size_t i, n;
	int bad = 0;

	for (i = 0; i < len; i += n) {
		n = text_utf8_next(s + i, len - i, &cp);
		if (n < 1 || n > 4 || n > len - i || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			fuzz_fail("text_utf8_next: %zu bytes, U+%04X at %zu",
			    n, cp, i);
		if (n == 1 && cp == 0xfffd)
			bad = 1;
		else
			strbuf_add_utf8(&sb, cp);
	}
	if (bad == tu_utf8_valid(s, len, NULL))
		fuzz_fail("text_utf8_next and the validator disagree");
	if (!bad && (sb.len != len || memcmp(sb.buf, s, len) != 0))
		fuzz_fail("text_utf8_next: code points do not re-encode");
	strbuf_release(&sb);
}

/* Check text_fit() of S (sanitised when SANE) at COLS, with PAD. */
static void
fuzz_fit(const char *s, int cols, int pad, int sane)
{
	struct strbuf sb = STRBUF_INIT, next = STRBUF_INIT;
	unsigned int cp;
	size_t n, len = strlen(s);
	int used, w;

	used = text_fit(&sb, s, cols, pad);
	fuzz_check_safe("text_fit", sb.buf, sb.len, 0);
	if ((w = text_width(sb.buf)) != used)
		fuzz_fail("text_fit: returned %d, appended %d columns", used,
		    w);
	if (used > cols || (pad && used != cols))
		fuzz_fail("text_fit: %d columns at %d (pad %d)", used, cols,
		    pad);
	if (!sane || pad)
		goto out;
	/* A prefix of S, as long as fits. */
	if (sb.len > len || memcmp(sb.buf, s, sb.len) != 0)
		fuzz_fail("text_fit: not a prefix");
	if (sb.len < len) {
		n = text_utf8_next(s + sb.len, len - sb.len, &cp);
		strbuf_add(&next, s + sb.len, n);
		if (cp != '\n' && used + text_width(next.buf) <= cols)
			fuzz_fail("text_fit: stopped at byte %zu (%d columns "
			    "of %d) before \"%s\"", sb.len, used, cols,
			    next.buf);
	}
out:
	strbuf_release(&next);
	strbuf_release(&sb);
}

static void
fuzz_wrap(const char *s, int cols, int sane)
{
	struct text_lines lines = TEXT_LINES_INIT;

	text_wrap(&lines, s, cols);
	if (*s == '\0' && lines.n != 0)
		fuzz_fail("text_wrap: %zu lines of nothing", lines.n);
	fuzz_check_wrap("text_wrap", &lines, cols < 1 ? 1 : cols,
	    sane ? s : NULL);
	text_lines_release(&lines);
}

FUZZ_TARGET(text)
{
	struct strbuf sane = STRBUF_INIT, again = STRBUF_INIT;
	char *s, *dup;
	int cols, flags;
	size_t len;

	if (size < 1)
		return (0);
	cols = data[0] % 100;
	s = fuzz_strndup(data + 1, size - 1);
	len = size - 1;
	fuzz_utf8_walk(s, len);

	for (flags = 0; flags <= TEXT_KEEP_NEWLINES; flags++) {
		strbuf_reset(&sane);
		text_sanitize(&sane, s, len, flags);
		fuzz_check_safe("text_sanitize", sane.buf, sane.len, flags);
		strbuf_reset(&again);
		text_sanitize(&again, sane.buf, sane.len, flags);
		if (again.len != sane.len ||
		    memcmp(again.buf, sane.buf, sane.len) != 0)
			fuzz_fail("text_sanitize: not the same the second "
			    "time");
		if (strlen(s) == len) {
			dup = text_sanitize_dup(s, flags);
			if (strcmp(dup, sane.buf) != 0)
				fuzz_fail("text_sanitize_dup differs");
			free(dup);
		}
		if (text_width(sane.buf) < 0)
			fuzz_fail("text_width: negative");
		fuzz_fit(sane.buf, cols, 0, 1);
		fuzz_fit(sane.buf, cols, 1, 1);
		fuzz_wrap(sane.buf, cols, 1);
	}

	/* Unsanitised text must still come out safe. */
	fuzz_fit(s, cols, 0, 0);
	fuzz_wrap(s, cols, 0);

	strbuf_release(&again);
	strbuf_release(&sane);
	free(s);
	return (0);
}
