/*
 * Unit tests of the store: schema set-up, folders, messages, bodies,
 * pending operations, the rows the index threads with, file modes, the
 * shared in-memory (ephemeral) mode, the refusal of a cache written by
 * a newer tern and the stamp of a clean close, which spares the next open
 * its check.
 */
#include "autoconfig.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "testutil.h"
#include "xmalloc.h"

static char *tmpdir;

static void
setup(void)
{
	ck_assert_ptr_nonnull(tmpdir = tu_scratch_new("tern-check-store"));
	setenv("XDG_CACHE_HOME", tmpdir, 1);
}

static void
teardown(void)
{
	tu_scratch_free(tmpdir);
	tmpdir = NULL;
}

/* How many times the store logged that it trusted a cleanly closed file. */
static int trusted_lines;

static void
count_sink(enum log_level level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	if (strstr(line, "closed cleanly, not checked") != NULL)
		trusted_lines++;
}

static struct store *
open_store(const char *account)
{
	struct store *st = NULL;
	char *path, *err = NULL;

	path = store_path(account, &err);
	ck_assert_msg(path != NULL, "store_path: %s", err);
	ck_assert_msg(store_open(path, account, &st, &err) == 0,
	    "store_open: %s", err);
	free(path);
	return st;
}

static int64_t
add_folder_msgs(struct store *st, const char *folder, int n)
{
	struct store_folder f, list[1];
	struct store_msg m;
	char subject[64];
	int i;

	memset(list, 0, sizeof list);
	list[0].name = (char *)folder;
	list[0].display = (char *)folder;
	list[0].delim = '/';
	list[0].role = ROLE_NONE;
	ck_assert_int_eq(store_folders_replace(st, list, 1), 0);
	ck_assert_int_eq(store_folder_get(st, folder, &f), 0);
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 1; i <= n; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = f.id;
		m.uid = (uint32_t)(i * 2);
		m.date = 1000 + i;
		m.flags = i % 2 ? MSG_SEEN : 0;
		snprintf(subject, sizeof subject, "Subject %d", i);
		m.subject = subject;
		m.from_name = (char *)"Sender";
		ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	}
	ck_assert_int_eq(store_folder_recount(st, f.id), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_folder_release(&f);
	ck_assert_int_eq(store_folder_get(st, folder, &f), 0);
	ck_assert_int_eq(f.total, n);
	ck_assert_int_eq(f.unseen, n / 2);
	store_folder_release(&f);
	return 0;
}

START_TEST(test_modes)
{
	struct store *st = open_store("acct/../x y");
	struct stat sb;
	char *path, *err = NULL;

	path = store_path("acct/../x y", &err);
	ck_assert_ptr_nonnull(path);
	/* The account name never becomes a path component. */
	ck_assert_ptr_null(strstr(path, "/../"));
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	*strrchr(path, '/') = '\0';
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	free(path);
	store_close(st);
}
END_TEST

START_TEST(test_folders)
{
	static const struct {
		const char *name;
		enum folder_role role;
	} rows[] = {
		{ "zeta", ROLE_NONE }, { "Trash", ROLE_TRASH },
		{ "alpha", ROLE_NONE }, { "INBOX", ROLE_INBOX },
		{ "Sent", ROLE_SENT }, { "Drafts", ROLE_DRAFTS },
	};
	static const char *order[] = { "INBOX", "Drafts", "Sent", "Trash",
		"alpha", "zeta" };
	struct store_folder list[6], *got;
	struct store *st = open_store("folders");
	size_t n, i;

	memset(list, 0, sizeof list);
	for (i = 0; i < 6; i++) {
		list[i].name = (char *)rows[i].name;
		list[i].display = (char *)rows[i].name;
		list[i].role = rows[i].role;
	}
	ck_assert_int_eq(store_folders_replace(st, list, 6), 0);
	ck_assert_int_eq(store_folder_list(st, &got, &n), 0);
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < n; i++)
		ck_assert_msg(strcmp(got[i].name, order[i]) == 0,
		    "row %zu: got %s, want %s", i, got[i].name, order[i]);
	store_folder_list_free(got, n);

	/* Dropping a folder from the server's list drops it here. */
	add_folder_msgs(st, "zeta", 3);
	ck_assert_int_eq(store_folders_replace(st, list + 1, 5), 0);
	ck_assert_int_eq(store_folder_list(st, &got, &n), 0);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++)
		ck_assert_str_ne(got[i].name, "zeta");
	store_folder_list_free(got, n);
	store_close(st);
}
END_TEST

