/*
 * Unit tests for src/text.c: sanitising hostile text for the terminal,
 * UTF-8 decoding, width, fitting and wrapping.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "testutil.h"
#include "text.h"

#define RFFFD "\xef\xbf\xbd"
#define LEN(s) (sizeof(s) - 1)

static int have_utf8;

/* Sanitise LEN bytes and return the result (owned by a static strbuf). */
static const char *
sanitize(const char *s, size_t len, int flags, size_t *len_r)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	text_sanitize(&sb, s, len, flags);
	if (len_r != NULL)
		*len_r = sb.len;
	return (sb.buf);
}

struct sanitize_row {
	const char *name;
	const char *in;
	size_t len;
	int flags;
	const char *out;
};

#define ROW(name, in, flags, out) { name, in, LEN(in), flags, out }
#define K TEXT_KEEP_NEWLINES

static const struct sanitize_row sanitize_rows[] = {
	ROW("plain ascii", "hello, world", 0, "hello, world"),
	ROW("empty", "", 0, ""),
	ROW("CSI clear screen", "\x1b[2J", 0, "^[[2J"),
	ROW("CSI colour", "a\x1b[31mred\x1b[0m", 0, "a^[[31mred^[[0m"),
	ROW("OSC title BEL", "\x1b]0;title\x07", 0, "^[]0;title^G"),
	ROW("OSC title ST", "\x1b]2;pwned\x1b\\", 0, "^[]2;pwned^[\\"),
	ROW("OSC 52 clipboard", "\x1b]52;c;cm0gLXJmIH4K\x07", 0,
	    "^[]52;c;cm0gLXJmIH4K^G"),
	ROW("DCS", "\x1bP1$r0m\x1b\\", 0, "^[P1$r0m^[\\"),
	ROW("OSC 8 hyperlink", "\x1b]8;;http://evil\x1b\\x", 0,
	    "^[]8;;http://evil^[\\x"),
	ROW("8-bit CSI byte", "\x9b" "31m", 0, RFFFD "31m"),
	ROW("8-bit OSC byte", "\x9d" "0;t\x9c", 0, RFFFD "0;t" RFFFD),
	ROW("C1 CSI as UTF-8", "\xc2\x9b" "31m", 0, "<U+009B>31m"),
	ROW("C1 NEL as UTF-8", "a\xc2\x85" "b", 0, "a<U+0085>b"),
	ROW("C1 first and last", "\xc2\x80\xc2\x9f", 0, "<U+0080><U+009F>"),
	ROW("bidi RLO", "abc\xe2\x80\xae" "fdp.exe", 0,
	    "abc<U+202E>fdp.exe"),
	ROW("bidi LRE RLE PDF LRO", "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
	    "\xe2\x80\xad", 0, "<U+202A><U+202B><U+202C><U+202D>"),
	ROW("bidi isolates", "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8"
	    "\xe2\x81\xa9", 0, "<U+2066><U+2067><U+2068><U+2069>"),
	ROW("bidi marks", "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 0,
	    "<U+200E><U+200F><U+061C>"),
	ROW("zero-width space", "pay\xe2\x80\x8bpal", 0, "pay<U+200B>pal"),
	ROW("zero-width joiner trick", "a\xe2\x80\x8d" "b\xe2\x80\x8c" "c",
	    0, "a<U+200D>b<U+200C>c"),
	ROW("word joiner and invisible ops", "\xe2\x81\xa0\xe2\x81\xa4", 0,
	    "<U+2060><U+2064>"),
	ROW("BOM", "\xef\xbb\xbfhi", 0, "<U+FEFF>hi"),
	ROW("soft hyphen", "pass\xc2\xadword", 0, "pass<U+00AD>word"),
	ROW("line separator", "a\xe2\x80\xa8" "b", 0, "a<U+2028>b"),
	ROW("tag characters", "\xf3\xa0\x81\x81", 0, "<U+E0041>"),
	ROW("Hangul filler", "\xe3\x85\xa4", 0, "<U+3164>"),
	ROW("noncharacter", "\xef\xbf\xbe", 0, "<U+FFFE>"),
	ROW("NUL inside", "a\0b", 0, "a^@b"),
	ROW("NUL at end", "ab\0", 0, "ab^@"),
	ROW("BEL BS", "\x07\x08", 0, "^G^H"),
	ROW("DEL", "a\x7f" "b", 0, "a^?b"),
	ROW("unit separator", "\x1f", 0, "^_"),
	ROW("newline tab CR one line", "a\nb\tc\rd", 0, "a b c d"),
	ROW("CRLF one line", "a\r\nb", 0, "a  b"),
	ROW("keep newline", "a\nb", K, "a\nb"),
	ROW("keep CRLF", "a\r\nb\r\n", K, "a\nb\n"),
	ROW("lone CR dropped", "a\rb", K, "ab"),
	ROW("tab at start", "\tx", K, "        x"),
	ROW("tab after two", "ab\tc", K, "ab      c"),
	ROW("tab at eight", "abcdefgh\tx", K, "abcdefgh        x"),
	ROW("tab per line", "abc\n\tx", K, "abc\n        x"),
	ROW("tab after caret", "\x1b\tx", K, "^[      x"),
	ROW("ESC kept newline", "\x1b\n", K, "^[\n"),
	ROW("overlong slash", "\xc0\xaf", 0, RFFFD RFFFD),
	ROW("overlong 3 bytes", "\xe0\x80\xaf", 0, RFFFD RFFFD RFFFD),
	ROW("overlong NUL", "\xc0\x80", 0, RFFFD RFFFD),
	ROW("overlong 4 bytes", "\xf0\x80\x80\xaf", 0,
	    RFFFD RFFFD RFFFD RFFFD),
	ROW("surrogate", "\xed\xa0\x80", 0, RFFFD RFFFD RFFFD),
	ROW("surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", 0,
	    RFFFD RFFFD RFFFD RFFFD RFFFD RFFFD),
	ROW("above U+10FFFF", "\xf4\x90\x80\x80", 0,
	    RFFFD RFFFD RFFFD RFFFD),
	ROW("F5 lead", "\xf5\x80", 0, RFFFD RFFFD),
	ROW("FF byte", "a\xff" "b", 0, "a" RFFFD "b"),
	ROW("truncated at end", "ok\xe6\x97", 0, "ok" RFFFD RFFFD),
	ROW("truncated in middle", "\xe6\x97" "a", 0, RFFFD RFFFD "a"),
	ROW("lone continuation", "\x80", 0, RFFFD),
	ROW("replacement kept", RFFFD, 0, RFFFD),
	ROW("valid CJK", "\xe6\x97\xa5\xe6\x9c\xac", 0,
	    "\xe6\x97\xa5\xe6\x9c\xac"),
	ROW("valid emoji", "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80"),
	ROW("emoji ZWJ sequence", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92"
	    "\xbb", 0, "\xf0\x9f\x91\xa8<U+200D>\xf0\x9f\x92\xbb"),
	ROW("combining accent kept", "e\xcc\x81", 0, "e\xcc\x81"),
	ROW("max code point", "\xf4\x8f\xbf\xbd", 0, "\xf4\x8f\xbf\xbd"),
	ROW("latin-1 range", "caf\xc3\xa9", 0, "caf\xc3\xa9"),
};

