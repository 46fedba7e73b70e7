/*
 * The two queues of an account (account.h): the typed requests that the
 * UI posts and the worker takes, and the implementation side of the event
 * queue. Pure data structures: the locking is the caller's (account.c
 * holds the account's lock around the request queue; the event queue has
 * its own).
 */
#ifndef TERN_ACCOUNT_QUEUE_H
#define TERN_ACCOUNT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "backend.h"

/*
 * The requests. Every request the UI makes is one typed item of the
 * account's queue: its kind, and what it carries in the union's member of
 * that kind. The worker takes them kind by kind in the order of this enum,
 * each kind first come first served: the urgent lane (what the user waits
 * for) before the background lane (what keeps the cache fresh).
 */
enum account_req_kind {
	/* The urgent lane. */
	REQ_BODY,		/* u.body: a body the user opened */
	REQ_GONE,		/* u.gone: the answer to EV_GONE */
	REQ_PUSH,		/* send the pending operations to the server */
	REQ_FOLDER_OP,		/* u.folder_op: create, rename, delete ... */
	REQ_SEARCH,		/* u.search: a search on the server */
	REQ_OPEN,		/* u.open: a new open folder */
	REQ_POP3_DELETE,	/* u.pop3: delete a message on the server */
	REQ_POP3_FETCH,		/* u.pop3: download a message of the preview */
	REQ_POP3_PREVIEW,	/* list what waits on the server */
	/* The background lane. */
	REQ_COPIES,		/* save the outbox's copies (Sent, Drafts) */
	REQ_SYNC,		/* the folder list and the open folder, now */
	REQ_FILL,		/* u.fill: bodies into the cache */
	REQ_POLL,		/* the other folders' counts, now */
	REQ_NKINDS
};

#define REQ_BIT(kind) (1u << (kind))

struct account_req {
	enum account_req_kind kind;
	union {
		struct {
			int64_t msg_id;
		} body;
		struct {
			int64_t folder_id;
			int drop;	/* drop the copies marked gone */
		} gone;
		struct {
			enum backend_folder_op op;
			char *name;
			char *to;	/* FOLDER_RENAME's new name */
		} folder_op;
		struct {
			struct search_node *q;
			char *folder;
			int sort, reverse;
			long serial;	/* the number EV_SEARCH answers with */
		} search;
		struct {
			char *folder;
		} open;
		struct {
			char *uidl;
		} pop3;
		struct {
			char *folder;	/* NULL: the open folder (every
					 * folder of a one-shot run) */
			size_t max;	/* bodies at most, per folder */
		} fill;
	} u;
};

/* Requests in the order they came, with a count per kind. */
struct account_reqq {
	struct account_req *v;
	size_t n, alloc;
	size_t count[REQ_NKINDS];
};


/* The two lanes, and every kind. */
#define REQS_URGENT (REQ_BIT(REQ_POP3_PREVIEW + 1) - 1)
#define REQS_BACKGROUND (REQ_BIT(REQ_NKINDS) - 1 - REQS_URGENT)
#define REQS_ALL (REQS_URGENT | REQS_BACKGROUND)

/* Free what request R owns and empty its payload; R itself is the caller's. */
void account_req_release(struct account_req *r);
/*
 * Add request R to Q, as its kind dedupes: a second one of a kind where
 * one is enough (a sync, a push, a poll, the POP3 preview), or equal to
 * one waiting (the same body, the same UIDL, the same answer to EV_GONE),
 * is dropped; a newer search, open folder or body fill replaces the one
 * waiting; folder operations all stay, in order. R's contents are taken:
 * R is left empty.
 */
void account_reqq_add(struct account_reqq *q, struct account_req *r);
/* Nonzero if Q holds a request of a kind in MASK (REQ_BIT()s). */
int account_reqq_has(const struct account_reqq *q, unsigned mask);
/* The first request of KIND in Q, or NULL; it stays Q's. */
struct account_req *account_reqq_find(struct account_reqq *q,
    enum account_req_kind kind);
/*
 * Take into *R_R (the caller's to release) the next request of Q among
 * the kinds of MASK: the first of the first kind in the enum's order.
 * Returns 0 if there is none.
 */
int account_reqq_take(struct account_reqq *q, unsigned mask,
    struct account_req *r_r);
/* Release every request of Q and Q's memory; Q is left empty. */
void account_reqq_release(struct account_reqq *q);

/* Post a copy of EV (its strings and ids taken) and wake the reader. */
void evqueue_post(struct evqueue *q, const struct account_event *ev);

#endif
