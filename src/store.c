/*
 * The SQLite cache (see store.h): the schema and its migrations, and every
 * SQL statement of tern. One database per account; WAL so that the worker
 * writes while the UI reads on its own handle.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "xmalloc.h"

/* The schema version this code writes; older files are migrated. */
#define STORE_SCHEMA_VERSION 3

struct store {
	sqlite3 *db;
};

/* Each step brings the schema from version N to N + 1. */
static const char *store_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE folder ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" display TEXT NOT NULL,"
	" delim TEXT NOT NULL DEFAULT '',"
	" role INTEGER NOT NULL DEFAULT 6,"
	" noselect INTEGER NOT NULL DEFAULT 0,"
	" subscribed INTEGER NOT NULL DEFAULT 0,"
	" uidvalidity INTEGER NOT NULL DEFAULT 0,"
	" uidnext INTEGER NOT NULL DEFAULT 0,"
	" highestmodseq INTEGER NOT NULL DEFAULT 0,"
	" total INTEGER NOT NULL DEFAULT 0,"
	" unseen INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE message ("
	" id INTEGER PRIMARY KEY,"
	" folder_id INTEGER NOT NULL REFERENCES folder(id) ON DELETE CASCADE,"
	" uid INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL DEFAULT 0,"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" keywords TEXT,"
	" date INTEGER NOT NULL DEFAULT 0,"
	" internaldate INTEGER NOT NULL DEFAULT 0,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" from_name TEXT, from_addr TEXT, to_addrs TEXT, cc_addrs TEXT,"
	" subject TEXT, message_id TEXT, in_reply_to TEXT, refs TEXT,"
	" has_body INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (folder_id, uid));"
	"CREATE INDEX message_by_date ON message (folder_id, date, uid);"
	"CREATE TABLE body ("
	" message_id INTEGER PRIMARY KEY"
	"  REFERENCES message(id) ON DELETE CASCADE,"
	" raw BLOB NOT NULL);"
	"CREATE TABLE pending ("
	" id INTEGER PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" folder_id INTEGER NOT NULL,"
	" uid INTEGER NOT NULL,"
	" add_flags INTEGER NOT NULL DEFAULT 0,"
	" remove_flags INTEGER NOT NULL DEFAULT 0);",
	/*
	 * 1 -> 2: what the IMAP work needs: messages kept after a mass
	 * deletion on the server, attachment marks, the server's counts of
	 * folders not synced, richer pending operations, and full-text
	 * search over subjects, addresses and cached text.
	 */
	"ALTER TABLE message ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE message ADD COLUMN has_attachment INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE folder ADD COLUMN srv_total INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE folder ADD COLUMN srv_unseen INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE folder ADD COLUMN srv_uidnext INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE pending ADD COLUMN dest TEXT;"
	"ALTER TABLE pending ADD COLUMN keyword TEXT;"
	"ALTER TABLE pending ADD COLUMN created INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE pending ADD COLUMN started INTEGER NOT NULL DEFAULT 0;"
	"CREATE VIRTUAL TABLE fts USING fts5(subject, addrs, body,"
	" tokenize = 'trigram case_sensitive 0');"
	"INSERT INTO fts (rowid, subject, addrs, body) SELECT id,"
	" coalesce(subject, ''), coalesce(from_name, '') || ' ' ||"
	" coalesce(from_addr, '') || ' ' || coalesce(to_addrs, '') || ' ' ||"
	" coalesce(cc_addrs, ''), '' FROM message;"
	"CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN"
	" INSERT INTO fts (rowid, subject, addrs, body) VALUES (new.id,"
	" coalesce(new.subject, ''), coalesce(new.from_name, '') || ' ' ||"
	" coalesce(new.from_addr, '') || ' ' || coalesce(new.to_addrs, '') ||"
	" ' ' || coalesce(new.cc_addrs, ''), ''); END;"
	"CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN"
	" DELETE FROM fts WHERE rowid = old.id; END;"
	"CREATE TRIGGER message_fts_update AFTER UPDATE OF subject, from_name,"
	" from_addr, to_addrs, cc_addrs ON message BEGIN"
	" UPDATE fts SET subject = coalesce(new.subject, ''),"
	" addrs = coalesce(new.from_name, '') || ' ' ||"
	" coalesce(new.from_addr, '') || ' ' || coalesce(new.to_addrs, '') ||"
	" ' ' || coalesce(new.cc_addrs, '') WHERE rowid = new.id; END;",
	/*
	 * 2 -> 3: POP3 (see the POP3 section below): the UIDL ledger, one
	 * row per message identity ever downloaded or acted on, and the
	 * preview list of what waits on the server.
	 */
	"CREATE TABLE pop3_uidl ("
	" uidl TEXT PRIMARY KEY,"
	" uid INTEGER NOT NULL DEFAULT 0,"
	" first_seen INTEGER NOT NULL DEFAULT 0,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" msg_id INTEGER REFERENCES message(id) ON DELETE SET NULL,"
	" fetched INTEGER NOT NULL DEFAULT 0,"
	" local_deleted INTEGER NOT NULL DEFAULT 0,"
	" server INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX pop3_uidl_by_msg ON pop3_uidl (msg_id);"
	"CREATE TABLE pop3_preview ("
	" pos INTEGER PRIMARY KEY,"
	" uidl TEXT NOT NULL UNIQUE,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" date INTEGER NOT NULL DEFAULT 0,"
	" sender TEXT,"
	" subject TEXT,"
	" state INTEGER NOT NULL DEFAULT 0);",
};

