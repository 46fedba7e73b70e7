/*
 * The search query language (see search.h): a lexer and a recursive
 * descent parser that turn a query into a tree, the tree's printer, and
 * the case folding that the offline search uses to compare text. Nothing
 * here knows IMAP or SQL.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "compat.h"
#include "i18n.h"
#include "search.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

enum search_tok {
	TOK_EOF,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_MINUS,		/* a '-' or '!' right before a term: NOT */
	TOK_BAR,		/* '|': OR, as mutt writes it */
	TOK_WORD,
	TOK_PHRASE,
};

struct search_token {
	enum search_tok type;
	size_t off;		/* where it starts in the buffer */
	int spaced;		/* white space came before it */
	char *text;		/* WORD and PHRASE: the text, unescaped */
};

struct search_parser {
	const char *buf;
	size_t len;
	size_t pos;
	struct search_token tok;	/* the current token */
	size_t nterms;
	time_t now;		/* "today" for mutt's relative dates */
	char *err;
};

static int search_next(struct search_parser *);
static struct search_node *search_parse_or(struct search_parser *, int);
static struct search_node *search_parse_mutt(struct search_parser *, char *,
    size_t);

/* Operators that take a value, by name. */
static const struct {
	const char *name;
	enum search_kind kind;
} search_ops[] = {
	{ "from", SEARCH_FROM },
	{ "to", SEARCH_TO },
	{ "cc", SEARCH_CC },
	{ "subject", SEARCH_SUBJECT },
	{ "body", SEARCH_BODY },
	{ "text", SEARCH_TEXT },
	{ "before", SEARCH_BEFORE },
	{ "since", SEARCH_SINCE },
	{ "on", SEARCH_ON },
	{ "larger", SEARCH_LARGER },
	{ "smaller", SEARCH_SMALLER },
	{ "is", SEARCH_FLAG },
	{ "has", SEARCH_ATTACHMENT },
};

/* The values of is:, and what each means. */
static const struct {
	const char *name;
	enum search_flag flag;
	int set;
} search_is[] = {
	{ "unread", SEARCH_SEEN, 0 },
	{ "read", SEARCH_SEEN, 1 },
	{ "flagged", SEARCH_FLAGGED, 1 },
	{ "answered", SEARCH_ANSWERED, 1 },
	{ "deleted", SEARCH_DELETED, 1 },
};

/* How the printer names a flag test. */
static const char *
search_flag_name(enum search_flag flag, int set)
{
	switch (flag) {
	case SEARCH_SEEN:
		return set ? "read" : "unread";
	case SEARCH_ANSWERED:
		return set ? "answered" : "unanswered";
	case SEARCH_FLAGGED:
		return set ? "flagged" : "unflagged";
	case SEARCH_DELETED:
		return set ? "deleted" : "undeleted";
	}
	return "?";
}

