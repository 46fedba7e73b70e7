/*
 * Unit tests for src/pop3parse.c: STAT, the lines of LIST and UIDL with
 * every number a hostile server was seen to send (0, gaps, repeats, 2^31,
 * 2^32, 2^64, a megabyte of digits), UIDLs, and multi-line block ends.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3parse.h"
#include "testutil.h"

START_TEST(test_status)
{
	ck_assert_int_eq(pop3parse_status("+OK"), 1);
	ck_assert_int_eq(pop3parse_status("+OK 3 messages"), 1);
	ck_assert_int_eq(pop3parse_status("-ERR no"), 0);
	ck_assert_int_eq(pop3parse_status(""), -1);
	ck_assert_int_eq(pop3parse_status("* OK"), -1);
	ck_assert_int_eq(pop3parse_status("+O"), -1);
}
END_TEST

static const struct {
	const char *line;
	int ok;
	uint32_t count;
} stat_rows[] = {
	{ "+OK 0 0", 0, 0 },
	{ "+OK 3 300", 0, 3 },
	{ "+OK  12\t4096 extra words", 0, 12 },
	{ "+OK 10000000 1", 0, 10000000 },
	{ "+OK 10000001 1", -1, 0 },
	{ "+OK 4294967296 1", -1, 0 },
	{ "+OK 18446744073709551616 1", -1, 0 },
	{ "+OK -1 0", -1, 0 },
	{ "+OK 3", -1, 0 },
	{ "+OK", -1, 0 },
	{ "+OKAY 3 3", -1, 0 },
	{ "-ERR 3 300", -1, 0 },
	{ "+OK x 300", -1, 0 },
};

START_TEST(test_stat_rows)
{
	uint32_t count = 99;
	int r = pop3parse_stat(stat_rows[_i].line, &count);

	ck_assert_msg(r == stat_rows[_i].ok, "row %d (%s): %d", _i,
	    stat_rows[_i].line, r);
	ck_assert_msg(count == stat_rows[_i].count, "row %d: count %u", _i,
	    count);
}
END_TEST

/* LIST lines against a STAT of 3. */
static const struct {
	const char *line;
	int ok;
	int index;		/* 0-based slot, when ok */
	int64_t size;
} list_rows[] = {
	{ "1 100", 0, 0, 100 },
	{ "3 300", 0, 2, 300 },
	{ "2 0", 0, 1, 0 },
	{ "3 300 extra", 0, 2, 300 },
	{ "0 100", -1, 0, 0 },		/* libetpan: a write far out of bounds */
	{ "4 100", -1, 0, 0 },		/* above STAT */
	{ "9 100", -1, 0, 0 },		/* a digit above STAT */
	{ "4294967296 100", -1, 0, 0 },	/* wraps to 0 in 32 bits */
	{ "2147483648 100", -1, 0, 0 },	/* libetpan: spins for ever */
	{ "18446744073709551617 1", -1, 0, 0 },
	{ "-1 100", -1, 0, 0 },
	{ "1 -5", -1, 0, 0 },
	{ "1 1099511627777", -1, 0, 0 },	/* above 1 TB */
	{ "1 1099511627776", 0, 0, (int64_t)1 << 40 },
	{ "1", -1, 0, 0 },
	{ "1 ", -1, 0, 0 },
	{ "", -1, 0, 0 },
	{ "x 1", -1, 0, 0 },
	{ "1x 1", -1, 0, 0 },
	{ " 1 100", 0, 0, 100 },
};

START_TEST(test_list_rows)
{
	struct pop3parse_listing l;
	int r, i;

	pop3parse_listing_init(&l, 3);
	r = pop3parse_list_line(&l, list_rows[_i].line);
	ck_assert_msg(r == list_rows[_i].ok, "row %d (%s): %d", _i,
	    list_rows[_i].line, r);
	for (i = 0; i < 3; i++) {
		int64_t want = r == 0 && i == list_rows[_i].index ?
		    list_rows[_i].size : -1;

		ck_assert_msg(l.size[i] == want, "row %d: slot %d = %lld", _i,
		    i, (long long)l.size[i]);
	}
	ck_assert_uint_eq(l.ignored, r == 0 ? 0 : 1);
	pop3parse_listing_release(&l);
}
END_TEST

/* A gap, a repeat and a stray number: the listing keeps what is sound. */
START_TEST(test_list_gap_and_repeat)
{
	struct pop3parse_listing l;

	pop3parse_listing_init(&l, 3);
	ck_assert_int_eq(pop3parse_list_line(&l, "1 100"), 0);
	ck_assert_int_eq(pop3parse_list_line(&l, "3 100"), 0);
	ck_assert_int_eq(pop3parse_list_line(&l, "3 999"), -1);
	ck_assert_int_eq(pop3parse_uidl_line(&l, "2 lost"), 0);
	ck_assert_int_eq(pop3parse_uidl_line(&l, "1 a"), 0);
	ck_assert_int_eq(pop3parse_uidl_line(&l, "1 b"), -1);
	ck_assert_int_eq(pop3parse_uidl_line(&l, "0 zero"), -1);
	ck_assert_int_eq(pop3parse_uidl_line(&l, "4294967296 wrap"), -1);
	ck_assert(l.size[0] == 100 && l.size[1] == -1 && l.size[2] == 100);
	ck_assert_str_eq(l.uidl[0], "a");
	ck_assert_str_eq(l.uidl[1], "lost");
	ck_assert_ptr_null(l.uidl[2]);
	ck_assert_uint_eq(l.ignored, 4);
	pop3parse_listing_release(&l);
}
END_TEST

