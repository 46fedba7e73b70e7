/*
 * Unit tests for src/fetchparse.c: framing a response (whole, byte by
 * byte, in pieces, across literals), the items of a header FETCH read from
 * answers as dovecot, Cyrus and mailutils write them, and hostile or
 * broken responses refused without reading past their end.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetchparse.h"
#include "testutil.h"
#include "xmalloc.h"

/* A stream of responses and the length of each complete one in it. */
static const struct {
	const char *in;
	size_t len[4];		/* 0 ends the list */
} frames[] = {
	{ "* 1 EXISTS\r\n", { 12 } },
	{ "* 1 EXISTS\r\n* 2 EXPUNGE\r\na1 OK done\r\n", { 12, 13, 12 } },
	/* A literal holding what looks like the end of a line. */
	{ "* 1 FETCH (BODY[] {5}\r\na\r\nb\n)\r\n", { 31 } },
	{ "* 1 FETCH (BODY[] {0}\r\n)\r\n* 2 EXISTS\r\n", { 26, 12 } },
	/* Two literals, the second one LITERAL+. */
	{ "* 1 FETCH (A {1}\r\nx B {2+}\r\nyz)\r\n", { 33 } },
	/* Bare LF ends a line too. */
	{ "* 1 EXISTS\n* OK\n", { 11, 5 } },
	/* Not a literal: no digits, no brace, or a brace not at the end. */
	{ "* OK {}\r\n* OK {x}\r\n* OK {3} x\r\n", { 9, 10, 12 } },
	/* A literal too long to be one: the line ends there. */
	{ "* OK {99999999999999999999999}\r\n", { 32 } },
	/* Incomplete: nothing yet. */
	{ "* 1 FETCH (BODY[] {10}\r\nabc", { 0 } },
	{ "* 1 EXISTS", { 0 } },
};

/* Frame row I fed in pieces of STEP bytes; the lengths found in LEN_R. */
static size_t
frame_row(int i, size_t step, size_t *len_r, size_t max)
{
	const char *in = frames[i].in;
	size_t n = strlen(in), have = 0, start = 0, found = 0, got;
	struct fetchparse_frame fr;

	memset(&fr, 0, sizeof fr);
	while (have < n) {
		have = have + step < n ? have + step : n;
		while (start < have && (got = fetchparse_frame(&fr,
		    in + start, have - start)) != 0) {
			ck_assert_msg(found < max, "row %d: too many", i);
			len_r[found++] = got;
			start += got;
			memset(&fr, 0, sizeof fr);
		}
	}
	return found;
}

START_TEST(test_frames)
{
	static const size_t steps[] = { 1, 2, 3, 7, 100000 };
	size_t s, k, want, found, len[8];

	for (want = 0; want < 4 && frames[_i].len[want] != 0; want++)
		;
	for (s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		found = frame_row(_i, steps[s], len, 8);
		ck_assert_msg(found == want, "row %d, pieces of %zu: %zu found",
		    _i, steps[s], found);
		for (k = 0; k < want; k++)
			ck_assert_msg(len[k] == frames[_i].len[k],
			    "row %d, pieces of %zu: response %zu is %zu long",
			    _i, steps[s], k, len[k]);
	}
}
END_TEST

/* A line that never ends is looked at once, not once per read. */
START_TEST(test_frame_resumes)
{
	struct fetchparse_frame fr;
	char *buf = xmalloc((1 << 20) + 1);
	size_t n;

	memset(buf, 'x', 1 << 20);
	memset(&fr, 0, sizeof fr);
	for (n = 4096; n <= (1 << 20); n += 4096) {
		ck_assert_uint_eq(fetchparse_frame(&fr, buf, n), 0);
		ck_assert_uint_eq(fr.pos, n);
	}
	buf[1 << 20] = '\n';
	ck_assert_uint_eq(fetchparse_frame(&fr, buf, (1 << 20) + 1),
	    (1 << 20) + 1);
	free(buf);
}
END_TEST

#define P(s) (s), sizeof(s) - 1

