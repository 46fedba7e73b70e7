/*
 * The local cache: one SQLite database per account (WAL, dir 0700, files
 * 0600, a schema version with migrations). The account worker writes
 * through its own handle; the UI reads (and queues user operations) through
 * another. The store's files (store.c and store-*.c, see store-private.h)
 * hold every SQL statement of tern and are the only sqlite3 user.
 *
 * Strings in the structs below are owned by the struct; release them with
 * the matching *_release() function.
 */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Message flags, as a bitmask. */
#define MSG_SEEN	0x01u
#define MSG_ANSWERED	0x02u
#define MSG_FLAGGED	0x04u
#define MSG_DELETED	0x08u
#define MSG_DRAFT	0x10u

/* Special-use roles, in the order the folder pane lists them. */
enum folder_role {
	ROLE_INBOX = 0,
	ROLE_DRAFTS,
	ROLE_SENT,
	ROLE_JUNK,
	ROLE_TRASH,
	ROLE_ARCHIVE,
	ROLE_NONE,
};

struct store_folder {
	int64_t id;
	char *name;		/* the server's name (modified UTF-7 for IMAP) */
	char *display;		/* decoded UTF-8 name, not yet sanitised */
	char delim;		/* hierarchy delimiter, '\0' when flat */
	enum folder_role role;
	int noselect;
	int subscribed;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	int total;		/* messages cached */
	int unseen;		/* of which not \Seen */
	int srv_total;		/* the server's counts from STATUS, -1 unknown */
	int srv_unseen;
	uint32_t srv_uidnext;
};

struct store_msg {
	int64_t id;
	int64_t folder_id;
	uint32_t uid;
	uint64_t modseq;
	unsigned int flags;	/* MSG_* */
	char *keywords;		/* space-separated, or NULL */
	int64_t date;		/* Date: header, or the arrival time */
	int64_t internaldate;
	int64_t size;
	char *from_name;	/* decoded UTF-8; may be NULL */
	char *from_addr;
	char *to_addrs;		/* decoded, comma-separated display form */
	char *cc_addrs;
	char *subject;
	char *message_id;
	char *in_reply_to;
	char *references;
	int has_body;
	int gone;		/* vanished on the server, kept on request */
	int has_attachment;
};

/* A queued user operation, replayed by the worker in id order. */
enum pending_kind {
	PENDING_FLAGS = 1,	/* set ADD, clear REMOVE */
	PENDING_MOVE,		/* move to DEST (already gone locally) */
	PENDING_COPY,		/* copy to DEST */
	PENDING_EXPUNGE,	/* expunge (already gone locally) */
};

struct store_pending {
	int64_t id;
	enum pending_kind kind;
	int64_t folder_id;
	uint32_t uid;
	unsigned int add;	/* flags to set */
	unsigned int remove;	/* flags to clear */
	char *dest;		/* destination folder (server name) or NULL */
	char *keyword;		/* keyword, or NULL */
	int started;		/* sent once already, before a crash or drop */
};

/*
 * The cache file of ACCOUNT under $XDG_CACHE_HOME/tern (or ~/.cache/tern),
 * creating the directory with mode 0700. Returns a new string, or NULL
 * with *ERR set.
 */
char *store_path(const char *account, char **err);
/*
 * Open (creating and migrating as needed) the database at PATH, or a
 * shared in-memory database named by ACCOUNT when PATH is NULL (the
 * ephemeral mode: every handle opened with the same name sees the same
 * data while one stays open). Returns 0, or -1 with *ERR set.
 */
int store_open(const char *path, const char *account, struct store **st_r,
    char **err);
/*
 * A second connection to OF's file that only reads, for one other thread
 * (a reader built in the background): no check, no migration, no stamp;
 * store_close() it. -1 where there is none to be had (a cache in memory,
 * a read-only file): the caller does the work on OF.
 */
int store_open_reader(const struct store *of, struct store **st_r);
/*
 * The notice store_open() left when it found the cache file damaged,
 * truncated or written by a newer tern, moved it aside and started a new
 * one (see store.c); NULL if none. The caller frees it; a second call
 * returns NULL.
 */
