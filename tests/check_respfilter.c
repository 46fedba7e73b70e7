/*
 * Unit tests for src/respfilter.c: which untagged IMAP responses pass and
 * which are taken out, literals followed across lines, and the same output
 * whatever the sizes of the pieces the input arrives in.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "respfilter.h"
#include "strbuf.h"
#include "testutil.h"

/* Server input and what the parser must see. */
static const struct {
	const char *in;
	const char *out;
	unsigned dropped;
} rows[] = {
	{ "* OK [CAPABILITY IMAP4rev1] ready\r\n",
	    "* OK [CAPABILITY IMAP4rev1] ready\r\n", 0 },
	{ "* 3 EXPUNGE\r\n* 3 EXPUNGED\r\na1 OK done\r\n",
	    "* 3 EXPUNGE\r\na1 OK done\r\n", 1 },
	{ "* 453 EXPUNGED\r\n", "", 1 },
	{ "* 12 FETCH (UID 40 FLAGS (\\Seen))\r\n",
	    "* 12 FETCH (UID 40 FLAGS (\\Seen))\r\n", 0 },
	{ "* 12 fetch (UID 40)\r\n", "* 12 fetch (UID 40)\r\n", 0 },
	{ "* 2 EXISTS\r\n* 0 RECENT\r\n", "* 2 EXISTS\r\n* 0 RECENT\r\n", 0 },
	/* Unknown words, with and without a number. */
	{ "* XUNKNOWN some data\r\n* OK still here\r\n",
	    "* OK still here\r\n", 1 },
	{ "* OKAY\r\n", "", 1 },
	{ "* 5 XSTUFF (A B)\r\n", "", 1 },
	/* A literal inside a dropped response goes with it, CRLF and all. */
	{ "* XDATA {11}\r\n* 1 FETCH\r\n more\r\n* 1 EXISTS\r\n",
	    "* 1 EXISTS\r\n", 1 },
	/* ...and inside a kept one, a literal that looks like a response. */
	{ "* 1 FETCH (BODY[] {14}\r\n* 3 EXPUNGED\r\n)\r\n",
	    "* 1 FETCH (BODY[] {14}\r\n* 3 EXPUNGED\r\n)\r\n", 0 },
	{ "* 1 FETCH (BODY[] {0}\r\n)\r\n", "* 1 FETCH (BODY[] {0}\r\n)\r\n",
	    0 },
	{ "* XDATA {3+}\r\nabc\r\n* BYE\r\n", "* BYE\r\n", 1 },
	/* Two literals in one dropped response. */
	{ "* XDATA {2}\r\nab {3}\r\ncde end\r\na2 OK\r\n", "a2 OK\r\n", 1 },
	/* Tagged lines, continuations and odd lines always pass. */
	{ "+ idling\r\na3 OK IDLE done\r\n", "+ idling\r\na3 OK IDLE done\r\n",
	    0 },
	{ "*garbage\r\n", "*garbage\r\n", 0 },
	{ "*  OK\r\n", "*  OK\r\n", 0 },
	{ "* 7\r\n", "* 7\r\n", 0 },
	/* A first word longer than any known one is dropped. */
	{ "* AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAA\r\n* OK\r\n", "* OK\r\n", 1 },
	/* Extensions libetpan knows. */
	{ "* VANISHED (EARLIER) 3:5\r\n* ENABLED QRESYNC\r\n"
	    "* ID (\"name\" \"x\")\r\n* NAMESPACE NIL NIL NIL\r\n",
	    "* VANISHED (EARLIER) 3:5\r\n* ENABLED QRESYNC\r\n"
	    "* ID (\"name\" \"x\")\r\n* NAMESPACE NIL NIL NIL\r\n", 0 },
	{ "* STATUS \"a b\" (MESSAGES 1)\r\n* LIST (\\HasNoChildren) \"/\" "
	    "{3}\r\na b\r\n", "* STATUS \"a b\" (MESSAGES 1)\r\n* LIST "
	    "(\\HasNoChildren) \"/\" {3}\r\na b\r\n", 0 },
	/* A flag list never nests (libetpan's parser crashed on one). */
	{ "* FLAGS (\\Seen ((((x)))) \\Deleted)\r\n* 3 EXISTS\r\n",
	    "* 3 EXISTS\r\n", 1 },
	{ "* FLAGS (\\Seen \\Deleted)\r\n", "* FLAGS (\\Seen \\Deleted)\r\n",
	    0 },
	{ "* OK [PERMANENTFLAGS (\\Seen ((\\*)))] Limited\r\n", "", 1 },
	{ "* OK [PERMANENTFLAGS (\\Seen \\*)] Limited (really)\r\n",
	    "* OK [PERMANENTFLAGS (\\Seen \\*)] Limited (really)\r\n", 0 },
	{ "* OK text ((with)) parens\r\n", "* OK text ((with)) parens\r\n",
	    0 },
	/*
	 * A first "flag" that is none: a NULL list freed in libetpan's
	 * parser (protofuzz seed 42747: ESC [2J inserted after the "\").
	 */
	{ "* OK [PERMANENTFLAGS (\\\x1b[2JAnswered \\Seen \\*)] Flags.\r\n"
	    "* 3 EXISTS\r\n", "* 3 EXISTS\r\n", 1 },
	{ "* OK [PERMANENTFLAGS (\\)] x\r\n", "", 1 },
	{ "* OK [PERMANENTFLAGS (\\ \\Seen)] x\r\n", "", 1 },
	{ "* OK [PERMANENTFLAGS (%)] x\r\n", "", 1 },
	{ "* OK [PERMANENTFLAGS (*)] x\r\n", "", 1 },
	{ "* OK [PERMANENTFLAGS (\\*x)] x\r\n", "", 1 },
	{ "* NO [PERMANENTFLAGS (\\\x01)] x\r\n", "", 1 },
	{ "* FLAGS (\\)\r\n* FLAGS (\\Seen\\Deleted)\r\n", "", 2 },
	/* Flags as servers send them pass. */
	{ "* OK [PERMANENTFLAGS ()] None.\r\n",
	    "* OK [PERMANENTFLAGS ()] None.\r\n", 0 },
	{ "* OK [PERMANENTFLAGS (\\Answered $Forwarded Junk NonJunk "
	    "$MDNSent \\*)] Flags permitted.\r\n",
	    "* OK [PERMANENTFLAGS (\\Answered $Forwarded Junk NonJunk "
	    "$MDNSent \\*)] Flags permitted.\r\n", 0 },
	{ "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
	    "$Label1 caf\xc3\xa9)\r\n",
	    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
	    "$Label1 caf\xc3\xa9)\r\n", 0 },
	{ "* OK [BADCHARSET (UTF-8 US-ASCII)] x\r\n",
	    "* OK [BADCHARSET (UTF-8 US-ASCII)] x\r\n", 0 },
	/*
	 * A tagged answer (or a "+") with such a code cannot go: the code
	 * is taken out, the answer stays.
	 */
	{ "8 OK [PERMANENTFLAGS (\\)] Select completed.\r\n",
	    "8 OK Select completed.\r\n", 1 },
	{ "+ [PERMANENTFLAGS (%)] go on\r\n", "+ go on\r\n", 1 },
	{ "a1 NO [PERMANENTFLAGS (\\Seen ((x)))]\r\n", "a1 NO \r\n", 1 },
	{ "8 OK [READ-WRITE] Select completed.\r\n+ idling\r\n"
	    "a2 OK [PERMANENTFLAGS (\\Seen \\*)] done\r\n",
	    "8 OK [READ-WRITE] Select completed.\r\n+ idling\r\n"
	    "a2 OK [PERMANENTFLAGS (\\Seen \\*)] done\r\n", 0 },
	{ "a3 OK {5}\r\nhello\r\n* 1 EXISTS\r\n",
	    "a3 OK {5}\r\nhello\r\n* 1 EXISTS\r\n", 0 },
	{ "* OK [ALERT] {5}\r\nhello\r\n* BYE\r\n",
	    "* OK [ALERT] {5}\r\nhello\r\n* BYE\r\n", 0 },
	/* Bare LF ends a line too. */
	{ "* XA\n* OK\n", "* OK\n", 1 },
};

