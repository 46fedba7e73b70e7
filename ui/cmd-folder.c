/*
 * Folder operations of the reader: create, rename, delete (after a
 * question that names the folder and how many messages go with it),
 * subscribe and unsubscribe. In the folder pane they act on the selected
 * folder; bound in another pane they ask for the folder's name first.
 * The server does the work: these post requests to the account worker,
 * and the folder pane is redrawn when the worker says the list changed.
 * Also the Tab completion of folder names that every folder prompt uses.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "i18n.h"
#include "store.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

enum folderop_kind {
	FOLDEROP_RENAME,
	FOLDEROP_DELETE,
	FOLDEROP_SUBSCRIBE,
	FOLDEROP_UNSUBSCRIBE,
};

/* What the delete question carries to its answer. */
struct folderop_delete_arg {
	size_t acct;
	char name[];		/* UTF-8, as account_folder_delete() wants */
};

static struct account *folderop_account(struct ui *, size_t);
static const char *folderop_name(const struct store_folder *);
static int folderop_exists(struct ui *, size_t, const char *);
static void folderop_prefill(struct ui *, const char *);
static void folderop_pick(struct ui *, enum folderop_kind);
static void folderop_on(struct ui *, size_t, const struct store_folder *,
    enum folderop_kind);
static void folderop_named(struct ui *, const char *, enum folderop_kind);
static void folderop_rename_pick(struct ui *, const char *);
static void folderop_delete_pick(struct ui *, const char *);
static void folderop_subscribe_pick(struct ui *, const char *);
static void folderop_unsubscribe_pick(struct ui *, const char *);
static void folderop_create_done(struct ui *, const char *);
static void folderop_rename_done(struct ui *, const char *);
static void folderop_delete_done(struct ui *, int, void *);
static void folderop_unsubscribe_done(struct ui *, int, void *);

void
folderop_complete(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r)
{
	const struct ui_acct *as = &ui->as[ui->cur];
	size_t i, len = strlen(prefix), n = 0;
	char **list = NULL;
	const char *d;

	for (i = 0; i < as->nfolders; i++) {
		d = folderop_name(&as->folders[i]);
		if (strncasecmp(d, prefix, len) != 0)
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = xstrdup(d);
	}
	*list_r = list;
	*n_r = n;
}

/* Add to *LIST the names of ACCT's folders that start as NAME, after LEAD. */
static void
folderop_complete_in(struct ui *ui, size_t acct, const char *lead,
    size_t llen, const char *name, char ***list, size_t *n)
{
	const struct ui_acct *as = &ui->as[acct];
	size_t i, len = strlen(name);
	const char *d;

	for (i = 0; i < as->nfolders; i++) {
		d = folderop_name(&as->folders[i]);
		if (strncasecmp(d, name, len) != 0)
			continue;
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = xasprintf("%.*s%s", (int)llen, lead, d);
	}
}

void
folderop_complete_spec(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r)
{
	const char *colon, *rest, *name;
	char **list = NULL;
	size_t n = 0, i, len, lead = 0;

	if (*prefix == '=' || *prefix == '+')
		lead = 1;
	colon = strchr(prefix + lead, ':');
	if (colon != NULL) {
		len = (size_t)(colon - (prefix + lead));
		rest = colon + 1;
		if (*rest == '=' || *rest == '+')
			rest++;
		for (i = 0; i < ui->naccts; i++) {
			name = ui_account_name(ui, i);
			if (strlen(name) == len &&
			    strncmp(name, prefix + lead, len) == 0)
				folderop_complete_in(ui, i, prefix,
				    (size_t)(rest - prefix), rest, &list, &n);
		}
	}
	if (n == 0)
		folderop_complete_in(ui, ui->cur, prefix, lead, prefix + lead,
		    &list, &n);
	/* With several accounts, the others' names lead there. */
	len = strlen(prefix + lead);
	for (i = 0; colon == NULL && ui->naccts > 1 && i < ui->naccts; i++) {
		name = ui_account_name(ui, i);
		if (i == ui->cur || strncasecmp(name, prefix + lead, len) != 0)
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = xasprintf("%s:", name);
	}
	*list_r = list;
	*n_r = n;
}

/* The UTF-8 name of folder F. */
static const char *
folderop_name(const struct store_folder *f)
{
	if (f->display != NULL)
		return f->display;
	return f->name != NULL ? f->name : "";
}

/* Whether account ACCT has a folder called NAME. */
static int
folderop_exists(struct ui *ui, size_t acct, const char *name)
{
	const struct ui_acct *as = &ui->as[acct];
	const struct store_folder *f;
	size_t i;

	if (strcasecmp(name, "INBOX") == 0)
		return 1;
	for (i = 0; i < as->nfolders; i++) {
		f = &as->folders[i];
		if (strcmp(folderop_name(f), name) == 0 ||
		    (f->name != NULL && strcmp(f->name, name) == 0))
			return 1;
	}
	return 0;
}