START_TEST(test_messages)
{
	struct store *st = open_store("msgs");
	struct store_folder f;
	struct store_msg m;
	uint32_t *uids;
	int64_t *ids;
	size_t n, i;

	add_folder_msgs(st, "INBOX", 10);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(store_msg_uids(st, f.id, &uids, &n), 0);
	ck_assert_uint_eq(n, 10);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(uids[i], (i + 1) * 2);
	free(uids);

	/* Newest first by default, oldest first reversed. */
	ck_assert_int_eq(store_msg_ids(st, f.id, 0, 0, &ids, &n), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 0);
	ck_assert_str_eq(m.subject, "Subject 10");
	ck_assert_uint_eq(m.uid, 20);
	store_msg_release(&m);
	free(ids);
	ck_assert_int_eq(store_msg_ids(st, f.id, 0, 1, &ids, &n), 0);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 0);
	ck_assert_str_eq(m.subject, "Subject 1");
	store_msg_release(&m);

	/* Flags, delete, a missing UID. */
	ck_assert_int_eq(store_msg_set_flags(st, f.id, 2, MSG_FLAGGED,
	    "$Label1"), 0);
	ck_assert_int_eq(store_msg_set_flags(st, f.id, 3, MSG_FLAGGED, NULL),
	    1);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 0);
	ck_assert_uint_eq(m.flags, MSG_FLAGGED);
	ck_assert_str_eq(m.keywords, "$Label1");
	store_msg_release(&m);
	ck_assert_int_eq(store_msg_delete(st, f.id, 2), 0);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 1);
	free(ids);

	/* A UIDVALIDITY change empties the folder. */
	ck_assert_int_eq(store_folder_clear(st, f.id), 0);
	ck_assert_int_eq(store_msg_uids(st, f.id, &uids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(uids);
	store_folder_release(&f);
	store_close(st);
}
END_TEST

START_TEST(test_bodies_and_pending)
{
	static const char raw[] = "Subject: x\r\n\r\nbody\0with NUL";
	struct store *st = open_store("bodies"), *ui;
	struct store_folder f;
	struct store_msg m;
	struct store_pending p;
	int64_t *ids;
	size_t n, len;
	char *got, *path, *err = NULL;

	add_folder_msgs(st, "INBOX", 2);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(store_msg_ids(st, f.id, 0, 0, &ids, &n), 0);
	ck_assert_int_eq(store_body_get(st, ids[0], &got, &len), 1);
	ck_assert_int_eq(store_body_put(st, ids[0], raw, sizeof raw - 1,
	    "body with words"), 0);

	/* A second handle (the UI's) sees what the first wrote. */
	path = store_path("bodies", &err);
	ck_assert_int_eq(store_open(path, "bodies", &ui, &err), 0);
	free(path);
	ck_assert_int_eq(store_body_get(ui, ids[0], &got, &len), 0);
	ck_assert_uint_eq(len, sizeof raw - 1);
	ck_assert_mem_eq(got, raw, len);
	free(got);
	ck_assert_int_eq(store_msg_get(ui, ids[0], &m), 0);
	ck_assert_int_eq(m.has_body, 1);
	ck_assert_uint_eq(m.flags, 0);	/* message 2: unseen */
	store_msg_release(&m);

	/* A user change applies at once and is queued, in order. */
	ck_assert_int_eq(store_pending_first(st, &p), 1);
	ck_assert_int_eq(store_pending_flags(ui, ids[0], MSG_SEEN, 0), 0);
	ck_assert_int_eq(store_pending_flags(ui, ids[1], MSG_FLAGGED,
	    MSG_SEEN), 0);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 0);
	ck_assert_uint_eq(m.flags, MSG_SEEN);
	store_msg_release(&m);
	ck_assert_int_eq(store_msg_get(st, ids[1], &m), 0);
	ck_assert_uint_eq(m.flags, MSG_FLAGGED);
	store_msg_release(&m);
	store_folder_release(&f);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(f.unseen, 1);
	ck_assert_int_eq(store_pending_first(st, &p), 0);
	ck_assert_uint_eq(p.uid, 4);
	ck_assert_uint_eq(p.add, MSG_SEEN);
	ck_assert_int_eq(store_pending_done(st, p.id), 0);
	ck_assert_int_eq(store_pending_first(st, &p), 0);
	ck_assert_uint_eq(p.uid, 2);
	ck_assert_uint_eq(p.add, MSG_FLAGGED);
	ck_assert_uint_eq(p.remove, MSG_SEEN);
	ck_assert_int_eq(store_pending_done(st, p.id), 0);
	ck_assert_int_eq(store_pending_first(st, &p), 1);

	/* Deleting a message deletes its body. */
	ck_assert_int_eq(store_msg_delete(st, f.id, 4), 0);
	ck_assert_int_eq(store_body_get(ui, ids[0], &got, &len), 1);
	free(ids);
	store_folder_release(&f);
	store_close(ui);
	store_close(st);
}
END_TEST

