/*
 * Accounts (see account.h): the worker thread of an account, what it
 * does for the requests of the UI and the events it posts back (the two
 * queues themselves are in account-queue.c).
 *
 * The worker is one engine for every protocol. The UI's requests are typed
 * items of one queue (struct account_req), in two lanes: the urgent one
 * (what the user waits for: a body, a change to push, a folder operation,
 * a search, the open folder, a POP3 download) is served before the
 * background one (a sync, the body fill, the other folders' counts), and
 * between the batches of a long operation too (backend_hooks.between).
 * The engine loop (account_engine()) connects, runs a session and, when it
 * fails, waits with backoff and connects again. The backend's capabilities
 * (backend.h) choose the kind of session: a long one that serves requests
 * until it drops, waiting in IDLE or on the condition meanwhile (IMAP), or
 * a short one per piece of work that logs out when done (POP3).
 *
 * With connections = 2 a long-session account has a second connection, a
 * thread of its own with its own session and store handle: while it is up
 * it serves the background work that needs no open folder (REQS_SECOND:
 * the body fill, the other folders' counts and syncs, the outbox's
 * copies), so that what the user asks of the open folder never waits
 * behind it. While it is down the worker serves everything, as with one.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "account.h"
#include "account-queue.h"
#include "backend.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "cred.h"
#include "outbox.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

/* The engine's delays, in milliseconds (account_set_timing() for tests). */
static const struct account_timing account_timing_default = {
	.backoff_first = 2 * 1000,	/* reconnecting: the first delay ... */
	.backoff_max = 300 * 1000,	/* ... doubling up to this */
	.auth_retry = 24 * 3600 * 1000,	/* after a refused sign-in */
	.resync = 120 * 1000,	/* without IDLE, the open folder again */
	.stop_grace = 3 * 1000,	/* to send queued changes and log out */
};
/* IDLE is renewed before servers drop it (RFC 2177: 29 minutes), in s. */
#define IDLE_MAX (25 * 60)
/* Bodies asked of the backend per step (it splits them into commands). */
#define ACCOUNT_BODY_STEP 200

/*
 * The kinds each part of the engine serves (the lanes: account-queue.h).
 *
 * The urgent requests that a session serves in the middle of other work,
 * between the batches of a long sync: what needs no sync of its own.
 */
#define REQS_BETWEEN (REQ_BIT(REQ_BODY) | REQ_BIT(REQ_GONE) | \
	REQ_BIT(REQ_PUSH) | REQ_BIT(REQ_FOLDER_OP) | REQ_BIT(REQ_SEARCH))
/* What a stopping worker still does: keep the user's changes. */
#define REQS_AT_STOP (REQ_BIT(REQ_GONE) | REQ_BIT(REQ_PUSH))
/* The POP3 requests, done by a short session of their own. */
#define REQS_POP3 (REQ_BIT(REQ_POP3_DELETE) | REQ_BIT(REQ_POP3_FETCH) | \
	REQ_BIT(REQ_POP3_PREVIEW))
/* What makes a worker without a session connect now: work for the server. */
#define REQS_CONNECT (REQ_BIT(REQ_SYNC) | REQS_POP3)
/* What a long session serves. */
#define REQS_LONG (REQS_ALL & ~REQS_POP3)
/* What the second connection serves while it is up. */
#define REQS_SECOND (REQ_BIT(REQ_COPIES) | REQ_BIT(REQ_FILL) | \
	REQ_BIT(REQ_POLL))

struct account {
	struct account_config *cfg;
	struct evqueue *q;
	struct store *st;
	const struct backend_ops *ops;
	void *be;
	struct account_timing timing;

	pthread_t thread;
	int started;

	/* The worker's own: when the timers of a long session are due (ms). */
	int64_t next_poll;	/* the other folders' counts */
	int64_t next_resync;	/* without IDLE, the open folder */

	/* Everything below is guarded by lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC */
	int stop;
	int finished;		/* the worker has ended */
	int oneshot;
	char *folder;		/* the open folder; REQ_OPEN changes it */
	struct account_reqq reqs;	/* the requests waiting */
	enum account_state state;
	struct cred *cred;	/* what it signs in with */
	long search_last;	/* the last number account_search() gave */
	int push_only;		/* one-shot: push the changes, no sync */

	/*
	 * The sender: a thread of its own with its own store handle and
	 * credentials, so that a message goes out while a long sync runs
	 * and from a POP3 account too. Its fields below are guarded by
	 * lock as well.
	 */
	char *store_path;	/* NULL: the ephemeral cache */
	pthread_t sender;
	int sender_started;
	pthread_cond_t sender_cond;	/* on CLOCK_MONOTONIC */
	int sender_kick;	/* account_send_now() came */
	int sender_finished;
	struct outbox *ob;	/* while the sender runs */

	/*
	 * The second connection (connections = 2; none for POP3, a one-shot
	 * run or the ephemeral cache). It signs in once the worker is online
	 * with the folder list, and serves REQS_SECOND while second_up.
	 * Guarded by lock, like listed.
	 */
	pthread_t second;
	int second_started;
	int second_finished;
	int second_up;		/* signing in or serving */
	void *second_be;
	int listed;		/* the worker's session has the folder list */
	/* One session saves the outbox's copies at a time. */
	pthread_mutex_t copy_lock;
};

/*
 * A connection of the account as its backend's hooks see it: the worker's
 * or the second's, with the store handle of that thread.
 */
struct account_link {
	struct account *a;
	struct store *st;
};

/* Events from the worker. */

/* A terminal-safe copy of server text S for an event (NULL stays NULL). */
static char *
account_text(const char *s)
{
	return s != NULL ? text_sanitize_dup(s, 0) : NULL;
}

/* Post EV (kind and payload filled in), whose strings and ids it takes. */
static void
account_post(struct account *a, struct account_event *ev)
{
	ev->account = a;
	evqueue_post(a->q, ev);
}

/* Post EV_ERROR saying TEXT. */
static void
account_error(struct account *a, const char *text)
{
	struct account_event ev = { .kind = EV_ERROR };

	ev.u.error.text = account_text(text);
	account_post(a, &ev);
}

/* Post EV_NOTICE saying TEXT. */
static void
account_notice(struct account *a, const char *text)
{
	struct account_event ev = { .kind = EV_NOTICE };

	ev.u.notice.text = account_text(text);
	account_post(a, &ev);
}

/* Post EV_HEADERS for FOLDER_ID. */
static void
account_post_headers(struct account *a, int64_t folder_id)
{
	struct account_event ev = { .kind = EV_HEADERS };

	ev.u.headers.folder_id = folder_id;
	account_post(a, &ev);
}

/*
 * Post EV_PROGRESS: N of TOTAL of what LABEL names (FOLDER_ID's name when
 * NULL), with BYTES of TOTAL_BYTES when counted.
 */
static void
account_progress(struct account *a, struct store *st, int64_t folder_id,
    const char *label, long n, long total, int64_t bytes,
    int64_t total_bytes)
{
	struct account_event ev = { .kind = EV_PROGRESS };
	struct store_folder f;

	ev.u.progress.folder_id = folder_id;
	ev.u.progress.n = n;
	ev.u.progress.total = total;
	ev.u.progress.bytes = bytes;
	ev.u.progress.total_bytes = total_bytes;
	if (label != NULL)
		ev.u.progress.label = account_text(label);
	else if (store_folder_get_id(st, folder_id, &f) == 0) {
		ev.u.progress.label = account_text(f.display);
		store_folder_release(&f);
	}
	account_post(a, &ev);
}

static void
account_set_state(struct account *a, enum account_state state,
    const char *why)
{
	struct account_event ev = { .kind = EV_STATE };

	pthread_mutex_lock(&a->lock);
	a->state = state;
	/* The second connection waits for the worker to be online. */
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	ev.u.state.state = state;
	ev.u.state.reason = account_text(why);
	account_post(a, &ev);
}

/* The hooks of a backend's session (backend.h); ARG is its link. */

static void
hook_folders_changed(void *arg)
{
	struct account_link *l = arg;

	account_post(l->a, &(struct account_event){ .kind = EV_FOLDERS });
}

static void
hook_headers_changed(void *arg, int64_t folder_id)
{
	struct account_link *l = arg;

	account_post_headers(l->a, folder_id);
}

static void
hook_progress(void *arg, int64_t folder_id, long n, long total)
{
	struct account_link *l = arg;

	account_progress(l->a, l->st, folder_id, NULL, n, total, 0, 0);
}

