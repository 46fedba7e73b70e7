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
#include "util.h"
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

/* A folder operation waiting for the worker. */
struct account_folder_req {
	enum backend_folder_op op;
	char *name;
	char *to;
};

/* The user's answer about messages that vanished on the server. */
struct account_gone_req {
	int64_t folder_id;
	int drop;
};

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
	char *folder;		/* the open folder */
	int folder_changed;	/* it changed since the last sync */
	int want_sync;
	int want_push;
	int want_poll;		/* poll the other folders' counts now */
	int64_t *bodies;	/* message ids waiting for their body */
	size_t nbodies, abodies;
	struct account_folder_req *folder_reqs;	/* folder operations */
	size_t nfolder_reqs;
	struct account_gone_req *gone_reqs;	/* answers to EV_GONE */
	size_t ngone_reqs;
	/* POP3 requests (see the POP3 section). */
	int want_preview;
	char **pop3_fetch;	/* UIDLs to download */
	size_t npop3_fetch;
	char **pop3_delete;	/* UIDLs to delete on the server */
	size_t npop3_delete;
	enum account_state state;
	struct cred *cred;	/* what it signs in with */
	/* A search waiting for the worker (account_search()). */
	struct search_node *search_q;
	char *search_folder;
	int search_sort, search_reverse;
	long search_serial;	/* the number of the one waiting */
	long search_last;	/* the last number given */
	int fill_bodies;	/* one-shot: fill the body cache too */
};

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
	free(ev->text);
	ev->text = NULL;
	free(ev->ids);
	ev->ids = NULL;
	ev->nids = 0;
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

static void
account_post(struct account *a, enum account_event_kind kind,
    int64_t folder_id, long n, long total, const char *text)
{
	struct account_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.account = a;
	ev.folder_id = folder_id;
	ev.msg_id = kind == EV_BODY ? folder_id : 0;
	ev.n = n;
	ev.total = total;
	pthread_mutex_lock(&a->lock);
	ev.state = a->state;
	pthread_mutex_unlock(&a->lock);
	/* Server text is made terminal-safe before it travels further. */
	ev.text = text != NULL ? text_sanitize_dup(text, 0) : NULL;
	evqueue_post(a->q, &ev);
}

static void
account_set_state(struct account *a, enum account_state state,
    const char *why)
{
	pthread_mutex_lock(&a->lock);
	a->state = state;
	pthread_mutex_unlock(&a->lock);
	account_post(a, EV_STATE, 0, 0, 0, why);
}

static void
hook_folders_changed(void *arg)
{
	account_post(arg, EV_FOLDERS, 0, 0, 0, NULL);
}

static void
hook_headers_changed(void *arg, int64_t folder_id)
{
	account_post(arg, EV_HEADERS, folder_id, 0, 0, NULL);
}

static void
hook_progress(void *arg, int64_t folder_id, long n, long total)
{
	struct account *a = arg;
	struct store_folder f;
	char *name = NULL;

	if (store_folder_get_id(a->st, folder_id, &f) == 0) {
		name = f.display;
		f.display = NULL;
		store_folder_release(&f);
	}
	account_post(a, EV_PROGRESS, folder_id, n, total, name);
	free(name);
}

static void
hook_new_mail(void *arg, int64_t folder_id, long n)
{
	account_post(arg, EV_NEWMAIL, folder_id, n, 0, NULL);
}

static void
hook_gone(void *arg, int64_t folder_id, long n, long total)
{
	account_post(arg, EV_GONE, folder_id, n, total, NULL);
}

static void
hook_notice(void *arg, const char *text)
{
	account_post(arg, EV_NOTICE, 0, 0, 0, text);
}

static enum backend_status account_serve_urgent(struct account *, char **);
static enum backend_status account_serve_search(struct account *, char **);
static enum backend_status account_oneshot_folder(struct account *,
    const char *);
static void account_fail_search(struct account *, const char *);

