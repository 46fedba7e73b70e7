/*
 * The outbox (see store.h): every message written is here, durably,
 * before the first SMTP byte, and stays until it is sent and its Sent
 * copy saved, or until the user discards it. State changes that decide
 * whether a message may go out again are committed with synchronous =
 * FULL, whatever the rest of the cache does.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "store-private.h"
#include "strbuf.h"
#include "xmalloc.h"

/* What follows is committed durably: synchronous = FULL until _normal(). */
static int
store_outbox_full(struct store *st)
{
	return store_exec(st, "PRAGMA synchronous = FULL");
}

static void
store_outbox_normal(struct store *st)
{
	store_exec(st, "PRAGMA synchronous = NORMAL");
}

/* The recipients as one text, a line each (an address has no LF). */
static char *
store_outbox_join(char *const *v, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, v[i]);
	}
	return strbuf_detach(&sb, NULL);
}

static void
store_outbox_split(const char *s, char ***v_r, size_t *n_r)
{
	char **v = NULL;
	size_t n = 0;
	const char *nl;

	while (s != NULL && *s != '\0') {
		nl = strchr(s, '\n');
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = nl != NULL ? xstrndup(s, (size_t)(nl - s)) :
		    xstrdup(s);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	if (v != NULL)
		v[n] = NULL;
	*v_r = v;
	*n_r = n;
}

int
store_outbox_add(struct store *st, const struct store_outbox *e,
    int64_t *id_r)
{
	sqlite3_stmt *stmt;
	char *rcpts;
	int64_t id;
	int r;

	if (store_outbox_full(st) != 0)
		return -1;
	if (store_begin(st) != 0) {
		store_outbox_normal(st);
		return -1;
	}
	stmt = store_prepare(st, "INSERT INTO outbox (state, created,"
	    " message_id, env_from, rcpts, bcc, subject, to_addrs,"
	    " orig_msg_id, orig_flags, draft_msg_id, next_try, data)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	    " x'')");
	if (stmt == NULL) {
		store_rollback(st);
		store_outbox_normal(st);
		return -1;
	}
	rcpts = store_outbox_join(e->rcpts, e->nrcpt);
	sqlite3_bind_int(stmt, 1, (int)e->state);
	sqlite3_bind_int64(stmt, 2, e->created);
	store_bind_text(stmt, 3, e->message_id);
	store_bind_text(stmt, 4, e->env_from);
	store_bind_text(stmt, 5, rcpts);
	store_bind_text(stmt, 6, e->bcc);
	store_bind_text(stmt, 7, e->subject);
	store_bind_text(stmt, 8, e->to);
	sqlite3_bind_int64(stmt, 9, e->orig_msg_id);
	sqlite3_bind_int(stmt, 10, (int)e->orig_flags);
	sqlite3_bind_int64(stmt, 11, e->draft_msg_id);
	sqlite3_bind_int64(stmt, 12, e->next_try);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	free(rcpts);
	id = sqlite3_last_insert_rowid(st->db);
	/* The bytes apart (5 -> 6), in the same transaction. */
	if (r == SQLITE_DONE) {
		stmt = store_prepare(st, "INSERT INTO outbox_data (id, data)"
		    " VALUES (?1, ?2)");
		r = SQLITE_ERROR;
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, id);
			sqlite3_bind_blob64(stmt, 2, e->data, e->len,
			    SQLITE_STATIC);
			r = sqlite3_step(stmt);
			store_stmt_done(st, stmt);
		}
	}
	if (r == SQLITE_DONE && e->state == OUTBOX_QUEUED &&
	    store_address_note(st, e, e->created) != 0)
		r = SQLITE_ERROR;
	if (r != SQLITE_DONE || store_commit(st) != 0) {
		store_rollback(st);
		store_outbox_normal(st);
		return -1;
	}
	if (id_r != NULL)
		*id_r = id;
	store_outbox_normal(st);
	return 0;
}

#define OUTBOX_COLUMNS "id, state, created, message_id, env_from, rcpts," \
	" bcc, subject, to_addrs, orig_msg_id, orig_flags, draft_msg_id," \
	" attempts, next_try, error, copy_started"

