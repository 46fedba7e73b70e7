/*
 * The answer to a header FETCH, framed and parsed (see fetchparse.h).
 * RFC 3501's grammar, read leniently where servers are known to be
 * loose (spaces doubled or missing between parenthesised items), and
 * strictly where a lenient read could go wrong (a number that overflows,
 * a list inside FLAGS). Items a header sync did not ask for are skipped
 * without recursion, so nesting of any depth costs nothing but time.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetchparse.h"
#include "xmalloc.h"

/* A cursor over one complete response. */
struct fp_in {
	const char *p;
	const char *end;
};

static int	fp_string(struct fetchparse *, struct fp_in *, const char **);

size_t
fetchparse_frame(struct fetchparse_frame *fr, const char *buf, size_t len)
{
	const char *nl, *q;
	uint64_t n, scale;

	while (fr->pos < len) {
		if (fr->literal > 0) {
			n = len - fr->pos;
			if (n > fr->literal)
				n = fr->literal;
			fr->pos += n;
			fr->literal -= n;
			continue;
		}
		nl = memchr(buf + fr->pos, '\n', len - fr->pos);
		if (nl == NULL) {
			fr->pos = len;
			return 0;
		}
		fr->pos = (size_t)(nl - buf) + 1;
		/* A line ending in {N} or {N+} goes on after N bytes. */
		q = nl;
		if (q > buf && q[-1] == '\r')
			q--;
		if (q == buf || q[-1] != '}')
			goto done;
		q--;
		if (q > buf && q[-1] == '+')
			q--;
		n = 0;
		scale = 1;
		while (q > buf && q[-1] >= '0' && q[-1] <= '9') {
			q--;
			if (scale > UINT64_MAX / 10 / 10)
				goto done;	/* no literal is that long */
			n += (uint64_t)(*q - '0') * scale;
			scale *= 10;
		}
		if (scale == 1 || q == buf || q[-1] != '{')
			goto done;
		fr->literal = n;
	}
	return 0;
done:
	return fr->pos;
}

void
fetchparse_init(struct fetchparse *p)
{
	memset(p, 0, sizeof *p);
	strbuf_init(&p->arena, 0);
}

void
fetchparse_release(struct fetchparse *p)
{
	free(p->addrs);
	strbuf_release(&p->arena);
	memset(p, 0, sizeof *p);
}

static void
fp_spaces(struct fp_in *in)
{
	while (in->p < in->end && *in->p == ' ')
		in->p++;
}

static int
fp_is_atom_char(int c)
{
	return c > ' ' && c < 0x7f && c != '(' && c != ')' && c != '{' &&
	    c != '"' && c != '\\' && c != '%' && c != '*' && c != ']';
}

/* A word: the bytes up to a space, a parenthesis or the line's end. */
static size_t
fp_word(struct fp_in *in, const char **start_r)
{
	const char *s = in->p;

	while (in->p < in->end && *in->p != ' ' && *in->p != '(' &&
	    *in->p != ')' && *in->p != '\r' && *in->p != '\n')
		in->p++;
	*start_r = s;
	return (size_t)(in->p - s);
}

static int
fp_is_word(const char *s, size_t n, const char *what)
{
	return n == strlen(what) && strncasecmp(s, what, n) == 0;
}

/* A number of at most MAX: 0, or -1. */
static int
fp_number(struct fp_in *in, uint64_t max, uint64_t *n_r)
{
	uint64_t n = 0;
	const char *s = in->p;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9') {
		unsigned int d = (unsigned int)(*in->p - '0');

		if (d > max || n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
		in->p++;
	}
	if (in->p == s)
		return -1;
	*n_r = n;
	return 0;
}

static int
fp_expect(struct fp_in *in, char c)
{
	if (in->p >= in->end || *in->p != c)
		return -1;
	in->p++;
	return 0;
}

/* The arena copy of S[0..N), NUL terminated (the arena never moves). */
static const char *
fp_keep(struct fetchparse *p, const char *s, size_t n)
{
	char *out = p->arena.buf + p->arena.len;

	memcpy(out, s, n);
	out[n] = '\0';
	p->arena.len += n + 1;
	return out;
}

/* A literal "{N}" CRLF and N bytes, at IN: its N bytes in *S_R, *N_R. */
static int
fp_literal(struct fp_in *in, const char **s_r, size_t *n_r)
{
	uint64_t n;

	if (fp_expect(in, '{') != 0 ||
	    fp_number(in, (uint64_t)(in->end - in->p), &n) != 0)
		return -1;
	if (in->p < in->end && *in->p == '+')
		in->p++;
	if (fp_expect(in, '}') != 0)
		return -1;
	if (in->p < in->end && *in->p == '\r')
		in->p++;
	if (fp_expect(in, '\n') != 0 || (uint64_t)(in->end - in->p) < n)
		return -1;
	*s_r = in->p;
	*n_r = (size_t)n;
	in->p += n;
	return 0;
}