/* The column (in characters, from 1) of byte offset OFF. */
static size_t
search_column(const struct search_parser *p, size_t off)
{
	size_t i, col = 1;

	for (i = 0; i < off && i < p->len; i++)
		if (((unsigned char)p->buf[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/* Record the first error; later ones are consequences. */
static void __attribute__((format(printf, 2, 3)))
search_error(struct search_parser *p, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	if (p->err != NULL)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	p->err = strbuf_detach(&sb, NULL);
}

/*
 * Check that the buffer is UTF-8 without control characters other than
 * tab, CR and LF (which count as white space).
 */
static int
search_check_text(struct search_parser *p)
{
	size_t i = 0, k;
	unsigned int cp;

	while (i < p->len) {
		k = text_utf8_next(p->buf + i, p->len - i, &cp);
		if (cp == 0xfffd && k == 1) {
			search_error(p, _("invalid UTF-8 at column %zu"),
			    search_column(p, i));
			return -1;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7f && cp <= 0x9f)) {
			search_error(p, _("control character at column %zu"),
			    search_column(p, i));
			return -1;
		}
		i += k;
	}
	return 0;
}

static int
search_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether a word may go on at byte C (which is not white space). */
static int
search_word_char(char c)
{
	return c != '(' && c != ')' && c != '|';
}

/*
 * Read a phrase whose opening quote is at p->pos into the current token.
 * Only \" and \\ are escapes; any other backslash stays as it is.
 */
static int
search_lex_phrase(struct search_parser *p)
{
	struct strbuf sb = STRBUF_INIT;
	size_t start = p->pos;

	p->pos++;
	for (;;) {
		char c;

		if (p->pos >= p->len) {
			strbuf_release(&sb);
			search_error(p, _("missing closing quote for the phrase "
			    "at column %zu"), search_column(p, start));
			return -1;
		}
		c = p->buf[p->pos++];
		if (c == '"')
			break;
		if (c == '\\' && p->pos < p->len &&
		    (p->buf[p->pos] == '"' || p->buf[p->pos] == '\\'))
			c = p->buf[p->pos++];
		else if (c == '\t' || c == '\n' || c == '\r')
			c = ' ';
		strbuf_addch(&sb, c);
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		search_error(p, _("empty phrase at column %zu"),
		    search_column(p, start));
		return -1;
	}
	p->tok.type = TOK_PHRASE;
	p->tok.text = strbuf_detach(&sb, NULL);
	return 0;
}

/* Move to the next token. */
static int
search_next(struct search_parser *p)
{
	size_t start;
	char c;

	free(p->tok.text);
	p->tok.text = NULL;
	p->tok.spaced = 0;
	while (p->pos < p->len && search_is_space(p->buf[p->pos])) {
		p->pos++;
		p->tok.spaced = 1;
	}
	p->tok.off = p->pos;
	if (p->pos >= p->len) {
		p->tok.type = TOK_EOF;
		return 0;
	}
	c = p->buf[p->pos];
	if (c == '(' || c == ')') {
		p->tok.type = c == '(' ? TOK_LPAREN : TOK_RPAREN;
		p->pos++;
		return 0;
	}
	if (c == '|') {
		p->tok.type = TOK_BAR;
		p->pos++;
		return 0;
	}
	if (c == '"')
		return search_lex_phrase(p);
	if ((c == '-' || c == '!') && p->pos + 1 < p->len &&
	    !search_is_space(p->buf[p->pos + 1]) &&
	    p->buf[p->pos + 1] != ')') {
		p->tok.type = TOK_MINUS;
		p->pos++;
		return 0;
	}
	/*
	 * A word; "name:" stops before a quote so that a phrase can be its
	 * value (from:"Ann Smith").
	 */
	start = p->pos;
	while (p->pos < p->len && !search_is_space(p->buf[p->pos]) &&
	    search_word_char(p->buf[p->pos])) {
		if (p->buf[p->pos] == '"' && p->pos > start &&
		    p->buf[p->pos - 1] == ':')
			break;
		p->pos++;
	}
	p->tok.type = TOK_WORD;
	p->tok.text = xstrndup(p->buf + start, p->pos - start);
	return 0;
}

static struct search_node *
search_node_new(enum search_kind kind)
{
	struct search_node *n;

	n = xcalloc(1, sizeof *n);
	n->kind = kind;
	return n;
}

static void
search_add_kid(struct search_node *n, struct search_node *kid)
{
	size_t i;

	/* (and a (and b c)) is (and a b c): keep the tree flat. */
	if (kid->kind == n->kind && (n->kind == SEARCH_AND ||
	    n->kind == SEARCH_OR)) {
		for (i = 0; i < kid->nkids; i++)
			search_add_kid(n, kid->kids[i]);
		free(kid->kids);
		free(kid);
		return;
	}
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

void
search_free(struct search_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		search_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

struct search_node *
search_dup(const struct search_node *n)
{
	struct search_node *copy;
	size_t i;

	if (n == NULL)
		return NULL;
	copy = xmalloc(sizeof *copy);
	*copy = *n;
	copy->str = xstrdup(n->str);
	copy->kids = NULL;
	if (n->nkids > 0) {
		copy->kids = xcalloc(n->nkids, sizeof *copy->kids);
		for (i = 0; i < n->nkids; i++)
			copy->kids[i] = search_dup(n->kids[i]);
	}
	return copy;
}

static int
search_days_in_month(int y, int m)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int
search_digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parse YYYY-MM-DD into N. */
static int
search_date(struct search_node *n, const char *s)
{
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if ((y = search_digits(s, 4)) < 1000 ||
	    (m = search_digits(s + 5, 2)) < 1 || m > 12 ||
	    (d = search_digits(s + 8, 2)) < 1 ||
	    d > search_days_in_month(y, m))
		return -1;
	n->year = y;
	n->month = m;
	n->day = d;
	return 0;
}

/* Parse a size (500, 10k, 2M, 1G; an optional b after the unit). */
static int
search_size(struct search_node *n, const char *s, int *too_large_r)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	*too_large_r = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			*too_large_r = 1;
		if (v > UINT32_MAX)
			v = (uint64_t)UINT32_MAX + 1;
		p++;
	}
	switch (*p) {
	case 'k':
	case 'K':
		mult = 1024;
		p++;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		p++;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		p++;
		break;
	}
	if (mult > 1 && (*p == 'b' || *p == 'B'))
		p++;
	if (*p != '\0') {
		*too_large_r = 0;
		return -1;
	}
	if (*too_large_r || v * mult > UINT32_MAX) {
		*too_large_r = 1;
		return -1;
	}
	n->size = (uint32_t)(v * mult);
	return 0;
}

/*
 * The value of an operator: the rest of the word WORD after its colon at
 * byte AT, or the phrase right after it. Takes the tokens it uses.
 */
static char *
search_value(struct search_parser *p, const char *word, size_t colon,
    size_t off)
{
	char *value;

	if (word[colon + 1] != '\0') {
		value = xstrdup(word + colon + 1);
		if (search_next(p) != 0) {
			free(value);
			return NULL;
		}
		return value;
	}
	if (search_next(p) != 0)
		return NULL;
	if (p->tok.type == TOK_PHRASE && !p->tok.spaced) {
		value = p->tok.text;
		p->tok.text = NULL;
		if (search_next(p) != 0) {
			free(value);
			return NULL;
		}
		return value;
	}
	search_error(p, _("missing value after \"%.*s\" at column %zu"),
	    (int)colon + 1, word, search_column(p, off));
	return NULL;
}

/* Whether the word at hand is the keyword KW (capitals only). */
static int
search_keyword(const struct search_parser *p, const char *kw)
{
	if (p->tok.type == TOK_BAR)
		return strcmp(kw, "OR") == 0;
	return p->tok.type == TOK_WORD && strcmp(p->tok.text, kw) == 0;
}
/*
 * mutt's patterns, compiled to the same tree as tern's own terms: online
 * they become SEARCH keys, offline SQL, as every other term. A pattern
 * tern cannot answer is an error, never a silent empty answer.
 */

/* An AND of A and B. */
static struct search_node *
search_and2(struct search_node *a, struct search_node *b)
{
	struct search_node *n = search_node_new(SEARCH_AND);

	search_add_kid(n, a);
	search_add_kid(n, b);
	return n;
}

/* The node for one calendar day Y-M-D of KIND (since, before, on). */
static struct search_node *
search_day_node(enum search_kind kind, int y, int m, int d)
{
	struct search_node *n = search_node_new(kind);

	n->year = y;
	n->month = m;
	n->day = d;
	return n;
}

/* Move Y-M-D by DAYS days, MONTHS months and YEARS years. */
static void
search_day_add(int *y, int *m, int *d, int days, int months, int years)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = *y - 1900 - years;
	tm.tm_mon = *m - 1 - months;
	tm.tm_mday = *d - days;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
	/* "<44444m" means every date the search can name: no year before
	 * 1000 or after 9999 (IMAP's date-year is four digits). */
	if (*y < 1000) {
		*y = 1000;
		*m = 1;
		*d = 1;
	} else if (*y > 9999) {
		*y = 9999;
		*m = 12;
		*d = 31;
	}
}

/* Today's date, as the parse sees it. */
static void
search_today(const struct search_parser *p, int *y, int *m, int *d)
{
	struct tm tm;

	localtime_r(&p->now, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

/*
 * One of mutt's absolute dates in the LEN bytes at S: DD, DD/MM, DD/MM/YY
 * or DD/MM/YYYY (the missing parts are today's), or YYYY-MM-DD.
 */
static int
search_mutt_day(const struct search_parser *p, const char *s, size_t len,
    int *y_r, int *m_r, int *d_r)
{
	int v[3] = { 0, 0, 0 }, nv = 0, digits = 0, y, m, d;
	size_t i;

	search_today(p, &y, &m, &d);
	if (len == 10 && s[4] == '-' && s[7] == '-') {
		char buf[11];
		struct search_node tmp;

		memcpy(buf, s, 10);
		buf[10] = '\0';
		memset(&tmp, 0, sizeof tmp);
		if (search_date(&tmp, buf) != 0)
			return -1;
		*y_r = tmp.year;
		*m_r = tmp.month;
		*d_r = tmp.day;
		return 0;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] >= '0' && s[i] <= '9') {
			if (++digits > 4)
				return -1;
			v[nv] = v[nv] * 10 + (s[i] - '0');
			continue;
		}
		if (digits == 0 || (i < len && s[i] != '/') || nv == 3)
			return -1;
		nv++;
		digits = 0;
		if (i < len && nv == 3)
			return -1;
	}
	d = v[0];
	if (nv >= 2)
		m = v[1];
	if (nv == 3)
		y = v[2] < 70 ? 2000 + v[2] : v[2] < 100 ? 1900 + v[2] : v[2];
	/* YY or YYYY: a year of three digits is no year (IMAP's has four). */
	if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > search_days_in_month(y, m))
		return -1;
	*y_r = y;
	*m_r = m;
	*d_r = d;
	return 0;
}

/* ~d and ~r: <3d, >1w, =2m, DATE, DATE-DATE, -DATE, DATE-. */
static struct search_node *
search_mutt_date(struct search_parser *p, const char *s, size_t off)
{
	struct search_node *n = NULL, *and;
	const char *dash;
	int y, m, d, y2, m2, d2, num = 0, have = 0;
	size_t len = strlen(s), i;

	if (s[0] == '<' || s[0] == '>' || s[0] == '=') {
		for (i = 1; s[i] >= '0' && s[i] <= '9' && num < 100000; i++) {
			num = num * 10 + (s[i] - '0');
			have = 1;
		}
		if (!have || s[i + (s[i] != '\0')] != '\0' ||
		    strchr("dwmy", s[i]) == NULL || s[i] == '\0')
			goto bad;
		search_today(p, &y, &m, &d);
		search_day_add(&y, &m, &d, s[i] == 'd' ? num :
		    s[i] == 'w' ? 7 * num : 0, s[i] == 'm' ? num : 0,
		    s[i] == 'y' ? num : 0);
		return search_day_node(s[0] == '<' ? SEARCH_SINCE :
		    s[0] == '>' ? SEARCH_BEFORE : SEARCH_ON, y, m, d);
	}
	/* An ISO date is one day, not a range. */
	dash = len == 10 && s[4] == '-' ? NULL : strchr(s, '-');
	if (dash == NULL) {
		if (search_mutt_day(p, s, len, &y, &m, &d) != 0)
			goto bad;
		return search_day_node(SEARCH_ON, y, m, d);
	}
	if (dash > s && search_mutt_day(p, s, (size_t)(dash - s), &y, &m,
	    &d) != 0)
		goto bad;
	if (dash[1] != '\0' && search_mutt_day(p, dash + 1, strlen(dash + 1),
	    &y2, &m2, &d2) != 0)
		goto bad;
	if (dash == s && dash[1] == '\0')
		goto bad;
	if (dash > s)
		n = search_day_node(SEARCH_SINCE, y, m, d);
	if (dash[1] != '\0') {
		/* The last day is in the range. */
		search_day_add(&y2, &m2, &d2, -1, 0, 0);
		and = search_day_node(SEARCH_BEFORE, y2, m2, d2);
		if (n == NULL)
			return and;
		n = search_and2(n, and);
	}
	return n;
bad:
	search_error(p, _("bad date range \"%s\" at column %zu (expected "
	    "<3d, >1w, DD/MM/YYYY, DD/MM/YYYY-DD/MM/YYYY or YYYY-MM-DD)"), s,
	    search_column(p, off));
	return NULL;
}

/* A size node of KIND for SIZE bytes. */
static struct search_node *
search_size_node(enum search_kind kind, uint32_t size)
{
	struct search_node *n = search_node_new(kind);

	n->size = size;
	return n;
}

/* Parse the size in the LEN bytes at S into *SIZE_R. */
static int
search_mutt_bytes(const char *s, size_t len, uint32_t *size_r)
{
	struct search_node tmp;
	char *copy = xstrndup(s, len);
	int too_large, r;

	memset(&tmp, 0, sizeof tmp);
	r = search_size(&tmp, copy, &too_large);
	free(copy);
	*size_r = tmp.size;
	return r;
}

/* ~z: <10K, >1M, 10K-1M, -1M, 1K-, or one size. */
static struct search_node *
search_mutt_size(struct search_parser *p, const char *s, size_t off)
{
	const char *dash = strchr(s, '-');
	uint32_t lo = 0, hi = 0;
	struct search_node *n = NULL, *kid;

	if (s[0] == '<' || s[0] == '>') {
		if (search_mutt_bytes(s + 1, strlen(s + 1), &lo) != 0)
			goto bad;
		return search_size_node(s[0] == '<' ? SEARCH_SMALLER :
		    SEARCH_LARGER, lo);
	}
	if (dash == NULL) {
		if (search_mutt_bytes(s, strlen(s), &lo) != 0)
			goto bad;
		hi = lo;
	} else {
		if ((dash == s && dash[1] == '\0') ||
		    (dash > s && search_mutt_bytes(s, (size_t)(dash - s),
		    &lo) != 0) || (dash[1] != '\0' &&
		    search_mutt_bytes(dash + 1, strlen(dash + 1), &hi) != 0))
			goto bad;
		if (dash[1] == '\0')
			hi = UINT32_MAX;
	}
	/* Both ends are in the range. */
	if (lo > 0)
		n = search_size_node(SEARCH_LARGER, lo - 1);
	if (hi < UINT32_MAX) {
		kid = search_size_node(SEARCH_SMALLER, hi + 1);
		n = n == NULL ? kid : search_and2(n, kid);
	}
	if (n == NULL)
		n = search_node_new(SEARCH_ALL);
	return n;
bad:
	search_error(p, _("bad size range \"%s\" at column %zu (expected "
	    "<10K, >1M, 10K-1M, -1M or 1K-)"), s, search_column(p, off));
	return NULL;
}

/* Text node of KIND for VALUE (a copy). */
static struct search_node *
search_text_node(enum search_kind kind, const char *value)
{
	struct search_node *n = search_node_new(kind);

	n->str = xstrdup(value);
	return n;
}

/*
 * A mutt pattern WORD ("~f", "~falice", "=b", "~N"), the current token
 * already taken; its argument, if it takes one, is the rest of the word
 * or the next word or phrase. Frees WORD.
 */
/* How many terms N is once written: its leaves. */
static size_t
search_leaves(const struct search_node *n)
{
	size_t i, k = 0;

	if (n->nkids == 0)
		return 1;
	for (i = 0; i < n->nkids; i++)
		k += search_leaves(n->kids[i]);
	return k;
}

static struct search_node *
search_parse_mutt(struct search_parser *p, char *word, size_t off)
{
	static const struct {
		char op;
		enum search_kind kind;	/* SEARCH_FLAG: FLAG, SET */
		enum search_flag flag;
		int set;
		int arg;		/* 0 none, 1 text, 2 date, 3 size */
	} ops[] = {
		{ 'f', SEARCH_FROM, 0, 0, 1 },
		{ 't', SEARCH_TO, 0, 0, 1 },
		{ 'c', SEARCH_CC, 0, 0, 1 },
		{ 's', SEARCH_SUBJECT, 0, 0, 1 },
		{ 'b', SEARCH_BODY, 0, 0, 1 },
		{ 'B', SEARCH_TEXT, 0, 0, 1 },
		{ 'h', SEARCH_TEXT, 0, 0, 1 },
		{ 'L', SEARCH_OR, 0, 0, 1 },	/* from, to or cc */
		{ 'C', SEARCH_OR, 0, 0, 1 },	/* to or cc */
		{ 'N', SEARCH_FLAG, SEARCH_SEEN, 0, 0 },
		{ 'O', SEARCH_FLAG, SEARCH_SEEN, 0, 0 },
		{ 'U', SEARCH_FLAG, SEARCH_SEEN, 0, 0 },
		{ 'R', SEARCH_FLAG, SEARCH_SEEN, 1, 0 },
		{ 'F', SEARCH_FLAG, SEARCH_FLAGGED, 1, 0 },
		{ 'D', SEARCH_FLAG, SEARCH_DELETED, 1, 0 },
		{ 'Q', SEARCH_FLAG, SEARCH_ANSWERED, 1, 0 },
		{ 'A', SEARCH_ALL, 0, 0, 0 },
		{ 'd', SEARCH_ON, 0, 0, 2 },
		{ 'r', SEARCH_ON, 0, 0, 2 },	/* received: the date too */
		{ 'z', SEARCH_LARGER, 0, 0, 3 },
	};
	struct search_node *n = NULL;
	char *value = NULL, op = word[1];
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].op == op)
			break;
	if (i == sizeof ops / sizeof ops[0]) {
		if (strchr("TxiekglpPuvVySEHMnmX$", op) != NULL && op != '\0')
			search_error(p, _("mutt pattern \"%c%c\" at column %zu "
			    "is not supported by tern's search"), word[0], op,
			    search_column(p, off));
		else
			search_error(p, _("unknown mutt pattern \"%c%c\" at "
			    "column %zu"), word[0], op,
			    search_column(p, off));
		goto out;
	}
	if (ops[i].arg == 0) {
		if (word[2] != '\0') {
			search_error(p, _("mutt pattern \"%c%c\" takes no "
			    "value at column %zu"), word[0], op,
			    search_column(p, off));
			goto out;
		}
		if (search_next(p) != 0)
			goto out;
	} else if (word[2] != '\0') {
		value = xstrdup(word + 2);
		if (search_next(p) != 0)
			goto out;
	} else {
		if (search_next(p) != 0)
			goto out;
		/* "~d -31/01/2025", "~z -2K": the '-' opens the range. */
		if (p->tok.type == TOK_MINUS && ops[i].arg >= 2) {
			if (search_next(p) != 0)
				goto out;
			if (p->tok.type == TOK_WORD) {
				value = xasprintf("-%s", p->tok.text);
				if (search_next(p) != 0)
					goto out;
				goto have;
			}
		}
		if (p->tok.type != TOK_WORD && p->tok.type != TOK_PHRASE) {
			search_error(p, _("missing value after \"%c%c\" at "
			    "column %zu"), word[0], op,
			    search_column(p, off));
			goto out;
		}
		value = p->tok.text;
		p->tok.text = NULL;
		if (search_next(p) != 0)
			goto out;
	}
