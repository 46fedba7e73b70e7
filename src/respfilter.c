/*
 * The IMAP response filter (see respfilter.h). A response starts at the
 * beginning of a line that is not inside a literal; its first words decide
 * whether it passes. Within a response the filter only follows the line
 * ends and the literals ("{N}" or "{N+}" right before CRLF, then N bytes
 * taken as they are), so a dropped response ends exactly where the parser
 * would have ended it.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "respfilter.h"
#include "strbuf.h"
#include "xmalloc.h"

#define RF_HEAD_MAX 64	/* bytes held back to read the first words */
#define RF_NOTES 8	/* kinds of dropped responses noted once each */
#define RF_NOTE_LEN 32
#define RF_HOLD_MAX 16384	/* a FLAGS or status line held back whole */

enum rf_state {
	RF_START,	/* at the start of a response */
	RF_HEAD,	/* reading the first words of an untagged response */
	RF_LINE,	/* inside a line */
	RF_LITERAL,	/* inside a literal */
	RF_HOLD,	/* holding a whole line to check it (rf_hold_check) */
};

/* Where a line stands with respect to a literal announcement. */
enum rf_lit {
	LIT_NONE,
	LIT_OPEN,	/* "{" and digits */
	LIT_PLUS,	/* "{N+" */
	LIT_CLOSED,	/* "{N}" */
	LIT_CR,		/* "{N}\r" */
};

enum rf_verdict {
	RF_NEED,
	RF_PASS,
	RF_DROP,
	RF_HOLD_LINE,	/* known, but read the whole line first */
};

struct respfilter {
	enum rf_state state;
	int drop;			/* the current response goes */
	char head[RF_HEAD_MAX];
	size_t nhead;
	enum rf_lit lit;
	size_t ndigits;
	uint64_t litval;
	uint64_t remaining;		/* literal bytes still to come */
	uint64_t dropped;
	struct strbuf hold;		/* RF_HOLD: the line so far */
	int tagged;			/* ... of a tagged or "+" response */
	char noted[RF_NOTES][RF_NOTE_LEN];
	size_t nnoted;
	respfilter_note_fn *note;
	void *arg;
};

/* Untagged responses libetpan parses (RFC 3501 and the extensions). */
static const char *const rf_words[] = {
	"OK", "NO", "BAD", "BYE", "PREAUTH", "CAPABILITY", "LIST", "LSUB",
	"XLIST", "STATUS", "SEARCH", "ESEARCH", "SORT", "THREAD", "FLAGS",
	"ENABLED", "VANISHED", "ID", "NAMESPACE", "QUOTA", "QUOTAROOT", "ACL",
	"LISTRIGHTS", "MYRIGHTS", "ANNOTATION", "METADATA", "LANGUAGE",
	"COMPARATOR",
};

/* The ones that follow a message number. */
static const char *const rf_numbered[] = {
	"EXISTS", "RECENT", "EXPUNGE", "FETCH",
};

struct respfilter *
respfilter_new(respfilter_note_fn *note, void *arg)
{
	struct respfilter *f = xcalloc(1, sizeof *f);

	f->state = RF_START;
	strbuf_init(&f->hold, 0);
	f->note = note;
	f->arg = arg;
	return f;
}

void
respfilter_free(struct respfilter *f)
{
	if (f == NULL)
		return;
	strbuf_release(&f->hold);
	free(f);
}

uint64_t
respfilter_dropped(const struct respfilter *f)
{
	return f->dropped;
}

int
respfilter_known(const char *word, size_t len, int numbered)
{
	const char *const *list = numbered ? rf_numbered : rf_words;
	size_t n = numbered ? sizeof rf_numbered / sizeof *rf_numbered :
	    sizeof rf_words / sizeof *rf_words, i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len &&
		    strncasecmp(list[i], word, len) == 0)
			return 1;
	return 0;
}

/* Does C end a word of a response's head? */
static int
rf_word_end(char c)
{
	return c == ' ' || c == '\r' || c == '\n' || c == '(' || c == '[' ||
	    c == '{' || c == '"';
}

/*
 * The end of the word of HEAD (N bytes) that starts at AT: its length in
 * *LEN_R; -1 when the word has not ended yet.
 */
static int
rf_word(const char *head, size_t n, size_t at, size_t *len_r)
{
	size_t i;

	for (i = at; i < n; i++)
		if (rf_word_end(head[i])) {
			*len_r = i - at;
			return 0;
		}
	return -1;
}