static void
hook_new_mail(void *arg, int64_t folder_id, long n)
{
	struct account_link *l = arg;
	struct account_event ev = { .kind = EV_NEWMAIL };

	ev.u.newmail.folder_id = folder_id;
	ev.u.newmail.n = n;
	account_post(l->a, &ev);
}

static void
hook_gone(void *arg, int64_t folder_id, long n, long total)
{
	struct account_link *l = arg;
	struct account_event ev = { .kind = EV_GONE };

	ev.u.gone.folder_id = folder_id;
	ev.u.gone.n = n;
	ev.u.gone.total = total;
	account_post(l->a, &ev);
}

static void
hook_notice(void *arg, const char *text)
{
	struct account_link *l = arg;

	account_notice(l->a, text);
}

static void
hook_progress_bytes(void *arg, int64_t folder_id, long n, long total,
    int64_t bytes, int64_t total_bytes)
{
	struct account_link *l = arg;

	account_progress(l->a, l->st, folder_id, NULL, n, total, bytes,
	    total_bytes);
}

static void
hook_outbox_changed(void *arg)
{
	struct account_link *l = arg;

	account_send_now(l->a);
}

static void
hook_preview_changed(void *arg)
{
	struct account_link *l = arg;

	account_post(l->a, &(struct account_event){ .kind = EV_PREVIEW });
}

/* The clock: milliseconds that do not jump. */

static int64_t
account_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait on the condition (the lock held) until it is signalled or the time
 * is DEADLINE (account_now(); -1: no deadline).
 */
static void
account_wait_until(struct account *a, int64_t deadline)
{
	struct timespec ts;

	if (deadline < 0) {
		pthread_cond_wait(&a->cond, &a->lock);
		return;
	}
	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_cond_timedwait(&a->cond, &a->lock, &ts);
}

/* The account. */

struct account *
account_new(struct account_config *cfg, struct evqueue *q,
    const char *store_path, char **err)
{
	struct account *a;
	pthread_condattr_t attr;

	a = xcalloc(1, sizeof *a);
	a->cfg = cfg;
	a->cred = cred_new(cfg);
	a->q = q;
	if (store_open(store_path, cfg->name, &a->st, err) != 0) {
		cred_free(a->cred);
		free(a);
		return NULL;
	}
	a->ops = cfg->proto == PROTO_POP3 ? &pop3_backend : &imap_backend;
	a->timing = account_timing_default;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->copy_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &attr);
	pthread_cond_init(&a->sender_cond, &attr);
	pthread_condattr_destroy(&attr);
	a->store_path = store_path != NULL ? xstrdup(store_path) : NULL;
	a->state = ACCOUNT_OFFLINE;
	return a;
}

void
account_set_backend(struct account *a, const struct backend_ops *ops)
{
	if (!a->started)
		a->ops = ops;
}

void
account_set_timing(struct account *a, const struct account_timing *t)
{
	if (!a->started)
		a->timing = *t;
}

const struct account_config *
account_config(const struct account *a)
{
	return a->cfg;
}

enum account_state
account_state(const struct account *a)
{
	enum account_state state;

	pthread_mutex_lock((pthread_mutex_t *)&a->lock);
	state = a->state;
	pthread_mutex_unlock((pthread_mutex_t *)&a->lock);
	return state;
}

/* Whether the backend's sessions are short (backend.h). */
static int
account_short(const struct account *a)
{
	return (a->ops->caps & BACKEND_CAP_SHORT_SESSION) != 0;
}

/*
 * Wake the thread that serves requests of KIND after one was recorded
 * (lock held): the second connection when it is up and serves them, else
 * the worker, which may be waiting in IDLE rather than on the condition.
 */
static void
account_kick(struct account *a, enum account_req_kind kind)
{
	pthread_cond_broadcast(&a->cond);
	if (a->second_up && (REQ_BIT(kind) & REQS_SECOND))
		return;
	if (a->be != NULL && (a->ops->caps & BACKEND_CAP_IDLE))
		a->ops->wake(a->be);
}

/* The kinds the worker's long session serves now (lock held). */
static unsigned
account_long_kinds(const struct account *a)
{
	return a->second_up ? REQS_LONG & ~REQS_SECOND : REQS_LONG;
}

/*
 * Whether the backend does requests of KIND; others are not queued (the
 * POP3 ones of an IMAP account, a poll of a POP3 one).
 */
static int
account_serves(const struct account *a, enum account_req_kind kind)
{
	switch (kind) {
	case REQ_POP3_DELETE:
		return account_short(a) && a->ops->delete_one != NULL;
	case REQ_POP3_FETCH:
		return account_short(a) && a->ops->fetch_one != NULL;
	case REQ_POP3_PREVIEW:
		return account_short(a) && a->ops->preview != NULL;
	case REQ_POLL:
		return !account_short(a) && a->ops->poll_folders != NULL;
	case REQ_FILL:
		return a->ops->fetch_bodies != NULL;
	default:
		return 1;
	}
}

/* Queue request R (its contents taken) and wake the worker. */
static void
account_request(struct account *a, struct account_req *r)
{
	if (!account_serves(a, r->kind)) {
		account_req_release(r);
		return;
	}
	pthread_mutex_lock(&a->lock);
	account_kick(a, r->kind);
	account_reqq_add(&a->reqs, r);
	pthread_mutex_unlock(&a->lock);
}

/* Queue a request of KIND that carries nothing. */
static void
account_request_kind(struct account *a, enum account_req_kind kind)
{
	struct account_req r;

	memset(&r, 0, sizeof r);
	r.kind = kind;
	account_request(a, &r);
}

/*
 * Take the next request of the kinds in MASK into *R_R (once stopping,
 * only those of REQS_AT_STOP). Returns 0 if none waits.
 */
static int
account_take(struct account *a, unsigned mask, struct account_req *r_r)
{
	int got;

	pthread_mutex_lock(&a->lock);
	if (a->stop)
		mask &= REQS_AT_STOP;
	got = account_reqq_take(&a->reqs, mask, r_r);
	pthread_mutex_unlock(&a->lock);
	return got;
}

/*
 * Whether the worker has something to do among the kinds in MASK: a
 * request of those kinds waits, or the account is stopping. The lock is
 * held. Every wait of the worker asks this.
 */
static int
account_pending(struct account *a, unsigned mask)
{
	return a->stop || account_reqq_has(&a->reqs, mask);
}

void
account_open_folder(struct account *a, const char *folder)
{
	struct account_req r, *open;
	const char *cur;

	pthread_mutex_lock(&a->lock);
	/* The folder open once the worker has taken what waits. */
	open = account_reqq_find(&a->reqs, REQ_OPEN);
	cur = open != NULL ? open->u.open.folder : a->folder;
	if (cur == NULL || strcmp(cur, folder) != 0) {
		memset(&r, 0, sizeof r);
		r.kind = REQ_OPEN;
		r.u.open.folder = xstrdup(folder);
		account_reqq_add(&a->reqs, &r);
	}
	account_kick(a, REQ_OPEN);
	pthread_mutex_unlock(&a->lock);
}

void
account_fetch_body(struct account *a, int64_t msg_id)
{
	struct account_req r;

	memset(&r, 0, sizeof r);
	r.kind = REQ_BODY;
	r.u.body.msg_id = msg_id;
	account_request(a, &r);
}

void
account_push_pending(struct account *a)
{
	account_request_kind(a, REQ_PUSH);
}

void
account_poll_folders(struct account *a)
{
	account_request_kind(a, REQ_POLL);
}

void
account_sync_now(struct account *a)
{
	account_request_kind(a, REQ_SYNC);
}

static void
account_folder_request(struct account *a, enum backend_folder_op op,
    const char *name, const char *to)
{
	struct account_req r;

	memset(&r, 0, sizeof r);
	r.kind = REQ_FOLDER_OP;
	r.u.folder_op.op = op;
	r.u.folder_op.name = xstrdup(name);
	r.u.folder_op.to = xstrdup(to);
	account_request(a, &r);
}

void
account_folder_create(struct account *a, const char *name)
{
	account_folder_request(a, FOLDER_CREATE, name, NULL);
}

void
account_folder_rename(struct account *a, const char *from, const char *to)
{
	account_folder_request(a, FOLDER_RENAME, from, to);
}

void
account_folder_delete(struct account *a, const char *name)
{
	account_folder_request(a, FOLDER_DELETE, name, NULL);
}

