/*
 * tern export: a backup of the cached messages of an account (every
 * folder) or of one folder, as a maildir or an mbox file. Online, the
 * missing bodies are fetched first; messages kept after a mass deletion on
 * the server are exported too (that is what the backup is for). The
 * writing is src/export.c's; here are the command line and the progress,
 * on stderr.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "export.h"
#include "i18n.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The progress of export_folder(): on a terminal a line redrawn every 100
 * messages and ended when the folder is done; elsewhere that last line.
 */
static void
cli_export_progress(void *arg, const struct store_folder *f, size_t i,
    size_t n)
{
	int tty = isatty(STDERR_FILENO);

	(void)arg;
	if (i == n) {
		if (tty && n > 0)
			fputc('\n', stderr);
		else
			fprintf(stderr, "%s %zu/%zu\n", f->display, n, n);
	} else if (tty && (i % 100 == 0 || i + 1 == n))
		fprintf(stderr, "\r%s %zu/%zu\033[K", f->display, i + 1, n);
}

int
cli_export(const struct cli_options *opt, const char *target)
{
	struct config *cfg = NULL;
	struct account_config *acc;
	struct store *st = NULL;
	struct store_folder *list = NULL;
	struct export ex;
	char *folder = NULL, *path = NULL, *err = NULL;
	size_t n = 0, i;
	int rc, one;

	if ((opt->maildir == NULL) == (opt->mbox == NULL)) {
		cli_error(_("tern export needs --maildir DIR or --mbox FILE"));
		return EXIT_USAGE;
	}
	if (target == NULL) {
		cli_error(_("tern export needs ACCOUNT[:FOLDER]"));
		return EXIT_USAGE;
	}
	if ((rc = cli_load(opt, target, &cfg, &acc, &folder)) != 0)
		return rc;
	rc = EXIT_RUNTIME;
	memset(&ex, 0, sizeof ex);
	if (opt->ephemeral) {
		cli_error(_("--ephemeral has no cache to export"));
		rc = EXIT_USAGE;
		goto out;
	}
	/* Online: bring the bodies in first; a failure still exports. */
	if (!opt->offline) {
		struct cli_options o = *opt;

		o.bodies = 1;
		if (cli_sync_account(&o, acc, folder) != 0)
			cli_error(_("the sync failed: exporting what the cache "
			    "holds"));
	}
	if (cli_store_path(opt, acc, &path) != 0)
		goto out;
	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		goto out;
	}
	if (store_folder_list(st, &list, &n) != 0) {
		fprintf(stderr, _("tern: cannot read the cache: %s\n"),
		    store_errmsg(st));
		goto out;
	}
	if (export_init(&ex, opt->mbox != NULL ? EXPORT_MBOX : EXPORT_MAILDIR,
	    opt->mbox != NULL ? opt->mbox : opt->maildir, &err) != 0) {
		cli_error(err);
		goto out;
	}
	ex.progress = cli_export_progress;
	one = folder != NULL;
	if (one) {
		struct store_folder f;

		/* The name shown, "inbox" or the server's: the server's. */
		if (store_folder_find(st, folder, &f) == 0) {
			free(folder);
			folder = xstrdup(f.name);
			store_folder_release(&f);
		}
	}
	if (opt->maildir != NULL && !one &&
	    export_mkdir(opt->maildir, &err) != 0) {
		cli_error(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char *dir = NULL, *comp;
		int r;

		if (one && strcmp(list[i].name, folder) != 0)
			continue;
		if (opt->maildir != NULL && one)
			dir = xstrdup(opt->maildir);
		else if (opt->maildir != NULL) {
			comp = export_component(list[i].display);
			dir = xasprintf("%s/%s", opt->maildir, comp);
			free(comp);
		}
		r = export_folder(&ex, st, &list[i], dir, &err);
		free(dir);
		if (r != 0) {
			cli_error(err);
			goto out;
		}
		if (one)
			break;
	}
	if (one && i == n) {
		fprintf(stderr, _("tern: no folder \"%s\" in the cache\n"),
		    folder);
		goto out;
	}
	if (export_finish(&ex, &err) != 0) {
		cli_error(err);
		goto out;
	}
	fprintf(stderr, _("tern: exported %ld messages to \"%s\"\n"),
	    ex.done, opt->maildir != NULL ? opt->maildir :
	    opt->mbox);
	if (ex.missing > 0)
		fprintf(stderr, _("tern: %ld messages have no cached body and "
		    "were left out\n"), ex.missing);
	rc = 0;
out:
	export_release(&ex);
	store_folder_list_free(list, n);
	store_close(st);
	free(path);
	free(err);
	free(folder);
	config_free(cfg);
	return rc;
}
