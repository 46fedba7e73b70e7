/*
 * IMAP responses read by tern itself: see imapresp.h.
 */
#include "autoconfig.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapresp.h"
#include "xmalloc.h"

/* A reading position in a response. */
struct cur {
	const char *p, *end;
};

static int
cur_word(struct cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, word, n) != 0)
		return 0;
	if ((size_t)(c->end - c->p) > n && c->p[n] != ' ' && c->p[n] != '\r' &&
	    c->p[n] != '(' && c->p[n] != ')')
		return 0;
	c->p += n;
	return 1;
}

static int
cur_char(struct cur *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return 0;
	c->p++;
	return 1;
}

static void
cur_spaces(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* A number of at most MAX: 0 with *V_R, or -1. */
static int
cur_number(struct cur *c, uint64_t max, uint64_t *v_r)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		c->p++;
	}
	if (c->p == start)
		return -1;
	*v_r = v;
	return 0;
}

int
imapresp_literal(const char *line, size_t len, size_t *n_r)
{
	struct cur c;
	uint64_t n;
	size_t open;

	if (len < 3 || line[len - 1] != '}')
		return 0;
	for (open = len - 1; open > 0 && line[open - 1] != '{'; open--)
		if (len - open > 24)
			return 0;
	if (open == 0)
		return 0;
	c.p = line + open;
	c.end = line + len - 1;
	if (c.end > c.p && c.end[-1] == '+')
		c.end--;
	if (cur_number(&c, IMAPRESP_MAX, &n) != 0 || c.p != c.end)
		return -1;
	*n_r = (size_t)n;
	return 1;
}

/* The first line of R, without its CRLF. */
static size_t
first_line(const char *r, size_t len)
{
	const char *nl = memchr(r, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - r) : len;

	if (n > 0 && r[n - 1] == '\r')
		n--;
	return n;
}

enum imapresp_kind
imapresp_kind(const char *r, size_t len, const char *tag, int *ok_r)
{
	static const char *const news[] = {
		"EXISTS", "EXPUNGE", "FETCH", "RECENT",
	};
	struct cur c;
	uint64_t n;
	size_t i, tl;

	c.p = r;
	c.end = r + first_line(r, len);
	*ok_r = 0;
	if (cur_char(&c, '+'))
		return IMAPRESP_CONTINUE;
	if (!cur_char(&c, '*')) {
		tl = tag != NULL ? strlen(tag) : 0;
		if (tl == 0 || (size_t)(c.end - c.p) <= tl ||
		    memcmp(c.p, tag, tl) != 0 || c.p[tl] != ' ')
			return IMAPRESP_BAD;
		c.p += tl + 1;
		if (cur_word(&c, "OK"))
			*ok_r = 1;
		else if (!cur_word(&c, "NO") && !cur_word(&c, "BAD"))
			return IMAPRESP_BAD;
		return IMAPRESP_TAGGED;
	}
	if (!cur_char(&c, ' '))
		return IMAPRESP_BAD;
	if (cur_word(&c, "STATUS"))
		return IMAPRESP_STATUS;
	if (cur_word(&c, "BYE"))
		return IMAPRESP_BYE;
	if (cur_word(&c, "LIST"))
		return IMAPRESP_LIST;
	if (cur_word(&c, "VANISHED"))
		return IMAPRESP_NEWS;
	if (cur_number(&c, UINT32_MAX, &n) == 0 && cur_char(&c, ' '))
		for (i = 0; i < sizeof news / sizeof news[0]; i++)
			if (cur_word(&c, news[i]))
				return IMAPRESP_NEWS;
	return IMAPRESP_OTHER;
}

static int
name_ok(const char *s, size_t n)
{
	if (n == 0 || n > IMAPRESP_MAX_NAME)
		return 0;
	return memchr(s, '\0', n) == NULL && memchr(s, '\r', n) == NULL &&
	    memchr(s, '\n', n) == NULL;
}

/* An atom char of a mailbox name (RFC 3501 ASTRING-CHAR). */
static int
astring_char(char ch)
{
	unsigned char u = (unsigned char)ch;

	return u > 0x20 && u < 0x7f && ch != '(' && ch != ')' && ch != '{' &&
	    ch != '"' && ch != '\\' && ch != '%' && ch != '*';
}