void
account_folder_subscribe(struct account *a, const char *name, int on)
{
	account_folder_request(a, on ? FOLDER_SUBSCRIBE : FOLDER_UNSUBSCRIBE,
	    name, NULL);
}

void
account_resolve_gone(struct account *a, int64_t folder_id, int drop)
{
	struct account_req r;

	memset(&r, 0, sizeof r);
	r.kind = REQ_GONE;
	r.u.gone.folder_id = folder_id;
	r.u.gone.drop = drop;
	account_request(a, &r);
}

void
account_pop3_preview(struct account *a)
{
	account_request_kind(a, REQ_POP3_PREVIEW);
}

static void
account_pop3_request(struct account *a, enum account_req_kind kind,
    const char *uidl)
{
	struct account_req r;

	memset(&r, 0, sizeof r);
	r.kind = kind;
	r.u.pop3.uidl = xstrdup(uidl);
	account_request(a, &r);
}

void
account_pop3_fetch(struct account *a, const char *uidl)
{
	account_pop3_request(a, REQ_POP3_FETCH, uidl);
}

void
account_pop3_delete(struct account *a, const char *uidl)
{
	account_pop3_request(a, REQ_POP3_DELETE, uidl);
}

int
account_can_search(const struct account *a)
{
	return a->ops->search != NULL;
}

long
account_search(struct account *a, const char *folder,
    const struct search_node *q, int sort, int reverse)
{
	struct account_req r;
	long serial;

	memset(&r, 0, sizeof r);
	r.kind = REQ_SEARCH;
	r.u.search.q = search_dup(q);
	r.u.search.folder = xstrdup(folder);
	r.u.search.sort = sort;
	r.u.search.reverse = reverse;
	pthread_mutex_lock(&a->lock);
	serial = r.u.search.serial = ++a->search_last;
	account_reqq_add(&a->reqs, &r);
	account_kick(a, REQ_SEARCH);
	pthread_mutex_unlock(&a->lock);
	return serial;
}

void
account_fill_bodies(struct account *a)
{
	struct account_req r;

	memset(&r, 0, sizeof r);
	r.kind = REQ_FILL;
	r.u.fill.max = SIZE_MAX;
	account_request(a, &r);
}

/*
 * Serving requests. Each runs on the worker, on the session when there is
 * one (a short-session backend serves the local ones between sessions).
 */

static enum backend_status account_serve(struct account *,
    struct account_req *, char **);

static int
account_stopping(struct account *a)
{
	int stop;

	pthread_mutex_lock(&a->lock);
	stop = a->stop;
	pthread_mutex_unlock(&a->lock);
	return stop;
}

/* A copy of the open folder's name (INBOX when none was given). */
static char *
account_open_name(struct account *a)
{
	char *name;

	pthread_mutex_lock(&a->lock);
	name = xstrdup(a->folder != NULL ? a->folder : "INBOX");
	pthread_mutex_unlock(&a->lock);
	return name;
}

/* Make the folder of the open request R the open folder. */
static void
account_set_folder(struct account *a, struct account_req *r)
{
	pthread_mutex_lock(&a->lock);
	free(a->folder);
	a->folder = r->u.open.folder;
	r->u.open.folder = NULL;
	pthread_mutex_unlock(&a->lock);
}

/*
 * Run the urgent requests that need no sync of their own (REQS_BETWEEN):
 * between the batches of a long operation, and, for a short-session
 * backend, between sessions, where the open folder changes too. Failures
 * are reported; a lost connection is returned.
 */
static enum backend_status
account_serve_urgent(struct account *a)
{
	enum backend_status status = BACKEND_OK;
	struct account_req r;
	unsigned mask = REQS_BETWEEN;
	char *err = NULL;

	if (account_short(a))
		mask |= REQ_BIT(REQ_OPEN);
	while (status == BACKEND_OK && account_take(a, mask, &r))
		status = account_serve(a, &r, &err);
	if (err != NULL) {
		account_error(a, err);
		free(err);
	}
	return status;
}

/*
 * Between the batches of a long operation: serve the urgent requests, and
 * end it early when stopping, when the connection dropped, or when a long
 * session has a new folder to open.
 */
static int
account_between(struct account *a)
{
	enum backend_status status;
	int leave;

	status = account_serve_urgent(a);
	pthread_mutex_lock(&a->lock);
	leave = account_pending(a, account_short(a) ? 0 : REQ_BIT(REQ_OPEN));
	pthread_mutex_unlock(&a->lock);
	return leave || status == BACKEND_ERR_NET;
}

static int
hook_between(void *arg)
{
	struct account_link *l = arg;

	return account_between(l->a);
}

/*
 * Between the batches of the second connection's work: end it when
 * stopping. Nothing else waits for this connection.
 */
static int
hook_between_second(void *arg)
{
	struct account_link *l = arg;

	return account_stopping(l->a);
}

/*
 * Whether the second connection's body fill should end early: stopping,
 * the worker no longer online, or a newer fill (another open folder)
 * waits.
 */
static int
account_second_leaves(struct account *a)
{
	int leave;

	pthread_mutex_lock(&a->lock);
	leave = a->stop || a->state != ACCOUNT_ONLINE ||
	    account_reqq_has(&a->reqs, REQ_BIT(REQ_FILL));
	pthread_mutex_unlock(&a->lock);
	return leave;
}

/*
 * Save the outbox's copies on session BE after a push: one session at a
 * time. With PASS, the second connection does it when it is up.
 */