/* An nstring: a quoted string, a literal or NIL (*S_R NULL). */
static int
fp_string(struct fetchparse *p, struct fp_in *in, const char **s_r)
{
	const char *s;
	char *out;
	size_t n;

	*s_r = NULL;
	if (in->p >= in->end)
		return -1;
	if (*in->p == '{') {
		if (fp_literal(in, &s, &n) != 0)
			return -1;
		*s_r = fp_keep(p, s, n);
		return 0;
	}
	if (*in->p != '"') {
		n = fp_word(in, &s);
		return fp_is_word(s, n, "NIL") ? 0 : -1;
	}
	in->p++;
	out = p->arena.buf + p->arena.len;
	*s_r = out;
	for (;;) {
		if (in->p >= in->end || *in->p == '\r' || *in->p == '\n')
			return -1;
		if (*in->p == '"')
			break;
		if (*in->p == '\\') {
			if (++in->p >= in->end)
				return -1;
		}
		*out++ = *in->p++;
	}
	in->p++;
	*out++ = '\0';
	p->arena.len = (size_t)(out - p->arena.buf);
	return 0;
}

/* "(" address* ")" or NIL, into P's array. */
static int
fp_addresses(struct fetchparse *p, struct fp_in *in,
    struct fetchparse_addrs *list)
{
	const char *s;
	size_t n;

	list->first = p->naddrs;
	list->n = 0;
	if (in->p < in->end && *in->p != '(') {
		n = fp_word(in, &s);
		return fp_is_word(s, n, "NIL") ? 0 : -1;
	}
	if (fp_expect(in, '(') != 0)
		return -1;
	for (;;) {
		struct fetchparse_addr *a;
		const char *adl;

		fp_spaces(in);
		if (in->p < in->end && *in->p == ')')
			break;
		if (fp_expect(in, '(') != 0)
			return -1;
		if (p->naddrs == p->aaddrs) {
			p->aaddrs = p->aaddrs == 0 ? 16 : p->aaddrs * 2;
			p->addrs = xreallocarray(p->addrs, p->aaddrs,
			    sizeof *p->addrs);
		}
		a = &p->addrs[p->naddrs];
		if (fp_string(p, in, &a->name) != 0 ||
		    fp_expect(in, ' ') != 0 || fp_string(p, in, &adl) != 0 ||
		    fp_expect(in, ' ') != 0 ||
		    fp_string(p, in, &a->mailbox) != 0 ||
		    fp_expect(in, ' ') != 0 || fp_string(p, in, &a->host) != 0)
			return -1;
		fp_spaces(in);
		if (fp_expect(in, ')') != 0)
			return -1;
		p->naddrs++;
		list->n++;
	}
	in->p++;
	return 0;
}

static int
fp_envelope(struct fetchparse *p, struct fp_in *in)
{
	struct fetchparse_addrs skip;
	const char **strings[] = { &p->date, &p->subject };
	struct fetchparse_addrs *lists[] = {
		&p->from, &skip, &skip, &p->to, &p->cc, &skip
	};
	size_t i;

	if (fp_expect(in, '(') != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fp_spaces(in);
		if (fp_string(p, in, strings[i]) != 0)
			return -1;
	}
	for (i = 0; i < 6; i++) {
		fp_spaces(in);
		if (fp_addresses(p, in, lists[i]) != 0)
			return -1;
	}
	fp_spaces(in);
	if (fp_string(p, in, &p->in_reply_to) != 0)
		return -1;
	fp_spaces(in);
	if (fp_string(p, in, &p->message_id) != 0)
		return -1;
	fp_spaces(in);
	return fp_expect(in, ')');
}

/* "(" flag* ")": no list inside. */
static int
fp_flags(struct fetchparse *p, struct fp_in *in)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} sys[] = {
		{ "\\Seen", FETCHPARSE_SEEN },
		{ "\\Answered", FETCHPARSE_ANSWERED },
		{ "\\Flagged", FETCHPARSE_FLAGGED },
		{ "\\Deleted", FETCHPARSE_DELETED },
		{ "\\Draft", FETCHPARSE_DRAFT },
	};
	char *kw = NULL;
	const char *s;
	size_t n, i;

	p->flags = 0;
	p->keywords = NULL;
	if (fp_expect(in, '(') != 0)
		return -1;
	for (;;) {
		fp_spaces(in);
		if (in->p >= in->end || *in->p == '(')
			return -1;
		if (*in->p == ')')
			break;
		n = fp_word(in, &s);
		if (n == 0)
			return -1;
		if (*s == '\\') {
			for (i = 0; i < sizeof sys / sizeof sys[0]; i++)
				if (fp_is_word(s, n, sys[i].name))
					p->flags |= sys[i].bit;
			continue;	/* \Recent and extensions: not kept */
		}
		for (i = 0; i < n; i++)
			if (!fp_is_atom_char((unsigned char)s[i]))
				return -1;
		/* Keywords, space-separated, in one arena string. */
		if (kw == NULL) {
			kw = p->arena.buf + p->arena.len;
			p->keywords = kw;
		} else
			kw[-1] = ' ';
		memcpy(kw, s, n);
		kw[n] = '\0';
		kw += n + 1;
		p->arena.len = (size_t)(kw - p->arena.buf);
	}
	in->p++;
	return 0;
}

