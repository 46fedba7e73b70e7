/*
 * Fuzz target: the search query parser. The input is a query typed by
 * the user (or pasted from anywhere). Checked: search_parse() returns
 * either a tree or one line of error; a tree keeps search.h's promises
 * (the kinds of kids, UTF-8 strings without control characters, valid
 * dates); the printer's S-expression parses again when it is within the
 * limits of terms and depth; the tree written back as a query parses to
 * the same tree; search_dup() copies it; and every string of the tree
 * contains itself through search_fold() and search_contains().
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "search.h"
#include "strbuf.h"
#include "xmalloc.h"

static void	fuzz_unparse(struct strbuf *, const struct search_node *);

/* Terms the printed form of N has, and its depth in parentheses. */
static size_t
fuzz_printed_terms(const struct search_node *n, int depth, int *deepest)
{
	size_t i, terms = 1;

	if (depth > *deepest)
		*deepest = depth;
	switch (n->kind) {
	case SEARCH_ALL:
		return (1);
	case SEARCH_AND:
	case SEARCH_OR:
	case SEARCH_NOT:
		for (i = 0; i < n->nkids; i++)
			terms += fuzz_printed_terms(n->kids[i], depth + 1,
			    deepest);
		return (terms);
	default:
		return (2);
	}
}

static void
fuzz_check_tree(const struct search_node *n)
{
	size_t i, len;
	char *folded;

	switch (n->kind) {
	case SEARCH_AND:
	case SEARCH_OR:
		if (n->nkids < 2)
			fuzz_fail("and/or with %zu kids", n->nkids);
		break;
	case SEARCH_NOT:
		if (n->nkids != 1)
			fuzz_fail("not with %zu kids", n->nkids);
		break;
	default:
		if (n->nkids != 0)
			fuzz_fail("a term with %zu kids", n->nkids);
		break;
	}
	for (i = 0; i < n->nkids; i++) {
		if (n->kids[i] == NULL)
			fuzz_fail("kid %zu is NULL", i);
		if (n->kids[i]->kind == n->kind && (n->kind == SEARCH_AND ||
		    n->kind == SEARCH_OR))
			fuzz_fail("and/or not kept flat");
		fuzz_check_tree(n->kids[i]);
	}
	switch (n->kind) {
	case SEARCH_FROM:
	case SEARCH_TO:
	case SEARCH_CC:
	case SEARCH_SUBJECT:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		if (n->str == NULL || *n->str == '\0')
			fuzz_fail("empty string");
		len = strlen(n->str);
		fuzz_check_utf8("a term's string", n->str, len);
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)n->str[i];

			if (c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 <
			    len && (unsigned char)n->str[i + 1] < 0xa0))
				fuzz_fail("a control character in \"%s\"",
				    n->str);
		}
		folded = search_fold(n->str, len);
		if (!search_contains(n->str, len, folded))
			fuzz_fail("\"%s\" does not contain itself", n->str);
		free(folded);
		break;
	case SEARCH_BEFORE:
	case SEARCH_SINCE:
	case SEARCH_ON:
		if (n->year < 1000 || n->year > 9999 || n->month < 1 ||
		    n->month > 12 || n->day < 1 || n->day > 31)
			fuzz_fail("date %d-%d-%d", n->year, n->month, n->day);
		break;
	default:
		break;
	}
}

static void
fuzz_unparse_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

/* Write kid N of an operator, in parentheses when it is an and/or. */
static void
fuzz_unparse_kid(struct strbuf *sb, const struct search_node *n)
{
	if (n->kind == SEARCH_AND || n->kind == SEARCH_OR) {
		strbuf_addch(sb, '(');
		fuzz_unparse(sb, n);
		strbuf_addch(sb, ')');
	} else
		fuzz_unparse(sb, n);
}

/*
 * Write N back in the query language, with parentheses only where they
 * are needed, so that it needs no more depth than the query it came from.
 */
