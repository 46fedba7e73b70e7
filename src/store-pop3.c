/*
 * POP3: the UIDL ledger and the preview list (see store.h). The ledger's
 * msg_id follows the message row (ON DELETE SET NULL), but a vanished row
 * never counts as a deletion by the user: only local_deleted or the
 * \Deleted flag do, so that no cache accident deletes mail on a server.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "store-private.h"
#include "xmalloc.h"

int
store_pop3_durable(struct store *st)
{
	const char *file = sqlite3_db_filename(st->db, "main");

	return file != NULL && *file != '\0';
}

/* The synthetic UID the next downloaded message of FOLDER_ID gets. */
static int
store_pop3_next_uid(struct store *st, int64_t folder_id, uint32_t *uid_r)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "SELECT max(f.uidnext, coalesce((SELECT"
	    " max(uid) FROM message WHERE folder_id = f.id), 0) + 1)"
	    " FROM folder f WHERE f.id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*uid_r = (uint32_t)sqlite3_column_int64(stmt, 0);
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

int
store_pop3_put_batch(struct store *st, int64_t folder_id,
    struct store_pop3_new *batch, size_t n, int64_t now)
{
	sqlite3_stmt *msg = NULL, *body = NULL, *fts = NULL, *led = NULL;
	sqlite3_stmt *pv = NULL;
	uint32_t uid = 0;
	size_t i;
	int r, rc = -1, began = 0;

	if (n == 0)
		return 0;
	/* This commit must reach the disk before any DELE is sent. */
	if (store_exec(st, "PRAGMA synchronous = FULL") != 0)
		return -1;
	if (store_begin(st) != 0)
		goto out;
	began = 1;
	if (store_pop3_next_uid(st, folder_id, &uid) != 0)
		goto out;
	msg = store_prepare(st, "INSERT INTO message (folder_id, uid, flags,"
	    " date, internaldate, size, from_name, from_addr, to_addrs,"
	    " cc_addrs, subject, message_id, in_reply_to, refs, has_body,"
	    " has_attachment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12, ?13, ?14, 1, ?15) RETURNING id");
	body = store_prepare(st, "INSERT OR REPLACE INTO body (message_id,"
	    " raw) VALUES (?1, ?2)");
	fts = store_prepare(st, "INSERT OR REPLACE INTO fts (rowid, body)"
	    " VALUES (?1, ?2)");
	led = store_prepare(st, "INSERT INTO pop3_uidl (uidl, uid, first_seen,"
	    " size, msg_id, fetched, local_deleted, server) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, 1, 0, 0) ON CONFLICT (uidl) DO UPDATE SET uid = ?2,"
	    " first_seen = ?3, size = ?4, msg_id = ?5, fetched = 1,"
	    " local_deleted = 0");
	pv = store_prepare(st, "UPDATE pop3_preview SET state = ?2"
	    " WHERE uidl = ?1");
	if (msg == NULL || body == NULL || fts == NULL || led == NULL ||
	    pv == NULL)
		goto out;
	for (i = 0; i < n; i++, uid++) {
		struct store_pop3_new *b = &batch[i];
		const struct store_msg *m = &b->msg;

		sqlite3_reset(msg);
		sqlite3_bind_int64(msg, 1, folder_id);
		sqlite3_bind_int64(msg, 2, uid);
		sqlite3_bind_int(msg, 3, (int)m->flags);
		sqlite3_bind_int64(msg, 4, m->date);
		sqlite3_bind_int64(msg, 5, m->internaldate);
		sqlite3_bind_int64(msg, 6, m->size);
		store_bind_text(msg, 7, m->from_name);
		store_bind_text(msg, 8, m->from_addr);
		store_bind_text(msg, 9, m->to_addrs);
		store_bind_text(msg, 10, m->cc_addrs);
		store_bind_text(msg, 11, m->subject);
		store_bind_text(msg, 12, m->message_id);
		store_bind_text(msg, 13, m->in_reply_to);
		store_bind_text(msg, 14, m->references);
		sqlite3_bind_int(msg, 15, m->has_attachment != 0);
		if (sqlite3_step(msg) != SQLITE_ROW)
			goto out;
		b->msg_id = sqlite3_column_int64(msg, 0);
		b->uid = uid;
		sqlite3_reset(msg);

		sqlite3_reset(body);
		sqlite3_bind_int64(body, 1, b->msg_id);
		sqlite3_bind_blob64(body, 2, b->raw, b->len, SQLITE_STATIC);
		if (sqlite3_step(body) != SQLITE_DONE)
			goto out;
		if (b->text != NULL) {
			sqlite3_reset(fts);
			sqlite3_bind_int64(fts, 1, b->msg_id);
			sqlite3_bind_text(fts, 2, b->text, -1, SQLITE_STATIC);
			if (sqlite3_step(fts) != SQLITE_DONE)
				goto out;
		}
		sqlite3_reset(led);
		sqlite3_bind_text(led, 1, b->uidl, -1, SQLITE_STATIC);
		sqlite3_bind_int64(led, 2, uid);
		sqlite3_bind_int64(led, 3, now);
		sqlite3_bind_int64(led, 4, b->size);
		sqlite3_bind_int64(led, 5, b->msg_id);
		if (sqlite3_step(led) != SQLITE_DONE)
			goto out;
		sqlite3_reset(pv);
		sqlite3_bind_text(pv, 1, b->uidl, -1, SQLITE_STATIC);
		sqlite3_bind_int(pv, 2, POP3_PV_LOCAL);
		if (sqlite3_step(pv) != SQLITE_DONE)
			goto out;
	}
	if (n > 0 && store_thread_touch(st, folder_id) != 0)
		goto out;
	{
		sqlite3_stmt *next;

		next = store_prepare(st, "UPDATE folder SET uidnext = ?2"
		    " WHERE id = ?1");
		if (next == NULL)
			goto out;
		sqlite3_bind_int64(next, 1, folder_id);
		sqlite3_bind_int64(next, 2, uid);
		r = sqlite3_step(next);
		store_stmt_done(st, next);
		if (r != SQLITE_DONE)
			goto out;
	}
	if (store_folder_recount(st, folder_id) != 0)
		goto out;
	rc = store_commit(st);
out:
	store_stmt_done(st, msg);
	store_stmt_done(st, body);
	store_stmt_done(st, fts);
	store_stmt_done(st, led);
	store_stmt_done(st, pv);
	if (rc != 0 && began)
		store_rollback(st);
	store_exec(st, "PRAGMA synchronous = NORMAL");
	return rc;
}