/* MIN to MAX digits at *S: 0 with the number in *V and *S past them. */
static int
fp_digits(const char **s, int min, int max, int *v)
{
	int n = 0, k = 0;

	while (k < max && (*s)[k] >= '0' && (*s)[k] <= '9') {
		n = n * 10 + ((*s)[k] - '0');
		k++;
	}
	if (k < min)
		return -1;
	*s += k;
	*v = n;
	return 0;
}

/*
 * "dd-Mon-yyyy hh:mm:ss +zzzz", read by hand (sscanf() took a few per
 * cent of a whole sync); anything else is no date (all 0).
 */
static void
fp_date(const char *s, struct fetchparse_date *d)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct fetchparse_date t;
	int i, sign;

	memset(d, 0, sizeof *d);
	memset(&t, 0, sizeof t);
	while (*s == ' ')
		s++;
	if (fp_digits(&s, 1, 2, &t.day) != 0 || *s++ != '-')
		return;
	for (i = 0; i < 12; i++)
		if (strncasecmp(months + i * 3, s, 3) == 0)
			break;
	if (i == 12)
		return;
	t.month = i + 1;
	s += 3;
	if (*s++ != '-' || fp_digits(&s, 1, 4, &t.year) != 0 ||
	    *s++ != ' ' || fp_digits(&s, 1, 2, &t.hour) != 0 ||
	    *s++ != ':' || fp_digits(&s, 1, 2, &t.min) != 0 ||
	    *s++ != ':' || fp_digits(&s, 1, 2, &t.sec) != 0 ||
	    *s++ != ' ' || (*s != '+' && *s != '-'))
		return;
	sign = *s++ == '-' ? -1 : 1;
	if (fp_digits(&s, 4, 4, &t.zone) != 0 || *s != '\0')
		return;
	t.zone *= sign;
	*d = t;
}

/*
 * Skip one value of an item not asked for: an atom, a number, a string, a
 * literal or a parenthesised list of any depth, without recursion.
 */
static int
fp_skip(struct fetchparse *p, struct fp_in *in)
{
	size_t depth = 0;
	const char *s;
	size_t n;

	do {
		fp_spaces(in);
		if (in->p >= in->end)
			return -1;
		switch (*in->p) {
		case '(':
			depth++;
			in->p++;
			continue;
		case ')':
			if (depth == 0)
				return -1;
			depth--;
			in->p++;
			continue;
		case '"':
		case '{': {
			size_t mark = p->arena.len;

			if (fp_string(p, in, &s) != 0)
				return -1;
			p->arena.len = mark;
			break;
		}
		default:
			n = fp_word(in, &s);
			if (n == 0)
				return -1;
			break;
		}
	} while (depth > 0);
	return 0;
}

/* The name of an item: an atom with a [section] and <partial> in it. */
static size_t
fp_item_name(struct fp_in *in, const char **s_r)
{
	const char *s = in->p;

	while (in->p < in->end && *in->p != ' ' && *in->p != '(' &&
	    *in->p != ')' && *in->p != '\r') {
		if (*in->p == '[') {
			while (in->p < in->end && *in->p != ']' &&
			    *in->p != '\r')
				in->p++;
			if (in->p >= in->end || *in->p != ']')
				break;
		}
		in->p++;
	}
	*s_r = s;
	return (size_t)(in->p - s);
}

