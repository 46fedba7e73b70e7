/*
 * Accounts (see account.h): the worker thread that owns a protocol session
 * through the backend table, its request queue, reconnection with backoff,
 * and the event queue that carries news back to the UI and wakes it
 * through a pipe.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "backend.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "cred.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

/* Reconnection delays grow from the first to the last, in seconds. */
#define BACKOFF_FIRST 2
#define BACKOFF_MAX 300
/* Without IDLE, the open folder is checked again this often. */
#define RESYNC_INTERVAL 120
/* Seconds a stopping worker gets to send queued changes and log out. */
#define STOP_GRACE 3
/* IDLE is renewed before servers drop it (RFC 2177: 29 minutes). */
#define IDLE_MAX (25 * 60)

struct evqueue {
	pthread_mutex_t lock;
	struct account_event *events;
	size_t head, n, alloc;
	int pipe[2];
};

/*
 * The requests. Every request the UI makes is one typed item of the
 * queue a->reqs: its kind, and what it carries in the union's member of
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
			size_t max;	/* bodies at most, per folder */
		} fill;
	} u;
};

/*
 * What a second request of a kind does when one waits: NONE, both stay
 * (folder operations, in order); SAME, an equal one waiting makes it
 * nothing (a second "sync now", the same body twice); NEWER, it replaces
 * the one waiting (the newer search, the newer open folder).
 */
enum account_req_dedupe { DEDUPE_NONE, DEDUPE_SAME, DEDUPE_NEWER };

static const enum account_req_dedupe account_req_dedupe[REQ_NKINDS] = {
	[REQ_BODY] = DEDUPE_SAME,
	[REQ_GONE] = DEDUPE_SAME,
	[REQ_PUSH] = DEDUPE_SAME,
	[REQ_FOLDER_OP] = DEDUPE_NONE,
	[REQ_SEARCH] = DEDUPE_NEWER,
	[REQ_OPEN] = DEDUPE_NEWER,
	[REQ_POP3_DELETE] = DEDUPE_SAME,
	[REQ_POP3_FETCH] = DEDUPE_SAME,
	[REQ_POP3_PREVIEW] = DEDUPE_SAME,
	[REQ_SYNC] = DEDUPE_SAME,
	[REQ_FILL] = DEDUPE_NEWER,
	[REQ_POLL] = DEDUPE_SAME,
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
/*
 * The urgent requests that a session serves in the middle of other work,
 * between the batches of a long sync: what needs no sync of its own.
 */
#define REQS_BETWEEN (REQ_BIT(REQ_BODY) | REQ_BIT(REQ_GONE) | \
	REQ_BIT(REQ_PUSH) | REQ_BIT(REQ_FOLDER_OP) | REQ_BIT(REQ_SEARCH))
/* What a stopping worker still does: keep the user's changes. */
#define REQS_AT_STOP (REQ_BIT(REQ_GONE) | REQ_BIT(REQ_PUSH))
/* The POP3 requests, done by a session of their own. */
#define REQS_POP3 (REQ_BIT(REQ_POP3_DELETE) | REQ_BIT(REQ_POP3_FETCH) | \
	REQ_BIT(REQ_POP3_PREVIEW))

struct account {
	struct account_config *cfg;
	struct evqueue *q;
	struct store *st;
	const struct backend_ops *ops;
	void *be;

	pthread_t thread;
	int started;

	/* Everything below is guarded by lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	int finished;		/* the worker has ended */
	int oneshot;
	char *folder;		/* the open folder; REQ_OPEN changes it */
	struct account_reqq reqs;	/* the requests waiting */
	enum account_state state;
	struct cred *cred;	/* what it signs in with */
	long search_last;	/* the last number account_search() gave */
};

/* The request queue. */

static void
account_req_release(struct account_req *r)
{
	switch (r->kind) {
	case REQ_FOLDER_OP:
		free(r->u.folder_op.name);
		free(r->u.folder_op.to);
		break;
	case REQ_SEARCH:
		search_free(r->u.search.q);
		free(r->u.search.folder);
		break;
	case REQ_OPEN:
		free(r->u.open.folder);
		break;
	case REQ_POP3_DELETE:
	case REQ_POP3_FETCH:
		free(r->u.pop3.uidl);
		break;
	default:
		break;
	}
	memset(&r->u, 0, sizeof r->u);
}

