/*
 * Unit tests of the account engine (src/account.c) driven by a fake
 * backend: a struct backend_ops of test functions that count their calls,
 * on an ephemeral store, with short delays (account_set_timing()) so that
 * the suite ends in a few seconds. A long-session fake (IDLE, as IMAP)
 * and a short-session one (as POP3) show reconnection with backoff, no
 * retry after a refused sign-in, urgent requests served between the
 * batches of a long sync before background ones, dedupe, a stop during a
 * blocked operation, one-shot runs, a short session's work kept for
 * the next one when it fails, and the second connection: the background
 * work on a session of its own while the first serves the user, and back
 * on the first while the second cannot sign in.
 */
#include "autoconfig.h"

#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "backend.h"
#include "config.h"
#include "search.h"
#include "xmalloc.h"

/* The delays the engine gets here, in milliseconds. */
#define T_BACKOFF_FIRST 40
#define T_BACKOFF_MAX 160
#define T_STOP_GRACE 100

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The fake backend. Everything is guarded by lock; every call broadcasts
 * cond so that the test thread can wait for a count.
 */
static struct fake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const struct backend_hooks *hooks;
	/* What it does. */
	enum backend_status connect_status;	/* after fail_connects */
	int fail_connects;	/* the first connects fail: BACKEND_ERR_NET */
	int gate;		/* sync_folder() waits until the test opens it */
	int block;		/* sync_folder() blocks until interrupted */
	int batches;		/* sync_folder(): calls of between() */
	/* What happened. */
	int connects, sync_folders, sync_folder, bodies, pushes, polls;
	int waits, interrupts, logouts, previews, fetch_ones, delete_ones;
	int folder_ops, copies, checks, checks2;
	/* The second connection (two): its session is &F2, its calls "2:". */
	int two, news, second_fail, connects2, poll_gate, in_poll, frees2;
	int drop_wait;		/* wait() returns a drop */
	int64_t connect_at[64];
	int64_t last_body;
	int in_sync;		/* held in sync_folder() by the gate */
	int idle;		/* blocked in wait(): nothing else to do */
	int woken;
	int interrupted;
	char log[4096];		/* the calls in order, space-separated */
} F;

/* The second connection's session. */
static int F2;

/* The log's prefix for the calls of session B. */
static const char *
who(const void *b)
{
	return b == &F2 ? "2:" : "";
}

static void
fake_reset(void)
{
	memset(&F, 0, sizeof F);
	pthread_mutex_init(&F.lock, NULL);
	pthread_cond_init(&F.cond, NULL);
	F.connect_status = BACKEND_OK;
}

static void fake_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Append WORD to the log (lock held). */
static void
fake_log(const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(F.log);

	va_start(ap, fmt);
	vsnprintf(F.log + len, sizeof F.log - len, fmt, ap);
	va_end(ap);
	len = strlen(F.log);
	if (len + 1 < sizeof F.log) {
		F.log[len] = ' ';
		F.log[len + 1] = '\0';
	}
}

/*
 * A call of the backend that only counts: *COUNTER one up and PREFIX,
 * WHAT and ARG (may be NULL) as a word of the log, the waiters woken.
 * Returns OK.
 */
static enum backend_status
fake_count(int *counter, const char *prefix, const char *what,
    const char *arg)
{
	pthread_mutex_lock(&F.lock);
	(*counter)++;
	fake_log("%s%s%s", prefix, what, arg != NULL ? arg : "");
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	return BACKEND_OK;
}

/* Wait until *FIELD >= WANT or MS pass; returns whether it came. */
static int
until(const int *field, int want, int ms)
{
	struct timespec ts;
	int got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&F.lock);
	while (*field < want)
		if (pthread_cond_timedwait(&F.cond, &F.lock, &ts) != 0)
			break;
	got = *field >= want;
	pthread_mutex_unlock(&F.lock);
	return got;
}

