/*
 * The commands (see cli.h): loading the config for a command line target,
 * opening the stores and starting the account workers, headless sync with
 * progress on stderr, and the set-up around the full-screen reader.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "compose.h"
#include "config.h"
#include "format.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "password.h"
#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui.h"
#include "xmalloc.h"

static FILE *cli_log;

/* Print one error line: "tern: TEXT". */
void
cli_error(const char *text)
{
	/* Errors carry the server's words: never raw to the terminal. */
	char *shown = text_sanitize_dup(text, 0);

	fprintf(stderr, "tern: %s\n", shown);
	free(shown);
}

/* Print the notice a store left when it opened (a cache set aside). */
static void
cli_notice(struct store *st)
{
	char *notice = store_take_notice(st);

	if (notice != NULL) {
		cli_error(notice);
		free(notice);
	}
}

/* Send the core's log to PATH (mode 0600) when --log was given. */
int
cli_open_log(const struct cli_options *opt)
{
	int fd;

	if (opt->log_path == NULL)
		return 0;
	fd = open(opt->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	if (fd < 0 || (cli_log = fdopen(fd, "a")) == NULL) {
		fprintf(stderr, _("tern: cannot open the log \"%s\": %s\n"),
		    opt->log_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	log_set_sink(log_sink_file, cli_log, LOG_DEBUG);
	return 0;
}

/*
 * A one-shot command's errors: the first is shown at the end, with how
 * many more came (one failing server can fail every folder), and every
 * one goes to the log.
 */
struct cli_errors {
	char *first;
	long more;
};

static void
cli_errors_add(struct cli_errors *e, const char *text)
{
	log_msg(LOG_ERROR, "%s", text);
	if (e->first == NULL)
		e->first = xstrdup(text);
	else
		e->more++;
}

/* Print the errors of account ACCT, if any, and forget them. */
static void
cli_errors_print(struct cli_errors *e, const char *acct)
{
	if (e->first == NULL)
		return;
	if (e->more > 0)
		fprintf(stderr, ngettext("tern: %s: %s (and %ld more error; "
		    "--log FILE records each)\n", "tern: %s: %s (and %ld more "
		    "errors; --log FILE records each)\n", e->more), acct,
		    e->first, e->more);
	else
		fprintf(stderr, "tern: %s: %s\n", acct, e->first);
	free(e->first);
	e->first = NULL;
	e->more = 0;
}

/*
 * The event loop of a one-shot command (tern sync, tern search): until
 * the worker's EV_DONE, progress goes to stderr (on a terminal one line,
 * redrawn; elsewhere a line each, when LINES is set), errors are
 * gathered, and every other event goes to EVENT, which may take what it
 * keeps (EV's strings and ids are released after it).
 */
struct cli_loop {
	const char *acct;	/* the account's name, for the progress */
	int lines;		/* progress off a terminal too */
	void (*event)(struct cli_loop *, struct account_event *);
	void *arg;		/* EVENT's */
	int tty;		/* set by cli_loop_run(): stderr is one */
	int shown;		/* a progress line waits for its newline */
	struct cli_errors errors;
};

/* End the progress line, if one is shown, before other output. */
static void
cli_loop_end_line(struct cli_loop *l)
{
	if (l->shown)
		fputc('\n', stderr);
	l->shown = 0;
}

/* One progress line for EV. */
static void
cli_loop_progress(struct cli_loop *l, const struct account_event *ev)
{
	if (!l->tty && !l->lines)
		return;
	fprintf(stderr, l->tty ? "\r%s: %s %ld/%ld" : "%s: %s %ld/%ld",
	    l->acct, ev->u.progress.label != NULL ? ev->u.progress.label : "",
	    ev->u.progress.n, ev->u.progress.total);
	if (ev->u.progress.total_bytes > 0) {
		struct strbuf sb = STRBUF_INIT;

		format_size_of(&sb, ev->u.progress.bytes,
		    ev->u.progress.total_bytes);
		fprintf(stderr, " (%s)", sb.buf);
		strbuf_release(&sb);
	}
	fputs(l->tty ? "\033[K" : "\n", stderr);
	l->shown = l->tty;
}

/*
 * Run L's loop over the events of Q: EV_DONE's exit status, EXIT_RUNTIME
 * when the wait itself failed. The errors stay in L->errors.
 */
static int
cli_loop_run(struct cli_loop *l, struct evqueue *q)
{
	struct account_event ev;
	int done = 0, rc = EXIT_RUNTIME;

	l->tty = isatty(STDERR_FILENO);
	while (!done) {
		struct pollfd pfd = { evqueue_fd(q), POLLIN, 0 };

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		while (!done && evqueue_next(q, &ev)) {
			switch (ev.kind) {
			case EV_PROGRESS:
				cli_loop_progress(l, &ev);
				break;
			case EV_ERROR:
				cli_errors_add(&l->errors, ev.u.error.text !=
				    NULL ? ev.u.error.text : "");
				break;
			case EV_DONE:
				done = 1;
				rc = ev.u.done.failed == 0 ? 0 : EXIT_RUNTIME;
				break;
			default:
				if (l->event != NULL)
					l->event(l, &ev);
				break;
			}
			account_event_release(&ev);
		}
	}
	cli_loop_end_line(l);
	return rc;
}

/*
 * Load the config for TARGET (a URL, or ACCOUNT[:FOLDER] of the config
 * file, or NULL). *ACC_R is the named account (NULL: none named) and
 * *FOLDER_R the folder asked for (NULL: none). Returns an exit status.
 */
int
cli_load(const struct cli_options *opt, const char *target,
    struct config **cfg_r, struct account_config **acc_r, char **folder_r)
{
	struct config *cfg = NULL;
	char *path = NULL, *err = NULL, *name = NULL, *colon;
	int rc = EXIT_RUNTIME;

	*cfg_r = NULL;
	*acc_r = NULL;
	*folder_r = NULL;
	if (target != NULL && strstr(target, "://") != NULL) {
		if (config_from_url(target, &cfg, &err) != 0) {
			cli_error(err);
			rc = EXIT_USAGE;
			goto out;
		}
		*acc_r = cfg->accounts[0];
		*folder_r = xstrdup(cfg->accounts[0]->folder);
		*cfg_r = cfg;
		cfg = NULL;
		rc = 0;
		goto out;
	}
	path = opt->config_path != NULL ? xstrdup(opt->config_path) :
	    config_default_path();
	if (path == NULL) {
		cli_error(_("cannot find the config file: neither "
		    "XDG_CONFIG_HOME nor HOME is set"));
		goto out;
	}
	if (opt->config_path == NULL && access(path, F_OK) != 0) {
		fprintf(stderr, _("tern: no config file at \"%s\": write one "
		    "(see tern(1)) or give a URL such as "
		    "imaps://me@mail.example.com\n"), path);
		rc = EXIT_USAGE;
		goto out;
	}
	if (config_load(path, &cfg, &err) != 0) {
		cli_error(err);
		goto out;
	}
	if (cfg->naccounts == 0) {
		fprintf(stderr, _("tern: \"%s\" has no [account] section\n"),
		    path);
		goto out;
	}
	if (target != NULL) {
		name = xstrdup(target);
		if ((colon = strchr(name, ':')) != NULL) {
			*colon = '\0';
			if (colon[1] != '\0')
				*folder_r = xstrdup(colon + 1);
		}
		if ((*acc_r = config_find_account(cfg, name)) == NULL) {
			fprintf(stderr, _("tern: no account \"%s\" in "
			    "\"%s\"\n"), name, path);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	*cfg_r = cfg;
	cfg = NULL;
	rc = 0;
out:
	if (rc != 0) {
		free(*folder_r);
		*folder_r = NULL;
	}
	config_free(cfg);
	free(path);
	free(name);
	free(err);
	return rc;
}

int
cli_password(const struct account_config *acc, char **pw_r)
{
	char *prompt, *err = NULL;

	*pw_r = NULL;
	/* OAuth accounts have no password: their tokens come by themselves. */
	if (acc->password_cmd != NULL || ACCOUNT_OAUTH2(acc))
		return 0;
	if (acc->password != NULL) {
		/* From the config file, which config_load() found private. */
		*pw_r = xstrdup(acc->password);
		return 0;
	}
	prompt = xasprintf(_("Password for %s@%s: "), acc->user, acc->host);
	*pw_r = password_prompt(prompt, &err);
	free(prompt);
	if (*pw_r == NULL) {
		cli_error(err);
		free(err);
		return -1;
	}
	return 0;
}

/* The cache path of ACC (NULL for --ephemeral); -1 on error. */
int
cli_store_path(const struct cli_options *opt,
    const struct account_config *acc, char **path_r)
{
	char *err = NULL;

	*path_r = NULL;
	if (opt->ephemeral)
		return 0;
	if ((*path_r = store_path(acc->name, &err)) == NULL) {
		cli_error(err);
		free(err);
		return -1;
	}
	return 0;
}

/* POP3: queue what --preview, --fetch and --delete ask for. */
static void
cli_pop3_requests(const struct cli_options *opt, struct account *a)
{
	size_t i;

	for (i = 0; i < opt->ndel; i++)
		account_pop3_delete(a, opt->del[i]);
	for (i = 0; i < opt->nfetch; i++)
		account_pop3_fetch(a, opt->fetch[i]);
	if (opt->preview)
		account_pop3_preview(a);
}

/*
 * Print the preview list of ACC from the store at PATH (NULL: ephemeral),
 * one message a line, tab-separated: UIDL, state (new, local, too-big,
 * deleting), size in bytes, date (YYYY-MM-DD HH:MM, local time), sender,
 * subject. Returns an exit status.
 */
static int
cli_print_preview(const struct cli_options *opt, struct account_config *acc,
    const char *path)
{
	static const char *states[] = {
		[POP3_PV_NEW] = "new", [POP3_PV_LOCAL] = "local",
		[POP3_PV_TOO_BIG] = "too-big", [POP3_PV_DELETING] = "deleting",
	};
	struct store *st = NULL;
	struct store_pop3_preview *list = NULL;
	char *err = NULL, date[32], *uidl, *sender, *subject;
	size_t n = 0, i;
	int rc = EXIT_RUNTIME;

	(void)opt;
	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		free(err);
		return EXIT_RUNTIME;
	}
	if (store_pop3_preview_list(st, &list, &n) != 0) {
		fprintf(stderr, _("tern: cannot read the preview: %s\n"),
		    store_errmsg(st));
		goto out;
	}
	for (i = 0; i < n; i++) {
		time_t t = (time_t)list[i].date;
		struct tm tm;

		date[0] = '\0';
		if (list[i].date > 0 && localtime_r(&t, &tm) != NULL)
			strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
		/* The server chose the UIDL too: shown escaped. */
		uidl = text_sanitize_dup(list[i].uidl, 0);
		sender = text_sanitize_dup(list[i].sender, 0);
		subject = text_sanitize_dup(list[i].subject, 0);
		printf("%s\t%s\t%lld\t%s\t%s\t%s\n", uidl,
		    (unsigned)list[i].state < sizeof states / sizeof states[0] ?
		    states[list[i].state] : "?", (long long)list[i].size, date,
		    sender, subject);
		free(uidl);
		free(sender);
		free(subject);
	}
	rc = fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
out:
	store_pop3_preview_list_free(list, n);
	store_close(st);
	return rc;
}

/* tern sync's events beyond the loop's: what the worker tells the user. */
static void
cli_sync_event(struct cli_loop *l, struct account_event *ev)
{
	switch (ev->kind) {
	case EV_GONE:
		cli_loop_end_line(l);
		fprintf(stderr, _("tern: %s: %ld of %ld messages vanished on "
		    "the server at once; their local copies are kept (tern "
		    "export can save them)\n"), l->acct, ev->u.gone.n,
		    ev->u.gone.total);
		break;
	case EV_NOTICE:
		cli_loop_end_line(l);
		fprintf(stderr, "tern: %s: %s\n", l->acct,
		    ev->u.notice.text != NULL ? ev->u.notice.text : "");
		break;
	default:
		break;
	}
}

/* tern sync sends what waits in the outbox first. */
static void
cli_sync_outbox(const struct account_config *acc, const char *path,
    const char *pw)
{
	struct outbox_report rep;
	struct store *st;
	char *err = NULL;
	int n = 0;

	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		free(err);
		return;
	}
	if (store_outbox_count(st, OUTBOX_QUEUED, &n) == 0 && n > 0 &&
	    cli_send_flush(acc, path, st, pw, &rep) == 0) {
		if (rep.sent > 0)
			fprintf(stderr, ngettext("tern: %s: %d message sent\n",
			    "tern: %s: %d messages sent\n", rep.sent),
			    acc->name, rep.sent);
		if (rep.error != NULL)
			cli_error(rep.error);
		outbox_report_release(&rep);
	}
	store_close(st);
}

/* Sync one account headlessly, printing progress on stderr. */
int
cli_sync_account(const struct cli_options *opt, struct account_config *acc,
    const char *folder)
{
	struct evqueue *q;
	struct account *a = NULL;
	char *path = NULL, *pw = NULL, *err = NULL;
	struct cli_loop loop = { .acct = acc->name, .lines = 1,
	    .event = cli_sync_event };
	int rc = EXIT_RUNTIME;

	if ((q = evqueue_new()) == NULL) {
		cli_error(strerror(errno));
		return EXIT_RUNTIME;
	}
	if (cli_store_path(opt, acc, &path) != 0)
		goto out;
	if ((a = account_new(acc, q, path, &err)) == NULL) {
		cli_error(err);
		goto out;
	}
	if (opt->password != NULL)
		pw = xstrdup(opt->password);
	else if (cli_password(acc, &pw) != 0)
		goto out;
	if (opt->push_only)
		account_push_only(a);
	else if (acc->smtp_host != NULL)
		cli_sync_outbox(acc, path, pw);
	cli_pop3_requests(opt, a);
	if (opt->bodies)
		account_fill_bodies(a);
	if (account_start(a, pw, 1, folder) != 0) {
		cli_error(_("cannot start the account worker"));
		goto out;
	}
	rc = cli_loop_run(&loop, q);
	cli_errors_print(&loop.errors, acc->name);
	if (rc == 0 && opt->preview)
		rc = cli_print_preview(opt, acc, path);
out:
	free(loop.errors.first);
	account_free(a);
	evqueue_free(q);
	xfree_secret(pw);
	free(path);
	free(err);
	return rc;
}

int
cli_sync(const struct cli_options *opt, const char *target)
{
	struct config *cfg;
	struct account_config *acc;
	char *folder;
	size_t i;
	int rc;

	if (opt->offline) {
		cli_error(_("\"tern sync\" needs the network: drop --offline"));
		return EXIT_USAGE;
	}
	if ((rc = cli_load(opt, target, &cfg, &acc, &folder)) != 0)
		return rc;
	if ((opt->preview || opt->nfetch > 0 || opt->ndel > 0) &&
	    (acc == NULL || acc->proto != PROTO_POP3)) {
		cli_error(_("--preview, --fetch and --delete need a POP3 "
		    "account: name one"));
		rc = EXIT_USAGE;
		goto out;
	}
	if (cli_open_log(opt) != 0) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (acc != NULL)
		rc = cli_sync_account(opt, acc, folder);
	else
		for (i = 0; i < cfg->naccounts; i++)
			if (cli_sync_account(opt, cfg->accounts[i], NULL) != 0)
				rc = EXIT_RUNTIME;
out:
	free(folder);
	config_free(cfg);
	return rc;
}

int
cli_reader(const struct cli_options *opt, const char *target)
{
	struct config *cfg;
	struct account_config *first;
	struct ui_account *accts = NULL;
	struct evqueue *q = NULL;
	struct cli_options mopt;
	struct draft mailto;
	char *folder = NULL, *path = NULL, *pw = NULL, *err = NULL;
	size_t i, n = 0;
	int rc, waiting;

	/* A mailto: URL (a browser's handler): write that message. */
	draft_init(&mailto);
	if (target != NULL && strncasecmp(target, "mailto:", 7) == 0) {
		if (compose_mailto(target, &mailto, &err) != 0) {
			cli_error(err);
			free(err);
			draft_release(&mailto);
			return EXIT_USAGE;
		}
		mopt = *opt;
		mopt.compose = &mailto;
		opt = &mopt;
		target = NULL;
	}
	if ((rc = cli_load(opt, target, &cfg, &first, &folder)) != 0) {
		draft_release(&mailto);
		return rc;
	}
	rc = EXIT_RUNTIME;
	if (cli_open_log(opt) != 0)
		goto out;
	if (first == NULL)
		first = cfg->accounts[0];
	if (opt->compose != NULL && (first->smtp_host == NULL ||
	    first->from == NULL)) {
		cli_error(first->smtp_host == NULL ? _("the account has no "
		    "smtp server: set smtp = smtps://HOST or smtp://HOST") :
		    _("the account has no from: set from = NAME <ADDRESS>"));
		rc = EXIT_USAGE;
		goto out;
	}
	if ((q = evqueue_new()) == NULL) {
		cli_error(strerror(errno));
		goto out;
	}
	/* The named account comes first: its folder opens at start. */
	accts = xcalloc(cfg->naccounts, sizeof *accts);
	for (i = 0; i < cfg->naccounts; i++) {
		struct account_config *acc = i == 0 ? first :
		    cfg->accounts[i] == first ? cfg->accounts[0] :
		    cfg->accounts[i];
		struct ui_account *ua = &accts[n];

		ua->cfg = acc;
		if (cli_store_path(opt, acc, &path) != 0)
			goto out;
		if (!opt->offline) {
			ua->account = account_new(acc, q, path, &err);
			if (ua->account == NULL) {
				cli_error(err);
				goto out;
			}
		}
		if (store_open(path, acc->name, &ua->store, &err) != 0) {
			cli_error(err);
			account_free(ua->account);
			goto out;
		}
		cli_notice(ua->store);
		n++;
		free(path);
		path = NULL;
		if (opt->offline)
			continue;
		if (cli_password(acc, &pw) != 0)
			goto out;
		if (account_start(ua->account, pw, 0,
		    i == 0 ? folder : NULL) != 0) {
			cli_error(_("cannot start the account worker"));
			goto out;
		}
		xfree_secret(pw);
		pw = NULL;
	}
	rc = ui_run(cfg, accts, n, q, folder, opt->compose);
	/* tern compose: what became of the message, on the terminal. */
	if (opt->compose != NULL && n > 0 &&
	    store_outbox_count(accts[0].store, OUTBOX_QUEUED, &waiting) == 0 &&
	    waiting > 0)
		fprintf(stderr, ngettext("tern: %s: %d message waits in the "
		    "outbox: the next tern sync or tern sends it\n", "tern: %s: "
		    "%d messages wait in the outbox: the next tern sync or tern "
		    "sends them\n", waiting), accts[0].cfg->name, waiting);
out:
	for (i = 0; i < n; i++)
		account_stop(accts[i].account);
	for (i = 0; i < n; i++) {
		account_free(accts[i].account);
		store_close(accts[i].store);
	}
	free(accts);
	evqueue_free(q);
	xfree_secret(pw);
	free(path);
	free(err);
	free(folder);
	config_free(cfg);
	draft_release(&mailto);
	return rc;
}

/*
 * tern search: the query is parsed here (a bad one is a usage error), then
 * either the cache is searched (--offline, or a POP3 account, whose cache
 * is its mailbox) or a one-shot worker syncs the folder's headers and asks
 * the server. The matches are printed from the cache, newest first.
 */

/* FOLDER as the store names it (see store_folder_find()), or NULL. */
static char *
cli_search_folder(struct store *st, const char *folder)
{
	struct store_folder f;
	char *name;

	if (store_folder_find(st, folder, &f) != 0)
		return NULL;
	name = xstrdup(f.name);
	store_folder_release(&f);
	return name;
}

/* Print the N messages IDS of ST: UID, date, sender, subject. */
static int
cli_search_print(struct store *st, const int64_t *ids, size_t n)
{
	struct store_msg m;
	char date[32], *sender, *subject;
	size_t i;

	for (i = 0; i < n; i++) {
		time_t t;
		struct tm tm;

		if (store_msg_get(st, ids[i], &m) != 0)
			continue;
		t = (time_t)m.date;
		date[0] = '\0';
		if (m.date > 0 && localtime_r(&t, &tm) != NULL)
			strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
		sender = text_sanitize_dup(m.from_name != NULL &&
		    *m.from_name != '\0' ? m.from_name : m.from_addr, 0);
		subject = text_sanitize_dup(m.subject, 0);
		printf("%lu\t%s\t%s\t%s\n", (unsigned long)m.uid, date, sender,
		    subject);
		free(sender);
		free(subject);
		store_msg_release(&m);
	}
	return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
}

/* Search the cache ST (FOLDER) for Q and print the matches. */
static int
cli_search_offline(struct store *st, const char *acct, const char *folder,
    const struct search_node *q)
{
	struct store_folder f;
	int64_t *ids = NULL;
	size_t n = 0;
	long bodies, total;
	char *name;
	int rc;

	if ((name = cli_search_folder(st, folder)) == NULL ||
	    store_folder_get(st, name, &f) != 0) {
		fprintf(stderr, _("tern: %s: no folder \"%s\" in the cache "
		    "(tern sync fetches the folder list)\n"), acct, folder);
		free(name);
		return EXIT_RUNTIME;
	}
	free(name);
	if (search_uses_body(q) &&
	    store_search_coverage(st, f.id, &bodies, &total) == 0 &&
	    bodies < total)
		fprintf(stderr, _("tern: %s: body search covers %ld of %ld "
		    "cached messages (tern sync --bodies fetches the rest)\n"),
		    acct, bodies, total);
	if (store_search(st, f.id, q, SORT_DATE, 0, &ids, &n) != 0) {
		fprintf(stderr, _("tern: cannot search the cache: %s\n"),
		    store_errmsg(st));
		store_folder_release(&f);
		return EXIT_RUNTIME;
	}
	rc = cli_search_print(st, ids, n);
	free(ids);
	store_folder_release(&f);
	return rc;
}

/* The server's answer to tern search, as its loop gathers it. */
struct cli_answer {
	long serial;		/* of the search asked */
	int answered;
	char *why;		/* the search failed: why */
	int64_t *ids;		/* else the matches */
	size_t nids;
};

/* tern search's event beyond the loop's: the answer. */
static void
cli_search_event(struct cli_loop *l, struct account_event *ev)
{
	struct cli_answer *ans = l->arg;

	if (ev->kind != EV_SEARCH || ev->u.search.serial != ans->serial)
		return;
	ans->answered = 1;
	free(ans->why);
	ans->why = ev->u.search.why;
	ev->u.search.why = NULL;
	free(ans->ids);
	ans->ids = ev->u.search.ids;
	ans->nids = ev->u.search.nids;
	ev->u.search.ids = NULL;
}

/* Sync FOLDER of ACC, ask the server for Q and print the matches. */
static int
cli_search_online(const struct cli_options *opt, struct account_config *acc,
    const char *path, const char *folder, const struct search_node *q)
{
	struct evqueue *evq;
	struct account *a = NULL;
	struct store *st = NULL;
	struct cli_answer ans = { 0 };
	/* The header sync's progress shows on a terminal only. */
	struct cli_loop loop = { .acct = acc->name, .lines = 0,
	    .event = cli_search_event, .arg = &ans };
	char *pw = NULL, *err = NULL, *name = NULL;
	int rc = EXIT_RUNTIME;

	if ((evq = evqueue_new()) == NULL) {
		cli_error(strerror(errno));
		return EXIT_RUNTIME;
	}
	if ((a = account_new(acc, evq, path, &err)) == NULL) {
		cli_error(err);
		goto out;
	}
	/* Our own read handle; it also keeps an ephemeral cache alive. */
	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		goto out;
	}
	if ((name = cli_search_folder(st, folder)) == NULL)
		name = xstrdup(folder);
	if (cli_password(acc, &pw) != 0)
		goto out;
	ans.serial = account_search(a, name, q, SORT_DATE, 0);
	if (account_start(a, pw, 1, name) != 0) {
		cli_error(_("cannot start the account worker"));
		goto out;
	}
	rc = cli_loop_run(&loop, evq);
	if (loop.errors.first != NULL) {
		cli_errors_print(&loop.errors, acc->name);
		if (!ans.answered || ans.why != NULL)
			rc = EXIT_RUNTIME;
	}
	if (rc != 0)
		goto out;
	if (!ans.answered || ans.why != NULL) {
		fprintf(stderr, _("tern: %s: the server search failed: %s "
		    "(--offline searches the cache)\n"), acc->name,
		    ans.why != NULL ? ans.why : _("no answer"));
		rc = EXIT_RUNTIME;
		goto out;
	}
	rc = cli_search_print(st, ans.ids, ans.nids);
out:
	free(loop.errors.first);
	account_free(a);
	store_close(st);
	evqueue_free(evq);
	xfree_secret(pw);
	free(ans.ids);
	free(ans.why);
	free(name);
	free(err);
	return rc;
}

int
cli_search(const struct cli_options *opt, const char *target, int n,
    char **words)
{
	struct config *cfg = NULL;
	struct account_config *acc;
	struct search_node *q = NULL;
	struct strbuf text = STRBUF_INIT;
	struct store *st = NULL;
	char *folder = NULL, *path = NULL, *err = NULL;
	int i, rc;

	if (target == NULL || n < 1) {
		fprintf(stderr, "%s", _("usage: tern search [--offline] "
		    "ACCOUNT[:FOLDER] QUERY\n"));
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_addch(&text, ' ');
		strbuf_addstr(&text, words[i]);
	}
	if (search_parse(text.buf, text.len, &q, &err) != 0) {
		char *shown = text_sanitize_dup(err, 0);

		fprintf(stderr, _("tern: search: %s\n"), shown);
		free(shown);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = cli_load(opt, target, &cfg, &acc, &folder)) != 0)
		goto out;
	rc = EXIT_RUNTIME;
	if (acc == NULL || cli_open_log(opt) != 0 ||
	    cli_store_path(opt, acc, &path) != 0)
		goto out;
	if (!opt->offline && acc->proto != PROTO_POP3) {
		rc = cli_search_online(opt, acc, path,
		    folder != NULL ? folder : "INBOX", q);
		goto out;
	}
	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		goto out;
	}
	cli_notice(st);
	rc = cli_search_offline(st, acc->name,
	    folder != NULL ? folder : "INBOX", q);
out:
	store_close(st);
	search_free(q);
	strbuf_release(&text);
	free(folder);
	free(path);
	free(err);
	config_free(cfg);
	return rc;
}