char *store_take_notice(struct store *st);
/*
 * Close the handle; NULL is a no-op. The close that leaves the file
 * checkpointed stamps it, sparing the next open its check (see store.c).
 */
void store_close(struct store *st);
/* The last SQLite error of this handle, for messages. */
const char *store_errmsg(struct store *st);

/*
 * Transactions. Return 0 or -1. A store_begin() inside another makes its
 * work part of the outer one (its commit commits nothing yet); a rollback
 * anywhere ends the whole transaction, and the outer code, seeing the
 * error, rolls back too.
 */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Folders. */
/*
 * Make the folder list equal to LIST (N entries, matched by name): new ones
 * are added, known ones keep their sync state, missing ones are dropped
 * with their messages.
 */
int store_folders_replace(struct store *st, const struct store_folder *list,
    size_t n);
/* All folders, special-use roles first, then by display name. */
int store_folder_list(struct store *st, struct store_folder **list_r,
    size_t *n_r);
void store_folder_list_free(struct store_folder *list, size_t n);
/* The folder called NAME: 0 found, 1 not found, -1 error. */
int store_folder_get(struct store *st, const char *name,
    struct store_folder *f_r);
/*
 * The folder a user means by NAME: the one of that server name, else of
 * that display name (UTF-8, as shown), else the Inbox for any case of
 * "INBOX". 0 found (release *F_R), 1 none, -1 error.
 */
int store_folder_find(struct store *st, const char *name,
    struct store_folder *f_r);
int store_folder_get_id(struct store *st, int64_t id, struct store_folder *f_r);
void store_folder_release(struct store_folder *f);
/* Record the sync state of folder ID. */
int store_folder_set_sync(struct store *st, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t highestmodseq);
/* Record the server's counts of folder ID (from STATUS). */
int store_folder_set_status(struct store *st, int64_t id, int total,
    int unseen, uint32_t uidnext);
/*
 * Drop every cached message of folder ID (a UIDVALIDITY change), keeping
 * their cached bodies aside for store_folder_reattach().
 */
int store_folder_clear(struct store *st, int64_t id);
/*
 * Once folder ID's messages are back: give the ones without a body the
 * body kept aside for the same Message-ID and size, and forget the rest.
 * *N_R: how many got one.
 */
int store_folder_reattach(struct store *st, int64_t id, long *n_r);
/* Recount total and unseen of folder ID from its messages. */
int store_folder_recount(struct store *st, int64_t id);

/* Messages. */
/* Insert or update the message (FOLDER_ID, UID) from M; its id in *ID_R. */
int store_msg_put(struct store *st, const struct store_msg *m, int64_t *id_r);
/*
 * Insert or update the N messages of MSGS as store_msg_put() does, in one
 * transaction (or the caller's): all of them stored, 0, or none, -1.
 */
int store_msg_put_batch(struct store *st, const struct store_msg *msgs,
    size_t n);
/* Set the flags and keywords of (FOLDER_ID, UID); 1 if there is no such. */
int store_msg_set_flags(struct store *st, int64_t folder_id, uint32_t uid,
    unsigned int flags, const char *keywords);
/* Delete (FOLDER_ID, UID) and its body. */
int store_msg_delete(struct store *st, int64_t folder_id, uint32_t uid);
/* The row id of (FOLDER_ID, UID): 0 found, 1 not cached, -1 error. */
int store_msg_id(struct store *st, int64_t folder_id, uint32_t uid,
    int64_t *id_r);
/* Mark (FOLDER_ID, UID) gone from the server but keep it. */
int store_msg_set_gone(struct store *st, int64_t folder_id, uint32_t uid);
/* Drop the messages of FOLDER_ID marked gone. */
int store_folder_drop_gone(struct store *st, int64_t folder_id);
/*
 * The cached UIDs of FOLDER_ID in ascending order, leaving out those
 * marked gone; free() the array.
 */
int store_msg_uids(struct store *st, int64_t folder_id, uint32_t **uids_r,
    size_t *n_r);
/* Cached UIDs and flags of FOLDER_ID (not gone), by UID; free() both. */
int store_msg_uid_flags(struct store *st, int64_t folder_id,
    uint32_t **uids_r, unsigned int **flags_r, size_t *n_r);