/* Read a count under the lock. */
static int
seen(const int *field)
{
	int v;

	pthread_mutex_lock(&F.lock);
	v = *field;
	pthread_mutex_unlock(&F.lock);
	return v;
}

/* The position of WORD in the log from FROM on, or -1. */
static long
logpos_from(const char *word, long from)
{
	const char *p;
	long pos;

	pthread_mutex_lock(&F.lock);
	p = strstr(F.log + from, word);
	pos = p != NULL ? p - F.log : -1;
	pthread_mutex_unlock(&F.lock);
	return pos;
}

/* The position of WORD in the log, or -1. */
static long
logpos(const char *word)
{
	return logpos_from(word, 0);
}

static void *
fake_new(const struct account_config *cfg, struct store *st,
    const struct backend_hooks *hooks)
{
	(void)cfg;
	(void)st;
	/* With two, the worker's session comes first: the second waits. */
	if (F.two && F.news++ > 0)
		return &F2;
	F.hooks = hooks;
	return &F;
}

static enum backend_status
fake_connect(void *b, struct cred *cred, char **err)
{
	enum backend_status status;

	(void)cred;
	pthread_mutex_lock(&F.lock);
	if (b == &F2) {
		F.connects2++;
		fake_log("2:connect");
		pthread_cond_broadcast(&F.cond);
		pthread_mutex_unlock(&F.lock);
		if (!F.second_fail)
			return BACKEND_OK;
		*err = xstrdup("too many connections");
		return BACKEND_ERR_NET;
	}
	if (F.connects < 64)
		F.connect_at[F.connects] = now_ms();
	status = F.connects < F.fail_connects ? BACKEND_ERR_NET :
	    F.connect_status;
	F.connects++;
	fake_log("connect");
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	if (status != BACKEND_OK)
		*err = xstrdup(status == BACKEND_ERR_AUTH ? "refused" :
		    "unreachable");
	return status;
}

static enum backend_status
fake_sync_folders(void *b, char **err)
{
	(void)b;
	(void)err;
	return fake_count(&F.sync_folders, "", "folders", NULL);
}

static enum backend_status
fake_sync_folder(void *b, const char *name, char **err)
{
	int i, batches, leave = 0;

	(void)b;
	pthread_mutex_lock(&F.lock);
	F.sync_folder++;
	fake_log("sync{%s", name);
	F.in_sync = 1;
	pthread_cond_broadcast(&F.cond);
	while ((F.gate || F.block) && !F.interrupted)
		pthread_cond_wait(&F.cond, &F.lock);
	F.in_sync = 0;
	if (F.interrupted) {
		fake_log("interrupted}");
		pthread_mutex_unlock(&F.lock);
		*err = xstrdup("interrupted");
		return BACKEND_ERR_NET;
	}
	batches = F.batches;
	pthread_mutex_unlock(&F.lock);
	for (i = 0; i < batches && !leave; i++) {
		pthread_mutex_lock(&F.lock);
		fake_log("batch");
		pthread_mutex_unlock(&F.lock);
		if (F.hooks->between != NULL)
			leave = F.hooks->between(F.hooks->arg);
	}
	pthread_mutex_lock(&F.lock);
	fake_log("}");
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	return BACKEND_OK;
}

static enum backend_status
fake_fetch_body(void *b, int64_t msg_id, char **err)
{
	(void)err;
	pthread_mutex_lock(&F.lock);
	F.bodies++;
	F.last_body = msg_id;
	fake_log("%sbody%lld", who(b), (long long)msg_id);
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	return BACKEND_OK;
}

static enum backend_status
fake_push_pending(void *b, char **err)
{
	(void)err;
	return fake_count(&F.pushes, who(b), "push", NULL);
}

static enum backend_status
fake_save_copies(void *b, char **err)
{
	(void)err;
	return fake_count(&F.copies, who(b), "copies", NULL);
}