START_TEST(test_sanitize_rows)
{
	const struct sanitize_row *r = &sanitize_rows[_i];
	const char *out;
	size_t len;
	char why[128];

	out = sanitize(r->in, r->len, r->flags, &len);
	ck_assert_msg(len == strlen(r->out) && memcmp(out, r->out, len) == 0,
	    "row %d (%s): got \"%s\", want \"%s\"", _i, r->name, out, r->out);
	ck_assert_msg(tu_terminal_safe(out, len, r->flags & K, why,
	    sizeof why), "row %d (%s): unsafe: %s", _i, r->name, why);
}
END_TEST

START_TEST(test_sanitize_dup)
{
	char *s;

	s = text_sanitize_dup(NULL, 0);
	ck_assert_str_eq(s, "");
	free(s);
	s = text_sanitize_dup("x\x1b[1my\n", 0);
	ck_assert_str_eq(s, "x^[[1my ");
	free(s);
	s = text_sanitize_dup("x\n", TEXT_KEEP_NEWLINES);
	ck_assert_str_eq(s, "x\n");
	free(s);
}
END_TEST

START_TEST(test_sanitize_appends)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "pre:");
	text_sanitize(&sb, "\x1b", 1, 0);
	ck_assert_str_eq(sb.buf, "pre:^[");
	strbuf_release(&sb);
}
END_TEST

