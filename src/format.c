/*
 * The index line's format string (see format.h): its syntax, its checks
 * and wording of its errors, and the rendering of one message into one
 * line of display columns.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

/* The widest WIDTH or PRECISION a conversion may ask for. */
#define FORMAT_MAX_WIDTH 1000

/* One conversion as written. */
struct format_conv {
	int left;		/* '-': pad on the right */
	int width;		/* -1: none */
	int prec;		/* -1: none */
	int conv;		/* the letter, '{', '>' or '%' */
	const char *arg;	/* the text of %{...}, the fill of %> */
	size_t arglen;
	size_t len;		/* bytes from the '%' on */
};

/* One side of the line (before and after %>) as it is built. */
struct format_side {
	struct strbuf sb;
	int has_tree;
	size_t tree_off, tree_len;
};

static const char format_convs[] = "ZDFatscNMC";

static int format_parse(const char *, struct format_conv *, char **);
static void format_value(struct strbuf *, const struct format_conv *,
    const struct format_msg *, time_t);

/* A number of at most FORMAT_MAX_WIDTH at *P; advances *P. */
static int
format_number(const char **p, int *n)
{
	long v = 0;

	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		if (v > FORMAT_MAX_WIDTH)
			return -1;
		(*p)++;
	}
	*n = (int)v;
	return 0;
}

/*
 * Read the conversion at P (which points at a '%') into *C. Returns 0, or
 * -1 with *ERR set when ERR is not NULL.
 */
static int
format_parse(const char *p, struct format_conv *c, char **err)
{
	const char *start = p, *end;

	memset(c, 0, sizeof *c);
	c->width = c->prec = -1;
	p++;
	if (*p == '-') {
		c->left = 1;
		p++;
	}
	if (*p >= '0' && *p <= '9' && format_number(&p, &c->width) != 0)
		goto too_wide;
	if (*p == '.') {
		p++;
		if (format_number(&p, &c->prec) != 0)
			goto too_wide;
	}
	c->conv = (unsigned char)*p;
	if (*p == '\0') {
		if (err != NULL)
			*err = xstrdup(_("the format ends with \"%\""));
		return -1;
	}
	if (*p == '{') {
		if ((end = strchr(p + 1, '}')) == NULL) {
			if (err != NULL)
				*err = xstrdup(_("\"%{\" without its \"}\""));
			return -1;
		}
		c->arg = p + 1;
		c->arglen = (size_t)(end - p - 1);
		c->len = (size_t)(end + 1 - start);
		return 0;
	}
	if (*p == '>') {
		if (p[1] < ' ' || p[1] > '~') {
			if (err != NULL)
				*err = xstrdup(_("\"%>\" wants a printable "
				    "ASCII character to fill with"));
			return -1;
		}
		c->arg = p + 1;
		c->arglen = 1;
		c->len = (size_t)(p + 2 - start);
		return 0;
	}
	c->len = (size_t)(p + 1 - start);
	if (*p == '%' || strchr(format_convs, *p) != NULL)
		return 0;
	if (err != NULL) {
		unsigned int cp;
		size_t n = text_utf8_next(p, strlen(p), &cp);
		char *shown = xstrndup(p, n);
		char *clean = text_sanitize_dup(shown, 0);

		*err = xasprintf(_("unknown conversion \"%%%s\""), clean);
		free(clean);
		free(shown);
	}
	return -1;

too_wide:
	if (err != NULL)
		*err = xasprintf(_("a width above %d in \"%.*s\""),
		    FORMAT_MAX_WIDTH, (int)(strspn(start + 1, "-.0123456789") +
		    1), start);
	return -1;
}

int
format_check(const char *fmt, char **err)
{
	struct format_conv c;
	const char *p;
	int fills = 0;

	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		if (format_parse(p, &c, err) != 0)
			return -1;
		if (c.conv == '>' && ++fills > 1) {
			*err = xstrdup(_("\"%>\" appears twice"));
			return -1;
		}
		p += c.len - 1;
	}
	return 0;
}

