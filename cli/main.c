/*
 * tern's entry point: locale and gettext, process hardening, option
 * parsing, then the command (the reader, sync, search, export or oauth2).
 */
#include "autoconfig.h"

#include <getopt.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "cli.h"
#include "compat.h"
#include "i18n.h"
#include "oauth.h"
#include "tls.h"
#include "xmalloc.h"

static void
usage(FILE *f)
{
	fprintf(f, _("usage: tern [-c FILE] [--offline] [--ephemeral] "
	    "[--log FILE] [URL | ACCOUNT[:FOLDER]]\n"
	    "       tern sync [--bodies] [ACCOUNT[:FOLDER]]\n"
	    "       tern sync (--preview | --fetch UIDL | --delete UIDL)... "
	    "POP3-ACCOUNT\n"
	    "       tern search [--offline] ACCOUNT[:FOLDER] QUERY\n"
	    "       tern export [--offline] ACCOUNT[:FOLDER] "
	    "(--maildir DIR | --mbox FILE)\n"
	    "       tern send [--offline] ACCOUNT [FILE]\n"
	    "       tern send (--outbox | --retry ID | --discard ID) ACCOUNT\n"
	    "       tern compose [--to ADDR] [--cc ADDR] [--bcc ADDR] "
	    "[--subject TEXT] [--attach FILE]... [ACCOUNT]\n"
	    "       tern [OPTION]... mailto:ADDR[?subject=...&body=...]\n"
	    "       tern oauth2 ACCOUNT\n"
	    "       tern --version | --help\n"
	    "\n"
	    "URL is imaps://user@host[:port][/FOLDER], imap://... (STARTTLS),\n"
	    "pop3s://... or pop3://... (STLS). The config file is\n"
	    "$XDG_CONFIG_HOME/tern/config; see tern(1).\n"));
}

