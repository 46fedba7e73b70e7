/*
 * The SQLite cache (see store.h): the schema and its migrations, and every
 * SQL statement of tern. One database per account; WAL so that the worker
 * writes while the UI reads on its own handle.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "i18n.h"
#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "xmalloc.h"

/* The schema version this code writes; older files are migrated. */
#define STORE_SCHEMA_VERSION 4

/*
 * Statements are prepared once per handle and kept: the hot paths (a
 * header batch, a screenful of rows) then skip SQL compilation, which
 * cost more than the work itself. store_prepare() hands out a cached
 * statement that is not in use; sqlite3_finalize() in this file is the
 * macro below, which resets a cached statement instead of freeing it.
 */
#define STORE_STMT_CACHE 96

struct store_stmt {
	char *sql;
	sqlite3_stmt *stmt;
	int busy;
};

struct store {
	sqlite3 *db;
	struct store_stmt cache[STORE_STMT_CACHE];
	size_t ncache;
	int search_fn;		/* tern_contains() is registered (search) */
	char *notice;		/* store_take_notice() */
	int err_code;		/* the last error, for store_errmsg() */
	char *err_msg;
};

static void store_stmt_done(struct store *, sqlite3_stmt *);
/* Every "finalize" in this file goes through the cache (st in scope). */
#define sqlite3_finalize(stmt) store_stmt_done(st, (stmt))

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
	/*
	 * Only the text of cached bodies is indexed: indexing every header
	 * as it arrived made a cold sync three times slower. Header fields
	 * are searched on their columns (store_search()).
	 */
	"CREATE VIRTUAL TABLE fts USING fts5(body,"
	" tokenize = 'trigram case_sensitive 0');"
	"CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN"
	" DELETE FROM fts WHERE rowid = old.id; END;",
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
	/*
	 * 3 -> 4: bodies kept across a UIDVALIDITY change, to be attached
	 * again to the messages the new UIDs turn out to be.
	 */
	"CREATE TABLE orphan_body ("
	" folder_id INTEGER NOT NULL REFERENCES folder(id) ON DELETE CASCADE,"
	" message_id TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" raw BLOB NOT NULL,"
	" text TEXT,"
	" has_attachment INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX orphan_body_by_id ON orphan_body (folder_id, message_id);",
};

#define NMIGRATIONS (sizeof store_migrations / sizeof store_migrations[0])

static int store_exec(struct store *, const char *);
static sqlite3_stmt *store_prepare(struct store *, const char *);
static char *store_column_dup(sqlite3_stmt *, int);
static int store_migrate(struct store *, char **);
static void store_close_db(struct store *);

const char *
store_errmsg(struct store *st)
{
	int code = sqlite3_errcode(st->db);

	/* A reset or a rollback after an error leaves "not an error". */
	if (code == SQLITE_OK && st->err_msg != NULL) {
		if ((st->err_code & 0xff) == SQLITE_READONLY)
			return _("the cache is read-only");
		return st->err_msg;
	}
	if ((code & 0xff) == SQLITE_READONLY)
		return _("the cache is read-only");
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
	struct store_stmt *c;
	sqlite3_stmt *stmt;
	size_t i;

	for (i = 0; i < st->ncache; i++) {
		c = &st->cache[i];
		if (!c->busy && strcmp(c->sql, sql) == 0) {
			c->busy = 1;
			return c->stmt;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, st->ncache < STORE_STMT_CACHE ?
	    SQLITE_PREPARE_PERSISTENT : 0, &stmt, NULL) != SQLITE_OK)
		return NULL;
	if (st->ncache < STORE_STMT_CACHE) {
		c = &st->cache[st->ncache++];
		c->sql = xstrdup(sql);
		c->stmt = stmt;
		c->busy = 1;
	}
	return stmt;
}

/* Keep the handle's error, if any, for store_errmsg(). */
static void
store_keep_error(struct store *st)
{
	int code = sqlite3_errcode(st->db);

	if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE)
		return;
	free(st->err_msg);
	st->err_code = code;
	st->err_msg = xstrdup(sqlite3_errmsg(st->db));
}

