/*
 * The command line: options shared by every command, and the commands that
 * do not take over the screen (tern sync) as well as the set-up of the
 * full-screen reader.
 */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stddef.h>

struct draft;

struct cli_options {
	const char *config_path;	/* -c FILE, or NULL for the default */
	const char *log_path;		/* --log FILE, or NULL */
	int offline;
	int ephemeral;
	/* tern sync on a POP3 account: the preview instead of the check. */
	int preview;		/* --preview: list what waits on the server */
	const char **fetch;	/* --fetch UIDL: download these */
	size_t nfetch;
	const char **del;	/* --delete UIDL: delete these on the server */
	size_t ndel;
	int bodies;		/* tern sync --bodies: fill the body cache */
	const char *maildir;	/* tern export --maildir DIR */
	const char *mbox;	/* tern export --mbox FILE */
	int outbox_list;	/* tern send --outbox: list the outbox */
	const char *retry;	/* tern send --retry ID */
	const char *discard;	/* tern send --discard ID */
	/* Inside tern send: a session that only pushes (the Sent copy),
	 * signing in with PASSWORD when it is set. */
	int push_only;
	const char *password;
	/* tern compose, or a mailto: URL: the message to write. */
	struct draft *compose;
};

/* Exit statuses (DESIGN.md): 0 ok, 1 runtime error, 2 usage error. */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct account_config;
struct config;

/* tern compose's options: each NULL or as given (lists joined). */
struct cli_compose_args {
	char *to, *cc, *bcc;
	const char *subject;
	const char **attach;
	size_t nattach;
	int any;		/* one of them was given */
};

/* Add the address list V to the list *FIELD (", " between). */
void cli_compose_add(struct cli_compose_args *ca, char **field,
    const char *v);
/*
 * tern compose [ACCOUNT]: the reader writes one message (the editor, the
 * compose screen) and ends once it is sent or queued (cli-send.c).
 */
int cli_compose(const struct cli_options *opt, const char *target,
    const struct cli_compose_args *ca);

/* tern oauth2 ACCOUNT: sign in with the device grant (cli-oauth.c). */
int cli_oauth2(const struct cli_options *opt, const char *target);
/* tern export ACCOUNT[:FOLDER] (--maildir DIR | --mbox FILE). */
int cli_export(const struct cli_options *opt, const char *target);

/*
 * tern send ACCOUNT [FILE] (FILE or stdin: a message to queue and send),
 * tern send --outbox | --retry ID | --discard ID ACCOUNT (cli-send.c).
 */
int cli_send(const struct cli_options *opt, const char *target,
    const char *file);
struct outbox_report;
struct store;
/*
 * Send every queued entry of ACC's outbox (cache at PATH, open in ST)
 * with the password PW (may be NULL). 0 with *REP filled in, 1 when
 * another tern sends this outbox, -1 on an error reported.
 */
int cli_send_flush(const struct account_config *acc, const char *path,
    struct store *st, const char *pw, struct outbox_report *rep);

/* Shared by the commands (cli.c). */
/*
 * The password for ACC when it has no password_cmd nor token: asked on
 * the terminal. 0 (*PW_R NULL when none is needed), or -1 (reported).
 */
int cli_password(const struct account_config *acc, char **pw_r);
/* Print "tern: TEXT" on stderr. */
void cli_error(const char *text);
/* With --log FILE, send the core's log there; 0, or -1 (reported). */
int cli_open_log(const struct cli_options *opt);
/*
 * Load the config for TARGET (a URL, or ACCOUNT[:FOLDER] of the config
 * file, or NULL); *ACC_R is the account named (or NULL) and *FOLDER_R the
 * folder (or NULL; free() it). Returns an exit status.
 */
int cli_load(const struct cli_options *opt, const char *target,
    struct config **cfg_r, struct account_config **acc_r, char **folder_r);
/* The cache path of ACC (*PATH_R NULL for --ephemeral); 0 or -1. */
int cli_store_path(const struct cli_options *opt,
    const struct account_config *acc, char **path_r);
/* Sync ACC (FOLDER, or every subscribed folder) without the screen. */
int cli_sync_account(const struct cli_options *opt, struct account_config *acc,
    const char *folder);

/*
 * tern sync [ACCOUNT[:FOLDER]], or on a POP3 account with --preview,
 * --fetch or --delete, those instead of the check; returns the exit status.
 */
int cli_sync(const struct cli_options *opt, const char *target);
/*
 * tern search [--offline] ACCOUNT[:FOLDER] QUERY: the N words of WORDS,
 * joined by spaces, are the query; one line per match on stdout.
 */
int cli_search(const struct cli_options *opt, const char *target, int n,
    char **words);
/* tern [URL | ACCOUNT[:FOLDER]]: the full-screen reader. */
int cli_reader(const struct cli_options *opt, const char *target);

#endif
