/*
 * Terminal safety and measurement: this file owns the decision of which
 * code points may reach the terminal as they are, how the others are shown,
 * how wide a string is, and how text is cut and wrapped into columns.
 *
 * Escaping is decided by fixed tables, never by the current locale, so the
 * sanitised form is the same whatever LC_CTYPE says. Only the width of a
 * printable code point comes from wcwidth().
 *
 * A terminal whose charset is not UTF-8 (text_term_set()) gets every code
 * point converted by iconv with transliteration ('?' for what has no
 * form there), and every width here is then the width of that converted
 * form, so that columns measured in UTF-8 are the columns drawn.
 */
#include "autoconfig.h"

#include <iconv.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

#define TEXT_TAB_STOP 8

struct text_range {
	unsigned int lo;
	unsigned int hi;
};

/*
 * Code points shown as "<U+XXXX>": C1 controls, bidirectional controls,
 * zero-width and other invisible format characters (general category Cf),
 * line and paragraph separators, invisible fillers used to fake empty
 * names, noncharacters and the unassigned planes. Sorted, not overlapping.
 */
static const struct text_range text_escaped[] = {
	{ 0x0080, 0x009f },	/* C1 controls */
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x034f, 0x034f },	/* combining grapheme joiner */
	{ 0x0600, 0x0605 },	/* Arabic number signs (Cf) */
	{ 0x061c, 0x061c },	/* Arabic letter mark */
	{ 0x06dd, 0x06dd },
	{ 0x070f, 0x070f },
	{ 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 },
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x17b4, 0x17b5 },
	{ 0x180e, 0x180e },	/* Mongolian vowel separator */
	{ 0x200b, 0x200f },	/* ZWSP, ZWNJ, ZWJ, LRM, RLM */
	{ 0x2028, 0x202e },	/* separators, LRE RLE PDF LRO RLO */
	{ 0x2060, 0x206f },	/* word joiner .. isolates, deprecated */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xd800, 0xdfff },	/* surrogates (never decoded, for safety) */
	{ 0xfdd0, 0xfdef },	/* noncharacters */
	{ 0xfeff, 0xfeff },	/* zero-width no-break space, BOM */
	{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
	{ 0xfff0, 0xfffb },	/* unassigned, interlinear annotation */
	{ 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f },	/* Egyptian hieroglyph format controls */
	{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a },	/* musical format controls */
	{ 0x40000, 0xdffff },	/* unassigned planes 4 to 13 */
	{ 0xe0000, 0xe00ff },	/* tags */
	{ 0xe01f0, 0xeffff },	/* rest of plane 14 */
};

/*
 * The terminal's charset when it is not UTF-8: the converter, a locale
 * whose transliteration tables iconv uses (C.UTF-8's, as the C locale has
 * none), and a direct-mapped cache of converted code points. The lock
 * guards the converter and the cache: the workers measure text too.
 */
#define TEXT_TERM_CACHE 1024
#define TEXT_TERM_MAX 15

struct text_term_entry {
	unsigned int cp;	/* 0: empty slot */
	unsigned char len;	/* bytes in s */
	unsigned char width;	/* columns they take on the terminal */
	char s[TEXT_TERM_MAX + 1];
};

static pthread_mutex_t text_term_lock = PTHREAD_MUTEX_INITIALIZER;
static int text_term_active;
static iconv_t text_term_cd = (iconv_t)-1;
static locale_t text_term_translit = (locale_t)0;
static struct text_term_entry text_term_cache[TEXT_TERM_CACHE];

static int	text_is_escaped(unsigned int);
static int	text_cp_width(unsigned int);
static const struct text_term_entry *text_term_lookup(unsigned int);
static size_t	text_next_safe(const char *, size_t, unsigned int *);
static void	text_lines_add(struct text_lines *, const char *, size_t);
static void	text_wrap_line(struct text_lines *, const char *, size_t, int);