struct next_row {
	const char *name;
	const char *in;
	size_t len;
	size_t n;
	unsigned int cp;
};

#define NROW(name, in, n, cp) { name, in, LEN(in), n, cp }

static const struct next_row next_rows[] = {
	NROW("ascii", "A", 1, 0x41),
	NROW("NUL", "\0", 1, 0),
	NROW("two bytes min", "\xc2\x80", 2, 0x80),
	NROW("two bytes max", "\xdf\xbf", 2, 0x7ff),
	NROW("three bytes min", "\xe0\xa0\x80", 3, 0x800),
	NROW("three bytes", "\xe6\x97\xa5", 3, 0x65e5),
	NROW("before surrogates", "\xed\x9f\xbf", 3, 0xd7ff),
	NROW("after surrogates", "\xee\x80\x80", 3, 0xe000),
	NROW("FFFF", "\xef\xbf\xbf", 3, 0xffff),
	NROW("four bytes min", "\xf0\x90\x80\x80", 4, 0x10000),
	NROW("four bytes max", "\xf4\x8f\xbf\xbf", 4, 0x10ffff),
	NROW("overlong 2", "\xc1\xbf", 1, 0xfffd),
	NROW("overlong 3", "\xe0\x9f\xbf", 1, 0xfffd),
	NROW("overlong 4", "\xf0\x8f\xbf\xbf", 1, 0xfffd),
	NROW("surrogate low", "\xed\xa0\x80", 1, 0xfffd),
	NROW("surrogate high", "\xed\xbf\xbf", 1, 0xfffd),
	NROW("too big", "\xf4\x90\x80\x80", 1, 0xfffd),
	NROW("F8 lead", "\xf8\x88\x80\x80\x80", 1, 0xfffd),
	NROW("continuation", "\xbf", 1, 0xfffd),
	NROW("truncated 2", "\xc3", 1, 0xfffd),
	NROW("truncated 4", "\xf0\x9f\x98", 1, 0xfffd),
	NROW("bad continuation", "\xc3(", 1, 0xfffd),
	NROW("bad third", "\xe6\x97(", 1, 0xfffd),
};

START_TEST(test_utf8_next_rows)
{
	const struct next_row *r = &next_rows[_i];
	unsigned int cp = 12345;
	size_t n;

	n = text_utf8_next(r->in, r->len, &cp);
	ck_assert_msg(n == r->n && cp == r->cp,
	    "row %d (%s): got n=%zu cp=U+%04X, want n=%zu cp=U+%04X",
	    _i, r->name, n, cp, r->n, r->cp);
}
END_TEST

struct width_row {
	const char *in;
	int width;
};

static const struct width_row width_rows[] = {
	{ "", 0 },
	{ "abc", 3 },
	{ "\xe6\x97\xa5\xe6\x9c\xac", 4 },			/* 日本 */
	{ "\xf0\x9f\x98\x80", 2 },				/* 😀 */
	{ "e\xcc\x81", 1 },					/* é */
	{ "a\xcc\x81\xcc\xa7", 1 },				/* stacked */
	{ "<U+202E>", 8 },
	{ "^[", 2 },
	{ RFFFD, 1 },
	{ "\xff", 1 },						/* invalid */
	{ "\xef\xbc\xa1", 2 },				/* fullwidth A */
	{ "\xed\x95\x9c\xea\xb8\x80", 4 },			/* 한글 */
	{ "\xd0\x9f\xd1\x80\xd0\xb8", 3 },			/* При */
	{ "\xee\x80\x80", 1 },				/* private use */
	{ "x\x1b", 2 },			/* control: shown as U+FFFD */
};

