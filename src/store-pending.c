/*
 * The store's queue of pending operations (see store.h): what the user
 * did to messages, written with its local effect in one transaction and
 * replayed in order by the account worker when it is connected.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "store-private.h"
#include "xmalloc.h"

/* Queue a change of the flags (and a KEYWORD set, or NULL) of MSG_ID. */
static int
store_pending_queue(struct store *st, int64_t msg_id, unsigned int add,
    unsigned int remove, const char *keyword)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "INSERT INTO pending (kind, folder_id, uid,"
	    " add_flags, remove_flags, keyword) SELECT ?2, folder_id, uid,"
	    " ?3, ?4, ?5 FROM message WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int(stmt, 2, PENDING_FLAGS);
	sqlite3_bind_int(stmt, 3, (int)add);
	sqlite3_bind_int(stmt, 4, (int)remove);
	store_bind_text(stmt, 5, keyword);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_pending_flags(struct store *st, int64_t msg_id, unsigned int add,
    unsigned int remove)
{
	sqlite3_stmt *stmt;
	int r;

	if (store_begin(st) != 0)
		return -1;
	if (store_pending_queue(st, msg_id, add, remove, NULL) != 0)
		goto fail;
	stmt = store_prepare(st, "UPDATE message SET flags = (flags | ?2) & ~?3"
	    " WHERE id = ?1");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int(stmt, 2, (int)add);
	sqlite3_bind_int(stmt, 3, (int)remove);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE)
		goto fail;
	if (store_exec_id(st, "UPDATE folder SET unseen = (SELECT count(*)"
	    " FROM message WHERE folder_id = folder.id AND (flags & 1) = 0)"
	    " WHERE id = (SELECT folder_id FROM message WHERE id = ?1)",
	    msg_id) != 0)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
store_pending_keyword(struct store *st, int64_t msg_id, const char *keyword)
{
	sqlite3_stmt *stmt;
	int r;

	if (store_begin(st) != 0)
		return -1;
	/* Keywords are space-separated, compared without case (RFC 3501). */
	stmt = store_prepare(st, "UPDATE message SET keywords ="
	    " CASE WHEN coalesce(keywords, '') = '' THEN ?2"
	    " ELSE keywords || ' ' || ?2 END WHERE id = ?1"
	    " AND instr(' ' || lower(coalesce(keywords, '')) || ' ',"
	    " ' ' || lower(?2) || ' ') = 0");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_text(stmt, 2, keyword, -1, SQLITE_STATIC);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE)
		goto fail;
	if (sqlite3_changes(st->db) == 0)
		return store_commit(st);	/* has it, or is gone */
	if (store_pending_queue(st, msg_id, 0, 0, keyword) != 0)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
store_pending_first(struct store *st, struct store_pending *p_r)
{
	sqlite3_stmt *stmt;
	int r;

	memset(p_r, 0, sizeof *p_r);
	stmt = store_prepare(st, "SELECT id, kind, folder_id, uid, add_flags,"
	    " remove_flags, dest, keyword, started FROM pending"
	    " ORDER BY id LIMIT 1");
	if (stmt == NULL)
		return -1;
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		p_r->id = sqlite3_column_int64(stmt, 0);
		p_r->kind = (enum pending_kind)sqlite3_column_int(stmt, 1);
		p_r->folder_id = sqlite3_column_int64(stmt, 2);
		p_r->uid = (uint32_t)sqlite3_column_int64(stmt, 3);
		p_r->add = (unsigned int)sqlite3_column_int(stmt, 4);
		p_r->remove = (unsigned int)sqlite3_column_int(stmt, 5);
		p_r->dest = store_column_dup(stmt, 6);
		p_r->keyword = store_column_dup(stmt, 7);
		p_r->started = sqlite3_column_int(stmt, 8);
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_pending_done(struct store *st, int64_t id)
{
	return store_exec_id(st, "DELETE FROM pending WHERE id = ?1", id);
}

int
store_pending_run(struct store *st, const struct store_pending *first,
    size_t max, int64_t **ids_r, uint32_t **uids_r, size_t *n_r)
{
	sqlite3_stmt *stmt;
	int64_t *ids;
	uint32_t *uids;
	size_t n = 0;
	int r;

	*ids_r = ids = xcalloc(max + 1, sizeof *ids);
	*uids_r = uids = xcalloc(max + 1, sizeof *uids);
	*n_r = 0;
	/* Rows after FIRST, in order, until one of another kind or folder. */
	stmt = store_prepare(st, "SELECT id, kind, folder_id, uid FROM pending"
	    " WHERE id >= ?1 ORDER BY id LIMIT ?2");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, first->id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)max);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_int(stmt, 1) != (int)first->kind ||
		    sqlite3_column_int64(stmt, 2) != first->folder_id)
			break;
		ids[n] = sqlite3_column_int64(stmt, 0);
		uids[n] = (uint32_t)sqlite3_column_int64(stmt, 3);
		n++;
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return -1;
	*n_r = n;
	return 0;
}