#define NMIGRATIONS (sizeof store_migrations / sizeof store_migrations[0])

static int store_exec(struct store *, const char *);
static sqlite3_stmt *store_prepare(struct store *, const char *);
static char *store_column_dup(sqlite3_stmt *, int);
static int store_migrate(struct store *, char **);

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

static int
store_exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

/*
 * Prepare SQL; statements are short-lived (prepared per call) to keep this
 * file simple. Returns NULL on error.
 */
static sqlite3_stmt *
store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	return stmt;
}

static char *
store_column_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(stmt, col);
	return s == NULL ? NULL : xstrdup((const char *)s);
}

static void
store_bind_text(sqlite3_stmt *stmt, int col, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, s, -1, SQLITE_TRANSIENT);
}

char *
store_path(const char *account, char **err)
{
	struct strbuf dir = STRBUF_INIT;
	const char *base, *home;
	char *path = NULL;
	const char *p;

	if ((base = getenv("XDG_CACHE_HOME")) != NULL && *base == '/')
		strbuf_addf(&dir, "%s/tern", base);
	else if ((home = getenv("HOME")) != NULL && *home == '/')
		strbuf_addf(&dir, "%s/.cache/tern", home);
	else {
		*err = xstrdup(_("cannot find the cache folder: neither "
		    "XDG_CACHE_HOME nor HOME is set"));
		goto out;
	}
	/* Create the parents (if needed) then the folder itself, private. */
	for (p = strchr(dir.buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		char *parent = xstrndup(dir.buf, (size_t)(p - dir.buf));

		if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
			*err = xasprintf(_("cannot create \"%s\": %s"), parent,
			    strerror(errno));
			free(parent);
			goto out;
		}
		free(parent);
	}
	if (mkdir(dir.buf, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf(_("cannot create \"%s\": %s"), dir.buf,
		    strerror(errno));
		goto out;
	}
	if (chmod(dir.buf, 0700) != 0) {
		*err = xasprintf(_("cannot protect \"%s\": %s"), dir.buf,
		    strerror(errno));
		goto out;
	}
	/* The account name becomes a file name: keep it to a safe set. */
	strbuf_addch(&dir, '/');
	for (p = account; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && p != account))
			strbuf_addch(&dir, (char)c);
		else
			strbuf_addf(&dir, "%%%02X", c);
	}
	strbuf_addstr(&dir, ".db");
	path = strbuf_detach(&dir, NULL);
out:
	strbuf_release(&dir);
	return path;
}