have:
	switch (ops[i].arg) {
	case 0:
		n = search_node_new(ops[i].kind);
		n->flag = ops[i].flag;
		n->set = ops[i].set;
		break;
	case 1:
		if (op == 'L' || op == 'C') {
			n = search_node_new(SEARCH_OR);
			if (op == 'L')
				search_add_kid(n, search_text_node(SEARCH_FROM,
				    value));
			search_add_kid(n, search_text_node(SEARCH_TO, value));
			search_add_kid(n, search_text_node(SEARCH_CC, value));
		} else
			n = search_text_node(ops[i].kind, value);
		break;
	case 2:
		n = search_mutt_date(p, value, off);
		break;
	case 3:
		n = search_mutt_size(p, value, off);
		break;
	}
	/*
	 * ~C, ~L and ranges are several terms once written as tern's
	 * (search_write()): they count as many, so that what is written
	 * back parses again.
	 */
	if (n != NULL && (p->nterms += search_leaves(n) - 1) >
	    SEARCH_MAX_TERMS) {
		search_error(p, _("too many terms (at most %d) at column %zu"),
		    SEARCH_MAX_TERMS, search_column(p, off));
		search_free(n);
		n = NULL;
	}
out:
	free(word);
	free(value);
	return n;
}


/* A term: an operator with its value, `all`, or a bare word or phrase. */
static struct search_node *
search_parse_term(struct search_parser *p)
{
	struct search_node *n = NULL;
	char *word, *value = NULL;
	size_t off = p->tok.off, colon, i;
	int too_large;

	if (++p->nterms > SEARCH_MAX_TERMS) {
		search_error(p, _("too many terms (at most %d) at column %zu"),
		    SEARCH_MAX_TERMS, search_column(p, off));
		return NULL;
	}
	if (p->tok.type == TOK_PHRASE) {
		n = search_node_new(SEARCH_TEXT);
		n->str = p->tok.text;
		p->tok.text = NULL;
		if (search_next(p) != 0) {
			search_free(n);
			return NULL;
		}
		return n;
	}
	word = p->tok.text;
	p->tok.text = NULL;
	/* mutt's patterns: ~f alice, ~N, =b text (= is server-side: so is /). */
	if ((word[0] == '~' || word[0] == '=') &&
	    ((word[1] >= 'a' && word[1] <= 'z') ||
	    (word[1] >= 'A' && word[1] <= 'Z')))
		return search_parse_mutt(p, word, off);
	if (strcasecmp(word, "all") == 0) {
		free(word);
		if (search_next(p) != 0)
			return NULL;
		return search_node_new(SEARCH_ALL);
	}
	/* name: is ASCII letters then a colon; anything else is text. */
	for (colon = 0; word[colon] != '\0'; colon++) {
		char c = word[colon];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			break;
	}
	if (colon == 0 || word[colon] != ':') {
		n = search_node_new(SEARCH_TEXT);
		n->str = word;
		if (search_next(p) != 0) {
			search_free(n);
			return NULL;
		}
		return n;
	}
	for (i = 0; i < sizeof search_ops / sizeof search_ops[0]; i++)
		if (strlen(search_ops[i].name) == colon &&
		    strncasecmp(word, search_ops[i].name, colon) == 0)
			break;
	if (i == sizeof search_ops / sizeof search_ops[0]) {
		search_error(p, _("unknown operator \"%.*s\" at column %zu"),
		    (int)colon + 1, word, search_column(p, off));
		goto out;
	}
	if ((value = search_value(p, word, colon, off)) == NULL)
		goto out;
	n = search_node_new(search_ops[i].kind);
	switch (n->kind) {
	case SEARCH_BEFORE:
	case SEARCH_SINCE:
	case SEARCH_ON:
		if (search_date(n, value) != 0) {
			search_error(p, _("bad date \"%s\" at column %zu "
			    "(expected YYYY-MM-DD)"), value,
			    search_column(p, off));
			goto fail;
		}
		break;
	case SEARCH_LARGER:
	case SEARCH_SMALLER:
		if (search_size(n, value, &too_large) != 0) {
			if (too_large)
				search_error(p, _("size \"%s\" at column %zu "
				    "is too large (at most 4G)"), value,
				    search_column(p, off));
			else
				search_error(p, _("bad size \"%s\" at column "
				    "%zu (expected a number of bytes such as "
				    "500, 10k or 2M)"), value,
				    search_column(p, off));
			goto fail;
		}
		break;
	case SEARCH_FLAG:
		for (i = 0; i < sizeof search_is / sizeof search_is[0]; i++)
			if (strcasecmp(value, search_is[i].name) == 0)
				break;
		if (i == sizeof search_is / sizeof search_is[0]) {
			search_error(p, _("unknown value \"%s\" for \"is:\" at "
			    "column %zu (expected unread, read, flagged, "
			    "answered or deleted)"), value,
			    search_column(p, off));
			goto fail;
		}
		n->flag = search_is[i].flag;
		n->set = search_is[i].set;
		break;
	case SEARCH_ATTACHMENT:
		if (strcasecmp(value, "attachment") != 0) {
			search_error(p, _("unknown value \"%s\" for \"has:\" "
			    "at column %zu (expected attachment)"), value,
			    search_column(p, off));
			goto fail;
		}
		break;
	default:
		n->str = value;
		value = NULL;
		break;
	}
	goto out;
fail:
	search_free(n);
	n = NULL;
out:
	free(word);
	free(value);
	return n;
}

