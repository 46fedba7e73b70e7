/*
 * Unit tests for src/utf7.c: modified UTF-7 mailbox names both ways, and
 * the strict rejection of every form a correct encoder never produces.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "utf7.h"

/* Names that decode and encode to each other exactly. */
static const struct {
	const char *utf7;
	const char *utf8;
} both_rows[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "&ZeVnLIqe-", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "&-", "&" },
	{ "A&-B&-&-", "A&B&&" },
	{ "Entw&APw-rfe", "Entw\xc3\xbc" "rfe" },
	{ "Gel&APY-schte Elemente", "Gel\xc3\xb6schte Elemente" },
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
	    "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-",
	    "\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5"
	    "\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5" },
	{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
	{ "&AOQ-&-", "\xc3\xa4&" },
	{ "a&AOkA6A-b", "a\xc3\xa9\xc3\xa8" "b" },
	{ "&ANw-n&AO8-c&APY-d&AOk- &2DTdHg- x",
	    "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xf0\x9d\x84\x9e x" },
	{ "&AAE-", "\x01" },
	{ "&IC4-", "\xe2\x80\xae" },
	{ "&AH8-", "\x7f" },
	{ "[Gmail]/All Mail", "[Gmail]/All Mail" },
	{ "a~b/c-d+e,f", "a~b/c-d+e,f" },
};

START_TEST(test_decode_rows)
{
	char *s;

	s = utf7_decode(both_rows[_i].utf7);
	ck_assert_msg(s != NULL, "row %d (%s): rejected", _i,
	    both_rows[_i].utf7);
	ck_assert_msg(strcmp(s, both_rows[_i].utf8) == 0,
	    "row %d (%s): decoded to \"%s\"", _i, both_rows[_i].utf7, s);
	free(s);
}
END_TEST

START_TEST(test_encode_rows)
{
	char *s;

	s = utf7_encode(both_rows[_i].utf8);
	ck_assert_msg(s != NULL, "row %d: rejected", _i);
	ck_assert_msg(strcmp(s, both_rows[_i].utf7) == 0,
	    "row %d: encoded to \"%s\", want \"%s\"", _i, s,
	    both_rows[_i].utf7);
	free(s);
}
END_TEST

/* Modified UTF-7 that must be refused. */
static const struct {
	const char *why;
	const char *utf7;
} bad_decode_rows[] = {
	{ "lone ampersand", "&" },
	{ "ampersand at end", "abc&" },
	{ "run not closed", "&ZeVnLIqe" },
	{ "run not closed, ASCII after", "&ZeVnLIqe.x" },
	{ "bad base64 character", "&Ze!-" },
	{ "slash is not modified base64", "&U/BTFw-" },
	{ "equals padding", "&AOQ=-" },
	{ "ampersand inside a run", "&AO&Q-" },
	{ "space inside a run", "&AO Q-" },
	{ "encoded printable ASCII", "&AGE-" },
	{ "encoded space", "&ACA-" },
	{ "encoded ampersand", "&ACY-" },
	{ "encoded tilde", "&AH4-" },
	{ "encoded NUL", "&AAA-" },
	{ "non-zero padding bits", "&AOR-" },
	{ "extra sextet", "&AOQA-" },
	{ "half a unit", "&AO-" },
	{ "one sextet", "&A-" },
	{ "adjacent runs", "&AOQ-&AOQ-" },
	{ "lone high surrogate", "&2D0-" },
	{ "high surrogate at end of run", "&AOTYPQ-" },
	{ "lone low surrogate", "&3gA-" },
	{ "two high surrogates", "&2D3YPQ-" },
	{ "high then BMP", "&2D0A5A-" },
	{ "pair split across runs", "&2D0-x&3gA-" },
	{ "8-bit byte", "Entw\xc3\xbc" "rfe" },
	{ "raw high byte", "a\x80" },
	{ "control character", "tab\there" },
	{ "DEL", "a\x7f" },
};

START_TEST(test_bad_decode_rows)
{
	char *s;

	s = utf7_decode(bad_decode_rows[_i].utf7);
	ck_assert_msg(s == NULL, "row %d (%s): accepted as \"%s\"", _i,
	    bad_decode_rows[_i].why, s);
}
END_TEST

/* UTF-8 that must be refused by the encoder. */
static const struct {
	const char *why;
	const char *utf8;
} bad_encode_rows[] = {
	{ "Latin-1 byte", "Entw\xfc" "rfe" },
	{ "overlong", "\xc0\xaf" },
	{ "surrogate", "\xed\xa0\x80" },
	{ "truncated", "ab\xe6\x97" },
	{ "lone continuation", "\x80" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80" },
};

START_TEST(test_bad_encode_rows)
{
	char *s;

	s = utf7_encode(bad_encode_rows[_i].utf8);
	ck_assert_msg(s == NULL, "row %d (%s): accepted as \"%s\"", _i,
	    bad_encode_rows[_i].why, s);
}
END_TEST

/* Random code point strings survive encode then decode unchanged. */
START_TEST(test_round_trip_random)
{
	static const unsigned int pool[] = {
		'a', '&', '-', ' ', '~', 0x01, 0x7f, 0xe9, 0x65e5, 0xfffd,
		0x1f600, 0x10ffff, 0xd7ff, 0xe000, 0x202e, 0x10000,
	};
	uint64_t st = 0x75746637ULL;
	char buf[128], *enc, *dec;
	unsigned int cp;
	size_t len;
	int iter, n, k;

	for (iter = 0; iter < 3000; iter++) {
		len = 0;
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		n = (int)(st % 12);
		for (k = 0; k < n; k++) {
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			cp = pool[st % (sizeof pool / sizeof pool[0])];
			if (cp < 0x80)
				buf[len++] = (char)cp;
			else if (cp < 0x800) {
				buf[len++] = (char)(0xc0 | (cp >> 6));
				buf[len++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				buf[len++] = (char)(0xe0 | (cp >> 12));
				buf[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				buf[len++] = (char)(0x80 | (cp & 0x3f));
			} else {
				buf[len++] = (char)(0xf0 | (cp >> 18));
				buf[len++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				buf[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				buf[len++] = (char)(0x80 | (cp & 0x3f));
			}
		}
		buf[len] = '\0';
		enc = utf7_encode(buf);
		ck_assert_msg(enc != NULL, "iteration %d: encode failed", iter);
		dec = utf7_decode(enc);
		ck_assert_msg(dec != NULL, "iteration %d: \"%s\" rejected",
		    iter, enc);
		ck_assert_msg(strcmp(dec, buf) == 0,
		    "iteration %d: round trip changed \"%s\"", iter, enc);
		free(enc);
		free(dec);
	}
}
END_TEST

static Suite *
utf7_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("utf7");
	tc = tcase_create("rows");
	tcase_add_loop_test(tc, test_decode_rows, 0,
	    sizeof both_rows / sizeof both_rows[0]);
	tcase_add_loop_test(tc, test_encode_rows, 0,
	    sizeof both_rows / sizeof both_rows[0]);
	tcase_add_loop_test(tc, test_bad_decode_rows, 0,
	    sizeof bad_decode_rows / sizeof bad_decode_rows[0]);
	tcase_add_loop_test(tc, test_bad_encode_rows, 0,
	    sizeof bad_encode_rows / sizeof bad_encode_rows[0]);
	tcase_add_test(tc, test_round_trip_random);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(utf7_suite());
}