static enum backend_status
account_save_copies(struct account *a, void *be, int pass, char **err)
{
	enum backend_status status;
	struct account_req r;

	if (a->ops->save_copies == NULL)
		return BACKEND_OK;
	if (pass) {
		pthread_mutex_lock(&a->lock);
		if (a->second_up) {
			memset(&r, 0, sizeof r);
			r.kind = REQ_COPIES;
			account_kick(a, r.kind);
			account_reqq_add(&a->reqs, &r);
			pthread_mutex_unlock(&a->lock);
			return BACKEND_OK;
		}
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_lock(&a->copy_lock);
	status = a->ops->save_copies(be, err);
	pthread_mutex_unlock(&a->copy_lock);
	return status;
}

/* Push the pending changes on session BE, then save the copies. */
static enum backend_status
account_push(struct account *a, void *be, int pass, char **err)
{
	enum backend_status status;

	status = a->ops->push_pending(be, err);
	if (status == BACKEND_OK)
		status = account_save_copies(a, be, pass, err);
	return status;
}

/*
 * Apply the user's answer about vanished messages: it touches only the
 * cache, so it is done even offline.
 */
static void
account_serve_gone(struct account *a, struct account_req *r)
{
	char *err;

	if (!r->u.gone.drop)
		return;
	if (store_folder_drop_gone(a->st, r->u.gone.folder_id) != 0) {
		err = xasprintf(_("cannot update the cache: %s"),
		    store_errmsg(a->st));
		account_error(a, err);
		free(err);
		return;
	}
	account_post_headers(a, r->u.gone.folder_id);
	account_post(a, &(struct account_event){ .kind = EV_FOLDERS });
}

/* Run a folder operation the user asked for. */
static enum backend_status
account_serve_folder_op(struct account *a, struct account_req *r, char **err)
{
	enum backend_status status;

	if (a->ops->folder_op == NULL) {
		account_error(a, _("this account has no server folders"));
		return BACKEND_OK;
	}
	status = a->ops->folder_op(a->be, r->u.folder_op.op,
	    r->u.folder_op.name, r->u.folder_op.to, err);
	if (status == BACKEND_ERR_NET) {
		/* Try again once reconnected. */
		account_request(a, r);
		return status;
	}
	if (status != BACKEND_OK) {
		account_error(a, *err);
		free(*err);
		*err = NULL;
	}
	return BACKEND_OK;
}

/* Fetch a body the user asked for. */
static enum backend_status
account_serve_body(struct account *a, struct account_req *r, char **err)
{
	enum backend_status status;

	status = a->ops->fetch_body(a->be, r->u.body.msg_id, err);
	if (status == BACKEND_OK) {
		account_post(a, &(struct account_event){ .kind = EV_BODY,
		    .u.body.msg_id = r->u.body.msg_id });
		return status;
	}
	if (status == BACKEND_ERR_NET) {
		/* Ask again after reconnecting. */
		account_request(a, r);
		return status;
	}
	account_error(a, *err);
	free(*err);
	*err = NULL;
	return BACKEND_OK;
}

/* Post EV_SEARCH: IDS (taken) found, or WHY the server was not asked. */
static void
account_post_search(struct account *a, long serial, int64_t folder_id,
    int64_t *ids, size_t n, const char *why)
{
	struct account_event ev = { .kind = EV_SEARCH };

	ev.u.search.serial = serial;
	ev.u.search.folder_id = folder_id;
	ev.u.search.ids = ids;
	ev.u.search.nids = n;
	ev.u.search.why = account_text(why);
	account_post(a, &ev);
}

/* Answer the waiting search, if any, with WHY the server was not asked. */
static void
account_fail_search(struct account *a, const char *why)
{
	struct account_req r;

	if (!account_take(a, REQ_BIT(REQ_SEARCH), &r))
		return;
	account_post_search(a, r.u.search.serial, -1, NULL, 0, why);
	account_req_release(&r);
}

/*
 * Ask the server the search R. Only a lost connection is returned; any
 * failure is answered to the UI, which searches the cache.
 */
static enum backend_status
account_serve_search(struct account *a, struct account_req *req, char **err)
{
	enum backend_status status = BACKEND_OK;
	struct store_folder f;
	const char *folder = req->u.search.folder;
	long serial = req->u.search.serial;
	uint32_t *uids = NULL;
	int64_t *ids = NULL;
	size_t n = 0, nids = 0;
	char *why = NULL;
	int r;

	if ((r = store_folder_get(a->st, folder, &f)) != 0) {
		account_post_search(a, serial, -1, NULL, 0, r < 0 ?
		    store_errmsg(a->st) : _("no such folder"));
		goto out;
	}
	if (a->ops->search == NULL) {
		account_post_search(a, serial, f.id, NULL, 0,
		    _("the server cannot search"));
		goto release;
	}
	status = a->ops->search(a->be, folder, req->u.search.q, &uids, &n,
	    &why);
	if (status != BACKEND_OK) {
		account_post_search(a, serial, f.id, NULL, 0, why != NULL ?
		    why : _("the search failed"));
		if (status == BACKEND_ERR_NET) {
			*err = why;
			why = NULL;
		} else
			status = BACKEND_OK;
		goto release;
	}
	if (store_search_uids(a->st, f.id, uids, n, req->u.search.sort,
	    req->u.search.reverse, &ids, &nids) != 0) {
		account_post_search(a, serial, f.id, NULL, 0,
		    store_errmsg(a->st));
		goto release;
	}
	account_post_search(a, serial, f.id, ids, nids, NULL);
release:
	store_folder_release(&f);
out:
	free(why);
	free(uids);
	return status;
}

/*
 * Fetch at most MAX bodies that folder NAME lacks, newest first, on session
 * BE with store ST. LEAVE (NULL: none) is asked between batches whether to
 * end early: the worker serves its urgent requests there and leaves for a
 * new open folder (account_between()).
 */
static enum backend_status
account_fill_bodies_of(struct account *a, void *be, struct store *st,
    const char *name, size_t max, int (*leave)(struct account *))
{
	enum backend_status status = BACKEND_OK;
	struct store_folder f;
	int64_t *ids = NULL;
	size_t n = 0, i, k;
	char *label = NULL, *err = NULL;

	if (a->ops->fetch_bodies == NULL)
		return BACKEND_OK;
	if (store_folder_get(st, name, &f) != 0)
		return BACKEND_OK;
	if (store_msg_without_body(st, f.id, max, &ids, &n) != 0) {
		err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(st));
		account_error(a, err);
		goto out;
	}
	if (n == 0)
		goto out;
	label = xasprintf(_("%s bodies"), f.display != NULL ? f.display :
	    f.name);
	account_progress(a, st, f.id, label, 0, (long)n, 0, 0);
	for (i = 0; i < n && !account_stopping(a); i += k) {
		k = n - i < ACCOUNT_BODY_STEP ? n - i : ACCOUNT_BODY_STEP;
		status = a->ops->fetch_bodies(be, ids + i, k, &err);
		if (status == BACKEND_ERR_NET || status == BACKEND_ERR_LOCAL) {
			account_error(a, err);
			goto out;
		}
		if (status != BACKEND_OK) {
			/* One bad batch does not stop the others. */
			account_error(a, err);
			free(err);
			err = NULL;
			status = BACKEND_OK;
		}
		account_progress(a, st, f.id, label, (long)(i + k), (long)n, 0,
		    0);
		if (leave != NULL && i + k < n && leave(a))
			break;
	}
out:
	free(err);
	free(label);
	free(ids);
	store_folder_release(&f);
	return status;
}

/*
 * Once the folder list is in: the folder asked for, by the name the user
 * gave (the name shown, "inbox", or the server's own), becomes the server's
 * name of it.
 */
static void
account_resolve_folder(struct account *a)
{
	struct store_folder f;
	char *want;

	pthread_mutex_lock(&a->lock);
	want = a->folder != NULL ? xstrdup(a->folder) : NULL;
	pthread_mutex_unlock(&a->lock);
	if (want == NULL)
		return;
	if (store_folder_find(a->st, want, &f) == 0) {
		pthread_mutex_lock(&a->lock);
		if (a->folder != NULL && strcmp(a->folder, want) == 0 &&
		    strcmp(f.name, want) != 0) {
			free(a->folder);
			a->folder = xstrdup(f.name);
		}
		pthread_mutex_unlock(&a->lock);
		store_folder_release(&f);
	}
	free(want);
}

/* Sync FOLDER; errors other than a lost connection are reported and end. */
static enum backend_status
account_sync_folder(struct account *a, const char *folder)
{
	enum backend_status status;
	char *err = NULL;

	status = a->ops->sync_folder(a->be, folder, &err);
	if (status != BACKEND_OK && err != NULL)
		account_error(a, err);
	free(err);
	return status;
}

/*
 * Sync the open folder (errors but a lost connection are reported), then
 * with cache = bodies queue the prefetch of its newest bodies (config
 * prefetch), which the background lane serves.
 */
static enum backend_status
account_sync_open(struct account *a)
{
	enum backend_status status;
	struct account_req r;
	char *folder;

	folder = account_open_name(a);
	a->next_resync = account_now() + a->timing.resync;
	status = account_sync_folder(a, folder);
	if (status == BACKEND_OK && a->cfg->cache == CACHE_BODIES &&
	    a->cfg->prefetch > 0 && account_serves(a, REQ_FILL)) {
		memset(&r, 0, sizeof r);
		r.kind = REQ_FILL;
		r.u.fill.folder = folder;
		r.u.fill.max = (size_t)a->cfg->prefetch;
		pthread_mutex_lock(&a->lock);
		account_reqq_add(&a->reqs, &r);
		/* The second connection's, when it is up. */
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->lock);
		folder = NULL;
	}
	free(folder);
	return status == BACKEND_ERR_NET ? status : BACKEND_OK;
}

/*
 * Ask for the other folders' counts (STATUS) on session BE; only a drop is
 * returned.
 */
static enum backend_status
account_serve_poll(struct account *a, void *be, char **err)
{
	enum backend_status status;
	char *folder;

	folder = account_open_name(a);
	status = a->ops->poll_folders(be, folder, err);
	free(folder);
	if (status != BACKEND_OK && status != BACKEND_ERR_NET) {
		account_error(a, *err);
		free(*err);
		*err = NULL;
		status = BACKEND_OK;
	}
	return status;
}

/*
 * Serve the request R taken from the queue (its contents are taken).
 * Failures that leave the session usable are reported here. A lost
 * connection is returned (the request queued again when it is worth
 * repeating), and so are a failed push and a folder list that cannot be
 * had, which end a long session: each with *ERR set when there is a
 * message.
 */