static void
fuzz_unparse(struct strbuf *sb, const struct search_node *n)
{
	static const char *ops[] = {
		[SEARCH_FROM] = "from", [SEARCH_TO] = "to", [SEARCH_CC] = "cc",
		[SEARCH_SUBJECT] = "subject", [SEARCH_BODY] = "body",
		[SEARCH_TEXT] = "text", [SEARCH_BEFORE] = "before",
		[SEARCH_SINCE] = "since", [SEARCH_ON] = "on",
		[SEARCH_LARGER] = "larger", [SEARCH_SMALLER] = "smaller",
	};
	static const char *flags[][2] = {
		[SEARCH_SEEN] = { "unread", "read" },
		[SEARCH_ANSWERED] = { NULL, "answered" },
		[SEARCH_FLAGGED] = { NULL, "flagged" },
		[SEARCH_DELETED] = { NULL, "deleted" },
	};
	size_t i;

	switch (n->kind) {
	case SEARCH_ALL:
		strbuf_addstr(sb, "all");
		break;
	case SEARCH_AND:
		for (i = 0; i < n->nkids; i++) {
			if (i > 0)
				strbuf_addch(sb, ' ');
			fuzz_unparse_kid(sb, n->kids[i]);
		}
		break;
	case SEARCH_OR:
		for (i = 0; i < n->nkids; i++) {
			if (i > 0)
				strbuf_addstr(sb, " OR ");
			/* An and binds tighter: no parentheses needed. */
			if (n->kids[i]->kind == SEARCH_AND)
				fuzz_unparse(sb, n->kids[i]);
			else
				fuzz_unparse_kid(sb, n->kids[i]);
		}
		break;
	case SEARCH_NOT:
		strbuf_addstr(sb, "NOT ");
		fuzz_unparse_kid(sb, n->kids[0]);
		break;
	case SEARCH_FROM:
	case SEARCH_TO:
	case SEARCH_CC:
	case SEARCH_SUBJECT:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		strbuf_addf(sb, "%s:", ops[n->kind]);
		fuzz_unparse_string(sb, n->str);
		break;
	case SEARCH_BEFORE:
	case SEARCH_SINCE:
	case SEARCH_ON:
		strbuf_addf(sb, "%s:%04d-%02d-%02d", ops[n->kind], n->year,
		    n->month, n->day);
		break;
	case SEARCH_LARGER:
	case SEARCH_SMALLER:
		strbuf_addf(sb, "%s:%lu", ops[n->kind],
		    (unsigned long)n->size);
		break;
	case SEARCH_FLAG:
		if ((unsigned int)n->flag > SEARCH_DELETED ||
		    flags[n->flag][n->set != 0] == NULL)
			fuzz_fail("flag %d set %d", (int)n->flag, n->set);
		strbuf_addf(sb, "is:%s", flags[n->flag][n->set != 0]);
		break;
	case SEARCH_ATTACHMENT:
		strbuf_addstr(sb, "has:attachment");
		break;
	}
}

FUZZ_TARGET(search)
{
	struct strbuf printed = STRBUF_INIT, query = STRBUF_INIT;
	struct strbuf again = STRBUF_INIT;
	struct search_node *tree = NULL, *tree2 = NULL, *copy;
	char *buf, *err = NULL;
	size_t terms;
	int deepest = 0;

	/* Exactly SIZE bytes: the parser must not read past them. */
	buf = xmalloc(size > 0 ? size : 1);
	if (size > 0)
		memcpy(buf, data, size);
	if (search_parse(buf, size, &tree, &err) != 0) {
		if (tree != NULL || err == NULL || *err == '\0' ||
		    strchr(err, '\n') != NULL)
			fuzz_fail("search_parse: -1 with a tree or no error");
		free(err);
		goto out;
	}
	if (tree == NULL || err != NULL)
		fuzz_fail("search_parse: 0 without a tree");
	fuzz_check_tree(tree);
	(void)search_uses_body(tree);
	(void)search_is_all(tree);
	search_print(&printed, tree);
	fuzz_check_utf8("search_print", printed.buf, printed.len);

	copy = search_dup(tree);
	search_print(&again, copy);
	search_free(copy);
	if (strcmp(again.buf, printed.buf) != 0)
		fuzz_fail("search_dup: %s is not %s", again.buf, printed.buf);

	/* The S-expression is itself a query. */
	terms = fuzz_printed_terms(tree, 1, &deepest);
	if (search_parse(printed.buf, printed.len, &tree2, &err) != 0) {
		if (terms <= SEARCH_MAX_TERMS && deepest <= SEARCH_MAX_DEPTH)
			fuzz_fail("the printed %s does not parse: %s",
			    printed.buf, err);
		free(err);
	}
	search_free(tree2);
	tree2 = NULL;

	/* Written back as a query, it parses to the same tree. */
	fuzz_unparse(&query, tree);
	err = NULL;
	if (search_parse(query.buf, query.len, &tree2, &err) != 0)
		fuzz_fail("the query %s written back as %s does not parse: %s",
		    printed.buf, query.buf, err);
	strbuf_reset(&again);
	search_print(&again, tree2);
	if (strcmp(again.buf, printed.buf) != 0)
		fuzz_fail("the query written back as %s parses to %s, not %s",
		    query.buf, again.buf, printed.buf);
	search_free(tree2);
out:
	search_free(tree);
	strbuf_release(&printed);
	strbuf_release(&query);
	strbuf_release(&again);
	free(buf);
	return (0);
}
