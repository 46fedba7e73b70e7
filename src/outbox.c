/*
 * The sender (see outbox.h): the outbox's entries over one SMTP session,
 * each state committed before the step it allows.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "smtp.h"
#include "store.h"
#include "strbuf.h"
#include "xmalloc.h"

/* Waits after a temporary failure: a minute, doubling up to an hour. */
#define OUTBOX_RETRY_FIRST	60
#define OUTBOX_RETRY_MAX	3600

struct outbox {
	const struct account_config *cfg;
	struct store *st;
	struct cred *cred;
	struct outbox_hooks hooks;
	pthread_mutex_t lock;	/* guards smtp for outbox_interrupt() */
	struct smtp *smtp;
	int stop;
};

void
outbox_report_release(struct outbox_report *r)
{
	free(r->error);
	memset(r, 0, sizeof *r);
}

struct outbox *
outbox_new(const struct account_config *cfg, struct store *st,
    struct cred *cred, const struct outbox_hooks *hooks)
{
	struct outbox *ob = xcalloc(1, sizeof *ob);

	ob->cfg = cfg;
	ob->st = st;
	ob->cred = cred;
	if (hooks != NULL)
		ob->hooks = *hooks;
	pthread_mutex_init(&ob->lock, NULL);
	return ob;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	pthread_mutex_destroy(&ob->lock);
	free(ob);
}

void
outbox_interrupt(struct outbox *ob)
{
	pthread_mutex_lock(&ob->lock);
	ob->stop = 1;
	if (ob->smtp != NULL)
		smtp_interrupt(ob->smtp);
	pthread_mutex_unlock(&ob->lock);
}

static void
outbox_notice(struct outbox *ob, const char *text)
{
	if (ob->hooks.notice != NULL)
		ob->hooks.notice(ob->hooks.arg, text);
}

static void
outbox_error(struct outbox *ob, const char *text)
{
	if (ob->hooks.error != NULL)
		ob->hooks.error(ob->hooks.arg, text);
}

/* The wait before the next try after ATTEMPTS failed ones. */
static int64_t
outbox_backoff(int attempts)
{
	int64_t wait = OUTBOX_RETRY_FIRST;

	while (attempts-- > 1 && wait < OUTBOX_RETRY_MAX)
		wait *= 2;
	return wait > OUTBOX_RETRY_MAX ? OUTBOX_RETRY_MAX : wait;
}

/* SMTP's callback before the final dot: the entry may now be out. */
struct outbox_dot {
	struct store *st;
	int64_t id;
};

static int
outbox_mark_sending(void *arg)
{
	struct outbox_dot *d = arg;

	/* If this cannot be recorded, the message must not go out. */
	return store_outbox_set_state(d->st, d->id, OUTBOX_SENDING, NULL, 0,
	    0) != 0;
}

/* What the user reads of a recipient list that failed in part. */
static char *
outbox_refused_text(const struct smtp_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < res->nrefused; i++) {
		if (i > 0)
			strbuf_addstr(&sb, "; ");
		strbuf_addf(&sb, "%s: %d %s", res->refused[i].addr,
		    res->refused[i].code, res->refused[i].text != NULL ?
		    res->refused[i].text : "");
	}
	return strbuf_detach(&sb, NULL);
}

/* Whether the Sent copy of what CFG sends is to be kept for IMAP. */
static int
outbox_keeps_copy(const struct account_config *cfg)
{
	return cfg->proto == PROTO_IMAP && cfg->sent != SENT_NONE;
}

/*
 * Send entry E (with its data) on the open session. Returns 0 when the
 * session may go on, 1 when it may not (a connection failure), -1 when
 * the store failed.
 */
static int
outbox_send_one(struct outbox *ob, struct store_outbox *e, int64_t now,
    struct outbox_report *rep)
{
	struct smtp_message m;
	struct smtp_result res;
	struct outbox_dot dot = { ob->st, e->id };
	char *text, *refused;
	int r = 0;

