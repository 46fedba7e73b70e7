/*
 * Unit tests for src/smtpparse.c: reply lines good and hostile (codes
 * that change, lines without a code, NUL bytes, lines and replies over
 * the bounds), enhanced status codes, the EHLO keywords, and the
 * address and mailbox checks.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "smtpparse.h"
#include "testutil.h"

/* A reply as lines joined by '\n' (the CRLF already taken off). */
static const struct {
	const char *lines;
	int status;		/* of the last line fed */
	int code;
	const char *text;
	const char *enhanced;
} reply_rows[] = {
	{ "220 mx.example.org ESMTP", SMTPPARSE_DONE, 220,
	    "mx.example.org ESMTP", "" },
	{ "250", SMTPPARSE_DONE, 250, "", "" },
	{ "250 ", SMTPPARSE_DONE, 250, "", "" },
	{ "250-a\n250-b\n250 c", SMTPPARSE_DONE, 250, "a\nb\nc", "" },
	{ "250-a\n250-b", SMTPPARSE_MORE, 250, "a\nb", "" },
	{ "550 5.1.1 <x@y>: user unknown", SMTPPARSE_DONE, 550,
	    "5.1.1 <x@y>: user unknown", "5.1.1" },
	{ "452 4.5.3 too many recipients", SMTPPARSE_DONE, 452,
	    "4.5.3 too many recipients", "4.5.3" },
	/* The class must be the code's first digit. */
	{ "550 4.1.1 odd", SMTPPARSE_DONE, 550, "4.1.1 odd", "" },
	{ "250 2.0.0", SMTPPARSE_DONE, 250, "2.0.0", "2.0.0" },
	{ "250 2.0.0Ok", SMTPPARSE_DONE, 250, "2.0.0Ok", "" },
	{ "250 2.1234.0 x", SMTPPARSE_DONE, 250, "2.1234.0 x", "" },
	{ "250 2..0 x", SMTPPARSE_DONE, 250, "2..0 x", "" },
	{ "250 2.123.456 x", SMTPPARSE_DONE, 250, "2.123.456 x",
	    "2.123.456" },
	{ "334 VXNlcm5hbWU6", SMTPPARSE_DONE, 334, "VXNlcm5hbWU6", "" },
	{ "354 go ahead", SMTPPARSE_DONE, 354, "go ahead", "" },
	/* Hostile. */
	{ "250-a\n251 b", SMTPPARSE_BAD, 250, "a", "" },
	{ "25", SMTPPARSE_BAD, 0, "", "" },
	{ "", SMTPPARSE_BAD, 0, "", "" },
	{ "abc", SMTPPARSE_BAD, 0, "", "" },
	{ "199 x", SMTPPARSE_BAD, 0, "", "" },
	{ "600 x", SMTPPARSE_BAD, 0, "", "" },
	{ "260 x", SMTPPARSE_BAD, 0, "", "" },
	{ "25x x", SMTPPARSE_BAD, 0, "", "" },
	{ "250x", SMTPPARSE_BAD, 0, "", "" },
	{ "250_x", SMTPPARSE_BAD, 0, "", "" },
	{ "* OK IMAP", SMTPPARSE_BAD, 0, "", "" },
	{ "+OK POP3", SMTPPARSE_BAD, 0, "", "" },
	{ "250 a\n250 b", SMTPPARSE_BAD, 250, "a", "" },
	{ " 250 x", SMTPPARSE_BAD, 0, "", "" },
};

static enum smtpparse_status
feed(struct smtpparse_reply *r, const char *lines)
{
	enum smtpparse_status st = SMTPPARSE_BAD;
	const char *p = lines, *nl;

	do {
		nl = strchr(p, '\n');
		st = smtpparse_reply_line(r, p, nl != NULL ? (size_t)(nl - p) :
		    strlen(p));
		if (st == SMTPPARSE_BAD)
			return st;
		p = nl + 1;
	} while (nl != NULL);
	return st;
}