START_TEST(test_width_rows)
{
	const struct width_row *r = &width_rows[_i];
	int w;

	if (!have_utf8)
		return;
	w = text_width(r->in);
	ck_assert_msg(w == r->width, "row %d (\"%s\"): width %d, want %d",
	    _i, r->in, w, r->width);
}
END_TEST

struct fit_row {
	const char *in;
	int cols;
	int pad;
	const char *out;
	int used;
};

static const struct fit_row fit_rows[] = {
	{ "abcdef", 3, 0, "abc", 3 },
	{ "abcdef", 3, 1, "abc", 3 },
	{ "abc", 5, 0, "abc", 3 },
	{ "abc", 5, 1, "abc  ", 5 },
	{ "abc", 0, 1, "", 0 },
	{ "abc", -4, 1, "", 0 },
	{ "", 2, 1, "  ", 2 },
	{ "ab\xe6\x97\xa5", 3, 0, "ab", 2 },
	{ "ab\xe6\x97\xa5", 3, 1, "ab ", 3 },
	{ "ab\xe6\x97\xa5", 4, 0, "ab\xe6\x97\xa5", 4 },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, 1,
	    "\xe6\x97\xa5\xe6\x9c\xac ", 5 },
	{ "\xe6\x97\xa5", 1, 1, " ", 1 },
	{ "\xe6\x97\xa5", 1, 0, "", 0 },
	{ "e\xcc\x81x", 1, 0, "e\xcc\x81", 1 },
	{ "ab\xf0\x9f\x98\x80z", 3, 1, "ab ", 3 },
	{ "\x1b[2J", 4, 0, RFFFD "[2J", 4 },
	{ "ab\ncd", 5, 1, "ab   ", 5 },
};

START_TEST(test_fit_rows)
{
	const struct fit_row *r = &fit_rows[_i];
	struct strbuf sb = STRBUF_INIT;
	int used;

	if (!have_utf8)
		return;
	strbuf_addstr(&sb, "|");
	used = text_fit(&sb, r->in, r->cols, r->pad);
	ck_assert_msg(used == r->used && strcmp(sb.buf + 1, r->out) == 0,
	    "row %d: got \"%s\" (%d), want \"%s\" (%d)", _i, sb.buf + 1,
	    used, r->out, r->used);
	ck_assert_msg(text_width(sb.buf + 1) == used, "row %d: width", _i);
	strbuf_release(&sb);
}
END_TEST

struct wrap_row {
	const char *in;
	int cols;
	const char *lines[8];	/* NULL-terminated */
};

static const struct wrap_row wrap_rows[] = {
	{ "", 10, { NULL } },
	{ "hello world", 11, { "hello world", NULL } },
	{ "hello world", 8, { "hello", "world", NULL } },
	{ "hello world", 5, { "hello", "world", NULL } },
	{ "one two three four", 9, { "one two", "three", "four", NULL } },
	{ "abcdefghij", 4, { "abcd", "efgh", "ij", NULL } },
	{ "ab cdefgh", 4, { "ab", "cdef", "gh", NULL } },
	{ "a\n\nb", 10, { "a", "", "b", NULL } },
	{ "a\n", 10, { "a", NULL } },
	{ "\n", 10, { "", NULL } },
	{ "\n\n", 10, { "", "", NULL } },
	{ "a\nb", 10, { "a", "b", NULL } },
	{ "  indented text", 10, { "  indented", "text", NULL } },
	{ "a  b", 10, { "a  b", NULL } },
	{ "a  b", 2, { "a", "b", NULL } },
	{ "word    ", 4, { "word", NULL } },
	{ "ab", 0, { "a", "b", NULL } },
	{ "ab", -3, { "a", "b", NULL } },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac"
	    "\xe8\xaa\x9e", 5, { "\xe6\x97\xa5\xe6\x9c\xac",
	    "\xe8\xaa\x9e\xe6\x97\xa5", "\xe6\x9c\xac\xe8\xaa\x9e", NULL } },
	{ "\xe6\x97\xa5", 1, { "\xe6\x97\xa5", NULL } },
	{ "x \xe6\x97\xa5\xe6\x9c\xac", 3, { "x", "\xe6\x97\xa5",
	    "\xe6\x9c\xac", NULL } },
	{ "e\xcc\x81" "e\xcc\x81" "e\xcc\x81", 2, { "e\xcc\x81" "e\xcc\x81",
	    "e\xcc\x81", NULL } },
	{ "> quoted line that is long\n> next", 12, { "> quoted",
	    "line that is", "long", "> next", NULL } },
};