/* Keep secrets out of core dumps and away from other processes. */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
#if defined(HAVE_PRCTL) && defined(PR_SET_DUMPABLE)
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "offline", no_argument, NULL, 'o' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{ "log", required_argument, NULL, 'L' },
		{ "preview", no_argument, NULL, 'P' },
		{ "fetch", required_argument, NULL, 'F' },
		{ "delete", required_argument, NULL, 'D' },
		{ "bodies", no_argument, NULL, 'B' },
		{ "maildir", required_argument, NULL, 'M' },
		{ "mbox", required_argument, NULL, 'X' },
		{ "outbox", no_argument, NULL, 'O' },
		{ "retry", required_argument, NULL, 'R' },
		{ "discard", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "cc", required_argument, NULL, 'C' },
		{ "bcc", required_argument, NULL, 'b' },
		{ "subject", required_argument, NULL, 's' },
		{ "attach", required_argument, NULL, 'a' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_options opt;
	struct cli_compose_args ca;
	const char *command = NULL, *target = NULL, *file = NULL;
#ifdef ENABLE_NLS
	const char *localedir;
#endif
	int c, rc = 0;

#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
	/*
	 * A large block (a message, a body) is given back to the system
	 * when it is freed: glibc's threshold would otherwise grow with the
	 * first one freed and keep the next ones in the heap for good.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	/* TERN_LOCALEDIR: catalogues not yet installed (the tests' own). */
	localedir = getenv("TERN_LOCALEDIR");
	bindtextdomain(PACKAGE, localedir != NULL && *localedir != '\0' ?
	    localedir : LOCALEDIR);
	textdomain(PACKAGE);
#endif
	harden();
	if (compat_restrict() != 0) {
		fprintf(stderr, "tern: %s\n", _("cannot restrict the process"));
		return 1;
	}
	tls_global_init();
	oauth_global_init();

	memset(&opt, 0, sizeof opt);
	memset(&ca, 0, sizeof ca);
	/* Options may come before and after the command word. */
options:
	for (;;) {
		c = getopt_long(argc, argv, "+c:h", longopts, NULL);
		if (c == -1) {
			if (command == NULL && optind < argc &&
			    (strcmp(argv[optind], "sync") == 0 ||
			    strcmp(argv[optind], "search") == 0 ||
			    strcmp(argv[optind], "export") == 0 ||
			    strcmp(argv[optind], "send") == 0 ||
			    strcmp(argv[optind], "compose") == 0 ||
			    strcmp(argv[optind], "oauth2") == 0)) {
				command = argv[optind++];
				continue;
			}
			break;
		}
		switch (c) {
		case 'c':
			opt.config_path = optarg;
			break;
		case 'o':
			opt.offline = 1;
			break;
		case 'e':
			opt.ephemeral = 1;
			break;
		case 'L':
			opt.log_path = optarg;
			break;
		case 'P':
			opt.preview = 1;
			break;
		case 'F':
			opt.fetch = xreallocarray(opt.fetch, opt.nfetch + 1,
			    sizeof *opt.fetch);
			opt.fetch[opt.nfetch++] = optarg;
			break;
		case 'D':
			opt.del = xreallocarray(opt.del, opt.ndel + 1,
			    sizeof *opt.del);
			opt.del[opt.ndel++] = optarg;
			break;
		case 'B':
			opt.bodies = 1;
			break;
		case 'M':
			opt.maildir = optarg;
			break;
		case 'X':
			opt.mbox = optarg;
			break;
		case 'O':
			opt.outbox_list = 1;
			break;
		case 'R':
			opt.retry = optarg;
			break;
		case 'd':
			opt.discard = optarg;
			break;
		case 't':
		case 'C':
		case 'b':
			cli_compose_add(&ca, c == 't' ? &ca.to : c == 'C' ?
			    &ca.cc : &ca.bcc, optarg);
			ca.any = 1;
			break;
		case 's':
			ca.subject = optarg;
			ca.any = 1;
			break;
		case 'a':
			ca.attach = xreallocarray(ca.attach, ca.nattach + 1,
			    sizeof *ca.attach);
			ca.attach[ca.nattach++] = optarg;
			ca.any = 1;
			break;
		case 'V':
			printf("tern %s\n", PACKAGE_VERSION);
			goto out;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	/*
	 * The target; then, but for a search (whose query words may start
	 * with '-'), options may follow it too.
	 */
	if (target == NULL && optind < argc) {
		target = argv[optind++];
		if (command == NULL || strcmp(command, "search") != 0)
			goto options;
	}
	if (opt.bodies && (command == NULL || strcmp(command, "sync") != 0)) {
		fprintf(stderr, "%s", _("tern: --bodies goes with \"tern "
		    "sync\"\n"));
		rc = EXIT_USAGE;
		goto out;
	}
	if (command != NULL && strcmp(command, "search") == 0) {
		/* The words after ACCOUNT[:FOLDER] are the query. */
		rc = cli_search(&opt, target, argc - optind, argv + optind);
		goto out;
	}
	/* tern send ACCOUNT FILE: the file to send. */
	if (command != NULL && strcmp(command, "send") == 0 && file == NULL &&
	    optind < argc) {
		file = argv[optind++];
		goto options;
	}
	if ((opt.outbox_list || opt.retry != NULL || opt.discard != NULL) &&
	    (command == NULL || strcmp(command, "send") != 0)) {
		fprintf(stderr, "%s", _("tern: --outbox, --retry and --discard "
		    "go with \"tern send\"\n"));
		rc = EXIT_USAGE;
		goto out;
	}
	if (optind < argc) {
		fprintf(stderr, _("tern: unexpected argument \"%s\"\n"),
		    argv[optind]);
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (command == NULL && (opt.preview || opt.nfetch > 0 ||
	    opt.ndel > 0)) {
		fprintf(stderr, "%s", _("tern: --preview, --fetch and --delete "
		    "go with \"tern sync\"\n"));
		rc = EXIT_USAGE;
		goto out;
	}
	if ((opt.maildir != NULL || opt.mbox != NULL) &&
	    (command == NULL || strcmp(command, "export") != 0)) {
		fprintf(stderr, "%s", _("tern: --maildir and --mbox go with "
		    "\"tern export\"\n"));
		rc = EXIT_USAGE;
		goto out;
	}
	if (ca.any && (command == NULL || strcmp(command, "compose") != 0)) {
		fprintf(stderr, "%s", _("tern: --to, --cc, --bcc, --subject "
		    "and --attach go with \"tern compose\"\n"));
		rc = EXIT_USAGE;
		goto out;
	}
	if (command != NULL && strcmp(command, "compose") == 0)
		rc = cli_compose(&opt, target, &ca);
	else if (command != NULL && strcmp(command, "export") == 0)
		rc = cli_export(&opt, target);
	else if (command != NULL && strcmp(command, "oauth2") == 0)
		rc = cli_oauth2(&opt, target);
	else if (command != NULL && strcmp(command, "send") == 0)
		rc = cli_send(&opt, target, file);
	else if (command != NULL)
		rc = cli_sync(&opt, target);
	else
		rc = cli_reader(&opt, target);
out:
	free(opt.fetch);
	free(opt.del);
	free(ca.to);
	free(ca.cc);
	free(ca.bcc);
	free(ca.attach);
	return rc;
}
