/*
 * Unit tests for src/imapresp.c: literal announcements, the kinds of
 * response seen in IDLE with NOTIFY and in a command's answer, and STATUS
 * data as dovecot writes it (atoms, quoted names, literals, every
 * attribute) and as a hostile server might (numbers that do not fit,
 * attributes twice, names with CR, LF or NUL, endless nesting).
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imapresp.h"
#include "testutil.h"

START_TEST(test_literal)
{
	size_t n = 0;

	ck_assert_int_eq(imapresp_literal("* STATUS {5}", 12, &n), 1);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(imapresp_literal("a {0+}", 6, &n), 1);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(imapresp_literal("* STATUS INBOX (", 16, &n), 0);
	ck_assert_int_eq(imapresp_literal("}", 1, &n), 0);
	ck_assert_int_eq(imapresp_literal("x {}", 4, &n), -1);
	ck_assert_int_eq(imapresp_literal("x {-1}", 6, &n), -1);
	ck_assert_int_eq(imapresp_literal("x {1048577}", 11, &n), -1);
	ck_assert_int_eq(imapresp_literal("x {1048576}", 11, &n), 1);
	ck_assert_int_eq(imapresp_literal("x {18446744073709551617}", 24, &n),
	    -1);
	ck_assert_int_eq(imapresp_literal("x {1a}", 6, &n), -1);
}
END_TEST

static const struct {
	const char *r;
	const char *tag;
	enum imapresp_kind kind;
	int ok;
} kind_rows[] = {
	{ "* STATUS INBOX (MESSAGES 1)\r\n", NULL, IMAPRESP_STATUS, 0 },
	{ "* status x ()\r\n", NULL, IMAPRESP_STATUS, 0 },
	{ "* 3 EXISTS\r\n", NULL, IMAPRESP_NEWS, 0 },
	{ "* 3 EXPUNGE\r\n", NULL, IMAPRESP_NEWS, 0 },
	{ "* 3 FETCH (UID 3 FLAGS (\\Recent))\r\n", NULL, IMAPRESP_NEWS, 0 },
	{ "* 1 RECENT\r\n", NULL, IMAPRESP_NEWS, 0 },
	{ "* VANISHED 1:3\r\n", NULL, IMAPRESP_NEWS, 0 },
	{ "* BYE shutting down\r\n", NULL, IMAPRESP_BYE, 0 },
	{ "+ idling\r\n", NULL, IMAPRESP_CONTINUE, 0 },
	{ "* OK Still here\r\n", NULL, IMAPRESP_OTHER, 0 },
	{ "* LIST () \"/\" INBOX\r\n", NULL, IMAPRESP_LIST, 0 },
	{ "* LSUB () \"/\" INBOX\r\n", NULL, IMAPRESP_OTHER, 0 },
	{ "* 4294967296 EXISTS\r\n", NULL, IMAPRESP_OTHER, 0 },
	{ "* STATUSX\r\n", NULL, IMAPRESP_OTHER, 0 },
	{ "12 OK done\r\n", "12", IMAPRESP_TAGGED, 1 },
	{ "12 NO [NOTIFY] cannot\r\n", "12", IMAPRESP_TAGGED, 0 },
	{ "12 BAD what\r\n", "12", IMAPRESP_TAGGED, 0 },
	{ "12 MAYBE\r\n", "12", IMAPRESP_BAD, 0 },
	{ "13 OK done\r\n", "12", IMAPRESP_BAD, 0 },
	{ "123 OK done\r\n", "12", IMAPRESP_BAD, 0 },
	{ "12 OK done\r\n", NULL, IMAPRESP_BAD, 0 },
	{ "*STATUS\r\n", NULL, IMAPRESP_BAD, 0 },
	{ "", NULL, IMAPRESP_BAD, 0 },
};

START_TEST(test_kind_rows)
{
	int ok = -1;

	ck_assert_int_eq(imapresp_kind(kind_rows[_i].r,
	    strlen(kind_rows[_i].r), kind_rows[_i].tag, &ok),
	    kind_rows[_i].kind);
	ck_assert_int_eq(ok, kind_rows[_i].ok);
}
END_TEST

static const struct {
	const char *r;
	const char *mailbox;	/* NULL: refused */
	int messages, unseen;
	uint32_t uidnext, uidvalidity;
	uint64_t modseq;
} status_rows[] = {
	/* What dovecot 2.3 sends for NOTIFY SET STATUS and LIST-STATUS. */
	{ "* STATUS Archive (MESSAGES 6 UIDNEXT 7 UIDVALIDITY 1733140000 "
	  "UNSEEN 1 HIGHESTMODSEQ 3)\r\n", "Archive", 6, 1, 7, 1733140000,
	  3 },
	{ "* STATUS INBOX (MESSAGES 12 UNSEEN 0 UIDNEXT 13)\r\n", "INBOX",
	  12, 0, 13, 0, 0 },
	{ "* STATUS \"Sent Messages\" (MESSAGES 0)\r\n", "Sent Messages", 0,
	  -1, 0, 0, 0 },
	{ "* STATUS \"a\\\"b\\\\c\" (UNSEEN 2)\r\n", "a\"b\\c", -1, 2, 0, 0,
	  0 },
	{ "* STATUS {9}\r\nSent&AOQ- (MESSAGES 1)\r\n", "Sent&AOQ-", 1, -1,
	  0, 0, 0 },
	{ "* STATUS x ()\r\n", "x", -1, -1, 0, 0, 0 },
	{ "* STATUS x (messages 2 unseen 1)", "x", 2, 1, 0, 0, 0 },
	{ "* STATUS x  (MESSAGES 2 )  \r\n", "x", 2, -1, 0, 0, 0 },
	/* Attributes tern does not ask for are skipped. */
	{ "* STATUS x (SIZE 1234 MAILBOXID (F1a2b) APPENDLIMIT NIL "
	  "MESSAGES 3)\r\n", "x", 3, -1, 0, 0, 0 },
	{ "* STATUS x (MESSAGES 2147483647 UIDNEXT 4294967295 "
	  "HIGHESTMODSEQ 9223372036854775807)\r\n", "x", 2147483647, -1,
	  4294967295u, 0, 9223372036854775807ull },
	/* Refused. */
	{ "* STATUS x (MESSAGES 2147483648)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (UIDNEXT 4294967296)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (HIGHESTMODSEQ 9223372036854775808)\r\n", NULL, 0, 0,
	  0, 0, 0 },
	{ "* STATUS x (MESSAGES -1)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (MESSAGES 1 MESSAGES 2)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (MESSAGES)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (MESSAGES 1\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x MESSAGES 1\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (MESSAGES 1) junk\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS (MESSAGES 1)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS \"\" (MESSAGES 1)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS \"x (MESSAGES 1)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS {3}\r\na\rb (MESSAGES 1)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS {9}\r\nshort (MESSAGES 1)", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS {99999999}\r\nx (MESSAGES 1)\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* STATUS x (FOO ((((((((((1)))))))))) MESSAGES 1)\r\n", NULL, 0, 0,
	  0, 0, 0 },
	{ "* STATUS x (FOO \"bar\")\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "* LIST () \"/\" x\r\n", NULL, 0, 0, 0, 0, 0 },
	{ "", NULL, 0, 0, 0, 0, 0 },
};