static enum backend_status
fake_check_open(void *b, const char *name, char **err)
{
	(void)name;
	(void)err;
	pthread_mutex_lock(&F.lock);
	if (b == &F2)
		F.checks2++;
	else
		F.checks++;
	fake_log("%scheck", who(b));
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	return BACKEND_OK;
}

static void
fake_interrupt(void *b)
{
	(void)b;
	pthread_mutex_lock(&F.lock);
	F.interrupts++;
	F.interrupted = 1;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

static void
fake_free(void *b)
{
	if (b != &F2)
		return;
	pthread_mutex_lock(&F.lock);
	F.frees2++;
	fake_log("2:free");
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

/* IDLE: block until wake() or SECONDS; idle says it blocks. */
static enum backend_status
fake_wait(void *b, const char *name, int seconds, char **err)
{
	struct timespec ts;

	(void)b;
	(void)name;
	(void)err;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&F.lock);
	F.waits++;
	if (F.drop_wait) {
		F.drop_wait = 0;
		pthread_mutex_unlock(&F.lock);
		*err = xstrdup("dropped");
		return BACKEND_ERR_NET;
	}
	if (!F.woken) {
		F.idle = 1;
		pthread_cond_broadcast(&F.cond);
		while (!F.woken)
			if (pthread_cond_timedwait(&F.cond, &F.lock, &ts) != 0)
				break;
		F.idle = 0;
	}
	F.woken = 0;
	pthread_mutex_unlock(&F.lock);
	return BACKEND_OK;
}

static void
fake_wake(void *b)
{
	(void)b;
	pthread_mutex_lock(&F.lock);
	F.woken = 1;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

static enum backend_status
fake_poll_folders(void *b, const char *name, char **err)
{
	(void)name;
	(void)err;
	pthread_mutex_lock(&F.lock);
	fake_log("%spoll{", who(b));
	/* Held while the test keeps the gate shut. */
	F.in_poll = 1;
	pthread_cond_broadcast(&F.cond);
	while (F.poll_gate && !F.interrupted)
		pthread_cond_wait(&F.cond, &F.lock);
	F.in_poll = 0;
	F.polls++;
	fake_log("}");
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
	return BACKEND_OK;
}

static enum backend_status
fake_folder_op(void *b, enum backend_folder_op op, const char *name,
    const char *to, char **err)
{
	(void)b;
	(void)op;
	(void)to;
	(void)err;
	return fake_count(&F.folder_ops, "", "folder:", name);
}

static enum backend_status
fake_preview(void *b, char **err)
{
	(void)b;
	(void)err;
	return fake_count(&F.previews, "", "preview", NULL);
}

static enum backend_status
fake_fetch_one(void *b, const char *uidl, char **err)
{
	(void)b;
	(void)err;
	return fake_count(&F.fetch_ones, "", "fetch:", uidl);
}

static enum backend_status
fake_delete_one(void *b, const char *uidl, char **err)
{
	(void)b;
	(void)err;
	return fake_count(&F.delete_ones, "", "dele:", uidl);
}

static enum backend_status
fake_logout(void *b, char **err)
{
	(void)b;
	(void)err;
	return fake_count(&F.logouts, "", "logout", NULL);
}

/* A long session that can IDLE, as IMAP. */
static const struct backend_ops fake_long = {
	.name = "fake-long",
	.caps = BACKEND_CAP_IDLE,
	.new = fake_new,
	.connect = fake_connect,
	.sync_folders = fake_sync_folders,
	.sync_folder = fake_sync_folder,
	.fetch_body = fake_fetch_body,
	.push_pending = fake_push_pending,
	.interrupt = fake_interrupt,
	.free = fake_free,
	.wait = fake_wait,
	.wake = fake_wake,
	.poll_folders = fake_poll_folders,
	.folder_op = fake_folder_op,
};

/* The same with the outbox's copies, as IMAP. */
static const struct backend_ops fake_copies = {
	.name = "fake-copies",
	.caps = BACKEND_CAP_IDLE,
	.new = fake_new,
	.connect = fake_connect,
	.sync_folders = fake_sync_folders,
	.sync_folder = fake_sync_folder,
	.fetch_body = fake_fetch_body,
	.push_pending = fake_push_pending,
	.save_copies = fake_save_copies,
	.interrupt = fake_interrupt,
	.free = fake_free,
	.wait = fake_wait,
	.wake = fake_wake,
	.poll_folders = fake_poll_folders,
	.check_open = fake_check_open,
	.folder_op = fake_folder_op,
};

/* Short sessions, as POP3. */
static const struct backend_ops fake_short = {
	.name = "fake-short",
	.caps = BACKEND_CAP_SHORT_SESSION,
	.new = fake_new,
	.connect = fake_connect,
	.sync_folders = fake_sync_folders,
	.sync_folder = fake_sync_folder,
	.fetch_body = fake_fetch_body,
	.push_pending = fake_push_pending,
	.interrupt = fake_interrupt,
	.free = fake_free,
	.preview = fake_preview,
	.fetch_one = fake_fetch_one,
	.delete_one = fake_delete_one,
	.logout = fake_logout,
};

/* The events the test has read. */
struct seen {
	int state[ACCOUNT_FAILED + 1];	/* EV_STATE per state */
	enum account_state last_state;
	int errors, bodies, searches, done, done_failed;
	long last_serial;
};

/* The account under test, its queue and config. */
struct rig {
	struct account_config cfg;
	struct evqueue *q;
	struct account *a;
	struct seen ev;
};

static void
rig_open_at(struct rig *r, const struct backend_ops *ops, const char *path)
{
	struct account_timing t = {
		.backoff_first = T_BACKOFF_FIRST,
		.backoff_max = T_BACKOFF_MAX,
		.auth_retry = 60 * 1000,
		.resync = 60 * 1000,
		.stop_grace = T_STOP_GRACE,
	};
	char *err = NULL;

	fake_reset();
	memset(r, 0, sizeof *r);
	r->cfg.name = "fake";
	r->cfg.host = "fake.invalid";
	r->cfg.proto = ops == &fake_short ? PROTO_POP3 : PROTO_IMAP;
	r->cfg.cache = CACHE_HEADERS;
	ck_assert((r->q = evqueue_new()) != NULL);
	r->a = account_new(&r->cfg, r->q, path, &err);
	ck_assert_msg(r->a != NULL, "account_new: %s", err);
	account_set_backend(r->a, ops);
	account_set_timing(r->a, &t);
}

static void
rig_open(struct rig *r, const struct backend_ops *ops)
{
	rig_open_at(r, ops, NULL);
}

/*
 * The second connection needs a cache file: DIR (a new directory, removed
 * by rig_remove()) holds it. Two connections; no timers of their own.
 */
static void
rig_open_two(struct rig *r, char *dir, size_t size)
{
	char path[256];

	snprintf(dir, size, "/tmp/check-account-XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/fake.db", dir);
	rig_open_at(r, &fake_copies, path);
	F.two = 1;
	r->cfg.connections = 2;
	r->cfg.status_interval = 0;
}

/* Remove DIR of rig_open_two() and the cache files in it. */
static void
rig_remove(const char *dir)
{
	static const char *const files[] = { "fake.db", "fake.db-wal",
	    "fake.db-shm", "fake.db.clean" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}

/* Shut or open the gate of poll_folders(). */
static void
poll_gate(int shut)
{
	pthread_mutex_lock(&F.lock);
	F.poll_gate = shut;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

/* Read every event that waits. */
static void
rig_drain(struct rig *r)
{
	struct account_event ev;

	while (evqueue_next(r->q, &ev)) {
		switch (ev.kind) {
		case EV_STATE:
			r->ev.state[ev.u.state.state]++;
			r->ev.last_state = ev.u.state.state;
			break;
		case EV_ERROR:
			r->ev.errors++;
			break;
		case EV_BODY:
			r->ev.bodies++;
			break;
		case EV_SEARCH:
			r->ev.searches++;
			r->ev.last_serial = ev.u.search.serial;
			break;
		case EV_DONE:
			r->ev.done++;
			r->ev.done_failed = ev.u.done.failed;
			break;
		default:
			break;
		}
		account_event_release(&ev);
	}
}

/* Read events until EV_DONE or MS pass; returns whether it came. */
static int
rig_until_done(struct rig *r, int ms)
{
	int64_t end = now_ms() + ms;
	struct pollfd pfd;

	for (;;) {
		rig_drain(r);
		if (r->ev.done > 0 || now_ms() >= end)
			return r->ev.done > 0;
		pfd.fd = evqueue_fd(r->q);
		pfd.events = POLLIN;
		poll(&pfd, 1, 20);
	}
}

static void
rig_close(struct rig *r)
{
	account_free(r->a);
	rig_drain(r);
	evqueue_free(r->q);
}

/* Let the worker held at the gate of sync_folder() go on. */
static void
open_gate(void)
{
	pthread_mutex_lock(&F.lock);
	F.gate = 0;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.lock);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

START_TEST(test_backoff)
{
	struct rig r;
	int64_t gap, want;
	int i;

	rig_open(&r, &fake_long);
	F.connect_status = BACKEND_ERR_NET;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert_msg(until(&F.connects, 6, 4000), "connects: %d",
	    seen(&F.connects));
	account_stop(r.a);
	/* Each delay doubles from the first up to the last. */
	for (i = 1; i < 6; i++) {
		want = (int64_t)T_BACKOFF_FIRST << (i - 1);
		if (want > T_BACKOFF_MAX)
			want = T_BACKOFF_MAX;
		gap = F.connect_at[i] - F.connect_at[i - 1];
		ck_assert_msg(gap >= want - 2, "delay %d: %lld ms, want %lld",
		    i, (long long)gap, (long long)want);
	}
	/* Capped: without the cap the fifth would be 640 ms. */
	gap = F.connect_at[5] - F.connect_at[4];
	ck_assert_msg(gap < 4 * T_BACKOFF_MAX, "delay 5: %lld ms",
	    (long long)gap);
	rig_drain(&r);
	ck_assert_int_ge(r.ev.state[ACCOUNT_WAITING], 5);
	ck_assert_int_eq(r.ev.state[ACCOUNT_FAILED], 0);
	ck_assert_int_eq(r.ev.last_state, ACCOUNT_OFFLINE);
	rig_close(&r);
}
END_TEST

START_TEST(test_no_retry_after_auth)
{
	struct rig r;

	rig_open(&r, &fake_long);
	F.connect_status = BACKEND_ERR_AUTH;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.connects, 1, 2000));
	/* Backoff would have tried again three times by now. */
	sleep_ms(8 * T_BACKOFF_FIRST);
	ck_assert_int_eq(seen(&F.connects), 1);
	rig_drain(&r);
	ck_assert_int_eq(r.ev.state[ACCOUNT_FAILED], 1);
	ck_assert_int_eq(r.ev.state[ACCOUNT_WAITING], 0);
	/* The user asks ($): one more try. */
	account_sync_now(r.a);
	ck_assert(until(&F.connects, 2, 2000));
	sleep_ms(4 * T_BACKOFF_FIRST);
	ck_assert_int_eq(seen(&F.connects), 2);
	rig_close(&r);
}
END_TEST

START_TEST(test_urgent_between_batches)
{
	struct rig r;
	long end, body, folder, poll, resync;

	rig_open(&r, &fake_long);
	F.gate = 1;
	F.batches = 3;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.in_sync, 1, 2000));
	/* Background requests first, then urgent ones, mid-sync. */
	account_poll_folders(r.a);
	account_sync_now(r.a);
	account_fetch_body(r.a, 42);
	account_folder_create(r.a, "new");
	open_gate();
	ck_assert(until(&F.idle, 1, 2000));
	end = logpos("}");
	body = logpos("body42");
	folder = logpos("folder:new");
	poll = logpos("poll");
	resync = logpos_from("sync{INBOX", end);
	ck_assert_msg(body > logpos("batch") && body < end,
	    "the body is fetched between batches: %s", F.log);
	ck_assert_msg(folder > 0 && folder < end,
	    "the folder is created between batches: %s", F.log);
	ck_assert_msg(poll > end && resync > end,
	    "background requests wait for the sync: %s", F.log);
	ck_assert_int_eq(seen(&F.polls), 1);
	ck_assert_int_eq(seen(&F.sync_folders), 2);
	rig_close(&r);
	ck_assert_int_eq(r.ev.bodies, 1);
}
END_TEST

