/*
 * tern send: a message written elsewhere (git send-email, a script), read
 * as sendmail -t reads one, queued in the account's outbox durably, then
 * sent and its Sent copy saved; and the outbox itself (--outbox to list
 * it, --retry and --discard for what waits on the user). The exit status
 * says what became of the message: 0 sent or durably queued (stderr says
 * which), 1 refused, or not known to be sent, 2 a usage error.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compose.h"
#include "config.h"
#include "cred.h"
#include "i18n.h"
#include "outbox.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "util.h"
#include "xmalloc.h"

/* The largest message tern send reads. */
#define CLI_SEND_MAX (256u * 1024 * 1024)

/* Read all of FD into *SB: 0, or -1 with errno (EFBIG: too large). */
static int
cli_send_read(int fd, struct strbuf *sb)
{
	char buf[65536];
	struct stat st;
	ssize_t n;

	/* A file's size known: room for it at once, not doubled. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= CLI_SEND_MAX)
		strbuf_grow(sb, (size_t)st.st_size);
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (sb->len + (size_t)n > CLI_SEND_MAX) {
			errno = EFBIG;
			return -1;
		}
		strbuf_add(sb, buf, (size_t)n);
	}
}

static const char *
cli_outbox_state(enum outbox_state s)
{
	switch (s) {
	case OUTBOX_QUEUED:
		return _("queued");
	case OUTBOX_SENDING:
		return _("sending");
	case OUTBOX_SENT:
		return _("sent, copy to save");
	case OUTBOX_FAILED:
		return _("refused");
	case OUTBOX_UNKNOWN:
		return _("may have been sent");
	case OUTBOX_DRAFT:
		return _("draft to save");
	}
	return "?";
}

/* tern send --outbox ACCOUNT: a line per entry, tab-separated. */
static int
cli_send_list(struct store *st)
{
	struct store_outbox *list = NULL;
	size_t n = 0, i;
	char date[32], *to, *subject, *error;

	if (store_outbox_list(st, &list, &n) != 0) {
		cli_error(store_errmsg(st));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		time_t t = (time_t)list[i].created;
		struct tm tm;

		date[0] = '\0';
		if (localtime_r(&t, &tm) != NULL)
			strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
		to = text_sanitize_dup(list[i].to != NULL ? list[i].to :
		    list[i].nrcpt > 0 ? list[i].rcpts[0] : "", 0);
		subject = text_sanitize_dup(list[i].subject != NULL ?
		    list[i].subject : "", 0);
		error = text_sanitize_dup(list[i].error != NULL ?
		    list[i].error : "", 0);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)list[i].id,
		    cli_outbox_state(list[i].state), date, to, subject, error);
		free(to);
		free(subject);
		free(error);
	}
	store_outbox_list_free(list, n);
	return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
}