/* A megabyte of digits is refused at once, not read as a number. */
START_TEST(test_list_huge_number)
{
	struct pop3parse_listing l;
	size_t n = 1024 * 1024;
	char *line = malloc(n + 5);

	memset(line, '9', n);
	memcpy(line + n, " 100", 5);
	pop3parse_listing_init(&l, 3);
	ck_assert_int_eq(pop3parse_list_line(&l, line), -1);
	ck_assert_int_eq(pop3parse_uidl_line(&l, line), -1);
	line[0] = '1';
	line[1] = ' ';
	ck_assert_int_eq(pop3parse_list_line(&l, line), -1);	/* size */
	pop3parse_listing_release(&l);
	free(line);
}
END_TEST

static const struct {
	const char *line;
	int ok;
	const char *uidl;
} uidl_rows[] = {
	{ "1 00000001abcdef", 0, "00000001abcdef" },
	{ "1 a ", 0, "a" },
	{ "1 a b", -1, NULL },
	{ "1 ", -1, NULL },
	{ "1", -1, NULL },
	{ "1 \x1b[2J", -1, NULL },
	{ "1 a\x7f", -1, NULL },
	{ "1 bad\xff\xfeutf8", 0, "bad\xff\xfeutf8" },
	{ "2 x", 0, "x" },
	{ "3 x", -1, NULL },
};

START_TEST(test_uidl_rows)
{
	struct pop3parse_listing l;
	int r;

	pop3parse_listing_init(&l, 2);
	r = pop3parse_uidl_line(&l, uidl_rows[_i].line);
	ck_assert_msg(r == uidl_rows[_i].ok, "row %d (%s): %d", _i,
	    uidl_rows[_i].line, r);
	if (r == 0) {
		int slot = uidl_rows[_i].line[0] - '1';

		ck_assert_str_eq(l.uidl[slot], uidl_rows[_i].uidl);
	}
	pop3parse_listing_release(&l);
}
END_TEST

START_TEST(test_uidl_length)
{
	struct pop3parse_listing l;
	char line[POP3PARSE_MAX_UIDL + 8];

	pop3parse_listing_init(&l, 1);
	memset(line, 'u', sizeof line);
	line[0] = '1';
	line[1] = ' ';
	line[2 + POP3PARSE_MAX_UIDL] = '\0';
	ck_assert_int_eq(pop3parse_uidl_line(&l, line), 0);
	pop3parse_listing_release(&l);
	pop3parse_listing_init(&l, 1);
	line[2 + POP3PARSE_MAX_UIDL] = 'u';
	line[3 + POP3PARSE_MAX_UIDL] = '\0';
	ck_assert_int_eq(pop3parse_uidl_line(&l, line), -1);
	pop3parse_listing_release(&l);
}
END_TEST

START_TEST(test_block_lines)
{
	size_t skip = 9;

	ck_assert_int_eq(pop3parse_block_line(".", 1, &skip), 1);
	ck_assert_int_eq(pop3parse_block_line("..", 2, &skip), 0);
	ck_assert_uint_eq(skip, 1);
	ck_assert_int_eq(pop3parse_block_line(".x", 2, &skip), 0);
	ck_assert_uint_eq(skip, 1);
	ck_assert_int_eq(pop3parse_block_line("", 0, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	ck_assert_int_eq(pop3parse_block_line("a.", 2, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	ck_assert_int_eq(pop3parse_block_line(". ", 2, &skip), 0);
}
END_TEST

/* STAT's bound holds the listing's memory to its count. */
START_TEST(test_listing_bound)
{
	struct pop3parse_listing l;

	pop3parse_listing_init(&l, 0);
	ck_assert_int_eq(pop3parse_list_line(&l, "1 1"), -1);
	pop3parse_listing_release(&l);
	pop3parse_listing_init(&l, UINT32_MAX);
	ck_assert_uint_eq(l.count, POP3PARSE_MAX_MSGS);
	pop3parse_listing_release(&l);
}
END_TEST

static Suite *
pop3parse_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("pop3parse");
	tc = tcase_create("rows");
	tcase_add_test(tc, test_status);
	tcase_add_loop_test(tc, test_stat_rows, 0,
	    sizeof stat_rows / sizeof stat_rows[0]);
	tcase_add_loop_test(tc, test_list_rows, 0,
	    sizeof list_rows / sizeof list_rows[0]);
	tcase_add_test(tc, test_list_gap_and_repeat);
	tcase_add_test(tc, test_list_huge_number);
	tcase_add_loop_test(tc, test_uidl_rows, 0,
	    sizeof uidl_rows / sizeof uidl_rows[0]);
	tcase_add_test(tc, test_uidl_length);
	tcase_add_test(tc, test_block_lines);
	tcase_add_test(tc, test_listing_bound);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(pop3parse_suite());
}
