/*
 * The SQLite cache (see store.h): opening a cache file, checking it and
 * moving a damaged one aside, the schema and its migrations, the
 * statement cache, transactions, and the folders. The other tables have
 * files of their own (store-private.h lists them). One database per
 * account; WAL so that the worker writes while the UI reads on its own
 * handle.
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

#include "i18n.h"
#include "log.h"
#include "store-private.h"
#include "strbuf.h"
#include "util.h"
#include "xmalloc.h"

/* The schema version this code writes; older files are migrated. */
#define STORE_SCHEMA_VERSION 9

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
	 * 2 -> 3: POP3 (see store-pop3.c): the UIDL ledger, one
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
	/*
	 * 4 -> 5: the outbox (store-outbox.c): messages to send, sent with
	 * their Sent copy still to save, and drafts to save.
	 */
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL DEFAULT 0,"
	" message_id TEXT NOT NULL,"
	" env_from TEXT NOT NULL,"
	" rcpts TEXT NOT NULL,"
	" bcc TEXT, subject TEXT, to_addrs TEXT,"
	" orig_msg_id INTEGER NOT NULL DEFAULT 0,"
	" orig_flags INTEGER NOT NULL DEFAULT 0,"
	" draft_msg_id INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_try INTEGER NOT NULL DEFAULT 0,"
	" error TEXT,"
	" copy_started INTEGER NOT NULL DEFAULT 0,"
	" data BLOB NOT NULL);",
	/*
	 * 5 -> 6: an outbox message's bytes in a table of their own, so
	 * that a change of its state does not rewrite (and read whole into
	 * memory) a 25 MB row; outbox.data stays, empty.
	 */
	"CREATE TABLE outbox_data ("
	" id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,"
	" data BLOB NOT NULL);"
	"INSERT INTO outbox_data (id, data) SELECT id, data FROM outbox;"
	"UPDATE outbox SET data = x'';",
	/*
	 * 6 -> 7: a folder's counts (store_folder_counts(), at every open
	 * of it) read from an index rather than from every row of the
	 * folder: at 100,000 messages that was most of a warm start.
	 */
	"CREATE INDEX message_by_flags ON message (folder_id, gone, flags);",
	/*
	 * 7 -> 8: the threads of a large folder kept from the last build
	 * (thread_save()), valid while the folder's thread_gen is the one it
	 * was built at. The triggers move thread_gen on every change of a
	 * row that threading or its order reads and on every delete, whoever
	 * writes them; the inserts move it once per batch themselves
	 * (store_thread_touch()): a trigger there cost 2 us a row, 30% of the
	 * store's time in a full sync.
	 */
	"ALTER TABLE folder ADD COLUMN thread_gen INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE thread_cache ("
	" folder_id INTEGER PRIMARY KEY REFERENCES folder(id)"
	"  ON DELETE CASCADE,"
	" kind INTEGER NOT NULL,"
	" gen INTEGER NOT NULL,"
	" data BLOB NOT NULL);"
	"CREATE TRIGGER message_thread_del AFTER DELETE ON message BEGIN"
	" UPDATE folder SET thread_gen = thread_gen + 1"
	"  WHERE id = OLD.folder_id; END;"
	"CREATE TRIGGER message_thread_upd AFTER UPDATE OF folder_id, uid,"
	" date, size, from_name, from_addr, subject, message_id, in_reply_to,"
	" refs ON message WHEN OLD.folder_id IS NOT NEW.folder_id"
	"  OR OLD.uid IS NOT NEW.uid OR OLD.date IS NOT NEW.date"
	"  OR OLD.size IS NOT NEW.size OR OLD.from_name IS NOT NEW.from_name"
	"  OR OLD.from_addr IS NOT NEW.from_addr"
	"  OR OLD.subject IS NOT NEW.subject"
	"  OR OLD.message_id IS NOT NEW.message_id"
	"  OR OLD.in_reply_to IS NOT NEW.in_reply_to"
	"  OR OLD.refs IS NOT NEW.refs BEGIN"
	" UPDATE folder SET thread_gen = thread_gen + 1"
	"  WHERE id IN (OLD.folder_id, NEW.folder_id); END;",
	/*
	 * 8 -> 9: the addresses the user has written to (each recipient
	 * of a message queued to send, store_outbox_add()), how often and
	 * when last, for completion (store_address_complete()): the
	 * message table knows senders, and its To and Cc are display text
	 * that does not parse back safely.
	 */
	"CREATE TABLE address ("
	" addr TEXT PRIMARY KEY COLLATE NOCASE,"
	" name TEXT,"
	" uses INTEGER NOT NULL DEFAULT 0,"
	" last INTEGER NOT NULL DEFAULT 0);",
};

#define NMIGRATIONS (sizeof store_migrations / sizeof store_migrations[0])

static int store_migrate(struct store *, char **);
static int store_close_db(struct store *);
static int store_damage_code(int);

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

