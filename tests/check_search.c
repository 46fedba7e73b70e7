/*
 * Unit tests for src/search.c: queries and the trees they parse into (as
 * printed by search_print), queries that must be refused with the right
 * message and column, every prefix of the valid queries and random bytes
 * (no crash, an answer either way), copies, and the case folding used by
 * the offline search; then the offline search itself (store_search) on a
 * small cache, query by query.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "testutil.h"
#include "xmalloc.h"

/* Queries and their trees. */
static const struct {
	const char *query;
	const char *tree;
} good_rows[] = {
	{ "all", "(all)" },
	{ "ALL", "(all)" },
	{ "  all  ", "(all)" },
	{ "hello", "(text \"hello\")" },
	{ "from:ann", "(from \"ann\")" },
	{ "FROM:ann", "(from \"ann\")" },
	{ "From:Ann", "(from \"Ann\")" },
	{ "to:bob@example.org", "(to \"bob@example.org\")" },
	{ "cc:carol", "(cc \"carol\")" },
	{ "subject:report", "(subject \"report\")" },
	{ "body:invoice", "(body \"invoice\")" },
	{ "text:hello", "(text \"hello\")" },
	{ "before:2025-01-02", "(before 2025-01-02)" },
	{ "since:2024-02-29", "(since 2024-02-29)" },
	{ "on:2000-12-31", "(on 2000-12-31)" },
	{ "larger:10k", "(larger 10240)" },
	{ "larger:10K", "(larger 10240)" },
	{ "smaller:2M", "(smaller 2097152)" },
	{ "smaller:2MB", "(smaller 2097152)" },
	{ "larger:1g", "(larger 1073741824)" },
	{ "larger:500", "(larger 500)" },
	{ "larger:0", "(larger 0)" },
	{ "larger:4294967295", "(larger 4294967295)" },
	{ "is:unread", "(is unread)" },
	{ "is:read", "(is read)" },
	{ "IS:Flagged", "(is flagged)" },
	{ "is:answered", "(is answered)" },
	{ "is:deleted", "(is deleted)" },
	{ "has:attachment", "(has attachment)" },
	{ "HAS:Attachment", "(has attachment)" },
	/* AND, implicit and explicit. */
	{ "a b", "(and (text \"a\") (text \"b\"))" },
	{ "a AND b", "(and (text \"a\") (text \"b\"))" },
	{ "a b c", "(and (text \"a\") (text \"b\") (text \"c\"))" },
	{ "a and b", "(and (text \"a\") (text \"and\") (text \"b\"))" },
	/* OR and precedence: AND binds tighter. */
	{ "a OR b", "(or (text \"a\") (text \"b\"))" },
	{ "a OR b OR c", "(or (text \"a\") (text \"b\") (text \"c\"))" },
	{ "a b OR c", "(or (and (text \"a\") (text \"b\")) (text \"c\"))" },
	{ "a OR b c", "(or (text \"a\") (and (text \"b\") (text \"c\")))" },
	{ "a or b", "(and (text \"a\") (text \"or\") (text \"b\"))" },
	/* NOT and '-'. */
	{ "NOT a", "(not (text \"a\"))" },
	{ "-a", "(not (text \"a\"))" },
	{ "-from:ann", "(not (from \"ann\"))" },
	{ "--a", "(not (not (text \"a\")))" },
	{ "NOT a b", "(and (not (text \"a\")) (text \"b\"))" },
	{ "a -b", "(and (text \"a\") (not (text \"b\")))" },
	{ "-(a OR b)", "(not (or (text \"a\") (text \"b\")))" },
	{ "-\"a b\"", "(not (text \"a b\"))" },
	{ "not a", "(and (text \"not\") (text \"a\"))" },
	{ "e-mail", "(text \"e-mail\")" },
	{ "a - b", "(and (text \"a\") (text \"-\") (text \"b\"))" },
	{ "from:-x", "(from \"-x\")" },
	/* Parentheses. */
	{ "(a)", "(text \"a\")" },
	{ "(a OR b) c", "(and (or (text \"a\") (text \"b\")) (text \"c\"))" },
	{ "a (b OR c)", "(and (text \"a\") (or (text \"b\") (text \"c\")))" },
	{ "(a b) c", "(and (text \"a\") (text \"b\") (text \"c\"))" },
	{ "((a))", "(text \"a\")" },
	{ "(a)(b)", "(and (text \"a\") (text \"b\"))" },
	{ "from:ann(b)", "(and (from \"ann\") (text \"b\"))" },
	{ "is:unread (from:ann OR from:bob) -is:deleted",
	  "(and (is unread) (or (from \"ann\") (from \"bob\")) "
	  "(not (is deleted)))" },
	/* Phrases. */
	{ "\"hello world\"", "(text \"hello world\")" },
	{ "subject:\"Quarterly report\"", "(subject \"Quarterly report\")" },
	{ "from:\"Ann Smith\" x", "(and (from \"Ann Smith\") (text \"x\"))" },
	{ "\"say \\\"hi\\\"\"", "(text \"say \\\"hi\\\"\")" },
	{ "\"back\\\\slash\"", "(text \"back\\\\slash\")" },
	{ "\"other \\n escape\"", "(text \"other \\\\n escape\")" },
	{ "\"all\"", "(text \"all\")" },
	{ "\"OR\"", "(text \"OR\")" },
	{ "\"a\tb\"", "(text \"a b\")" },
	{ "\"a\" \"b\"", "(and (text \"a\") (text \"b\"))" },
	{ "ab\"cd", "(text \"ab\\\"cd\")" },
	{ "\"x(y)\"", "(text \"x(y)\")" },
	/* Words that only look like operators. */
	{ "10:30", "(text \"10:30\")" },
	{ ":x", "(text \":x\")" },
	{ "a1:b", "(text \"a1:b\")" },
	{ "subject:a:b", "(subject \"a:b\")" },
	{ "Re\\:", "(text \"Re\\\\:\")" },
	/* UTF-8 anywhere. */
	{ "Gr\xc3\xbc\xc3\x9f" "e", "(text \"Gr\xc3\xbc\xc3\x9f" "e\")" },
	{ "subject:\xe6\x97\xa5\xe6\x9c\xac",
	  "(subject \"\xe6\x97\xa5\xe6\x9c\xac\")" },
	{ "from:\"Jos\xc3\xa9 M\xc3\xbcller\"",
	  "(from \"Jos\xc3\xa9 M\xc3\xbcller\")" },
	{ "\xf0\x9f\x98\x80 OR caf\xc3\xa9",
	  "(or (text \"\xf0\x9f\x98\x80\") (text \"caf\xc3\xa9\"))" },
	/* White space of every kind. */
	{ "\ta\r\nb\n", "(and (text \"a\") (text \"b\"))" },
};