static int
store_migrate(struct store *st, char **err)
{
	sqlite3_stmt *stmt;
	int version;
	size_t i;

	if ((stmt = store_prepare(st, "PRAGMA user_version")) == NULL ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		*err = xasprintf(_("cannot read the cache version: %s"),
		    store_errmsg(st));
		return -1;
	}
	version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (version > STORE_SCHEMA_VERSION) {
		*err = xasprintf(_("the cache was written by a newer tern "
		    "(schema %d, this one knows %d)"), version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	for (i = (size_t)version; i < NMIGRATIONS; i++) {
		char *sql;

		if (store_exec(st, "BEGIN IMMEDIATE") != 0)
			goto fail;
		sql = xasprintf("%s PRAGMA user_version = %zu;",
		    store_migrations[i], i + 1);
		if (store_exec(st, sql) != 0) {
			free(sql);
			store_rollback(st);
			goto fail;
		}
		free(sql);
		if (store_exec(st, "COMMIT") != 0)
			goto fail;
	}
	return 0;
fail:
	*err = xasprintf(_("cannot set up the cache: %s"), store_errmsg(st));
	return -1;
}

int
store_open(const char *path, const char *account, struct store **st_r,
    char **err)
{
	struct store *st;
	char *uri = NULL;
	int flags, fd, rc = -1;
	mode_t old;

	st = xcalloc(1, sizeof *st);
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
	if (path == NULL) {
		struct strbuf sb = STRBUF_INIT;
		const char *p;

		strbuf_addstr(&sb, "file:tern-");
		for (p = account; *p != '\0'; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9'))
				strbuf_addch(&sb, *p);
			else
				strbuf_addf(&sb, "%%%02X", (unsigned char)*p);
		}
		strbuf_addstr(&sb, "?mode=memory&cache=shared");
		uri = strbuf_detach(&sb, NULL);
	} else {
		/* Create the file private before SQLite opens it. */
		old = umask(077);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		umask(old);
		if (fd < 0) {
			*err = xasprintf(_("cannot open the cache \"%s\": %s"),
			    path, strerror(errno));
			goto out;
		}
		close(fd);
		uri = xstrdup(path);
		flags &= ~SQLITE_OPEN_URI;
	}
	old = umask(077);
	if (sqlite3_open_v2(uri, &st->db, flags, NULL) != SQLITE_OK) {
		umask(old);
		*err = xasprintf(_("cannot open the cache \"%s\": %s"),
		    path != NULL ? path : account,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "");
		goto out;
	}
	sqlite3_busy_timeout(st->db, 10000);
	if (store_exec(st, "PRAGMA foreign_keys = ON") != 0 ||
	    (path != NULL && store_exec(st, "PRAGMA journal_mode = WAL") != 0) ||
	    store_exec(st, "PRAGMA synchronous = NORMAL") != 0) {
		umask(old);
		*err = xasprintf(_("cannot open the cache \"%s\": %s"),
		    path != NULL ? path : account, store_errmsg(st));
		goto out;
	}
	if (store_migrate(st, err) != 0) {
		umask(old);
		goto out;
	}
	umask(old);
	rc = 0;
out:
	free(uri);
	if (rc != 0) {
		store_close(st);
		st = NULL;
	}
	*st_r = st;
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st);
}

int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	return store_exec(st, "COMMIT");
}

void
store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Folders. */

#define FOLDER_COLUMNS \
	"id, name, display, delim, role, noselect, subscribed, uidvalidity," \
	" uidnext, highestmodseq, total, unseen, srv_total, srv_unseen," \
	" srv_uidnext"

static void
store_folder_read(sqlite3_stmt *stmt, struct store_folder *f)
{
	const unsigned char *delim;

	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(stmt, 0);
	f->name = store_column_dup(stmt, 1);
	f->display = store_column_dup(stmt, 2);
	delim = sqlite3_column_text(stmt, 3);
	f->delim = delim != NULL ? (char)delim[0] : '\0';
	f->role = (enum folder_role)sqlite3_column_int(stmt, 4);
	f->noselect = sqlite3_column_int(stmt, 5);
	f->subscribed = sqlite3_column_int(stmt, 6);
	f->uidvalidity = (uint32_t)sqlite3_column_int64(stmt, 7);
	f->uidnext = (uint32_t)sqlite3_column_int64(stmt, 8);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(stmt, 9);
	f->total = sqlite3_column_int(stmt, 10);
	f->unseen = sqlite3_column_int(stmt, 11);
	f->srv_total = sqlite3_column_int(stmt, 12);
	f->srv_unseen = sqlite3_column_int(stmt, 13);
	f->srv_uidnext = (uint32_t)sqlite3_column_int64(stmt, 14);
}

void
store_folder_release(struct store_folder *f)
{
	free(f->name);
	free(f->display);
	memset(f, 0, sizeof *f);
}

void
store_folder_list_free(struct store_folder *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_folder_release(&list[i]);
	free(list);
}