START_TEST(test_reply_rows)
{
	struct smtpparse_reply r;
	int st;

	smtpparse_reply_init(&r);
	st = feed(&r, reply_rows[_i].lines);
	ck_assert_msg(st == reply_rows[_i].status, "row %d (%s): status %d",
	    _i, tu_show(reply_rows[_i].lines, strlen(reply_rows[_i].lines)),
	    st);
	ck_assert_msg(r.code == reply_rows[_i].code, "row %d: code %d", _i,
	    r.code);
	ck_assert_msg(strcmp(r.text.buf, reply_rows[_i].text) == 0,
	    "row %d: text \"%s\"", _i, tu_show(r.text.buf, r.text.len));
	ck_assert_msg(strcmp(r.enhanced, reply_rows[_i].enhanced) == 0,
	    "row %d: enhanced \"%s\"", _i, r.enhanced);
	if (st != SMTPPARSE_BAD)
		ck_assert_int_eq(r.done, st == SMTPPARSE_DONE);
	smtpparse_reply_release(&r);
}
END_TEST

/* A NUL byte inside a line; a line after the last; reset and reuse. */
START_TEST(test_reply_nul_and_after)
{
	struct smtpparse_reply r;

	smtpparse_reply_init(&r);
	ck_assert_int_eq(smtpparse_reply_line(&r, "250 a\0b", 7),
	    SMTPPARSE_BAD);
	smtpparse_reply_reset(&r);
	ck_assert_int_eq(smtpparse_reply_line(&r, "250 ok", 6),
	    SMTPPARSE_DONE);
	ck_assert_int_eq(smtpparse_reply_line(&r, "250 again", 9),
	    SMTPPARSE_BAD);
	smtpparse_reply_reset(&r);
	ck_assert_int_eq(r.code, 0);
	ck_assert_uint_eq(r.text.len, 0);
	ck_assert_int_eq(smtpparse_reply_line(&r, "421 bye", 7),
	    SMTPPARSE_DONE);
	ck_assert_int_eq(r.code, 421);
	smtpparse_reply_release(&r);
}
END_TEST

/* A line at the bound is taken, one byte more is not. */
START_TEST(test_reply_line_limit)
{
	struct smtpparse_reply r;
	char *line = malloc(SMTPPARSE_LINE_MAX + 2);

	memset(line, 'x', SMTPPARSE_LINE_MAX + 1);
	memcpy(line, "250 ", 4);
	smtpparse_reply_init(&r);
	ck_assert_int_eq(smtpparse_reply_line(&r, line, SMTPPARSE_LINE_MAX),
	    SMTPPARSE_DONE);
	smtpparse_reply_reset(&r);
	ck_assert_int_eq(smtpparse_reply_line(&r, line,
	    SMTPPARSE_LINE_MAX + 1), SMTPPARSE_BAD);
	smtpparse_reply_release(&r);
	free(line);
}
END_TEST

/* Endless "250-" lines: refused at the bound, never stored beyond it. */
START_TEST(test_reply_endless)
{
	struct smtpparse_reply r;
	unsigned int i;

	smtpparse_reply_init(&r);
	for (i = 0; i < SMTPPARSE_LINES_MAX; i++)
		ck_assert_int_eq(smtpparse_reply_line(&r, "250-more", 8),
		    SMTPPARSE_MORE);
	ck_assert_int_eq(smtpparse_reply_line(&r, "250-more", 8),
	    SMTPPARSE_BAD);
	ck_assert_int_eq(smtpparse_reply_line(&r, "250 end", 7),
	    SMTPPARSE_BAD);
	ck_assert_uint_eq(r.nlines, SMTPPARSE_LINES_MAX);
	smtpparse_reply_release(&r);
}
END_TEST