/* Give back STMT: reset it if it is cached, free it otherwise. */
static void
store_stmt_done(struct store *st, sqlite3_stmt *stmt)
{
	size_t i;

	if (stmt == NULL)
		return;
	store_keep_error(st);
	for (i = 0; i < st->ncache; i++) {
		if (st->cache[i].stmt == stmt) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			st->cache[i].busy = 0;
			return;
		}
	}
	(sqlite3_finalize)(stmt);
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
		struct stat sb;
		int e = errno;

		/* A read-only folder that is private already will do. */
		if (stat(dir.buf, &sb) != 0 || (sb.st_mode & 077) != 0) {
			*err = xasprintf(_("cannot protect \"%s\": %s"),
			    dir.buf, strerror(e));
			goto out;
		}
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

/*
 * A cache file that is damaged, truncated or written by a newer tern is
 * never trusted: store_open() checks it (PRAGMA quick_check, for at most
 * STORE_CHECK_MS: a larger file is checked as far as that goes), moves it
 * aside as FILE.corrupt-STAMP or FILE.newer-STAMP with its -wal and -shm,
 * starts a new cache, which the next sync fills from the server, and
 * leaves a notice (store_take_notice()). A file system that cannot be
 * written (read-only) still lets the cache be read.
 */
#define STORE_CHECK_MS 250

/*
 * The cache files this process checked already (the account and the UI
 * each open one): a second check would find the same.
 */
#define STORE_CHECKED_MAX 16
static pthread_mutex_t store_checked_lock = PTHREAD_MUTEX_INITIALIZER;
static char *store_checked[STORE_CHECKED_MAX];

/* Whether PATH was checked already; with ADD, remember it was. */
static int
store_was_checked(const char *path, int add)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&store_checked_lock);
	for (i = 0; i < STORE_CHECKED_MAX && store_checked[i] != NULL; i++)
		if (strcmp(store_checked[i], path) == 0)
			found = 1;
	if (!found && add && i < STORE_CHECKED_MAX)
		store_checked[i] = xstrdup(path);
	pthread_mutex_unlock(&store_checked_lock);
	return found;
}

/* What opening a cache file found. */
enum store_open_result {
	STORE_OPENED,
	STORE_FAILED,		/* *ERR says why */
	STORE_DAMAGED,		/* *ERR says how */
	STORE_NEWER,		/* *ERR says which schema */
	STORE_READ_ONLY,	/* it cannot be written: open it read-only */
};

static long long
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLite's progress handler: nonzero (stop) once the deadline passed. */
static int
store_check_progress(void *arg)
{
	return store_now_ms() > *(long long *)arg;
}

/* Whether SQLite's result R says the file is not a sound database. */
static int
store_damage_code(int r)
{
	r &= 0xff;
	return r == SQLITE_CORRUPT || r == SQLITE_NOTADB;
}

/*
 * PRAGMA quick_check on ST within STORE_CHECK_MS: 1 and *WHY_R (free()
 * it) if the file is damaged, 0 if it looked sound or the time ran out.
 */
static int
store_check(struct store *st, char **why_r)
{
	sqlite3_stmt *stmt = NULL;
	long long deadline = store_now_ms() + STORE_CHECK_MS;
	const char *row;
	int r, bad = 0;

	sqlite3_progress_handler(st->db, 1000, store_check_progress,
	    &deadline);
	r = sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &stmt, NULL);
	while (r == SQLITE_OK || r == SQLITE_ROW) {
		if ((r = sqlite3_step(stmt)) != SQLITE_ROW)
			break;
		row = (const char *)sqlite3_column_text(stmt, 0);
		if (row != NULL && strcmp(row, "ok") == 0)
			continue;
		if (*why_r == NULL)
			*why_r = xstrdup(row != NULL ? row : "?");
		bad = 1;
	}
	if (!bad && store_damage_code(r)) {
		*why_r = xstrdup(sqlite3_errmsg(st->db));
		bad = 1;
	}
	(sqlite3_finalize)(stmt);
	sqlite3_progress_handler(st->db, 0, NULL, NULL);
	return bad;
}