/* Dovecot's answer to tern's header FETCH, a literal for References. */
START_TEST(test_fetch_dovecot)
{
	static const char in[] =
	    "* 12 FETCH (UID 4711 FLAGS (\\Seen \\Flagged $Label1 \\Recent "
	    "NonJunk) INTERNALDATE \" 2-Dec-2026 18:31:41 +0130\" "
	    "RFC822.SIZE 2345 ENVELOPE (\"Wed, 2 Dec 2026 18:31:41 +0000\" "
	    "\"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= \\\"quoted\\\"\" ((\"Ann A.\" NIL "
	    "\"ann\" \"example.org\")) ((NIL NIL \"ann\" \"example.org\")) "
	    "NIL ((NIL NIL \"bob\" \"example.net\")(\"Cy\" NIL \"cy\" "
	    "\"example.com\")) ((NIL NIL \"team\" NIL)(NIL NIL \"dee\" "
	    "\"x.org\")(NIL NIL NIL NIL)) NIL \"<parent@x>\" \"<id@x>\") "
	    "BODY[HEADER.FIELDS (REFERENCES)] {27}\r\n"
	    "References: <a@x> <b@x>\r\n\r\n)\r\n";
	struct fetchparse p;

	fetchparse_init(&p);
	ck_assert_int_eq(fetchparse_parse(&p, P(in)), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_FETCH);
	ck_assert_uint_eq(p.number, 12);
	ck_assert_uint_eq(p.have, FETCHPARSE_HAVE_UID | FETCHPARSE_HAVE_FLAGS |
	    FETCHPARSE_HAVE_INTERNALDATE | FETCHPARSE_HAVE_SIZE |
	    FETCHPARSE_HAVE_ENVELOPE | FETCHPARSE_HAVE_HEADERS);
	ck_assert_uint_eq(p.uid, 4711);
	ck_assert_uint_eq(p.flags, FETCHPARSE_SEEN | FETCHPARSE_FLAGGED);
	ck_assert_str_eq(p.keywords, "$Label1 NonJunk");
	ck_assert_int_eq(p.internaldate.day, 2);
	ck_assert_int_eq(p.internaldate.month, 12);
	ck_assert_int_eq(p.internaldate.year, 2026);
	ck_assert_int_eq(p.internaldate.hour, 18);
	ck_assert_int_eq(p.internaldate.min, 31);
	ck_assert_int_eq(p.internaldate.sec, 41);
	ck_assert_int_eq(p.internaldate.zone, 130);
	ck_assert_uint_eq(p.size, 2345);
	ck_assert_str_eq(p.date, "Wed, 2 Dec 2026 18:31:41 +0000");
	ck_assert_str_eq(p.subject,
	    "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= \"quoted\"");
	ck_assert_uint_eq(p.from.n, 1);
	ck_assert_str_eq(p.addrs[p.from.first].name, "Ann A.");
	ck_assert_str_eq(p.addrs[p.from.first].mailbox, "ann");
	ck_assert_str_eq(p.addrs[p.from.first].host, "example.org");
	ck_assert_uint_eq(p.to.n, 2);
	ck_assert_ptr_null(p.addrs[p.to.first].name);
	ck_assert_str_eq(p.addrs[p.to.first + 1].name, "Cy");
	ck_assert_str_eq(p.addrs[p.to.first + 1].host, "example.com");
	/* A group: its start, a member, its end (all kept, as given). */
	ck_assert_uint_eq(p.cc.n, 3);
	ck_assert_str_eq(p.addrs[p.cc.first].mailbox, "team");
	ck_assert_ptr_null(p.addrs[p.cc.first].host);
	ck_assert_ptr_null(p.addrs[p.cc.first + 2].mailbox);
	ck_assert_str_eq(p.in_reply_to, "<parent@x>");
	ck_assert_str_eq(p.message_id, "<id@x>");
	ck_assert_str_eq(p.headers, "References: <a@x> <b@x>\r\n\r\n");
	fetchparse_release(&p);
}
END_TEST

/*
 * Other servers' ways: items in another order, MODSEQ, items not asked
 * for (skipped at any depth), literals where strings were expected,
 * doubled spaces, lower case.
 */