/* Whether CP (not a C0 control or DEL) must be shown as "<U+XXXX>". */
static int
text_is_escaped(unsigned int cp)
{
	size_t lo = 0, hi = sizeof text_escaped / sizeof text_escaped[0], mid;

	if (cp < 0x80)
		return (0);
	if (cp > 0x10ffff)
		return (1);
	if ((cp & 0xfffe) == 0xfffe)
		return (1);	/* U+xxFFFE and U+xxFFFF are noncharacters */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cp < text_escaped[mid].lo)
			hi = mid;
		else if (cp > text_escaped[mid].hi)
			lo = mid + 1;
		else
			return (1);
	}
	return (0);
}

/* Columns taken by the printable code point CP: never negative. */
static int
text_cp_width(unsigned int cp)
{
	const struct text_term_entry *e;
	int w;

	if (cp < 0x20 || cp == 0x7f)
		return (0);
	if (cp < 0x7f)
		return (1);
	if (text_term_active) {
		pthread_mutex_lock(&text_term_lock);
		e = text_term_lookup(cp);
		w = e->width;
		pthread_mutex_unlock(&text_term_lock);
		return (w);
	}
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return (1);
	return (w);
}

size_t
text_utf8_next(const char *s, size_t len, unsigned int *cp_r)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int cp, min;
	size_t n, i;

	*cp_r = 0xfffd;
	if (len == 0)
		return (1);
	if (u[0] < 0x80) {
		*cp_r = u[0];
		return (1);
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		cp = u[0] & 0x1f;
		min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		cp = u[0] & 0x0f;
		min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		cp = u[0] & 0x07;
		min = 0x10000;
	} else
		return (1);	/* continuation byte, 0xc0, 0xc1, 0xf5.. */
	if (len < n)
		return (1);
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return (1);
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (1);
	*cp_r = cp;
	return (n);
}

/*
 * Like text_utf8_next(), but report anything that must not reach the
 * terminal (a control or escaped code point) as U+FFFD: the fit and wrap
 * functions expect sanitised input and stay safe when they do not get it.
 */
static size_t
text_next_safe(const char *s, size_t len, unsigned int *cp_r)
{
	size_t n;

	n = text_utf8_next(s, len, cp_r);
	if (*cp_r == '\n')
		return (n);
	if (*cp_r < 0x20 || *cp_r == 0x7f || text_is_escaped(*cp_r))
		*cp_r = 0xfffd;
	return (n);
}

void
text_sanitize(struct strbuf *sb, const char *s, size_t len, int flags)
{
	unsigned int cp;
	size_t i, n, col = 0;
	char esc[16];
	int keep = (flags & TEXT_KEEP_NEWLINES) != 0;

	strbuf_grow(sb, len);
	for (i = 0; i < len; i += n) {
		n = text_utf8_next(s + i, len - i, &cp);
		if (cp == '\n' || cp == '\r' || cp == '\t') {
			if (!keep) {
				strbuf_addch(sb, ' ');
				col++;
			} else if (cp == '\n') {
				strbuf_addch(sb, '\n');
				col = 0;
			} else if (cp == '\r') {
				/* Dropped: "\r\n" gives its '\n' anyway. */
			} else {
				do {
					strbuf_addch(sb, ' ');
					col++;
				} while (col % TEXT_TAB_STOP != 0);
			}
		} else if (cp < 0x20 || cp == 0x7f) {
			strbuf_addch(sb, '^');
			strbuf_addch(sb, cp == 0x7f ? '?' : (int)(cp + 0x40));
			col += 2;
		} else if (text_is_escaped(cp)) {
			snprintf(esc, sizeof esc, "<U+%04X>", cp);
			strbuf_addstr(sb, esc);
			col += strlen(esc);
		} else {
			if (cp == 0xfffd)
				strbuf_add_utf8(sb, cp);
			else
				strbuf_add(sb, s + i, n);
			col += text_cp_width(cp);
		}
	}
}

char *
text_sanitize_dup(const char *s, int flags)
{
	struct strbuf sb = STRBUF_INIT;

	if (s != NULL)
		text_sanitize(&sb, s, strlen(s), flags);
	return (strbuf_detach(&sb, NULL));
}