/* The account ACCT, or NULL after saying that folders need the network. */
static struct account *
folderop_account(struct ui *ui, size_t acct)
{
	struct account *a = ui_account(ui, acct);

	if (a == NULL)
		ui_message(ui, "%s",
		    _("offline: folders can only be changed online"));
	return a;
}

/* Put TEXT into the prompt just started, as if typed. */
static void
folderop_prefill(struct ui *ui, const char *text)
{
	size_t len = strlen(text), k;
	unsigned int cp;

	while (len > 0) {
		k = text_utf8_next(text, len, &cp);
		if (cp != '\t')
			prompt_key(ui, (int)cp);
		text += k;
		len -= k;
	}
}

void
folderop_create(struct ui *ui)
{
	if (folderop_account(ui, ui->cur) == NULL)
		return;
	prompt_start(ui, _("Create folder: "), folderop_create_done,
	    folderop_complete);
}

static void
folderop_create_done(struct ui *ui, const char *text)
{
	struct account *a;
	char *shown;

	if (*text == '\0' || (a = folderop_account(ui, ui->cur)) == NULL)
		return;
	shown = text_sanitize_dup(text, 0);
	if (folderop_exists(ui, ui->cur, text)) {
		ui_message(ui, _("folder \"%s\" exists already"), shown);
		free(shown);
		return;
	}
	account_folder_create(a, text);
	ui_message(ui, _("creating folder \"%s\""), shown);
	free(shown);
}

/*
 * Run OP on the folder selected in the folder pane, or, from another
 * pane, on a folder asked for.
 */
static void
folderop_pick(struct ui *ui, enum folderop_kind op)
{
	const struct ui_frow *r;
	void (*done)(struct ui *, const char *) = NULL;
	const char *label = NULL;

	if (ui->focus == PANE_FOLDERS) {
		if (ui->fp.sel >= ui->fp.n ||
		    ui->fp.rows[ui->fp.sel].folder < 0) {
			ui_message(ui, "%s", _("no folder selected"));
			return;
		}
		r = &ui->fp.rows[ui->fp.sel];
		folderop_on(ui, r->acct,
		    &ui->as[r->acct].folders[r->folder], op);
		return;
	}
	if (folderop_account(ui, ui->cur) == NULL)
		return;
	switch (op) {
	case FOLDEROP_RENAME:
		label = _("Rename folder: ");
		done = folderop_rename_pick;
		break;
	case FOLDEROP_DELETE:
		label = _("Delete folder: ");
		done = folderop_delete_pick;
		break;
	case FOLDEROP_SUBSCRIBE:
		label = _("Subscribe to folder: ");
		done = folderop_subscribe_pick;
		break;
	case FOLDEROP_UNSUBSCRIBE:
		label = _("Unsubscribe from folder: ");
		done = folderop_unsubscribe_pick;
		break;
	}
	prompt_start(ui, label, done, folderop_complete);
}

/* A folder was named in answer to folderop_pick()'s prompt. */
static void
folderop_named(struct ui *ui, const char *text, enum folderop_kind op)
{
	const struct store_folder *f;
	char *shown;

	if (*text == '\0')
		return;
	if ((f = ui_find_folder(ui, ui->cur, text)) == NULL) {
		shown = text_sanitize_dup(text, 0);
		ui_message(ui, _("no folder \"%s\""), shown);
		free(shown);
		return;
	}
	folderop_on(ui, ui->cur, f, op);
}

static void
folderop_rename_pick(struct ui *ui, const char *text)
{
	folderop_named(ui, text, FOLDEROP_RENAME);
}

static void
folderop_delete_pick(struct ui *ui, const char *text)
{
	folderop_named(ui, text, FOLDEROP_DELETE);
}

static void
folderop_subscribe_pick(struct ui *ui, const char *text)
{
	folderop_named(ui, text, FOLDEROP_SUBSCRIBE);
}

static void
folderop_unsubscribe_pick(struct ui *ui, const char *text)
{
	folderop_named(ui, text, FOLDEROP_UNSUBSCRIBE);
}

/* Whether F is the Inbox. */
static int
folderop_is_inbox(const struct store_folder *f)
{
	return f->role == ROLE_INBOX ||
	    (f->name != NULL && strcasecmp(f->name, "INBOX") == 0);
}

/* Run OP on folder F of account ACCT. */
static void
folderop_on(struct ui *ui, size_t acct, const struct store_folder *f,
    enum folderop_kind op)
{
	struct folderop_delete_arg *da;
	struct account *a;
	const char *name = folderop_name(f);
	char *shown;
	int n;