static int
fp_fetch(struct fetchparse *p, struct fp_in *in)
{
	const char *name, *s;
	size_t n;
	uint64_t v;

	if (fp_expect(in, '(') != 0)
		return -1;
	for (;;) {
		fp_spaces(in);
		if (in->p < in->end && *in->p == ')')
			break;
		n = fp_item_name(in, &name);
		if (n == 0)
			return -1;
		fp_spaces(in);
		if (fp_is_word(name, n, "UID")) {
			if (fp_number(in, UINT32_MAX, &v) != 0)
				return -1;
			p->uid = (uint32_t)v;
			p->have |= FETCHPARSE_HAVE_UID;
		} else if (fp_is_word(name, n, "RFC822.SIZE")) {
			if (fp_number(in, INT64_MAX, &p->size) != 0)
				return -1;
			p->have |= FETCHPARSE_HAVE_SIZE;
		} else if (fp_is_word(name, n, "FLAGS")) {
			if (fp_flags(p, in) != 0)
				return -1;
			p->have |= FETCHPARSE_HAVE_FLAGS;
		} else if (fp_is_word(name, n, "INTERNALDATE")) {
			if (fp_string(p, in, &s) != 0)
				return -1;
			if (s != NULL)
				fp_date(s, &p->internaldate);
			p->have |= FETCHPARSE_HAVE_INTERNALDATE;
		} else if (fp_is_word(name, n, "ENVELOPE")) {
			p->naddrs = 0;
			if (fp_envelope(p, in) != 0)
				return -1;
			p->have |= FETCHPARSE_HAVE_ENVELOPE;
		} else if (fp_is_word(name, n, "MODSEQ")) {
			if (fp_expect(in, '(') != 0 ||
			    fp_number(in, INT64_MAX, &p->modseq) != 0 ||
			    fp_expect(in, ')') != 0)
				return -1;
			p->have |= FETCHPARSE_HAVE_MODSEQ;
		} else if (n > 18 &&
		    strncasecmp(name, "BODY[HEADER.FIELDS", 18) == 0) {
			if (fp_string(p, in, &p->headers) != 0)
				return -1;
			p->have |= FETCHPARSE_HAVE_HEADERS;
		} else if (fp_skip(p, in) != 0)
			return -1;
	}
	in->p++;
	return 0;
}

int
fetchparse_parse(struct fetchparse *p, const char *buf, size_t len)
{
	struct fp_in in = { buf, buf + len };
	const char *s;
	size_t n;
	uint64_t v;

	/* Unescaped strings are never longer than the response. */
	strbuf_reset(&p->arena);
	strbuf_grow(&p->arena, 2 * len + 16);
	p->number = 0;
	p->tag = p->text = NULL;
	p->status = FETCHPARSE_OK;
	p->have = 0;
	p->uid = 0;
	p->flags = 0;
	p->keywords = NULL;
	memset(&p->internaldate, 0, sizeof p->internaldate);
	p->size = p->modseq = 0;
	p->date = p->subject = p->in_reply_to = p->message_id = NULL;
	p->headers = NULL;
	memset(&p->from, 0, sizeof p->from);
	memset(&p->to, 0, sizeof p->to);
	memset(&p->cc, 0, sizeof p->cc);
	p->naddrs = 0;

	/* The line's end is checked once, here. */
	if (len < 2 || buf[len - 1] != '\n')
		return -1;
	in.end = buf + len - 1;
	if (in.end > buf && in.end[-1] == '\r')
		in.end--;

	if (len >= 1 && buf[0] == '+') {
		p->kind = FETCHPARSE_CONTINUE;
		return 0;
	}
	if (buf[0] != '*') {
		n = fp_word(&in, &s);
		if (n == 0 || fp_expect(&in, ' ') != 0)
			return -1;
		p->kind = FETCHPARSE_TAGGED;
		p->tag = fp_keep(p, s, n);
		n = fp_word(&in, &s);
		if (fp_is_word(s, n, "OK"))
			p->status = FETCHPARSE_OK;
		else if (fp_is_word(s, n, "NO"))
			p->status = FETCHPARSE_NO;
		else if (fp_is_word(s, n, "BAD"))
			p->status = FETCHPARSE_BAD;
		else
			return -1;
		fp_spaces(&in);
		p->text = fp_keep(p, in.p, (size_t)(in.end - in.p));
		return 0;
	}
	in.p++;
	if (fp_expect(&in, ' ') != 0)
		return -1;
	p->kind = FETCHPARSE_UNTAGGED;
	if (in.p < in.end && *in.p >= '0' && *in.p <= '9') {
		if (fp_number(&in, UINT32_MAX, &v) != 0 ||
		    fp_expect(&in, ' ') != 0)
			return -1;
		p->number = (uint32_t)v;
		n = fp_word(&in, &s);
		if (fp_is_word(s, n, "EXISTS"))
			p->kind = FETCHPARSE_EXISTS;
		else if (fp_is_word(s, n, "EXPUNGE"))
			p->kind = FETCHPARSE_EXPUNGE;
		else if (fp_is_word(s, n, "FETCH")) {
			p->kind = FETCHPARSE_FETCH;
			fp_spaces(&in);
			if (fp_fetch(p, &in) != 0)
				return -1;
			fp_spaces(&in);
			if (in.p != in.end)
				return -1;
		}
		return 0;
	}
	n = fp_word(&in, &s);
	if (fp_is_word(s, n, "BYE")) {
		p->kind = FETCHPARSE_BYE;
		fp_spaces(&in);
		p->text = fp_keep(p, in.p, (size_t)(in.end - in.p));
	}
	return 0;
}