/* --retry ID or --discard ID: what the user decides for an entry. */
static int
cli_send_decide(struct store *st, const char *idtext, int discard)
{
	struct store_outbox e;
	char *end;
	long long id;
	int r;

	errno = 0;
	id = strtoll(idtext, &end, 10);
	if (errno != 0 || *end != '\0' || id <= 0) {
		cli_error(_("an outbox entry is a number (tern send --outbox "
		    "lists them)"));
		return EXIT_USAGE;
	}
	if ((r = store_outbox_get(st, id, &e)) != 0) {
		cli_error(r > 0 ? _("no such outbox entry") :
		    store_errmsg(st));
		return r > 0 ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (!discard && e.state != OUTBOX_FAILED &&
	    e.state != OUTBOX_UNKNOWN && e.state != OUTBOX_QUEUED) {
		store_outbox_release(&e);
		cli_error(_("only a queued, refused or perhaps sent message "
		    "can be sent again"));
		return EXIT_USAGE;
	}
	store_outbox_release(&e);
	r = discard ? store_outbox_remove(st, id) :
	    store_outbox_set_state(st, id, OUTBOX_QUEUED, NULL, 0, 0);
	if (r != 0) {
		cli_error(store_errmsg(st));
		return EXIT_RUNTIME;
	}
	return 0;
}

/*
 * Send what the outbox of ACC (cache at PATH, open in ST) holds, with the
 * password PW: every queued entry, due or not. Returns 0 with *REP filled
 * in; 1 when another tern holds the outbox (it sends); -1 on an error
 * reported.
 */
int
cli_send_flush(const struct account_config *acc, const char *path,
    struct store *st, const char *pw, struct outbox_report *rep)
{
	struct outbox *ob;
	struct cred *cred;
	char *err = NULL;
	int fd, n, rc;

	memset(rep, 0, sizeof *rep);
	if ((fd = outbox_lock(path, &err)) == -1) {
		if (err != NULL) {
			cli_error(err);
			free(err);
			return -1;
		}
		return 1;
	}
	if ((n = outbox_recover(st)) > 0) {
		char *text = xasprintf(ngettext("%d message may have been "
		    "sent before tern stopped: see tern send --outbox",
		    "%d messages may have been sent before tern stopped: see "
		    "tern send --outbox", n), n);

		cli_error(text);
		free(text);
	}
	cred = cred_new(acc);
	cred_set_password(cred, pw);
	ob = outbox_new(acc, st, cred, NULL);
	rc = outbox_flush(ob, (int64_t)time(NULL), 1, rep);
	outbox_free(ob);
	cred_free(cred);
	outbox_unlock(fd);
	return rc;
}

/* Whether the outbox of ST holds copies for the IMAP worker to save. */
static int
cli_send_copies(struct store *st)
{
	int sent = 0, drafts = 0;

	store_outbox_count(st, OUTBOX_SENT, &sent);
	store_outbox_count(st, OUTBOX_DRAFT, &drafts);
	return sent + drafts > 0;
}

/* What became of entry ID: the exit status, said on stderr. */
static int
cli_send_outcome(struct store *st, const char *name, int64_t id,
    const struct outbox_report *rep)
{
	struct store_outbox e;
	char *text = NULL;
	int rc = 0, r;

	if ((r = store_outbox_get(st, id, &e)) < 0) {
		cli_error(store_errmsg(st));
		return EXIT_RUNTIME;
	}
	if (r > 0 || e.state == OUTBOX_SENT) {
		text = xasprintf(_("%s: message sent"), name);
		fprintf(stderr, "tern: %s\n", text);
	} else if (e.state == OUTBOX_QUEUED) {
		text = xasprintf(_("%s: message queued, not sent yet (%s): "
		    "the next tern sync or tern sends it"), name,
		    e.error != NULL ? e.error : rep->error != NULL ?
		    rep->error : _("not tried"));
		cli_error(text);
	} else {
		text = xasprintf(e.state == OUTBOX_UNKNOWN ?
		    _("%s: message may have been sent: %s (tern send --retry "
		    "or --discard decides)") : _("%s: message refused: %s "
		    "(kept in the outbox: tern send --outbox)"), name,
		    e.error != NULL ? e.error : "");
		cli_error(text);
		rc = EXIT_RUNTIME;
	}
	free(text);
	if (r == 0)
		store_outbox_release(&e);
	return rc;
}

int
cli_send(const struct cli_options *opt, const char *target, const char *file)
{
	struct config *cfg = NULL;
	struct account_config *acc;
	struct store *st = NULL;
	struct strbuf raw = STRBUF_INIT;
	struct compose_out out;
	struct compose_opts co;
	struct outbox_report rep;
	char *folder = NULL, *path = NULL, *err = NULL, *pw = NULL;
	int64_t id = 0;
	int rc, fd = STDIN_FILENO, r;

	memset(&out, 0, sizeof out);
	memset(&rep, 0, sizeof rep);
	if (target == NULL) {
		cli_error(_("tern send needs ACCOUNT"));
		return EXIT_USAGE;
	}
	if ((rc = cli_load(opt, target, &cfg, &acc, &folder)) != 0)
		return rc;
	rc = EXIT_USAGE;
	if (acc == NULL || folder != NULL) {
		cli_error(_("tern send needs an account of the config file"));
		goto out;
	}
	if (opt->outbox_list + (opt->retry != NULL) + (opt->discard != NULL) >
	    1 || ((opt->outbox_list || opt->retry != NULL ||
	    opt->discard != NULL) && file != NULL)) {
		cli_error(_("--outbox, --retry and --discard go alone"));
		goto out;
	}
	if (!opt->outbox_list && opt->discard == NULL &&
	    acc->smtp_host == NULL) {
		cli_error(_("the account has no smtp server: set smtp = "
		    "smtps://HOST or smtp://HOST"));
		goto out;
	}
	rc = EXIT_RUNTIME;
	if (cli_open_log(opt) != 0 || cli_store_path(opt, acc, &path) != 0)
		goto out;
	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		goto out;
	}
	if (opt->outbox_list) {
		rc = cli_send_list(st);
		goto out;
	}
	if (opt->discard != NULL || opt->retry != NULL) {
		rc = cli_send_decide(st, opt->discard != NULL ? opt->discard :
		    opt->retry, opt->discard != NULL);
		if (rc != 0 || opt->discard != NULL || opt->offline)
			goto out;
	} else {
		if (file != NULL && strcmp(file, "-") != 0 &&
		    (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			err = xasprintf(_("cannot read \"%s\": %s"), file,
			    strerror(errno));
			cli_error(err);
			rc = EXIT_USAGE;
			goto out;
		}
		r = cli_send_read(fd, &raw);
		if (fd != STDIN_FILENO)
			close(fd);
		if (r != 0) {
			err = xasprintf(_("cannot read the message: %s"),
			    strerror(errno));
			cli_error(err);
			goto out;
		}
		memset(&co, 0, sizeof co);
		co.from = acc->from;
		co.reply_to = acc->reply_to;
		if (compose_prepare_raw(raw.buf != NULL ? raw.buf : "", raw.len,
		    &co, &out, &err) != 0) {
			cli_error(err);
			rc = EXIT_USAGE;
			goto out;
		}
		strbuf_release(&raw);
		if (outbox_queue(st, &out, 0, 0, 0, 0, &id, &err) != 0) {
			cli_error(err);
			goto out;
		}
		/* The outbox has it: no second copy while it is sent. */
		compose_out_release(&out);
		if (opt->offline) {
			fprintf(stderr, _("tern: %s: message queued: the next "
			    "tern sync or tern sends it\n"), acc->name);
			rc = 0;
			goto out;
		}
	}
	if (cli_password(acc, &pw) != 0)
		goto out;
	r = cli_send_flush(acc, path, st, pw, &rep);
	if (r < 0)
		goto out;
	if (r > 0) {
		fprintf(stderr, _("tern: %s: message queued: the tern running "
		    "on this account sends it\n"), acc->name);
		rc = 0;
		goto out;
	}
	if (id != 0)
		rc = cli_send_outcome(st, acc->name, id, &rep);
	else
		rc = rep.failed + rep.unknown > 0 ? EXIT_RUNTIME : 0;
	/* The Sent copy: the IMAP worker's, in a session of its own. */
	if (acc->proto == PROTO_IMAP && cli_send_copies(st)) {
		struct cli_options o = *opt;

		o.push_only = 1;
		if (cli_sync_account(&o, acc, NULL) != 0)
			cli_error(_("the Sent copy is not saved yet: the next "
			    "tern sync or tern saves it"));
	}
out:
	outbox_report_release(&rep);
	compose_out_release(&out);
	strbuf_release(&raw);
	store_close(st);
	xfree_secret(pw);
	free(path);
	free(err);
	free(folder);
	config_free(cfg);
	return rc;
}

void
cli_compose_add(struct cli_compose_args *ca, char **field, const char *v)
{
	char *s;

	(void)ca;
	if (*field == NULL) {
		*field = xstrdup(v);
		return;
	}
	s = xasprintf("%s, %s", *field, v);
	free(*field);
	*field = s;
}

/* Whether the address list LIST (NULL: none) parses; if not, say why. */
static int
cli_compose_addresses(const char *what, const char *list)
{
	char **addrs = NULL, *err = NULL, *text;
	size_t n = 0;

	if (list == NULL)
		return 0;
	if (compose_addresses(list, &addrs, &n, &err) != 0) {
		text = xasprintf("%s: %s", what, err);
		cli_error(text);
		free(text);
		free(err);
		return -1;
	}
	util_strv_free(addrs, n);
	return 0;
}

int
cli_compose(const struct cli_options *opt, const char *target,
    const struct cli_compose_args *ca)
{
	struct cli_options o = *opt;
	struct draft d;
	struct stat sb;
	char *err;
	size_t i;
	int rc = EXIT_USAGE;

	draft_init(&d);
	if (cli_compose_addresses("--to", ca->to) != 0 ||
	    cli_compose_addresses("--cc", ca->cc) != 0 ||
	    cli_compose_addresses("--bcc", ca->bcc) != 0)
		goto out;
	for (i = 0; i < ca->nattach; i++) {
		err = NULL;
		if (stat(ca->attach[i], &sb) != 0 ||
		    (S_ISREG(sb.st_mode) && access(ca->attach[i], R_OK) != 0))
			err = xasprintf(_("cannot attach \"%s\": %s"),
			    ca->attach[i], strerror(errno));
		else if (!S_ISREG(sb.st_mode))
			err = xasprintf(_("cannot attach \"%s\": not a file"),
			    ca->attach[i]);
		if (err != NULL) {
			cli_error(err);
			free(err);
			goto out;
		}
		draft_attach(&d, ca->attach[i], NULL);
	}
	d.to = ca->to != NULL ? xstrdup(ca->to) : NULL;
	d.cc = ca->cc != NULL ? xstrdup(ca->cc) : NULL;
	d.bcc = ca->bcc != NULL ? xstrdup(ca->bcc) : NULL;
	d.subject = ca->subject != NULL ? xstrdup(ca->subject) : NULL;
	o.compose = &d;
	rc = cli_reader(&o, target);
out:
	draft_release(&d);
	return rc;
}