START_TEST(test_dedupe)
{
	struct search_node *q = NULL;
	struct rig r;
	char *err = NULL;
	long serial;

	rig_open(&r, &fake_long);
	ck_assert_int_eq(search_parse("from:x", 6, &q, &err), 0);
	F.gate = 1;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.in_sync, 1, 2000));
	account_sync_now(r.a);
	account_sync_now(r.a);
	account_fetch_body(r.a, 7);
	account_fetch_body(r.a, 7);
	account_fetch_body(r.a, 8);
	account_push_pending(r.a);
	account_push_pending(r.a);
	account_poll_folders(r.a);
	account_poll_folders(r.a);
	account_search(r.a, "INBOX", q, 0, 0);
	serial = account_search(r.a, "INBOX", q, 0, 0);
	open_gate();
	ck_assert(until(&F.idle, 1, 2000));
	/* The session's first sync and push, then one of each asked. */
	ck_assert_int_eq(seen(&F.sync_folders), 2);
	ck_assert_int_eq(seen(&F.sync_folder), 2);
	ck_assert_int_eq(seen(&F.pushes), 2);
	ck_assert_int_eq(seen(&F.polls), 1);
	ck_assert_int_eq(seen(&F.bodies), 2);
	ck_assert_msg(logpos("body7") >= 0 && logpos("body8") >= 0, "%s",
	    F.log);
	rig_close(&r);
	/* The newer search replaced the older: one answer, the newer's. */
	ck_assert_int_eq(r.ev.searches, 1);
	ck_assert_int_eq(r.ev.last_serial, serial);
	search_free(q);
}
END_TEST