START_TEST(test_fetch_others)
{
	static const char in[] =
	    "* 3 fetch (FLAGS () MODSEQ (77) BODYSTRUCTURE ((\"text\" "
	    "\"plain\" NIL NIL NIL \"7bit\" 1 1)(((\"x\")))) uid 9  "
	    "RFC822.SIZE 0 ENVELOPE (NIL {3}\r\na\"b NIL NIL NIL NIL NIL NIL "
	    "NIL NIL) X-GM-LABELS (\"a\" {1}\r\n) ) INTERNALDATE \"bad\")\r\n";
	struct fetchparse p;

	fetchparse_init(&p);
	ck_assert_int_eq(fetchparse_parse(&p, P(in)), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_FETCH);
	ck_assert_uint_eq(p.uid, 9);
	ck_assert_uint_eq(p.modseq, 77);
	ck_assert_uint_eq(p.flags, 0);
	ck_assert_ptr_null(p.keywords);
	ck_assert_ptr_null(p.date);
	ck_assert_str_eq(p.subject, "a\"b");
	ck_assert_uint_eq(p.from.n, 0);
	ck_assert_ptr_null(p.message_id);
	ck_assert_int_eq(p.internaldate.year, 0);
	ck_assert(p.have & FETCHPARSE_HAVE_INTERNALDATE);
	ck_assert(!(p.have & FETCHPARSE_HAVE_HEADERS));
	fetchparse_release(&p);
}
END_TEST

/* The other responses of a FETCH's answer. */
START_TEST(test_kinds)
{
	struct fetchparse p;

	fetchparse_init(&p);
	ck_assert_int_eq(fetchparse_parse(&p, P("* 17 EXISTS\r\n")), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_EXISTS);
	ck_assert_uint_eq(p.number, 17);
	ck_assert_int_eq(fetchparse_parse(&p, P("* 4 Expunge\r\n")), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_EXPUNGE);
	ck_assert_uint_eq(p.number, 4);
	ck_assert_int_eq(fetchparse_parse(&p, P("* 4 RECENT\r\n")), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_UNTAGGED);
	ck_assert_int_eq(fetchparse_parse(&p,
	    P("* OK [HIGHESTMODSEQ 5] x\r\n")), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_UNTAGGED);
	ck_assert_int_eq(fetchparse_parse(&p, P("* BYE shutting down\r\n")),
	    0);
	ck_assert_int_eq(p.kind, FETCHPARSE_BYE);
	ck_assert_str_eq(p.text, "shutting down");
	ck_assert_int_eq(fetchparse_parse(&p, P("+ go on\r\n")), 0);
	ck_assert_int_eq(p.kind, FETCHPARSE_CONTINUE);
	ck_assert_int_eq(fetchparse_parse(&p, P("42 OK Fetch completed.\n")),
	    0);
	ck_assert_int_eq(p.kind, FETCHPARSE_TAGGED);
	ck_assert_str_eq(p.tag, "42");
	ck_assert_int_eq(p.status, FETCHPARSE_OK);
	ck_assert_str_eq(p.text, "Fetch completed.");
	ck_assert_int_eq(fetchparse_parse(&p, P("42 no [LIMIT] no\r\n")), 0);
	ck_assert_int_eq(p.status, FETCHPARSE_NO);
	ck_assert_int_eq(fetchparse_parse(&p, P("42 BAD\r\n")), 0);
	ck_assert_int_eq(p.status, FETCHPARSE_BAD);
	fetchparse_release(&p);
}
END_TEST