/* Queries that must fail, with a part of the message. */
static const struct {
	const char *query;
	const char *error;
} bad_rows[] = {
	{ "", "empty query" },
	{ "   ", "empty query" },
	{ "a foo:bar", "unknown operator \"foo:\" at column 3" },
	{ "Foo:bar", "unknown operator \"Foo:\" at column 1" },
	{ "http://example.org", "unknown operator \"http:\" at column 1" },
	{ "from:", "missing value after \"from:\" at column 1" },
	{ "x from: y", "missing value after \"from:\" at column 3" },
	{ "from:(a)", "missing value after \"from:\" at column 1" },
	{ "(a", "missing ) to close the ( at column 1" },
	{ "a (b (c)", "missing ) to close the ( at column 3" },
	{ "a)", "unexpected ) at column 2" },
	{ ")", "unexpected ) at column 1" },
	{ "()", "empty parentheses at column 1" },
	{ "\"abc", "missing closing quote for the phrase at column 1" },
	{ "x \"abc\\\"", "missing closing quote for the phrase at column 3" },
	{ "subject:\"abc", "missing closing quote for the phrase at column 9" },
	{ "\"\"", "empty phrase at column 1" },
	{ "OR a", "\"OR\" needs a term before it at column 1" },
	{ "AND a", "\"AND\" needs a term before it at column 1" },
	{ "a OR", "\"OR\" needs a term after it at column 3" },
	{ "a AND", "\"AND\" needs a term after it at column 3" },
	{ "a OR OR b", "\"OR\" needs a term after it at column 3" },
	{ "a AND OR b", "\"AND\" needs a term after it at column 3" },
	{ "NOT", "\"NOT\" needs a term after it at column 1" },
	{ "a NOT", "\"NOT\" needs a term after it at column 3" },
	{ "-(", "missing term at the end" },
	{ "(NOT)", "\"NOT\" needs a term after it at column 2" },
	{ "before:2025-1-2", "bad date \"2025-1-2\" at column 1" },
	{ "before:2025-02-30", "bad date \"2025-02-30\"" },
	{ "since:2023-02-29", "bad date \"2023-02-29\"" },
	{ "on:2025-13-01", "bad date \"2025-13-01\"" },
	{ "on:0999-01-01", "bad date \"0999-01-01\"" },
	{ "on:yesterday", "bad date \"yesterday\"" },
	{ "larger:big", "bad size \"big\" at column 1" },
	{ "larger:10x", "bad size \"10x\"" },
	{ "larger:k", "bad size \"k\"" },
	{ "larger:-1", "bad size \"-1\"" },
	{ "larger:10kk", "bad size \"10kk\"" },
	{ "larger:4G", "size \"4G\" at column 1 is too large" },
	{ "larger:4294967296", "size \"4294967296\" at column 1 is too large" },
	{ "larger:99999999999999999999999",
	  "size \"99999999999999999999999\" at column 1 is too large" },
	{ "is:new", "unknown value \"new\" for \"is:\" at column 1" },
	{ "has:pdf", "unknown value \"pdf\" for \"has:\" at column 1" },
	{ "\xc3\xa9 foo:x", "unknown operator \"foo:\" at column 3" },
	{ "\xe6\x97\xa5\xe6\x9c\xac (", "missing term at the end" },
	{ "\xe6\x97\xa5 )", "unexpected ) at column 3" },
	{ "ab\xff", "invalid UTF-8 at column 3" },
	{ "\xc3", "invalid UTF-8 at column 1" },
	{ "\xed\xa0\x80", "invalid UTF-8 at column 1" },
	{ "a\x01" "b", "control character at column 2" },
	{ "a\x1b[31m", "control character at column 2" },
	{ "a\x7f", "control character at column 2" },
	{ "a\xc2\x85", "control character at column 2" },
};