/* NOT, -, a group in parentheses, or a term. */
static struct search_node *
search_parse_unary(struct search_parser *p, int depth)
{
	struct search_node *n, *kid;
	size_t off = p->tok.off;

	if (depth > SEARCH_MAX_DEPTH) {
		search_error(p, _("query nested too deeply at column %zu"),
		    search_column(p, off));
		return NULL;
	}
	switch (p->tok.type) {
	case TOK_EOF:
		search_error(p, _("missing term at the end"));
		return NULL;
	case TOK_RPAREN:
		search_error(p, _("unexpected ) at column %zu"),
		    search_column(p, off));
		return NULL;
	case TOK_BAR:
		search_error(p, _("\"|\" needs a term before it at column "
		    "%zu"), search_column(p, off));
		return NULL;
	case TOK_MINUS:
		if (search_next(p) != 0)
			return NULL;
		goto negate;
	case TOK_LPAREN:
		if (search_next(p) != 0)
			return NULL;
		if (p->tok.type == TOK_RPAREN) {
			search_error(p, _("empty parentheses at column %zu"),
			    search_column(p, off));
			return NULL;
		}
		if ((n = search_parse_or(p, depth + 1)) == NULL)
			return NULL;
		if (p->tok.type != TOK_RPAREN) {
			search_error(p, _("missing ) to close the ( at column "
			    "%zu"), search_column(p, off));
			search_free(n);
			return NULL;
		}
		if (search_next(p) != 0) {
			search_free(n);
			return NULL;
		}
		return n;
	default:
		break;
	}
	if (search_keyword(p, "NOT")) {
		if (search_next(p) != 0)
			return NULL;
		goto negate;
	}
	if (search_keyword(p, "AND") || search_keyword(p, "OR")) {
		search_error(p, _("\"%s\" needs a term before it at column "
		    "%zu"), p->tok.text, search_column(p, off));
		return NULL;
	}
	n = search_parse_term(p);
	/* ~C, ~L and ranges are written back in parentheses: a level more. */
	if (n != NULL && n->nkids > 0 && depth + 1 > SEARCH_MAX_DEPTH) {
		search_error(p, _("query nested too deeply at column %zu"),
		    search_column(p, off));
		search_free(n);
		return NULL;
	}
	return n;
negate:
	if (p->tok.type == TOK_EOF || p->tok.type == TOK_RPAREN ||
	    search_keyword(p, "AND") || search_keyword(p, "OR")) {
		search_error(p, _("\"%s\" needs a term after it at column %zu"),
		    p->buf[off] == '-' ? "-" : p->buf[off] == '!' ? "!" :
		    "NOT", search_column(p, off));
		return NULL;
	}
	if ((kid = search_parse_unary(p, depth + 1)) == NULL)
		return NULL;
	n = search_node_new(SEARCH_NOT);
	search_add_kid(n, kid);
	return n;
}