START_TEST(test_stop_blocked)
{
	struct rig r;
	int64_t t0, took;

	rig_open(&r, &fake_long);
	F.block = 1;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.in_sync, 1, 2000));
	t0 = now_ms();
	account_stop(r.a);
	took = now_ms() - t0;
	ck_assert_msg(took < T_STOP_GRACE + 1000, "stop took %lld ms",
	    (long long)took);
	ck_assert_int_eq(seen(&F.interrupts), 1);
	ck_assert_int_eq(seen(&F.connects), 1);
	rig_drain(&r);
	ck_assert_int_eq(r.ev.last_state, ACCOUNT_OFFLINE);
	rig_close(&r);
}
END_TEST

START_TEST(test_oneshot)
{
	struct rig r;

	rig_open(&r, &fake_long);
	ck_assert_int_eq(account_start(r.a, NULL, 1, "INBOX"), 0);
	ck_assert(rig_until_done(&r, 3000));
	ck_assert_int_eq(r.ev.done_failed, 0);
	ck_assert_int_eq(seen(&F.connects), 1);
	ck_assert_int_eq(seen(&F.pushes), 1);
	ck_assert_int_eq(seen(&F.sync_folders), 1);
	ck_assert_int_eq(seen(&F.sync_folder), 1);
	ck_assert_int_eq(seen(&F.waits), 0);
	rig_close(&r);

	/* A one-shot run that cannot connect fails at once. */
	rig_open(&r, &fake_long);
	F.connect_status = BACKEND_ERR_NET;
	ck_assert_int_eq(account_start(r.a, NULL, 1, "INBOX"), 0);
	ck_assert(rig_until_done(&r, 3000));
	ck_assert_int_eq(r.ev.done_failed, 1);
	ck_assert_int_eq(r.ev.errors, 1);
	ck_assert_int_eq(r.ev.state[ACCOUNT_FAILED], 1);
	sleep_ms(2 * T_BACKOFF_FIRST);
	ck_assert_int_eq(seen(&F.connects), 1);
	rig_close(&r);
}
END_TEST