/* Run row I with the input cut into pieces of STEP bytes. */
static void
run_row(int i, size_t step, struct strbuf *out, uint64_t *dropped_r)
{
	struct respfilter *f = respfilter_new(NULL, NULL);
	const char *in = rows[i].in;
	size_t n = strlen(in), at, k;

	for (at = 0; at < n; at += k) {
		k = n - at < step ? n - at : step;
		respfilter_feed(f, in + at, k, out);
	}
	*dropped_r = respfilter_dropped(f);
	respfilter_free(f);
}

START_TEST(test_rows)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 100000 };
	size_t s;

	for (s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		struct strbuf out = STRBUF_INIT;
		uint64_t dropped;

		run_row(_i, steps[s], &out, &dropped);
		ck_assert_msg(out.len == strlen(rows[_i].out) &&
		    memcmp(out.buf, rows[_i].out, out.len) == 0,
		    "row %d, pieces of %zu: got \"%s\"", _i, steps[s], out.buf);
		ck_assert_msg(dropped == rows[_i].dropped,
		    "row %d, pieces of %zu: %llu dropped", _i, steps[s],
		    (unsigned long long)dropped);
		strbuf_release(&out);
	}
}
END_TEST

static int notes;
static char last_note[64];

static void
note(const char *what, void *arg)
{
	(void)arg;
	notes++;
	strncpy(last_note, what, sizeof last_note - 1);
}