/* Is the LEN bytes at S a number? */
static int
rf_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Is WORD (LEN bytes) one whose line is held and checked whole? */
static int
rf_held_word(const char *word, size_t len)
{
	static const char *const held[] = {
		"FLAGS", "OK", "NO", "BAD", "BYE", "PREAUTH",
	};
	size_t i;

	for (i = 0; i < sizeof held / sizeof held[0]; i++)
		if (strlen(held[i]) == len && strncasecmp(held[i], word, len) == 0)
			return 1;
	return 0;
}

/*
 * Is C a byte of an atom (RFC 3501's ATOM-CHAR: not a CTL, a space or one
 * of ( ) { % * " \ ])? Bytes of 8 bits are let through: no parser crash
 * was seen on them, and a server may well send UTF-8 keywords.
 */
static int
rf_atom_char(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return strchr("(){%*\"\\]", c) == NULL;
}

/*
 * Is the flag list at S (LEN bytes, from its '(' on) not one? It holds
 * flags ("\" atom, "\*" or an atom) apart by spaces and no list inside.
 * libetpan's parser crashed (a NULL list freed) when the first flag of a
 * [PERMANENTFLAGS ...] code was not a flag ("(\)", "(\ \Seen)", "(%)",
 * "(*)", a control byte after the "\") and when the list nested.
 */
static int
rf_flags_bad(const char *s, size_t len, int check_flags)
{
	size_t i, start;
	int depth = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '(' && ++depth > 1)
			return 1;
		if (s[i] == ')' && depth > 0)
			depth--;
	}
	if (!check_flags || len == 0 || s[0] != '(')
		return 0;
	/* Up to its ')'. */
	for (i = 1; i < len && s[i] != ')'; i++)
		;
	len = i;
	for (i = 1; i < len; ) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		if (s[i] == '\\') {
			i++;
			if (i < len && s[i] == '*') {
				i++;
				if (i < len && s[i] != ' ')
					return 1;	/* "\*x" */
				continue;
			}
		}
		while (i < len && rf_atom_char((unsigned char)s[i]))
			i++;
		/* Nothing of an atom, or something else after it. */
		if (i == start + (s[start] == '\\') || (i < len && s[i] != ' '))
			return 1;
	}
	return 0;
}

/*
 * Is the resp-text-code at S (LEN bytes, from its '[' on) one that
 * libetpan's parser must not see? *END_R: the length of the code with its
 * ']' (all of LEN if it has none).
 */
static int
rf_code_bad(const char *s, size_t len, size_t *end_r)
{
	size_t end, w;

	for (end = 1; end < len && s[end] != ']'; end++)
		;
	*end_r = end < len ? end + 1 : len;
	for (w = 1; w < end && s[w] != ' '; w++)
		;
	if (w == 1 + 14 && strncasecmp(s + 1, "PERMANENTFLAGS", 14) == 0) {
		while (w < end && s[w] == ' ')
			w++;
		return rf_flags_bad(s + w, end - w, 1);
	}
	return rf_flags_bad(s + 1, end - 1, 0);
}

/*
 * Is the held untagged line LINE (LEN bytes) one to drop? Its flag list
 * (a FLAGS line) or, of a status line, its [CODE] when it has one: a code
 * never nests lists, and a [PERMANENTFLAGS (...)] holds only flags.
 */
static int
rf_hold_bad(const char *line, size_t len)
{
	size_t i = 2, end;

	while (i < len && line[i] != ' ')
		i++;
	if (strncasecmp(line + 2, "FLAGS", 5) == 0) {
		while (i < len && line[i] == ' ')
			i++;
		return rf_flags_bad(line + i, len - i, 1);
	}
	/* "* OK [CODE ...] text": only the code. */
	if (i + 1 >= len || line[i + 1] != '[')
		return 0;
	return rf_code_bad(line + i + 1, len - i - 1, &end);
}

/* What to do with the untagged response whose first N bytes are HEAD. */
static enum rf_verdict
rf_classify(const char *head, size_t n)
{
	size_t len, len2, at;

	if (n < 2)
		return RF_NEED;
	if (head[1] != ' ')
		return RF_PASS;		/* not ours to judge: the parser says */
	if (rf_word(head, n, 2, &len) != 0)
		return n < RF_HEAD_MAX ? RF_NEED : RF_DROP;
	if (len == 0)
		return RF_PASS;
	if (!rf_digits(head + 2, len)) {
		if (!respfilter_known(head + 2, len, 0))
			return RF_DROP;
		/* Their flag lists and [CODE]s are checked whole. */
		if (rf_held_word(head + 2, len))
			return RF_HOLD_LINE;
		return RF_PASS;
	}
	at = 2 + len;
	if (head[at] != ' ')
		return RF_PASS;
	if (rf_word(head, n, at + 1, &len2) != 0)
		return n < RF_HEAD_MAX ? RF_NEED : RF_DROP;
	return respfilter_known(head + at + 1, len2, 1) ? RF_PASS : RF_DROP;
}

