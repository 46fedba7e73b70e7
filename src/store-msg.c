/*
 * The store's messages (see store.h): header rows, raw bodies and their
 * text for full-text search, the counts of a folder, and the rows that
 * threading reads.
 */
#include "autoconfig.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store-private.h"
#include "strbuf.h"
#include "util.h"
#include "xmalloc.h"

/* Messages. */

#define MSG_COLUMNS \
	"id, folder_id, uid, modseq, flags, keywords, date, internaldate," \
	" size, from_name, from_addr, to_addrs, cc_addrs, subject," \
	" message_id, in_reply_to, refs, has_body, gone, has_attachment"

void
store_msg_release(struct store_msg *m)
{
	free(m->keywords);
	free(m->from_name);
	free(m->from_addr);
	free(m->to_addrs);
	free(m->cc_addrs);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	memset(m, 0, sizeof *m);
}

static void store_read_end(struct store *);

/* The upsert of one message, with or without the row id returned. */
#define MSG_UPSERT \
	"INSERT INTO message (folder_id, uid, modseq, flags, keywords, date," \
	" internaldate, size, from_name, from_addr, to_addrs, cc_addrs," \
	" subject, message_id, in_reply_to, refs, has_attachment)" \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13," \
	" ?14, ?15, ?16, ?17) ON CONFLICT (folder_id, uid) DO UPDATE SET" \
	" modseq = ?3, flags = ?4, keywords = ?5, date = ?6," \
	" internaldate = ?7, size = ?8, from_name = ?9, from_addr = ?10," \
	" to_addrs = ?11, cc_addrs = ?12, subject = ?13, message_id = ?14," \
	" in_reply_to = ?15, refs = ?16," \
	" has_attachment = max(has_attachment, ?17)"

/*
 * Bind M to the parameters of MSG_UPSERT. The strings are not copied: M
 * must outlive the statement's step.
 */
static void
store_msg_bind(sqlite3_stmt *stmt, const struct store_msg *m)
{
	sqlite3_bind_int64(stmt, 1, m->folder_id);
	sqlite3_bind_int64(stmt, 2, m->uid);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)m->modseq);
	sqlite3_bind_int(stmt, 4, (int)m->flags);
	store_bind_static(stmt, 5, m->keywords);
	sqlite3_bind_int64(stmt, 6, m->date);
	sqlite3_bind_int64(stmt, 7, m->internaldate);
	sqlite3_bind_int64(stmt, 8, m->size);
	store_bind_static(stmt, 9, m->from_name);
	store_bind_static(stmt, 10, m->from_addr);
	store_bind_static(stmt, 11, m->to_addrs);
	store_bind_static(stmt, 12, m->cc_addrs);
	store_bind_static(stmt, 13, m->subject);
	store_bind_static(stmt, 14, m->message_id);
	store_bind_static(stmt, 15, m->in_reply_to);
	store_bind_static(stmt, 16, m->references);
	sqlite3_bind_int(stmt, 17, m->has_attachment != 0);
}

int
store_msg_put(struct store *st, const struct store_msg *m, int64_t *id_r)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, MSG_UPSERT " RETURNING id");
	if (stmt == NULL)
		return -1;
	store_msg_bind(stmt, m);
	/* 0 until an insert sets it: an update leaves it alone. */
	sqlite3_set_last_insert_rowid(st->db, 0);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW && id_r != NULL)
		*id_r = sqlite3_column_int64(stmt, 0);
	store_stmt_done(st, stmt);
	if (r != SQLITE_ROW)
		return -1;
	/* A new row (an update's changes move the generation by trigger). */
	if (sqlite3_last_insert_rowid(st->db) != 0)
		return store_thread_touch(st, m->folder_id);
	return 0;
}

int
store_thread_touch(struct store *st, int64_t folder_id)
{
	return store_exec_id(st, "UPDATE folder SET thread_gen ="
	    " thread_gen + 1 WHERE id = ?1", folder_id);
}