	if ((a = folderop_account(ui, acct)) == NULL)
		return;
	shown = text_sanitize_dup(name, 0);
	if ((op == FOLDEROP_RENAME || op == FOLDEROP_DELETE) &&
	    folderop_is_inbox(f)) {
		ui_message(ui, _("\"%s\" cannot be renamed or deleted"),
		    shown);
		goto out;
	}
	if ((op == FOLDEROP_RENAME || op == FOLDEROP_DELETE) &&
	    acct == ui->cur && f->id == ui->folder_id) {
		ui_message(ui, _("\"%s\" is open: open another folder first"),
		    shown);
		goto out;
	}
	switch (op) {
	case FOLDEROP_RENAME:
		free(ui->ops.folder);
		ui->ops.folder = xstrdup(name);
		ui->ops.acct = acct;
		free(ui->ops.label);
		ui->ops.label = xasprintf(_("Rename \"%s\" to: "), shown);
		prompt_start(ui, ui->ops.label, folderop_rename_done,
		    folderop_complete);
		folderop_prefill(ui, name);
		break;
	case FOLDEROP_DELETE:
		/* Never synced: the server's count, if STATUS gave one. */
		n = f->total;
		if (f->uidvalidity == 0 && f->srv_total >= 0)
			n = f->srv_total;
		da = xmalloc(sizeof *da + strlen(name) + 1);
		da->acct = acct;
		memcpy(da->name, name, strlen(name) + 1);
		ask_start(ui, "yn", folderop_delete_done, da,
		    ngettext("Delete folder \"%s\" and its %d message? (y/n)",
		    "Delete folder \"%s\" and its %d messages? (y/n)", n),
		    shown, n);
		break;
	case FOLDEROP_SUBSCRIBE:
		account_folder_subscribe(a, name, 1);
		ui_message(ui, _("subscribing to \"%s\""), shown);
		break;
	case FOLDEROP_UNSUBSCRIBE:
		/* Never one slip away: the folder leaves the pane. */
		da = xmalloc(sizeof *da + strlen(name) + 1);
		da->acct = acct;
		memcpy(da->name, name, strlen(name) + 1);
		ask_start(ui, "yn", folderop_unsubscribe_done, da,
		    _("Unsubscribe from \"%s\"? (y/n)"), shown);
		break;
	}
out:
	free(shown);
}

static void
folderop_rename_done(struct ui *ui, const char *text)
{
	struct account *a;
	char *from, *to;

	if (*text == '\0' || ui->ops.folder == NULL ||
	    strcmp(text, ui->ops.folder) == 0)
		return;
	if ((a = folderop_account(ui, ui->ops.acct)) == NULL)
		return;
	if (folderop_exists(ui, ui->ops.acct, text)) {
		to = text_sanitize_dup(text, 0);
		ui_message(ui, _("folder \"%s\" exists already"), to);
		free(to);
		return;
	}
	account_folder_rename(a, ui->ops.folder, text);
	from = text_sanitize_dup(ui->ops.folder, 0);
	to = text_sanitize_dup(text, 0);
	ui_message(ui, _("renaming \"%s\" to \"%s\""), from, to);
	free(from);
	free(to);
	free(ui->ops.folder);
	ui->ops.folder = NULL;
}

static void
folderop_delete_done(struct ui *ui, int answer, void *arg)
{
	struct folderop_delete_arg *da = arg;
	struct account *a;
	char *shown;

	if (answer != 'y' || (a = folderop_account(ui, da->acct)) == NULL)
		return;
	account_folder_delete(a, da->name);
	shown = text_sanitize_dup(da->name, 0);
	ui_message(ui, _("deleting folder \"%s\""), shown);
	free(shown);
}

static void
folderop_unsubscribe_done(struct ui *ui, int answer, void *arg)
{
	struct folderop_delete_arg *da = arg;
	struct account *a;
	char *shown;

	if (answer != 'y' || (a = folderop_account(ui, da->acct)) == NULL)
		return;
	account_folder_subscribe(a, da->name, 0);
	shown = text_sanitize_dup(da->name, 0);
	ui_message(ui, _("unsubscribing from \"%s\""), shown);
	free(shown);
}

void
folderop_rename(struct ui *ui)
{
	folderop_pick(ui, FOLDEROP_RENAME);
}

void
folderop_delete(struct ui *ui)
{
	folderop_pick(ui, FOLDEROP_DELETE);
}

void
folderop_subscribe(struct ui *ui)
{
	folderop_pick(ui, FOLDEROP_SUBSCRIBE);
}

void
folderop_unsubscribe(struct ui *ui)
{
	folderop_pick(ui, FOLDEROP_UNSUBSCRIBE);
}
