/*
 * Unit tests of the connection layer's pure parts (src/conn.h): response
 * codes in a server's refusal, and the one map from failures to statuses
 * and messages (the network side runs against real and fake servers in
 * the shell tests).
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "testutil.h"

static const struct {
	const char *text, *code;
	int want;
} code_rows[] = {
	{ "[IN-USE] mailbox locked", "IN-USE", 1 },
	{ " [in-use] locked", "IN-USE", 1 },
	{ "[SYS/TEMP] try later", "SYS/TEMP", 1 },
	{ "[SYS/PERM] gone", "SYS/TEMP", 0 },
	{ "[AUTH] wrong", "IN-USE", 0 },
	{ "mailbox [IN-USE]", "IN-USE", 0 },
	{ "[IN-USER] x", "IN-USE", 0 },
	{ "", "IN-USE", 0 },
	{ NULL, "IN-USE", 0 },
	/* IMAP's codes of RFC 5530, in a tagged NO's text. */
	{ "[UNAVAILABLE] try later", "UNAVAILABLE", 1 },
	{ "[AUTHENTICATIONFAILED] Authentication failed.", "UNAVAILABLE", 0 },
};

START_TEST(test_resp_code)
{
	ck_assert_msg(conn_said_code(code_rows[_i].text,
	    code_rows[_i].code) == code_rows[_i].want, "row %d", _i);
}
END_TEST

static const struct {
	enum conn_reply reply;
	const char *said, *want;
	enum backend_status status;
} fail_rows[] = {
	{ CONN_LOST, NULL, "SELECT: connection lost", BACKEND_ERR_NET },
	{ CONN_UNREADABLE, NULL,
	  "SELECT: the server sent something unreadable", BACKEND_ERR_NET },
	{ CONN_NO, "no such folder", "SELECT failed: no such folder",
	  BACKEND_ERR_PROTOCOL },
	{ CONN_NO, "", "SELECT failed: no reason given",
	  BACKEND_ERR_PROTOCOL },
	{ CONN_NO, NULL, "SELECT failed: no reason given",
	  BACKEND_ERR_PROTOCOL },
};

START_TEST(test_fail)
{
	char *err = NULL;

	ck_assert_int_eq(conn_fail(NULL, fail_rows[_i].reply, "SELECT",
	    fail_rows[_i].said, &err), fail_rows[_i].status);
	ck_assert_str_eq(err, fail_rows[_i].want);
	free(err);
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_resp_code, 0,
	    sizeof code_rows / sizeof code_rows[0]);
	tcase_add_loop_test(tc, test_fail, 0,
	    sizeof fail_rows / sizeof fail_rows[0]);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(conn_suite());
}