/*
 * The row ids of FOLDER_ID in display order (SORT is an enum sort_kind
 * value; newest first for dates unless REVERSE). free() the array.
 */
int store_msg_ids(struct store *st, int64_t folder_id, int sort, int reverse,
    int64_t **ids_r, size_t *n_r);
/*
 * Up to MAX addresses ("Name <addr>", UTF-8, not sanitised) whose address
 * or a word of whose name starts with PREFIX, into *LIST_R (free with
 * util_strv_free()): first those written to (the recipients of queued
 * messages), most often first, then the senders of the cache, those
 * seen most first; each address once, whatever its case. 0, or -1.
 */
int store_address_complete(struct store *st, const char *prefix, size_t max,
    char ***list_r, size_t *n_r);
/* The message with row id ID: 0 found, 1 gone, -1 error. */
int store_msg_get(struct store *st, int64_t id, struct store_msg *m_r);
void store_msg_release(struct store_msg *m);

/*
 * Bodies (raw RFC 5322 bytes). TEXT, when not NULL, is the message's
 * decoded text (UTF-8) for full-text search.
 */
int store_body_put(struct store *st, int64_t msg_id, const char *raw,
    size_t len, const char *text);
/* The body of MSG_ID in *RAW_R (free() it): 0 found, 1 not cached, -1 error. */
int store_body_get(struct store *st, int64_t msg_id, char **raw_r,
    size_t *len_r);

/* Pending operations. */
/*
 * Change the flags of message MSG_ID locally (set ADD, clear REMOVE) and
 * queue the change for the server, in one transaction.
 */
int store_pending_flags(struct store *st, int64_t msg_id, unsigned int add,
    unsigned int remove);
/*
 * Give message MSG_ID the keyword KEYWORD ("$Forwarded") locally, if it
 * has not got it, and queue setting it on the server, in one transaction.
 */
int store_pending_keyword(struct store *st, int64_t msg_id,
    const char *keyword);
/*
 * Queue moving message MSG_ID to folder DEST (server name); the message
 * leaves its folder in the cache at once.
 */
int store_pending_move(struct store *st, int64_t msg_id, const char *dest);
/* Queue copying message MSG_ID to folder DEST (server name). */
int store_pending_copy(struct store *st, int64_t msg_id, const char *dest);
/*
 * Expunge folder FOLDER_ID: its \Deleted messages leave the cache at once
 * and their expunge is queued; *N_R is how many.
 */
int store_pending_expunge(struct store *st, int64_t folder_id, int *n_r);
/* The oldest pending operation: 0 found, 1 none, -1 error. */
int store_pending_first(struct store *st, struct store_pending *p_r);
void store_pending_release(struct store_pending *p);
/*
 * The run of pending operations that starts at FIRST and shares its kind
 * and folder, at most MAX: their ids and UIDs (free() both arrays).
 */
int store_pending_run(struct store *st, const struct store_pending *first,
    size_t max, int64_t **ids_r, uint32_t **uids_r, size_t *n_r);
/* Record that operation ID was sent (replay then checks before resending). */
int store_pending_start(struct store *st, int64_t id);
/* Forget pending operation ID (done, or impossible). */
int store_pending_done(struct store *st, int64_t id);
/* How many operations wait. */
int store_pending_count(struct store *st, int *n_r);
/* How many messages FOLDER_ID holds, leaving out those marked gone. */
int store_msg_count(struct store *st, int64_t folder_id, size_t *n_r);
/* The highest UID FOLDER_ID holds (gone ones left out), 0 if none. */
int store_msg_max_uid(struct store *st, int64_t folder_id, uint32_t *uid_r);
/* How many messages of FOLDER_ID carry FLAG. */
int store_folder_count_flag(struct store *st, int64_t folder_id,
    unsigned int flag, int *n_r);
/* A folder's counts as its message rows have them now. */
struct store_counts {
	int total;		/* messages, those marked gone left out */
	int unseen;		/* of which not \Seen */
	int flagged;
	int deleted;
};
/* Count folder FOLDER_ID's messages into *C_R (read only). */
int store_folder_counts(struct store *st, int64_t folder_id,
    struct store_counts *c_r);

