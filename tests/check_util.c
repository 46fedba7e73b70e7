/*
 * Unit tests for src/util.c: the monotonic clock, hex digits, the day
 * numbers of calendar dates (checked against gmtime_r() over a range of
 * days as well as fixed rows), writing a whole buffer, and freeing
 * string vectors.
 */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* A pipe takes what it can; a second read gets the rest. */
START_TEST(test_write_all)
{
	enum { N = 200000 };
	char *out = xmalloc(N), *in = xcalloc(1, N);
	size_t got = 0, i;
	ssize_t r;
	int fds[2], status;
	pid_t pid;

	for (i = 0; i < N; i++)
		out[i] = (char)(i * 7);
	ck_assert_int_eq(pipe(fds), 0);
	/* More than a pipe holds: the writer waits for the reader. */
	if ((pid = fork()) == 0) {
		close(fds[0]);
		_exit(util_write_all(fds[1], out, N) == 0 ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	close(fds[1]);
	while ((r = read(fds[0], in + got, N - got)) > 0)
		got += (size_t)r;
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(got, N);
	ck_assert(memcmp(in, out, N) == 0);
	free(in);
	free(out);

	/* A full disk is an error, with errno. */
	if ((fds[0] = open("/dev/full", O_WRONLY)) >= 0) {
		errno = 0;
		ck_assert_int_eq(util_write_all(fds[0], "x", 1), -1);
		ck_assert_int_eq(errno, ENOSPC);
		close(fds[0]);
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
	tcase_add_test(tc, test_write_all);
	tcase_add_test(tc, test_strv_free);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(util_suite());
}