START_TEST(test_short_sessions)
{
	struct rig r;
	int64_t gap;

	rig_open(&r, &fake_short);
	r.cfg.pop3_interval = 0;	/* checks only when asked */
	F.fail_connects = 1;
	/* Asked before the start: the first session's work. */
	account_pop3_fetch(r.a, "u1");
	account_pop3_fetch(r.a, "u1");
	account_pop3_delete(r.a, "u2");
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.logouts, 1, 3000));
	/* The failed session's work was done by the next, after a delay. */
	ck_assert_int_eq(seen(&F.connects), 2);
	gap = F.connect_at[1] - F.connect_at[0];
	ck_assert_msg(gap >= T_BACKOFF_FIRST - 2, "delay %lld ms",
	    (long long)gap);
	ck_assert_int_eq(seen(&F.delete_ones), 1);
	ck_assert_int_eq(seen(&F.fetch_ones), 1);
	ck_assert_int_eq(seen(&F.sync_folder), 1);
	ck_assert_msg(logpos("dele:u2") < logpos("fetch:u1") &&
	    logpos("fetch:u1") < logpos("sync{") &&
	    logpos("sync{") < logpos("logout"), "%s", F.log);
	/* Nothing asked, no interval: no session; a body is local. */
	account_fetch_body(r.a, 5);
	ck_assert(until(&F.bodies, 1, 2000));
	sleep_ms(2 * T_BACKOFF_FIRST);
	ck_assert_int_eq(seen(&F.connects), 2);
	/* A preview is a session of its own, without the check. */
	account_pop3_preview(r.a);
	ck_assert(until(&F.logouts, 2, 2000));
	ck_assert_int_eq(seen(&F.connects), 3);
	ck_assert_int_eq(seen(&F.previews), 1);
	ck_assert_int_eq(seen(&F.sync_folder), 1);
	/* account_sync_now() is the check. */
	account_sync_now(r.a);
	ck_assert(until(&F.logouts, 3, 2000));
	ck_assert_int_eq(seen(&F.sync_folder), 2);
	rig_close(&r);
	ck_assert_int_eq(r.ev.state[ACCOUNT_WAITING], 1);
	ck_assert_int_eq(r.ev.bodies, 1);
}
END_TEST

