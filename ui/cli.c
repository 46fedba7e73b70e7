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
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "log.h"
#include "password.h"
#include "store.h"
#include "ui.h"
#include "xmalloc.h"

static FILE *cli_log;

/* Print one error line: "tern: TEXT". */
static void
cli_error(const char *text)
{
	fprintf(stderr, "tern: %s\n", text);
}

/* Send the core's log to PATH (mode 0600) when --log was given. */
static int
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
 * Load the config for TARGET (a URL, or ACCOUNT[:FOLDER] of the config
 * file, or NULL). *ACC_R is the named account (NULL: none named) and
 * *FOLDER_R the folder asked for (NULL: none). Returns an exit status.
 */
static int
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

/*
 * The password for ACC when it has no password_cmd: asked on the terminal.
 * Returns 0 (with *PW_R NULL when password_cmd will be used), or -1.
 */
static int
cli_password(const struct account_config *acc, char **pw_r)
{
	char *prompt, *err = NULL;

	*pw_r = NULL;
	if (acc->password_cmd != NULL)
		return 0;
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
static int
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

/* Sync one account headlessly, printing progress on stderr. */
static int
cli_sync_account(const struct cli_options *opt, struct account_config *acc,
    const char *folder)
{
	struct evqueue *q;
	struct account *a = NULL;
	struct account_event ev;
	char *path = NULL, *pw = NULL, *err = NULL;
	int tty = isatty(STDERR_FILENO), done = 0, rc = EXIT_RUNTIME;
	int progress_shown = 0;

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
	if (cli_password(acc, &pw) != 0)
		goto out;
	if (account_start(a, pw, 1, folder) != 0) {
		cli_error(_("cannot start the account worker"));
		goto out;
	}
	while (!done) {
		struct pollfd pfd = { evqueue_fd(q), POLLIN, 0 };

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		while (!done && evqueue_next(q, &ev)) {
			switch (ev.kind) {
			case EV_PROGRESS:
				fprintf(stderr, tty ? "\r%s: %s %ld/%ld\033[K" :
				    "%s: %s %ld/%ld\n", acc->name,
				    ev.text != NULL ? ev.text : "", ev.n,
				    ev.total);
				progress_shown = tty;
				break;
			case EV_ERROR:
				if (progress_shown)
					fputc('\n', stderr);
				progress_shown = 0;
				fprintf(stderr, "tern: %s: %s\n", acc->name,
				    ev.text != NULL ? ev.text : "");
				break;
			case EV_DONE:
				done = 1;
				rc = ev.n == 0 ? 0 : EXIT_RUNTIME;
				break;
			default:
				break;
			}
			account_event_release(&ev);
		}
	}
	if (progress_shown)
		fputc('\n', stderr);
out:
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
	char *folder = NULL, *path = NULL, *pw = NULL, *err = NULL;
	size_t i, n = 0;
	int rc;

	if ((rc = cli_load(opt, target, &cfg, &first, &folder)) != 0)
		return rc;
	rc = EXIT_RUNTIME;
	if (cli_open_log(opt) != 0)
		goto out;
	if (first == NULL)
		first = cfg->accounts[0];
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
	rc = ui_run(cfg, accts, n, q, folder);
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
	return rc;
}