static enum backend_status
account_serve(struct account *a, struct account_req *r, char **err)
{
	enum backend_status status = BACKEND_OK;
	char *folder;

	switch (r->kind) {
	case REQ_BODY:
		status = account_serve_body(a, r, err);
		break;
	case REQ_GONE:
		account_serve_gone(a, r);
		break;
	case REQ_PUSH:
		status = account_push(a, a->be, 1, err);
		if (status == BACKEND_ERR_NET)
			account_request(a, r);
		break;
	case REQ_COPIES:
		/* Handed back by a second connection that went down. */
		status = account_save_copies(a, a->be, 0, err);
		if (status == BACKEND_ERR_NET)
			account_request(a, r);
		break;
	case REQ_FOLDER_OP:
		status = account_serve_folder_op(a, r, err);
		break;
	case REQ_SEARCH:
		status = account_serve_search(a, r, err);
		break;
	case REQ_OPEN:
		account_set_folder(a, r);
		/* A short session's one folder is up to date: no more. */
		if (!account_short(a))
			status = account_sync_open(a);
		break;
	case REQ_SYNC:
		status = a->ops->sync_folders(a->be, err);
		if (status != BACKEND_OK)
			break;
		account_resolve_folder(a);
		pthread_mutex_lock(&a->lock);
		if (!a->listed) {
			/*
			 * The second connection signs in now: its work is
			 * its own from here on (the body fill that follows).
			 */
			a->listed = 1;
			if (a->second_started && !a->second_finished)
				a->second_up = 1;
			pthread_cond_broadcast(&a->cond);
		}
		pthread_mutex_unlock(&a->lock);
		status = account_sync_open(a);
		break;
	case REQ_FILL:
		folder = r->u.fill.folder != NULL ? xstrdup(r->u.fill.folder) :
		    account_open_name(a);
		status = account_fill_bodies_of(a, a->be, a->st, folder,
		    r->u.fill.max, account_between);
		free(folder);
		if (status != BACKEND_ERR_NET)
			status = BACKEND_OK;
		break;
	case REQ_POLL:
		a->next_poll = account_now() +
		    (int64_t)a->cfg->status_interval * 1000;
		status = account_serve_poll(a, a->be, err);
		break;
	default:
		/* The POP3 requests are a short session's work. */
		break;
	}
	account_req_release(r);
	return status;
}

/*
 * One-shot work after folder NAME is synced: with FILL its bodies, then
 * the search asked for.
 */
static enum backend_status
account_oneshot_folder(struct account *a, const char *name, int fill)
{
	enum backend_status status = BACKEND_OK;
	struct account_req r;
	char *err = NULL;

	if (fill)
		status = account_fill_bodies_of(a, a->be, a->st, name, SIZE_MAX,
		    NULL);
	if (status != BACKEND_OK)
		return status;
	if (account_take(a, REQ_BIT(REQ_SEARCH), &r))
		status = account_serve(a, &r, &err);
	if (err != NULL)
		account_error(a, err);
	free(err);
	return status;
}

/*
 * A one-shot long session (tern sync, tern search): the folder list, then
 * FOLDER or every subscribed folder, each with its bodies (tern sync
 * --bodies) and the search asked for. Returns nonzero if something failed.
 */
static int
account_run_oneshot(struct account *a)
{
	struct store_folder *list = NULL;
	struct account_req r;
	enum backend_status status;
	char *err = NULL, *folder;
	size_t n = 0, i;
	int failed = 0, fill;

	/* tern sync --bodies: every folder synced gets its bodies. */
	if ((fill = account_take(a, REQ_BIT(REQ_FILL), &r)))
		account_req_release(&r);
	if ((status = account_push(a, a->be, 0, &err)) != BACKEND_OK)
		goto fail;
	if (a->push_only)
		return 0;
	if ((status = a->ops->sync_folders(a->be, &err)) != BACKEND_OK)
		goto fail;
	account_resolve_folder(a);
	pthread_mutex_lock(&a->lock);
	folder = xstrdup(a->folder);
	pthread_mutex_unlock(&a->lock);
	if (folder != NULL) {
		status = account_sync_folder(a, folder);
		if (status == BACKEND_OK)
			status = account_oneshot_folder(a, folder, fill);
		free(folder);
		return status == BACKEND_OK ? 0 : 1;
	}
	if (store_folder_list(a->st, &list, &n) != 0) {
		err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(a->st));
		goto fail;
	}
	for (i = 0; i < n && !account_stopping(a); i++) {
		if (!list[i].subscribed || list[i].noselect)
			continue;
		status = account_sync_folder(a, list[i].name);
		if (status == BACKEND_OK)
			status = account_oneshot_folder(a, list[i].name,
			    fill);
		if (status != BACKEND_OK)
			failed = 1;
		if (status == BACKEND_ERR_NET)
			break;
	}
	store_folder_list_free(list, n);
	return failed;
fail:
	account_error(a, err);
	free(err);
	return 1;
}

/*
 * Long sessions. One connects once and serves requests until it is
 * stopped or dropped: the urgent lane first, then the background one;
 * timers add a poll of the other folders' counts every status_interval
 * and, without IDLE, a sync of the open folder every resync. With nothing
 * to do it waits for news on the open folder (IDLE) or for a request.
 */

/*
 * Nothing to do: wait in IDLE on the open folder when the backend can,
 * else for a request or the time of the resync. Only a drop is returned.
 */
static enum backend_status
account_idle(struct account *a, char **err)
{
	enum backend_status status;
	struct account_req r;
	char *folder;
	int64_t secs;
	int busy, polls, timed;

	pthread_mutex_lock(&a->lock);
	busy = account_pending(a, account_long_kinds(a));
	polls = !a->second_up;
	pthread_mutex_unlock(&a->lock);
	if ((a->ops->caps & BACKEND_CAP_IDLE) && !busy) {
		secs = IDLE_MAX;
		/*
		 * The timer of the poll, or while a second connection polls
		 * the other folders, of the open folder's check.
		 */
		timed = a->cfg->status_interval > 0 &&
		    account_serves(a, REQ_POLL);
		if (timed) {
			secs = (a->next_poll - account_now() + 999) / 1000;
			if (secs < 1)
				secs = 1;
			if (secs > IDLE_MAX)
				secs = IDLE_MAX;
		}
		folder = account_open_name(a);
		status = a->ops->wait(a->be, folder, (int)secs, err);
		if (status == BACKEND_OK && timed && !polls &&
		    a->ops->check_open != NULL &&
		    account_now() >= a->next_poll) {
			a->next_poll = account_now() +
			    (int64_t)a->cfg->status_interval * 1000;
			status = a->ops->check_open(a->be, folder, err);
			if (status != BACKEND_OK && status != BACKEND_ERR_NET) {
				account_error(a, *err);
				free(*err);
				*err = NULL;
				status = BACKEND_OK;
			}
		}
		free(folder);
		if (status == BACKEND_OK) {
			a->next_resync = account_now() + a->timing.resync;
			return status;
		}
		if (status == BACKEND_ERR_NET)
			return status;
		/* Cannot IDLE here: say why, then wait and poll. */
		if (status != BACKEND_ERR_NOTFOUND)
			account_error(a, *err);
		free(*err);
		*err = NULL;
	}
	pthread_mutex_lock(&a->lock);
	while (!account_pending(a, account_long_kinds(a))) {
		if (account_now() >= a->next_resync) {
			memset(&r, 0, sizeof r);
			r.kind = REQ_SYNC;
			account_reqq_add(&a->reqs, &r);
			break;
		}
		account_wait_until(a, a->next_resync);
	}
	pthread_mutex_unlock(&a->lock);
	return BACKEND_OK;
}

/*
 * An interactive long session: serve requests until stopped (BACKEND_OK)
 * or until the connection drops or a step that ends it fails (its status;
 * what failed was reported).
 */
static enum backend_status
account_run_long(struct account *a)
{
	enum backend_status status;
	struct account_req r;
	char *err = NULL;
	unsigned kinds;

	/*
	 * Changes queued while offline (or before a drop) go out first, then
	 * the folder list and the open folder, then the other folders'
	 * counts.
	 */
	pthread_mutex_lock(&a->lock);
	memset(&r, 0, sizeof r);
	r.kind = REQ_PUSH;
	account_reqq_add(&a->reqs, &r);
	r.kind = REQ_SYNC;
	account_reqq_add(&a->reqs, &r);
	pthread_mutex_unlock(&a->lock);
	a->next_poll = account_now();
	a->next_resync = account_now() + a->timing.resync;

	for (;;) {
		if (account_stopping(a)) {
			/*
			 * Leaving: send what the user just queued (an
			 * expunge on quit); account_stop() bounds the time.
			 */
			status = account_push(a, a->be, 0, &err);
			if (status != BACKEND_OK)
				log_msg(LOG_WARN, "account: changes left queued "
				    "at exit: %s", err != NULL ? err : "");
			status = BACKEND_OK;
			break;
		}
		pthread_mutex_lock(&a->lock);
		kinds = account_long_kinds(a);
		if (a->cfg->status_interval > 0 && (kinds & REQ_BIT(REQ_POLL)) &&
		    account_serves(a, REQ_POLL) &&
		    account_now() >= a->next_poll) {
			memset(&r, 0, sizeof r);
			r.kind = REQ_POLL;
			account_reqq_add(&a->reqs, &r);
		}
		pthread_mutex_unlock(&a->lock);
		if (account_take(a, kinds, &r))
			status = account_serve(a, &r, &err);
		else
			status = account_idle(a, &err);
		if (status != BACKEND_OK)
			break;
	}
	if (err != NULL && status != BACKEND_OK && status != BACKEND_ERR_NET)
		account_error(a, err);
	free(err);
	return status;
}

