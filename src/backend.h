/*
 * The interface between the account worker and a protocol. The worker
 * (account.c) drives a session only through this table, which imap.c and
 * pop3.c fill in; neither the UI nor the worker sees the protocol.
 *
 * Every operation runs on the worker thread, except interrupt(), which any
 * thread may call to cancel a blocked operation.
 */
#ifndef TERN_BACKEND_H
#define TERN_BACKEND_H

#include <stdint.h>

struct account_config;
struct store;

/* How an operation ended; the worker decides from it what to do next. */
enum backend_status {
	BACKEND_OK = 0,
	BACKEND_ERR_NET,	/* connection lost or refused: retry later */
	BACKEND_ERR_AUTH,	/* credentials refused: do not retry */
	BACKEND_ERR_TLS,	/* certificate refused or TLS required: do not retry */
	BACKEND_ERR_PROTOCOL,	/* the server said something we cannot use */
	BACKEND_ERR_LOCAL,	/* the store failed */
	BACKEND_ERR_NOTFOUND,	/* no such folder or message */
};

/* What the backend tells the worker while it works. */
struct backend_hooks {
	void *arg;
	/* The folder list in the store changed. */
	void (*folders_changed)(void *arg);
	/* Messages of FOLDER_ID changed in the store. */
	void (*headers_changed)(void *arg, int64_t folder_id);
	/* N of TOTAL headers of FOLDER_ID are in the store. */
	void (*progress)(void *arg, int64_t folder_id, long n, long total);
	/*
	 * Called between batches of a long operation: the worker may run
	 * urgent requests (a body the user opened) on the same session.
	 * Returns nonzero when the long operation should stop early.
	 */
	int (*between)(void *arg);
};

struct backend_ops {
	const char *name;
	/* A new session for CFG writing to ST; nothing is sent yet. */
	void *(*new)(const struct account_config *cfg, struct store *st,
	    const struct backend_hooks *hooks);
	/* Connect, secure and log in with PASSWORD. */
	enum backend_status (*connect)(void *b, const char *password,
	    char **err);
	/* Refresh the folder list in the store. */
	enum backend_status (*sync_folders)(void *b, char **err);
	/* Bring folder NAME's messages and flags in the store up to date. */
	enum backend_status (*sync_folder)(void *b, const char *name,
	    char **err);
	/* Fetch the body of the message with row id MSG_ID into the store. */
	enum backend_status (*fetch_body)(void *b, int64_t msg_id, char **err);
	/* Send the store's pending operations to the server, oldest first. */
	enum backend_status (*push_pending)(void *b, char **err);
	/* Cancel a blocked operation; safe from any thread. */
	void (*interrupt)(void *b);
	/* Log out (if connected) and free the session. */
	void (*free)(void *b);
};

extern const struct backend_ops imap_backend;

#endif