START_TEST(test_wrap_rows)
{
	const struct wrap_row *r = &wrap_rows[_i];
	struct text_lines tl = TEXT_LINES_INIT;
	size_t n;

	if (!have_utf8)
		return;
	text_wrap(&tl, r->in, r->cols);
	for (n = 0; r->lines[n] != NULL; n++) {
		ck_assert_msg(n < tl.n, "row %d: only %zu lines, want more",
		    _i, tl.n);
		ck_assert_msg(strcmp(tl.lines[n], r->lines[n]) == 0,
		    "row %d line %zu: got \"%s\", want \"%s\"", _i, n,
		    tl.lines[n], r->lines[n]);
	}
	ck_assert_msg(tl.n == n, "row %d: %zu lines, want %zu", _i, tl.n, n);
	text_lines_release(&tl);
	ck_assert_msg(tl.n == 0 && tl.lines == NULL, "row %d: release", _i);
}
END_TEST

/* Bytes that make interesting input more likely than uniform noise. */
static const unsigned char hostile[] = {
	0x1b, 0x9b, 0x9d, 0x90, 0x07, 0x00, 0x7f, '\n', '\r', '\t', '[', ']',
	0xc2, 0xe2, 0x80, 0x81, 0xae, 0xa6, 0x8b, 0x8d, 0xef, 0xbb, 0xbf,
	0xf0, 0xf4, 0xed, 0xa0, 0xc0, 0xe0, ' ', 'a', 0xad, 0xd8, 0x9c,
};

static size_t
random_bytes(uint64_t *st, char *buf, size_t max)
{
	size_t len, i;
	uint64_t r;

	len = tu_rand(st) % max;
	for (i = 0; i < len; i++) {
		r = tu_rand(st);
		if (r % 3 == 0)
			buf[i] = (char)hostile[(r >> 8) % sizeof hostile];
		else
			buf[i] = (char)(r >> 16);
	}
	return (len);
}

