/*
 * Unit tests of the user operations (src/ops.h) on an ephemeral store, no
 * UI and no server: what d, u, F, N, opening a message, s and C do to the
 * cache and to the queue of pending changes; a batch is one transaction;
 * what d means under delete = flag | trash; what leaving a folder does
 * under expunge = ask | yes | no.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ops.h"
#include "store.h"
#include "testutil.h"

static struct store *st;
static int64_t inbox, trash;
static int64_t *ids;
static size_t nids;

static int64_t
folder(const char *name)
{
	struct store_folder f;
	int64_t id;

	ck_assert_int_eq(store_folder_get(st, name, &f), 0);
	id = f.id;
	store_folder_release(&f);
	return id;
}

/* Ten messages in INBOX, none seen; an empty Trash. */
static void
setup(void)
{
	struct store_folder list[2];
	struct store_msg m;
	char *err = NULL;
	int i;

	ck_assert_msg(store_open(NULL, "ops", &st, &err) == 0, "%s", err);
	memset(list, 0, sizeof list);
	list[0].name = list[0].display = (char *)"INBOX";
	list[0].role = ROLE_INBOX;
	list[1].name = list[1].display = (char *)"Trash";
	list[1].role = ROLE_TRASH;
	list[0].delim = list[1].delim = '/';
	ck_assert_int_eq(store_folders_replace(st, list, 2), 0);
	inbox = folder("INBOX");
	trash = folder("Trash");
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 1; i <= 10; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = inbox;
		m.uid = (uint32_t)i;
		m.date = 1000 + i;
		m.subject = (char *)"s";
		ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_msg_ids(st, inbox, SORT_DATE, 0, &ids, &nids),
	    0);
	ck_assert_uint_eq(nids, 10);
}

static void
teardown(void)
{
	free(ids);
	store_close(st);
}

static unsigned int
flags_of(int64_t id)
{
	struct store_msg m;
	unsigned int f;

	ck_assert_int_eq(store_msg_get(st, id, &m), 0);
	f = m.flags;
	store_msg_release(&m);
	return f;
}

static int
pending(void)
{
	int n = -1;

	ck_assert_int_eq(store_pending_count(st, &n), 0);
	return n;
}

START_TEST(test_delete_undelete)
{
	ck_assert_int_eq(ops_apply(st, OPS_DELETE, -1, ids, 3, NULL), 3);
	ck_assert(flags_of(ids[0]) & MSG_DELETED);
	ck_assert(flags_of(ids[2]) & MSG_DELETED);
	ck_assert(!(flags_of(ids[3]) & MSG_DELETED));
	ck_assert_int_gt(pending(), 0);
	/* Deleted again: nothing changes. */
	ck_assert_int_eq(ops_apply(st, OPS_DELETE, -1, ids, 3, NULL), 0);
	ck_assert_int_eq(ops_apply(st, OPS_UNDELETE, -1, ids, 5, NULL), 3);
	ck_assert(!(flags_of(ids[0]) & MSG_DELETED));
}
END_TEST

START_TEST(test_toggles_and_seen)
{
	int64_t two[2] = { ids[0], ids[1] };

	ck_assert_int_eq(ops_apply(st, OPS_TOGGLE_FLAGGED, -1, two, 1, NULL),
	    1);
	ck_assert(flags_of(ids[0]) & MSG_FLAGGED);
	/* Per message: the first goes off, the second on. */
	ck_assert_int_eq(ops_apply(st, OPS_TOGGLE_FLAGGED, -1, two, 2, NULL),
	    2);
	ck_assert(!(flags_of(ids[0]) & MSG_FLAGGED));
	ck_assert(flags_of(ids[1]) & MSG_FLAGGED);
	/* Opening a message marks it seen, once. */
	ck_assert_int_eq(ops_apply(st, OPS_SEEN, -1, &ids[4], 1, NULL), 1);
	ck_assert_int_eq(ops_apply(st, OPS_SEEN, -1, &ids[4], 1, NULL), 0);
	ck_assert(flags_of(ids[4]) & MSG_SEEN);
	ck_assert_int_eq(ops_apply(st, OPS_TOGGLE_SEEN, -1, &ids[4], 1, NULL),
	    1);
	ck_assert(!(flags_of(ids[4]) & MSG_SEEN));
	ck_assert_int_eq(ops_apply(st, OPS_UNSEEN, -1, &ids[4], 1, NULL), 0);
}
END_TEST