int
store_pending_start(struct store *st, int64_t id)
{
	return store_exec_id(st, "UPDATE pending SET started = 1 WHERE id = ?1",
	    id);
}

void
store_pending_release(struct store_pending *p)
{
	free(p->dest);
	free(p->keyword);
	memset(p, 0, sizeof *p);
}

int
store_pending_count(struct store *st, int *n_r)
{
	sqlite3_stmt *stmt;
	int r;

	*n_r = 0;
	if ((stmt = store_prepare(st, "SELECT count(*) FROM pending")) == NULL)
		return -1;
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*n_r = sqlite3_column_int(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

/*
 * Queue KIND for message MSG_ID with destination DEST; with REMOVE_LOCAL
 * the message leaves its folder here at once. One transaction.
 */
static int
store_pending_msg_op(struct store *st, int64_t msg_id, enum pending_kind kind,
    const char *dest, int remove_local)
{
	sqlite3_stmt *stmt;
	int r;

	if (store_begin(st) != 0)
		return -1;
	stmt = store_prepare(st, "INSERT INTO pending (kind, folder_id, uid,"
	    " dest, created) SELECT ?2, folder_id, uid, ?3, strftime('%s')"
	    " FROM message WHERE id = ?1");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int(stmt, 2, kind);
	store_bind_text(stmt, 3, dest);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE || sqlite3_changes(st->db) != 1)
		goto fail;
	if (remove_local) {
		int64_t folder_id = 0;

		stmt = store_prepare(st,
		    "SELECT folder_id FROM message WHERE id = ?1");
		if (stmt == NULL)
			goto fail;
		sqlite3_bind_int64(stmt, 1, msg_id);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			folder_id = sqlite3_column_int64(stmt, 0);
		store_stmt_done(st, stmt);
		if (store_exec_id(st, "DELETE FROM message WHERE id = ?1",
		    msg_id) != 0 || store_folder_recount(st, folder_id) != 0)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
store_pending_move(struct store *st, int64_t msg_id, const char *dest)
{
	return store_pending_msg_op(st, msg_id, PENDING_MOVE, dest, 1);
}

int
store_pending_copy(struct store *st, int64_t msg_id, const char *dest)
{
	return store_pending_msg_op(st, msg_id, PENDING_COPY, dest, 0);
}

int
store_pending_expunge(struct store *st, int64_t folder_id, int *n_r)
{
	sqlite3_stmt *stmt;
	int r;

	*n_r = 0;
	if (store_begin(st) != 0)
		return -1;
	stmt = store_prepare(st, "INSERT INTO pending (kind, folder_id, uid,"
	    " created) SELECT ?2, folder_id, uid, strftime('%s') FROM message"
	    " WHERE folder_id = ?1 AND (flags & ?3) != 0 ORDER BY uid");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int(stmt, 2, PENDING_EXPUNGE);
	sqlite3_bind_int(stmt, 3, MSG_DELETED);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE)
		goto fail;
	*n_r = sqlite3_changes(st->db);
	stmt = store_prepare(st, "DELETE FROM message WHERE folder_id = ?1"
	    " AND (flags & ?2) != 0");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int(stmt, 2, MSG_DELETED);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE || store_folder_recount(st, folder_id) != 0)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}