/* The schema version of the file open in ST into *V_R; 0 or -1. */
static int
store_version(struct store *st, int *v_r)
{
	sqlite3_stmt *stmt;
	int r;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*v_r = sqlite3_column_int(stmt, 0);
	(sqlite3_finalize)(stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

/* Whether the file PATH (or, if absent, its folder) cannot be written. */
static int
store_unwritable(const char *path)
{
	char *dir, *slash;
	int no;

	if (access(path, F_OK) == 0)
		return access(path, W_OK) != 0 &&
		    (errno == EROFS || errno == EACCES || errno == EPERM);
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	no = access(slash != NULL ? dir : ".", W_OK) != 0 &&
	    (errno == EROFS || errno == EACCES || errno == EPERM);
	free(dir);
	return no;
}

/*
 * Open the cache file PATH into ST (READ_ONLY: without writing anything,
 * which also needs no -shm file) and see whether it can be trusted.
 */
static enum store_open_result
store_open_file(struct store *st, const char *path, int read_only,
    char **err)
{
	char *uri = NULL;
	int flags, r, version = 0;
	enum store_open_result res = STORE_FAILED;

	if (read_only) {
		/* Nobody can change a file on a read-only file system. */
		uri = xasprintf("file:%s?immutable=1", path);
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
	} else {
		uri = xstrdup(path);
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	if ((r = sqlite3_open_v2(uri, &st->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL)) != SQLITE_OK) {
		if (!read_only && store_unwritable(path))
			res = STORE_READ_ONLY;
		else
			*err = xasprintf(_("cannot open the cache \"%s\": %s"),
			    path, st->db != NULL ? sqlite3_errmsg(st->db) : "");
		goto out;
	}
	sqlite3_busy_timeout(st->db, 10000);
	if (store_exec(st, "PRAGMA foreign_keys = ON") != 0 ||
	    (!read_only && store_exec(st, "PRAGMA journal_mode = WAL") != 0) ||
	    store_exec(st, "PRAGMA synchronous = NORMAL") != 0) {
		r = sqlite3_errcode(st->db);
		if (store_damage_code(r)) {
			*err = xstrdup(sqlite3_errmsg(st->db));
			res = STORE_DAMAGED;
		} else if (!read_only && store_unwritable(path))
			res = STORE_READ_ONLY;
		else
			*err = xasprintf(_("cannot open the cache \"%s\": %s"),
			    path, store_errmsg(st));
		goto out;
	}
	if (!store_was_checked(path, 0) && store_check(st, err)) {
		res = STORE_DAMAGED;
		goto out;
	}
	if (store_version(st, &version) != 0) {
		if (store_damage_code(sqlite3_errcode(st->db))) {
			*err = xstrdup(sqlite3_errmsg(st->db));
			res = STORE_DAMAGED;
		} else
			*err = xasprintf(_("cannot read the cache version: %s"),
			    store_errmsg(st));
		goto out;
	}
	if (version > STORE_SCHEMA_VERSION) {
		*err = xasprintf(_("written by a newer tern (schema %d, this "
		    "one knows %d)"), version, STORE_SCHEMA_VERSION);
		res = STORE_NEWER;
		goto out;
	}
	if (read_only && version < STORE_SCHEMA_VERSION) {
		*err = xasprintf(_("the cache \"%s\" is read-only and was "
		    "written by an older tern: it cannot be brought up to "
		    "date"), path);
		goto out;
	}
	if (!read_only && store_migrate(st, err) != 0)
		goto out;
	store_was_checked(path, 1);
	res = STORE_OPENED;
out:
	free(uri);
	return res;
}

/*
 * Move the cache file PATH and its companions aside, as PATH.KIND-STAMP;
 * the new name in *TO_R. Returns 0, or -1 with *ERR set.
 */
static int
store_move_aside(const char *path, const char *kind, char **to_r,
    char **err)
{
	static const char *const extra[] = { "-wal", "-shm", "-journal" };
	char stamp[32], *to, *from_x, *to_x;
	struct tm tm;
	time_t now = time(NULL);
	size_t i;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	to = xasprintf("%s.%s-%s", path, kind, stamp);
	if (rename(path, to) != 0) {
		*err = xasprintf(_("cannot move the cache \"%s\" aside: %s"),
		    path, strerror(errno));
		free(to);
		return -1;
	}
	/* A -wal left behind would be replayed into the new cache. */
	for (i = 0; i < sizeof extra / sizeof extra[0]; i++) {
		from_x = xasprintf("%s%s", path, extra[i]);
		to_x = xasprintf("%s%s", to, extra[i]);
		if (rename(from_x, to_x) != 0 && errno != ENOENT)
			unlink(from_x);
		free(from_x);
		free(to_x);
	}
	*to_r = to;
	return 0;
}

int
store_open(const char *path, const char *account, struct store **st_r,
    char **err)
{
	struct store *st;
	enum store_open_result res;
	char *why = NULL, *to = NULL;
	int rc = -1, attempt;
	mode_t old;

	st = xcalloc(1, sizeof *st);
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
		if (sqlite3_open_v2(sb.buf, &st->db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
		    NULL) != SQLITE_OK ||
		    store_exec(st, "PRAGMA foreign_keys = ON") != 0 ||
		    store_migrate(st, err) != 0) {
			if (*err == NULL)
				*err = xasprintf(_("cannot open the cache "
				    "\"%s\": %s"), account, st->db != NULL ?
				    sqlite3_errmsg(st->db) : "");
		} else
			rc = 0;
		strbuf_release(&sb);
		goto out;
	}
	/*
	 * No open()/close() of our own here: closing any descriptor of the
	 * file would drop the POSIX locks SQLite holds on it for this
	 * process's other handle. The umask makes the file (and SQLite's
	 * -wal and -shm files) private.
	 */
	old = umask(077);
	for (attempt = 0; attempt < 2; attempt++) {
		res = store_open_file(st, path, 0, &why);
		if (res == STORE_READ_ONLY) {
			store_close_db(st);
			res = store_open_file(st, path, 1, &why);
		}
		if (res == STORE_OPENED) {
			rc = 0;
			break;
		}
		if (res == STORE_FAILED || attempt > 0)
			break;
		/* Damaged or newer: set it aside, then start afresh. */
		store_close_db(st);
		if (store_move_aside(path, res == STORE_NEWER ? "newer" :
		    "corrupt", &to, err) != 0)
			break;
		st->notice = res == STORE_NEWER ?
		    xasprintf(_("the cache \"%s\" was %s: it is kept as "
		    "\"%s\" and a new one is filled from the server"), path,
		    why, to) :
		    xasprintf(_("the cache \"%s\" is damaged (%s): it is kept "
		    "as \"%s\" and a new one is filled from the server"), path,
		    why, to);
		free(why);
		free(to);
		why = to = NULL;
	}
	umask(old);
	if (rc != 0 && *err == NULL) {
		if (res == STORE_DAMAGED || res == STORE_NEWER)
			*err = xasprintf(_("the cache \"%s\" cannot be used: "
			    "%s"), path, why != NULL ? why : "?");
		else if (why != NULL) {
			*err = why;
			why = NULL;
		} else
			*err = xasprintf(_("cannot open the cache \"%s\""),
			    path);
	}
out:
	free(why);
	if (rc != 0) {
		store_close(st);
		st = NULL;
	}
	*st_r = st;
	return rc;
}

char *
store_take_notice(struct store *st)
{
	char *notice = st->notice;

	st->notice = NULL;
	return notice;
}

/* Close ST's database handle and its statements, keeping ST. */
static void
store_close_db(struct store *st)
{
	size_t i;

	for (i = 0; i < st->ncache; i++) {
		(sqlite3_finalize)(st->cache[i].stmt);
		free(st->cache[i].sql);
	}
	st->ncache = 0;
	sqlite3_close(st->db);
	st->db = NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_close_db(st);
	free(st->notice);
	free(st->err_msg);
	free(st);
}

int
store_begin(struct store *st)
{
	free(st->err_msg);
	st->err_msg = NULL;
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
	/*
	 * After some errors (a full disk) SQLite has rolled back already;
	 * a ROLLBACK then would replace the error's message by its own. The
	 * error stays for store_errmsg() either way.
	 */
	store_keep_error(st);
	if (!sqlite3_get_autocommit(st->db))
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
store_folder_find(struct store *st, const char *name, struct store_folder *f_r)
{
	char sql[512];

	/* The server's name first, then the name as shown, then "inbox". */
	snprintf(sql, sizeof sql, "SELECT " FOLDER_COLUMNS " FROM folder"
	    " WHERE name = ?1 OR display = ?1"
	    " OR (upper(?1) = 'INBOX' AND (role = %d OR upper(name) = 'INBOX'))"
	    " ORDER BY name = ?1 DESC, display = ?1 DESC, role = %d DESC"
	    " LIMIT 1", (int)ROLE_INBOX, (int)ROLE_INBOX);
	return store_folder_get_by(st, sql, name, 0, f_r);
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
store_folder_reattach(struct store *st, int64_t id, long *n_r)
{
	sqlite3_stmt *stmt;
	int r;

	*n_r = 0;
	stmt = store_prepare(st, "SELECT 1 FROM orphan_body WHERE folder_id = ?1"
	    " LIMIT 1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (r == SQLITE_DONE)
		return 0;
	if (r != SQLITE_ROW)
		return -1;
	/* The same Message-ID and size: the same message, under a new UID. */
#define REATTACH_MATCH \
	" FROM message m JOIN orphan_body o ON o.folder_id = m.folder_id" \
	" AND o.message_id = m.message_id AND o.size = m.size" \
	" WHERE m.folder_id = ?1 AND m.has_body = 0 AND m.gone = 0"
	if (store_begin(st) != 0)
		return -1;
	if (store_exec_id(st, "INSERT OR REPLACE INTO fts (rowid, body)"
	    " SELECT m.id, o.text" REATTACH_MATCH " AND o.text IS NOT NULL"
	    " GROUP BY m.id", id) != 0 ||
	    store_exec_id(st, "INSERT OR IGNORE INTO body (message_id, raw)"
	    " SELECT m.id, o.raw" REATTACH_MATCH " GROUP BY m.id", id) != 0 ||
	    store_exec_id(st, "UPDATE message SET has_body = 1,"
	    " has_attachment = (SELECT max(o.has_attachment) FROM orphan_body o"
	    " WHERE o.folder_id = message.folder_id"
	    " AND o.message_id = message.message_id AND o.size = message.size)"
	    " WHERE folder_id = ?1 AND has_body = 0 AND gone = 0"
	    " AND id IN (SELECT message_id FROM body)", id) != 0)
		goto fail;
#undef REATTACH_MATCH
	*n_r = (long)sqlite3_changes(st->db);
	if (store_exec_id(st, "DELETE FROM orphan_body WHERE folder_id = ?1",
	    id) != 0)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
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
	/* Cached bodies wait for the messages to come back (reattach). */
	if (store_exec_id(st, "INSERT INTO orphan_body (folder_id, message_id,"
	    " size, raw, text, has_attachment)"
	    " SELECT m.folder_id, m.message_id, m.size, b.raw, f.body,"
	    " m.has_attachment FROM message m"
	    " JOIN body b ON b.message_id = m.id"
	    " LEFT JOIN fts f ON f.rowid = m.id"
	    " WHERE m.folder_id = ?1 AND m.gone = 0"
	    " AND m.message_id IS NOT NULL AND m.message_id != ''", id) != 0)
		return -1;
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
	    " to_addrs, cc_addrs, subject, message_id, in_reply_to, refs,"
	    " has_attachment)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17) ON CONFLICT (folder_id, uid) DO UPDATE SET"
	    " modseq = ?3, flags = ?4, keywords = ?5, date = ?6,"
	    " internaldate = ?7, size = ?8, from_name = ?9, from_addr = ?10,"
	    " to_addrs = ?11, cc_addrs = ?12, subject = ?13, message_id = ?14,"
	    " in_reply_to = ?15, refs = ?16,"
	    " has_attachment = max(has_attachment, ?17) RETURNING id");
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
	sqlite3_bind_int(stmt, 17, m->has_attachment != 0);
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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? 1 : -1;
}

int
store_msg_set_gone(struct store *st, int64_t folder_id, uint32_t uid)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE message SET gone = 1"
	    " WHERE folder_id = ?1 AND uid = ?2");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int64(stmt, 2, uid);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
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
		stmt = store_prepare(st, "INSERT OR REPLACE INTO fts"
		    " (rowid, body) VALUES (?1, ?2)");
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

/*
 * POP3: the UIDL ledger and the preview list (see store.h). The ledger's
 * msg_id follows the message row (ON DELETE SET NULL), but a vanished row
 * never counts as a deletion by the user: only local_deleted or the
 * \Deleted flag do, so that no cache accident deletes mail on a server.
 */

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
	sqlite3_finalize(stmt);
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
	    " cc_addrs, subject, message_id, in_reply_to, refs, has_body)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, 1) RETURNING id");
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
	sqlite3_finalize(pv);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

int
store_pop3_local_deleted(struct store *st, int64_t folder_id, uint32_t uid)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE pop3_uidl SET local_deleted = 1"
	    " WHERE uid = ?2 AND fetched = 1 AND NOT EXISTS (SELECT 1 FROM"
	    " message WHERE folder_id = ?1 AND uid = ?2)");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	sqlite3_bind_int64(stmt, 2, uid);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
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
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
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

/*
 * Search (search.h): a query tree compiled to SQL over the message table
 * and the fts table, with every value bound as a parameter. Text terms
 * are case-insensitive substrings, as IMAP SEARCH compares them: terms of
 * three characters or more go through the fts5 trigram index (which folds
 * case); shorter ones, and the exact check of an address field, through
 * tern_contains(), search_contains() made an SQL function. Dates are the
 * calendar days of the Date: header in local time.
 */

/* A value bound to the next parameter. */
struct store_sq_bind {
	char *text;		/* NULL: the number */
	int64_t num;
};

struct store_sq {
	struct strbuf sql;
	struct store_sq_bind *binds;
	size_t nbinds;
};

/* The From: header as tern shows it: "Name <addr>", or the address. */
#define STORE_SQ_FROM \
	"(CASE WHEN coalesce(m.from_name, '') = '' THEN" \
	" coalesce(m.from_addr, '') ELSE m.from_name || ' <' ||" \
	" coalesce(m.from_addr, '') || '>' END)"

static void
store_sq_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *hay, *needle;

	(void)argc;
	hay = sqlite3_value_text(argv[0]);
	needle = sqlite3_value_text(argv[1]);
	if (hay == NULL || needle == NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	sqlite3_result_int(ctx, search_contains((const char *)hay,
	    (size_t)sqlite3_value_bytes(argv[0]), (const char *)needle));
}

/* Bind TEXT (copied), or NUM when TEXT is NULL: the parameter's number. */
static size_t
store_sq_bind(struct store_sq *q, const char *text, int64_t num)
{
	q->binds = xreallocarray(q->binds, q->nbinds + 1, sizeof *q->binds);
	q->binds[q->nbinds].text = xstrdup(text);
	q->binds[q->nbinds].num = num;
	q->nbinds++;
	return q->nbinds + 1;	/* ?1 is the folder */
}

/* Append "?N" bound to TEXT or NUM. */
static void
store_sq_param(struct store_sq *q, const char *text, int64_t num)
{
	strbuf_addf(&q->sql, "?%zu", store_sq_bind(q, text, num));
}

/* The number of characters of UTF-8 S. */
static size_t
store_sq_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Append "m.id IN (rows of fts matching the phrase NEEDLE in COLUMN)". */
static void
store_sq_fts(struct store_sq *q, const char *column, const char *needle)
{
	struct strbuf match = STRBUF_INIT;
	const char *p;

	/* An fts5 string: double quotes, with "" for a quote inside. */
	if (column != NULL)
		strbuf_addf(&match, "%s : ", column);
	strbuf_addch(&match, '"');
	for (p = needle; *p != '\0'; p++) {
		if (*p == '"')
			strbuf_addch(&match, '"');
		strbuf_addch(&match, *p);
	}
	strbuf_addch(&match, '"');
	strbuf_addstr(&q->sql, "m.id IN (SELECT rowid FROM fts WHERE fts MATCH ");
	store_sq_param(q, match.buf, 0);
	strbuf_addch(&q->sql, ')');
	strbuf_release(&match);
}

/* Append "tern_contains(EXPR, ?N)" for the parameter N. */
static void
store_sq_contains_expr(struct store_sq *q, const char *expr, size_t param)
{
	strbuf_addf(&q->sql, "tern_contains(%s, ?%zu)", expr, param);
}

/* A text term: which fields it looks at, with FTS where it can. */
static void
store_sq_text(struct store_sq *q, const struct search_node *n)
{
	char *needle = search_fold(n->str, strlen(n->str));
	int indexed = store_sq_chars(needle) >= 3;
	const char *field = NULL;
	size_t p;

	switch (n->kind) {
	case SEARCH_FROM:
		field = STORE_SQ_FROM;
		break;
	case SEARCH_TO:
		field = "m.to_addrs";
		break;
	case SEARCH_CC:
		field = "m.cc_addrs";
		break;
	case SEARCH_SUBJECT:
		field = "m.subject";
		break;
	default:
		break;
	}
	/*
	 * Header fields are matched on their columns; only body text is in
	 * the fts index (trigrams: needles of three characters or more).
	 */
	strbuf_addch(&q->sql, '(');
	p = store_sq_bind(q, needle, 0);
	if (field != NULL) {
		store_sq_contains_expr(q, field, p);
		goto out;
	}
	if (n->kind != SEARCH_BODY) {
		/* text: the header fields, then the body. */
		store_sq_contains_expr(q, "m.subject", p);
		strbuf_addstr(&q->sql, " OR ");
		store_sq_contains_expr(q, STORE_SQ_FROM, p);
		strbuf_addstr(&q->sql, " OR ");
		store_sq_contains_expr(q, "m.to_addrs", p);
		strbuf_addstr(&q->sql, " OR ");
		store_sq_contains_expr(q, "m.cc_addrs", p);
		strbuf_addstr(&q->sql, " OR ");
	}
	if (indexed)
		store_sq_fts(q, "body", needle);
	else
		strbuf_addf(&q->sql, "m.id IN (SELECT rowid FROM fts WHERE"
		    " tern_contains(body, ?%zu))", p);
out:
	strbuf_addch(&q->sql, ')');
	free(needle);
}

/* Local midnight at the start of Y-M-D plus DAYS days. */
static int64_t
store_sq_midnight(int y, int m, int d, int days)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
store_sq_node(struct store_sq *q, const struct search_node *n)
{
	static const unsigned int flags[] = {
		[SEARCH_SEEN] = MSG_SEEN,
		[SEARCH_ANSWERED] = MSG_ANSWERED,
		[SEARCH_FLAGGED] = MSG_FLAGGED,
		[SEARCH_DELETED] = MSG_DELETED,
	};
	size_t i;

	switch (n->kind) {
	case SEARCH_ALL:
		strbuf_addstr(&q->sql, "1");
		break;
	case SEARCH_AND:
	case SEARCH_OR:
		strbuf_addch(&q->sql, '(');
		for (i = 0; i < n->nkids; i++) {
			if (i > 0)
				strbuf_addstr(&q->sql,
				    n->kind == SEARCH_AND ? " AND " : " OR ");
			store_sq_node(q, n->kids[i]);
		}
		strbuf_addch(&q->sql, ')');
		break;
	case SEARCH_NOT:
		strbuf_addstr(&q->sql, "(NOT ");
		store_sq_node(q, n->kids[0]);
		strbuf_addch(&q->sql, ')');
		break;
	case SEARCH_FROM:
	case SEARCH_TO:
	case SEARCH_CC:
	case SEARCH_SUBJECT:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		store_sq_text(q, n);
		break;
	case SEARCH_BEFORE:
		strbuf_addstr(&q->sql, "m.date < ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 0));
		break;
	case SEARCH_SINCE:
		strbuf_addstr(&q->sql, "m.date >= ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 0));
		break;
	case SEARCH_ON:
		strbuf_addstr(&q->sql, "(m.date >= ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 0));
		strbuf_addstr(&q->sql, " AND m.date < ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 1));
		strbuf_addch(&q->sql, ')');
		break;
	case SEARCH_LARGER:
		strbuf_addstr(&q->sql, "m.size > ");
		store_sq_param(q, NULL, n->size);
		break;
	case SEARCH_SMALLER:
		strbuf_addstr(&q->sql, "m.size < ");
		store_sq_param(q, NULL, n->size);
		break;
	case SEARCH_FLAG:
		strbuf_addstr(&q->sql, "(m.flags & ");
		store_sq_param(q, NULL, flags[n->flag]);
		strbuf_addstr(&q->sql, n->set ? ") != 0" : ") = 0");
		break;
	case SEARCH_ATTACHMENT:
		strbuf_addstr(&q->sql, "m.has_attachment != 0");
		break;
	}
}

static int
store_cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Put the N sorted row ids of MATCH into FOLDER_ID's display order (the
 * order of store_msg_ids()). Takes MATCH.
 */
static int
store_search_order(struct store *st, int64_t folder_id, int sort,
    int reverse, int64_t *match, size_t n, int64_t **ids_r, size_t *n_r)
{
	int64_t *all = NULL;
	size_t nall = 0, i, k = 0;

	*ids_r = NULL;
	*n_r = 0;
	if (n == 0) {
		free(match);
		return 0;
	}
	if (store_msg_ids(st, folder_id, sort, reverse, &all, &nall) != 0) {
		free(match);
		return -1;
	}
	for (i = 0; i < nall; i++)
		if (bsearch(&all[i], match, n, sizeof *match,
		    store_cmp_id) != NULL)
			all[k++] = all[i];
	free(match);
	*ids_r = all;
	*n_r = k;
	return 0;
}

int
store_search(struct store *st, int64_t folder_id, const struct search_node *q,
    int sort, int reverse, int64_t **ids_r, size_t *n_r)
{
	struct store_sq sq;
	sqlite3_stmt *stmt = NULL;
	int64_t *match = NULL;
	size_t n = 0, alloc = 0, i;
	int r, rc = -1;

	*ids_r = NULL;
	*n_r = 0;
	if (search_is_all(q))
		return store_msg_ids(st, folder_id, sort, reverse, ids_r, n_r);
	memset(&sq, 0, sizeof sq);
	strbuf_init(&sq.sql, 256);
	/* Once per handle: registering again would expire the cache. */
	if (!st->search_fn) {
		if (sqlite3_create_function_v2(st->db, "tern_contains", 2,
		    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
		    store_sq_contains, NULL, NULL, NULL) != SQLITE_OK)
			goto out;
		st->search_fn = 1;
	}
	strbuf_addstr(&sq.sql, "SELECT m.id FROM message m"
	    " WHERE m.folder_id = ?1 AND ");
	store_sq_node(&sq, q);
	/* Each query is new SQL: prepared apart from the statement cache. */
	if (sqlite3_prepare_v2(st->db, sq.sql.buf, -1, &stmt, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, folder_id);
	for (i = 0; i < sq.nbinds; i++) {
		if (sq.binds[i].text != NULL)
			sqlite3_bind_text(stmt, (int)i + 2, sq.binds[i].text,
			    -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(stmt, (int)i + 2, sq.binds[i].num);
	}
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			match = xreallocarray(match, alloc, sizeof *match);
		}
		match[n++] = sqlite3_column_int64(stmt, 0);
	}
	if (r != SQLITE_DONE)
		goto out;
	if (n > 1)
		qsort(match, n, sizeof *match, store_cmp_id);
	rc = store_search_order(st, folder_id, sort, reverse, match, n, ids_r,
	    n_r);
	match = NULL;
out:
	sqlite3_finalize(stmt);
	free(match);
	for (i = 0; i < sq.nbinds; i++)
		free(sq.binds[i].text);
	free(sq.binds);
	strbuf_release(&sq.sql);
	return rc;
}

int
store_search_coverage(struct store *st, int64_t folder_id, long *bodies_r,
    long *total_r)
{
	sqlite3_stmt *stmt;
	int r;

	*bodies_r = *total_r = 0;
	stmt = store_prepare(st, "SELECT count(*), coalesce(sum(has_body), 0)"
	    " FROM message WHERE folder_id = ?1 ORDER BY date, uid");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		*total_r = (long)sqlite3_column_int64(stmt, 0);
		*bodies_r = (long)sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

static int
store_cmp_uid32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
store_search_uids(struct store *st, int64_t folder_id, const uint32_t *uids,
    size_t n, int sort, int reverse, int64_t **ids_r, size_t *n_r)
{
	sqlite3_stmt *stmt;
	uint32_t *sorted, uid;
	int64_t *match = NULL;
	size_t nmatch = 0, alloc = 0;
	int r;

	*ids_r = NULL;
	*n_r = 0;
	if (n == 0)
		return 0;
	sorted = xreallocarray(NULL, n, sizeof *sorted);
	memcpy(sorted, uids, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, store_cmp_uid32);
	stmt = store_prepare(st, "SELECT id, uid FROM message"
	    " WHERE folder_id = ?1 ORDER BY id");
	if (stmt == NULL) {
		free(sorted);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, folder_id);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		uid = (uint32_t)sqlite3_column_int64(stmt, 1);
		if (bsearch(&uid, sorted, n, sizeof *sorted,
		    store_cmp_uid32) == NULL)
			continue;
		if (nmatch == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			match = xreallocarray(match, alloc, sizeof *match);
		}
		match[nmatch++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	free(sorted);
	if (r != SQLITE_DONE) {
		free(match);
		return -1;
	}
	/* Ascending by id already (ORDER BY id). */
	return store_search_order(st, folder_id, sort, reverse, match, nmatch,
	    ids_r, n_r);
}

int
store_msg_set_attachment(struct store *st, int64_t msg_id, int yes)
{
	sqlite3_stmt *stmt;
	int r;

	stmt = store_prepare(st, "UPDATE message SET has_attachment = ?2"
	    " WHERE id = ?1");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int(stmt, 2, yes != 0);
	r = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_msg_without_body(struct store *st, int64_t folder_id, size_t max,
    int64_t **ids_r, size_t *n_r)
{
	sqlite3_stmt *stmt;
	int64_t *ids = NULL;
	size_t n = 0, alloc = 0;
	int r;

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
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 64 : alloc * 2;
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
