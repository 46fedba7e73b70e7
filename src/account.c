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
#include "password.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

/* Reconnection delays grow from the first to the last, in seconds. */
#define BACKOFF_FIRST 2
#define BACKOFF_MAX 300
/* With nothing to do, the open folder is checked again this often. */
#define RESYNC_INTERVAL 120

struct evqueue {
	pthread_mutex_t lock;
	struct account_event *events;
	size_t head, n, alloc;
	int pipe[2];
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
	int oneshot;
	char *folder;		/* the open folder */
	int folder_changed;	/* it changed since the last sync */
	int want_sync;
	int want_push;
	int64_t *bodies;	/* message ids waiting for their body */
	size_t nbodies, abodies;
	enum account_state state;
	char *password;
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

static enum backend_status account_serve_urgent(struct account *, char **);

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
	a->q = q;
	if (store_open(store_path, cfg->name, &a->st, err) != 0) {
		free(a);
		return NULL;
	}
	a->ops = &imap_backend;
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
account_sync_now(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	a->want_sync = 1;
	account_kick(a);
	pthread_mutex_unlock(&a->lock);
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
	pthread_mutex_lock(&a->lock);
	push = a->want_push;
	a->want_push = 0;
	pthread_mutex_unlock(&a->lock);
	if (push && (status = a->ops->push_pending(a->be, err)) ==
	    BACKEND_ERR_NET)
		account_push_pending(a);
	return status;
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
	pthread_mutex_lock(&a->lock);
	folder = xstrdup(a->folder);
	pthread_mutex_unlock(&a->lock);
	if (folder != NULL) {
		status = account_sync_folder(a, folder);
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
		if (status == BACKEND_ERR_NET)
			return 1;
		if (status != BACKEND_OK)
			failed = 1;
	}
	store_folder_list_free(list, n);
	return failed;
fail:
	account_post(a, EV_ERROR, 0, 0, 0, err);
	free(err);
	return 1;
}

/* An interactive session: serve requests until the connection drops. */
static enum backend_status
account_run_session(struct account *a)
{
	enum backend_status status;
	char *err = NULL, *folder = NULL;
	time_t last_sync = 0;
	int sync_list = 1, sync_folder = 1;

	for (;;) {
		if ((status = account_serve_urgent(a, &err)) != BACKEND_OK)
			goto report;
		if (sync_list) {
			status = a->ops->sync_folders(a->be, &err);
			if (status != BACKEND_OK)
				goto report;
			sync_list = 0;
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
			continue;
		}
		/* Wait for a request, or for the time to check again. */
		pthread_mutex_lock(&a->lock);
		while (!a->stop && !a->folder_changed && !a->want_sync &&
		    !a->want_push && a->nbodies == 0) {
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

/* Get the password for one login; NULL with *ERR set if there is none. */
static char *
account_password(struct account *a, char **err)
{
	char *pw = NULL;

	if (a->cfg->password_cmd != NULL)
		return password_from_cmd(a->cfg->password_cmd, err);
	pthread_mutex_lock(&a->lock);
	if (a->password != NULL)
		pw = xstrdup(a->password);
	pthread_mutex_unlock(&a->lock);
	if (pw == NULL)
		*err = xstrdup(_("no password given"));
	return pw;
}

static void *
account_worker(void *arg)
{
	struct account *a = arg;
	struct backend_hooks hooks;
	enum backend_status status;
	char *err = NULL, *pw;
	int backoff = BACKOFF_FIRST, failed;
	void *be;

	memset(&hooks, 0, sizeof hooks);
	hooks.arg = a;
	hooks.folders_changed = hook_folders_changed;
	hooks.headers_changed = hook_headers_changed;
	hooks.progress = hook_progress;
	hooks.between = a->oneshot ? NULL : hook_between;
	pthread_mutex_lock(&a->lock);
	a->be = a->ops->new(a->cfg, a->st, &hooks);
	pthread_mutex_unlock(&a->lock);

	while (!account_stopping(a)) {
		account_set_state(a, ACCOUNT_CONNECTING, NULL);
		if ((pw = account_password(a, &err)) == NULL)
			status = BACKEND_ERR_AUTH;
		else {
			status = a->ops->connect(a->be, pw, &err);
			xfree_secret(pw);
		}
		if (status == BACKEND_OK) {
			backoff = BACKOFF_FIRST;
			account_set_state(a, ACCOUNT_ONLINE, NULL);
			if (a->oneshot) {
				failed = account_run_oneshot(a);
				account_post(a, EV_DONE, 0, failed, 0, NULL);
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
			account_post(a, EV_DONE, 0, 1, 0, NULL);
			break;
		}
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
	pthread_mutex_lock(&a->lock);
	be = a->be;
	a->be = NULL;
	pthread_mutex_unlock(&a->lock);
	a->ops->free(be);
	account_set_state(a, ACCOUNT_OFFLINE, NULL);
	return NULL;
}

int
account_start(struct account *a, const char *password, int oneshot,
    const char *folder)
{
	if (a->started)
		return -1;
	pthread_mutex_lock(&a->lock);
	a->password = xstrdup(password);
	a->oneshot = oneshot;
	free(a->folder);
	a->folder = xstrdup(folder);
	a->folder_changed = 1;
	a->stop = 0;
	pthread_mutex_unlock(&a->lock);
	if (pthread_create(&a->thread, NULL, account_worker, a) != 0)
		return -1;
	a->started = 1;
	return 0;
}

void
account_stop(struct account *a)
{
	if (!a->started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_broadcast(&a->cond);
	/* Unblock any network call; the worker frees be under the lock. */
	if (a->be != NULL)
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
	xfree_secret(a->password);
	free(a->folder);
	free(a->bodies);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