START_TEST(test_random_safe)
{
	struct strbuf sb = STRBUF_INIT, again = STRBUF_INIT, fit = STRBUF_INIT;
	struct text_lines tl = TEXT_LINES_INIT;
	uint64_t st = 0x7465726e2d747874ULL;
	char buf[96], why[128];
	size_t len, i;
	int iter, flags, cols, used;

	for (iter = 0; iter < 5000; iter++) {
		len = random_bytes(&st, buf, sizeof buf);
		flags = iter % 2 ? TEXT_KEEP_NEWLINES : 0;
		strbuf_reset(&sb);
		text_sanitize(&sb, buf, len, flags);
		ck_assert_msg(tu_terminal_safe(sb.buf, sb.len, flags, why,
		    sizeof why), "iteration %d: %s", iter, why);
		ck_assert_msg(strlen(sb.buf) == sb.len, "iteration %d: NUL",
		    iter);

		/* Sanitising twice changes nothing. */
		strbuf_reset(&again);
		text_sanitize(&again, sb.buf, sb.len, flags);
		ck_assert_msg(again.len == sb.len &&
		    memcmp(again.buf, sb.buf, sb.len) == 0,
		    "iteration %d: not idempotent", iter);

		/* Fitting and wrapping keep it safe and within bounds. */
		cols = (int)(tu_rand(&st) % 20);
		strbuf_reset(&fit);
		used = text_fit(&fit, sb.buf, cols, iter % 3 == 0);
		ck_assert_msg(used <= cols || (cols < 0 && used == 0),
		    "iteration %d: fit %d > %d", iter, used, cols);
		ck_assert_msg(text_width(fit.buf) == used,
		    "iteration %d: fit width", iter);
		ck_assert_msg(tu_terminal_safe(fit.buf, fit.len, 0, why,
		    sizeof why), "iteration %d: fit: %s", iter, why);
		text_wrap(&tl, sb.buf, cols);
		for (i = 0; i < tl.n; i++) {
			ck_assert_msg(tu_terminal_safe(tl.lines[i],
			    strlen(tl.lines[i]), 0, why, sizeof why),
			    "iteration %d line %zu: %s", iter, i, why);
			ck_assert_msg(text_width(tl.lines[i]) <=
			    (cols < 2 ? 2 : cols), "iteration %d line %zu: "
			    "too wide", iter, i);
		}
		text_lines_release(&tl);

		/* Raw input straight into fit and wrap stays safe too. */
		buf[len] = '\0';
		strbuf_reset(&fit);
		text_fit(&fit, buf, cols, 0);
		ck_assert_msg(tu_terminal_safe(fit.buf, fit.len, 0, why,
		    sizeof why), "iteration %d: raw fit: %s", iter, why);
		text_wrap(&tl, buf, cols);
		for (i = 0; i < tl.n; i++)
			ck_assert_msg(tu_terminal_safe(tl.lines[i],
			    strlen(tl.lines[i]), 0, why, sizeof why),
			    "iteration %d raw line %zu: %s", iter, i, why);
		text_lines_release(&tl);
	}
	strbuf_release(&sb);
	strbuf_release(&again);
	strbuf_release(&fit);
}
END_TEST

/* Every code point, in runs of 512, sanitises to something safe. */
START_TEST(test_every_code_point)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	unsigned int cp, first;
	char why[128];

	for (first = 0; first <= 0x10ffff; first += 512) {
		strbuf_reset(&in);
		strbuf_reset(&out);
		for (cp = first; cp < first + 512 && cp <= 0x10ffff; cp++) {
			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			if (cp == 0)
				strbuf_add(&in, "", 1);
			else
				strbuf_add_utf8(&in, cp);
		}
		text_sanitize(&out, in.buf, in.len, TEXT_KEEP_NEWLINES);
		ck_assert_msg(tu_terminal_safe(out.buf, out.len, 1, why,
		    sizeof why), "U+%04X..: %s", first, why);
		ck_assert_msg(strlen(out.buf) == out.len, "U+%04X..: NUL",
		    first);
		ck_assert_msg(text_width(out.buf) >= 0 &&
		    text_width(out.buf) <= (int)out.len * 2,
		    "U+%04X..: width %d", first, text_width(out.buf));
	}
	strbuf_release(&in);
	strbuf_release(&out);
}
END_TEST

/* The checker itself must catch what it is meant to catch. */
START_TEST(test_checker_rejects)
{
	static const char *bad[] = {
		"\x1b", "\x9b", "\xc2\x9b", "\xe2\x80\xae", "\xe2\x80\x8b",
		"\xe2\x81\xa6", "\xef\xbb\xbf", "\x7f", "\xc0\xaf", "\r",
		"\xed\xa0\x80", "\xc2\xad", NULL,
	};
	char why[128];
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!tu_terminal_safe(bad[i], strlen(bad[i]), 1, why,
		    sizeof why), "checker accepted bad[%zu]", i);
	ck_assert(!tu_terminal_safe("\0", 1, 1, why, sizeof why));
	ck_assert(!tu_terminal_safe("\n", 1, 0, why, sizeof why));
	ck_assert(tu_terminal_safe("\n", 1, 1, why, sizeof why));
	ck_assert(tu_terminal_safe("\xe6\x97\xa5 ok", 6, 0, why, sizeof why));
}
END_TEST