/* Terms side by side, or joined by AND. */
static struct search_node *
search_parse_and(struct search_parser *p, int depth)
{
	struct search_node *n, *kid;
	size_t off;

	if ((n = search_parse_unary(p, depth)) == NULL)
		return NULL;
	for (;;) {
		if (p->tok.type == TOK_EOF || p->tok.type == TOK_RPAREN ||
		    search_keyword(p, "OR"))
			return n;
		if (search_keyword(p, "AND")) {
			off = p->tok.off;
			if (search_next(p) != 0)
				goto fail;
			if (p->tok.type == TOK_EOF ||
			    p->tok.type == TOK_RPAREN ||
			    search_keyword(p, "AND") ||
			    search_keyword(p, "OR")) {
				search_error(p, _("\"AND\" needs a term after "
				    "it at column %zu"), search_column(p, off));
				goto fail;
			}
		}
		if ((kid = search_parse_unary(p, depth)) == NULL)
			goto fail;
		if (n->kind != SEARCH_AND) {
			struct search_node *and = search_node_new(SEARCH_AND);

			search_add_kid(and, n);
			n = and;
		}
		search_add_kid(n, kid);
	}
fail:
	search_free(n);
	return NULL;
}

/* Alternatives joined by OR. */
static struct search_node *
search_parse_or(struct search_parser *p, int depth)
{
	struct search_node *n, *kid;
	size_t off;

	if ((n = search_parse_and(p, depth)) == NULL)
		return NULL;
	while (search_keyword(p, "OR")) {
		off = p->tok.off;
		if (search_next(p) != 0)
			goto fail;
		if (p->tok.type == TOK_EOF || p->tok.type == TOK_RPAREN ||
		    search_keyword(p, "OR") || search_keyword(p, "AND")) {
			search_error(p, _("\"OR\" needs a term after it at "
			    "column %zu"), search_column(p, off));
			goto fail;
		}
		if ((kid = search_parse_and(p, depth)) == NULL)
			goto fail;
		if (n->kind != SEARCH_OR) {
			struct search_node *or = search_node_new(SEARCH_OR);

			search_add_kid(or, n);
			n = or;
		}
		search_add_kid(n, kid);
	}
	return n;
fail:
	search_free(n);
	return NULL;
}