int
store_msg_put_batch(struct store *st, const struct store_msg *msgs, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	sqlite3_int64 touched = -1;
	size_t i;

	if (n == 0)
		return 0;
	if (store_begin(st) != 0)
		return -1;
	/* One statement for the batch, reset between the rows. */
	if ((stmt = store_prepare(st, MSG_UPSERT)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		store_msg_bind(stmt, &msgs[i]);
		sqlite3_set_last_insert_rowid(st->db, 0);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(stmt);
		/*
		 * A new row: its folder's generation moves once for the run
		 * of the batch in that folder (a batch is one folder, mostly).
		 */
		if (sqlite3_last_insert_rowid(st->db) != 0 &&
		    msgs[i].folder_id != touched) {
			if (store_thread_touch(st, msgs[i].folder_id) != 0)
				goto fail;
			touched = msgs[i].folder_id;
		}
	}
	store_stmt_done(st, stmt);
	stmt = NULL;
	if (store_commit(st) != 0)
		goto fail;
	return 0;
fail:
	store_stmt_done(st, stmt);
	store_rollback(st);
	return -1;
}

int
store_msg_set_flags(struct store *st, int64_t folder_id, uint32_t uid,
    unsigned int flags, const char *keywords)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE message SET flags = ?3, keywords = ?4"
	    " WHERE folder_id = ?1 AND uid = ?2");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int64(stmt, 2, uid);
	sqlite3_bind_int(stmt, 3, (int)flags);
	store_bind_text(stmt, 4, keywords);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE)
		return -1;
	return sqlite3_changes(st->db) == 0 ? 1 : 0;
}

int
store_msg_delete(struct store *st, int64_t folder_id, uint32_t uid)
{
	return store_exec_pair(st,
	    "DELETE FROM message WHERE folder_id = ?1 AND uid = ?2",
	    folder_id, uid);
}

int
store_msg_uid_flags(struct store *st, int64_t folder_id, uint32_t **uids_r,
    unsigned int **flags_r, size_t *n_r)
{
	sqlite3_stmt *stmt;
	uint32_t *uids = NULL;
	unsigned int *flags = NULL;
	size_t n = 0, alloc = 0;
	int r;

	*n_r = 0;
	*uids_r = NULL;
	if (flags_r != NULL)
		*flags_r = NULL;
	stmt = store_prepare(st, "SELECT uid, flags FROM message"
	    " WHERE folder_id = ?1 AND gone = 0 ORDER BY uid");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			uids = xreallocarray(uids, alloc, sizeof *uids);
			if (flags_r != NULL)
				flags = xreallocarray(flags, alloc,
				    sizeof *flags);
		}
		uids[n] = (uint32_t)sqlite3_column_int64(stmt, 0);
		if (flags_r != NULL)
			flags[n] = (unsigned int)sqlite3_column_int(stmt, 1);
		n++;
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE) {
		free(uids);
		free(flags);
		return -1;
	}
	*uids_r = uids;
	if (flags_r != NULL)
		*flags_r = flags;
	*n_r = n;
	return 0;
}