int
store_folders_replace(struct store *st, const struct store_folder *list,
    size_t n)
{
	sqlite3_stmt *up = NULL;
	char delim[2];
	size_t i;
	int rc = -1;

	if (store_begin(st) != 0)
		return -1;
	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS seen_folder"
	    " (name TEXT PRIMARY KEY); DELETE FROM seen_folder") != 0)
		goto out;
	up = store_prepare(st, "INSERT INTO folder (name, display, delim,"
	    " role, noselect, subscribed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (name) DO UPDATE SET display = ?2, delim = ?3,"
	    " role = ?4, noselect = ?5, subscribed = ?6");
	if (up == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_stmt *mark;

		delim[0] = list[i].delim;
		delim[1] = '\0';
		sqlite3_reset(up);
		sqlite3_bind_text(up, 1, list[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 2, list[i].display != NULL ?
		    list[i].display : list[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 3, delim, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(up, 4, (int)list[i].role);
		sqlite3_bind_int(up, 5, list[i].noselect);
		sqlite3_bind_int(up, 6, list[i].subscribed);
		if (sqlite3_step(up) != SQLITE_DONE)
			goto out;
		mark = store_prepare(st,
		    "INSERT OR IGNORE INTO seen_folder VALUES (?1)");
		if (mark == NULL)
			goto out;
		sqlite3_bind_text(mark, 1, list[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(mark) != SQLITE_DONE) {
			sqlite3_finalize(mark);
			goto out;
		}
		sqlite3_finalize(mark);
	}
	if (store_exec(st, "DELETE FROM folder WHERE name NOT IN"
	    " (SELECT name FROM seen_folder)") != 0)
		goto out;
	rc = store_commit(st);
out:
	sqlite3_finalize(up);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

int
store_folder_list(struct store *st, struct store_folder **list_r,
    size_t *n_r)
{
	struct store_folder *list = NULL;
	sqlite3_stmt *stmt;
	size_t n = 0, alloc = 0;
	int r;

	*list_r = NULL;
	*n_r = 0;
	stmt = store_prepare(st, "SELECT " FOLDER_COLUMNS " FROM folder"
	    " ORDER BY role, display COLLATE NOCASE, name");
	if (stmt == NULL)
		return -1;
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 16 : alloc * 2;
			list = xreallocarray(list, alloc, sizeof *list);
		}
		store_folder_read(stmt, &list[n++]);
	}
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE) {
		store_folder_list_free(list, n);
		return -1;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

static int
store_folder_get_by(struct store *st, const char *sql, const char *name,
    int64_t id, struct store_folder *f_r)
{
	sqlite3_stmt *stmt;
	int r;

	memset(f_r, 0, sizeof *f_r);
	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	if (name != NULL)
		sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		store_folder_read(stmt, f_r);
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_folder_get(struct store *st, const char *name, struct store_folder *f_r)
{
	return store_folder_get_by(st, "SELECT " FOLDER_COLUMNS
	    " FROM folder WHERE name = ?1", name, 0, f_r);
}

int
store_folder_get_id(struct store *st, int64_t id, struct store_folder *f_r)
{
	return store_folder_get_by(st, "SELECT " FOLDER_COLUMNS
	    " FROM folder WHERE id = ?1", NULL, id, f_r);
}

int
store_folder_set_sync(struct store *st, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t highestmodseq)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE folder SET uidvalidity = ?2,"
	    " uidnext = ?3, highestmodseq = ?4 WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, uidvalidity);
	sqlite3_bind_int64(stmt, 3, uidnext);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)highestmodseq);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

/* Run SQL with ?1 bound to ID. */
static int
store_exec_id(struct store *st, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_folder_set_status(struct store *st, int64_t id, int total, int unseen,
    uint32_t uidnext)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE folder SET srv_total = ?2,"
	    " srv_unseen = ?3, srv_uidnext = ?4 WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, total);
	sqlite3_bind_int(stmt, 3, unseen);
	sqlite3_bind_int64(stmt, 4, uidnext);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_folder_clear(struct store *st, int64_t id)
{
	if (store_exec_id(st, "DELETE FROM message WHERE folder_id = ?1",
	    id) != 0)
		return -1;
	return store_exec_id(st, "UPDATE folder SET uidnext = 0,"
	    " highestmodseq = 0, total = 0, unseen = 0 WHERE id = ?1", id);
}

int
store_folder_recount(struct store *st, int64_t id)
{
	return store_exec_id(st, "UPDATE folder SET"
	    " total = (SELECT count(*) FROM message WHERE folder_id = ?1),"
	    " unseen = (SELECT count(*) FROM message WHERE folder_id = ?1"
	    "  AND (flags & 1) = 0) WHERE id = ?1", id);
}

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

int
store_msg_put(struct store *st, const struct store_msg *m, int64_t *id_r)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "INSERT INTO message (folder_id, uid, modseq,"
	    " flags, keywords, date, internaldate, size, from_name, from_addr,"
	    " to_addrs, cc_addrs, subject, message_id, in_reply_to, refs)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16) ON CONFLICT (folder_id, uid) DO UPDATE SET"
	    " modseq = ?3, flags = ?4, keywords = ?5, date = ?6,"
	    " internaldate = ?7, size = ?8, from_name = ?9, from_addr = ?10,"
	    " to_addrs = ?11, cc_addrs = ?12, subject = ?13, message_id = ?14,"
	    " in_reply_to = ?15, refs = ?16 RETURNING id");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, m->folder_id);
	sqlite3_bind_int64(stmt, 2, m->uid);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)m->modseq);
	sqlite3_bind_int(stmt, 4, (int)m->flags);
	store_bind_text(stmt, 5, m->keywords);
	sqlite3_bind_int64(stmt, 6, m->date);
	sqlite3_bind_int64(stmt, 7, m->internaldate);
	sqlite3_bind_int64(stmt, 8, m->size);
	store_bind_text(stmt, 9, m->from_name);
	store_bind_text(stmt, 10, m->from_addr);
	store_bind_text(stmt, 11, m->to_addrs);
	store_bind_text(stmt, 12, m->cc_addrs);
	store_bind_text(stmt, 13, m->subject);
	store_bind_text(stmt, 14, m->message_id);
	store_bind_text(stmt, 15, m->in_reply_to);
	store_bind_text(stmt, 16, m->references);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW && id_r != NULL)
		*id_r = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : -1;
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
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE)
		return -1;
	return sqlite3_changes(st->db) == 0 ? 1 : 0;
}