/* Count a dropped response; tell the caller of a new kind once. */
static void
rf_note(struct respfilter *f)
{
	char what[RF_NOTE_LEN], word[RF_NOTE_LEN];
	size_t i, n = 0, w = 0, len;

	f->dropped++;
	/* The first words as printable ASCII, without the line end. */
	for (i = 0; i < f->nhead && n + 1 < sizeof what; i++) {
		unsigned char c = (unsigned char)f->head[i];

		if (c == '\r' || c == '\n')
			break;
		what[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	what[n] = '\0';
	/* The kind: the last word read ("EXPUNGED" of "* 3 EXPUNGED"). */
	len = n;
	while (len > 0 && what[len - 1] == ' ')
		len--;
	i = len;
	while (i > 0 && what[i - 1] != ' ')
		i--;
	for (; i < len && w + 1 < sizeof word; i++)
		word[w++] = what[i];
	word[w] = '\0';
	for (i = 0; i < f->nnoted; i++)
		if (strcmp(f->noted[i], word) == 0)
			return;
	if (f->nnoted < RF_NOTES)
		memcpy(f->noted[f->nnoted++], word, w + 1);
	else
		return;
	if (f->note != NULL)
		f->note(what, f->arg);
}

/* Follow one byte C of a line for a literal announcement. */
static void
rf_lit_step(struct respfilter *f, char c)
{
	if (c == '{') {
		f->lit = LIT_OPEN;
		f->ndigits = 0;
		f->litval = 0;
	} else if (f->lit == LIT_OPEN && c >= '0' && c <= '9') {
		/* Saturate: the connection's read limit ends a huge one. */
		if (f->litval <= (UINT64_MAX - 9) / 10)
			f->litval = f->litval * 10 + (uint64_t)(c - '0');
		else
			f->litval = UINT64_MAX;
		f->ndigits++;
	} else if (f->lit == LIT_OPEN && c == '+' && f->ndigits > 0)
		f->lit = LIT_PLUS;
	else if ((f->lit == LIT_OPEN && f->ndigits > 0 && c == '}') ||
	    (f->lit == LIT_PLUS && c == '}'))
		f->lit = LIT_CLOSED;
	else if (f->lit == LIT_CLOSED && c == '\r')
		f->lit = LIT_CR;
	else
		f->lit = LIT_NONE;
}

/*
 * Take the bytes of a line from IN (N > 0) up to its end or N; returns how
 * many were taken. At the line end the state moves to a literal or to the
 * next response.
 */
static size_t
rf_line(struct respfilter *f, const char *in, size_t n, struct strbuf *out)
{
	const char *nl, *brace;
	size_t i, m;

	nl = memchr(in, '\n', n);
	m = nl != NULL ? (size_t)(nl - in) : n;
	/*
	 * Only the bytes from a '{' on can announce a literal: outside one
	 * the bytes up to the next '{' are skipped (by far the most of a
	 * FETCH answer, which passes here byte for byte).
	 */
	for (i = 0; i < m; i++) {
		if (f->lit == LIT_NONE) {
			brace = memchr(in + i, '{', m - i);
			if (brace == NULL)
				break;
			i = (size_t)(brace - in);
		}
		rf_lit_step(f, in[i]);
	}
	i = m;
	if (nl != NULL) {
		i++;
		if (f->lit == LIT_CLOSED || f->lit == LIT_CR) {
			f->remaining = f->litval;
			f->state = f->remaining > 0 ? RF_LITERAL : RF_LINE;
		} else
			f->state = RF_START;
		f->lit = LIT_NONE;
	}
	if (!f->drop)
		strbuf_add(out, in, i);
	return i;
}

/*
 * LINE is a whole tagged ("TAG OK [CODE] text") or continuation ("+
 * [CODE] text") line: if its code is one the parser must not see, take
 * the code out (and the space after it). 1 if it did.
 */
static int
rf_tagged_fix(struct strbuf *line)
{
	size_t i = 0, words = line->buf[0] == '+' ? 1 : 2, w, end;

	if (line->len == 0 || line->buf[line->len - 1] != '\n')
		return 0;
	for (w = 0; w < words; w++) {
		while (i < line->len && line->buf[i] != ' ' &&
		    line->buf[i] != '\r' && line->buf[i] != '\n')
			i++;
		if (i >= line->len || line->buf[i] != ' ')
			return 0;
		i++;
	}
	if (i >= line->len || line->buf[i] != '[' ||
	    !rf_code_bad(line->buf + i, line->len - i, &end))
		return 0;
	end += i;
	if (end < line->len && line->buf[end] == ' ')
		end++;
	/* The line end stays, so that the line still is one. */
	if (end >= line->len) {
		for (end = i; end < line->len && line->buf[end] != '\r' &&
		    line->buf[end] != '\n'; end++)
			;
	}
	memmove(line->buf + i, line->buf + end, line->len - end);
	line->len -= end - i;
	line->buf[line->len] = '\0';
	return 1;
}

/*
 * The held line is whole, or RF_HOLD_MAX long without an end: drop it
 * (the second always), or let it go through as a line (literals and all)
 * like any other.
 */
static void
rf_hold_end(struct respfilter *f, struct strbuf *out)
{
	struct strbuf line;
	size_t k;

	/* Feeding may come back here: the held bytes move out first. */
	line = f->hold;
	strbuf_init(&f->hold, 0);
	k = line.len < RF_HEAD_MAX ? line.len : RF_HEAD_MAX;
	f->state = RF_LINE;
	f->lit = LIT_NONE;
	if (f->tagged) {
		/*
		 * A tagged answer cannot go (its command would wait for
		 * ever): a code it must not carry is taken out of it.
		 */
		f->tagged = 0;
		f->drop = 0;
		if (rf_tagged_fix(&line)) {
			memcpy(f->head, line.buf, k < line.len ? k : line.len);
			f->nhead = k < line.len ? k : line.len;
			rf_note(f);
			f->nhead = 0;
		}
		respfilter_feed(f, line.buf, line.len, out);
		strbuf_release(&line);
		return;
	}
	/* Longer than any honest FLAGS or status line: taken as hostile. */
	if (line.buf[line.len - 1] != '\n' ||
	    rf_hold_bad(line.buf, line.len)) {
		memcpy(f->head, line.buf, k);
		f->nhead = k;
		rf_note(f);
		f->nhead = 0;
		f->drop = 1;
	} else
		f->drop = 0;
	respfilter_feed(f, line.buf, line.len, out);
	strbuf_release(&line);
}

void
respfilter_feed(struct respfilter *f, const char *in, size_t n,
    struct strbuf *out)
{
	size_t i = 0, k;
	char head[RF_HEAD_MAX];
	enum rf_verdict v;

	while (i < n) {
		switch (f->state) {
		case RF_START:
			f->lit = LIT_NONE;
			f->drop = 0;
			f->tagged = in[i] != '*';
			if (!f->tagged) {
				f->state = RF_HEAD;
				f->nhead = 0;
			} else {
				/* Its [CODE] is checked at the line's end. */
				strbuf_reset(&f->hold);
				f->state = RF_HOLD;
			}
			break;
		case RF_HEAD:
			f->head[f->nhead++] = in[i++];
			if ((v = rf_classify(f->head, f->nhead)) == RF_NEED)
				break;
			if (v == RF_DROP)
				rf_note(f);
			k = f->nhead;
			memcpy(head, f->head, k);
			f->nhead = 0;
			if (v == RF_HOLD_LINE) {
				strbuf_reset(&f->hold);
				strbuf_add(&f->hold, head, k);
				f->state = RF_HOLD;
				if (head[k - 1] == '\n')
					rf_hold_end(f, out);
				break;
			}
			/* The held bytes go through as the line's start. */
			f->state = RF_LINE;
			f->drop = v == RF_DROP;
			respfilter_feed(f, head, k, out);
			break;
		case RF_HOLD:
			/* Up to the line's end, or as much as is held. */
			for (k = i; k < n && in[k] != '\n' &&
			    f->hold.len + (k - i) < RF_HOLD_MAX; k++)
				;
			if (k < n && in[k] == '\n')
				k++;
			strbuf_add(&f->hold, in + i, k - i);
			i = k;
			if (f->hold.buf[f->hold.len - 1] == '\n' ||
			    f->hold.len >= RF_HOLD_MAX)
				rf_hold_end(f, out);
			break;
		case RF_LINE:
			i += rf_line(f, in + i, n - i, out);
			break;
		case RF_LITERAL:
			k = n - i;
			if ((uint64_t)k > f->remaining)
				k = (size_t)f->remaining;
			if (!f->drop)
				strbuf_add(out, in + i, k);
			f->remaining -= k;
			i += k;
			if (f->remaining == 0)
				f->state = RF_LINE;
			break;
		}
	}
}