/* The outbox: durable states, the data byte for byte, the sent step. */
START_TEST(test_outbox)
{
	static const char data[] = "From: a@example.org\r\n\r\nbody\0x\r\n";
	char *rcpts[] = { (char *)"b@example.org", (char *)"c@example.org" };
	struct store *st = open_store("outbox"), *other;
	struct store_outbox e, *list;
	struct store_folder f;
	struct store_msg m;
	struct store_pending p;
	int64_t *ids, id, id2;
	size_t n;
	char *path, *err = NULL;
	int count;

	add_folder_msgs(st, "INBOX", 1);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(store_msg_ids(st, f.id, 0, 0, &ids, &n), 0);
	memset(&e, 0, sizeof e);
	e.state = OUTBOX_QUEUED;
	e.created = 1700000000;
	e.message_id = (char *)"<x1@example.org>";
	e.env_from = (char *)"a@example.org";
	e.rcpts = rcpts;
	e.nrcpt = 2;
	e.bcc = (char *)"c@example.org";
	e.subject = (char *)"Hello";
	e.orig_msg_id = ids[0];
	e.orig_flags = MSG_ANSWERED;
	e.data = (char *)data;
	e.len = sizeof data - 1;
	ck_assert_int_eq(store_outbox_add(st, &e, &id), 0);
	e.orig_msg_id = 0;
	e.message_id = (char *)"<x2@example.org>";
	ck_assert_int_eq(store_outbox_add(st, &e, &id2), 0);
	ck_assert_int_ne(id, id2);

	/* Another handle (another thread, another process) sees it all. */
	path = store_path("outbox", &err);
	ck_assert_int_eq(store_open(path, "outbox", &other, &err), 0);
	free(path);
	ck_assert_int_eq(store_outbox_get(other, id, &e), 0);
	ck_assert_uint_eq(e.len, sizeof data - 1);
	ck_assert_mem_eq(e.data, data, e.len);
	ck_assert_uint_eq(e.nrcpt, 2);
	ck_assert_str_eq(e.rcpts[1], "c@example.org");
	ck_assert_str_eq(e.bcc, "c@example.org");
	ck_assert_int_eq(e.state, OUTBOX_QUEUED);
	store_outbox_release(&e);
	ck_assert_int_eq(store_outbox_get(other, id2 + 10, &e), 1);
	ck_assert_int_eq(store_outbox_list(other, &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(list[0].data);
	ck_assert_str_eq(list[1].message_id, "<x2@example.org>");
	store_outbox_list_free(list, n);

	/* A try that failed for a while, then a crash in the final dot. */
	ck_assert_int_eq(store_outbox_set_state(st, id, OUTBOX_QUEUED,
	    "421 busy", 1700000060, 1), 0);
	ck_assert_int_eq(store_outbox_set_state(st, id2, OUTBOX_SENDING,
	    NULL, 0, 0), 0);
	ck_assert_int_eq(store_outbox_count(other, OUTBOX_SENDING, &count), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(store_outbox_recover(other, &count), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(store_outbox_count(st, OUTBOX_UNKNOWN, &count), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(store_outbox_get(st, id, &e), 0);
	ck_assert_str_eq(e.error, "421 busy");
	ck_assert_int_eq(e.attempts, 1);
	ck_assert_int_eq(e.next_try, 1700000060);
	store_outbox_release(&e);

	/* Sent: \Answered on the original with its pending change. */
	ck_assert_int_eq(store_outbox_sent(st, id, 1), 0);
	ck_assert_int_eq(store_outbox_get(other, id, &e), 0);
	ck_assert_int_eq(e.state, OUTBOX_SENT);
	ck_assert_ptr_null(e.error);
	store_outbox_release(&e);
	ck_assert_int_eq(store_msg_get(other, ids[0], &m), 0);
	ck_assert_uint_eq(m.flags & MSG_ANSWERED, MSG_ANSWERED);
	store_msg_release(&m);
	ck_assert_int_eq(store_pending_first(other, &p), 0);
	ck_assert_uint_eq(p.add, MSG_ANSWERED);
	store_pending_release(&p);
	ck_assert_int_eq(store_outbox_copy_started(st, id), 0);
	ck_assert_int_eq(store_outbox_remove(st, id), 0);
	/* Sent with no copy to keep: it leaves the outbox at once. */
	ck_assert_int_eq(store_outbox_sent(st, id2, 0), 0);
	ck_assert_int_eq(store_outbox_list(other, &list, &n), 0);
	ck_assert_uint_eq(n, 0);
	store_outbox_list_free(list, n);
	ck_assert_int_eq(store_outbox_set_state(st, id2, OUTBOX_QUEUED, NULL,
	    0, 0), -1);
	free(ids);
	store_folder_release(&f);
	store_close(other);
	store_close(st);
}
END_TEST

/* What the index threads a folder with: oldest first, strings or NULL. */
START_TEST(test_thread_rows)
{
	struct store *st = open_store("threads");
	struct store_folder list[2], f, g;
	struct store_thread_rows rows;
	const struct store_thread_row *r;
	struct store_msg m;
	int refs;

	memset(list, 0, sizeof list);
	list[0].name = list[0].display = (char *)"T";
	list[1].name = list[1].display = (char *)"U";
	ck_assert_int_eq(store_folders_replace(st, list, 2), 0);
	ck_assert_int_eq(store_folder_get(st, "T", &f), 0);
	ck_assert_int_eq(store_folder_get(st, "U", &g), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = f.id;
	m.uid = 1;
	m.date = 30;
	m.size = 100;
	m.message_id = (char *)"<a@x>";
	m.subject = (char *)"Alpha";
	m.from_name = (char *)"Ann";
	m.from_addr = (char *)"ann@x";
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = f.id;
	m.uid = 2;
	m.date = 10;
	m.references = (char *)"<a@x>";
	m.in_reply_to = (char *)"<a@x>";
	m.from_name = (char *)"";
	m.from_addr = (char *)"bob@x";
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = f.id;
	m.uid = 3;
	m.date = 20;
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = g.id;
	m.uid = 1;
	m.subject = (char *)"elsewhere";
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);

	for (refs = 1; refs >= 0; refs--) {
		ck_assert_int_eq(store_thread_rows(st, f.id, refs, &rows), 0);
		ck_assert_uint_eq(rows.n, 3);
		r = &rows.rows[0];
		ck_assert_int_eq(r->date, 10);
		ck_assert_ptr_null(r->subject);
		ck_assert_str_eq(r->from, "bob@x");
		ck_assert_ptr_null(r->message_id);
		if (refs) {
			ck_assert_str_eq(r->references, "<a@x>");
			ck_assert_str_eq(r->in_reply_to, "<a@x>");
		} else {
			ck_assert_ptr_null(r->references);
			ck_assert_ptr_null(r->in_reply_to);
		}
		r = &rows.rows[1];
		ck_assert_int_eq(r->date, 20);
		ck_assert_ptr_null(r->from);
		ck_assert_ptr_null(r->references);
		r = &rows.rows[2];
		ck_assert_int_eq(r->date, 30);
		ck_assert_int_eq(r->size, 100);
		ck_assert_str_eq(r->subject, "Alpha");
		ck_assert_str_eq(r->from, "Ann");
		if (refs)
			ck_assert_str_eq(r->message_id, "<a@x>");
		else
			ck_assert_ptr_null(r->message_id);
		store_thread_rows_release(&rows);
		ck_assert_ptr_null(rows.rows);
	}
	ck_assert_int_eq(store_thread_rows(st, g.id, 1, &rows), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_str_eq(rows.rows[0].subject, "elsewhere");
	store_thread_rows_release(&rows);
	ck_assert_int_eq(store_thread_rows(st, 999, 1, &rows), 0);
	ck_assert_uint_eq(rows.n, 0);
	store_thread_rows_release(&rows);
	store_folder_release(&f);
	store_folder_release(&g);
	store_close(st);
}
END_TEST

START_TEST(test_ephemeral)
{
	struct store *a, *b;
	struct store_folder f;
	char *err = NULL;
	char *cmd;

	ck_assert_int_eq(store_open(NULL, "eph", &a, &err), 0);
	ck_assert_int_eq(store_open(NULL, "eph", &b, &err), 0);
	add_folder_msgs(a, "INBOX", 3);
	ck_assert_int_eq(store_folder_get(b, "INBOX", &f), 0);
	ck_assert_int_eq(f.total, 3);
	store_folder_release(&f);
	store_close(a);
	store_close(b);
	/* Nothing was written to the cache folder. */
	cmd = xasprintf("test -z \"$(ls -A '%s')\"", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

/* 5 -> 6: a queued message of a version-5 cache keeps its bytes. */
/* Completing PREFIX in ST gives N addresses, the first FIRST. */
static void
expect_completion(struct store *st, const char *prefix, size_t n,
    const char *first)
{
	char **list;
	size_t got;

	ck_assert_int_eq(store_address_complete(st, prefix, 20, &list, &got),
	    0);
	ck_assert_msg(got == n, "%s: %zu completions, not %zu", prefix, got,
	    n);
	if (n > 0)
		ck_assert_str_eq(list[0], first);
	for (size_t i = 0; i < got; i++)
		free(list[i]);
	free(list);
}

START_TEST(test_outbox_migrate)
{
	static const char data[] = "To: b@example.org\r\n\r\nold body\r\n";
	char *rcpts[] = { (char *)"b@example.org" };
	struct store *st = open_store("outbox5");
	struct store_outbox e;
	char *path, *err = NULL, *cmd;
	int64_t id;

	memset(&e, 0, sizeof e);
	e.state = OUTBOX_QUEUED;
	e.message_id = (char *)"<m5@example.org>";
	e.env_from = (char *)"a@example.org";
	e.rcpts = rcpts;
	e.nrcpt = 1;
	e.data = (char *)data;
	e.len = sizeof data - 1;
	ck_assert_int_eq(store_outbox_add(st, &e, &id), 0);
	store_close(st);
	/* Back to how version 5 kept it: the bytes in outbox.data. */
	path = store_path("outbox5", &err);
	cmd = xasprintf("sqlite3 '%s' 'UPDATE outbox SET data = (SELECT data"
	    " FROM outbox_data WHERE outbox_data.id = outbox.id); DROP TABLE"
	    " outbox_data; DROP INDEX message_by_flags;"
	    " DROP TRIGGER message_thread_ins; DROP TRIGGER message_thread_del;"
	    " DROP TRIGGER message_thread_upd; DROP TABLE thread_cache;"
	    " ALTER TABLE folder DROP COLUMN thread_gen; DROP TABLE address;"
	    " PRAGMA user_version = 5;' 2>/dev/null", path);
	if (system(cmd) != 0) {
		free(cmd);
		free(path);
		return;		/* no sqlite3 CLI here */
	}
	free(cmd);
	ck_assert_int_eq(store_open(path, "outbox5", &st, &err), 0);
	ck_assert_int_eq(store_outbox_get(st, id, &e), 0);
	ck_assert_uint_eq(e.len, sizeof data - 1);
	ck_assert_mem_eq(e.data, data, e.len);
	store_outbox_release(&e);
	/* A state change leaves the bytes alone; removing takes them. */
	ck_assert_int_eq(store_outbox_set_state(st, id, OUTBOX_SENDING, NULL,
	    0, 0), 0);
	ck_assert_int_eq(store_outbox_get(st, id, &e), 0);
	ck_assert_mem_eq(e.data, data, e.len);
	store_outbox_release(&e);
	ck_assert_int_eq(store_outbox_remove(st, id), 0);
	ck_assert_int_eq(store_outbox_get(st, id, &e), 1);
	/* 8 -> 9 made the table of addresses written to. */
	e.message_id = (char *)"<m9@example.org>";
	ck_assert_int_eq(store_outbox_add(st, &e, &id), 0);
	store_close(st);
	st = NULL;
	ck_assert_int_eq(store_open(path, "outbox5", &st, &err), 0);
	expect_completion(st, "b@", 1, "b@example.org");
	store_close(st);
	free(path);
}
END_TEST

/*
 * The kept threads: valid while the folder is as it was built; whatever
 * moves the rows threading reads (a new message, a changed subject or
 * References, a deleted one) moves the generation, a flag does not.
 */
START_TEST(test_thread_cache)
{
	struct store *st = open_store("tcache");
	struct store_thread_rows rows;
	struct store_folder f;
	struct store_msg m;
	int64_t gen, gen2;
	void *data;
	size_t len;

	(void)add_folder_msgs(st, "INBOX", 5);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(store_thread_rows(st, f.id, 1, &rows), 0);
	ck_assert_uint_eq(rows.n, 5);
	gen = rows.gen;
	store_thread_rows_release(&rows);
	ck_assert_int_eq(store_thread_gen(st, f.id, &gen2), 0);
	ck_assert_int_eq(gen2, gen);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 0);

	/* Kept and read back at the same generation, as the same kind. */
	ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen, "abc", 3),
	    0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 1);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(data, "abc", 3);
	free(data);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 7, &data, &len), 0);

	/* A flag changes nothing threading reads. */
	ck_assert_int_eq(store_msg_set_flags(st, f.id, 2, MSG_FLAGGED, NULL),
	    0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 1);
	free(data);

	/* The same header again changes nothing either. */
	ck_assert_int_eq(store_thread_rows(st, f.id, 1, &rows), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = f.id;
	m.uid = 2;
	m.date = rows.rows[0].date;
	m.subject = (char *)"Subject 1";
	m.from_name = (char *)"Sender";
	m.flags = MSG_SEEN;
	store_thread_rows_release(&rows);
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 1);
	free(data);

	/* A changed subject does. */
	m.subject = (char *)"Another";
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 0);
	ck_assert_int_eq(store_thread_gen(st, f.id, &gen2), 0);
	ck_assert_int_gt(gen2, gen);

	/* A save of an older generation is not kept. */
	ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen, "old", 3),
	    0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 0);
	gen = gen2;
	ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen, "new", 3),
	    0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 1);
	free(data);

	/* New References, a new message, a deleted one: each moves it. */
	m.references = (char *)"<a@example.org>";
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 0);
	ck_assert_int_eq(store_thread_gen(st, f.id, &gen), 0);
	ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen, "x", 1), 0);
	m.uid = 100;
	ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 0);
	ck_assert_int_eq(store_thread_gen(st, f.id, &gen), 0);
	ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen, "y", 1), 0);
	ck_assert_int_eq(store_msg_delete(st, f.id, 100), 0);
	ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data, &len), 0);
	/* A batch as a sync writes it: updates alone keep it, a new row
	 * moves it. */
	{
		struct store_msg b[2];

		ck_assert_int_eq(store_thread_gen(st, f.id, &gen), 0);
		ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen,
		    "z", 1), 0);
		/* (b[0] takes the row id the deleted one had.) */
		b[0] = m;
		b[1] = m;
		b[1].uid = 4;
		b[1].subject = (char *)"Subject 2";
		b[1].references = NULL;
		b[1].date = 1002;
		b[1].flags = 0;
		ck_assert_int_eq(store_msg_put_batch(st, b + 1, 1), 0);
		ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data,
		    &len), 1);
		free(data);
		ck_assert_int_eq(store_msg_put_batch(st, b, 2), 0);
		ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data,
		    &len), 0);
		ck_assert_int_eq(store_msg_delete(st, f.id, 100), 0);
		ck_assert_int_eq(store_thread_gen(st, f.id, &gen), 0);
		ck_assert_int_eq(store_thread_cache_put(st, f.id, 3, gen,
		    "z", 1), 0);
		b[1].uid = 200;
		ck_assert_int_eq(store_msg_put_batch(st, b, 2), 0);
		ck_assert_int_eq(store_thread_cache_get(st, f.id, 3, &data,
		    &len), 0);
		ck_assert_int_eq(store_msg_delete(st, f.id, 200), 0);
		ck_assert_int_eq(store_msg_delete(st, f.id, 100), 0);
	}

	/* Rows read inside a write transaction see it, and keep it open. */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_thread_rows(st, f.id, 0, &rows), 0);
	ck_assert_uint_eq(rows.n, 5);
	store_thread_rows_release(&rows);
	ck_assert_int_eq(store_commit(st), 0);
	store_folder_release(&f);
	store_close(st);
}
END_TEST