/*
 * Short sessions. Each connects, signs in, does the work taken for it
 * (deletions and downloads asked from the preview, the check, the preview
 * listing) and logs out, which is when a POP3 server applies its
 * deletions. Between sessions the account is online but not connected;
 * a session runs every pop3_interval, on account_sync_now(), or when a
 * POP3 request arrives. A session that fails gives its work back, to be
 * done by the next one: every step can be repeated without harm.
 */

/* Report a failed step that does not end the session; 1 if it does. */
static int
account_step(struct account *a, enum backend_status *status,
    char **err)
{
	if (*status == BACKEND_OK)
		return 0;
	if (*status == BACKEND_ERR_NET)
		return 1;
	if (*err != NULL)
		account_error(a, *err);
	free(*err);
	*err = NULL;
	if (*status == BACKEND_ERR_AUTH || *status == BACKEND_ERR_TLS)
		return 1;
	*status = BACKEND_OK;
	return 0;
}

/*
 * Do WORK on the connected session and log out. Returns BACKEND_OK when
 * the session ended with the logout (steps that failed on their own were
 * reported, and set *FAILED_R), else the status that ended it with *ERR
 * set.
 */
static enum backend_status
account_run_short(struct account *a, const struct account_reqq *work,
    int *failed_r, char **err)
{
	enum backend_status status;
	size_t i;

	for (i = 0; i < work->n; i++) {
		if (work->v[i].kind != REQ_POP3_DELETE)
			continue;
		status = a->ops->delete_one(a->be, work->v[i].u.pop3.uidl, err);
		*failed_r |= status != BACKEND_OK;
		if (account_step(a, &status, err))
			return status;
	}
	for (i = 0; i < work->n && !account_stopping(a); i++) {
		if (work->v[i].kind != REQ_POP3_FETCH)
			continue;
		status = a->ops->fetch_one(a->be, work->v[i].u.pop3.uidl, err);
		*failed_r |= status != BACKEND_OK;
		if (account_step(a, &status, err))
			return status;
	}
	if (work->count[REQ_SYNC] > 0 && !account_stopping(a)) {
		status = account_push(a, a->be, 0, err);
		if (status == BACKEND_OK)
			status = a->ops->sync_folders(a->be, err);
		if (status == BACKEND_OK)
			status = a->ops->sync_folder(a->be, "INBOX", err);
		*failed_r |= status != BACKEND_OK;
		if (account_step(a, &status, err))
			return status;
	}
	if (work->count[REQ_POP3_PREVIEW] > 0 && !account_stopping(a)) {
		status = a->ops->preview(a->be, err);
		*failed_r |= status != BACKEND_OK;
		if (account_step(a, &status, err))
			return status;
	}
	return a->ops->logout(a->be, err);
}

/*
 * Take the work of the next short session into WORK, after what a failed
 * one gave back: the requests that need the server, and the check (a
 * REQ_SYNC) when it is DUE or nothing else was asked.
 */
static void
account_take_work(struct account *a, struct account_reqq *work, int due)
{
	struct account_req r;

	pthread_mutex_lock(&a->lock);
	while (account_reqq_take(&a->reqs, REQS_CONNECT, &r))
		account_reqq_add(work, &r);
	pthread_mutex_unlock(&a->lock);
	if (due || work->n == 0) {
		memset(&r, 0, sizeof r);
		r.kind = REQ_SYNC;
		account_reqq_add(work, &r);
	}
}

/*
 * The engine: one loop for long and short sessions.
 */

/*
 * Between sessions: wait until the time NEXT (account_now(); -1: none)
 * or for work that needs the server (REQS_CONNECT). A short-session
 * backend serves meanwhile what needs no server. *DUE_R says whether NEXT
 * came. Returns 0 when stopping.
 */
static int
account_wait_session(struct account *a, int64_t next, int *due_r)
{
	int local = account_short(a);

	for (;;) {
		if (local)
			account_serve_urgent(a);
		pthread_mutex_lock(&a->lock);
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			return 0;
		}
		*due_r = next >= 0 && account_now() >= next;
		if (*due_r || account_pending(a, REQS_CONNECT)) {
			pthread_mutex_unlock(&a->lock);
			return 1;
		}
		if (!local || !account_pending(a, REQS_BETWEEN |
		    REQ_BIT(REQ_OPEN)))
			account_wait_until(a, next);
		pthread_mutex_unlock(&a->lock);
	}
}

/*
 * One session: connect and sign in, then a short session does WORK and
 * logs out, a one-shot long one syncs what was asked (*FAILED_R: whether
 * something failed), an interactive long one serves requests until it is
 * stopped (BACKEND_OK) or drops. *CONNECTED_R says whether it signed in.
 * Any other status comes with *ERR set.
 */
static enum backend_status
account_session(struct account *a, const struct account_reqq *work,
    int *connected_r, int *failed_r, char **err)
{
	enum backend_status status;

	account_set_state(a, ACCOUNT_CONNECTING, NULL);
	status = a->ops->connect(a->be, a->cred, err);
	if (status != BACKEND_OK)
		return status;
	*connected_r = 1;
	account_set_state(a, ACCOUNT_ONLINE, NULL);
	if (account_short(a))
		return account_run_short(a, work, failed_r, err);
	if (a->oneshot) {
		*failed_r = account_run_oneshot(a);
		return BACKEND_OK;
	}
	status = account_run_long(a);
	if (status != BACKEND_OK)
		*err = xstrdup(_("connection lost"));
	return status;
}

/*
 * Run sessions until stopped, or once when one-shot: then returns nonzero
 * when something failed (the worker posts EV_DONE). After a failed session
 * the account waits, ACCOUNT_WAITING, for a delay that doubles from
 * backoff_first up to backoff_max, and starts again from the first once a
 * session did its work (a long one: signed in; a short one: logged out);
 * after a refused sign-in or certificate it waits, ACCOUNT_FAILED, for
 * auth_retry. account_sync_now() (and a POP3 request) ends either wait.
 */
static int
account_engine(struct account *a)
{
	struct account_reqq work;
	struct account_req r;
	enum backend_status status;
	char *err;
	int64_t backoff = a->timing.backoff_first, next = account_now();
	int interval = a->cfg->pop3_interval, failed = 1, connected, due;

	memset(&work, 0, sizeof work);
	for (;;) {
		if (a->oneshot)
			due = 0;
		else if (!account_wait_session(a, next, &due))
			break;
		if (account_short(a))
			account_take_work(a, &work, due);
		err = NULL;
		connected = failed = 0;
		status = account_session(a, &work, &connected, &failed, &err);
		if (status == BACKEND_OK || (connected && !account_short(a)))
			backoff = a->timing.backoff_first;
		if (status == BACKEND_OK) {
			account_reqq_release(&work);
			if (a->oneshot || account_stopping(a))
				break;
			account_set_state(a, ACCOUNT_ONLINE, NULL);
			next = interval > 0 ? account_now() +
			    (int64_t)interval * 1000 : -1;
			continue;
		}
		failed = 1;
		if (account_stopping(a)) {
			free(err);
			break;
		}
		if (a->oneshot) {
			account_set_state(a, ACCOUNT_FAILED, err);
			account_error(a, err);
			free(err);
			break;
		}
		/* A search asked for meanwhile goes to the cache. */
		if (a->ops->search != NULL)
			account_fail_search(a, err != NULL ? err :
			    _("not connected"));
		/* The next long session syncs everything anyway. */
		if (!account_short(a)) {
			pthread_mutex_lock(&a->lock);
			while (account_reqq_take(&a->reqs, REQ_BIT(REQ_SYNC),
			    &r))
				account_req_release(&r);
			pthread_mutex_unlock(&a->lock);
		}
		if (status == BACKEND_ERR_AUTH || status == BACKEND_ERR_TLS) {
			/* Retrying would not help: wait for the user ($). */
			account_reqq_release(&work);
			account_set_state(a, ACCOUNT_FAILED, err);
			next = account_now() + a->timing.auth_retry;
		} else {
			/* A short session's work stays for the next one. */
			account_set_state(a, ACCOUNT_WAITING, err);
			next = account_now() + backoff;
			backoff = backoff * 2 > a->timing.backoff_max ?
			    a->timing.backoff_max : backoff * 2;
		}
		free(err);
	}
	account_reqq_release(&work);
	return failed;
}