static void
store_outbox_row(sqlite3_stmt *stmt, struct store_outbox *e)
{
	char *rcpts;

	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(stmt, 0);
	e->state = (enum outbox_state)sqlite3_column_int(stmt, 1);
	e->created = sqlite3_column_int64(stmt, 2);
	e->message_id = store_column_dup(stmt, 3);
	e->env_from = store_column_dup(stmt, 4);
	rcpts = store_column_dup(stmt, 5);
	store_outbox_split(rcpts, &e->rcpts, &e->nrcpt);
	free(rcpts);
	e->bcc = store_column_dup(stmt, 6);
	e->subject = store_column_dup(stmt, 7);
	e->to = store_column_dup(stmt, 8);
	e->orig_msg_id = sqlite3_column_int64(stmt, 9);
	e->orig_flags = (unsigned int)sqlite3_column_int(stmt, 10);
	e->draft_msg_id = sqlite3_column_int64(stmt, 11);
	e->attempts = sqlite3_column_int(stmt, 12);
	e->next_try = sqlite3_column_int64(stmt, 13);
	e->error = store_column_dup(stmt, 14);
	e->copy_started = sqlite3_column_int(stmt, 15);
}

void
store_outbox_release(struct store_outbox *e)
{
	size_t i;

	free(e->message_id);
	free(e->env_from);
	for (i = 0; i < e->nrcpt; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	free(e->bcc);
	free(e->subject);
	free(e->to);
	free(e->error);
	free(e->data);
	memset(e, 0, sizeof *e);
}

void
store_outbox_list_free(struct store_outbox *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_outbox_release(&list[i]);
	free(list);
}

int
store_outbox_list(struct store *st, struct store_outbox **list_r,
    size_t *n_r)
{
	struct store_outbox *list = NULL;
	sqlite3_stmt *stmt;
	size_t n = 0;
	int r;

	*list_r = NULL;
	*n_r = 0;
	stmt = store_prepare(st, "SELECT " OUTBOX_COLUMNS " FROM outbox"
	    " ORDER BY id");
	if (stmt == NULL)
		return -1;
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		list = xreallocarray(list, n + 1, sizeof *list);
		store_outbox_row(stmt, &list[n++]);
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE) {
		store_outbox_list_free(list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/*
 * Entry ID without its data into *E_R, the data's length in *LEN_R:
 * 0 found, 1 none, -1 error.
 */
static int
store_outbox_entry(struct store *st, int64_t id, struct store_outbox *e_r,
    int64_t *len_r)
{
	sqlite3_stmt *stmt;
	int r;

	memset(e_r, 0, sizeof *e_r);
	*len_r = 0;
	stmt = store_prepare(st, "SELECT " OUTBOX_COLUMNS ", (SELECT"
	    " length(d.data) FROM outbox_data AS d WHERE d.id = outbox.id)"
	    " FROM outbox WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		store_outbox_row(stmt, e_r);
		*len_r = sqlite3_column_int64(stmt, 16);
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_outbox_get(struct store *st, int64_t id, struct store_outbox *e_r)
{
	sqlite3_blob *blob = NULL;
	int64_t len;
	int r;

	if ((r = store_outbox_entry(st, id, e_r, &len)) != 0)
		return r;
	/*
	 * The message read straight into its buffer (incremental blob
	 * I/O): a SELECT of it would hold a second copy while it is read.
	 */
	e_r->len = len > 0 ? (size_t)len : 0;
	e_r->data = xmalloc(e_r->len + 1);
	e_r->data[e_r->len] = '\0';
	if (e_r->len == 0)
		return 0;
	r = sqlite3_blob_open(st->db, "main", "outbox_data", "data", id, 0,
	    &blob);
	if (r == SQLITE_OK)
		r = sqlite3_blob_read(blob, e_r->data, (int)e_r->len, 0);
	if (blob != NULL)
		sqlite3_blob_close(blob);
	if (r != SQLITE_OK) {
		store_outbox_release(e_r);
		return -1;
	}
	return 0;
}

int
store_outbox_set_state(struct store *st, int64_t id, enum outbox_state state,
    const char *error, int64_t next_try, int attempts)
{
	sqlite3_stmt *stmt;
	int r;

	if (store_outbox_full(st) != 0)
		return -1;
	stmt = store_prepare(st, "UPDATE outbox SET state = ?2, error = ?3,"
	    " next_try = ?4, attempts = attempts + ?5 WHERE id = ?1");
	if (stmt == NULL) {
		store_outbox_normal(st);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, (int)state);
	store_bind_text(stmt, 3, error);
	sqlite3_bind_int64(stmt, 4, next_try);
	sqlite3_bind_int(stmt, 5, attempts);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	store_outbox_normal(st);
	return r == SQLITE_DONE && sqlite3_changes(st->db) == 1 ? 0 : -1;
}

int
store_outbox_copy_started(struct store *st, int64_t id)
{
	return store_exec_id(st, "UPDATE outbox SET copy_started = 1"
	    " WHERE id = ?1", id);
}

int
store_outbox_remove(struct store *st, int64_t id)
{
	int r;

	if (store_outbox_full(st) != 0)
		return -1;
	r = store_exec_id(st, "DELETE FROM outbox WHERE id = ?1", id);
	store_outbox_normal(st);
	return r;
}

int
store_outbox_count(struct store *st, enum outbox_state state, int *n_r)
{
	sqlite3_stmt *stmt;
	int r;

	*n_r = 0;
	stmt = store_prepare(st, "SELECT count(*) FROM outbox"
	    " WHERE state = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, (int)state);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*n_r = sqlite3_column_int(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

/*
 * Message MSG_ID, a draft the user recalled, is done with: deleted and
 * expunged, in the cache at once and queued for the server. Gone
 * already: nothing to do. Inside the caller's transaction.
 */
int
store_outbox_drop_draft(struct store *st, int64_t msg_id)
{
	struct store_msg m;
	int n, r;

	if (store_msg_get(st, msg_id, &m) != 0)
		return 0;
	r = store_pending_flags(st, msg_id, MSG_DELETED, 0);
	if (r == 0)
		r = store_pending_expunge(st, m.folder_id, &n);
	store_msg_release(&m);
	return r;
}

int
store_outbox_sent(struct store *st, int64_t id, int keep_copy)
{
	struct store_outbox e;
	int64_t len;
	int rc = -1, r;

	if (store_outbox_full(st) != 0)
		return -1;
	if (store_begin(st) != 0)
		goto out;
	/* What it answers and recalls; its bytes are not needed here. */
	if (store_outbox_entry(st, id, &e, &len) != 0)
		goto out;
	/* The original may have left the cache meanwhile: no matter. */
	if (e.orig_msg_id != 0 && e.orig_flags != 0) {
		struct store_msg m;
		unsigned int flags = e.orig_flags & ~OUTBOX_ORIG_FORWARDED;

		if (store_msg_get(st, e.orig_msg_id, &m) == 0) {
			if (((m.flags & flags) != flags &&
			    store_pending_flags(st, e.orig_msg_id, flags,
			    0) != 0) ||
			    ((e.orig_flags & OUTBOX_ORIG_FORWARDED) &&
			    store_pending_keyword(st, e.orig_msg_id,
			    "$Forwarded") != 0)) {
				store_msg_release(&m);
				store_outbox_release(&e);
				goto out;
			}
			store_msg_release(&m);
		}
	}
	/* A recalled draft is sent: it leaves the Drafts folder. */
	if (e.draft_msg_id != 0 && store_outbox_drop_draft(st,
	    e.draft_msg_id) != 0) {
		store_outbox_release(&e);
		goto out;
	}
	store_outbox_release(&e);
	if (keep_copy)
		r = store_exec_pair(st, "UPDATE outbox SET state = ?2,"
		    " error = NULL WHERE id = ?1", id, OUTBOX_SENT);
	else
		r = store_exec_id(st, "DELETE FROM outbox WHERE id = ?1", id);
	if (r != 0)
		goto out;
	rc = store_commit(st);
out:
	if (rc != 0)
		store_rollback(st);
	store_outbox_normal(st);
	return rc;
}

int
store_outbox_recover(struct store *st, int *n_r)
{
	int r;

	*n_r = 0;
	if (store_outbox_full(st) != 0)
		return -1;
	r = store_exec_pair(st, "UPDATE outbox SET state = ?1"
	    " WHERE state = ?2", OUTBOX_UNKNOWN, OUTBOX_SENDING);
	if (r == 0)
		*n_r = sqlite3_changes(st->db);
	store_outbox_normal(st);
	return r;
}