/*
 * POP3: the UIDL ledger and the preview list. The ledger has one row per
 * message identity (the server's UIDL, or "hdr:" and a hash of the
 * headers when the server has no UIDL) that tern downloaded or asked the
 * server to delete; it is how nothing is downloaded twice and how
 * deletions survive a dropped connection.
 */

/* Where a ledger entry stands on the server. */
enum pop3_server_state {
	POP3_SRV_PRESENT = 0,	/* on the server, as far as we know */
	POP3_SRV_DELETING,	/* deletion wanted; DELE not yet committed */
	POP3_SRV_GONE,		/* deleted (QUIT succeeded) or not listed */
};

struct store_pop3_entry {
	char *uidl;
	uint32_t uid;		/* the local (synthetic) UID, 0 if none */
	int64_t first_seen;	/* when it was downloaded (Unix time) */
	int64_t size;		/* the server's size */
	int64_t msg_id;		/* the local message row, 0 if none now */
	int fetched;		/* a local copy was made */
	/*
	 * Fetched, and the user deleted the local copy: flagged \Deleted,
	 * or expunged (store_pop3_local_deleted()). A row that vanished any
	 * other way does not count.
	 */
	int local_deleted;
	enum pop3_server_state server;
};

/* One downloaded message for store_pop3_put_batch(). */
struct store_pop3_new {
	struct store_msg msg;	/* headers; folder_id and uid are ignored */
	const char *raw;	/* the message as the server sent it */
	size_t len;
	const char *text;	/* decoded text for search, or NULL */
	const char *uidl;	/* its ledger identity */
	int64_t size;		/* the server's size */
	int64_t msg_id;		/* set: the new row */
	uint32_t uid;		/* set: its synthetic UID */
};

/*
 * Whether a commit on ST reaches a disk: 0 for the ephemeral in-memory
 * store, where delete mode would lose mail.
 */
int store_pop3_durable(struct store *st);
/*
 * Store the N messages of BATCH in FOLDER_ID with increasing synthetic
 * UIDs, their bodies and ledger rows (first seen at NOW), marked
 * downloaded in the preview list, in one transaction that is synced to
 * disk (synchronous = FULL) before this returns 0: only then may their
 * DELE be sent. -1 on error (nothing kept).
 */
int store_pop3_put_batch(struct store *st, int64_t folder_id,
    struct store_pop3_new *batch, size_t n, int64_t now);
/* Every ledger entry, sorted by uidl (strcmp order); free with _free(). */
int store_pop3_ledger(struct store *st, struct store_pop3_entry **list_r,
    size_t *n_r);
void store_pop3_ledger_free(struct store_pop3_entry *list, size_t n);
/* Set the server state of the N UIDLS (adding rows), in one transaction. */
int store_pop3_set_server(struct store *st, const char *const *uidls,
    size_t n, enum pop3_server_state state);
/*
 * The server listed exactly the N UIDLS: entries not among them become
 * GONE, GONE entries among them PRESENT again. One transaction.
 */
int store_pop3_server_listed(struct store *st, const char *const *uidls,
    size_t n);
/*
 * The message (FOLDER_ID, UID) left the cache by the user's hand (an
 * expunge or a move): remember that its local copy was deleted.
 */
int store_pop3_local_deleted(struct store *st, int64_t folder_id,
    uint32_t uid);

/* What a preview entry is. */
enum pop3_preview_state {
	POP3_PV_NEW = 0,	/* not downloaded */
	POP3_PV_LOCAL,		/* downloaded, still on the server */
	POP3_PV_TOO_BIG,	/* over the size limit: not downloaded */
	POP3_PV_DELETING,	/* deletion on the server asked for */
};

/* One message waiting on the server, from LIST, UIDL and TOP n 0. */
struct store_pop3_preview {
	char *uidl;
	int64_t size;
	int64_t date;
	char *sender;		/* decoded display form, not yet sanitised */
	char *subject;		/* decoded, not yet sanitised */
	enum pop3_preview_state state;
};

/* Replace the preview list with the N entries of LIST, in server order. */
int store_pop3_preview_replace(struct store *st,
    const struct store_pop3_preview *list, size_t n);
/* The preview list in server order; free with _list_free(). */
int store_pop3_preview_list(struct store *st,
    struct store_pop3_preview **list_r, size_t *n_r);