/*
 * mutt's patterns and their trees, parsed at MUTT_NOW (Saturday
 * 2025-03-15, noon UTC; TZ is set to UTC in main()).
 */
#define MUTT_NOW ((time_t)1742040000)
static const struct {
	const char *query;
	const char *tree;	/* NULL: refused, with ERROR in the message */
	const char *error;
} mutt_rows[] = {
	{ "~f alice", "(from \"alice\")", NULL },
	{ "~falice", "(from \"alice\")", NULL },
	{ "~t bob", "(to \"bob\")", NULL },
	{ "~c carol", "(cc \"carol\")", NULL },
	{ "~s budget", "(subject \"budget\")", NULL },
	{ "~s \"quarterly report\"", "(subject \"quarterly report\")",
	  NULL },
	{ "~b invoice", "(body \"invoice\")", NULL },
	{ "~B invoice", "(text \"invoice\")", NULL },
	{ "~h X-Spam", "(text \"X-Spam\")", NULL },
	{ "~L ann", "(or (from \"ann\") (to \"ann\") (cc \"ann\"))", NULL },
	{ "~C ann", "(or (to \"ann\") (cc \"ann\"))", NULL },
	{ "~N", "(is unread)", NULL },
	{ "~O", "(is unread)", NULL },
	{ "~U", "(is unread)", NULL },
	{ "~R", "(is read)", NULL },
	{ "~F", "(is flagged)", NULL },
	{ "~D", "(is deleted)", NULL },
	{ "~Q", "(is answered)", NULL },
	{ "~A", "(all)", NULL },
	{ "=b invoice", "(body \"invoice\")", NULL },
	{ "=s budget", "(subject \"budget\")", NULL },
	{ "!~R", "(not (is read))", NULL },
	{ "~N ~f alice", "(and (is unread) (from \"alice\"))", NULL },
	{ "~f alice | ~f bob", "(or (from \"alice\") (from \"bob\"))", NULL },
	{ "~f alice|~f bob", "(or (from \"alice\") (from \"bob\"))", NULL },
	{ "!(~f alice | ~s x) ~F",
	  "(and (not (or (from \"alice\") (subject \"x\"))) (is flagged))",
	  NULL },
	{ "~N from:alice", "(and (is unread) (from \"alice\"))", NULL },
	/* Dates: relative to MUTT_NOW, absolute, ranges (both ends in). */
	{ "~d <1w", "(since 2025-03-08)", NULL },
	{ "~d <3d", "(since 2025-03-12)", NULL },
	{ "~d >1m", "(before 2025-02-15)", NULL },
	{ "~d >1y", "(before 2024-03-15)", NULL },
	{ "~d =2d", "(on 2025-03-13)", NULL },
	{ "~d 01/03/2025", "(on 2025-03-01)", NULL },
	{ "~d 2025-03-01", "(on 2025-03-01)", NULL },
	{ "~d 1/3", "(on 2025-03-01)", NULL },
	{ "~d 7", "(on 2025-03-07)", NULL },
	{ "~d 01/03/24", "(on 2024-03-01)", NULL },
	{ "~d 01/03/2025-15/03/2025",
	  "(and (since 2025-03-01) (before 2025-03-16))", NULL },
	{ "~d -31/01/2025", "(before 2025-02-01)", NULL },
	{ "~d 01/02/2025-", "(since 2025-02-01)", NULL },
	{ "~r <1w", "(since 2025-03-08)", NULL },
	/* Far enough back to leave four-digit years: the earliest one. */
	{ "~d <44444m", "(since 1000-01-01)", NULL },
	{ "~d >99999y", "(before 1000-01-01)", NULL },
	/* Sizes (K = 1024), both ends in. */
	{ "~z <10K", "(smaller 10240)", NULL },
	{ "~z >1M", "(larger 1048576)", NULL },
	{ "~z 1K-2K", "(and (larger 1023) (smaller 2049))", NULL },
	{ "~z -2K", "(smaller 2049)", NULL },
	{ "~z 1K-", "(larger 1023)", NULL },
	{ "~z 500", "(and (larger 499) (smaller 501))", NULL },
	/* Never a silent empty answer. */
	{ "~T", NULL, "mutt pattern \"~T\" at column 1 is not supported" },
	{ "~x <id@x>", NULL, "mutt pattern \"~x\" at column 1 is not "
	  "supported" },
	{ "~i <id@x>", NULL, "mutt pattern \"~i\" at column 1 is not "
	  "supported" },
	{ "a ~w", NULL, "unknown mutt pattern \"~w\" at column 3" },
	{ "~f", NULL, "missing value after \"~f\" at column 1" },
	{ "~N2", NULL, "mutt pattern \"~N\" takes no value" },
	{ "~d <1q", NULL, "bad date range \"<1q\" at column 1" },
	{ "~d 32/01/2025", NULL, "bad date range" },
	{ "~d 2/11/268", NULL, "bad date range" },
	{ "~d -", NULL, "bad date range" },
	{ "~z <big", NULL, "bad size range \"<big\" at column 1" },
	{ "| ~F", NULL, "\"|\" needs a term before it at column 1" },
	{ "~F |", NULL, "\"OR\" needs a term after it" },
};

