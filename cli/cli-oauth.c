/*
 * tern oauth2 ACCOUNT: the one-time sign-in of an OAuth 2.0 account with
 * the device grant (src/oauth.c does it), which hands the refresh token to
 * oauth2_store_cmd or prints it. Ctrl-C (and TERM, HUP) stop the wait
 * cleanly: the handler only sets a flag that the polls look at.
 */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "oauth.h"

static volatile sig_atomic_t cli_oauth_stop;

static void
cli_oauth_signal(int sig)
{
	cli_oauth_stop = sig;
}

int
cli_oauth2(const struct cli_options *opt, const char *target)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[3];
	struct config *cfg = NULL;
	struct account_config *acc;
	char *folder = NULL, *err = NULL;
	size_t i;
	int rc;

	if (target == NULL || strstr(target, "://") != NULL ||
	    strchr(target, ':') != NULL) {
		cli_error(_("\"tern oauth2\" takes the name of an account of "
		    "the config file"));
		return EXIT_USAGE;
	}
	if (opt->offline) {
		cli_error(_("\"tern oauth2\" needs the network: drop "
		    "--offline"));
		return EXIT_USAGE;
	}
	if ((rc = cli_load(opt, target, &cfg, &acc, &folder)) != 0)
		return rc;
	if (!ACCOUNT_OAUTH2(acc) || acc->oauth2_client_id == NULL) {
		fprintf(stderr, _("tern: account \"%s\" has no "
		    "oauth2_client_id (see tern-config(5))\n"), acc->name);
		rc = EXIT_USAGE;
		goto out;
	}
	if (cli_open_log(opt) != 0) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = cli_oauth_signal;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (oauth_device_login(acc, stdout, &cli_oauth_stop, &err) != 0) {
		fprintf(stderr, "tern: %s: %s\n", acc->name, err);
		rc = EXIT_RUNTIME;
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
out:
	free(err);
	free(folder);
	config_free(cfg);
	return rc;
}