START_TEST(test_move_copy_and_folder_limit)
{
	struct store_folder f;

	ck_assert_int_eq(ops_apply(st, OPS_MOVE, -1, ids, 2, "Trash"), 2);
	/* The moved ones left INBOX at once: a second move of the same
	 * ids, limited to INBOX (tags that outlived their place), does
	 * nothing. */
	ck_assert_int_eq(ops_apply(st, OPS_MOVE, inbox, ids, 2, "Trash"), 0);
	ck_assert_int_eq(ops_apply(st, OPS_COPY, inbox, ids + 2, 1, "Trash"),
	    1);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(f.total, 8);
	store_folder_release(&f);
	ck_assert_int_eq(pending(), 3);
	/* A move needs its folder. */
	ck_assert_int_eq(ops_apply(st, OPS_MOVE, -1, ids + 3, 1, NULL), -1);
}
END_TEST

/* A batch is one transaction: inside another one, it joins it. */
START_TEST(test_one_transaction)
{
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(ops_apply(st, OPS_DELETE, -1, ids, 10, NULL), 10);
	store_rollback(st);
	ck_assert(!(flags_of(ids[0]) & MSG_DELETED));
	ck_assert(!(flags_of(ids[9]) & MSG_DELETED));
	ck_assert_int_eq(pending(), 0);
	/* And on its own it commits. */
	ck_assert_int_eq(ops_apply(st, OPS_DELETE, -1, ids, 10, NULL), 10);
	ck_assert(flags_of(ids[9]) & MSG_DELETED);
}
END_TEST

START_TEST(test_expunge)
{
	struct store_folder f;

	ck_assert_int_eq(ops_apply(st, OPS_DELETE, -1, ids, 4, NULL), 4);
	ck_assert_int_eq(ops_expunge(st, inbox), 4);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(f.total, 6);
	store_folder_release(&f);
	ck_assert_int_eq(ops_expunge(st, inbox), 0);
}
END_TEST

START_TEST(test_meanings)
{
	ck_assert_int_eq(ops_delete_is(DELETE_FLAG, inbox, trash),
	    OPS_DELETE_FLAG);
	ck_assert_int_eq(ops_delete_is(DELETE_TRASH, inbox, trash),
	    OPS_DELETE_TO_TRASH);
	ck_assert_int_eq(ops_delete_is(DELETE_TRASH, trash, trash),
	    OPS_DELETE_FLAG);
	ck_assert_int_eq(ops_delete_is(DELETE_TRASH, inbox, -1),
	    OPS_DELETE_NO_TRASH);
	ck_assert_int_eq(ops_leave_is(EXPUNGE_ASK, 0), OPS_LEAVE_KEEP);
	ck_assert_int_eq(ops_leave_is(EXPUNGE_ASK, 3), OPS_LEAVE_ASK);
	ck_assert_int_eq(ops_leave_is(EXPUNGE_YES, 3), OPS_LEAVE_EXPUNGE);
	ck_assert_int_eq(ops_leave_is(EXPUNGE_NO, 3), OPS_LEAVE_KEEP);
}
END_TEST

static Suite *
ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_delete_undelete);
	tcase_add_test(tc, test_toggles_and_seen);
	tcase_add_test(tc, test_move_copy_and_folder_limit);
	tcase_add_test(tc, test_one_transaction);
	tcase_add_test(tc, test_expunge);
	tcase_add_test(tc, test_meanings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(ops_suite());
}