static void
print_tree(struct strbuf *sb, const struct search_node *n)
{
	strbuf_reset(sb);
	search_print(sb, n);
}

START_TEST(test_good_rows)
{
	struct strbuf sb = STRBUF_INIT;
	struct search_node *n = NULL, *copy;
	char *err = NULL;
	const char *q = good_rows[_i].query;

	ck_assert_msg(search_parse(q, strlen(q), &n, &err) == 0,
	    "row %d (%s): refused: %s", _i, q, err);
	ck_assert_ptr_nonnull(n);
	print_tree(&sb, n);
	ck_assert_msg(strcmp(sb.buf, good_rows[_i].tree) == 0,
	    "row %d (%s): got %s, want %s", _i, q, sb.buf,
	    good_rows[_i].tree);
	/* A copy prints the same and lives on its own. */
	copy = search_dup(n);
	search_free(n);
	print_tree(&sb, copy);
	ck_assert_msg(strcmp(sb.buf, good_rows[_i].tree) == 0,
	    "row %d (%s): the copy printed %s", _i, q, sb.buf);
	search_free(copy);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_bad_rows)
{
	struct search_node *n = NULL;
	char *err = NULL;
	const char *q = bad_rows[_i].query;

	ck_assert_msg(search_parse(q, strlen(q), &n, &err) == -1,
	    "row %d (%s): accepted", _i, q);
	ck_assert_msg(n == NULL, "row %d: a tree with an error", _i);
	ck_assert_msg(err != NULL, "row %d: no message", _i);
	ck_assert_msg(strstr(err, bad_rows[_i].error) != NULL,
	    "row %d (%s): got \"%s\", want \"%s\"", _i, q, err,
	    bad_rows[_i].error);
	free(err);
}
END_TEST

START_TEST(test_mutt_rows)
{
	struct strbuf sb = STRBUF_INIT;
	struct search_node *n = NULL;
	char *err = NULL;
	const char *q = mutt_rows[_i].query;
	int r = search_parse_at(q, strlen(q), MUTT_NOW, &n, &err);

	if (mutt_rows[_i].tree != NULL) {
		ck_assert_msg(r == 0, "row %d (%s): refused: %s", _i, q, err);
		print_tree(&sb, n);
		ck_assert_msg(strcmp(sb.buf, mutt_rows[_i].tree) == 0,
		    "row %d (%s): got %s, want %s", _i, q, sb.buf,
		    mutt_rows[_i].tree);
	} else {
		ck_assert_msg(r == -1, "row %d (%s): accepted", _i, q);
		ck_assert_msg(n == NULL && err != NULL, "row %d: no error", _i);
		ck_assert_msg(strstr(err, mutt_rows[_i].error) != NULL,
		    "row %d (%s): got \"%s\", want \"%s\"", _i, q, err,
		    mutt_rows[_i].error);
	}
	search_free(n);
	free(err);
	strbuf_release(&sb);
}
END_TEST

/* Parse LEN bytes at Q; it must answer either way, consistently. */
static void
parse_any(const char *q, size_t len, const char *what, size_t at)
{
	struct search_node *n = NULL;
	struct strbuf sb = STRBUF_INIT;
	char *err = NULL, *copy;
	int r;

	/* A private copy, so that reading past LEN is caught by ASan. */
	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, q, len);
	r = search_parse(copy, len, &n, &err);
	if (r == 0) {
		ck_assert_msg(n != NULL && err == NULL, "%s %zu: ok but no "
		    "tree", what, at);
		search_print(&sb, n);
		ck_assert_msg(sb.len > 0, "%s %zu: empty print", what, at);
		search_free(n);
	} else {
		ck_assert_msg(r == -1 && n == NULL && err != NULL &&
		    *err != '\0', "%s %zu: failed without a message", what,
		    at);
		free(err);
	}
	strbuf_release(&sb);
	free(copy);
}

START_TEST(test_prefixes)
{
	const char *q = good_rows[_i].query;
	size_t len = strlen(q), i;

	for (i = 0; i <= len; i++)
		parse_any(q, i, good_rows[_i].query, i);
}
END_TEST