void
format_size(struct strbuf *sb, int64_t n)
{
	if (n < 0)
		n = 0;
	/*
	 * mutt's steps, each switching where the rounded figure would
	 * reach the next one: never "10.0K" nor "1024K".
	 */
	if (n < 1024)
		strbuf_addf(sb, "%d", (int)n);
	else if (n < 10189)			/* 9.95K */
		strbuf_addf(sb, "%.1fK", (double)n / 1024);
	else if (n < 1024 * 1024 - 512)		/* 1023.5K */
		strbuf_addf(sb, "%dK", (int)((n + 512) / 1024));
	else if (n < 10433332)			/* 9.95M */
		strbuf_addf(sb, "%.1fM", (double)n / (1024 * 1024));
	else	/* Rounded without n + 512K, which overflows near the top. */
		strbuf_addf(sb, "%lldM", (long long)(n / (1024 * 1024) +
		    (n % (1024 * 1024) >= 512 * 1024)));
}

void
format_size_of(struct strbuf *sb, int64_t done, int64_t total)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	format_size(&a, done);
	format_size(&b, total);
	strbuf_addf(sb, _("%s of %s"), a.buf, b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
}

void
format_date(struct strbuf *sb, int64_t date, time_t now)
{
	struct tm tm, today;
	time_t t = (time_t)date;
	char buf[64];

	if (date <= 0 || localtime_r(&t, &tm) == NULL ||
	    localtime_r(&now, &today) == NULL)
		return;
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, sizeof buf, "%H:%M", &tm);
	else if (tm.tm_year == today.tm_year)
		strftime(buf, sizeof buf, "%b %d", &tm);
	else
		strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
	text_sanitize(sb, buf, strlen(buf), 0);
}

/* Append S sanitised. */
static void
format_text(struct strbuf *sb, const char *s)
{
	if (s != NULL)
		text_sanitize(sb, s, strlen(s), 0);
}