void
store_pop3_ledger_free(struct store_pop3_entry *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i].uidl);
	free(list);
}

int
store_pop3_ledger(struct store *st, struct store_pop3_entry **list_r,
    size_t *n_r)
{
	struct store_pop3_entry *list = NULL, *e;
	sqlite3_stmt *stmt;
	size_t n = 0, alloc = 0;
	int r;

	*list_r = NULL;
	*n_r = 0;
	stmt = store_prepare(st, "SELECT l.uidl, l.uid, l.first_seen, l.size,"
	    " coalesce(l.msg_id, 0), l.fetched, l.fetched AND (l.local_deleted"
	    " OR coalesce(m.flags & ?1, 0) != 0), l.server FROM pop3_uidl l"
	    " LEFT JOIN message m ON m.id = l.msg_id ORDER BY l.uidl");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, MSG_DELETED);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			list = xreallocarray(list, alloc, sizeof *list);
		}
		e = &list[n++];
		e->uidl = store_column_dup(stmt, 0);
		if (e->uidl == NULL)
			e->uidl = xstrdup("");
		e->uid = (uint32_t)sqlite3_column_int64(stmt, 1);
		e->first_seen = sqlite3_column_int64(stmt, 2);
		e->size = sqlite3_column_int64(stmt, 3);
		e->msg_id = sqlite3_column_int64(stmt, 4);
		e->fetched = sqlite3_column_int(stmt, 5);
		e->local_deleted = sqlite3_column_int(stmt, 6);
		e->server = (enum pop3_server_state)sqlite3_column_int(stmt, 7);
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE) {
		store_pop3_ledger_free(list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

int
store_pop3_set_server(struct store *st, const char *const *uidls, size_t n,
    enum pop3_server_state state)
{
	sqlite3_stmt *stmt;
	size_t i;
	int rc = -1;

	if (n == 0)
		return 0;
	if (store_begin(st) != 0)
		return -1;
	stmt = store_prepare(st, "INSERT INTO pop3_uidl (uidl, server)"
	    " VALUES (?1, ?2) ON CONFLICT (uidl) DO UPDATE SET server = ?2");
	if (stmt == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, uidls[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, (int)state);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto out;
	}
	rc = store_commit(st);
out:
	store_stmt_done(st, stmt);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

int
store_pop3_server_listed(struct store *st, const char *const *uidls,
    size_t n)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc = -1;

	if (store_begin(st) != 0)
		return -1;
	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS pop3_listed"
	    " (uidl TEXT PRIMARY KEY); DELETE FROM pop3_listed") != 0)
		goto out;
	stmt = store_prepare(st,
	    "INSERT OR IGNORE INTO pop3_listed (uidl) VALUES (?1)");
	if (stmt == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_text(stmt, 1, uidls[i], -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto out;
	}
	if (store_exec(st, "UPDATE pop3_uidl SET server = 2 WHERE server != 2"
	    " AND uidl NOT IN (SELECT uidl FROM pop3_listed);"
	    " UPDATE pop3_uidl SET server = 0 WHERE server = 2"
	    " AND uidl IN (SELECT uidl FROM pop3_listed);"
	    " DELETE FROM pop3_listed") != 0)
		goto out;
	rc = store_commit(st);
out:
	store_stmt_done(st, stmt);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

int
store_pop3_local_deleted(struct store *st, int64_t folder_id, uint32_t uid)
{
	return store_exec_pair(st, "UPDATE pop3_uidl SET local_deleted = 1"
	    " WHERE uid = ?2 AND fetched = 1 AND NOT EXISTS (SELECT 1 FROM"
	    " message WHERE folder_id = ?1 AND uid = ?2)", folder_id, uid);
}

void
store_pop3_preview_release(struct store_pop3_preview *p)
{
	free(p->uidl);
	free(p->sender);
	free(p->subject);
	memset(p, 0, sizeof *p);
}

void
store_pop3_preview_list_free(struct store_pop3_preview *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_pop3_preview_release(&list[i]);
	free(list);
}

int
store_pop3_preview_replace(struct store *st,
    const struct store_pop3_preview *list, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc = -1;

	if (store_begin(st) != 0)
		return -1;
	if (store_exec(st, "DELETE FROM pop3_preview") != 0)
		goto out;
	stmt = store_prepare(st, "INSERT OR REPLACE INTO pop3_preview (pos,"
	    " uidl, size, date, sender, subject, state)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (stmt == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, (int64_t)i + 1);
		sqlite3_bind_text(stmt, 2, list[i].uidl, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, list[i].size);
		sqlite3_bind_int64(stmt, 4, list[i].date);
		store_bind_text(stmt, 5, list[i].sender);
		store_bind_text(stmt, 6, list[i].subject);
		sqlite3_bind_int(stmt, 7, (int)list[i].state);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto out;
	}
	rc = store_commit(st);
out:
	store_stmt_done(st, stmt);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

int
store_pop3_preview_list(struct store *st, struct store_pop3_preview **list_r,
    size_t *n_r)
{
	struct store_pop3_preview *list = NULL, *p;
	sqlite3_stmt *stmt;
	size_t n = 0, alloc = 0;
	int r;

	*list_r = NULL;
	*n_r = 0;
	stmt = store_prepare(st, "SELECT uidl, size, date, sender, subject,"
	    " state FROM pop3_preview ORDER BY pos");
	if (stmt == NULL)
		return -1;
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 64 : alloc * 2;
			list = xreallocarray(list, alloc, sizeof *list);
		}
		p = &list[n++];
		p->uidl = store_column_dup(stmt, 0);
		if (p->uidl == NULL)
			p->uidl = xstrdup("");
		p->size = sqlite3_column_int64(stmt, 1);
		p->date = sqlite3_column_int64(stmt, 2);
		p->sender = store_column_dup(stmt, 3);
		p->subject = store_column_dup(stmt, 4);
		p->state = (enum pop3_preview_state)sqlite3_column_int(stmt, 5);
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE) {
		store_pop3_preview_list_free(list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

int
store_pop3_preview_set_state(struct store *st, const char *uidl,
    enum pop3_preview_state state)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE pop3_preview SET state = ?2"
	    " WHERE uidl = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uidl, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, (int)state);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_pop3_preview_remove(struct store *st, const char *uidl)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "DELETE FROM pop3_preview WHERE uidl = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, uidl, -1, SQLITE_STATIC);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}