/* Responses refused: broken, overflowing, or ending early. */
static const char *const bad[] = {
	"",
	"\r\n",
	"* 1 FETCH (UID 1)",			/* no line end */
	"42 MAYBE\r\n",
	"42\r\n",
	"* 4294967296 EXISTS\r\n",
	"* 1 FETCH (UID 4294967296)\r\n",
	"* 1 FETCH (UID x)\r\n",
	"* 1 FETCH (RFC822.SIZE 99999999999999999999)\r\n",
	"* 1 FETCH (UID 1\r\n",
	"* 1 FETCH (UID 1) trailing\r\n",
	"* 1 FETCH UID 1\r\n",
	"* 1 FETCH (FLAGS (\\Seen (x)))\r\n",	/* a list in FLAGS */
	"* 1 FETCH (FLAGS (a\"b))\r\n",
	"* 1 FETCH (FLAGS (\\Seen)\r\n",
	"* 1 FETCH (MODSEQ 5)\r\n",
	"* 1 FETCH (ENVELOPE (NIL NIL))\r\n",
	"* 1 FETCH (ENVELOPE (\"a\" \"b\" ((\"n\" NIL \"m\")) NIL NIL NIL "
	    "NIL NIL NIL NIL))\r\n",
	"* 1 FETCH (ENVELOPE (\"unterminated))\r\n",
	"* 1 FETCH (ENVELOPE (\"a\\\"))\r\n",
	"* 1 FETCH (ENVELOPE (X NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n",
	"* 1 FETCH (BODY[HEADER.FIELDS (REFERENCES)] {10}\r\nabc)\r\n",
	"* 1 FETCH (BODY[HEADER.FIELDS (REFERENCES)] {x}\r\nabc)\r\n",
	"* 1 FETCH (BODY[HEADER.FIELDS (REFERENCES)] {3}abc)\r\n",
	"* 1 FETCH (BODY[HEADER.FIELDS (REFERENCES)] {18446744073709551616}"
	    "\r\nabc)\r\n",
	"* 1 FETCH (X (((a)))\r\n",		/* unbalanced */
	"* 1 FETCH (X ))\r\n",
	"* 1 FETCH (X \"a\r\n",
	"* 1 FETCH (BODY[HEADER (UID 1)\r\n",
	"*1 EXISTS\r\n",
};

START_TEST(test_bad)
{
	struct fetchparse p;
	char *copy;
	size_t n = strlen(bad[_i]);

	/* An exact copy on the heap: a read past its end is ASan's. */
	copy = xmalloc(n + 1);
	memcpy(copy, bad[_i], n);
	fetchparse_init(&p);
	ck_assert_msg(fetchparse_parse(&p, copy, n) == -1, "row %d accepted",
	    _i);
	fetchparse_release(&p);
	free(copy);
}
END_TEST

/*
 * Every prefix of good responses ending in '\n' is parsed or refused,
 * never read past; framing agrees with the whole.
 */
START_TEST(test_prefixes)
{
	static const char in[] =
	    "* 12 FETCH (UID 4711 FLAGS (\\Seen) INTERNALDATE "
	    "\"02-Dec-2026 18:31:41 -0000\" RFC822.SIZE 2345 ENVELOPE (NIL "
	    "\"s\" ((\"n\" NIL \"m\" \"h\")) NIL NIL NIL NIL NIL NIL \"<i>\") "
	    "BODY[HEADER.FIELDS (REFERENCES)] {4}\r\na\nb\n)\r\n";
	struct fetchparse_frame fr;
	struct fetchparse p;
	size_t n = sizeof in - 1, k;
	char *copy;

	fetchparse_init(&p);
	for (k = 1; k <= n; k++) {
		copy = xmalloc(k);
		memcpy(copy, in, k);
		if (copy[k - 1] == '\n')
			(void)fetchparse_parse(&p, copy, k);
		memset(&fr, 0, sizeof fr);
		ck_assert_uint_eq(fetchparse_frame(&fr, copy, k),
		    k == n ? n : 0);
		free(copy);
	}
	ck_assert_int_eq(fetchparse_parse(&p, in, n), 0);
	ck_assert_int_eq(p.internaldate.zone, 0);
	ck_assert_str_eq(p.headers, "a\nb\n");
	fetchparse_release(&p);
}
END_TEST

/* Nesting of any depth in an item not asked for costs no stack. */
START_TEST(test_deep)
{
	const size_t depth = 1000000;
	struct fetchparse p;
	char *in;
	size_t n = 0;

	in = xmalloc(2 * depth + 64);
	n += (size_t)sprintf(in, "* 1 FETCH (UID 3 X ");
	memset(in + n, '(', depth);
	n += depth;
	memset(in + n, ')', depth);
	n += depth;
	memcpy(in + n, ")\r\n", 3);
	n += 3;
	fetchparse_init(&p);
	ck_assert_int_eq(fetchparse_parse(&p, in, n), 0);
	ck_assert_uint_eq(p.uid, 3);
	/* One parenthesis short: refused. */
	memcpy(in + n - 4, ")\r\n", 3);
	ck_assert_int_eq(fetchparse_parse(&p, in, n - 1), -1);
	fetchparse_release(&p);
	free(in);
}
END_TEST