/* Whether requests A and B of one kind ask for the same thing. */
static int
account_req_same(const struct account_req *a, const struct account_req *b)
{
	switch (a->kind) {
	case REQ_BODY:
		return a->u.body.msg_id == b->u.body.msg_id;
	case REQ_GONE:
		return a->u.gone.folder_id == b->u.gone.folder_id &&
		    a->u.gone.drop == b->u.gone.drop;
	case REQ_POP3_DELETE:
	case REQ_POP3_FETCH:
		return strcmp(a->u.pop3.uidl, b->u.pop3.uidl) == 0;
	default:
		return 1;
	}
}

/* The first request of KIND in Q, or NULL. */
static struct account_req *
account_reqq_find(struct account_reqq *q, enum account_req_kind kind)
{
	size_t i;

	if (q->count[kind] == 0)
		return NULL;
	for (i = 0; i < q->n; i++)
		if (q->v[i].kind == kind)
			return &q->v[i];
	return NULL;
}

/*
 * Add request R to Q, as its kind dedupes. Its contents are taken: R is
 * left empty, to be released or dropped.
 */
static void
account_reqq_add(struct account_reqq *q, struct account_req *r)
{
	enum account_req_dedupe dedupe = account_req_dedupe[r->kind];
	size_t i;

	for (i = 0; i < q->n && dedupe != DEDUPE_NONE; i++) {
		if (q->v[i].kind != r->kind || !account_req_same(&q->v[i], r))
			continue;
		if (dedupe == DEDUPE_NEWER) {
			account_req_release(&q->v[i]);
			q->v[i] = *r;
			memset(&r->u, 0, sizeof r->u);
		} else
			account_req_release(r);
		return;
	}
	if (q->n == q->alloc) {
		q->alloc = q->alloc == 0 ? 8 : q->alloc * 2;
		q->v = xreallocarray(q->v, q->alloc, sizeof *q->v);
	}
	q->v[q->n++] = *r;
	q->count[r->kind]++;
	memset(&r->u, 0, sizeof r->u);
}

/* Nonzero if Q holds a request of a kind in MASK. */
static int
account_reqq_has(const struct account_reqq *q, unsigned mask)
{
	int kind;

	for (kind = 0; kind < REQ_NKINDS; kind++)
		if ((mask & REQ_BIT(kind)) && q->count[kind] > 0)
			return 1;
	return 0;
}

/*
 * Take into *R_R the next request of Q among the kinds of MASK: the first
 * of the first kind in the enum's order. Returns 0 if there is none.
 */
static int
account_reqq_take(struct account_reqq *q, unsigned mask,
    struct account_req *r_r)
{
	struct account_req *r = NULL;
	int kind;

	for (kind = 0; kind < REQ_NKINDS && r == NULL; kind++)
		if (mask & REQ_BIT(kind))
			r = account_reqq_find(q, kind);
	if (r == NULL)
		return 0;
	*r_r = *r;
	q->count[r->kind]--;
	memmove(r, r + 1, (size_t)(q->v + q->n - (r + 1)) * sizeof *r);
	q->n--;
	return 1;
}

static void
account_reqq_release(struct account_reqq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		account_req_release(&q->v[i]);
	free(q->v);
	memset(q, 0, sizeof *q);
}

/* The event queue. */