static int
hook_between(void *arg)
{
	struct account *a = arg;
	enum backend_status status;
	char *err = NULL;
	int leave;

	status = account_serve_urgent(a, &err);
	if (err != NULL) {
		account_post(a, EV_ERROR, 0, 0, 0, err);
		free(err);
	}
	pthread_mutex_lock(&a->lock);
	leave = a->stop || a->folder_changed;
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

void
account_open_folder(struct account *a, const char *folder)
{
	pthread_mutex_lock(&a->lock);
	if (a->folder == NULL || strcmp(a->folder, folder) != 0) {
		free(a->folder);
		a->folder = xstrdup(folder);
		a->folder_changed = 1;
	}
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

void
account_fetch_body(struct account *a, int64_t msg_id)
{
	size_t i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->nbodies; i++)
		if (a->bodies[i] == msg_id)
			break;
	if (i == a->nbodies) {
		if (a->nbodies == a->abodies) {
			a->abodies = a->abodies == 0 ? 8 : a->abodies * 2;
			a->bodies = xreallocarray(a->bodies, a->abodies,
			    sizeof *a->bodies);
		}
		a->bodies[a->nbodies++] = msg_id;
	}
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

void
account_push_pending(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	a->want_push = 1;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

void
account_poll_folders(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	a->want_poll = 1;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

void
account_sync_now(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	a->want_sync = 1;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

static void
account_folder_request(struct account *a, enum backend_folder_op op,
    const char *name, const char *to)
{
	struct account_folder_req *r;

	pthread_mutex_lock(&a->lock);
	a->folder_reqs = xreallocarray(a->folder_reqs, a->nfolder_reqs + 1,
	    sizeof *a->folder_reqs);
	r = &a->folder_reqs[a->nfolder_reqs++];
	r->op = op;
	r->name = xstrdup(name);
	r->to = xstrdup(to);
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
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
	pthread_mutex_lock(&a->lock);
	a->gone_reqs = xreallocarray(a->gone_reqs, a->ngone_reqs + 1,
	    sizeof *a->gone_reqs);
	a->gone_reqs[a->ngone_reqs].folder_id = folder_id;
	a->gone_reqs[a->ngone_reqs].drop = drop;
	a->ngone_reqs++;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

/*
 * Apply the user's answers about vanished messages: they touch only the
 * cache, so they are done even offline.
 */
static void
account_serve_gone(struct account *a)
{
	struct account_gone_req req;

	for (;;) {
		pthread_mutex_lock(&a->lock);
		if (a->ngone_reqs == 0) {
			pthread_mutex_unlock(&a->lock);
			return;
		}
		req = a->gone_reqs[0];
		memmove(a->gone_reqs, a->gone_reqs + 1,
		    (a->ngone_reqs - 1) * sizeof *a->gone_reqs);
		a->ngone_reqs--;
		pthread_mutex_unlock(&a->lock);
		if (!req.drop)
			continue;
		if (store_folder_drop_gone(a->st, req.folder_id) != 0) {
			char *err = xasprintf(_("cannot update the cache: %s"),
			    store_errmsg(a->st));

			account_post(a, EV_ERROR, 0, 0, 0, err);
			free(err);
			continue;
		}
		account_post(a, EV_HEADERS, req.folder_id, 0, 0, NULL);
		account_post(a, EV_FOLDERS, 0, 0, 0, NULL);
	}
}

/* Run the folder operations the user asked for. */
static enum backend_status
account_serve_folders(struct account *a, char **err)
{
	struct account_folder_req req;
	enum backend_status status;

	for (;;) {
		pthread_mutex_lock(&a->lock);
		if (a->stop || a->nfolder_reqs == 0) {
			pthread_mutex_unlock(&a->lock);
			return BACKEND_OK;
		}
		req = a->folder_reqs[0];
		memmove(a->folder_reqs, a->folder_reqs + 1,
		    (a->nfolder_reqs - 1) * sizeof *a->folder_reqs);
		a->nfolder_reqs--;
		pthread_mutex_unlock(&a->lock);
		if (a->ops->folder_op == NULL) {
			account_post(a, EV_ERROR, 0, 0, 0,
			    _("this account has no server folders"));
			status = BACKEND_OK;
		} else
			status = a->ops->folder_op(a->be, req.op, req.name,
			    req.to, err);
		if (status == BACKEND_ERR_NET) {
			/* Try again once reconnected. */
			account_folder_request(a, req.op, req.name, req.to);
		} else if (status != BACKEND_OK) {
			account_post(a, EV_ERROR, 0, 0, 0, *err);
			free(*err);
			*err = NULL;
		}
		free(req.name);
		free(req.to);
		if (status == BACKEND_ERR_NET)
			return status;
	}
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
 * Run what the user waits for: bodies to show and changes to push. Called
 * between requests and between the batches of a long sync.
 */
static enum backend_status
account_serve_urgent(struct account *a, char **err)
{
	enum backend_status status = BACKEND_OK;
	int64_t msg_id;
	int push;

	for (;;) {
		pthread_mutex_lock(&a->lock);
		if (a->stop || a->nbodies == 0) {
			pthread_mutex_unlock(&a->lock);
			break;
		}
		msg_id = a->bodies[0];
		memmove(a->bodies, a->bodies + 1,
		    (a->nbodies - 1) * sizeof *a->bodies);
		a->nbodies--;
		pthread_mutex_unlock(&a->lock);
		status = a->ops->fetch_body(a->be, msg_id, err);
		if (status == BACKEND_OK) {
			account_post(a, EV_BODY, msg_id, 0, 0, NULL);
			continue;
		}
		if (status == BACKEND_ERR_NET) {
			/* Ask again after reconnecting. */
			account_fetch_body(a, msg_id);
			return status;
		}
		account_post(a, EV_ERROR, 0, 0, 0, *err);
		free(*err);
		*err = NULL;
	}
	account_serve_gone(a);
	pthread_mutex_lock(&a->lock);
	push = a->want_push;
	a->want_push = 0;
	pthread_mutex_unlock(&a->lock);
	if (push && (status = a->ops->push_pending(a->be, err)) ==
	    BACKEND_ERR_NET) {
		account_push_pending(a);
		return status;
	}
	if (status == BACKEND_OK)
		status = account_serve_folders(a, err);
	if (status == BACKEND_OK)
		status = account_serve_search(a, err);
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
		account_post(a, EV_ERROR, 0, 0, 0, err);
	free(err);
	return status;
}

/* One-shot run: the folder list, then FOLDER or every subscribed folder. */
static int
account_run_oneshot(struct account *a)
{
	struct store_folder *list = NULL;
	enum backend_status status;
	char *err = NULL, *folder;
	size_t n = 0, i;
	int failed = 0;

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
			status = account_oneshot_folder(a, folder);
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
			status = account_oneshot_folder(a, list[i].name);
		if (status != BACKEND_OK)
			failed = 1;
		if (status == BACKEND_ERR_NET)
			break;
	}
	store_folder_list_free(list, n);
	return failed;
fail:
	account_post(a, EV_ERROR, 0, 0, 0, err);
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

/* Nonzero when a request waits for the worker. */
static int
account_busy(struct account *a)
{
	int busy;

	pthread_mutex_lock(&a->lock);
	busy = a->stop || a->folder_changed || a->want_sync || a->want_push ||
	    a->want_poll ||
	    a->nbodies > 0 || a->nfolder_reqs > 0 || a->ngone_reqs > 0 ||
	    a->search_q != NULL;
	pthread_mutex_unlock(&a->lock);
	return busy;
}

/* An interactive session: serve requests until the connection drops. */
static enum backend_status
account_run_session(struct account *a)
{
	enum backend_status status;
	char *err = NULL, *folder = NULL;
	time_t last_sync = 0, last_poll = 0;
	int sync_list = 1, sync_folder = 1, poll;

	/* Changes queued while offline (or before a drop) go out first. */
	pthread_mutex_lock(&a->lock);
	a->want_push = 1;
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
		pthread_mutex_lock(&a->lock);
		if (a->folder_changed) {
			sync_folder = 1;
			a->folder_changed = 0;
		}
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
		pthread_mutex_lock(&a->lock);
		poll = a->want_poll;
		a->want_poll = 0;
		pthread_mutex_unlock(&a->lock);
		if (a->ops->poll_folders != NULL && (poll ||
		    (a->cfg->status_interval > 0 &&
		    time(NULL) - last_poll >= a->cfg->status_interval))) {
			last_poll = time(NULL);
			status = a->ops->poll_folders(a->be, folder, &err);
			if (status == BACKEND_ERR_NET)
				goto out;
			if (status != BACKEND_OK) {
				account_post(a, EV_ERROR, 0, 0, 0, err);
				free(err);
				err = NULL;
			}
			continue;
		}
		/* Wait for news on the open folder (IDLE), or a request. */
		if (a->ops->wait != NULL && !account_busy(a)) {
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
				account_post(a, EV_ERROR, 0, 0, 0, err);
			free(err);
			err = NULL;
		}
		/* No IDLE: wait for a request, or for the time to check. */
		pthread_mutex_lock(&a->lock);
		while (!a->stop && !a->folder_changed && !a->want_sync &&
		    !a->want_push && a->nbodies == 0 && a->nfolder_reqs == 0 &&
		    a->ngone_reqs == 0 && a->search_q == NULL) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
			if (time(NULL) - last_sync >= RESYNC_INTERVAL) {
				a->want_sync = 1;
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
		if (a->want_sync) {
			a->want_sync = 0;
			sync_list = sync_folder = 1;
		}
		pthread_mutex_unlock(&a->lock);
	}
report:
	if (err != NULL && status != BACKEND_ERR_NET)
		account_post(a, EV_ERROR, 0, 0, 0, err);
out:
	free(err);
	free(folder);
	return status;
}

/* Sleep SECONDS unless stopped or asked to sync; returns nonzero if stopped. */
static int
account_wait(struct account *a, int seconds)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&a->lock);
	while (!a->stop && !a->want_sync)
		if (pthread_cond_timedwait(&a->cond, &a->lock, &ts) ==
		    ETIMEDOUT)
			break;
	a->want_sync = 0;
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
	pthread_mutex_lock(&a->lock);
	a->want_preview = 1;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

void
account_pop3_fetch(struct account *a, const char *uidl)
{
	pthread_mutex_lock(&a->lock);
	account_strv_add(&a->pop3_fetch, &a->npop3_fetch, uidl);
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

void
account_pop3_delete(struct account *a, const char *uidl)
{
	pthread_mutex_lock(&a->lock);
	account_strv_add(&a->pop3_delete, &a->npop3_delete, uidl);
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
}

static void
account_pop3_work_release(struct account_pop3_work *w)
{
	util_strv_free(w->fetch, w->nfetch);
	util_strv_free(w->del, w->ndel);
	memset(w, 0, sizeof *w);
}

/* Take the POP3 requests waiting into W (lock held); nonzero if any. */
static int
account_pop3_take(struct account *a, struct account_pop3_work *w)
{
	w->preview = a->want_preview;
	w->fetch = a->pop3_fetch;
	w->nfetch = a->npop3_fetch;
	w->del = a->pop3_delete;
	w->ndel = a->npop3_delete;
	a->want_preview = 0;
	a->pop3_fetch = a->pop3_delete = NULL;
	a->npop3_fetch = a->npop3_delete = 0;
	return w->preview || w->nfetch > 0 || w->ndel > 0;
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
	struct account *a = arg;
	struct account_event ev;
	struct store_folder f;

	memset(&ev, 0, sizeof ev);
	ev.kind = EV_PROGRESS;
	ev.account = a;
	ev.folder_id = folder_id;
	ev.n = n;
	ev.total = total;
	ev.bytes = bytes;
	ev.total_bytes = total_bytes;
	if (store_folder_get_id(a->st, folder_id, &f) == 0) {
		ev.text = text_sanitize_dup(f.display, 0);
		store_folder_release(&f);
	}
	pthread_mutex_lock(&a->lock);
	ev.state = a->state;
	pthread_mutex_unlock(&a->lock);
	evqueue_post(a->q, &ev);
}

static void
hook_preview_changed(void *arg)
{
	account_post(arg, EV_PREVIEW, 0, 0, 0, NULL);
}

/* Between download batches: serve the UI, stop when asked to. */
static int
hook_pop3_between(void *arg)
{
	struct account *a = arg;
	char *err = NULL;

	account_serve_urgent(a, &err);
	if (err != NULL) {
		account_post(a, EV_ERROR, 0, 0, 0, err);
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
		account_post(a, EV_ERROR, 0, 0, 0, *err);
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
	struct timespec ts;
	char *err = NULL;
	int urgent, asked, due;

	for (;;) {
		account_serve_urgent(a, &err);
		if (err != NULL) {
			account_post(a, EV_ERROR, 0, 0, 0, err);
			free(err);
			err = NULL;
		}
		pthread_mutex_lock(&a->lock);
		/* The local Inbox is always up to date: nothing to open. */
		a->folder_changed = 0;
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			return 0;
		}
		memset(w, 0, sizeof *w);
		asked = account_pop3_take(a, w);
		due = next >= 0 && time(NULL) >= next;
		if (asked || due || a->want_sync) {
			w->check = due || a->want_sync;
			a->want_sync = 0;
			pthread_mutex_unlock(&a->lock);
			return 1;
		}
		urgent = a->nbodies > 0 || a->want_push;
		if (!urgent) {
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
			account_post(a, EV_ERROR, 0, 0, 0, err);
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
		account_post(a, EV_NOTICE, 0, 0, 0, err);
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
			account_post(a, EV_ERROR, 0, 0, 0, err);
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
		account_post(a, EV_DONE, 0, failed, 0, NULL);
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
	if (a->started)
		return -1;
	pthread_mutex_lock(&a->lock);
	cred_set_password(a->cred, password);
	a->oneshot = oneshot;
	free(a->folder);
	a->folder = xstrdup(folder);
	a->folder_changed = 1;
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
	free(a->bodies);
	while (a->nfolder_reqs > 0) {
		a->nfolder_reqs--;
		free(a->folder_reqs[a->nfolder_reqs].name);
		free(a->folder_reqs[a->nfolder_reqs].to);
	}
	free(a->folder_reqs);
	free(a->gone_reqs);
	search_free(a->search_q);
	free(a->search_folder);
	util_strv_free(a->pop3_fetch, a->npop3_fetch);
	util_strv_free(a->pop3_delete, a->npop3_delete);
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
	long serial;

	pthread_mutex_lock(&a->lock);
	search_free(a->search_q);
	free(a->search_folder);
	a->search_q = search_dup(q);
	a->search_folder = xstrdup(folder);
	a->search_sort = sort;
	a->search_reverse = reverse;
	serial = a->search_serial = ++a->search_last;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
	return serial;
}

void
account_fill_bodies(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	a->fill_bodies = 1;
	pthread_mutex_unlock(&a->lock);
}

/* Post EV_SEARCH: IDS (taken) found, or WHY the server was not asked. */
static void
account_post_search(struct account *a, long serial, int64_t folder_id,
    int64_t *ids, size_t n, const char *why)
{
	struct account_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = EV_SEARCH;
	ev.account = a;
	ev.folder_id = folder_id;
	ev.n = serial;
	ev.total = why != NULL;
	pthread_mutex_lock(&a->lock);
	ev.state = a->state;
	pthread_mutex_unlock(&a->lock);
	ev.text = why != NULL ? text_sanitize_dup(why, 0) : NULL;
	ev.ids = ids;
	ev.nids = n;
	evqueue_post(a->q, &ev);
}

/* Take the waiting search: 1 if there was one. */
static int
account_take_search(struct account *a, struct search_node **q_r,
    char **folder_r, long *serial_r, int *sort_r, int *reverse_r)
{
	pthread_mutex_lock(&a->lock);
	*q_r = a->search_q;
	*folder_r = a->search_folder;
	*serial_r = a->search_serial;
	*sort_r = a->search_sort;
	*reverse_r = a->search_reverse;
	a->search_q = NULL;
	a->search_folder = NULL;
	pthread_mutex_unlock(&a->lock);
	return *q_r != NULL;
}

static void
account_fail_search(struct account *a, const char *why)
{
	struct search_node *q;
	char *folder;
	long serial;
	int sort, reverse;

	if (!account_take_search(a, &q, &folder, &serial, &sort, &reverse))
		return;
	account_post_search(a, serial, -1, NULL, 0, why);
	search_free(q);
	free(folder);
}

/*
 * Ask the server the waiting search, if any. Only a lost connection is
 * returned; any failure is answered to the UI, which searches the cache.
 */
static enum backend_status
account_serve_search(struct account *a, char **err)
{
	enum backend_status status = BACKEND_OK;
	struct search_node *q;
	struct store_folder f;
	uint32_t *uids = NULL;
	int64_t *ids = NULL;
	size_t n = 0, nids = 0;
	char *folder, *why = NULL;
	long serial;
	int sort, reverse, r;

	if (!account_take_search(a, &q, &folder, &serial, &sort, &reverse))
		return BACKEND_OK;
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
	status = a->ops->search(a->be, folder, q, &uids, &n, &why);
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
	if (store_search_uids(a->st, f.id, uids, n, sort, reverse, &ids,
	    &nids) != 0) {
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
	search_free(q);
	free(folder);
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
		account_post(a, EV_ERROR, 0, 0, 0, err);
		goto out;
	}
	if (n == 0)
		goto out;
	label = xasprintf(_("%s bodies"), f.display != NULL ? f.display :
	    f.name);
	account_post(a, EV_PROGRESS, f.id, 0, (long)n, label);
	for (i = 0; i < n && !account_stopping(a); i += k) {
		k = n - i < ACCOUNT_BODY_STEP ? n - i : ACCOUNT_BODY_STEP;
		status = a->ops->fetch_bodies(a->be, ids + i, k, &err);
		if (status == BACKEND_ERR_NET || status == BACKEND_ERR_LOCAL) {
			account_post(a, EV_ERROR, 0, 0, 0, err);
			goto out;
		}
		if (status != BACKEND_OK) {
			/* One bad batch does not stop the others. */
			account_post(a, EV_ERROR, 0, 0, 0, err);
			free(err);
			err = NULL;
			status = BACKEND_OK;
		}
		account_post(a, EV_PROGRESS, f.id, (long)(i + k), (long)n,
		    label);
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

/* One-shot work after folder NAME is synced: bodies, then a search. */
static enum backend_status
account_oneshot_folder(struct account *a, const char *name)
{
	enum backend_status status = BACKEND_OK;
	char *err = NULL;
	int fill;

	pthread_mutex_lock(&a->lock);
	fill = a->fill_bodies;
	pthread_mutex_unlock(&a->lock);
	if (fill && (status = account_fill_folder(a, name)) != BACKEND_OK)
		return status;
	status = account_serve_search(a, &err);
	if (err != NULL)
		account_post(a, EV_ERROR, 0, 0, 0, err);
	free(err);
	return status;
}