START_TEST(test_second_connection)
{
	struct rig r;
	char dir[64];
	long copies;

	rig_open_two(&r, dir, sizeof dir);
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.idle, 1, 2000));
	/* It signs in once the first has the folder list. */
	ck_assert(until(&F.connects2, 1, 2000));
	ck_assert_msg(logpos("2:connect") > logpos("folders"), "%s", F.log);
	sleep_ms(200);
	/* A poll on the second, held there ... */
	poll_gate(1);
	account_poll_folders(r.a);
	ck_assert(until(&F.in_poll, 1, 2000));
	ck_assert_msg(logpos("2:poll{") >= 0, "the second polls: %s", F.log);
	/* ... does not keep the first from fetching what the user opened. */
	account_fetch_body(r.a, 42);
	ck_assert(until(&F.bodies, 1, 2000));
	ck_assert_int_eq(seen(&F.in_poll), 1);
	ck_assert_int_eq(seen(&F.polls), 0);
	ck_assert_msg(logpos("2:body42") < 0 && logpos("body42") >= 0, "%s",
	    F.log);
	poll_gate(0);
	ck_assert(until(&F.polls, 1, 2000));
	/* A push is the first's; the copies after it the second's. */
	copies = seen(&F.copies);
	account_push_pending(r.a);
	ck_assert(until(&F.copies, (int)copies + 1, 2000));
	ck_assert_msg(logpos("2:copies") > logpos_from("push", 0), "%s",
	    F.log);
	ck_assert_int_eq(seen(&F.connects), 1);
	ck_assert_int_eq(seen(&F.connects2), 1);
	/*
	 * The first drops: the second logs out rather than hold a place the
	 * first's new sign-in may need, and signs in again after it.
	 */
	pthread_mutex_lock(&F.lock);
	F.drop_wait = 1;
	pthread_mutex_unlock(&F.lock);
	fake_wake(&F);
	ck_assert(until(&F.frees2, 1, 2000));
	ck_assert(until(&F.connects, 2, 2000));
	ck_assert(until(&F.connects2, 2, 2000));
	ck_assert_msg(logpos("2:free") < logpos_from("2:connect",
	    logpos("2:free")), "%s", F.log);
	rig_close(&r);
	rig_remove(dir);
}
END_TEST