int
search_parse(const char *buf, size_t len, struct search_node **tree_r,
    char **err)
{
	return search_parse_at(buf, len, time(NULL), tree_r, err);
}

int
search_parse_at(const char *buf, size_t len, time_t now,
    struct search_node **tree_r, char **err)
{
	struct search_parser p;
	struct search_node *n = NULL;

	memset(&p, 0, sizeof p);
	p.buf = buf;
	p.len = len;
	p.now = now;
	*tree_r = NULL;
	if (search_check_text(&p) != 0 || search_next(&p) != 0)
		goto out;
	if (p.tok.type == TOK_EOF) {
		search_error(&p, _("empty query"));
		goto out;
	}
	if ((n = search_parse_or(&p, 0)) == NULL)
		goto out;
	if (p.tok.type == TOK_RPAREN)
		search_error(&p, _("unexpected ) at column %zu"),
		    search_column(&p, p.tok.off));
	else if (p.tok.type != TOK_EOF)
		search_error(&p, _("unexpected text at column %zu"),
		    search_column(&p, p.tok.off));
out:
	free(p.tok.text);
	if (p.err != NULL) {
		search_free(n);
		*err = p.err;
		return -1;
	}
	*tree_r = n;
	return 0;
}

static void
search_print_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

void
search_print(struct strbuf *sb, const struct search_node *n)
{
	static const char *names[] = {
		"all", "and", "or", "not", "from", "to", "cc", "subject",
		"body", "text", "before", "since", "on", "larger", "smaller",
		"is", "has",
	};
	size_t i;

	if (n == NULL) {
		strbuf_addstr(sb, "()");
		return;
	}
	strbuf_addch(sb, '(');
	strbuf_addstr(sb, (size_t)n->kind < sizeof names / sizeof names[0] ?
	    names[n->kind] : "?");
	switch (n->kind) {
	case SEARCH_ALL:
		break;
	case SEARCH_AND:
	case SEARCH_OR:
	case SEARCH_NOT:
		for (i = 0; i < n->nkids; i++) {
			strbuf_addch(sb, ' ');
			search_print(sb, n->kids[i]);
		}
		break;
	case SEARCH_FROM:
	case SEARCH_TO:
	case SEARCH_CC:
	case SEARCH_SUBJECT:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		strbuf_addch(sb, ' ');
		search_print_string(sb, n->str != NULL ? n->str : "");
		break;
	case SEARCH_BEFORE:
	case SEARCH_SINCE:
	case SEARCH_ON:
		strbuf_addf(sb, " %04d-%02d-%02d", n->year, n->month, n->day);
		break;
	case SEARCH_LARGER:
	case SEARCH_SMALLER:
		strbuf_addf(sb, " %lu", (unsigned long)n->size);
		break;
	case SEARCH_FLAG:
		strbuf_addf(sb, " %s", search_flag_name(n->flag, n->set));
		break;
	case SEARCH_ATTACHMENT:
		strbuf_addstr(sb, " attachment");
		break;
	}
	strbuf_addch(sb, ')');
}