int
store_msg_delete(struct store *st, int64_t folder_id, uint32_t uid)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st,
	    "DELETE FROM message WHERE folder_id = ?1 AND uid = ?2");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int64(stmt, 2, uid);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
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
	    " WHERE folder_id = ?1 ORDER BY uid");
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
	sqlite3_finalize(stmt);
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
	int64_t *ids = NULL;
	size_t n = 0, alloc = 0;
	char *sql;
	int r;

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
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 1024 : alloc * 2;
			ids = xreallocarray(ids, alloc, sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE) {
		free(ids);
		return -1;
	}
	*ids_r = ids;
	*n_r = n;
	return 0;
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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
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
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE ||
	    store_exec_id(st, "UPDATE message SET has_body = 1 WHERE id = ?1",
	    msg_id) != 0)
		goto fail;
	if (text != NULL) {
		stmt = store_prepare(st, "UPDATE fts SET body = ?2"
		    " WHERE rowid = ?1");
		if (stmt == NULL)
			goto fail;
		sqlite3_bind_int64(stmt, 1, msg_id);
		sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
		r = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

/* Pending operations. */

int
store_pending_flags(struct store *st, int64_t msg_id, unsigned int add,
    unsigned int remove)
{
	sqlite3_stmt *stmt;
	int r;

	if (store_begin(st) != 0)
		return -1;
	stmt = store_prepare(st, "INSERT INTO pending (kind, folder_id, uid,"
	    " add_flags, remove_flags) SELECT ?2, folder_id, uid, ?3, ?4"
	    " FROM message WHERE id = ?1");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int(stmt, 2, PENDING_FLAGS);
	sqlite3_bind_int(stmt, 3, (int)add);
	sqlite3_bind_int(stmt, 4, (int)remove);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE)
		goto fail;
	stmt = store_prepare(st, "UPDATE message SET flags = (flags | ?2) & ~?3"
	    " WHERE id = ?1");
	if (stmt == NULL)
		goto fail;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int(stmt, 2, (int)add);
	sqlite3_bind_int(stmt, 3, (int)remove);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_pending_done(struct store *st, int64_t id)
{
	return store_exec_id(st, "DELETE FROM pending WHERE id = ?1", id);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
		sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE || store_folder_recount(st, folder_id) != 0)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

/*
 * POP3: the UIDL ledger and the preview list (see store.h). The ledger's
 * msg_id follows the message row (ON DELETE SET NULL), but a vanished row
 * never counts as a deletion by the user: only local_deleted or the
 * \Deleted flag do, so that no cache accident deletes mail on a server.
 */

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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

int
store_pop3_put_batch(struct store *st, int64_t folder_id,
    struct store_pop3_new *batch, size_t n, int64_t now)
{
	sqlite3_stmt *msg = NULL, *body = NULL, *fts = NULL, *led = NULL;
	uint32_t uid;
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
	    " cc_addrs, subject, message_id, in_reply_to, refs, has_body)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, 1) RETURNING id");
	body = store_prepare(st, "INSERT OR REPLACE INTO body (message_id,"
	    " raw) VALUES (?1, ?2)");
	fts = store_prepare(st, "UPDATE fts SET body = ?2 WHERE rowid = ?1");
	led = store_prepare(st, "INSERT INTO pop3_uidl (uidl, uid, first_seen,"
	    " size, msg_id, fetched, local_deleted, server) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, 1, 0, 0) ON CONFLICT (uidl) DO UPDATE SET uid = ?2,"
	    " size = ?4, msg_id = ?5, fetched = 1, local_deleted = 0,"
	    " first_seen = CASE WHEN first_seen > 0 THEN first_seen"
	    " ELSE ?3 END");
	if (msg == NULL || body == NULL || fts == NULL || led == NULL)
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
	}
	{
		sqlite3_stmt *next;

		next = store_prepare(st, "UPDATE folder SET uidnext = ?2"
		    " WHERE id = ?1");
		if (next == NULL)
			goto out;
		sqlite3_bind_int64(next, 1, folder_id);
		sqlite3_bind_int64(next, 2, uid);
		r = sqlite3_step(next);
		sqlite3_finalize(next);
		if (r != SQLITE_DONE)
			goto out;
	}
	if (store_folder_recount(st, folder_id) != 0)
		goto out;
	rc = store_commit(st);