START_TEST(test_random)
{
	static const char alphabet[] = "()\"\\-: \tabcOANDRTfromisyhxk0129";
	uint64_t state = 0x9e3779b97f4a7c15ULL + (uint64_t)_i;
	char buf[64];
	size_t len, i;
	int round;

	for (round = 0; round < 2000; round++) {
		len = tu_rand(&state) % sizeof buf;
		for (i = 0; i < len; i++) {
			uint64_t r = tu_rand(&state);

			/* Half random bytes, half bytes the parser cares for. */
			buf[i] = r & 1 ? (char)(r >> 8) :
			    alphabet[(r >> 8) % (sizeof alphabet - 1)];
		}
		parse_any(buf, len, "random round", (size_t)round);
	}
}
END_TEST

START_TEST(test_limits)
{
	struct strbuf q = STRBUF_INIT;
	struct search_node *n = NULL;
	char *err = NULL;
	int i;

	/* Nesting: 32 levels pass, 33 do not. */
	for (i = 0; i < SEARCH_MAX_DEPTH; i++)
		strbuf_addch(&q, '(');
	strbuf_addch(&q, 'a');
	for (i = 0; i < SEARCH_MAX_DEPTH; i++)
		strbuf_addch(&q, ')');
	ck_assert_msg(search_parse(q.buf, q.len, &n, &err) == 0, "%s", err);
	search_free(n);
	strbuf_reset(&q);
	for (i = 0; i < 10000; i++)
		strbuf_addch(&q, '(');
	ck_assert_int_eq(search_parse(q.buf, q.len, &n, &err), -1);
	ck_assert_msg(strstr(err, "nested too deeply") != NULL, "%s", err);
	free(err);
	strbuf_reset(&q);
	for (i = 0; i < 10000; i++)
		strbuf_addch(&q, '-');
	strbuf_addch(&q, 'a');
	ck_assert_int_eq(search_parse(q.buf, q.len, &n, &err), -1);
	ck_assert_msg(strstr(err, "nested too deeply") != NULL, "%s", err);
	free(err);
	/* Terms: 256 pass, 257 do not. */
	strbuf_reset(&q);
	for (i = 0; i < SEARCH_MAX_TERMS; i++)
		strbuf_addstr(&q, i == 0 ? "a" : " OR a");
	ck_assert_msg(search_parse(q.buf, q.len, &n, &err) == 0, "%s", err);
	ck_assert_int_eq(n->kind, SEARCH_OR);
	ck_assert_uint_eq(n->nkids, SEARCH_MAX_TERMS);
	search_free(n);
	strbuf_addstr(&q, " a");
	ck_assert_int_eq(search_parse(q.buf, q.len, &n, &err), -1);
	ck_assert_msg(strstr(err, "too many terms") != NULL, "%s", err);
	free(err);
	/* A NUL inside the buffer is a control character, not the end. */
	ck_assert_int_eq(search_parse("a\0b", 3, &n, &err), -1);
	ck_assert_msg(strstr(err, "control character at column 2") != NULL,
	    "%s", err);
	free(err);
	strbuf_release(&q);
}
END_TEST

START_TEST(test_uses_body)
{
	static const struct {
		const char *query;
		int body, all;
	} rows[] = {
		{ "all", 0, 1 },
		{ "from:a", 0, 0 },
		{ "a", 1, 0 },
		{ "body:a", 1, 0 },
		{ "subject:a OR -(is:read b)", 1, 0 },
		{ "subject:a is:read", 0, 0 },
		{ "has:attachment", 1, 0 },
		{ "all all", 0, 0 },
	};
	struct search_node *n;
	char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		ck_assert_int_eq(search_parse(rows[i].query,
		    strlen(rows[i].query), &n, &err), 0);
		ck_assert_msg(search_uses_body(n) == rows[i].body,
		    "row %zu (%s): uses_body", i, rows[i].query);
		ck_assert_msg(search_is_all(n) == rows[i].all,
		    "row %zu (%s): is_all", i, rows[i].query);
		search_free(n);
	}
	ck_assert_int_eq(search_uses_body(NULL), 0);
	search_free(NULL);
	ck_assert_ptr_null(search_dup(NULL));
}
END_TEST

/* Case folding and the substring test built on it. */
static const struct {
	const char *haystack;
	const char *needle;
	int found;
} fold_rows[] = {
	{ "Hello World", "o w", 1 },
	{ "Hello World", "WORLD", 1 },
	{ "Hello World", "worlds", 0 },
	{ "", "a", 0 },
	{ "abc", "", 1 },
	{ "GR\xc3\x9c\xc3\x9f" "E", "gr\xc3\xbc\xc3\x9f" "e", 1 },
	{ "Stra\xe1\xba\x9e" "e", "stra\xc3\x9f" "e", 1 },
	{ "\xc3\x89T\xc3\x89", "\xc3\xa9t\xc3\xa9", 1 },
	{ "\xc3\x89T\xc3\x89", "ete", 0 },
	{ "\xc5\x81\xc3\xb3" "d\xc5\xba", "\xc5\x82\xc3\xb3" "d\xc5\xba", 1 },
	{ "\xc5\xb9r\xc3\xb3" "d\xc5\x82o", "\xc5\xbar\xc3\xb3" "d\xc5\x82o", 1 },
	{ "\xce\x9f\xce\x94\xce\x8f\xce\xa3", "\xce\xbf\xce\xb4\xcf\x8e\xcf\x83",
	  1 },
	{ "\xce\xbb\xcf\x8c\xce\xb3\xce\xbf\xcf\x82",
	  "\xce\x9b\xce\x8c\xce\x93\xce\x9f\xce\xa3", 1 },
	{ "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
	  "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 1 },
	{ "\xd0\x81\xd0\xb6", "\xd1\x91\xd0\xb6", 1 },
	{ "\xef\xbc\xa1\xef\xbc\xa2", "\xef\xbd\x81\xef\xbd\x82", 1 },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "\xe6\x9c\xac", 1 },
	{ "bad\xff" "bytes", "\xff" "b", 1 },
	{ "x\xc3", "x\xc3", 1 },
};