/* A keyword ($Forwarded) set locally once and queued once. */
START_TEST(test_pending_keyword)
{
	struct store *st = open_store("kw");
	struct store_pending p;
	struct store_folder f;
	struct store_msg m;
	int64_t *ids = NULL;
	size_t n = 0;
	int count;

	(void)add_folder_msgs(st, "INBOX", 2);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(store_msg_ids(st, f.id, 0, 0, &ids, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(store_msg_set_flags(st, f.id, 2, 0, "Junk"), 0);
	ck_assert_int_eq(store_pending_keyword(st, ids[1], "$Forwarded"), 0);
	ck_assert_int_eq(store_msg_get(st, ids[1], &m), 0);
	ck_assert_str_eq(m.keywords, "Junk $Forwarded");
	store_msg_release(&m);
	/* Again, in another case: it has it, nothing more is queued. */
	ck_assert_int_eq(store_pending_keyword(st, ids[1], "$forwarded"), 0);
	ck_assert_int_eq(store_pending_count(st, &count), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(store_pending_first(st, &p), 0);
	ck_assert_int_eq(p.kind, PENDING_FLAGS);
	ck_assert_uint_eq(p.uid, 2);
	ck_assert_uint_eq(p.add, 0);
	ck_assert_uint_eq(p.remove, 0);
	ck_assert_str_eq(p.keyword, "$Forwarded");
	store_pending_release(&p);
	/* A message without keywords gets just the one. */
	ck_assert_int_eq(store_pending_keyword(st, ids[0], "$Forwarded"), 0);
	ck_assert_int_eq(store_msg_get(st, ids[0], &m), 0);
	ck_assert_str_eq(m.keywords, "$Forwarded");
	store_msg_release(&m);
	ck_assert_int_eq(store_pending_count(st, &count), 0);
	ck_assert_int_eq(count, 2);
	free(ids);
	store_folder_release(&f);
	store_close(st);
}
END_TEST

START_TEST(test_future_version)
{
	struct store *st = open_store("future");
	char *path, *err = NULL, *cmd, *notice;

	store_close(st);
	path = store_path("future", &err);
	cmd = xasprintf("sqlite3 '%s' 'PRAGMA user_version = 999' 2>/dev/null",
	    path);
	if (system(cmd) != 0) {
		free(cmd);
		free(path);
		return;		/* no sqlite3 CLI here */
	}
	free(cmd);
	/* Never trusted: set aside, with a notice, and a new cache made. */
	ck_assert_int_eq(store_open(path, "future", &st, &err), 0);
	notice = store_take_notice(st);
	ck_assert_ptr_nonnull(notice);
	ck_assert_ptr_nonnull(strstr(notice, "newer tern (schema 999"));
	ck_assert_ptr_null(store_take_notice(st));
	store_close(st);
	cmd = xasprintf("ls '%s'.newer-* >/dev/null 2>&1", path);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	ck_assert_int_eq(store_open(path, "future", &st, &err), 0);
	ck_assert_ptr_null(store_take_notice(st));
	store_close(st);
	free(notice);
	free(path);
}
END_TEST

/* Whether the file PATH followed by SUFFIX exists. */
static int
file_exists(const char *path, const char *suffix)
{
	char *name = xasprintf("%s%s", path, suffix);
	int r = access(name, F_OK) == 0;

	free(name);
	return r;
}

/* Open ACCOUNT's cache and close it at once: whether it was trusted. */
static int
open_trusted(const char *account)
{
	int before = trusted_lines;

	store_close(open_store(account));
	return trusted_lines - before;
}

START_TEST(test_clean_stamp)
{
	struct store *a, *b;
	struct timespec times[2];
	struct stat sb;
	char *path, *err = NULL, *stamp, byte;
	int fd;

	log_set_sink(count_sink, NULL, LOG_INFO);
	path = store_path("stamp", &err);
	ck_assert_ptr_nonnull(path);
	stamp = xasprintf("%s.clean", path);
	a = open_store("stamp");
	add_folder_msgs(a, "INBOX", 20);
	b = open_store("stamp");
	/* The first close leaves a -wal the other handle holds: no stamp. */
	store_close(a);
	ck_assert(!file_exists(path, ".clean"));
	store_close(b);
	ck_assert(file_exists(path, ".clean"));
	ck_assert(!file_exists(path, "-wal"));
	ck_assert_int_eq(stat(stamp, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);

	/* Open, the stamp is gone until the next clean close. */
	a = open_store("stamp");
	ck_assert_int_eq(trusted_lines, 1);
	ck_assert(!file_exists(path, ".clean"));
	store_close(a);
	ck_assert(file_exists(path, ".clean"));
	ck_assert_int_eq(open_trusted("stamp"), 1);

	/*
	 * A write behind tern's back moves the mtime: not trusted. The byte
	 * written is the one already there, so that the file stays sound for
	 * the rest of the test: only the stamp's view of it changes.
	 */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_ne(fd = open(path, O_RDWR), -1);
	ck_assert_int_eq(pread(fd, &byte, 1, sb.st_size / 2), 1);
	ck_assert_int_eq(pwrite(fd, &byte, 1, sb.st_size / 2), 1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(open_trusted("stamp"), 0);

	/* So does one whose mtime was put back (its ctime moved). */
	ck_assert_int_eq(stat(path, &sb), 0);
	times[0] = sb.st_atim;
	times[1] = sb.st_mtim;
	ck_assert_int_ne(fd = open(path, O_RDWR), -1);
	ck_assert_int_eq(pread(fd, &byte, 1, sb.st_size / 2), 1);
	ck_assert_int_eq(pwrite(fd, &byte, 1, sb.st_size / 2), 1);
	ck_assert_int_eq(futimens(fd, times), 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(open_trusted("stamp"), 0);

	/* A stamp that does not parse says nothing either. */
	ck_assert(file_exists(path, ".clean"));
	ck_assert_int_ne(fd = open(stamp, O_WRONLY | O_TRUNC), -1);
	ck_assert_int_eq(write(fd, "tern clean 1\n", 13), 13);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(open_trusted("stamp"), 0);

	/* As a crash would leave it: the stamp gone, the -wal with data. */
	a = open_store("stamp");
	ck_assert_int_eq(trusted_lines, 3);
	add_folder_msgs(a, "Other", 2);
	ck_assert(!file_exists(path, ".clean"));
	ck_assert(file_exists(path, "-wal"));
	b = open_store("stamp");
	ck_assert_int_eq(trusted_lines, 3);
	store_close(b);
	store_close(a);
	ck_assert_int_eq(open_trusted("stamp"), 1);

	log_set_sink(NULL, NULL, LOG_ERROR);
	free(stamp);
	free(path);
}
END_TEST

/*
 * Completion: the addresses written to first, most often first, then
 * the senders of the cache; each address once whatever its case; a draft
 * counts nothing; the prefix's % and _ are literal.
 */
START_TEST(test_address_complete)
{
	struct store *st = open_store("complete");
	struct store_folder f;
	struct store_msg m;
	struct store_outbox e;
	char *r1[] = { (char *)"gina@example.org", (char *)"hal@example.org" };
	char *n1[] = { (char *)"Gina Gale", NULL };
	char *r2[] = { (char *)"Hal@Example.org" };
	char *n2[] = { (char *)"Hal, the Second" };
	char *r3[] = { (char *)"gus@example.org" };
	static const char data[] = "To: x\r\n\r\nx\r\n";
	static const char *const senders[] = {
		"gus@example.org", "hal@example.org", "gabe@example.org",
		"gabe@example.org", "50%_off@example.org",
	};
	char **list;
	size_t n, i;
	int64_t id;

	add_folder_msgs(st, "INBOX", 0);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < sizeof senders / sizeof *senders; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = f.id;
		m.uid = (uint32_t)(i + 1);
		m.date = 1000 + (int64_t)i;
		m.from_addr = (char *)senders[i];
		m.from_name = (char *)"Sender";
		ck_assert_int_eq(store_msg_put(st, &m, NULL), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
	store_folder_release(&f);

	/* Senders only: gabe wrote twice. */
	expect_completion(st, "g", 2, "Sender <gabe@example.org>");

	memset(&e, 0, sizeof e);
	e.state = OUTBOX_QUEUED;
	e.created = 1700000000;
	e.message_id = (char *)"<c1@example.org>";
	e.env_from = (char *)"me@example.org";
	e.rcpts = r1;
	e.rcpt_names = n1;
	e.nrcpt = 2;
	e.data = (char *)data;
	e.len = sizeof data - 1;
	ck_assert_int_eq(store_outbox_add(st, &e, &id), 0);
	e.message_id = (char *)"<c2@example.org>";
	e.created++;
	e.rcpts = r2;
	e.rcpt_names = n2;
	e.nrcpt = 1;
	ck_assert_int_eq(store_outbox_add(st, &e, &id), 0);
	/* A draft is not written to anybody yet. */
	e.state = OUTBOX_DRAFT;
	e.message_id = (char *)"<c3@example.org>";
	e.rcpts = r3;
	e.rcpt_names = NULL;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(store_outbox_add(st, &e, &id), 0);

	ck_assert_int_eq(store_address_complete(st, "g", 20, &list, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0], "Gina Gale <gina@example.org>");
	ck_assert_str_eq(list[1], "Sender <gabe@example.org>");
	ck_assert_str_eq(list[2], "Sender <gus@example.org>");
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	/*
	 * hal: written to twice, in two cases (the first is kept), named
	 * the second time; its sender row is not offered again.
	 */
	expect_completion(st, "h", 1, "\"Hal, the Second\" <hal@example.org>");
	/* A word of the name. */
	expect_completion(st, "gal", 1, "Gina Gale <gina@example.org>");
	expect_completion(st, "sec", 1, "\"Hal, the Second\" <hal@example.org>");
	/* LIKE's own characters are literal. */
	expect_completion(st, "50%_", 1, "Sender <50%_off@example.org>");
	expect_completion(st, "5_", 0, NULL);
	expect_completion(st, "%", 0, NULL);
	/* MAX holds across both sources. */
	ck_assert_int_eq(store_address_complete(st, "g", 2, &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	store_close(st);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_folders);
	tcase_add_test(tc, test_messages);
	tcase_add_test(tc, test_bodies_and_pending);
	tcase_add_test(tc, test_outbox);
	tcase_add_test(tc, test_thread_rows);
	tcase_add_test(tc, test_ephemeral);
	tcase_add_test(tc, test_future_version);
	tcase_add_test(tc, test_outbox_migrate);
	tcase_add_test(tc, test_clean_stamp);
	tcase_add_test(tc, test_thread_cache);
	tcase_add_test(tc, test_pending_keyword);
	tcase_add_test(tc, test_address_complete);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(store_suite());
}