/* The text of conversion C for M (before width and precision). */
static void
format_value(struct strbuf *sb, const struct format_conv *c,
    const struct format_msg *m, time_t now)
{
	struct tm tm;
	time_t t;
	char *f, buf[256];

	switch (c->conv) {
	case 'Z':
		strbuf_addch(sb, m->tagged ? '*' : ' ');
		strbuf_addch(sb, m->flags & MSG_DELETED ? 'D' :
		    !(m->flags & MSG_SEEN) ? 'N' :
		    m->flags & MSG_ANSWERED ? 'r' : ' ');
		strbuf_addch(sb, m->flags & MSG_FLAGGED ? 'F' : ' ');
		strbuf_addch(sb, m->has_attachment ? 'a' : ' ');
		break;
	case 'D':
		format_date(sb, m->date, now);
		break;
	case '{':
		t = (time_t)m->date;
		if (m->date <= 0 || localtime_r(&t, &tm) == NULL)
			break;
		f = xstrndup(c->arg, c->arglen);
		/* The user's own strftime format, from the config. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (*f != '\0' && strftime(buf, sizeof buf, f, &tm) > 0)
			format_text(sb, buf);
#pragma GCC diagnostic pop
		free(f);
		break;
	case 'F':
		format_text(sb, m->from != NULL && *m->from != '\0' ?
		    m->from : m->from_addr);
		break;
	case 'a':
		format_text(sb, m->from_addr);
		break;
	case 't':
		format_text(sb, m->to);
		break;
	case 's':
		if (m->tree != NULL)
			format_text(sb, m->tree);
		if (m->gone)
			strbuf_addstr(sb, _("[gone] "));
		if (!m->same_subject || m->tree == NULL || *m->tree == '\0')
			format_text(sb, m->subject);
		break;
	case 'c':
		format_size(sb, m->size);
		break;
	case 'N':
		strbuf_addf(sb, "%zu", m->thread_size);
		break;
	case 'M':
		if (m->hidden > 0)
			strbuf_addf(sb, "(+%zu) ", m->hidden);
		break;
	case 'C':
		strbuf_addf(sb, "%ld", m->number);
		break;
	case '%':
		strbuf_addch(sb, '%');
		break;
	}
}

/* Append conversion C to side S, with its width and precision. */
static void
format_conv_add(struct format_side *s, const struct format_conv *c,
    const struct format_msg *m, time_t now)
{
	struct strbuf val = STRBUF_INIT, fit = STRBUF_INIT;
	const char *v;
	size_t tree_len = 0;
	int w, pad;

	format_value(&val, c, m, now);
	if (c->conv == 's' && m->tree != NULL)
		tree_len = strlen(m->tree) < val.len ? strlen(m->tree) :
		    val.len;
	v = val.buf;
	if (c->prec >= 0) {
		text_fit(&fit, val.buf, c->prec, 0);
		v = fit.buf;
		if (tree_len > fit.len)
			tree_len = fit.len;
	}
	w = text_width(v);
	pad = c->width > w ? c->width - w : 0;
	if (!c->left)
		while (pad-- > 0)
			strbuf_addch(&s->sb, ' ');
	if (tree_len > 0 && !s->has_tree) {
		s->has_tree = 1;
		s->tree_off = s->sb.len;
		s->tree_len = tree_len;
	}
	strbuf_addstr(&s->sb, v);
	if (c->left)
		while (pad-- > 0)
			strbuf_addch(&s->sb, ' ');
	strbuf_release(&fit);
	strbuf_release(&val);
}

/*
 * Append the columns of SIDE that fit in COLS to SB, SIDE starting at
 * column COL0 of the line; note where the tree went.
 */
static int
format_emit(struct strbuf *sb, const struct format_side *side, int cols,
    int col0, struct format_span *tree)
{
	size_t base = sb->len;
	int used;
	char *head;

	used = text_fit(sb, side->sb.buf, cols, 0);
	if (side->has_tree && tree != NULL && side->tree_off < sb->len - base) {
		head = xstrndup(side->sb.buf, side->tree_off);
		tree->off = base + side->tree_off;
		tree->len = side->tree_len;
		if (tree->off + tree->len > sb->len)
			tree->len = sb->len - tree->off;
		tree->col = col0 + text_width(head);
		free(head);
		head = xstrndup(sb->buf + tree->off, tree->len);
		tree->cols = text_width(head);
		free(head);
	}
	return used;
}

int
format_index(struct strbuf *sb, const char *fmt, const struct format_msg *m,
    time_t now, int cols, struct format_span *tree_r)
{
	struct format_side side[2];
	struct format_conv c;
	struct format_span tree;
	const char *p, *lit;
	int cur = 0, fill = 0, rw, used;
	size_t start = sb->len;

	memset(side, 0, sizeof side);
	strbuf_init(&side[0].sb, 0);
	strbuf_init(&side[1].sb, 0);
	memset(&tree, 0, sizeof tree);
	if (cols < 0)
		cols = 0;
	for (p = fmt; *p != '\0';) {
		if (*p != '%') {
			lit = p;
			while (*p != '\0' && *p != '%')
				p++;
			text_sanitize(&side[cur].sb, lit, (size_t)(p - lit), 0);
			continue;
		}
		if (format_parse(p, &c, NULL) != 0) {
			/* Shown as written (format_check() refused it). */
			text_sanitize(&side[cur].sb, p, 1, 0);
			p++;
			continue;
		}
		p += c.len;
		if (c.conv == '>') {
			if (cur == 0) {
				cur = 1;
				fill = (unsigned char)c.arg[0];
			}
			continue;
		}
		format_conv_add(&side[cur], &c, m, now);
	}

	if (cur == 0)
		used = format_emit(sb, &side[0], cols, 0, &tree);
	else {
		/* The right side keeps its place; the left gets the rest. */
		rw = text_width(side[1].sb.buf);
		if (rw > cols)
			rw = cols;
		used = format_emit(sb, &side[0], cols - rw, 0, &tree);
		while (used < cols - rw) {
			strbuf_addch(sb, (char)fill);
			used++;
		}
		used += format_emit(sb, &side[1], rw, used,
		    tree.len == 0 ? &tree : NULL);
	}
	if (tree_r != NULL) {
		*tree_r = tree;
		if (tree_r->len > 0)
			tree_r->off -= start;
	}
	strbuf_release(&side[0].sb);
	strbuf_release(&side[1].sb);
	return used;
}