START_TEST(test_fold_rows)
{
	const char *h = fold_rows[_i].haystack;
	char *needle;

	needle = search_fold(fold_rows[_i].needle,
	    strlen(fold_rows[_i].needle));
	ck_assert_msg(search_contains(h, strlen(h), needle) ==
	    fold_rows[_i].found, "row %d (%s in %s): want %d", _i,
	    fold_rows[_i].needle, h, fold_rows[_i].found);
	free(needle);
}
END_TEST

START_TEST(test_fold_keeps_length)
{
	char *s;

	s = search_fold("ABC\xc3\x84" "x", 6);
	ck_assert_str_eq(s, "abc\xc3\xa4" "x");
	free(s);
	/* Only LEN bytes are read. */
	s = search_fold("ABCDEF", 3);
	ck_assert_str_eq(s, "abc");
	free(s);
	ck_assert_int_eq(search_contains(NULL, 0, "a"), 0);
}
END_TEST

/* The offline search: a small cache and what each query finds there. */
static const struct {
	uint32_t uid;
	const char *from_name, *from_addr, *to, *cc, *subject;
	int y, mo, d, h, mi;
	int64_t size;
	unsigned int flags;
	int attachment;
	const char *body;	/* NULL: not cached */
} cache_rows[] = {
	{ 1, "Ann Smith", "ann@example.org", "Bob <bob@example.org>", NULL,
	  "Quarterly report", 2025, 1, 1, 10, 0, 1000, MSG_SEEN, 0,
	  "Numbers are up.\nGr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln" },
	{ 2, "Bob", "bob@example.org", "ann@example.org", "carol@example.org",
	  "Re: Quarterly report", 2025, 1, 2, 9, 0, 20000,
	  MSG_SEEN | MSG_ANSWERED, 1, "Thanks, see the attached invoice." },
	{ 3, "J\xc3\xbcrgen M\xc3\xbcller", "jm@example.de", "ann", NULL,
	  "Gr\xc3\xbc\xc3\x9f" "e", 2025, 1, 2, 23, 59, 5000, 0, 0,
	  "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e, J\xc3\xbcrgen" },
	{ 4, NULL, "noname@example.org", "ann", NULL, "Lunch?", 2025, 1, 3,
	  0, 0, 300, MSG_FLAGGED, 0, NULL },
	{ 5, "\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7", "eleni@example.gr",
	  "ann", NULL, "\xce\x9b\xce\x8c\xce\x93\xce\x9f\xce\xa3", 2025, 2, 1,
	  12, 0, 3 * 1024 * 1024, MSG_DELETED | MSG_SEEN, 1,
	  "\xce\xad\xce\xbd\xce\xb1\xcf\x82 \xce\xbb\xcf\x8c\xce\xb3\xce\xbf"
	  "\xcf\x82" },
	{ 6, "Carol", "carol@example.org", "ann", "bob@example.org",
	  "say \"hi\"", 2024, 12, 31, 23, 0, 10240, 0, 0,
	  "He said \"hello world\" to me" },
	{ 7, "\xe6\x97\xa5\xe6\x9c\xac", "jp@example.jp", "ann", NULL,
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\xa1\xe3"
	  "\x83\xbc\xe3\x83\xab", 2025, 1, 5, 8, 0, 10241, MSG_SEEN, 0,
	  "\xe6\x9c\xac\xe6\x96\x87\xe3\x81\xa7\xe3\x81\x99" },
};