int
store_exec(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

sqlite3_stmt *
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
	if (store_damage_code(code))
		st->damaged = 1;
	free(st->err_msg);
	st->err_code = code;
	st->err_msg = xstrdup(sqlite3_errmsg(st->db));
}

void
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
	sqlite3_finalize(stmt);
}

char *
store_column_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(stmt, col);
	return s == NULL ? NULL : xstrdup((const char *)s);
}

void
store_bind_text(sqlite3_stmt *stmt, int col, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, s, -1, SQLITE_TRANSIENT);
}

void
store_bind_static(sqlite3_stmt *stmt, int col, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC);
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
		store_stmt_done(st, stmt);
		*err = xasprintf(_("cannot read the cache version: %s"),
		    store_errmsg(st));
		return -1;
	}
	version = sqlite3_column_int(stmt, 0);
	store_stmt_done(st, stmt);
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
 * written (read-only) still lets the cache be read. A file closed cleanly
 * and untouched since is not checked again (store_stamp_take()).
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

/* SQLite's progress handler: nonzero (stop) once the deadline passed. */
static int
store_check_progress(void *arg)
{
	return util_now_ms() > *(int64_t *)arg;
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
	int64_t deadline = util_now_ms() + STORE_CHECK_MS;
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
	sqlite3_finalize(stmt);
	sqlite3_progress_handler(st->db, 0, NULL, NULL);
	return bad;
}

/*
 * A cache closed cleanly is not checked again when it is opened next: the
 * check costs tens of milliseconds at 100,000 messages, and nothing has
 * touched the file since it was last found sound. The close that leaves
 * no -wal behind (the last handle on the file, once SQLite checkpointed
 * it) writes FILE.clean with what stat() says of the file: device, inode,
 * size, mtime and ctime (ctime cannot be set back). store_open() removes
 * that stamp before anything can write and trusts the file unchecked only
 * if the stamp it removed matches the file and no -wal or -journal holds
 * anything: a crash, a kill or a write by anything else (which moves
 * ctime) leaves the next open to check.
 */
#define STORE_STAMP_SUFFIX ".clean"
#define STORE_STAMP_MAX 160

/* The stamp of the file SB describes, into BUF. */
static void
store_stamp_format(const struct stat *sb, char *buf, size_t len)
{
	snprintf(buf, len, "tern clean 1 %ju %ju %jd %jd.%09ld %jd.%09ld\n",
	    (uintmax_t)sb->st_dev, (uintmax_t)sb->st_ino,
	    (intmax_t)sb->st_size, (intmax_t)sb->st_mtim.tv_sec,
	    (long)sb->st_mtim.tv_nsec, (intmax_t)sb->st_ctim.tv_sec,
	    (long)sb->st_ctim.tv_nsec);
}

/* Whether the file PATH followed by SUFFIX is absent or empty. */
static int
store_empty_file(const char *path, const char *suffix)
{
	struct stat sb;
	char *name = xasprintf("%s%s", path, suffix);
	int empty;

	if (stat(name, &sb) == 0)
		empty = sb.st_size == 0;
	else
		empty = errno == ENOENT;
	free(name);
	return empty;
}

/*
 * Remove PATH's stamp, if any: 1 if it said that the file is as its last
 * clean close left it, 0 otherwise (no stamp, another file, a -wal).
 */