/* INTERNALDATE: what is a date and what is not. */
static const struct {
	const char *in;
	int day, month, year, hour, min, sec, zone;
} dates[] = {
	{ "\"17-Jul-1996 02:44:25 -0700\"", 17, 7, 1996, 2, 44, 25, -700 },
	{ "\" 1-jan-2000 00:00:00 +0000\"", 1, 1, 2000, 0, 0, 0, 0 },
	{ "\"31-DEC-9999 23:59:60 +1400\"", 31, 12, 9999, 23, 59, 60, 1400 },
	{ "\"1-Feb-2001 1:2:3 +0100\"", 1, 2, 2001, 1, 2, 3, 100 },
	{ "\"17-Jux-1996 02:44:25 -0700\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"17-Jul-1996 02:44:25 0700\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"17-Jul-1996 02:44:25 -07\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"17-Jul-1996 02:44:25 -0700 x\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"17-Jul-1996\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"-1-Jul-1996 02:44:25 -0700\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"17-Ju\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "\"\"", 0, 0, 0, 0, 0, 0, 0 },
	{ "NIL", 0, 0, 0, 0, 0, 0, 0 },
};

START_TEST(test_dates)
{
	struct fetchparse p;
	char *in;

	in = xasprintf("* 1 FETCH (INTERNALDATE %s)\r\n", dates[_i].in);
	fetchparse_init(&p);
	ck_assert_int_eq(fetchparse_parse(&p, in, strlen(in)), 0);
	ck_assert_msg(p.internaldate.day == dates[_i].day &&
	    p.internaldate.month == dates[_i].month &&
	    p.internaldate.year == dates[_i].year &&
	    p.internaldate.hour == dates[_i].hour &&
	    p.internaldate.min == dates[_i].min &&
	    p.internaldate.sec == dates[_i].sec &&
	    p.internaldate.zone == dates[_i].zone, "row %d: %d-%d-%d %d:%d:%d "
	    "%d", _i, p.internaldate.day, p.internaldate.month,
	    p.internaldate.year, p.internaldate.hour, p.internaldate.min,
	    p.internaldate.sec, p.internaldate.zone);
	fetchparse_release(&p);
	free(in);
}
END_TEST

/* Random bytes around the shape of a FETCH: refused or parsed, no more. */
START_TEST(test_random)
{
	static const char alphabet[] = "* 1FETCH(UID)\"\\{}[]NIL\r\n+0 ";
	uint64_t state = 42;
	struct fetchparse p;
	char buf[256];
	int round;
	size_t n, k;

	fetchparse_init(&p);
	for (round = 0; round < 20000; round++) {
		n = 1 + tu_rand(&state) % (sizeof buf - 1);
		memcpy(buf, "* 1 FETCH (", 11);
		for (k = 11; k < n; k++)
			buf[k] = alphabet[tu_rand(&state) %
			    (sizeof alphabet - 1)];
		if (n < 12)
			n = 12;
		buf[n - 1] = '\n';
		(void)fetchparse_parse(&p, buf, n);
	}
	fetchparse_release(&p);
}
END_TEST

static Suite *
fetchparse_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("fetchparse");
	tc = tcase_create("rows");
	tcase_add_loop_test(tc, test_frames, 0,
	    sizeof frames / sizeof frames[0]);
	tcase_add_test(tc, test_frame_resumes);
	tcase_add_test(tc, test_fetch_dovecot);
	tcase_add_test(tc, test_fetch_others);
	tcase_add_test(tc, test_kinds);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_deep);
	tcase_add_loop_test(tc, test_dates, 0,
	    sizeof dates / sizeof dates[0]);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(fetchparse_suite());
}
