/*
 * The sender: what takes the store's outbox (store.h) to the account's
 * SMTP server (smtp.h), a message at a time on one session, each state
 * committed before the step it allows, so that a message is never lost
 * and never sent twice:
 *
 *   QUEUED --(data out, before the final dot)--> SENDING --(250)--> SENT
 *
 * A temporary failure (4xx, no connection, a dropped link) puts it back
 * to QUEUED with a later next_try (a minute, doubling to an hour); a
 * permanent one (5xx) makes it FAILED with the server's words; no reply
 * to the final dot makes it UNKNOWN: it may have been sent, and only the
 * user (or the Sent folder of a server that files its own) says whether
 * to send it again. The Sent copy of a SENT entry is the IMAP worker's
 * (backend push_pending).
 *
 * One process at a time sends an account's outbox: outbox_lock() takes a
 * lock file beside the cache.
 */
#ifndef TERN_OUTBOX_H
#define TERN_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct account_config;
struct compose_out;
struct cred;
struct outbox;
struct store;

/* What a flush did. */
struct outbox_report {
	int sent;		/* sent now */
	int waiting;		/* QUEUED after it (to try again later) */
	int failed;		/* refused for good now */
	int unknown;		/* may have been sent */
	char *error;		/* the last failure's words, or NULL */
};

void outbox_report_release(struct outbox_report *r);

/* What the sender tells its owner while it works. May be NULL each. */
struct outbox_hooks {
	void *arg;
	/* Something to show the user: "message sent", a failure. */
	void (*notice)(void *arg, const char *text);
	void (*error)(void *arg, const char *text);
	/* An entry became SENT: its Sent copy waits for the IMAP worker. */
	void (*sent)(void *arg);
};

/*
 * A sender for CFG (which must outlive it) over the store ST, signing in
 * with CRED.
 */
struct outbox *outbox_new(const struct account_config *cfg,
    struct store *st, struct cred *cred, const struct outbox_hooks *hooks);
void outbox_free(struct outbox *ob);
/*
 * Send the QUEUED entries due at NOW (seconds since the epoch; ALL: every
 * one, whatever its next_try), oldest first, on one session. Returns 0
 * with *REP filled in, or -1 when the store failed (*REP's error says).
 */
int outbox_flush(struct outbox *ob, int64_t now, int all,
    struct outbox_report *rep);
/* Cancel the flush under way; safe from any thread. */
void outbox_interrupt(struct outbox *ob);
/*
 * The next time an entry is due (seconds since the epoch), 0 when none
 * waits, -1 when the store failed.
 */
int64_t outbox_next_due(struct store *st);

/*
 * Queue the built message OUT (compose.h) durably: its id in *ID_R.
 * ORIG_MSG_ID (0: none) is the message answered, which gets ORIG_FLAGS
 * once this one is sent; DRAFT_MSG_ID (0: none) a recalled draft. With
 * DRAFT the entry is a draft to save in Drafts, not to send.
 */
int outbox_queue(struct store *st, const struct compose_out *out,
    int64_t orig_msg_id, unsigned int orig_flags, int64_t draft_msg_id,
    int draft, int64_t *id_r, char **err);

/*
 * Take the lock on sending the outbox of the cache at PATH (NULL, the
 * ephemeral cache: always granted). Returns the lock's fd (>= 0; -2
 * for an ephemeral cache), -1 when another process holds it, with *ERR
 * set on a failure to make the lock file. outbox_unlock() gives it back.
 */
int outbox_lock(const char *path, char **err);
void outbox_unlock(int fd);

/*
 * After a crash: SENDING entries become UNKNOWN (only with the lock
 * held). Their number, or -1.
 */
int outbox_recover(struct store *st);

#endif
