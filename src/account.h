/*
 * An account: its worker thread, which owns the protocol session and writes
 * the store; the request queue from the UI; and the event queue back to the
 * UI, which wakes the UI's poll() through a pipe. The UI never waits on the
 * network: it posts a request and goes on.
 */
#ifndef TERN_ACCOUNT_H
#define TERN_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

struct account;
struct account_config;
struct backend_ops;
struct search_node;
struct store;

enum account_state {
	ACCOUNT_OFFLINE,	/* no worker, or --offline */
	ACCOUNT_CONNECTING,
	ACCOUNT_ONLINE,
	ACCOUNT_WAITING,	/* connection lost or refused; retrying later */
	ACCOUNT_FAILED,		/* will not retry (bad password, bad certificate) */
};

/* What an event is about; the member of its union named after it says more. */
enum account_event_kind {
	EV_STATE,		/* u.state: the account's state changed */
	EV_FOLDERS,		/* the folder list changed (no payload) */
	EV_HEADERS,		/* u.headers: messages added, changed, gone */
	EV_PROGRESS,		/* u.progress: how far a long operation is */
	EV_BODY,		/* u.body: a body is now cached */
	EV_ERROR,		/* u.error: a failure (shown, not fatal) */
	EV_DONE,		/* u.done: a one-shot run finished */
	EV_NEWMAIL,		/* u.newmail: new messages arrived */
	EV_GONE,		/* u.gone: messages vanished on the server at
				 * once; they are kept, marked gone, until
				 * account_resolve_gone() */
	EV_NOTICE,		/* u.notice: something worth saying, not an
				 * error */
	EV_PREVIEW,		/* the POP3 preview list in the store changed
				 * (no payload) */
	EV_SEARCH,		/* u.search: the answer to account_search() */
	EV_OUTBOX,		/* u.outbox: what waits in the outbox */
};

/*
 * An event: its kind, its account, and what the kind carries in the
 * member of the union named after it. Its strings and arrays belong to
 * the event (account_event_release()); its text is terminal-safe.
 */
struct account_event {
	enum account_event_kind kind;
	struct account *account;
	union {
		struct {
			enum account_state state;
			char *reason;	/* why, when not online; or NULL */
		} state;
		struct {
			int64_t folder_id;
		} headers;
		struct {
			int64_t folder_id;
			char *label;	/* what is counted ("NAME",
					 * "NAME bodies"); or NULL */
			long n, total;	/* n of total done */
			int64_t bytes;	/* a download: bytes done ... */
			int64_t total_bytes;	/* ... of this many; 0 when
						 * not counted */
		} progress;
		struct {
			int64_t msg_id;
		} body;
		struct {
			char *text;
		} error, notice;
		struct {
			int failed;	/* 0 ok, 1 something failed */
		} done;
		struct {
			int64_t folder_id;
			long n;
		} newmail;
		struct {
			int64_t folder_id;
			long n, total;	/* n of the total messages vanished */
		} gone;
		struct {
			long serial;	/* what account_search() returned */
			int64_t folder_id;	/* -1: no such folder */
			int64_t *ids;	/* the row ids of the cached matches */
			size_t nids;
			char *why;	/* set when the server was not asked:
					 * why; search the cache then */
		} search;
		struct {
			int waiting;	/* to send (again) */
			int failed;	/* refused: the user decides */
			int unknown;	/* may have been sent: likewise */
		} outbox;
	} u;
};

/* The event queue that every account of the process posts into. */
struct evqueue;

/* A new queue; its wake fd becomes readable when events wait. */
struct evqueue *evqueue_new(void);
void evqueue_free(struct evqueue *q);
/* The fd to poll() for input. */
int evqueue_fd(struct evqueue *q);
/* Take the next event into *EV_R: 1 if one was taken, 0 if none waits. */
int evqueue_next(struct evqueue *q, struct account_event *ev_r);
/* Free what the event EV owns (the strings and ids of its payload). */
void account_event_release(struct account_event *ev);

/*
 * A new account for CFG (which must outlive it) posting to Q, with its own
 * store handle (STORE_PATH NULL: the ephemeral in-memory store).
 * Returns NULL with *ERR set when the store cannot be opened.
 */
struct account *account_new(struct account_config *cfg, struct evqueue *q,
    const char *store_path, char **err);