/*
 * A timed poll while the second is up: the second polls the other
 * folders on its timer, and the first, whose IDLE the server may never
 * report on, checks the open folder on the same timer.
 */
START_TEST(test_second_timed)
{
	struct rig r;
	char dir[64];

	rig_open_two(&r, dir, sizeof dir);
	r.cfg.status_interval = 1;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.connects2, 1, 2000));
	ck_assert(until(&F.checks, 2, 4000));
	ck_assert(until(&F.polls, 2, 4000));
	ck_assert_msg(logpos("2:poll{") >= 0, "%s", F.log);
	/* The second never checks; the first polls at most at its start. */
	ck_assert_int_eq(seen(&F.checks2), 0);
	ck_assert_msg(logpos_from(" poll{", logpos("2:connect")) < 0, "%s",
	    F.log);
	rig_close(&r);
	rig_remove(dir);
}
END_TEST

START_TEST(test_second_refused)
{
	struct rig r;
	char dir[64];

	rig_open_two(&r, dir, sizeof dir);
	F.second_fail = 1;
	ck_assert_int_eq(account_start(r.a, NULL, 0, NULL), 0);
	ck_assert(until(&F.connects2, 1, 2000));
	ck_assert(until(&F.idle, 1, 2000));
	/* The second cannot sign in: its work is the first's. */
	account_poll_folders(r.a);
	ck_assert(until(&F.polls, 1, 2000));
	account_push_pending(r.a);
	ck_assert(until(&F.copies, 2, 2000));
	ck_assert_msg(logpos("2:poll") < 0 && logpos("2:copies") < 0 &&
	    logpos("poll{") >= 0, "%s", F.log);
	/* It tries again after the backoff, not in a loop. */
	sleep_ms(3 * T_BACKOFF_FIRST);
	ck_assert_int_ge(seen(&F.connects2), 2);
	ck_assert_int_le(seen(&F.connects2), 6);
	ck_assert_int_eq(seen(&F.connects), 1);
	rig_close(&r);
	rig_remove(dir);
}
END_TEST

static Suite *
account_suite(void)
{
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_no_retry_after_auth);
	tcase_add_test(tc, test_urgent_between_batches);
	tcase_add_test(tc, test_dedupe);
	tcase_add_test(tc, test_stop_blocked);
	tcase_add_test(tc, test_oneshot);
	tcase_add_test(tc, test_short_sessions);
	tcase_add_test(tc, test_second_connection);
	tcase_add_test(tc, test_second_timed);
	tcase_add_test(tc, test_second_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(account_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