void store_pop3_preview_list_free(struct store_pop3_preview *list, size_t n);
void store_pop3_preview_release(struct store_pop3_preview *p);
int store_pop3_preview_set_state(struct store *st, const char *uidl,
    enum pop3_preview_state state);
int store_pop3_preview_remove(struct store *st, const char *uidl);

/*
 * Threads: what the index needs to thread and sort a whole folder, in one
 * query and one allocation for the strings.
 */
struct store_thread_row {
	int64_t id;
	int64_t date;
	int64_t size;
	const char *message_id;	/* these point into the rows' strings; */
	const char *in_reply_to;	/* NULL when absent (or not asked for) */
	const char *references;
	const char *subject;
	const char *from;	/* the sender's name, else the address */
};

struct store_thread_rows {
	struct store_thread_row *rows;
	size_t n;
	char *strings;		/* every string of the rows */
	int64_t gen;		/* the folder's thread_gen they were read at */
};

/*
 * The messages of FOLDER_ID, oldest first, into *OUT; with REFS 0
 * the Message-ID, In-Reply-To and References are left out. Release with
 * store_thread_rows_release().
 */
int store_thread_rows(struct store *st, int64_t folder_id, int refs,
    struct store_thread_rows *out);
void store_thread_rows_release(struct store_thread_rows *rows);
/*
 * The same rows one at a time, without keeping them: FN(ARG, ROW) for
 * each (its strings valid during the call only; a nonzero return stops),
 * with the folder's thread_gen they were read at in *GEN_R.
 */
typedef int store_thread_fn(void *arg, const struct store_thread_row *row);
int store_thread_each(struct store *st, int64_t folder_id, int refs,
    store_thread_fn *fn, void *arg, int64_t *gen_r);

/*
 * A folder's thread generation: it moves whenever a message of the folder
 * comes, goes, or changes what threading reads (date, size, sender,
 * subject, Message-ID, In-Reply-To, References).
 */
int store_thread_gen(struct store *st, int64_t folder_id, int64_t *gen_r);
/*
 * The threads kept for FOLDER_ID (thread_save()'s bytes), if they were
 * built as KIND at the folder's present generation: 1 with *DATA_R set
 * (free() it), 0 if there are none such, -1 on error.
 */
int store_thread_cache_get(struct store *st, int64_t folder_id, int kind,
    void **data_r, size_t *len_r);
/*
 * Keep LEN bytes of DATA as FOLDER_ID's threads of KIND, built at
 * generation GEN; nothing is kept if the folder has moved on since.
 */
int store_thread_cache_put(struct store *st, int64_t folder_id, int kind,
    int64_t gen, const void *data, size_t len);

/*
 * Search (search.h) over the cache, and the body cache's gaps. Ids come in
 * display order, as from store_msg_ids(); free() the arrays.
 */
struct search_node;

/*
 * The row ids of FOLDER_ID's messages that match query Q. Body terms and
 * has:attachment see only cached bodies (store_search_coverage() says how
 * many).
 */
int store_search(struct store *st, int64_t folder_id,
    const struct search_node *q, int sort, int reverse, int64_t **ids_r,
    size_t *n_r);
/* How many messages FOLDER_ID has in *TOTAL_R, with their body *BODIES_R. */
int store_search_coverage(struct store *st, int64_t folder_id,
    long *bodies_r, long *total_r);
/* The row ids of FOLDER_ID's cached messages among the N UIDS (any order). */
int store_search_uids(struct store *st, int64_t folder_id,
    const uint32_t *uids, size_t n, int sort, int reverse, int64_t **ids_r,
    size_t *n_r);
/* Mark whether message MSG_ID has an attachment (known from its body). */
int store_msg_set_attachment(struct store *st, int64_t msg_id, int yes);
/*
 * Up to MAX row ids of FOLDER_ID's messages without a cached body, newest
 * first (messages gone from the server left out).
 */
int store_msg_without_body(struct store *st, int64_t folder_id, size_t max,
    int64_t **ids_r, size_t *n_r);

