/*
 * The full-screen reader: three panes (folders, index, pager) and a status
 * line, driven by keys and by account events. It reads only the store; it
 * talks to the network only by posting requests to the accounts.
 */
#ifndef TERN_UI_H
#define TERN_UI_H

#include <stddef.h>

struct account;
struct config;
struct evqueue;
struct store;

/* One account as the UI sees it. */
struct ui_account {
	struct account *account;	/* NULL when offline */
	const struct account_config *cfg;
	struct store *store;		/* the UI's own read handle */
};

struct draft;

/*
 * Run the reader until the user quits. ACCTS holds N accounts; the first
 * one's FOLDER (NULL: INBOX) is opened first. Events arrive on Q. With
 * COMPOSE (tern compose, a mailto: URL) the reader writes that message
 * from the first account (its To, Cc, Bcc, Subject, text, attachments
 * and In-Reply-To taken) and ends once it is sent, queued or dropped.
 * Returns the exit status (0 on a normal quit).
 */
int ui_run(const struct config *cfg, struct ui_account *accts, size_t n,
    struct evqueue *q, const char *folder, const struct draft *compose);

#endif