	memset(&m, 0, sizeof m);
	m.from = e->env_from;
	m.rcpts = (const char *const *)e->rcpts;
	m.nrcpt = e->nrcpt;
	m.data = e->data;
	m.len = e->len;
	memset(&res, 0, sizeof res);
	if (smtp_send(ob->smtp, &m, outbox_mark_sending, &dot, &res) != 0) {
		free(rep->error);
		rep->error = xstrdup(_("cannot send: out of memory"));
		return 1;
	}
	switch (res.outcome) {
	case SMTP_SENT:
		if (store_outbox_sent(ob->st, e->id,
		    outbox_keeps_copy(ob->cfg)) != 0) {
			/*
			 * Sent, yet the store cannot say so: it stays
			 * SENDING, which the next start reads as "may have
			 * been sent", never as "send again".
			 */
			free(rep->error);
			rep->error = xasprintf(_("message %s was sent, but the "
			    "cache cannot record it: %s"), e->message_id,
			    store_errmsg(ob->st));
			r = -1;
			break;
		}
		rep->sent++;
		if (res.nrefused > 0) {
			refused = outbox_refused_text(&res);
			text = xasprintf(_("message sent, but not to: %s"),
			    refused);
			outbox_error(ob, text);
			free(text);
			free(refused);
		}
		log_msg(LOG_INFO, "outbox: sent %s to %zu recipients",
		    e->message_id, e->nrcpt - res.nrefused);
		if (outbox_keeps_copy(ob->cfg) && ob->hooks.sent != NULL)
			ob->hooks.sent(ob->hooks.arg);
		break;
	case SMTP_TEMP:
		if (store_outbox_set_state(ob->st, e->id, OUTBOX_QUEUED,
		    res.text, now + outbox_backoff(e->attempts + 1), 1) != 0)
			r = -1;
		rep->waiting++;
		free(rep->error);
		rep->error = xstrdup(res.text != NULL ? res.text :
		    _("the server cannot take it now"));
		if (res.status != BACKEND_OK)
			r = r < 0 ? r : 1;
		break;
	case SMTP_PERM:
		text = res.nrefused > 0 ? outbox_refused_text(&res) :
		    xstrdup(res.text != NULL ? res.text : _("refused"));
		if (store_outbox_set_state(ob->st, e->id, OUTBOX_FAILED, text,
		    0, 1) != 0)
			r = -1;
		rep->failed++;
		free(rep->error);
		rep->error = xasprintf(_("message refused: %s"), text);
		outbox_error(ob, rep->error);
		free(text);
		break;
	case SMTP_UNKNOWN:
		if (store_outbox_set_state(ob->st, e->id, OUTBOX_UNKNOWN,
		    res.text, 0, 1) != 0)
			r = -1;
		rep->unknown++;
		free(rep->error);
		rep->error = xasprintf(_("message %s may have been sent (no "
		    "answer to its end): it is kept in the outbox"),
		    e->message_id);
		outbox_error(ob, rep->error);
		r = r < 0 ? r : 1;
		break;
	}
	smtp_result_release(&res);
	return r;
}

/* Put every due entry left back with a later try after a failed session. */
static void
outbox_postpone(struct outbox *ob, const struct store_outbox *list, size_t n,
    size_t from, int64_t now, int all, const char *why,
    struct outbox_report *rep)
{
	size_t i;

	for (i = from; i < n; i++) {
		if (list[i].state != OUTBOX_QUEUED ||
		    (!all && list[i].next_try > now))
			continue;
		store_outbox_set_state(ob->st, list[i].id, OUTBOX_QUEUED, why,
		    now + outbox_backoff(list[i].attempts + 1), 1);
		rep->waiting++;
	}
}

int
outbox_flush(struct outbox *ob, int64_t now, int all,
    struct outbox_report *rep)
{
	struct store_outbox *list = NULL, e;
	struct smtp *smtp;
	enum backend_status status;
	char *err = NULL;
	size_t n = 0, i;
	int rc = 0, r;