/*
 * The outbox (store-outbox.c): messages written and not yet done with.
 * A message to send moves QUEUED -> SENDING -> SENT -> (its Sent copy
 * saved) gone from the outbox, each state committed with synchronous =
 * FULL before the step it allows: SENDING just before the final dot of
 * SMTP's DATA, so that after a crash a SENDING entry is known to be one
 * that may have gone out (it becomes UNKNOWN, and is never sent again
 * blindly). A draft (postponed) waits as DRAFT until the worker has it
 * in the Drafts folder.
 */
enum outbox_state {
	OUTBOX_QUEUED = 0,	/* to send at next_try */
	OUTBOX_SENDING,		/* the final dot may be out */
	OUTBOX_SENT,		/* sent: the Sent copy is to be saved */
	OUTBOX_FAILED,		/* refused for good: error says why */
	OUTBOX_UNKNOWN,		/* may have been sent: the user decides */
	OUTBOX_DRAFT,		/* postponed: to be saved in Drafts */
};

struct store_outbox {
	int64_t id;
	enum outbox_state state;
	int64_t created;	/* seconds since the epoch */
	char *message_id;
	char *env_from;		/* the envelope sender */
	char **rcpts;		/* the envelope recipients */
	char **rcpt_names;	/* store_outbox_add(): their names, or NULL */
	size_t nrcpt;
	char *bcc;		/* Bcc's value for the Sent copy, or NULL */
	char *subject;		/* for lists, or NULL */
	char *to;		/* for lists, or NULL */
	int64_t orig_msg_id;	/* the message answered or forwarded; 0 */
	unsigned int orig_flags;	/* MSG_* set on it once sent, and */
#define OUTBOX_ORIG_FORWARDED 0x100u	/* ... its $Forwarded keyword */
	int64_t draft_msg_id;	/* a recalled draft to delete once sent; 0 */
	int attempts;		/* tries that failed for a while */
	int64_t next_try;	/* seconds since the epoch */
	char *error;		/* the last failure, or NULL */
	int copy_started;	/* the Sent copy's APPEND went out once */
	char *data;		/* the message; only from store_outbox_get() */
	size_t len;
};

/*
 * Queue E (its state, message_id, env_from, rcpts, data and the fields
 * for lists; its id is ignored) durably; its id in *ID_R. A message to
 * send (not a draft) counts its recipients, with rcpt_names when given,
 * as written to, for completion, in the same transaction.
 */
int store_outbox_add(struct store *st, const struct store_outbox *e,
    int64_t *id_r);
/* The entries, oldest first, without their data. */
int store_outbox_list(struct store *st, struct store_outbox **list_r,
    size_t *n_r);
void store_outbox_list_free(struct store_outbox *list, size_t n);
/* Entry ID with its data into *E_R: 0, 1 when there is none, or -1. */
int store_outbox_get(struct store *st, int64_t id, struct store_outbox *e_r);
void store_outbox_release(struct store_outbox *e);
/*
 * Move entry ID to STATE (durably), with ERROR (NULL clears it) and the
 * time of the next try; ATTEMPTS is added to its count of tries.
 */
int store_outbox_set_state(struct store *st, int64_t id,
    enum outbox_state state, const char *error, int64_t next_try,
    int attempts);
/* Note that entry ID's Sent copy went out once. */
int store_outbox_copy_started(struct store *st, int64_t id);
/* Take entry ID out (its copy saved, or discarded by the user). */
int store_outbox_remove(struct store *st, int64_t id);
/* How many entries are in STATE into *N_R. */
int store_outbox_count(struct store *st, enum outbox_state state, int *n_r);
/*
 * Entry ID was sent: in one durable transaction it becomes SENT (or,
 * with KEEP_COPY 0, leaves the outbox), and the flags it asks for are
 * set on the original with their pending change.
 */
int store_outbox_sent(struct store *st, int64_t id, int keep_copy);
/*
 * A recalled draft, message MSG_ID, is sent or postponed again: it is
 * deleted and its folder expunged, in the cache and queued for the
 * server (nothing when it is gone already). 0, or -1.
 */
int store_outbox_drop_draft(struct store *st, int64_t msg_id);
/*
 * After a crash: every SENDING entry becomes UNKNOWN (it may have been
 * sent). The number of them in *N_R.
 */
int store_outbox_recover(struct store *st, int *n_r);

#endif