/*
 * Start the worker with PASSWORD (copied, cleared after use; may be NULL
 * when password_cmd is set). With ONESHOT the worker syncs the folder list
 * and FOLDER (NULL: every subscribed folder), posts EV_DONE and ends.
 * Otherwise it connects, keeps FOLDER (NULL: INBOX) in sync and serves
 * requests until account_stop().
 */
int account_start(struct account *a, const char *password, int oneshot,
    const char *folder);
/* Stop the worker (cancelling any blocked I/O) and wait for it. */
void account_stop(struct account *a);
void account_free(struct account *a);

const struct account_config *account_config(const struct account *a);
enum account_state account_state(const struct account *a);

/* Requests; each returns at once. */
/* Make FOLDER the open folder: sync it now and keep it in sync. */
void account_open_folder(struct account *a, const char *folder);
/* Fetch the body of message MSG_ID into the store (EV_BODY when done). */
void account_fetch_body(struct account *a, int64_t msg_id);
/* Push queued operations (store_pending_*) to the server. */
void account_push_pending(struct account *a);
/* Sync the folder list and the open folder now. */
void account_sync_now(struct account *a);
/*
 * Ask the worker for the other folders' counts now (STATUS), not at the
 * next status_interval: after a move or copy into them.
 */
void account_poll_folders(struct account *a);
/* Folder operations on the server (names in UTF-8, as the user typed). */
void account_folder_create(struct account *a, const char *name);
void account_folder_rename(struct account *a, const char *from,
    const char *to);
void account_folder_delete(struct account *a, const char *name);
void account_folder_subscribe(struct account *a, const char *name, int on);
/*
 * Answer EV_GONE for FOLDER_ID: with DROP the messages marked gone leave
 * the cache; otherwise they stay, marked, until the next such question.
 */
void account_resolve_gone(struct account *a, int64_t folder_id, int drop);

/*
 * POP3 accounts (ignored by IMAP ones). With a one-shot account_start(),
 * requests queued before the start are done instead of the check.
 */
/* List what waits on the server into the store's preview (EV_PREVIEW). */
void account_pop3_preview(struct account *a);
/* Download message UIDL of the preview list, whatever its size. */
void account_pop3_fetch(struct account *a, const char *uidl);
/* Delete message UIDL of the preview list on the server, unread. */
void account_pop3_delete(struct account *a, const char *uidl);

/*
 * Sending. A message is queued in the store's outbox (outbox_queue());
 * the account's sender thread, started with the worker when the account
 * has an smtp server, sends it and posts EV_OUTBOX.
 */
/* Whether the account has an smtp server to send with. */
int account_can_send(const struct account *a);
/* Send what waits in the outbox now. */
void account_send_now(struct account *a);
/*
 * With a one-shot account_start(), only push the changes queued (and
 * save the outbox's copies), without a sync. Call before the start.
 */
void account_push_only(struct account *a);

/* Search and the body cache. */
/* Nonzero if the account's server can search (IMAP; not POP3). */
int account_can_search(const struct account *a);
/*
 * Search FOLDER on the server for query Q (copied). EV_SEARCH answers with
 * the row ids of the cached matches in the order SORT, REVERSE (as
 * store_msg_ids()), or with a reason (why) when the server could not be
 * asked (the connection dropped): search the cache then. Returns the
 * number that EV_SEARCH carries in serial; a newer search replaces one
 * that has not started.
 */
long account_search(struct account *a, const char *folder,
    const struct search_node *q, int sort, int reverse);
/*
 * With a one-shot account_start(), also fetch the bodies missing from the
 * cache of every folder synced, newest first, with EV_PROGRESS (label
 * "FOLDER bodies", n of total). Call before account_start().
 */
void account_fill_bodies(struct account *a);

/*
 * For tests (tests/check_account.c), before account_start(): the engine's
 * delays, and a backend of the test's own in place of the protocol's.
 */
struct account_timing {
	int64_t backoff_first;	/* ms to the first reconnection ... */
	int64_t backoff_max;	/* ... doubling after each failure up to this */
	int64_t auth_retry;	/* ms to a retry after a refused sign-in */
	int64_t resync;		/* without IDLE: ms between open folder syncs */
	int64_t stop_grace;	/* ms account_stop() waits before it cancels */
};
void account_set_timing(struct account *a, const struct account_timing *t);
/* OPS (which must outlive the account) drives the account's sessions. */
void account_set_backend(struct account *a, const struct backend_ops *ops);

#endif