/* Each kind is told once; a flood of them costs nothing more. */
START_TEST(test_note_once)
{
	struct respfilter *f = respfilter_new(note, NULL);
	struct strbuf out = STRBUF_INIT;
	int i;

	notes = 0;
	for (i = 0; i < 1000; i++)
		respfilter_feed(f, "* 9 EXPUNGED\r\n", 14, &out);
	respfilter_feed(f, "* \x1b[2JX\r\n", 9, &out);
	ck_assert_int_eq(notes, 2);
	ck_assert_str_eq(last_note, "* ?[");
	ck_assert_uint_eq(respfilter_dropped(f), 1001);
	ck_assert_uint_eq(out.len, 0);
	strbuf_release(&out);
	respfilter_free(f);
}
END_TEST

/* A FLAGS line longer than RF_HOLD_MAX is dropped whole, to its end. */
START_TEST(test_hold_overflow)
{
	struct respfilter *f = respfilter_new(NULL, NULL);
	struct strbuf out = STRBUF_INIT;
	size_t i;

	respfilter_feed(f, "* FLAGS (", 9, &out);
	for (i = 0; i < 20000; i++)
		respfilter_feed(f, "(", 1, &out);
	for (i = 0; i < 20000; i++)
		respfilter_feed(f, ")", 1, &out);
	respfilter_feed(f, ")\r\n* 2 EXISTS\r\n", 16, &out);
	ck_assert_str_eq(out.buf, "* 2 EXISTS\r\n");
	ck_assert_uint_eq(respfilter_dropped(f), 1);
	strbuf_release(&out);
	respfilter_free(f);
}
END_TEST

/* A literal announced as huge does not overflow the count. */
START_TEST(test_huge_literal)
{
	struct respfilter *f = respfilter_new(NULL, NULL);
	struct strbuf out = STRBUF_INIT;
	const char *in = "* XA {99999999999999999999999999}\r\nabc";

	respfilter_feed(f, in, strlen(in), &out);
	ck_assert_uint_eq(out.len, 0);
	respfilter_feed(f, "* OK\r\n", 6, &out);
	ck_assert_uint_eq(out.len, 0);	/* still inside the literal */
	strbuf_release(&out);
	respfilter_free(f);
}
END_TEST

START_TEST(test_known)
{
	ck_assert(respfilter_known("FETCH", 5, 1));
	ck_assert(respfilter_known("fetch", 5, 1));
	ck_assert(!respfilter_known("FETCH", 5, 0));
	ck_assert(!respfilter_known("EXPUNGED", 8, 1));
	ck_assert(!respfilter_known("EXPUNG", 6, 1));
	ck_assert(respfilter_known("CAPABILITY", 10, 0));
}
END_TEST

static Suite *
respfilter_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("respfilter");
	tc = tcase_create("rows");
	tcase_add_loop_test(tc, test_rows, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, test_note_once);
	tcase_add_test(tc, test_huge_literal);
	tcase_add_test(tc, test_hold_overflow);
	tcase_add_test(tc, test_known);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(respfilter_suite());
}
