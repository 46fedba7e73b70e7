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

#include <stddef.h>
#include <stdint.h>

struct account_config;
struct cred;
struct search_node;
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
	/*
	 * The session is the account's second connection (connections = 2):
	 * its protocol trace in the log is named so ("imap2").
	 */
	int second;
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
	/* N new messages arrived in FOLDER_ID (a warm sync found them). */
	void (*new_mail)(void *arg, int64_t folder_id, long n);
	/*
	 * N of the TOTAL messages of FOLDER_ID vanished on the server at once
	 * (more than the mass-deletion limits): they are kept, marked gone.
	 */
	void (*gone)(void *arg, int64_t folder_id, long n, long total);
	/* Something worth telling the user (not an error). */
	void (*notice)(void *arg, const char *text);
	/*
	 * As progress(), with the BYTES done of TOTAL_BYTES (a POP3
	 * download). May be NULL.
	 */
	void (*progress_bytes)(void *arg, int64_t folder_id, long n,
	    long total, int64_t bytes, int64_t total_bytes);
	/* The POP3 preview list in the store changed. May be NULL. */
	void (*preview_changed)(void *arg);
	/* The outbox has entries to send again. May be NULL. */
	void (*outbox_changed)(void *arg);
};

/* Folder operations (backend_ops.folder_op). */
enum backend_folder_op {
	FOLDER_CREATE,
	FOLDER_RENAME,
	FOLDER_DELETE,
	FOLDER_SUBSCRIBE,
	FOLDER_UNSUBSCRIBE,
};


/*
 * How the worker drives a backend (backend_ops.caps).
 *
 * BACKEND_CAP_SHORT_SESSION: a session per piece of work. The worker
 * connects when there is work for the server (a check every
 * pop3_interval, account_sync_now(), a request of preview, fetch_one or
 * delete_one), does it and logs out(); between sessions fetch_body(),
 * push_pending() and folder_op() work on the store alone. Without it a
 * session is long: the worker connects at once and stays, serving
 * requests, until it is stopped or the connection drops.
 *
 * BACKEND_CAP_IDLE: wait() and wake() are there: a long session waits on
 * the server for news on the open folder.
 */
#define BACKEND_CAP_SHORT_SESSION	0x01u
#define BACKEND_CAP_IDLE		0x02u

struct backend_ops {
	const char *name;
	unsigned caps;		/* BACKEND_CAP_* */
	/* A new session for CFG writing to ST; nothing is sent yet. */
	void *(*new)(const struct account_config *cfg, struct store *st,
	    const struct backend_hooks *hooks);
	/* Connect, secure and sign in with what CRED gives (conn.h). */
	enum backend_status (*connect)(void *b, struct cred *cred,
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
	/*
	 * Save the copies the outbox holds (store.h): the Sent copy of what
	 * was sent, a postponed draft. Called after push_pending(), by one
	 * session at a time. May be NULL.
	 */
	enum backend_status (*save_copies)(void *b, char **err);
	/* Cancel a blocked operation; safe from any thread. */
	void (*interrupt)(void *b);
	/* Log out (if connected) and free the session. */
	void (*free)(void *b);
	/*
	 * Wait up to SECONDS for news on folder NAME (IMAP IDLE) and bring
	 * the folder up to date if there is any. Returns early, BACKEND_OK,
	 * after wake(). BACKEND_ERR_NOTFOUND: the server cannot push news;
	 * the worker then waits by itself and polls. Only with
	 * BACKEND_CAP_IDLE.
	 */
	enum backend_status (*wait)(void *b, const char *name, int seconds,
	    char **err);
	/* End a wait() early; safe from any thread. BACKEND_CAP_IDLE. */
	void (*wake)(void *b);
	/*
	 * Ask the server for the counts of every subscribed folder but NAME
	 * (STATUS) and bring those that changed up to date. May be NULL.
	 */
	enum backend_status (*poll_folders)(void *b, const char *name,
	    char **err);
	/*
	 * Ask whether the open folder NAME changed (a server whose IDLE does
	 * not report, as mailutils's) and bring it up to date if so: the
	 * part of poll_folders() that needs the folder selected, for when
	 * another session polls the others. May be NULL.
	 */
	enum backend_status (*check_open)(void *b, const char *name,
	    char **err);
	/* A folder operation; NAME and TO are UTF-8. May be NULL. */
	enum backend_status (*folder_op)(void *b, enum backend_folder_op op,
	    const char *name, const char *to, char **err);
	/*
	 * POP3 only (NULL for IMAP), with BACKEND_CAP_SHORT_SESSION: the
	 * worker connects, runs sync_folder() (the check) and any of these,
	 * then logout(). The server applies deletions only at a clean
	 * logout. UIDL is the identity the preview list shows (store.h).
	 */
	/* List what waits on the server (TOP n 0) into the store's preview. */
	enum backend_status (*preview)(void *b, char **err);
	/* Download message UIDL into the local Inbox, whatever its size. */
	enum backend_status (*fetch_one)(void *b, const char *uidl,
	    char **err);
	/* Delete message UIDL on the server without downloading it. */
	enum backend_status (*delete_one)(void *b, const char *uidl,
	    char **err);
	/* End the session cleanly (QUIT), committing its deletions. */
	enum backend_status (*logout)(void *b, char **err);
	/*
	 * Search folder NAME on the server for query Q (search.h): the UIDs
	 * of the matches in *UIDS_R (free() it). May be NULL: no server
	 * search, the cache is searched instead.
	 */
	enum backend_status (*search)(void *b, const char *name,
	    const struct search_node *q, uint32_t **uids_r, size_t *n_r,
	    char **err);
	/*
	 * Fetch the bodies of the N messages MSG_IDS (all of one folder)
	 * into the store, a few per command; messages gone from the server
	 * are skipped. May be NULL.
	 */
	enum backend_status (*fetch_bodies)(void *b, const int64_t *msg_ids,
	    size_t n, char **err);
};

extern const struct backend_ops imap_backend;
extern const struct backend_ops pop3_backend;

#endif