static const struct {
	const char *lines;
	int ok;
	unsigned int ext;
	unsigned int auth;
	unsigned long long size;
} ehlo_rows[] = {
	{ "250-mx.example.org Hello\n250-PIPELINING\n250-SIZE 35882577\n"
	    "250-8BITMIME\n250-STARTTLS\n250-ENHANCEDSTATUSCODES\n"
	    "250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\n250 SMTPUTF8", 0,
	    SMTPPARSE_EXT_PIPELINING | SMTPPARSE_EXT_SIZE |
	    SMTPPARSE_EXT_8BITMIME | SMTPPARSE_EXT_STARTTLS |
	    SMTPPARSE_EXT_ENHANCEDSTATUSCODES | SMTPPARSE_EXT_AUTH |
	    SMTPPARSE_EXT_SMTPUTF8, SMTPPARSE_AUTH_PLAIN |
	    SMTPPARSE_AUTH_LOGIN | SMTPPARSE_AUTH_XOAUTH2 |
	    SMTPPARSE_AUTH_OAUTHBEARER, 35882577 },
	/* The greeting line is not a keyword. */
	{ "250 8BITMIME", 0, 0, 0, 0 },
	{ "250-x\n250 size 1000", 0, SMTPPARSE_EXT_SIZE, 0, 1000 },
	{ "250-x\n250 SIZE", 0, SMTPPARSE_EXT_SIZE, 0, 0 },
	{ "250-x\n250 SIZE 0", 0, SMTPPARSE_EXT_SIZE, 0, 0 },
	{ "250-x\n250 SIZE 12x", 0, SMTPPARSE_EXT_SIZE, 0, 0 },
	{ "250-x\n250 SIZE -1", 0, SMTPPARSE_EXT_SIZE, 0, 0 },
	{ "250-x\n250 SIZE 99999999999999999999999", 0, SMTPPARSE_EXT_SIZE,
	    0, 0 },
	{ "250-x\n250 SIZE 4611686018427387904", 0, SMTPPARSE_EXT_SIZE, 0,
	    4611686018427387904ULL },
	{ "250-x\n250 AUTH=LOGIN PLAIN", 0, SMTPPARSE_EXT_AUTH,
	    SMTPPARSE_AUTH_LOGIN | SMTPPARSE_AUTH_PLAIN, 0 },
	{ "250-x\n250 AUTH CRAM-MD5 DIGEST-MD5", 0, SMTPPARSE_EXT_AUTH, 0,
	    0 },
	{ "250-x\n250 AUTH", 0, SMTPPARSE_EXT_AUTH, 0, 0 },
	{ "250-x\n250 auth  plain\tlogin ", 0, SMTPPARSE_EXT_AUTH,
	    SMTPPARSE_AUTH_PLAIN | SMTPPARSE_AUTH_LOGIN, 0 },
	{ "250-x\n250 AUTHX PLAIN", 0, 0, 0, 0 },
	{ "250-x\n250 8BITMIMEX", 0, 0, 0, 0 },
	{ "250-x\n250 STARTTLS=1", 0, 0, 0, 0 },
	{ "250-x\n250 X-STARTTLS", 0, 0, 0, 0 },
	{ "250-x\n250-\n250 ", 0, 0, 0, 0 },
	{ "250-x\n250 AUTH " "PLAINPLAINPLAINPLAINPLAINPLAINPLAINPLAIN", 0,
	    SMTPPARSE_EXT_AUTH, 0, 0 },
	{ "550 no", -1, 0, 0, 0 },
	{ "250-incomplete", -1, 0, 0, 0 },
};

START_TEST(test_ehlo_rows)
{
	struct smtpparse_reply r;
	struct smtpparse_ehlo e;
	int ok;

	smtpparse_reply_init(&r);
	(void)feed(&r, ehlo_rows[_i].lines);
	ok = smtpparse_ehlo(&r, &e);
	ck_assert_msg(ok == ehlo_rows[_i].ok, "row %d: %d", _i, ok);
	ck_assert_msg(e.ext == ehlo_rows[_i].ext, "row %d: ext 0x%x", _i,
	    e.ext);
	ck_assert_msg(e.auth == ehlo_rows[_i].auth, "row %d: auth 0x%x", _i,
	    e.auth);
	ck_assert_msg(e.size == ehlo_rows[_i].size, "row %d: size %llu", _i,
	    (unsigned long long)e.size);
	smtpparse_reply_release(&r);
}
END_TEST

static const struct {
	const char *addr;
	int ok;
	int utf8;
} addr_rows[] = {
	{ "alice@example.org", 1, 0 },
	{ "a+tag@sub.example.org", 1, 0 },
	{ "a@[127.0.0.1]", 1, 0 },
	{ "jörg@müller.example", 1, 1 },
	{ "用户@例子.广告", 1, 1 },
	{ "", 0, 0 },
	{ "alice", 0, 0 },
	{ "@example.org", 0, 0 },
	{ "alice@", 0, 0 },
	{ "a@b@c", 0, 0 },
	{ "a b@c", 0, 0 },
	{ "a@b\r\nRCPT TO:<evil@x>", 0, 0 },
	{ "a@b\n", 0, 0 },
	{ "a@b>", 0, 0 },
	{ "<a@b", 0, 0 },
	{ "a@b\x7f", 0, 0 },
	{ "a@b\x1b[2J", 0, 0 },
	{ "a\t@b", 0, 0 },
	{ "a@b\xc2\x85", 0, 1 },	/* U+0085, a C1 control */
	{ "a@\xff\xfe", 0, 1 },	/* not UTF-8 */
	{ "a@\xc3", 0, 1 },	/* cut UTF-8 */
};

