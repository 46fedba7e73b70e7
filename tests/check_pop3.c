/*
 * Unit tests of the POP3 backend's pure parts (src/pop3.h): the header
 * identity used when a server has no UIDL, header parsing, response codes and the test clock;
 * and of the store's POP3 section: the ledger, durable batches and the
 * preview list, on an ephemeral store.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3.h"
#include "store.h"
#include "testutil.h"
#include "xmalloc.h"

/* Pairs of messages: SAME says whether their identities must match. */
static const struct {
	const char *a, *b;
	int same;
} id_rows[] = {
	/* TOP n 0 and RETR of one message. */
	{ "Subject: x\r\nFrom: a@b\r\n\r\n",
	  "Subject: x\r\nFrom: a@b\r\n\r\nbody\r\nmore\r\n", 1 },
	/* CRLF and LF. */
	{ "Subject: x\r\nFrom: a@b\r\n\r\nbody\r\n",
	  "Subject: x\nFrom: a@b\n\nother body\n", 1 },
	/* No body at all. */
	{ "Subject: x\r\n", "Subject: x\r\n\r\n", 1 },
	{ "Subject: x\r\n\r\n", "Subject: y\r\n\r\n", 0 },
	{ "Subject: x\r\nMessage-ID: <1@h>\r\n\r\n",
	  "Subject: x\r\nMessage-ID: <2@h>\r\n\r\n", 0 },
	/* A header line that differs only in case. */
	{ "Subject: x\r\n\r\n", "subject: x\r\n\r\n", 0 },
};

START_TEST(test_header_id)
{
	char a[POP3_HDR_ID_LEN], b[POP3_HDR_ID_LEN];

	pop3_header_id(id_rows[_i].a, strlen(id_rows[_i].a), a);
	pop3_header_id(id_rows[_i].b, strlen(id_rows[_i].b), b);
	ck_assert_msg(strncmp(a, "hdr:", 4) == 0 && strlen(a) == 36,
	    "row %d: bad form %s", _i, a);
	ck_assert_msg((strcmp(a, b) == 0) == id_rows[_i].same,
	    "row %d: %s vs %s", _i, a, b);
}
END_TEST