int
text_width(const char *s)
{
	unsigned int cp;
	size_t len = strlen(s), i, n;
	int w = 0;

	for (i = 0; i < len; i += n) {
		n = text_next_safe(s + i, len - i, &cp);
		w += text_cp_width(cp);
	}
	return (w);
}

int
text_fit(struct strbuf *sb, const char *s, int cols, int pad)
{
	unsigned int cp;
	size_t len = strlen(s), i, n;
	int used = 0, w;

	for (i = 0; i < len; i += n) {
		n = text_next_safe(s + i, len - i, &cp);
		if (cp == '\n')
			break;
		w = text_cp_width(cp);
		if (used + w > cols)
			break;
		if (cp == 0xfffd)
			strbuf_add_utf8(sb, cp);
		else
			strbuf_add(sb, s + i, n);
		used += w;
	}
	if (pad) {
		for (; used < cols; used++)
			strbuf_addch(sb, ' ');
	}
	return (used);
}

/* Append a copy of the LEN bytes at S as a new line of OUT. */
static void
text_lines_add(struct text_lines *out, const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned int cp;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = text_next_safe(s + i, len - i, &cp);
		if (cp == 0xfffd)
			strbuf_add_utf8(&sb, cp);
		else
			strbuf_add(&sb, s + i, n);
	}
	if (out->n == out->alloc) {
		out->alloc = out->alloc == 0 ? 16 : out->alloc * 2;
		out->lines = xreallocarray(out->lines, out->alloc,
		    sizeof *out->lines);
	}
	out->lines[out->n++] = strbuf_detach(&sb, NULL);
}

/*
 * Wrap the LEN bytes at S (one line, no '\n') to COLS columns. Spaces at a
 * break are dropped; spaces inside a line and at its start are kept.
 */
static void
text_wrap_line(struct text_lines *out, const char *s, size_t len, int cols)
{
	unsigned int cp;
	size_t i, n, start = 0, brk = 0, brk_end = 0;
	int col = 0, after = 0, w, have_brk = 0, prev_space = 0, emitted = 0;

	for (i = 0; i < len; i += n) {
		n = text_next_safe(s + i, len - i, &cp);
		w = text_cp_width(cp);
		if (cp == ' ') {
			if (!prev_space)
				brk = i;
			if (col + 1 > cols) {
				/* The space overflows: break before its run. */
				text_lines_add(out, s + start, brk - start);
				emitted = 1;
				while (i < len && s[i] == ' ')
					i++;
				start = i;
				n = 0;
				col = after = 0;
				have_brk = prev_space = 0;
				continue;
			}
			have_brk = prev_space = 1;
			brk_end = i + 1;
			col++;
			after = 0;
			continue;
		}
		prev_space = 0;
		if (col > 0 && col + w > cols) {
			if (have_brk && brk > start) {
				text_lines_add(out, s + start, brk - start);
				emitted = 1;
				start = brk_end;
				col = after;
				have_brk = 0;
			}
			if (col > 0 && col + w > cols) {
				/* A word longer than a line: hard break. */
				text_lines_add(out, s + start, i - start);
				emitted = 1;
				start = i;
				col = after = 0;
				have_brk = 0;
			}
		}
		col += w;
		after += w;
	}
	if (start < len || !emitted)
		text_lines_add(out, s + start, len - start);
}

void
text_wrap(struct text_lines *out, const char *s, int cols)
{
	const char *p, *nl;

	if (cols < 1)
		cols = 1;
	for (p = s; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			text_wrap_line(out, p, strlen(p), cols);
			break;
		}
		text_wrap_line(out, p, (size_t)(nl - p), cols);
	}
}

void
text_lines_release(struct text_lines *out)
{
	size_t i;

	for (i = 0; i < out->n; i++)
		free(out->lines[i]);
	free(out->lines);
	out->lines = NULL;
	out->n = out->alloc = 0;
}

