/*
 * Unit tests for src/util.c: the monotonic clock, hex digits, the day
 * numbers of calendar dates (checked against timegm() over a range of
 * days as well as fixed rows), and freeing string vectors.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "util.h"
#include "xmalloc.h"

START_TEST(test_now_ms)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int64_t a, b;

	a = util_now_ms();
	ck_assert(a >= 0);
	nanosleep(&pause, NULL);
	b = util_now_ms();
	ck_assert_msg(b - a >= 19 && b - a < 10000, "20 ms took %lld ms",
	    (long long)(b - a));
}
END_TEST

START_TEST(test_hex_digit)
{
	static const char digits[] = "0123456789abcdef";
	int c;

	for (c = 0; c < 256; c++) {
		const char *p = c != 0 ? strchr(digits, c >= 'A' && c <= 'F' ?
		    c - 'A' + 'a' : c) : NULL;
		int want = p != NULL ? (int)(p - digits) : -1;

		ck_assert_msg(util_hex_digit(c) == want, "0x%02x: %d, want %d",
		    c, util_hex_digit(c), want);
	}
	ck_assert_int_eq(util_hex_digit(-1), -1);
}
END_TEST

static const struct {
	int y, m, d;
	int64_t days;
} civil_rows[] = {
	{ 1970, 1, 1, 0 },
	{ 1970, 1, 2, 1 },
	{ 1969, 12, 31, -1 },
	{ 1972, 2, 29, 789 },
	{ 1972, 3, 1, 790 },
	{ 2000, 2, 29, 11016 },
	{ 2000, 3, 1, 11017 },
	{ 2024, 6, 15, 19889 },
	{ 1900, 3, 1, -25508 },
	{ 1600, 2, 29, -135081 },
	{ 1, 1, 1, -719162 },
	{ 9999, 12, 31, 2932896 },
	{ 0, 3, 1, -719468 },
	{ -1, 12, 31, -719529 },
};

START_TEST(test_civil_rows)
{
	int64_t got = util_days_from_civil(civil_rows[_i].y, civil_rows[_i].m,
	    civil_rows[_i].d);

	ck_assert_msg(got == civil_rows[_i].days, "row %d (%d-%02d-%02d): "
	    "%lld, want %lld", _i, civil_rows[_i].y, civil_rows[_i].m,
	    civil_rows[_i].d, (long long)got, (long long)civil_rows[_i].days);
}
END_TEST

/* Every day from 1901 to 2099 against gmtime_r(). */
START_TEST(test_civil_gmtime)
{
	int64_t day;

	for (day = -25202; day <= 47481; day++) {
		time_t t = (time_t)(day * 86400);
		struct tm tm;

		ck_assert(gmtime_r(&t, &tm) != NULL);
		ck_assert_msg(util_days_from_civil(tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday) == day, "day %lld (%d-%02d-%02d)",
		    (long long)day, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	}
}
END_TEST

START_TEST(test_strv_free)
{
	char **v = xcalloc(3, sizeof *v);

	util_strv_free(NULL, 0);
	v[0] = xstrdup("one");
	v[1] = xstrdup("two");
	v[2] = NULL;
	/* The leak checker of the sanitizer build sees what is not freed. */
	util_strv_free(v, 3);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_now_ms);
	tcase_add_test(tc, test_hex_digit);
	tcase_add_loop_test(tc, test_civil_rows, 0,
	    sizeof civil_rows / sizeof civil_rows[0]);
	tcase_add_test(tc, test_civil_gmtime);
	tcase_add_test(tc, test_strv_free);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(util_suite());
}