/* The hooks of a session on link L, with BETWEEN (NULL: none). */
static void
account_hooks(struct backend_hooks *hooks, struct account_link *l,
    int (*between)(void *))
{
	memset(hooks, 0, sizeof *hooks);
	hooks->arg = l;
	hooks->folders_changed = hook_folders_changed;
	hooks->headers_changed = hook_headers_changed;
	hooks->progress = hook_progress;
	hooks->between = between;
	hooks->progress_bytes = hook_progress_bytes;
	hooks->preview_changed = hook_preview_changed;
	hooks->new_mail = hook_new_mail;
	hooks->gone = hook_gone;
	hooks->notice = hook_notice;
	hooks->outbox_changed = hook_outbox_changed;
}

static void *
account_worker(void *arg)
{
	struct account *a = arg;
	struct account_link link = { a, a->st };
	struct backend_hooks hooks;
	char *err = NULL;
	int failed;
	void *be;

	account_hooks(&hooks, &link, a->oneshot ? NULL : hook_between);
	pthread_mutex_lock(&a->lock);
	a->be = a->ops->new(a->cfg, a->st, &hooks);
	pthread_mutex_unlock(&a->lock);
	/* A damaged cache was set aside when it was opened: say so. */
	if ((err = store_take_notice(a->st)) != NULL) {
		account_notice(a, err);
		free(err);
	}

	failed = account_engine(a);

	/* From here on stop() must not cancel: logging out is polite. */
	pthread_mutex_lock(&a->lock);
	be = a->be;
	a->be = NULL;
	pthread_mutex_unlock(&a->lock);
	a->ops->free(be);
	account_set_state(a, ACCOUNT_OFFLINE, NULL);
	/* A one-shot run is done once the session has logged out. */
	if (a->oneshot)
		account_post(a, &(struct account_event){ .kind = EV_DONE,
		    .u.done.failed = failed });
	pthread_mutex_lock(&a->lock);
	a->finished = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/*
 * The second connection (connections = 2). Its thread signs in once the
 * worker is online with the folder list, then serves REQS_SECOND on a
 * session and a store handle of its own until stopped: the body fill, the
 * other folders' counts (and the syncs they bring, on its own timer) and
 * the outbox's copies. A drop is followed by a new sign-in at once; while
 * a sign-in fails (a server that allows one connection, a network that is
 * gone) it is down, and the worker serves those requests as with one
 * connection, until a backoff delay has passed. It lives only while the
 * worker's session does: when the worker is no longer online it logs out,
 * so that the worker's new sign-in never meets a server's limit of
 * connections taken by it. It posts no state: the account's state is the
 * worker's.
 */

/* How the second connection's serving ended. */
enum second_end { SECOND_STOP, SECOND_DROPPED, SECOND_ALONE };

/* Mark the second connection UP or down (lock held); down wakes the worker. */
static void
account_second_set(struct account *a, int up)
{
	if (a->second_up == up)
		return;
	a->second_up = up;
	if (!up && account_reqq_has(&a->reqs, REQS_SECOND)) {
		/* What it leaves is the worker's now. */
		pthread_cond_broadcast(&a->cond);
		if (a->be != NULL && (a->ops->caps & BACKEND_CAP_IDLE))
			a->ops->wake(a->be);
	}
}

/*
 * Wait (lock held) for work of the second connection or the time of its
 * poll, *NEXT_POLL, then queue the poll if it is due. Returns 0 when
 * stopping or when the worker is no longer online.
 */
static int
account_second_wait(struct account *a, int64_t *next_poll)
{
	int polls = a->cfg->status_interval > 0 &&
	    account_serves(a, REQ_POLL);
	struct account_req r;

	while (!a->stop && a->state == ACCOUNT_ONLINE &&
	    !account_reqq_has(&a->reqs, REQS_SECOND)) {
		if (polls && account_now() >= *next_poll) {
			memset(&r, 0, sizeof r);
			r.kind = REQ_POLL;
			account_reqq_add(&a->reqs, &r);
			break;
		}
		account_wait_until(a, polls ? *next_poll : -1);
	}
	return !a->stop && a->state == ACCOUNT_ONLINE;
}

/*
 * Serve REQS_SECOND on the signed-in session BE with store ST until
 * stopped, dropped (the request that failed queued again when it is worth
 * repeating) or left alone by the worker.
 */
static enum second_end
account_second_serve(struct account *a, void *be, struct store *st,
    int64_t *next_poll)
{
	enum backend_status status = BACKEND_OK;
	struct account_req r;
	char *err = NULL, *folder;
	int got, stop;

	for (;;) {
		pthread_mutex_lock(&a->lock);
		got = account_second_wait(a, next_poll) &&
		    account_reqq_take(&a->reqs, REQS_SECOND, &r);
		stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		if (!got)
			return stop ? SECOND_STOP : SECOND_ALONE;
		switch (r.kind) {
		case REQ_COPIES:
			status = account_save_copies(a, be, 0, &err);
			break;
		case REQ_FILL:
			folder = r.u.fill.folder != NULL ?
			    xstrdup(r.u.fill.folder) : account_open_name(a);
			status = account_fill_bodies_of(a, be, st, folder,
			    r.u.fill.max, account_second_leaves);
			free(folder);
			break;
		default:
			*next_poll = account_now() +
			    (int64_t)a->cfg->status_interval * 1000;
			status = account_serve_poll(a, be, &err);
			break;
		}
		if (status == BACKEND_ERR_NET && r.kind != REQ_POLL)
			account_request(a, &r);
		account_req_release(&r);
		if (status == BACKEND_ERR_NET) {
			log_msg(LOG_INFO, "account %s: the second connection "
			    "dropped: %s", a->cfg->name, err != NULL ? err : "");
			free(err);
			return SECOND_DROPPED;
		}
		if (status != BACKEND_OK && err != NULL)
			account_error(a, err);
		free(err);
		err = NULL;
	}
}

static void *
account_second(void *arg)
{
	struct account *a = arg;
	struct account_link link = { a, NULL };
	struct backend_hooks hooks;
	enum backend_status status;
	int64_t backoff = a->timing.backoff_first, next_poll = 0, until = 0;
	enum second_end end;
	char *err = NULL;
	void *be = NULL;
	int go;

	account_hooks(&hooks, &link, hook_between_second);
	hooks.second = 1;
	for (;;) {
		/* Sign in while the worker is online with the folder list. */
		pthread_mutex_lock(&a->lock);
		while (!a->stop && (!a->listed || a->state != ACCOUNT_ONLINE ||
		    account_now() < until))
			account_wait_until(a, until > account_now() ? until : -1);
		go = !a->stop;
		pthread_mutex_unlock(&a->lock);
		if (!go)
			break;
		/* The session and its store, made when first needed. */
		if (be == NULL) {
			if (link.st == NULL && store_open(a->store_path,
			    a->cfg->name, &link.st, &err) != 0) {
				log_msg(LOG_WARN, "account %s: no second "
				    "connection: %s", a->cfg->name, err);
				free(err);
				break;
			}
			be = a->ops->new(a->cfg, link.st, &hooks);
			pthread_mutex_lock(&a->lock);
			a->second_be = be;
			pthread_mutex_unlock(&a->lock);
		}
		/* Its work waits for this sign-in (bounded by timeout). */
		pthread_mutex_lock(&a->lock);
		a->second_up = 1;
		pthread_mutex_unlock(&a->lock);
		status = a->ops->connect(be, a->cred, &err);
		if (status != BACKEND_OK) {
			log_msg(LOG_WARN, "account %s: the second connection "
			    "failed, its work goes to the first: %s",
			    a->cfg->name, err != NULL ? err : "");
			free(err);
			err = NULL;
			pthread_mutex_lock(&a->lock);
			account_second_set(a, 0);
			pthread_mutex_unlock(&a->lock);
			until = account_now() + backoff;
			backoff = backoff * 2 > a->timing.backoff_max ?
			    a->timing.backoff_max : backoff * 2;
			continue;
		}
		backoff = a->timing.backoff_first;
		log_msg(LOG_INFO, "account %s: the second connection is up",
		    a->cfg->name);
		/* The worker polled as its session began. */
		if (next_poll == 0)
			next_poll = account_now() +
			    (int64_t)a->cfg->status_interval * 1000;
		end = account_second_serve(a, be, link.st, &next_poll);
		if (end == SECOND_STOP)
			break;
		if (end == SECOND_ALONE) {
			/* Log out; a new session once the worker has one. */
			pthread_mutex_lock(&a->lock);
			account_second_set(a, 0);
			a->second_be = NULL;
			pthread_mutex_unlock(&a->lock);
			a->ops->free(be);
			be = NULL;
			log_msg(LOG_INFO, "account %s: the second connection "
			    "logged out with the first", a->cfg->name);
		}
		/* After a drop, sign in again at once: still up meanwhile. */
	}
	pthread_mutex_lock(&a->lock);
	account_second_set(a, 0);
	be = a->second_be;
	a->second_be = NULL;
	pthread_mutex_unlock(&a->lock);
	if (be != NULL)
		a->ops->free(be);
	store_close(link.st);
	pthread_mutex_lock(&a->lock);
	a->second_finished = 1;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/*
 * The sender (outbox.h): it takes the outbox lock (one process sends an
 * account's outbox), turns what a crash left SENDING into UNKNOWN, then
 * flushes whenever account_send_now() asks, when the next entry is due,
 * and every OUTBOX_POLL seconds (another tern may have queued one).
 */
#define OUTBOX_POLL 30

/* Wait on the sender's condition until DEADLINE (ms; lock held). */
static void
account_wait_sender(struct account *a, int64_t deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_cond_timedwait(&a->sender_cond, &a->lock, &ts);
}

static void
sender_notice(void *arg, const char *text)
{
	account_notice(arg, text);
}

static void
sender_error(void *arg, const char *text)
{
	account_error(arg, text);
}

static void
sender_sent(void *arg)
{
	struct account *a = arg;

	/* The Sent copy is the worker's: its next push saves it. */
	if (a->cfg->proto == PROTO_IMAP)
		account_push_pending(a);
}

/* Post EV_OUTBOX with what the outbox of ST holds. */
static void
account_post_outbox(struct account *a, struct store *st)
{
	struct account_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = EV_OUTBOX;
	if (store_outbox_count(st, OUTBOX_QUEUED, &ev.u.outbox.waiting) != 0 ||
	    store_outbox_count(st, OUTBOX_FAILED, &ev.u.outbox.failed) != 0 ||
	    store_outbox_count(st, OUTBOX_UNKNOWN, &ev.u.outbox.unknown) != 0)
		return;
	account_post(a, &ev);
}

static void *
account_sender(void *arg)
{
	struct account *a = arg;
	struct outbox_hooks hooks = { a, sender_notice, sender_error,
	    sender_sent };
	struct outbox_report rep;
	struct store *st = NULL;
	struct cred *cred;
	int64_t due, wake;
	char *err = NULL;
	int lockfd = -1, n;

	if (store_open(a->store_path, a->cfg->name, &st, &err) != 0) {
		account_error(a, err);
		free(err);
		goto out;
	}
	cred = a->cred;
	pthread_mutex_lock(&a->lock);
	a->ob = outbox_new(a->cfg, st, cred, &hooks);
	pthread_mutex_unlock(&a->lock);
	for (;;) {
		if (lockfd == -1) {
			lockfd = outbox_lock(a->store_path, &err);
			if (err != NULL) {
				account_error(a, err);
				free(err);
				err = NULL;
			}
			if (lockfd != -1 && (n = outbox_recover(st)) > 0) {
				char *text = xasprintf(ngettext("%d message "
				    "may have been sent before tern stopped: "
				    "it is kept in the outbox, not sent again",
				    "%d messages may have been sent before "
				    "tern stopped: they are kept in the "
				    "outbox, not sent again", n), n);

				account_error(a, text);
				free(text);
			}
		}
		if (lockfd != -1) {
			outbox_flush(a->ob, (int64_t)time(NULL), 0, &rep);
			outbox_report_release(&rep);
		}
		account_post_outbox(a, st);
		due = lockfd != -1 ? outbox_next_due(st) : 0;
		wake = account_now() + OUTBOX_POLL * 1000;
		if (due > 0 && (due - (int64_t)time(NULL)) * 1000 <
		    OUTBOX_POLL * 1000)
			wake = account_now() + (due - (int64_t)time(NULL)) *
			    1000;
		pthread_mutex_lock(&a->lock);
		while (!a->stop && !a->sender_kick && account_now() < wake)
			account_wait_sender(a, wake);
		a->sender_kick = 0;
		n = a->stop;
		pthread_mutex_unlock(&a->lock);
		if (n)
			break;
	}
	pthread_mutex_lock(&a->lock);
	outbox_free(a->ob);
	a->ob = NULL;
	pthread_mutex_unlock(&a->lock);
out:
	outbox_unlock(lockfd);
	store_close(st);
	pthread_mutex_lock(&a->lock);
	a->sender_finished = 1;
	pthread_cond_broadcast(&a->sender_cond);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

void
account_push_only(struct account *a)
{
	a->push_only = 1;
}

void
account_send_now(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	a->sender_kick = 1;
	pthread_cond_broadcast(&a->sender_cond);
	pthread_mutex_unlock(&a->lock);
}

int
account_can_send(const struct account *a)
{
	return a->cfg->smtp_host != NULL;
}

int
account_start(struct account *a, const char *password, int oneshot,
    const char *folder)
{
	struct account_req r;

	if (a->started)
		return -1;
	pthread_mutex_lock(&a->lock);
	cred_set_password(a->cred, password);
	a->oneshot = oneshot;
	/* FOLDER is the open folder, whatever was asked before. */
	while (account_reqq_take(&a->reqs, REQ_BIT(REQ_OPEN), &r))
		account_req_release(&r);
	free(a->folder);
	a->folder = xstrdup(folder);
	a->stop = 0;
	a->finished = 0;
	pthread_mutex_unlock(&a->lock);
	if (pthread_create(&a->thread, NULL, account_worker, a) != 0)
		return -1;
	a->started = 1;
	/* The second connection: a long session's, with a store file. */
	if (!oneshot && a->cfg->connections >= 2 && !account_short(a) &&
	    a->store_path != NULL) {
		pthread_mutex_lock(&a->lock);
		a->second_finished = 0;
		if (pthread_create(&a->second, NULL, account_second, a) == 0)
			a->second_started = 1;
		pthread_mutex_unlock(&a->lock);
	}
	/* A one-shot run (tern sync, tern send) sends on its own thread. */
	if (!oneshot && a->cfg->smtp_host != NULL) {
		pthread_mutex_lock(&a->lock);
		a->sender_finished = 0;
		pthread_mutex_unlock(&a->lock);
		if (pthread_create(&a->sender, NULL, account_sender, a) == 0)
			a->sender_started = 1;
	}
	return 0;
}

void
account_stop(struct account *a)
{
	int64_t deadline;

	/* NULL: an account of --offline, never started. */
	if (a == NULL || !a->started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_broadcast(&a->cond);
	if (a->be != NULL && (a->ops->caps & BACKEND_CAP_IDLE))
		a->ops->wake(a->be);
	/* A moment to send what is queued and log out politely... */
	deadline = account_now() + a->timing.stop_grace;
	while (!a->finished && account_now() < deadline)
		account_wait_until(a, deadline);
	while (a->second_started && !a->second_finished &&
	    account_now() < deadline)
		account_wait_until(a, deadline);
	/* ... then unblock any network call; be is freed under the lock. */
	if (!a->finished && a->be != NULL)
		a->ops->interrupt(a->be);
	if (a->second_started && !a->second_finished && a->second_be != NULL)
		a->ops->interrupt(a->second_be);
	/* The sender: a message in DATA is dropped by the server, kept. */
	pthread_cond_broadcast(&a->sender_cond);
	while (a->sender_started && !a->sender_finished &&
	    account_now() < deadline)
		account_wait_sender(a, deadline);
	if (a->sender_started && !a->sender_finished && a->ob != NULL)
		outbox_interrupt(a->ob);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	if (a->second_started)
		pthread_join(a->second, NULL);
	a->second_started = 0;
	if (a->sender_started)
		pthread_join(a->sender, NULL);
	a->sender_started = 0;
	a->started = 0;
}

void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	account_stop(a);
	store_close(a->st);
	cred_free(a->cred);
	free(a->folder);
	free(a->store_path);
	account_reqq_release(&a->reqs);
	pthread_cond_destroy(&a->sender_cond);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->copy_lock);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