static int
store_stamp_take(const char *path)
{
	char *name, got[STORE_STAMP_MAX], want[STORE_STAMP_MAX];
	struct stat sb;
	ssize_t len = -1;
	int fd, ok = 0;

	name = xasprintf("%s" STORE_STAMP_SUFFIX, path);
	if ((fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto out;
	len = read(fd, got, sizeof got - 1);
	close(fd);
	/* A stamp that stays might outlive a write: then it says nothing. */
	if (unlink(name) != 0 || len <= 0)
		goto out;
	got[len] = '\0';
	if (stat(path, &sb) != 0)
		goto out;
	store_stamp_format(&sb, want, sizeof want);
	ok = strcmp(got, want) == 0 && store_empty_file(path, "-wal") &&
	    store_empty_file(path, "-journal");
out:
	free(name);
	return ok;
}

/*
 * After the handle on PATH is closed: if nothing is left to replay (no
 * -wal, no -journal), write PATH's stamp. Failing is harmless: the next
 * open checks.
 */
static void
store_stamp_write(const char *path)
{
	char *name, buf[STORE_STAMP_MAX];
	struct stat sb;
	int fd, bad;

	if (!store_empty_file(path, "-wal") ||
	    !store_empty_file(path, "-journal") || stat(path, &sb) != 0)
		return;
	store_stamp_format(&sb, buf, sizeof buf);
	name = xasprintf("%s" STORE_STAMP_SUFFIX, path);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd != -1) {
		bad = util_write_all(fd, buf, strlen(buf)) != 0;
		if (close(fd) != 0 || bad)
			unlink(name);
	}
	free(name);
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
	sqlite3_finalize(stmt);
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
 * which also needs no -shm file) and see whether it can be trusted
 * (TRUSTED: its stamp says so, see store_stamp_take()).
 */
static enum store_open_result
store_open_file(struct store *st, const char *path, int read_only,
    int trusted, char **err)
{
	char *uri = NULL;
	int flags, r, version = 0;
	int64_t t0;
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
	if (trusted)
		log_msg(LOG_INFO, "store: %s: closed cleanly, not checked",
		    path);
	else if (!store_was_checked(path, 0)) {
		t0 = util_now_ms();
		if (store_check(st, err)) {
			res = STORE_DAMAGED;
			goto out;
		}
		log_msg(LOG_INFO, "store: %s: checked in %lld ms", path,
		    (long long)(util_now_ms() - t0));
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
	int rc = -1, attempt, trusted;
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
	trusted = store_stamp_take(path);
	for (attempt = 0; attempt < 2; attempt++) {
		res = store_open_file(st, path, 0, trusted, &why);
		if (res == STORE_READ_ONLY) {
			store_close_db(st);
			st->read_only = 1;
			res = store_open_file(st, path, 1, trusted, &why);
		}
		if (res == STORE_OPENED) {
			st->path = xstrdup(path);
			rc = 0;
			break;
		}
		trusted = 0;
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

int
store_open_reader(const struct store *of, struct store **st_r)
{
	struct store *st;

	*st_r = NULL;
	/* A cache in memory (--ephemeral) or on a read-only file: none. */
	if (of->path == NULL || of->read_only)
		return -1;
	st = xcalloc(1, sizeof *st);
	st->read_only = 1;
	if (sqlite3_open_v2(of->path, &st->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, 10000);
	*st_r = st;
	return 0;
}

char *
store_take_notice(struct store *st)
{
	char *notice = st->notice;

	st->notice = NULL;
	return notice;
}

/* Close ST's database handle and its statements, keeping ST: 0 or -1. */
static int
store_close_db(struct store *st)
{
	size_t i;
	int r;

	for (i = 0; i < st->ncache; i++) {
		sqlite3_finalize(st->cache[i].stmt);
		free(st->cache[i].sql);
	}
	st->ncache = 0;
	r = sqlite3_close(st->db);
	st->db = NULL;
	return r == SQLITE_OK ? 0 : -1;
}

void
store_close(struct store *st)
{
	int clean;

	if (st == NULL)
		return;
	clean = st->tx_depth == 0 && !st->damaged && !st->read_only;
	if (store_close_db(st) == 0 && clean && st->path != NULL)
		store_stamp_write(st->path);
	free(st->path);
	free(st->notice);
	free(st->err_msg);
	free(st);
}

int
store_begin(struct store *st)
{
	/* Inside a transaction: the outer one holds this work too. */
	if (st->tx_depth++ > 0)
		return 0;
	free(st->err_msg);
	st->err_msg = NULL;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0) {
		st->tx_depth = 0;
		return -1;
	}
	return 0;
}

int
store_commit(struct store *st)
{
	if (st->tx_depth > 1) {
		st->tx_depth--;
		return 0;
	}
	st->tx_depth = 0;
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
	/*
	 * An inner rollback ends the whole transaction; the outer code sees
	 * the error and rolls back too, which is then a no-op.
	 */
	st->tx_depth = 0;
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
			store_stmt_done(st, mark);
			goto out;
		}
		store_stmt_done(st, mark);
	}
	if (store_exec(st, "DELETE FROM folder WHERE name NOT IN"
	    " (SELECT name FROM seen_folder)") != 0)
		goto out;
	rc = store_commit(st);
out:
	store_stmt_done(st, up);
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
	store_stmt_done(st, stmt);
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
	store_stmt_done(st, stmt);
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
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_exec_id(struct store *st, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt;
	int r;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_exec_pair(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *stmt;
	int r;

	if ((stmt = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, a);
	sqlite3_bind_int64(stmt, 2, b);
	r = sqlite3_step(stmt);
	store_stmt_done(st, stmt);
	return r == SQLITE_DONE ? 0 : -1;
}

int
store_step_ids(struct store *st, sqlite3_stmt *stmt, int64_t **ids_r,
    size_t *n_r)
{
	int64_t *ids = NULL;
	size_t n = 0, alloc = 0;
	int r;

	*ids_r = NULL;
	*n_r = 0;
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			ids = xreallocarray(ids, alloc, sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	store_stmt_done(st, stmt);
	if (r != SQLITE_DONE) {
		free(ids);
		return -1;
	}
	*ids_r = ids;
	*n_r = n;
	return 0;
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
	store_stmt_done(st, stmt);
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
	store_stmt_done(st, stmt);
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