int
text_term_set(const char *codeset)
{
	char name[128];
	int rc = 0;

	pthread_mutex_lock(&text_term_lock);
	if (text_term_cd != (iconv_t)-1)
		iconv_close(text_term_cd);
	text_term_cd = (iconv_t)-1;
	text_term_active = 0;
	memset(text_term_cache, 0, sizeof text_term_cache);
	if (codeset == NULL || *codeset == '\0' ||
	    strcasecmp(codeset, "UTF-8") == 0 ||
	    strcasecmp(codeset, "UTF8") == 0)
		goto out;
	text_term_active = 1;
	snprintf(name, sizeof name, "%s//TRANSLIT", codeset);
	if ((text_term_cd = iconv_open(name, "UTF-8")) == (iconv_t)-1 &&
	    (text_term_cd = iconv_open(codeset, "UTF-8")) == (iconv_t)-1)
		rc = -1;	/* ASCII only: everything else is '?' */
	if (text_term_translit == (locale_t)0)
		text_term_translit = newlocale(LC_CTYPE_MASK, "C.UTF-8",
		    (locale_t)0);
out:
	pthread_mutex_unlock(&text_term_lock);
	return (rc);
}

/*
 * The terminal's form of the non-ASCII code point CP and its width, from
 * the cache or converted now. Called with the lock held; the entry lives
 * until the next lookup.
 */
static const struct text_term_entry *
text_term_lookup(unsigned int cp)
{
	struct text_term_entry *e = &text_term_cache[cp % TEXT_TERM_CACHE];
	struct strbuf in = STRBUF_INIT;
	char out[64], *ip, *op;
	size_t il, ol, n = 0, i, k;
	locale_t old = (locale_t)0;
	mbstate_t mbs;
	wchar_t wc;
	int w, width = 0, ok = 0;

	if (e->cp == cp)
		return (e);
	strbuf_add_utf8(&in, cp);
	if (text_term_cd != (iconv_t)-1) {
		ip = in.buf;
		il = in.len;
		op = out;
		ol = sizeof out;
		if (text_term_translit != (locale_t)0)
			old = uselocale(text_term_translit);
		iconv(text_term_cd, NULL, NULL, NULL, NULL);
		ok = iconv(text_term_cd, &ip, &il, &op, &ol) != (size_t)-1 &&
		    iconv(text_term_cd, NULL, NULL, &op, &ol) != (size_t)-1;
		if (old != (locale_t)0)
			uselocale(old);
		n = (size_t)(op - out);
		if (!ok || n > TEXT_TERM_MAX)
			ok = 0;
	}
	if (ok) {
		/* The converted form, measured in the terminal's own locale. */
		memset(&mbs, 0, sizeof mbs);
		for (i = 0; i < n; i += k) {
			k = mbrtowc(&wc, out + i, n - i, &mbs);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0 ||
			    wc < 0x20 || wc == 0x7f) {
				ok = 0;	/* never a control on the screen */
				break;
			}
			w = wcwidth(wc);
			width += w < 0 ? 1 : w;
		}
	}
	if (ok) {
		memcpy(e->s, out, n);
		e->len = (unsigned char)n;
		e->width = (unsigned char)width;
	} else {
		e->s[0] = '?';
		e->len = 1;
		e->width = 1;
	}
	e->s[e->len] = '\0';
	e->cp = cp;
	strbuf_release(&in);
	return (e);
}

void
text_to_term(struct strbuf *sb, const char *s)
{
	const struct text_term_entry *e;
	unsigned int cp;
	size_t len = strlen(s), i, n;

	if (!text_term_active) {
		strbuf_add(sb, s, len);
		return;
	}
	pthread_mutex_lock(&text_term_lock);
	for (i = 0; i < len; i += n) {
		n = text_next_safe(s + i, len - i, &cp);
		if (cp < 0x80)
			strbuf_addch(sb, (int)cp);
		else {
			e = text_term_lookup(cp);
			strbuf_add(sb, e->s, e->len);
		}
	}
	pthread_mutex_unlock(&text_term_lock);
}