START_TEST(test_status_rows)
{
	struct imapresp_status st;
	int r;

	r = imapresp_status_parse(status_rows[_i].r,
	    strlen(status_rows[_i].r), &st);
	if (status_rows[_i].mailbox == NULL) {
		ck_assert_int_eq(r, -1);
		ck_assert_ptr_null(st.mailbox);
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(st.mailbox, status_rows[_i].mailbox);
	ck_assert_int_eq(st.messages, status_rows[_i].messages);
	ck_assert_int_eq(st.unseen, status_rows[_i].unseen);
	ck_assert_uint_eq(st.uidnext, status_rows[_i].uidnext);
	ck_assert_uint_eq(st.uidvalidity, status_rows[_i].uidvalidity);
	ck_assert_uint_eq(st.highestmodseq, status_rows[_i].modseq);
	imapresp_status_release(&st);
	ck_assert_ptr_null(st.mailbox);
}
END_TEST

/* A name in NUL-bearing bytes, and one over the bound, are refused. */
START_TEST(test_status_names)
{
	static const char nul[] = "* STATUS {3}\r\na\0b (MESSAGES 1)\r\n";
	static char big[IMAPRESP_MAX_NAME + 64];
	struct imapresp_status st;
	size_t n = IMAPRESP_MAX_NAME + 1;

	ck_assert_int_eq(imapresp_status_parse(nul, sizeof nul - 1, &st), -1);
	memcpy(big, "* STATUS ", 9);
	memset(big + 9, 'a', n);
	strcpy(big + 9 + n, " (MESSAGES 1)\r\n");
	ck_assert_int_eq(imapresp_status_parse(big, strlen(big), &st), -1);
	/* One byte less is taken. */
	memmove(big + 9 + n - 1, big + 9 + n, strlen(big + 9 + n) + 1);
	ck_assert_int_eq(imapresp_status_parse(big, strlen(big), &st), 0);
	ck_assert_uint_eq(strlen(st.mailbox), IMAPRESP_MAX_NAME);
	imapresp_status_release(&st);
}
END_TEST

/* Every prefix of a response, in a buffer of exactly its length (no NUL
 * after it for the parser to lean on), is read without a byte beyond it:
 * "* STATUS " cut after the space once was. */
START_TEST(test_status_cut)
{
	static const char *const full[] = {
		"* STATUS INBOX (MESSAGES 2 UNSEEN 1)\r\n",
		"* STATUS \"a \\\"b\" (UIDNEXT 3)\r\n",
		"* STATUS {5}\r\nInbox (MESSAGES 1)\r\n",
	};
	struct imapresp_status st;
	size_t i, n, len;
	char *buf;
	int ok;

	for (i = 0; i < sizeof full / sizeof full[0]; i++) {
		len = strlen(full[i]);
		for (n = 0; n <= len; n++) {
			buf = malloc(n > 0 ? n : 1);
			ck_assert_ptr_nonnull(buf);
			memcpy(buf, full[i], n);
			(void)imapresp_kind(buf, n, "7", &ok);
			if (imapresp_status_parse(buf, n, &st) == 0) {
				ck_assert_uint_ge(n, len - 3);
				imapresp_status_release(&st);
			} else {
				ck_assert_ptr_null(st.mailbox);
			}
			free(buf);
		}
		ck_assert_int_eq(imapresp_status_parse(full[i], len, &st), 0);
		imapresp_status_release(&st);
	}
}
END_TEST

static Suite *
imapresp_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("imapresp");
	tc = tcase_create("rows");
	tcase_add_test(tc, test_literal);
	tcase_add_loop_test(tc, test_kind_rows, 0,
	    sizeof kind_rows / sizeof kind_rows[0]);
	tcase_add_loop_test(tc, test_status_rows, 0,
	    sizeof status_rows / sizeof status_rows[0]);
	tcase_add_test(tc, test_status_names);
	tcase_add_test(tc, test_status_cut);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(imapresp_suite());
}
