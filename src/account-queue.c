/*
 * The two queues of an account (account-queue.h): the request queue, with
 * its dedupe per kind, and the event queue, a ring under a lock with a
 * pipe as its wake fd.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account-queue.h"
#include "log.h"
#include "search.h"
#include "xmalloc.h"

struct evqueue {
	pthread_mutex_t lock;
	struct account_event *events;
	size_t head, n, alloc;
	int pipe[2];
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
	[REQ_COPIES] = DEDUPE_SAME,
	[REQ_SYNC] = DEDUPE_SAME,
	[REQ_FILL] = DEDUPE_NEWER,
	[REQ_POLL] = DEDUPE_SAME,
};

/* The request queue. */

void
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
	case REQ_FILL:
		free(r->u.fill.folder);
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
struct account_req *
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
void
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
int
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
int
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

void
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

void
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