/*
 * An ASCII terminal (the C locale's codeset): every code point comes out
 * as ASCII, transliterated or '?', and each width is that of the form
 * written, so a fitted string takes exactly its columns there. Rows: the
 * input, its ASCII form (either form is fine where iconv may have no
 * transliteration table: "alt").
 */
static const struct term_row {
	const char *in, *want, *alt;
} term_rows[] = {
	{ "plain", "plain", NULL },
	{ "J\xc3\xbcrgen", "Jurgen", "J?rgen" },
	{ "Gr\xc3\xbc\xc3\x9f" "e", "Grusse", "Gr??e" },
	{ "5 \xe2\x82\xac", "5 EUR", "5 ?" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", "??", NULL },
	{ "\xef\xbf\xbd", "?", NULL },
};

START_TEST(test_term_ascii_rows)
{
	const struct term_row *row = &term_rows[_i];
	struct strbuf fit = STRBUF_INIT, out = STRBUF_INIT;
	int w;

	ck_assert_int_eq(text_term_set("ANSI_X3.4-1968"), 0);
	text_to_term(&out, row->in);
	ck_assert_msg(strcmp(out.buf, row->want) == 0 ||
	    (row->alt != NULL && strcmp(out.buf, row->alt) == 0),
	    "row %d: got \"%s\", want \"%s\"", _i, out.buf, row->want);
	w = text_width(row->in);
	ck_assert_msg(w == (int)out.len, "row %d: width %d of \"%s\"", _i, w,
	    out.buf);
	/* One column less: the fit leaves out the last character whole. */
	ck_assert_int_le(text_fit(&fit, row->in, w - 1, 0), w - 1);
	strbuf_reset(&out);
	text_to_term(&out, fit.buf);
	ck_assert_int_le((int)out.len, w - 1);
	ck_assert_int_eq(text_term_set(NULL), 0);
	strbuf_release(&fit);
	strbuf_release(&out);
}
END_TEST

/* A UTF-8 terminal (or none set) leaves text as it is. */
START_TEST(test_term_utf8)
{
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(text_term_set("UTF-8"), 0);
	text_to_term(&out, "J\xc3\xbcrgen \xe2\x82\xac");
	ck_assert_str_eq(out.buf, "J\xc3\xbcrgen \xe2\x82\xac");
	ck_assert_int_eq(text_term_set(NULL), 0);
	strbuf_release(&out);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("text");
	tc = tcase_create("sanitize");
	tcase_add_loop_test(tc, test_sanitize_rows, 0,
	    sizeof sanitize_rows / sizeof sanitize_rows[0]);
	tcase_add_test(tc, test_sanitize_dup);
	tcase_add_test(tc, test_sanitize_appends);
	tcase_add_test(tc, test_checker_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, test_utf8_next_rows, 0,
	    sizeof next_rows / sizeof next_rows[0]);
	suite_add_tcase(s, tc);

	tc = tcase_create("width");
	tcase_add_loop_test(tc, test_width_rows, 0,
	    sizeof width_rows / sizeof width_rows[0]);
	tcase_add_loop_test(tc, test_fit_rows, 0,
	    sizeof fit_rows / sizeof fit_rows[0]);
	tcase_add_loop_test(tc, test_wrap_rows, 0,
	    sizeof wrap_rows / sizeof wrap_rows[0]);
	suite_add_tcase(s, tc);

	tc = tcase_create("terminal charset");
	tcase_add_loop_test(tc, test_term_ascii_rows, 0,
	    sizeof term_rows / sizeof term_rows[0]);
	tcase_add_test(tc, test_term_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_safe);
	tcase_add_test(tc, test_every_code_point);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	have_utf8 = tu_utf8_locale() == 0;
	if (!have_utf8)
		fprintf(stderr, "check_text: no UTF-8 locale, width tests "
		    "skipped\n");
	return tu_run(text_suite());
}