int
search_uses_body(const struct search_node *n)
{
	size_t i;

	if (n == NULL)
		return 0;
	if (n->kind == SEARCH_BODY || n->kind == SEARCH_TEXT ||
	    n->kind == SEARCH_ATTACHMENT)
		return 1;
	for (i = 0; i < n->nkids; i++)
		if (search_uses_body(n->kids[i]))
			return 1;
	return 0;
}

int
search_is_all(const struct search_node *n)
{
	return n != NULL && n->kind == SEARCH_ALL;
}

/*
 * The simple lower-case mapping of code point C for the scripts most mail
 * is written in: ASCII, Latin-1, Latin Extended-A and Additional, Greek,
 * Cyrillic, Armenian and the full-width Latin letters. Final sigma folds
 * to sigma, as a case-insensitive IMAP server compares it.
 */
static unsigned int
search_fold_cp(unsigned int c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130)
			return 'i';
		if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17f)
			return c;
		if (c == 0x178)
			return 0xff;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return c & 1 ? c + 1 : c;
		return c & 1 ? c : c + 1;
	}
	if (c >= 0x370 && c <= 0x3ff) {
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 37;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 63;
		if ((c >= 0x391 && c <= 0x3a1) || (c >= 0x3a3 && c <= 0x3ab))
			return c + 0x20;
		if (c == 0x3c2)
			return 0x3c3;
		return c;
	}
	if (c >= 0x400 && c <= 0x52f) {
		if (c <= 0x40f)
			return c + 0x50;
		if (c <= 0x42f)
			return c + 0x20;
		if (c == 0x4c0)
			return 0x4cf;
		if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
		    (c >= 0x4d0 && c <= 0x52f))
			return c & 1 ? c : c + 1;
		if (c >= 0x4c1 && c <= 0x4ce)
			return c & 1 ? c + 1 : c;
		return c;
	}
	if (c >= 0x531 && c <= 0x556)
		return c + 0x30;
	if (c == 0x1e9e)
		return 0xdf;
	if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff))
		return c & 1 ? c : c + 1;
	if (c >= 0xff21 && c <= 0xff3a)
		return c + 0x20;
	return c;
}

/* Fold LEN bytes at S into SB. */
static void
search_fold_into(struct strbuf *sb, const char *s, size_t len)
{
	size_t i = 0, k;
	unsigned int cp;

	strbuf_grow(sb, len);
	while (i < len) {
		k = text_utf8_next(s + i, len - i, &cp);
		if ((cp == 0xfffd && k == 1) || cp == 0)
			strbuf_addch(sb, s[i]);	/* invalid or NUL: as it is */
		else
			strbuf_add_utf8(sb, search_fold_cp(cp));
		i += k;
	}
}

char *
search_fold(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	search_fold_into(&sb, s, len);
	return strbuf_detach(&sb, NULL);
}

int
search_contains(const char *haystack, size_t len, const char *needle)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nlen = strlen(needle);
	int found;

	if (nlen == 0)
		return 1;
	if (haystack == NULL || len < nlen)
		return 0;
	search_fold_into(&sb, haystack, len);
	found = memmem(sb.buf, sb.len, needle, nlen) != NULL;
	strbuf_release(&sb);
	return found;
}