static const struct {
	const char *query;
	const char *uids;	/* ascending */
} offline_rows[] = {
	{ "all", "1 2 3 4 5 6 7" },
	{ "NOT all", "" },
	{ "from:ann", "1" },
	{ "from:AN", "1" },
	{ "from:\"smith <ann@\"", "1" },
	{ "from:noname", "4" },
	{ "from:example.org", "1 2 4 6" },
	{ "to:ann", "2 3 4 5 6 7" },
	{ "to:bob", "1" },
	{ "cc:carol", "2" },
	{ "cc:bob", "6" },
	{ "cc:b", "6" },
	{ "subject:report", "1 2" },
	{ "subject:\"quarterly REPORT\"", "1 2" },
	{ "subject:re", "1 2" },
	{ "subject:gr\xc3\xbc\xc3\x9f" "e", "3" },
	{ "subject:GR\xc3\x9c\xc3\x9f" "E", "3" },
	{ "subject:GR\xc3\x9cSSE", "" },
	{ "subject:\xce\xbb\xcf\x8c\xce\xb3\xce\xbf\xcf\x82", "5" },
	{ "subject:\"\\\"hi\\\"\"", "6" },
	{ "subject:\"hi\"", "6" },
	{ "body:invoice", "2" },
	{ "body:INVOICE", "2" },
	{ "body:gr\xc3\xbc\xc3\x9f" "e", "1 3" },
	{ "body:\"hello world\"", "6" },
	{ "body:\"\\\"hello\"", "6" },
	{ "body:\xc3\xb6", "1 3" },
	{ "body:\xc3\x96", "1 3" },
	{ "body:report", "" },
	{ "body:\xce\x9b\xce\x8c\xce\x93\xce\x9f\xce\xa3", "5" },
	{ "text:\"hello world\"", "6" },
	{ "hello", "6" },
	{ "j\xc3\xbcrgen", "3" },
	{ "example.de", "3" },
	{ "\xe6\x9c\xac\xe6\x96\x87", "7" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", "7" },
	{ "\xe8\xaa\x9e", "7" },
	{ "report", "1 2" },
	{ "lunch", "4" },
	{ "before:2025-01-02", "1 6" },
	{ "since:2025-01-02", "2 3 4 5 7" },
	{ "on:2025-01-02", "2 3" },
	{ "on:2025-01-03", "4" },
	{ "larger:10k", "2 5 7" },
	{ "smaller:1k", "1 4" },
	{ "larger:3M", "" },
	{ "smaller:3M", "1 2 3 4 6 7" },
	{ "is:unread", "3 4 6" },
	{ "is:read", "1 2 5 7" },
	{ "is:flagged", "4" },
	{ "is:answered", "2" },
	{ "is:deleted", "5" },
	{ "has:attachment", "2 5" },
	{ "-is:read", "3 4 6" },
	{ "from:bob OR from:carol", "2 6" },
	{ "is:unread -from:carol", "3 4" },
	{ "(subject:report OR body:gr\xc3\xbc\xc3\x9f" "e) is:read", "1 2" },
	{ "NOT (body:xyz)", "1 2 3 4 5 6 7" },
	{ "-body:up", "2 3 4 5 6 7" },
	{ "-\"hello world\" -report", "3 4 5 7" },
};

static struct store *search_st;
static int64_t search_folder;

static int64_t
local_time(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
cache_setup(void)
{
	struct store_folder list[1], f;
	struct store_msg m;
	char *err = NULL;
	int64_t id;
	size_t i;

	ck_assert_msg(store_open(NULL, "check-search", &search_st, &err) == 0,
	    "store_open: %s", err);
	memset(list, 0, sizeof list);
	list[0].name = (char *)"INBOX";
	list[0].display = (char *)"INBOX";
	ck_assert_int_eq(store_folders_replace(search_st, list, 1), 0);
	ck_assert_int_eq(store_folder_get(search_st, "INBOX", &f), 0);
	search_folder = f.id;
	store_folder_release(&f);
	for (i = 0; i < sizeof cache_rows / sizeof cache_rows[0]; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = search_folder;
		m.uid = cache_rows[i].uid;
		m.from_name = (char *)cache_rows[i].from_name;
		m.from_addr = (char *)cache_rows[i].from_addr;
		m.to_addrs = (char *)cache_rows[i].to;
		m.cc_addrs = (char *)cache_rows[i].cc;
		m.subject = (char *)cache_rows[i].subject;
		m.date = local_time(cache_rows[i].y, cache_rows[i].mo,
		    cache_rows[i].d, cache_rows[i].h, cache_rows[i].mi);
		m.internaldate = m.date;
		m.size = cache_rows[i].size;
		m.flags = cache_rows[i].flags;
		m.has_attachment = cache_rows[i].attachment;
		ck_assert_int_eq(store_msg_put(search_st, &m, &id), 0);
		if (cache_rows[i].body != NULL)
			ck_assert_int_eq(store_body_put(search_st, id,
			    cache_rows[i].body, strlen(cache_rows[i].body),
			    cache_rows[i].body), 0);
	}
}

static void
cache_teardown(void)
{
	store_close(search_st);
	search_st = NULL;
}

/* The UIDs of the row ids IDS, ascending, as "1 2 3". */
static void
uids_of(struct strbuf *sb, const int64_t *ids, size_t n)
{
	uint32_t *uids = xcalloc(n + 1, sizeof *uids), t;
	struct store_msg m;
	size_t i, j;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(store_msg_get(search_st, ids[i], &m), 0);
		uids[i] = m.uid;
		store_msg_release(&m);
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && uids[j - 1] > uids[j]; j--) {
			t = uids[j];
			uids[j] = uids[j - 1];
			uids[j - 1] = t;
		}
	strbuf_reset(sb);
	for (i = 0; i < n; i++)
		strbuf_addf(sb, "%s%u", i > 0 ? " " : "", (unsigned)uids[i]);
	free(uids);
}

START_TEST(test_offline_rows)
{
	struct strbuf sb = STRBUF_INIT;
	struct search_node *q = NULL;
	const char *text = offline_rows[_i].query;
	int64_t *ids = NULL;
	size_t n = 0;
	char *err = NULL;

	ck_assert_msg(search_parse(text, strlen(text), &q, &err) == 0,
	    "row %d (%s): %s", _i, text, err);
	ck_assert_msg(store_search(search_st, search_folder, q, 0, 0, &ids,
	    &n) == 0, "row %d (%s): %s", _i, text, store_errmsg(search_st));
	uids_of(&sb, ids, n);
	ck_assert_msg(strcmp(sb.buf, offline_rows[_i].uids) == 0,
	    "row %d (%s): found \"%s\", want \"%s\"", _i, text, sb.buf,
	    offline_rows[_i].uids);
	free(ids);
	search_free(q);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_offline_order)
{
	struct strbuf sb = STRBUF_INIT;
	struct search_node *q = NULL;
	static const uint32_t want[] = { 5, 7, 4, 3, 2, 1, 6 };
	static const uint32_t some[] = { 7, 1, 99, 6 };
	struct store_msg m;
	int64_t *ids = NULL;
	long bodies, total;
	size_t n = 0, i;
	char *err = NULL;

	/* Newest first, the index's order, for any query. */
	ck_assert_int_eq(search_parse("smaller:4M", 10, &q, &err), 0);
	ck_assert_int_eq(store_search(search_st, search_folder, q, 0, 0, &ids,
	    &n), 0);
	ck_assert_uint_eq(n, 7);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(store_msg_get(search_st, ids[i], &m), 0);
		ck_assert_msg(m.uid == want[i], "position %zu: uid %u", i,
		    (unsigned)m.uid);
		store_msg_release(&m);
	}
	free(ids);
	/* Reversed. */
	ck_assert_int_eq(store_search(search_st, search_folder, q, 0, 1, &ids,
	    &n), 0);
	ck_assert_int_eq(store_msg_get(search_st, ids[0], &m), 0);
	ck_assert_uint_eq(m.uid, 6);
	store_msg_release(&m);
	free(ids);
	search_free(q);

	/* Server UIDs mapped to rows: unknown UIDs dropped, display order. */
	ck_assert_int_eq(store_search_uids(search_st, search_folder, some, 4,
	    0, 0, &ids, &n), 0);
	ck_assert_uint_eq(n, 3);
	uids_of(&sb, ids, n);
	ck_assert_str_eq(sb.buf, "1 6 7");
	ck_assert_int_eq(store_msg_get(search_st, ids[0], &m), 0);
	ck_assert_uint_eq(m.uid, 7);
	store_msg_release(&m);
	free(ids);
	ck_assert_int_eq(store_search_uids(search_st, search_folder, some, 0,
	    0, 0, &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);

	/* Coverage and the messages still without a body. */
	ck_assert_int_eq(store_search_coverage(search_st, search_folder,
	    &bodies, &total), 0);
	ck_assert_int_eq(total, 7);
	ck_assert_int_eq(bodies, 6);
	ck_assert_int_eq(store_msg_without_body(search_st, search_folder, 10,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	uids_of(&sb, ids, n);
	ck_assert_str_eq(sb.buf, "4");
	free(ids);
	ck_assert_int_eq(store_msg_without_body(search_st, search_folder, 0,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	/* Another folder has none of these. */
	ck_assert_int_eq(search_parse("all", 3, &q, &err), 0);
	ck_assert_int_eq(store_search(search_st, search_folder + 1000, q, 0, 0,
	    &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	search_free(q);
	strbuf_release(&sb);
}
END_TEST

static Suite *
search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_good_rows, 0,
	    sizeof good_rows / sizeof good_rows[0]);
	tcase_add_loop_test(tc, test_mutt_rows, 0,
	    sizeof mutt_rows / sizeof mutt_rows[0]);
	tcase_add_loop_test(tc, test_bad_rows, 0,
	    sizeof bad_rows / sizeof bad_rows[0]);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_uses_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("robust");
	tcase_add_loop_test(tc, test_prefixes, 0,
	    sizeof good_rows / sizeof good_rows[0]);
	tcase_add_loop_test(tc, test_random, 0, 8);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("fold");
	tcase_add_loop_test(tc, test_fold_rows, 0,
	    sizeof fold_rows / sizeof fold_rows[0]);
	tcase_add_test(tc, test_fold_keeps_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("offline");
	tcase_add_checked_fixture(tc, cache_setup, cache_teardown);
	tcase_add_loop_test(tc, test_offline_rows, 0,
	    sizeof offline_rows / sizeof offline_rows[0]);
	tcase_add_test(tc, test_offline_order);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* mutt's relative dates count from MUTT_NOW in UTC. */
	setenv("TZ", "UTC", 1);
	tzset();
	return tu_run(search_suite());
}