/* The mailbox of a STATUS: a malloc'd name, or NULL. */
static char *
cur_mailbox(struct cur *c)
{
	const char *start;
	size_t n, i;
	char *out;

	if (cur_char(c, '"')) {
		out = xmalloc((size_t)(c->end - c->p) + 1);
		for (n = 0; c->p < c->end && *c->p != '"'; c->p++) {
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			out[n++] = *c->p;
		}
		if (!cur_char(c, '"') || !name_ok(out, n)) {
			free(out);
			return NULL;
		}
		out[n] = '\0';
		return out;
	}
	if (c->p < c->end && *c->p == '{') {
		start = c->p;
		while (c->p < c->end && *c->p != '\n')
			c->p++;
		if (c->p >= c->end || c->p - start < 3 || c->p[-1] != '\r' ||
		    imapresp_literal(start, (size_t)(c->p - start - 1), &n) != 1)
			return NULL;
		c->p++;
		if ((size_t)(c->end - c->p) < n || !name_ok(c->p, n))
			return NULL;
		out = xstrndup(c->p, n);
		c->p += n;
		return out;
	}
	start = c->p;
	for (i = 0; c->p < c->end && astring_char(*c->p); i++)
		c->p++;
	if (!name_ok(start, i))
		return NULL;
	return xstrndup(start, i);
}

/* Skip one value of an unknown attribute (or its name): a number, an atom
 * or NIL, or a parenthesised list at most 8 deep. */
static int
cur_skip_value(struct cur *c)
{
	const char *start = c->p;
	int depth = 0;

	while (c->p < c->end) {
		char ch = *c->p;

		if (ch == '\r' || ch == '\n' || ch == '"' || ch == '{')
			return -1;
		if (ch == '(') {
			if (++depth > 8)
				return -1;
		} else if (ch == ')') {
			if (depth == 0)
				break;
			if (--depth == 0) {
				c->p++;
				return 0;
			}
		} else if (ch == ' ' && depth == 0) {
			break;
		}
		c->p++;
	}
	return depth == 0 && c->p > start ? 0 : -1;
}

int
imapresp_status_parse(const char *r, size_t len, struct imapresp_status *st)
{
	static const struct {
		const char *name;
		uint64_t max;
	} atts[] = {
		{ "MESSAGES", INT32_MAX }, { "UNSEEN", INT32_MAX },
		{ "UIDNEXT", UINT32_MAX }, { "UIDVALIDITY", UINT32_MAX },
		{ "HIGHESTMODSEQ", INT64_MAX },
	};
	struct cur c;
	uint64_t v;
	unsigned seen = 0;
	size_t i;
	int n = 0;

	memset(st, 0, sizeof *st);
	st->messages = st->unseen = -1;
	c.p = r;
	c.end = r + len;
	while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
		c.end--;
	if (!cur_char(&c, '*') || !cur_char(&c, ' ') ||
	    !cur_word(&c, "STATUS") || !cur_char(&c, ' '))
		return -1;
	if ((st->mailbox = cur_mailbox(&c)) == NULL)
		goto bad;
	cur_spaces(&c);
	if (!cur_char(&c, '('))
		goto bad;
	for (;;) {
		cur_spaces(&c);
		if (cur_char(&c, ')'))
			break;
		if (++n > 32)
			goto bad;
		for (i = 0; i < sizeof atts / sizeof atts[0]; i++)
			if (cur_word(&c, atts[i].name))
				break;
		if (i == sizeof atts / sizeof atts[0]) {
			/* An attribute tern does not ask for: its name and
			 * its value. */
			if (cur_skip_value(&c) != 0 || !cur_char(&c, ' ') ||
			    cur_skip_value(&c) != 0)
				goto bad;
			continue;
		}
		if ((seen & (1u << i)) != 0 || !cur_char(&c, ' ') ||
		    cur_number(&c, atts[i].max, &v) != 0)
			goto bad;
		seen |= 1u << i;
		switch (i) {
		case 0:
			st->messages = (int)v;
			break;
		case 1:
			st->unseen = (int)v;
			break;
		case 2:
			st->uidnext = (uint32_t)v;
			break;
		case 3:
			st->uidvalidity = (uint32_t)v;
			break;
		default:
			st->highestmodseq = v;
			break;
		}
	}
	cur_spaces(&c);
	if (c.p != c.end)
		goto bad;
	return 0;
bad:
	imapresp_status_release(st);
	return -1;
}

void
imapresp_status_release(struct imapresp_status *st)
{
	free(st->mailbox);
	memset(st, 0, sizeof *st);
	st->messages = st->unseen = -1;
}