static const struct {
	const char *msg;
	const char *from_name, *from_addr, *to, *cc, *subject, *message_id;
	const char *in_reply_to, *references;
	long long date;
} hdr_rows[] = {
	{ "From: Sender 7 <sender-7@example.org>\r\n"
	  "To: alice@example.org\r\n"
	  "Subject: Message 00007 of 30\r\n"
	  "Date: Wed, 01 Jan 2025 00:07:00 +0000\r\n"
	  "Message-ID: <seed-7@example.org>\r\n\r\nbody\r\n",
	  "Sender 7", "sender-7@example.org", "alice@example.org", NULL,
	  "Message 00007 of 30", "<seed-7@example.org>", NULL, NULL,
	  1735690020LL },
	/* Encoded words, folding, a group and a Cc. */
	{ "From: =?UTF-8?Q?J=C3=B6rg?= <j@x.de>\n"
	  "To: Team: a@x.de, \"B, C\" <b@x.de>;\n"
	  "Cc: c@x.de\n"
	  "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\n"
	  "  aus Berlin\n"
	  "In-Reply-To: <p@x.de>\n"
	  "References: <o@x.de>\n <p@x.de>\n\n",
	  "J\xc3\xb6rg", "j@x.de", "a@x.de, B, C <b@x.de>", "c@x.de",
	  "Gr\xc3\xbc\xc3\x9f" "e aus Berlin", NULL, "<p@x.de>",
	  "<o@x.de> <p@x.de>", 0 },
	/* An address without a name; no Date. */
	{ "From: bare@example.org\r\nSubject: \r\n\r\n",
	  NULL, "bare@example.org", NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	/* A From that does not parse is shown as a name. */
	{ "From: not an address\r\n\r\n",
	  "not an address", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	/* Headers after the blank line are body. */
	{ "Subject: s\r\n\r\nFrom: body@example.org\r\n",
	  NULL, NULL, NULL, NULL, "s", NULL, NULL, NULL, 0 },
};

static void
check_str(int row, const char *what, const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "row %d: %s: got \"%s\", want NULL",
		    row, what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
		    "row %d: %s: got \"%s\", want \"%s\"", row, what,
		    got != NULL ? got : "(null)", want);
}

START_TEST(test_parse_headers)
{
	struct store_msg m;

	memset(&m, 0, sizeof m);
	m.subject = xstrdup("old");	/* replaced, not leaked */
	pop3_parse_headers(hdr_rows[_i].msg, strlen(hdr_rows[_i].msg), &m);
	check_str(_i, "from_name", m.from_name, hdr_rows[_i].from_name);
	check_str(_i, "from_addr", m.from_addr, hdr_rows[_i].from_addr);
	check_str(_i, "to", m.to_addrs, hdr_rows[_i].to);
	check_str(_i, "cc", m.cc_addrs, hdr_rows[_i].cc);
	check_str(_i, "subject", m.subject, hdr_rows[_i].subject);
	check_str(_i, "message_id", m.message_id, hdr_rows[_i].message_id);
	check_str(_i, "in_reply_to", m.in_reply_to, hdr_rows[_i].in_reply_to);
	check_str(_i, "references", m.references, hdr_rows[_i].references);
	ck_assert_msg(m.date == hdr_rows[_i].date, "row %d: date %lld", _i,
	    (long long)m.date);
	store_msg_release(&m);
}
END_TEST

START_TEST(test_clock)
{
	int64_t now;

	setenv("TERN_TEST_NOW", "1000000000", 1);
	ck_assert_int_eq(pop3_now(), 1000000000);
	setenv("TERN_TEST_NOW", "12abc", 1);
	now = pop3_now();
	ck_assert_msg(now > 1600000000, "a bad value is ignored: %lld",
	    (long long)now);
	unsetenv("TERN_TEST_NOW");
	ck_assert_msg(pop3_now() > 1600000000, "the real clock");
}
END_TEST

/* The store's POP3 section. */

static struct store *
pop3_store(const char *name, int64_t *inbox_r)
{
	struct store_folder inbox, f;
	struct store *st = NULL;
	char *err = NULL;

	ck_assert_msg(store_open(NULL, name, &st, &err) == 0, "open: %s",
	    err);
	memset(&inbox, 0, sizeof inbox);
	inbox.name = "INBOX";
	inbox.role = ROLE_INBOX;
	inbox.subscribed = 1;
	ck_assert_int_eq(store_folders_replace(st, &inbox, 1), 0);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	*inbox_r = f.id;
	store_folder_release(&f);
	return st;
}

static void
put(struct store *st, int64_t inbox, const char *const *uidls, size_t n,
    int64_t now)
{
	struct store_pop3_new *b = xcalloc(n, sizeof *b);
	size_t i;

	for (i = 0; i < n; i++) {
		b[i].raw = "Subject: s\r\n\r\nbody\r\n";
		b[i].len = strlen(b[i].raw);
		b[i].uidl = uidls[i];
		b[i].size = 20 + (int64_t)i;
		b[i].msg.subject = (char *)uidls[i];
	}
	ck_assert_int_eq(store_pop3_put_batch(st, inbox, b, n, now), 0);
	for (i = 1; i < n; i++)
		ck_assert_uint_eq(b[i].uid, b[i - 1].uid + 1);
	free(b);
}

START_TEST(test_store_ledger)
{
	static const char *first[] = { "u3", "u1", "u2" };
	static const char *later[] = { "u4" };
	static const char *listed[] = { "u1", "u2", "u4" };
	struct store_pop3_entry *led;
	struct store_msg m;
	struct store_folder f;
	size_t n, i;
	int64_t inbox, *ids;
	char *raw;
	size_t len;
	struct store *st = pop3_store("pop3-ledger", &inbox);

	put(st, inbox, first, 3, 1000);
	put(st, inbox, later, 1, 2000);
	ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < n; i++) {
		char want[32];

		snprintf(want, sizeof want, "u%zu", i + 1);
		ck_assert_str_eq(led[i].uidl, want);	/* sorted */
		ck_assert_int_eq(led[i].fetched, 1);
		ck_assert_int_eq(led[i].local_deleted, 0);
		ck_assert_int_eq(led[i].server, POP3_SRV_PRESENT);
		ck_assert_int_ne(led[i].msg_id, 0);
	}
	ck_assert_int_eq(led[0].first_seen, 1000);
	ck_assert_int_eq(led[3].first_seen, 2000);
	/* UIDs follow the download order; the folder knows the next. */
	ck_assert_uint_eq(led[2].uid, 1);	/* u3 came first */
	ck_assert_uint_eq(led[3].uid, 4);
	ck_assert_int_eq(store_folder_get_id(st, inbox, &f), 0);
	ck_assert_uint_eq(f.uidnext, 5);
	ck_assert_int_eq(f.total, 4);
	store_folder_release(&f);
	ck_assert_int_eq(store_body_get(st, led[0].msg_id, &raw, &len), 0);
	ck_assert_str_eq(raw, "Subject: s\r\n\r\nbody\r\n");
	free(raw);
	/* \Deleted counts as a local deletion. */
	ck_assert_int_eq(store_pending_flags(st, led[1].msg_id, MSG_DELETED,
	    0), 0);
	store_pop3_ledger_free(led, n);
	ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
	ck_assert_int_eq(led[1].local_deleted, 1);
	ck_assert_int_eq(led[0].local_deleted, 0);
	/* A row that vanishes without the user does not count... */
	ck_assert_int_eq(store_msg_delete(st, inbox, led[0].uid), 0);
	store_pop3_ledger_free(led, n);
	ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
	ck_assert_int_eq(led[0].msg_id, 0);
	ck_assert_int_eq(led[0].local_deleted, 0);
	/* ... an expunge by the user, recorded, does. */
	ck_assert_int_eq(store_pop3_local_deleted(st, inbox, led[0].uid), 0);
	ck_assert_int_eq(store_pop3_local_deleted(st, inbox, led[2].uid), 0);
	store_pop3_ledger_free(led, n);
	ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
	ck_assert_int_eq(led[0].local_deleted, 1);
	ck_assert_int_eq(led[2].local_deleted, 0);	/* still in the cache */
	store_pop3_ledger_free(led, n);

	/* The server lists u1, u2, u4: u3 is gone; then it comes back. */
	ck_assert_int_eq(store_pop3_server_listed(st, listed, 3), 0);
	ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
	ck_assert_int_eq(led[2].server, POP3_SRV_GONE);
	ck_assert_int_eq(led[0].server, POP3_SRV_PRESENT);
	store_pop3_ledger_free(led, n);
	ck_assert_int_eq(store_pop3_server_listed(st, first, 3), 0);
	ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
	ck_assert_int_eq(led[2].server, POP3_SRV_PRESENT);
	ck_assert_int_eq(led[3].server, POP3_SRV_GONE);
	store_pop3_ledger_free(led, n);

	/* A deletion wished for a message never downloaded. */
	{
		static const char *x[] = { "x9" };

		ck_assert_int_eq(store_pop3_set_server(st, x, 1,
		    POP3_SRV_DELETING), 0);
		ck_assert_int_eq(store_pop3_ledger(st, &led, &n), 0);
		ck_assert_uint_eq(n, 5);
		ck_assert_str_eq(led[4].uidl, "x9");
		ck_assert_int_eq(led[4].fetched, 0);
		ck_assert_int_eq(led[4].server, POP3_SRV_DELETING);
		store_pop3_ledger_free(led, n);
	}
	ck_assert_int_eq(store_msg_ids(st, inbox, 0, 0, &ids, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 0);
	ck_assert_int_eq(m.has_body, 1);
	store_msg_release(&m);
	free(ids);
	store_close(st);
}
END_TEST

START_TEST(test_store_preview)
{
	static const char *got[] = { "p2" };
	struct store_pop3_preview in[3], *out;
	size_t n;
	int64_t inbox;
	struct store *st = pop3_store("pop3-preview", &inbox);

	memset(in, 0, sizeof in);
	in[0].uidl = "p1";
	in[0].size = 100;
	in[0].sender = "A <a@x>";
	in[0].subject = "one";
	in[1].uidl = "p2";
	in[1].date = 1735689600;
	in[1].state = POP3_PV_TOO_BIG;
	in[2].uidl = "p0";
	ck_assert_int_eq(store_pop3_preview_replace(st, in, 3), 0);
	ck_assert_int_eq(store_pop3_preview_list(st, &out, &n), 0);
	ck_assert_uint_eq(n, 3);
	/* Server order, not UIDL order. */
	ck_assert_str_eq(out[0].uidl, "p1");
	ck_assert_str_eq(out[2].uidl, "p0");
	ck_assert_int_eq(out[0].size, 100);
	ck_assert_str_eq(out[0].sender, "A <a@x>");
	ck_assert_ptr_null(out[1].subject);
	ck_assert_int_eq(out[1].date, 1735689600);
	ck_assert_int_eq(out[1].state, POP3_PV_TOO_BIG);
	store_pop3_preview_list_free(out, n);
	/* A download marks its row; a deletion removes it. */
	put(st, inbox, got, 1, 5);
	ck_assert_int_eq(store_pop3_preview_set_state(st, "p0",
	    POP3_PV_DELETING), 0);
	ck_assert_int_eq(store_pop3_preview_remove(st, "p1"), 0);
	ck_assert_int_eq(store_pop3_preview_list(st, &out, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0].uidl, "p2");
	ck_assert_int_eq(out[0].state, POP3_PV_LOCAL);
	ck_assert_int_eq(out[1].state, POP3_PV_DELETING);
	store_pop3_preview_list_free(out, n);
	/* Replacing empties it first. */
	ck_assert_int_eq(store_pop3_preview_replace(st, in, 1), 0);
	ck_assert_int_eq(store_pop3_preview_list(st, &out, &n), 0);
	ck_assert_uint_eq(n, 1);
	store_pop3_preview_list_free(out, n);
	store_close(st);
}
END_TEST

static Suite *
pop3_suite(void)
{
	Suite *s = suite_create("pop3");
	TCase *tc = tcase_create("pure");
	TCase *ts = tcase_create("store");

	tcase_add_loop_test(tc, test_header_id, 0,
	    sizeof id_rows / sizeof id_rows[0]);
	tcase_add_loop_test(tc, test_parse_headers, 0,
	    sizeof hdr_rows / sizeof hdr_rows[0]);
	tcase_add_test(tc, test_clock);
	suite_add_tcase(s, tc);
	tcase_add_test(ts, test_store_ledger);
	tcase_add_test(ts, test_store_preview);
	suite_add_tcase(s, ts);
	return s;
}

int
main(void)
{
	return tu_run(pop3_suite());
}
