/*
 * The helpers of the fuzz targets (see fuzz.h): failure reports, input
 * splitting, and the checks of what text.h promises about terminal-safe
 * text, judged by tests/testutil.c's independent checker.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/testutil.h"
#include "fuzz.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

const char *fuzz_input_name;


void
fuzz_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	/* format_date() reads local time: the same everywhere. */
	setenv("TZ", "UTC", 1);
	tzset();
	if (tu_utf8_locale() != 0)
		fuzz_fail("no UTF-8 locale for wcwidth()");
}

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	if (fuzz_input_name != NULL)
		fprintf(stderr, "%s: ", fuzz_input_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s;

	s = xmalloc(size + 1);
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

void
fuzz_split(const uint8_t *data, size_t size, char **head_r,
    const uint8_t **rest_r, size_t *rest_len_r)
{
	const uint8_t *nl;

	nl = size > 0 ? memchr(data, '\n', size) : NULL;
	if (nl == NULL) {
		*head_r = fuzz_strndup(data, size);
		*rest_r = data + size;
		*rest_len_r = 0;
		return;
	}
	*head_r = fuzz_strndup(data, (size_t)(nl - data));
	*rest_r = nl + 1;
	*rest_len_r = size - (size_t)(nl - data) - 1;
}

void
fuzz_check_utf8(const char *what, const char *s, size_t len)
{
	size_t bad;

	if (s == NULL)
		fuzz_fail("%s: NULL", what);
	if (!tu_utf8_valid(s, len, &bad))
		fuzz_fail("%s: invalid UTF-8 at byte %zu of %zu", what, bad,
		    len);
}

void
fuzz_check_safe(const char *what, const char *s, size_t len, int allow_nl)
{
	char why[128];

	if (s == NULL)
		fuzz_fail("%s: NULL", what);
	if (!tu_terminal_safe(s, len, allow_nl, why, sizeof why))
		fuzz_fail("%s: not terminal-safe: %s", what, why);
}

/* The next character of S at *I that is not a space or a newline. */
static size_t
fuzz_next_visible(const char *s, size_t len, size_t *i)
{
	unsigned int cp;
	size_t n;

	while (*i < len) {
		n = text_utf8_next(s + *i, len - *i, &cp);
		if (cp != ' ' && cp != '\n')
			return (n);
		*i += n;
	}
	return (0);
}

/* The characters of S that take a column or more. */
static size_t
fuzz_count_wide(const char *s, size_t len)
{
	char one[5];
	size_t i, n, count = 0;
	unsigned int cp;

	for (i = 0; i < len; i += n) {
		n = text_utf8_next(s + i, len - i, &cp);
		memcpy(one, s + i, n);
		one[n] = '\0';
		if (text_width(one) > 0)
			count++;
	}
	return (count);
}

void
fuzz_check_wrap(const char *what, const struct text_lines *lines, int cols,
    const char *s)
{
	size_t i, len, slen, si = 0, sn, li, ln;
	unsigned int cp;
	const char *line;
	int w;

	slen = s != NULL ? strlen(s) : 0;
	for (i = 0; i < lines->n; i++) {
		line = lines->lines[i];
		if (line == NULL)
			fuzz_fail("%s: line %zu is NULL", what, i);
		len = strlen(line);
		fuzz_check_safe(what, line, len, 0);
		w = text_width(line);
		if (w > cols && fuzz_count_wide(line, len) > 1)
			fuzz_fail("%s: line %zu is %d columns wide at %d: "
			    "\"%s\"", what, i, w, cols, line);
		if (s == NULL)
			continue;
		/* Every visible character of S comes, in order. */
		for (li = 0; fuzz_next_visible(line, len, &li) > 0; li += ln) {
			ln = text_utf8_next(line + li, len - li, &cp);
			sn = fuzz_next_visible(s, slen, &si);
			if (sn != ln || memcmp(s + si, line + li, ln) != 0)
				fuzz_fail("%s: line %zu does not follow the "
				    "text at byte %zu", what, i, si);
			si += sn;
		}
	}
	if (s != NULL && fuzz_next_visible(s, slen, &si) > 0)
		fuzz_fail("%s: the lines stop at byte %zu of %zu of the text",
		    what, si, slen);
}

void
fuzz_render(const char *what, const char *s, size_t len, int flags)
{
	struct strbuf sb = STRBUF_INIT;
	struct text_lines lines = TEXT_LINES_INIT;

	text_sanitize(&sb, s, len, flags);
	fuzz_check_safe(what, sb.buf, sb.len,
	    (flags & TEXT_KEEP_NEWLINES) != 0);
	if (text_width(sb.buf) < 0)
		fuzz_fail("%s: negative width", what);
	/*
	 * One width, and no check that the lines keep the text: fuzz-text
	 * does that; here the time goes to the parser that made the text.
	 */
	text_wrap(&lines, sb.buf, 72);
	fuzz_check_wrap(what, &lines, 72, NULL);
	text_lines_release(&lines);
	strbuf_release(&sb);
}
