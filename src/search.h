/*
 * The search query language, parsed into a tree. A pure module: a buffer
 * in, a tree out. src/imap.c turns the tree into IMAP SEARCH keys and
 * src/store.c into SQL over the cache; neither parses text.
 *
 * The grammar (operator names and the values of is: and has: in any case;
 * AND, OR and NOT in capitals only, so that the words "and", "or" and
 * "not" can be searched for):
 *
 *	query   = or-expr
 *	or-expr = and-expr *("OR" and-expr)
 *	and-expr= unary *(["AND"] unary)	; juxtaposition means AND
 *	unary   = ("NOT" / "-") unary / "(" or-expr ")" / term
 *	term    = name ":" value / "all" / value	; a bare value is text:
 *	value   = word / phrase
 *	phrase  = DQUOTE *(char / "\" DQUOTE / "\\") DQUOTE
 *
 * mutt's patterns are terms too: ~f ~t ~c ~s ~b (body) ~B ~h (text) ~L
 * (from, to or cc) ~C (to or cc) EXPR; ~N ~O ~U (unread: tern knows no
 * "old") ~R ~F ~D ~Q (answered) ~A; ~d and ~r DATE-RANGE (<3d >1w =2m,
 * DD/MM/YYYY, DD/MM/YYYY-DD/MM/YYYY, -DATE, DATE-, YYYY-MM-DD; ~r is the
 * sent date as well); ~z SIZE-RANGE (<10K >1M 10K-1M -1M 1K- N); "=" in
 * place of "~" (mutt's server side; tern's online search always is);
 * "!" is NOT and "|" is OR. EXPR is a substring, not a regular
 * expression. Other mutt patterns (~T ~x ~i ...) are errors.
 *
 * NOT binds tighter than AND, AND tighter than OR. Names: from, to, cc,
 * subject, body, text (substrings, case-insensitive), before, since, on
 * (YYYY-MM-DD, the calendar date of the Date: header), larger, smaller
 * (bytes, with an optional k, M or G suffix: k = 1024), is (unread, read,
 * flagged, answered, deleted) and has (attachment). A word ends at white
 * space or a parenthesis; a phrase keeps both. Text is UTF-8 throughout.
 *
 * All memory of a tree belongs to its root: search_free() releases it.
 */
#ifndef TERN_SEARCH_H
#define TERN_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strbuf.h"

enum search_kind {
	SEARCH_ALL,		/* every message */
	SEARCH_AND,		/* kids: two or more */
	SEARCH_OR,		/* kids: two or more */
	SEARCH_NOT,		/* kids: exactly one */
	SEARCH_FROM,		/* str: a substring of the header */
	SEARCH_TO,
	SEARCH_CC,
	SEARCH_SUBJECT,
	SEARCH_BODY,		/* str: a substring of the body text */
	SEARCH_TEXT,		/* str: of the headers or the body */
	SEARCH_BEFORE,		/* year, month, day: sent before that day */
	SEARCH_SINCE,		/* sent on that day or later */
	SEARCH_ON,		/* sent on that day */
	SEARCH_LARGER,		/* size: more than that many bytes */
	SEARCH_SMALLER,		/* size: fewer than that many bytes */
	SEARCH_FLAG,		/* flag is set (set = 1) or clear (set = 0) */
	SEARCH_ATTACHMENT,	/* has an attachment */
};

/* The flags a query can test; is:unread is SEARCH_SEEN with set = 0. */
enum search_flag {
	SEARCH_SEEN,
	SEARCH_ANSWERED,
	SEARCH_FLAGGED,
	SEARCH_DELETED,
};

struct search_node {
	enum search_kind kind;
	struct search_node **kids;
	size_t nkids;
	char *str;		/* UTF-8, never empty, no control character */
	int year, month, day;	/* a valid calendar date */
	uint32_t size;
	enum search_flag flag;
	int set;
};

/* The most terms and the deepest nesting a query may have. */
#define SEARCH_MAX_TERMS 256
#define SEARCH_MAX_DEPTH 32

/*
 * Parse the LEN bytes at BUF. Returns 0 and the tree in *TREE_R, or -1 with
 * *ERR set to one line naming the problem and its column (counted in
 * characters from 1), e.g. "unknown operator \"foo:\" at column 3";
 * free() it. Never reads past LEN; BUF need not be NUL-terminated.
 */
int search_parse(const char *buf, size_t len, struct search_node **tree_r,
    char **err);
/* As search_parse(), with NOW as the time relative dates count from. */
int search_parse_at(const char *buf, size_t len, time_t now,
    struct search_node **tree_r, char **err);
/* Free a tree; NULL is a no-op. */
void search_free(struct search_node *n);
/* A deep copy of tree N. */
struct search_node *search_dup(const struct search_node *n);
/*
 * Append the tree as an S-expression to SB, e.g.
 * (and (from "ann") (or (is unread) (since 2025-01-31))).
 */
void search_print(struct strbuf *sb, const struct search_node *n);
/*
 * Nonzero if the tree needs bodies: body:, text:, a bare word, or
 * has:attachment (which the cache knows from a message's body).
 */
int search_uses_body(const struct search_node *n);
/* Nonzero if the tree is the single term `all`. */
int search_is_all(const struct search_node *n);
/*
 * The lower-case form of UTF-8 S used for case-insensitive matching
 * (simple case mapping of Latin, Greek and Cyrillic letters; other
 * characters unchanged, invalid bytes kept as they are). free() it.
 */
char *search_fold(const char *s, size_t len);
/*
 * Nonzero if NEEDLE (already folded) occurs in LEN bytes at HAYSTACK,
 * compared through search_fold(). An empty needle always occurs.
 */
int search_contains(const char *haystack, size_t len, const char *needle);

#endif