	memset(rep, 0, sizeof *rep);
	if (store_outbox_list(ob->st, &list, &n) != 0) {
		rep->error = xasprintf(_("cannot read the outbox: %s"),
		    store_errmsg(ob->st));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (list[i].state == OUTBOX_QUEUED &&
		    (all || list[i].next_try <= now))
			break;
	if (i == n)
		goto out;
	if (ob->cfg->smtp_host == NULL) {
		rep->error = xstrdup(_("no smtp server is set for this "
		    "account"));
		outbox_postpone(ob, list, n, i, now, all, rep->error, rep);
		goto out;
	}
	pthread_mutex_lock(&ob->lock);
	ob->stop = 0;
	ob->smtp = smtp_new(ob->cfg);
	pthread_mutex_unlock(&ob->lock);
	status = smtp_connect(ob->smtp, ob->cred, &err);
	if (status != BACKEND_OK) {
		rep->error = err;
		outbox_postpone(ob, list, n, i, now, all, err, rep);
		goto close;
	}
	for (; i < n; i++) {
		if (list[i].state != OUTBOX_QUEUED ||
		    (!all && list[i].next_try > now))
			continue;
		pthread_mutex_lock(&ob->lock);
		r = ob->stop;
		pthread_mutex_unlock(&ob->lock);
		if (r) {
			outbox_postpone(ob, list, n, i, now, all,
			    _("interrupted"), rep);
			break;
		}
		/* Another process may have taken it meanwhile: read again. */
		if (store_outbox_get(ob->st, list[i].id, &e) != 0)
			continue;
		if (e.state != OUTBOX_QUEUED) {
			store_outbox_release(&e);
			continue;
		}
		r = outbox_send_one(ob, &e, now, rep);
		store_outbox_release(&e);
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r > 0) {
			outbox_postpone(ob, list, n, i + 1, now, all,
			    rep->error, rep);
			break;
		}
	}
close:
	/* QUIT may wait for its reply: not with the lock that
	 * outbox_interrupt() takes. */
	pthread_mutex_lock(&ob->lock);
	smtp = ob->smtp;
	ob->smtp = NULL;
	pthread_mutex_unlock(&ob->lock);
	smtp_free(smtp);
out:
	store_outbox_list_free(list, n);
	if (rep->sent > 0) {
		char *text = xasprintf(ngettext("%d message sent",
		    "%d messages sent", rep->sent), rep->sent);

		outbox_notice(ob, text);
		free(text);
	}
	return rc;
}

int64_t
outbox_next_due(struct store *st)
{
	struct store_outbox *list;
	int64_t next = 0;
	size_t n, i;

	if (store_outbox_list(st, &list, &n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (list[i].state == OUTBOX_QUEUED &&
		    (next == 0 || list[i].next_try < next))
			next = list[i].next_try > 0 ? list[i].next_try : 1;
	store_outbox_list_free(list, n);
	return next;
}

int
outbox_queue(struct store *st, const struct compose_out *out,
    int64_t orig_msg_id, unsigned int orig_flags, int64_t draft_msg_id,
    int draft, int64_t *id_r, char **err)
{
	struct store_outbox e;

	memset(&e, 0, sizeof e);
	e.state = draft ? OUTBOX_DRAFT : OUTBOX_QUEUED;
	e.created = (int64_t)time(NULL);
	e.message_id = out->message_id;
	e.env_from = out->env_from;
	e.rcpts = out->rcpts;
	e.rcpt_names = out->rcpt_names;
	e.nrcpt = out->nrcpt;
	e.bcc = out->bcc;
	e.subject = out->subject;
	e.to = out->to;
	e.orig_msg_id = orig_msg_id;
	e.orig_flags = orig_flags;
	e.draft_msg_id = draft_msg_id;
	e.data = out->data;
	e.len = out->len;
	if (store_outbox_add(st, &e, id_r) != 0) {
		*err = xasprintf(_("cannot queue the message: %s"),
		    store_errmsg(st));
		return -1;
	}
	return 0;
}

int
outbox_lock(const char *path, char **err)
{
	char *lock;
	int fd;

	if (path == NULL)
		return -2;
	lock = xasprintf("%s.outbox-lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf(_("cannot open \"%s\": %s"), lock,
		    strerror(errno));
		free(lock);
		return -1;
	}
	free(lock);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
outbox_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
outbox_recover(struct store *st)
{
	int n;

	return store_outbox_recover(st, &n) != 0 ? -1 : n;
}