START_TEST(test_address_rows)
{
	const char *a = addr_rows[_i].addr;

	ck_assert_msg(smtpparse_address_ok(a) == addr_rows[_i].ok,
	    "row %d (%s)", _i, tu_show(a, strlen(a)));
	ck_assert_msg(smtpparse_address_utf8(a) == addr_rows[_i].utf8,
	    "row %d (%s): utf8", _i, tu_show(a, strlen(a)));
}
END_TEST

START_TEST(test_address_length)
{
	char a[SMTPPARSE_ADDR_MAX + 2];

	memset(a, 'a', sizeof a);
	a[1] = '@';
	a[SMTPPARSE_ADDR_MAX] = '\0';
	ck_assert_int_eq(smtpparse_address_ok(a), 1);
	a[SMTPPARSE_ADDR_MAX] = 'a';
	a[SMTPPARSE_ADDR_MAX + 1] = '\0';
	ck_assert_int_eq(smtpparse_address_ok(a), 0);
	ck_assert_int_eq(smtpparse_address_ok(NULL), 0);
}
END_TEST

static const struct {
	const char *value;
	const char *addr;	/* NULL: refused */
} mailbox_rows[] = {
	{ "alice@example.org", "alice@example.org" },
	{ "  alice@example.org\t", "alice@example.org" },
	{ "Alice <alice@example.org>", "alice@example.org" },
	{ "<alice@example.org>", "alice@example.org" },
	{ "Alice Liddell<alice@example.org>", "alice@example.org" },
	{ "\"Liddell, Alice\" <alice@example.org>", "alice@example.org" },
	{ "\"A \\\"B\\\" C\" <a@b.c>", "a@b.c" },
	{ "Jörg Müller <joerg@example.de>", "joerg@example.de" },
	{ "J. R. Doe (work) <j@x.y>", "j@x.y" },
	{ "Liddell, Alice <alice@example.org>", NULL },
	{ "a@b.c, d@e.f", NULL },
	{ "Alice <alice@example.org>, Bob <bob@example.org>", NULL },
	{ "Alice <alice>", NULL },
	{ "Alice <>", NULL },
	{ "Alice", NULL },
	{ "", NULL },
	{ "   ", NULL },
	{ "Alice <alice@example.org", NULL },
	{ "Alice alice@example.org>", NULL },
	{ "\"Alice <alice@example.org>", NULL },
	{ "\"Al\"ice\" <a@b.c>", NULL },
	{ "\"Al\\\" <a@b.c>", NULL },
	{ "Evil\r\nBcc: x@y <a@b.c>", NULL },
	{ "Evil\x1b[2J <a@b.c>", NULL },
	{ "Bad\xff <a@b.c>", NULL },
	{ "a@b <c@d>", NULL },
	{ "<a@b> <c@d>", NULL },
};

START_TEST(test_mailbox_rows)
{
	char *addr = (char *)"x";
	int r = smtpparse_mailbox(mailbox_rows[_i].value, &addr);
	const char *want = mailbox_rows[_i].addr;
	const char *v = mailbox_rows[_i].value;

	ck_assert_msg(r == (want != NULL ? 0 : -1), "row %d (%s): %d", _i,
	    tu_show(v, strlen(v)), r);
	if (want != NULL)
		ck_assert_str_eq(addr, want);
	else
		ck_assert_ptr_null(addr);
	free(addr);
}
END_TEST

static Suite *
smtpparse_suite(void)
{
	Suite *s = suite_create("smtpparse");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_reply_rows, 0, TU_NROWS(reply_rows));
	tcase_add_test(tc, test_reply_nul_and_after);
	tcase_add_test(tc, test_reply_line_limit);
	tcase_add_test(tc, test_reply_endless);
	tcase_add_loop_test(tc, test_ehlo_rows, 0, TU_NROWS(ehlo_rows));
	tcase_add_loop_test(tc, test_address_rows, 0, TU_NROWS(addr_rows));
	tcase_add_test(tc, test_address_length);
	tcase_add_loop_test(tc, test_mailbox_rows, 0,
	    TU_NROWS(mailbox_rows));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(smtpparse_suite());
}