struct evqueue *
evqueue_new(void)
{
	struct evqueue *q;
	int i;

	q = xcalloc(1, sizeof *q);
	pthread_mutex_init(&q->lock, NULL);
	if (pipe(q->pipe) != 0) {
		free(q);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		fcntl(q->pipe[i], F_SETFL, fcntl(q->pipe[i], F_GETFL) |
		    O_NONBLOCK);
		fcntl(q->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	return q;
}

void
account_event_release(struct account_event *ev)
{
	switch (ev->kind) {
	case EV_STATE:
		free(ev->u.state.reason);
		break;
	case EV_PROGRESS:
		free(ev->u.progress.label);
		break;
	case EV_ERROR:
		free(ev->u.error.text);
		break;
	case EV_NOTICE:
		free(ev->u.notice.text);
		break;
	case EV_SEARCH:
		free(ev->u.search.ids);
		free(ev->u.search.why);
		break;
	default:
		break;
	}
	memset(&ev->u, 0, sizeof ev->u);
}

void
evqueue_free(struct evqueue *q)
{
	struct account_event ev;

	if (q == NULL)
		return;
	while (evqueue_next(q, &ev))
		account_event_release(&ev);
	close(q->pipe[0]);
	close(q->pipe[1]);
	pthread_mutex_destroy(&q->lock);
	free(q->events);
	free(q);
}

int
evqueue_fd(struct evqueue *q)
{
	return q->pipe[0];
}

static void
evqueue_post(struct evqueue *q, const struct account_event *ev)
{
	char c = 1;

	pthread_mutex_lock(&q->lock);
	if (q->n == q->alloc) {
		struct account_event *ring;
		size_t i, alloc = q->alloc == 0 ? 64 : q->alloc * 2;

		ring = xcalloc(alloc, sizeof *ring);
		for (i = 0; i < q->n; i++)
			ring[i] = q->events[(q->head + i) % q->alloc];
		free(q->events);
		q->events = ring;
		q->alloc = alloc;
		q->head = 0;
	}
	q->events[(q->head + q->n) % q->alloc] = *ev;
	q->n++;
	pthread_mutex_unlock(&q->lock);
	/* A full pipe already means "wake up": EAGAIN is fine. */
	if (write(q->pipe[1], &c, 1) < 0 && errno != EAGAIN)
		log_msg(LOG_WARN, "account: cannot wake the UI: %s",
		    strerror(errno));
}

int
evqueue_next(struct evqueue *q, struct account_event *ev_r)
{
	char buf[64];
	int got = 0;

	pthread_mutex_lock(&q->lock);
	if (q->n > 0) {
		*ev_r = q->events[q->head];
		q->head = (q->head + 1) % q->alloc;
		q->n--;
		got = 1;
	}
	if (q->n == 0)
		while (read(q->pipe[0], buf, sizeof buf) > 0)
			;
	pthread_mutex_unlock(&q->lock);
	return got;
}

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
account_progress(struct account *a, int64_t folder_id, const char *label,
    long n, long total, int64_t bytes, int64_t total_bytes)
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
	else if (store_folder_get_id(a->st, folder_id, &f) == 0) {
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
	pthread_mutex_unlock(&a->lock);
	ev.u.state.state = state;
	ev.u.state.reason = account_text(why);
	account_post(a, &ev);
}

static void
hook_folders_changed(void *arg)
{
	account_post(arg, &(struct account_event){ .kind = EV_FOLDERS });
}

static void
hook_headers_changed(void *arg, int64_t folder_id)
{
	account_post_headers(arg, folder_id);
}

static void
hook_progress(void *arg, int64_t folder_id, long n, long total)
{
	account_progress(arg, folder_id, NULL, n, total, 0, 0);
}

static void
hook_new_mail(void *arg, int64_t folder_id, long n)
{
	struct account_event ev = { .kind = EV_NEWMAIL };

	ev.u.newmail.folder_id = folder_id;
	ev.u.newmail.n = n;
	account_post(arg, &ev);
}

static void
hook_gone(void *arg, int64_t folder_id, long n, long total)
{
	struct account_event ev = { .kind = EV_GONE };

	ev.u.gone.folder_id = folder_id;
	ev.u.gone.n = n;
	ev.u.gone.total = total;
	account_post(arg, &ev);
}

static void
hook_notice(void *arg, const char *text)
{
	account_notice(arg, text);
}

static enum backend_status account_serve_urgent(struct account *, char **);
static enum backend_status account_serve_search(struct account *,
    struct account_req *, char **);
static enum backend_status account_oneshot_folder(struct account *,
    const char *, int);
static void account_fail_search(struct account *, const char *);
static int account_pending(struct account *, unsigned);

static int
hook_between(void *arg)
{
	struct account *a = arg;
	enum backend_status status;
	char *err = NULL;
	int leave;

	status = account_serve_urgent(a, &err);
	if (err != NULL) {
		account_error(a, err);
		free(err);
	}
	pthread_mutex_lock(&a->lock);
	leave = account_pending(a, REQ_BIT(REQ_OPEN));
	pthread_mutex_unlock(&a->lock);
	return leave || status == BACKEND_ERR_NET;
}

/* The account. */

struct account *
account_new(struct account_config *cfg, struct evqueue *q,
    const char *store_path, char **err)
{
	struct account *a;

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
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	a->state = ACCOUNT_OFFLINE;
	return a;
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

/* Wake the worker after a request was recorded (lock held). */
static void
account_kick(struct account *a)
{
	pthread_cond_signal(&a->cond);
	/* The worker may be waiting in IDLE rather than on the condition. */
	if (a->be != NULL && a->ops->wake != NULL)
		a->ops->wake(a->be);
}

/* Whether the backend does requests of KIND (others are not queued). */
static int
account_serves(const struct account *a, enum account_req_kind kind)
{
	switch (kind) {
	case REQ_POP3_DELETE:
		return a->ops->delete_one != NULL;
	case REQ_POP3_FETCH:
		return a->ops->fetch_one != NULL;
	case REQ_POP3_PREVIEW:
		return a->ops->preview != NULL;
	case REQ_POLL:
		return a->ops->poll_folders != NULL;
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
	account_reqq_add(&a->reqs, r);
	account_kick(a);
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
	account_kick(a);
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

/*
 * Serve the request R taken from the queue (its contents are taken).
 * Failures that leave the session usable are reported here; a lost
 * connection (the request queued again when it is worth repeating) and
 * a failed push are returned with *ERR set.
 */
static enum backend_status
account_serve(struct account *a, struct account_req *r, char **err)
{
	enum backend_status status = BACKEND_OK;

	switch (r->kind) {
	case REQ_BODY:
		status = account_serve_body(a, r, err);
		break;
	case REQ_GONE:
		account_serve_gone(a, r);
		break;
	case REQ_PUSH:
		status = a->ops->push_pending(a->be, err);
		if (status == BACKEND_ERR_NET)
			account_request(a, r);
		break;
	case REQ_FOLDER_OP:
		status = account_serve_folder_op(a, r, err);
		break;
	case REQ_SEARCH:
		status = account_serve_search(a, r, err);
		break;
	default:
		break;
	}
	account_req_release(r);
	return status;
}

static int
account_stopping(struct account *a)
{
	int stop;

	pthread_mutex_lock(&a->lock);
	stop = a->stop;
	pthread_mutex_unlock(&a->lock);
	return stop;
}

/*
 * Run what the user waits for: bodies to show, changes to push, folder
 * operations, a search. Called between requests and between the batches
 * of a long sync.
 */
static enum backend_status
account_serve_urgent(struct account *a, char **err)
{
	enum backend_status status = BACKEND_OK;
	struct account_req r;

	while (status == BACKEND_OK && account_take(a, REQS_BETWEEN, &r))
		status = account_serve(a, &r, err);
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

/* One-shot run: the folder list, then FOLDER or every subscribed folder. */
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
	fill = account_take(a, REQ_BIT(REQ_FILL), &r);
	if ((status = a->ops->push_pending(a->be, &err)) != BACKEND_OK)
		goto fail;
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

static enum backend_status account_fill_bodies_of(struct account *,
    const char *, size_t, int);

/*
 * cache = bodies: fetch the newest bodies of folder NAME that the cache
 * lacks (config prefetch), in the background, giving way to requests.
 */
static enum backend_status
account_prefetch(struct account *a, const char *name)
{
	if (a->cfg->cache != CACHE_BODIES || a->cfg->prefetch <= 0)
		return BACKEND_OK;
	return account_fill_bodies_of(a, name, (size_t)a->cfg->prefetch, 1);
}

/* Make the folder of the open request R (taken) the open folder. */
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
 * What an interactive session serves: every request but the POP3 ones and
 * the body fill of one-shot runs.
 */
#define REQS_SESSION (REQS_ALL & ~REQS_POP3 & ~REQ_BIT(REQ_FILL))

/* An interactive session: serve requests until the connection drops. */
static enum backend_status
account_run_session(struct account *a)
{
	struct account_req r;
	enum backend_status status;
	char *err = NULL, *folder = NULL;
	time_t last_sync = 0, last_poll = 0;
	int sync_list = 1, sync_folder = 1, poll, busy;

	/* Changes queued while offline (or before a drop) go out first. */
	memset(&r, 0, sizeof r);
	r.kind = REQ_PUSH;
	pthread_mutex_lock(&a->lock);
	account_reqq_add(&a->reqs, &r);
	pthread_mutex_unlock(&a->lock);

	for (;;) {
		if ((status = account_serve_urgent(a, &err)) != BACKEND_OK)
			goto report;
		if (sync_list) {
			status = a->ops->sync_folders(a->be, &err);
			if (status != BACKEND_OK)
				goto report;
			sync_list = 0;
			account_resolve_folder(a);
		}
		if (account_take(a, REQ_BIT(REQ_OPEN), &r)) {
			account_set_folder(a, &r);
			sync_folder = 1;
		}
		pthread_mutex_lock(&a->lock);
		free(folder);
		folder = xstrdup(a->folder != NULL ? a->folder : "INBOX");
		pthread_mutex_unlock(&a->lock);
		if (sync_folder) {
			sync_folder = 0;
			last_sync = time(NULL);
			status = account_sync_folder(a, folder);
			if (status == BACKEND_ERR_NET)
				goto out;
			if (status == BACKEND_OK &&
			    account_prefetch(a, folder) == BACKEND_ERR_NET)
				goto out;
			continue;
		}
		/* Other folders' counts, every status_interval or asked. */
		poll = account_take(a, REQ_BIT(REQ_POLL), &r);
		if (a->ops->poll_folders != NULL && (poll ||
		    (a->cfg->status_interval > 0 &&
		    time(NULL) - last_poll >= a->cfg->status_interval))) {
			last_poll = time(NULL);
			status = a->ops->poll_folders(a->be, folder, &err);
			if (status == BACKEND_ERR_NET)
				goto out;
			if (status != BACKEND_OK) {
				account_error(a, err);
				free(err);
				err = NULL;
			}
			continue;
		}
		/* Wait for news on the open folder (IDLE), or a request. */
		pthread_mutex_lock(&a->lock);
		busy = account_pending(a, REQS_SESSION);
		pthread_mutex_unlock(&a->lock);
		if (a->ops->wait != NULL && !busy) {
			int secs = IDLE_MAX;

			if (a->cfg->status_interval > 0) {
				secs = (int)(last_poll +
				    a->cfg->status_interval - time(NULL));
				if (secs < 1)
					secs = 1;
				if (secs > IDLE_MAX)
					secs = IDLE_MAX;
			}
			status = a->ops->wait(a->be, folder, secs, &err);
			if (status == BACKEND_OK) {
				last_sync = time(NULL);
				continue;
			}
			if (status == BACKEND_ERR_NET)
				goto out;
			/* Cannot IDLE here: say why, then wait and poll. */
			if (status != BACKEND_ERR_NOTFOUND)
				account_error(a, err);
			free(err);
			err = NULL;
		}
		/* No IDLE: wait for a request, or for the time to check. */
		pthread_mutex_lock(&a->lock);
		while (!account_pending(a, REQS_SESSION)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
			if (time(NULL) - last_sync >= RESYNC_INTERVAL) {
				memset(&r, 0, sizeof r);
				r.kind = REQ_SYNC;
				account_reqq_add(&a->reqs, &r);
				break;
			}
		}
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			/*
			 * Leaving: send what the user just queued (an
			 * expunge on quit); account_stop() bounds the time.
			 */
			status = a->ops->push_pending(a->be, &err);
			if (status != BACKEND_OK)
				log_msg(LOG_WARN, "account: changes left queued "
				    "at exit: %s", err != NULL ? err : "");
			status = BACKEND_OK;
			goto out;
		}
		if (account_reqq_take(&a->reqs, REQ_BIT(REQ_SYNC), &r))
			sync_list = sync_folder = 1;
		pthread_mutex_unlock(&a->lock);
	}
report:
	if (err != NULL && status != BACKEND_ERR_NET)
		account_error(a, err);
out:
	free(err);
	free(folder);
	return status;
}

/* Sleep SECONDS unless stopped or asked to sync; returns nonzero if stopped. */
static int
account_wait(struct account *a, int seconds)
{
	struct account_req r;
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&a->lock);
	while (!account_pending(a, REQ_BIT(REQ_SYNC)))
		if (pthread_cond_timedwait(&a->cond, &a->lock, &ts) ==
		    ETIMEDOUT)
			break;
	/* A new session syncs everything. */
	account_reqq_take(&a->reqs, REQ_BIT(REQ_SYNC), &r);
	stop = a->stop;
	pthread_mutex_unlock(&a->lock);
	return stop;
}

/*
 * POP3. A POP3 session is short: each check connects, logs in, does what
 * waits (deletions and downloads asked from the preview, the check itself,
 * the preview listing) and ends with QUIT, which is when the server
 * applies its deletions. Between checks the account is online but not
 * connected; a check runs every pop3_interval, on account_sync_now(), or
 * when a POP3 request arrives. A failed session gives its work back, to
 * be done by the next one: every step can be repeated without harm.
 */

/* What one POP3 session is to do. */
struct account_pop3_work {
	int check;
	int preview;
	char **fetch;
	size_t nfetch;
	char **del;
	size_t ndel;
};

static void
account_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Add a copy of S to the list V of N strings unless it is there. */
static void
account_strv_add(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
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

static void
account_pop3_work_release(struct account_pop3_work *w)
{
	account_strv_free(w->fetch, w->nfetch);
	account_strv_free(w->del, w->ndel);
	memset(w, 0, sizeof *w);
}

/* Take the POP3 requests waiting into W (lock held); nonzero if any. */
static int
account_pop3_take(struct account *a, struct account_pop3_work *w)
{
	struct account_req r;
	int any = 0;

	while (account_reqq_take(&a->reqs, REQS_POP3, &r)) {
		any = 1;
		if (r.kind == REQ_POP3_PREVIEW)
			w->preview = 1;
		else if (r.kind == REQ_POP3_FETCH)
			account_strv_add(&w->fetch, &w->nfetch, r.u.pop3.uidl);
		else
			account_strv_add(&w->del, &w->ndel, r.u.pop3.uidl);
		account_req_release(&r);
	}
	return any;
}

/* Add the work of CARRY (a session that could not do it) to W. */
static void
account_pop3_merge(struct account_pop3_work *w,
    struct account_pop3_work *carry)
{
	size_t i;

	w->check |= carry->check;
	w->preview |= carry->preview;
	for (i = 0; i < carry->nfetch; i++)
		account_strv_add(&w->fetch, &w->nfetch, carry->fetch[i]);
	for (i = 0; i < carry->ndel; i++)
		account_strv_add(&w->del, &w->ndel, carry->del[i]);
	account_pop3_work_release(carry);
}

static void
hook_progress_bytes(void *arg, int64_t folder_id, long n, long total,
    int64_t bytes, int64_t total_bytes)
{
	account_progress(arg, folder_id, NULL, n, total, bytes, total_bytes);
}

static void
hook_preview_changed(void *arg)
{
	account_post(arg, &(struct account_event){ .kind = EV_PREVIEW });
}

/* Between download batches: serve the UI, stop when asked to. */
static int
hook_pop3_between(void *arg)
{
	struct account *a = arg;
	char *err = NULL;

	account_serve_urgent(a, &err);
	if (err != NULL) {
		account_error(a, err);
		free(err);
	}
	return account_stopping(a);
}

/* Report a failed step that does not end the session; 1 if it does. */
static int
account_pop3_step(struct account *a, enum backend_status *status,
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
 * One session doing W. Returns BACKEND_OK when it ended with QUIT (steps
 * that failed on their own were reported), else the status that ended it
 * with *ERR set.
 */
static enum backend_status
account_pop3_session(struct account *a, struct account_pop3_work *w,
    int *failed_r, char **err)
{
	enum backend_status status;
	size_t i;

	account_set_state(a, ACCOUNT_CONNECTING, NULL);
	status = a->ops->connect(a->be, a->cred, err);
	if (status != BACKEND_OK)
		return status;
	account_set_state(a, ACCOUNT_ONLINE, NULL);
	for (i = 0; i < w->ndel; i++) {
		status = a->ops->delete_one(a->be, w->del[i], err);
		*failed_r |= status != BACKEND_OK;
		if (account_pop3_step(a, &status, err))
			return status;
	}
	for (i = 0; i < w->nfetch && !account_stopping(a); i++) {
		status = a->ops->fetch_one(a->be, w->fetch[i], err);
		*failed_r |= status != BACKEND_OK;
		if (account_pop3_step(a, &status, err))
			return status;
	}
	if (w->check && !account_stopping(a)) {
		status = a->ops->push_pending(a->be, err);
		if (status == BACKEND_OK)
			status = a->ops->sync_folders(a->be, err);
		if (status == BACKEND_OK)
			status = a->ops->sync_folder(a->be, "INBOX", err);
		*failed_r |= status != BACKEND_OK;
		if (account_pop3_step(a, &status, err))
			return status;
	}
	if (w->preview && !account_stopping(a)) {
		status = a->ops->preview(a->be, err);
		*failed_r |= status != BACKEND_OK;
		if (account_pop3_step(a, &status, err))
			return status;
	}
	return a->ops->logout(a->be, err);
}

/*
 * Wait for POP3 work: a request, or the time NEXT of the next check (-1:
 * none), serving local requests (bodies, flags) meanwhile. Returns 0 when
 * stopped.
 */
static int
account_pop3_wait(struct account *a, time_t next,
    struct account_pop3_work *w)
{
	struct account_req r;
	struct timespec ts;
	char *err = NULL;
	int asked, due, sync;

	for (;;) {
		account_serve_urgent(a, &err);
		if (err != NULL) {
			account_error(a, err);
			free(err);
			err = NULL;
		}
		/* The local Inbox is always up to date: nothing to open. */
		if (account_take(a, REQ_BIT(REQ_OPEN), &r))
			account_set_folder(a, &r);
		pthread_mutex_lock(&a->lock);
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			return 0;
		}
		memset(w, 0, sizeof *w);
		asked = account_pop3_take(a, w);
		due = next >= 0 && time(NULL) >= next;
		sync = account_reqq_take(&a->reqs, REQ_BIT(REQ_SYNC), &r);
		if (asked || due || sync) {
			w->check = due || sync;
			pthread_mutex_unlock(&a->lock);
			return 1;
		}
		if (!account_pending(a, REQS_BETWEEN | REQ_BIT(REQ_OPEN))) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
		}
		pthread_mutex_unlock(&a->lock);
	}
}

/*
 * The POP3 worker: checks until stopped, or one run when one-shot, which
 * returns nonzero when it failed (the caller posts EV_DONE).
 */
static int
account_pop3_run(struct account *a)
{
	struct account_pop3_work w, carry;
	enum backend_status status;
	char *err = NULL;
	time_t next = time(NULL);
	int backoff = BACKOFF_FIRST, interval = a->cfg->pop3_interval;
	int failed;

	if (a->oneshot) {
		/* Requests queued before the start replace the check. */
		memset(&w, 0, sizeof w);
		pthread_mutex_lock(&a->lock);
		w.check = !account_pop3_take(a, &w);
		pthread_mutex_unlock(&a->lock);
		failed = 0;
		status = account_pop3_session(a, &w, &failed, &err);
		if (status != BACKEND_OK) {
			account_set_state(a, ACCOUNT_FAILED, err);
			account_error(a, err);
			failed = 1;
		}
		free(err);
		account_pop3_work_release(&w);
		return failed;
	}
	memset(&carry, 0, sizeof carry);
	while (account_pop3_wait(a, next, &w)) {
		account_pop3_merge(&w, &carry);
		failed = 0;
		status = account_pop3_session(a, &w, &failed, &err);
		if (status == BACKEND_OK) {
			account_pop3_work_release(&w);
			account_set_state(a, ACCOUNT_ONLINE, NULL);
			backoff = BACKOFF_FIRST;
			next = interval > 0 ? time(NULL) + interval : -1;
			continue;
		}
		if (account_stopping(a)) {
			account_pop3_work_release(&w);
			break;
		}
		if (status == BACKEND_ERR_AUTH || status == BACKEND_ERR_TLS) {
			/* Retrying would not help: wait for the user ($). */
			account_pop3_work_release(&w);
			account_set_state(a, ACCOUNT_FAILED, err);
			next = -1;
		} else {
			/* Nothing is lost: the next session redoes it all. */
			carry = w;
			account_set_state(a, ACCOUNT_WAITING, err);
			next = time(NULL) + backoff;
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
			    backoff * 2;
		}
		free(err);
		err = NULL;
	}
	account_pop3_work_release(&carry);
	return 0;
}

static void *
account_worker(void *arg)
{
	struct account *a = arg;
	struct backend_hooks hooks;
	enum backend_status status;
	char *err = NULL;
	int backoff = BACKOFF_FIRST, failed = 1;
	void *be;

	memset(&hooks, 0, sizeof hooks);
	hooks.arg = a;
	hooks.folders_changed = hook_folders_changed;
	hooks.headers_changed = hook_headers_changed;
	hooks.progress = hook_progress;
	hooks.between = a->oneshot ? NULL : hook_between;
	hooks.progress_bytes = hook_progress_bytes;
	hooks.preview_changed = hook_preview_changed;
	if (a->ops->logout != NULL && !a->oneshot)
		hooks.between = hook_pop3_between;
	hooks.new_mail = hook_new_mail;
	hooks.gone = hook_gone;
	hooks.notice = hook_notice;
	pthread_mutex_lock(&a->lock);
	a->be = a->ops->new(a->cfg, a->st, &hooks);
	pthread_mutex_unlock(&a->lock);
	/* A damaged cache was set aside when it was opened: say so. */
	if ((err = store_take_notice(a->st)) != NULL) {
		account_notice(a, err);
		free(err);
		err = NULL;
	}

	if (a->ops->logout != NULL)	/* POP3: a short session per check */
		failed = account_pop3_run(a);
	while (a->ops->logout == NULL && !account_stopping(a)) {
		account_set_state(a, ACCOUNT_CONNECTING, NULL);
		status = a->ops->connect(a->be, a->cred, &err);
		if (status == BACKEND_OK) {
			backoff = BACKOFF_FIRST;
			account_set_state(a, ACCOUNT_ONLINE, NULL);
			if (a->oneshot) {
				failed = account_run_oneshot(a);
				break;
			}
			status = account_run_session(a);
			if (status == BACKEND_OK)
				break;	/* stopped */
			err = xstrdup(_("connection lost"));
		}
		if (account_stopping(a))
			break;
		if (a->oneshot) {
			account_set_state(a, ACCOUNT_FAILED, err);
			account_error(a, err);
			failed = 1;
			break;
		}
		/* A search asked for meanwhile goes to the cache. */
		account_fail_search(a, err != NULL ? err :
		    _("not connected"));
		if (status == BACKEND_ERR_AUTH || status == BACKEND_ERR_TLS) {
			/* Retrying would not help; wait for the user. */
			account_set_state(a, ACCOUNT_FAILED, err);
			free(err);
			err = NULL;
			if (account_wait(a, 24 * 3600))
				break;
			continue;
		}
		account_set_state(a, ACCOUNT_WAITING, err);
		free(err);
		err = NULL;
		if (account_wait(a, backoff))
			break;
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
	free(err);
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
	return 0;
}

void
account_stop(struct account *a)
{
	struct timespec ts;

	/* NULL: an account of --offline, never started. */
	if (a == NULL || !a->started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_broadcast(&a->cond);
	if (a->be != NULL && a->ops->wake != NULL)
		a->ops->wake(a->be);
	/* A moment to send what is queued and log out politely... */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_GRACE;
	while (!a->finished)
		if (pthread_cond_timedwait(&a->cond, &a->lock, &ts) ==
		    ETIMEDOUT)
			break;
	/* ... then unblock any network call; be is freed under the lock. */
	if (!a->finished && a->be != NULL)
		a->ops->interrupt(a->be);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
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
	account_reqq_release(&a->reqs);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/*
 * Search and the body cache: account_search() leaves one search waiting,
 * which the worker serves with its urgent requests (also between the
 * batches of a long sync); tern sync --bodies fills the body cache after
 * each folder's headers.
 */

/* Bodies asked of the backend per step (it splits them into commands). */
#define ACCOUNT_BODY_STEP 200

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
	account_kick(a);
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

/* Fetch the bodies that folder NAME lacks in the cache, newest first. */
static enum backend_status
account_fill_folder(struct account *a, const char *name)
{
	return account_fill_bodies_of(a, name, SIZE_MAX, 0);
}

/*
 * Fetch at most MAX bodies that folder NAME lacks, newest first. In the
 * BACKGROUND, urgent requests are served between batches and a change of
 * folder ends the work early.
 */
static enum backend_status
account_fill_bodies_of(struct account *a, const char *name, size_t max,
    int background)
{
	enum backend_status status = BACKEND_OK;
	struct store_folder f;
	int64_t *ids = NULL;
	size_t n = 0, i, k;
	char *label = NULL, *err = NULL;

	if (a->ops->fetch_bodies == NULL)
		return BACKEND_OK;
	if (store_folder_get(a->st, name, &f) != 0)
		return BACKEND_OK;
	if (store_msg_without_body(a->st, f.id, max, &ids, &n) != 0) {
		err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(a->st));
		account_error(a, err);
		goto out;
	}
	if (n == 0)
		goto out;
	label = xasprintf(_("%s bodies"), f.display != NULL ? f.display :
	    f.name);
	account_progress(a, f.id, label, 0, (long)n, 0, 0);
	for (i = 0; i < n && !account_stopping(a); i += k) {
		k = n - i < ACCOUNT_BODY_STEP ? n - i : ACCOUNT_BODY_STEP;
		status = a->ops->fetch_bodies(a->be, ids + i, k, &err);
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
		account_progress(a, f.id, label, (long)(i + k), (long)n, 0, 0);
		if (background && i + k < n && hook_between(a))
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
 * One-shot work after folder NAME is synced: with FILL its bodies, then
 * the search asked for.
 */
static enum backend_status
account_oneshot_folder(struct account *a, const char *name, int fill)
{
	enum backend_status status = BACKEND_OK;
	struct account_req r;
	char *err = NULL;

	if (fill && (status = account_fill_folder(a, name)) != BACKEND_OK)
		return status;
	if (account_take(a, REQ_BIT(REQ_SEARCH), &r))
		status = account_serve(a, &r, &err);
	if (err != NULL)
		account_error(a, err);
	free(err);
	return status;
}