int
store_msg_id(struct store *st, int64_t folder_id, uint32_t uid,
    int64_t *id_r)
{
	sqlite3_stmt *stmt;
	int r;

	*id_r = 0;
	stmt = store_prepare(st,
	    "SELECT id FROM message WHERE folder_id = ?1 AND uid = ?2");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int64(stmt, 2, uid);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*id_r = sqlite3_column_int64(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_msg_set_gone(struct store *st, int64_t folder_id, uint32_t uid)
{
	return store_exec_pair(st, "UPDATE message SET gone = 1"
	    " WHERE folder_id = ?1 AND uid = ?2", folder_id, uid);
}

int
store_folder_drop_gone(struct store *st, int64_t folder_id)
{
	if (store_begin(st) != 0)
		return -1;
	if (store_exec_id(st, "DELETE FROM message WHERE folder_id = ?1"
	    " AND gone = 1", folder_id) != 0 ||
	    store_folder_recount(st, folder_id) != 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

int
store_msg_uids(struct store *st, int64_t folder_id, uint32_t **uids_r,
    size_t *n_r)
{
	return store_msg_uid_flags(st, folder_id, uids_r, NULL, n_r);
}

int
store_msg_ids(struct store *st, int64_t folder_id, int sort, int reverse,
    int64_t **ids_r, size_t *n_r)
{
	static const char *orders[][2] = {
		/* SORT_DATE: newest first unless reversed. */
		{ "date DESC, uid DESC", "date ASC, uid ASC" },
		/* SORT_THREADS: threading is the UI's; date order here. */
		{ "date DESC, uid DESC", "date ASC, uid ASC" },
		/* SORT_FROM */
		{ "coalesce(from_name, from_addr) COLLATE NOCASE, date DESC",
		  "coalesce(from_name, from_addr) COLLATE NOCASE DESC, date" },
		/* SORT_SUBJECT */
		{ "subject COLLATE NOCASE, date DESC",
		  "subject COLLATE NOCASE DESC, date" },
		/* SORT_SIZE: largest first. */
		{ "size DESC, uid DESC", "size ASC, uid ASC" },
	};
	sqlite3_stmt *stmt;
	char *sql;

	*ids_r = NULL;
	*n_r = 0;
	if (sort < 0 || sort >= (int)(sizeof orders / sizeof orders[0]))
		sort = 0;
	sql = xasprintf("SELECT id FROM message WHERE folder_id = ?1"
	    " ORDER BY %s", orders[sort][reverse ? 1 : 0]);
	stmt = store_prepare(st, sql);
	free(sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	return store_step_ids(st, stmt, ids_r, n_r);
}

int
store_msg_get(struct store *st, int64_t id, struct store_msg *m_r)
{
	sqlite3_stmt *stmt;
	int r;

	memset(m_r, 0, sizeof *m_r);
	stmt = store_prepare(st, "SELECT " MSG_COLUMNS
	    " FROM message WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		m_r->id = sqlite3_column_int64(stmt, 0);
		m_r->folder_id = sqlite3_column_int64(stmt, 1);
		m_r->uid = (uint32_t)sqlite3_column_int64(stmt, 2);
		m_r->modseq = (uint64_t)sqlite3_column_int64(stmt, 3);
		m_r->flags = (unsigned int)sqlite3_column_int(stmt, 4);
		m_r->keywords = store_column_dup(stmt, 5);
		m_r->date = sqlite3_column_int64(stmt, 6);
		m_r->internaldate = sqlite3_column_int64(stmt, 7);
		m_r->size = sqlite3_column_int64(stmt, 8);
		m_r->from_name = store_column_dup(stmt, 9);
		m_r->from_addr = store_column_dup(stmt, 10);
		m_r->to_addrs = store_column_dup(stmt, 11);
		m_r->cc_addrs = store_column_dup(stmt, 12);
		m_r->subject = store_column_dup(stmt, 13);
		m_r->message_id = store_column_dup(stmt, 14);
		m_r->in_reply_to = store_column_dup(stmt, 15);
		m_r->references = store_column_dup(stmt, 16);
		m_r->has_body = sqlite3_column_int(stmt, 17);
		m_r->gone = sqlite3_column_int(stmt, 18);
		m_r->has_attachment = sqlite3_column_int(stmt, 19);
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_msg_set_attachment(struct store *st, int64_t msg_id, int yes)
{
	return store_exec_pair(st, "UPDATE message SET has_attachment = ?2"
	    " WHERE id = ?1", msg_id, yes != 0);
}

int
store_msg_without_body(struct store *st, int64_t folder_id, size_t max,
    int64_t **ids_r, size_t *n_r)
{
	sqlite3_stmt *stmt;

	*ids_r = NULL;
	*n_r = 0;
	stmt = store_prepare(st, "SELECT id FROM message WHERE folder_id = ?1"
	    " AND has_body = 0 AND gone = 0 ORDER BY date DESC, uid DESC"
	    " LIMIT ?2");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int64(stmt, 2, max > INT64_MAX ? INT64_MAX :
	    (int64_t)max);
	return store_step_ids(st, stmt, ids_r, n_r);
}

/* Bodies. */

int
store_body_put(struct store *st, int64_t msg_id, const char *raw, size_t len,
    const char *text)
{
	sqlite3_stmt *stmt;
	int r;

	if (store_begin(st) != 0)
		return -1;
	stmt = store_prepare(st, "INSERT OR REPLACE INTO body (message_id, raw)"
	    " VALUES (?1, ?2)");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_blob64(stmt, 2, raw, len, SQLITE_STATIC);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE ||
	    store_exec_id(st, "UPDATE message SET has_body = 1 WHERE id = ?1",
	    msg_id) != 0)
		goto fail;
	if (text != NULL) {
		stmt = store_prepare(st, "INSERT OR REPLACE INTO fts"
		    " (rowid, body) VALUES (?1, ?2)");
		if (stmt == NULL)
			goto fail;
		sqlite3_bind_int64(stmt, 1, msg_id);
		sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
		r = sqlite3_step(stmt);
		store_stmt_done(st, stmt);
		if (r != SQLITE_DONE)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
store_body_get(struct store *st, int64_t msg_id, char **raw_r, size_t *len_r)
{
	sqlite3_stmt *stmt;
	const void *blob;
	size_t len;
	int r;

	*raw_r = NULL;
	*len_r = 0;
	stmt = store_prepare(st, "SELECT raw FROM body WHERE message_id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, msg_id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		blob = sqlite3_column_blob(stmt, 0);
		len = (size_t)sqlite3_column_bytes(stmt, 0);
		*raw_r = xmalloc(len + 1);
		if (len > 0)
			memcpy(*raw_r, blob, len);
		(*raw_r)[len] = '\0';
		*len_r = len;
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

/* Counts. */

/* One number from SQL with ?1 bound to FOLDER_ID: 0, or -1. */
static int
store_folder_number(struct store *st, const char *sql, int64_t folder_id,
    int64_t *v_r)
{
	sqlite3_stmt *stmt;
	int r;

	*v_r = 0;
	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*v_r = sqlite3_column_int64(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

int
store_msg_count(struct store *st, int64_t folder_id, size_t *n_r)
{
	int64_t v;
	int r;

	r = store_folder_number(st, "SELECT count(*) FROM message"
	    " WHERE folder_id = ?1 AND gone = 0", folder_id, &v);
	*n_r = (size_t)v;
	return r;
}

int
store_msg_max_uid(struct store *st, int64_t folder_id, uint32_t *uid_r)
{
	int64_t v;
	int r;

	r = store_folder_number(st, "SELECT coalesce(max(uid), 0) FROM message"
	    " WHERE folder_id = ?1 AND gone = 0", folder_id, &v);
	*uid_r = (uint32_t)v;
	return r;
}

int
store_folder_count_flag(struct store *st, int64_t folder_id,
    unsigned int flag, int *n_r)
{
	sqlite3_stmt *stmt;
	int r;

	*n_r = 0;
	stmt = store_prepare(st, "SELECT count(*) FROM message"
	    " WHERE folder_id = ?1 AND (flags & ?2) != 0");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int(stmt, 2, (int)flag);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*n_r = sqlite3_column_int(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

int
store_folder_counts(struct store *st, int64_t folder_id,
    struct store_counts *c_r)
{
	sqlite3_stmt *stmt;
	int r;

	memset(c_r, 0, sizeof *c_r);
	stmt = store_prepare(st, "SELECT count(*),"
	    " coalesce(sum((flags & ?2) = 0), 0),"
	    " coalesce(sum((flags & ?3) != 0), 0),"
	    " coalesce(sum((flags & ?4) != 0), 0)"
	    " FROM message WHERE folder_id = ?1 AND gone = 0");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int(stmt, 2, MSG_SEEN);
	sqlite3_bind_int(stmt, 3, MSG_FLAGGED);
	sqlite3_bind_int(stmt, 4, MSG_DELETED);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		c_r->total = sqlite3_column_int(stmt, 0);
		c_r->unseen = sqlite3_column_int(stmt, 1);
		c_r->flagged = sqlite3_column_int(stmt, 2);
		c_r->deleted = sqlite3_column_int(stmt, 3);
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

/* Threads. */

void
store_thread_rows_release(struct store_thread_rows *rows)
{
	free(rows->rows);
	free(rows->strings);
	memset(rows, 0, sizeof *rows);
}

int
store_thread_each(struct store *st, int64_t folder_id, int refs,
    store_thread_fn *fn, void *arg, int64_t *gen_r)
{
	struct store_thread_row row;
	sqlite3_stmt *stmt;
	const char **f[5] = {
		&row.message_id, &row.in_reply_to, &row.references,
		&row.subject, &row.from
	};
	int r, c;

	*gen_r = 0;
	/* One snapshot for the rows and the generation they are. */
	if (st->tx_depth == 0 && store_exec(st, "BEGIN") != 0)
		return -1;
	if (store_thread_gen(st, folder_id, gen_r) != 0) {
		store_read_end(st);
		return -1;
	}
	stmt = store_prepare(st, refs ?
	    "SELECT id, date, size, message_id, in_reply_to, refs, subject,"
	    " coalesce(nullif(from_name, ''), from_addr)"
	    " FROM message WHERE folder_id = ?1 ORDER BY date, uid" :
	    "SELECT id, date, size, NULL, NULL, NULL, subject,"
	    " coalesce(nullif(from_name, ''), from_addr)"
	    " FROM message WHERE folder_id = ?1 ORDER BY date, uid");
	if (stmt == NULL) {
		store_read_end(st);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, folder_id);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(stmt, 0);
		row.date = sqlite3_column_int64(stmt, 1);
		row.size = sqlite3_column_int64(stmt, 2);
		for (c = 0; c < 5; c++)
			*f[c] = (const char *)sqlite3_column_text(stmt, 3 + c);
		if (fn(arg, &row) != 0)
			break;
	}
	store_stmt_done(st, stmt);
	store_read_end(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? 0 : -1;
}

/* Collecting rows for store_thread_rows(): offsets until the block stops
 * moving. */
struct store_rows_acc {
	struct store_thread_row *rows;
	size_t n, alloc, *off;
	struct strbuf sb;
};

static int
store_rows_take(void *arg, const struct store_thread_row *row)
{
	struct store_rows_acc *a = arg;
	const char *f[5] = {
		row->message_id, row->in_reply_to, row->references,
		row->subject, row->from
	};
	size_t c;

	if (a->n == a->alloc) {
		a->alloc = a->alloc == 0 ? 1024 : a->alloc * 2;
		a->rows = xreallocarray(a->rows, a->alloc, sizeof *a->rows);
		a->off = xreallocarray(a->off, a->alloc, 5 * sizeof *a->off);
	}
	a->rows[a->n] = *row;
	/* OFF holds offsets + 1 (0: NULL). */
	for (c = 0; c < 5; c++) {
		if (f[c] == NULL) {
			a->off[5 * a->n + c] = 0;
			continue;
		}
		a->off[5 * a->n + c] = a->sb.len + 1;
		strbuf_addstr(&a->sb, f[c]);
		strbuf_addch(&a->sb, '\0');
	}
	a->n++;
	return 0;
}

int
store_thread_rows(struct store *st, int64_t folder_id, int refs,
    struct store_thread_rows *out)
{
	struct store_rows_acc a;
	size_t i, k;

	memset(out, 0, sizeof *out);
	memset(&a, 0, sizeof a);
	strbuf_init(&a.sb, 0);
	if (store_thread_each(st, folder_id, refs, store_rows_take, &a,
	    &out->gen) != 0) {
		free(a.rows);
		free(a.off);
		strbuf_release(&a.sb);
		return -1;
	}
	out->strings = strbuf_detach(&a.sb, NULL);
	for (i = 0; i < a.n; i++) {
		const char **f[5] = {
			&a.rows[i].message_id, &a.rows[i].in_reply_to,
			&a.rows[i].references, &a.rows[i].subject,
			&a.rows[i].from
		};

		for (k = 0; k < 5; k++)
			*f[k] = a.off[5 * i + k] == 0 ? NULL :
			    out->strings + a.off[5 * i + k] - 1;
	}
	free(a.off);
	out->rows = a.rows;
	out->n = a.n;
	return 0;
}

/* End the read snapshot store_thread_rows() began, if it began one. */
static void
store_read_end(struct store *st)
{
	if (st->tx_depth == 0 && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int
store_thread_gen(struct store *st, int64_t folder_id, int64_t *gen_r)
{
	sqlite3_stmt *stmt;
	int r;

	*gen_r = 0;
	stmt = store_prepare(st, "SELECT thread_gen FROM folder WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*gen_r = sqlite3_column_int64(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : -1;
}

int
store_thread_cache_get(struct store *st, int64_t folder_id, int kind,
    void **data_r, size_t *len_r)
{
	sqlite3_stmt *stmt;
	const void *blob;
	int r, len;

	*data_r = NULL;
	*len_r = 0;
	stmt = store_prepare(st, "SELECT c.data FROM thread_cache c"
	    " JOIN folder f ON f.id = c.folder_id WHERE c.folder_id = ?1"
	    " AND c.kind = ?2 AND c.gen = f.thread_gen");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int(stmt, 2, kind);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		blob = sqlite3_column_blob(stmt, 0);
		len = sqlite3_column_bytes(stmt, 0);
		if (blob != NULL && len > 0) {
			*data_r = xmalloc((size_t)len);
			memcpy(*data_r, blob, (size_t)len);
			*len_r = (size_t)len;
		}
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return -1;
	return *data_r != NULL;
}

int
store_thread_cache_put(struct store *st, int64_t folder_id, int kind,
    int64_t gen, const void *data, size_t len)
{
	sqlite3_stmt *stmt;
	int r;

	if (len > INT_MAX)
		return -1;
	/* Only while the folder is still what was threaded. */
	stmt = store_prepare(st, "INSERT INTO thread_cache"
	    " (folder_id, kind, gen, data) SELECT id, ?2, ?3, ?4 FROM folder"
	    " WHERE id = ?1 AND thread_gen = ?3 ON CONFLICT (folder_id)"
	    " DO UPDATE SET kind = excluded.kind, gen = excluded.gen,"
	    " data = excluded.data");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int(stmt, 2, kind);
	sqlite3_bind_int64(stmt, 3, gen);
	sqlite3_bind_blob(stmt, 4, data, (int)len, SQLITE_STATIC);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

/* Append "Name <addr>" to SB, the name quoted when RFC 5322 needs it. */
static void
store_address_format(struct strbuf *sb, const char *name, const char *addr)
{
	const char *p;
	int quote = 0;

	if (name == NULL || *name == '\0' || strcmp(name, addr) == 0) {
		strbuf_addstr(sb, addr);
		return;
	}
	for (p = name; *p != '\0'; p++)
		if (strchr("()<>[]:;@\\,.\"", *p) != NULL)
			quote = 1;
	if (!quote) {
		strbuf_addf(sb, "%s <%s>", name, addr);
		return;
	}
	strbuf_addch(sb, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *p);
	}
	strbuf_addf(sb, "\" <%s>", addr);
}

int
store_address_note(struct store *st, const struct store_outbox *e,
    int64_t when)
{
	sqlite3_stmt *stmt;
	const char *name;
	size_t i;
	int r = SQLITE_DONE;

	if (e->nrcpt == 0)
		return 0;
	/* A name given replaces the one kept; none keeps it. */
	stmt = store_prepare(st, "INSERT INTO address (addr, name, uses, last)"
	    " VALUES (?1, ?2, 1, ?3) ON CONFLICT (addr) DO UPDATE SET"
	    " uses = uses + 1, last = max(last, excluded.last),"
	    " name = coalesce(excluded.name, name)");
	if (stmt == NULL)
		return -1;
	for (i = 0; i < e->nrcpt && r == SQLITE_DONE; i++) {
		if (e->rcpts[i] == NULL || strchr(e->rcpts[i], '@') == NULL)
			continue;
		name = e->rcpt_names != NULL ? e->rcpt_names[i] : NULL;
		store_bind_static(stmt, 1, e->rcpts[i]);
		store_bind_static(stmt, 2,
		    name != NULL && *name != '\0' ? name : NULL);
		sqlite3_bind_int64(stmt, 3, when);
		r = sqlite3_step(stmt);
		sqlite3_reset(stmt);
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

/* The completions gathered: each shown form and its address. */
struct store_address_set {
	char **list, **addrs;
	size_t n, max;
};

/*
 * Add the rows of STMT (name, address) to SET, each address once
 * whatever its case, up to its max: SQLITE_DONE, or an error.
 */
static int
store_address_rows(sqlite3_stmt *stmt, struct store_address_set *set)
{
	struct strbuf sb = STRBUF_INIT;
	const char *name, *addr;
	size_t i;
	int r = SQLITE_DONE;

	while (set->n < set->max && (r = sqlite3_step(stmt)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(stmt, 0);
		addr = (const char *)sqlite3_column_text(stmt, 1);
		if (addr == NULL || *addr == '\0' || strchr(addr, '@') == NULL)
			continue;
		for (i = 0; i < set->n; i++)
			if (strcasecmp(set->addrs[i], addr) == 0)
				break;
		if (i < set->n)
			continue;
		strbuf_reset(&sb);
		store_address_format(&sb, name, addr);
		set->list = xreallocarray(set->list, set->n + 1,
		    sizeof *set->list);
		set->addrs = xreallocarray(set->addrs, set->n + 1,
		    sizeof *set->addrs);
		set->list[set->n] = xstrdup(sb.buf);
		set->addrs[set->n++] = xstrdup(addr);
	}
	strbuf_release(&sb);
	return set->n >= set->max ? SQLITE_DONE : r;
}

int
store_address_complete(struct store *st, const char *prefix, size_t max,
    char ***list_r, size_t *n_r)
{
	static const char *const sql[] = {
		/* Those written to, most often and lately first. */
		"SELECT name, addr FROM address"
		" WHERE addr LIKE ?1 ESCAPE '\\'"
		"  OR name LIKE ?1 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\'"
		" ORDER BY uses DESC, last DESC LIMIT ?3",
		/* Then those who write most: the senders of the cache. */
		"SELECT from_name, from_addr FROM message"
		" WHERE from_addr LIKE ?1 ESCAPE '\\'"
		"  OR from_name LIKE ?1 ESCAPE '\\'"
		"  OR from_name LIKE ?2 ESCAPE '\\'"
		" GROUP BY lower(from_addr)"
		" ORDER BY count(*) DESC, max(date) DESC LIMIT ?3",
	};
	struct strbuf like = STRBUF_INIT, word = STRBUF_INIT;
	struct store_address_set set = { NULL, NULL, 0, max };
	sqlite3_stmt *stmt;
	const char *p;
	size_t i;
	int r = SQLITE_DONE;

	*list_r = NULL;
	*n_r = 0;
	/* PREFIX as a LIKE pattern: its own % and _ taken literally. */
	for (p = prefix; *p != '\0'; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			strbuf_addch(&like, '\\');
		strbuf_addch(&like, *p);
	}
	strbuf_addf(&word, "%% %s%%", like.buf != NULL ? like.buf : "");
	strbuf_addch(&like, '%');
	for (i = 0; i < sizeof sql / sizeof *sql && set.n < max &&
	    r == SQLITE_DONE; i++) {
		if ((stmt = store_prepare(st, sql[i])) == NULL) {
			r = SQLITE_ERROR;
			break;
		}
		sqlite3_bind_text(stmt, 1, like.buf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 2, word.buf, -1, SQLITE_TRANSIENT);
		/* Room for the ones already taken, which may come again. */
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)(max + set.n));
		r = store_address_rows(stmt, &set);
		store_stmt_done(st, stmt);
	}
	strbuf_release(&like);
	strbuf_release(&word);
	util_strv_free(set.addrs, set.n);
	if (r != SQLITE_DONE) {
		util_strv_free(set.list, set.n);
		return -1;
	}
	*list_r = set.list;
	*n_r = set.n;
	return 0;
}