out:
	sqlite3_finalize(msg);
	sqlite3_finalize(body);
	sqlite3_finalize(fts);
	sqlite3_finalize(led);
	if (rc != 0 && began)
		store_rollback(st);
	store_exec(st, "PRAGMA synchronous = NORMAL");
	return rc;
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
store_thread_rows(struct store *st, int64_t folder_id, int refs,
    struct store_thread_rows *out)
{
	struct store_thread_row *rows = NULL;
	struct strbuf sb = STRBUF_INIT;
	sqlite3_stmt *stmt;
	size_t n = 0, alloc = 0, *off = NULL, i, k;
	const unsigned char *s;
	int r, c;

	memset(out, 0, sizeof *out);
	stmt = store_prepare(st, refs ?
	    "SELECT id, date, size, message_id, in_reply_to, refs, subject,"
	    " coalesce(nullif(from_name, ''), from_addr)"
	    " FROM message WHERE folder_id = ?1 ORDER BY date, uid" :
	    "SELECT id, date, size, NULL, NULL, NULL, subject,"
	    " coalesce(nullif(from_name, ''), from_addr)"
	    " FROM message WHERE folder_id = ?1 ORDER BY date, uid");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	/* Strings go in one block; OFF holds offsets + 1 (0: NULL) until
	 * the block stops moving. */
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 1024 : alloc * 2;
			rows = xreallocarray(rows, alloc, sizeof *rows);
			off = xreallocarray(off, alloc, 5 * sizeof *off);
		}
		rows[n].id = sqlite3_column_int64(stmt, 0);
		rows[n].date = sqlite3_column_int64(stmt, 1);
		rows[n].size = sqlite3_column_int64(stmt, 2);
		for (c = 0; c < 5; c++) {
			s = sqlite3_column_text(stmt, 3 + c);
			if (s == NULL) {
				off[5 * n + (size_t)c] = 0;
				continue;
			}
			off[5 * n + (size_t)c] = sb.len + 1;
			strbuf_add(&sb, s, (size_t)sqlite3_column_bytes(stmt,
			    3 + c));
			strbuf_addch(&sb, '\0');
		}
		n++;
	}
	sqlite3_finalize(stmt);
	if (r != SQLITE_DONE) {
		free(rows);
		free(off);
		strbuf_release(&sb);
		return -1;
	}
	out->strings = strbuf_detach(&sb, NULL);
	for (i = 0; i < n; i++) {
		const char **f[5] = {
			&rows[i].message_id, &rows[i].in_reply_to,
			&rows[i].references, &rows[i].subject, &rows[i].from
		};

		for (k = 0; k < 5; k++)
			*f[k] = off[5 * i + k] == 0 ? NULL :
			    out->strings + off[5 * i + k] - 1;
	}
	free(off);
	out->rows = rows;
	out->n = n;
	return 0;
}
