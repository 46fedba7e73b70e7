/*
 * What the files of the store share and nothing else sees: the handle and
 * the statement helpers. store.c opens, migrates and closes the cache and
 * holds the folders; store-msg.c the messages, bodies, counts and thread
 * rows; store-pending.c the queue of offline operations; store-pop3.c the
 * UIDL ledger and the preview list; store-search.c a query tree compiled
 * to SQL. The API is store.h; only these files include sqlite3.h.
 */
#ifndef TERN_STORE_PRIVATE_H
#define TERN_STORE_PRIVATE_H

#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/*
 * Statements are prepared once per handle and kept: the hot paths (a
 * header batch, a screenful of rows) then skip SQL compilation, which
 * cost more than the work itself. store_prepare() hands out a cached
 * statement that is not in use; store_stmt_done() gives it back (reset,
 * its bindings cleared) and finalizes one that is not cached.
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
	int tx_depth;		/* store_begin() calls not yet ended */
	char *path;		/* the cache file; NULL when ephemeral */
	int read_only;		/* opened without writing (immutable) */
	int damaged;		/* SQLite said the file is damaged */
};

/* Run SQL (one or more statements, no results): 0, or -1. */
int store_exec(struct store *, const char *);
/* Run SQL with ?1 bound to ID: 0, or -1. */
int store_exec_id(struct store *, const char *, int64_t);
/* A message came into FOLDER_ID: its kept threads are out of date. */
int store_thread_touch(struct store *st, int64_t folder_id);
/* Run SQL with ?1 and ?2 bound to A and B: 0, or -1. */
int store_exec_pair(struct store *, const char *, int64_t a, int64_t b);
/*
 * Step STMT (prepared and bound) to its end, gathering the numbers of its
 * first column into *IDS_R (free() it), then give it back: 0, or -1.
 */
int store_step_ids(struct store *, sqlite3_stmt *, int64_t **ids_r,
    size_t *n_r);
/*
 * A statement for SQL, from the cache when one is free: give it back with
 * store_stmt_done(). NULL on error.
 */
sqlite3_stmt *store_prepare(struct store *, const char *);
/*
 * Give back a statement of store_prepare() (or one prepared apart): reset
 * it if it is cached, finalize it otherwise; the handle's error, if any,
 * is kept for store_errmsg(). NULL is a no-op.
 */
void store_stmt_done(struct store *, sqlite3_stmt *);
/* A copy of the text of column COL (free() it), NULL for an SQL NULL. */
char *store_column_dup(sqlite3_stmt *, int);
/* Bind S (copied) to parameter COL, or NULL when S is NULL. */
void store_bind_text(sqlite3_stmt *, int, const char *);
/*
 * Bind S (not copied: it must outlive the statement's next step, until
 * store_stmt_done()) to parameter COL, or NULL when S is NULL.
 */
void store_bind_static(sqlite3_stmt *, int, const char *);
struct store_outbox;
/*
 * Count each recipient of E (with its name, when E has one) as written
 * to at WHEN, for completion: 0, or -1. Inside the caller's transaction.
 */
int store_address_note(struct store *st, const struct store_outbox *e,
    int64_t when);

#endif
