/*
 * The POP3 preview screen: what waits on the server of a POP3 account
 * (size, date, sender, subject, from TOP n 0), listed without downloading
 * anything. From it the user downloads chosen messages, or deletes them on
 * the server unread (spam). The list lives in the store (the worker writes
 * it, EV_PREVIEW says it changed); this file only reads it and posts
 * requests to the account.
 *
 * The screen takes the whole terminal but the status line, which keeps the
 * account's state, the progress and the confirmation prompt.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "cmd.h"
#include "config.h"
#include "format.h"
#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "util.h"
#include "xmalloc.h"

static void preview_load(struct ui *);
static int preview_marked(struct ui *, const char *);

/* The rows of the list between the two title lines and the status line. */
static int
preview_body_rows(void)
{
	return LINES > 3 ? LINES - 3 : 0;
}

static int
preview_marked(struct ui *ui, const char *uidl)
{
	size_t i;

	for (i = 0; i < ui->pv.nmarked; i++)
		if (strcmp(ui->pv.marked[i], uidl) == 0)
			return 1;
	return 0;
}

static void
preview_unmark_all(struct ui *ui)
{
	util_strv_free(ui->pv.marked, ui->pv.nmarked);
	ui->pv.marked = NULL;
	ui->pv.nmarked = 0;
}

static void
preview_toggle_mark(struct ui *ui, const char *uidl)
{
	struct pane_preview *pv = &ui->pv;
	size_t i;

	for (i = 0; i < pv->nmarked; i++) {
		if (strcmp(pv->marked[i], uidl) == 0) {
			free(pv->marked[i]);
			pv->marked[i] = pv->marked[--pv->nmarked];
			return;
		}
	}
	pv->marked = xreallocarray(pv->marked, pv->nmarked + 1,
	    sizeof *pv->marked);
	pv->marked[pv->nmarked++] = xstrdup(uidl);
}

/* Read the list from the store again, keeping the selection and marks. */
static void
preview_load(struct ui *ui)
{
	struct pane_preview *pv = &ui->pv;
	struct store *st = ui_store(ui, pv->acct);
	struct store_pop3_preview *list = NULL;
	char *sel = NULL;
	size_t n = 0, i;

	if (st == NULL)
		return;
	if (pv->sel < pv->n)
		sel = xstrdup(pv->rows[pv->sel].uidl);
	if (store_pop3_preview_list(st, &list, &n) != 0) {
		ui_message(ui, _("cannot read the preview: %s"),
		    store_errmsg(st));
		free(sel);
		return;
	}
	store_pop3_preview_list_free(pv->rows, pv->n);
	pv->rows = list;
	pv->n = n;
	if (pv->sel >= n)
		pv->sel = n > 0 ? n - 1 : 0;
	for (i = 0; sel != NULL && i < n; i++) {
		if (strcmp(list[i].uidl, sel) == 0) {
			pv->sel = i;
			break;
		}
	}
	free(sel);
	/* Marks of messages no longer listed go. */
	for (i = 0; i < pv->nmarked;) {
		size_t j;

		for (j = 0; j < n; j++)
			if (strcmp(list[j].uidl, pv->marked[i]) == 0)
				break;
		if (j < n) {
			i++;
			continue;
		}
		free(pv->marked[i]);
		pv->marked[i] = pv->marked[--pv->nmarked];
	}
	ui->dirty |= DIRTY_ALL;
}

void
preview_open(struct ui *ui, size_t acct)
{
	struct pane_preview *pv = &ui->pv;
	struct account *a = ui_account(ui, acct);

	if (ui->accts[acct].cfg == NULL ||
	    ui->accts[acct].cfg->proto != PROTO_POP3) {
		ui_message(ui, _("the preview is for POP3 accounts"));
		return;
	}
	preview_free(ui);
	pv->active = 1;
	pv->acct = acct;
	ui_mode_push(ui, CMD_MODE_PREVIEW);
	preview_load(ui);
	if (a == NULL) {
		ui_message(ui, _("offline: showing the last preview"));
	} else {
		pv->listing = 1;
		account_pop3_preview(a);
	}
	erase();
	ui->dirty |= DIRTY_ALL;
}

void
preview_changed(struct ui *ui, size_t acct)
{
	if (!ui->pv.active || ui->pv.acct != acct)
		return;
	ui->pv.listing = 0;
	preview_load(ui);
}

void
preview_free(struct ui *ui)
{
	struct pane_preview *pv = &ui->pv;

	store_pop3_preview_list_free(pv->rows, pv->n);
	preview_unmark_all(ui);
	memset(pv, 0, sizeof *pv);
	ui_mode_pop(ui, CMD_MODE_PREVIEW);
}

/* One letter for what a row is. */
static char
preview_state_char(enum pop3_preview_state state)
{
	switch (state) {
	case POP3_PV_LOCAL:
		return 'L';
	case POP3_PV_TOO_BIG:
		return 'B';
	case POP3_PV_DELETING:
		return 'D';
	case POP3_PV_NEW:
	default:
		return ' ';
	}
}

void
preview_draw(struct ui *ui)
{
	struct pane_preview *pv = &ui->pv;
	struct strbuf sb = STRBUF_INIT;
	int body = preview_body_rows(), y, cols = COLS;
	int64_t total = 0;
	char date[32], *name;
	size_t i;

	erase();
	if (LINES <= 0 || cols <= 0)
		goto out;
	for (i = 0; i < pv->n; i++)
		total += pv->rows[i].size;
	name = text_sanitize_dup(ui_account_name(ui, pv->acct), 0);
	strbuf_addf(&sb, _(" %s: %zu messages on the server ("), name, pv->n);
	free(name);
	format_size(&sb, total);
	strbuf_addch(&sb, ')');
	if (pv->nmarked > 0)
		strbuf_addf(&sb, _(", %zu marked"), pv->nmarked);
	if (pv->listing)
		strbuf_addstr(&sb, _("  (listing...)"));
	ui_put(0, 0, cols, sb.buf, A_REVERSE);
	if (LINES > 1)
		ui_put(1, 0, cols, _(" Space:mark  f:download  D:delete on "
		    "server  $:list again  q:back   (L downloaded, B too big, "
		    "D deleting)"), A_BOLD);
	if (body <= 0)
		goto out;
	if (pv->sel < pv->top)
		pv->top = pv->sel;
	if (pv->sel >= pv->top + (size_t)body)
		pv->top = pv->sel - (size_t)body + 1;
	if (pv->n == 0)
		ui_put(2, 0, cols, pv->listing ? _(" asking the server...") :
		    _(" nothing waits on the server"), 0);
	for (y = 0, i = pv->top; i < pv->n && y < body; i++, y++) {
		const struct store_pop3_preview *r = &pv->rows[i];
		struct strbuf size = STRBUF_INIT;
		struct tm tm;
		time_t t = (time_t)r->date;
		int attr = i == pv->sel ? A_REVERSE : 0;

		if (r->date > 0 && localtime_r(&t, &tm) != NULL)
			strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
		else
			strcpy(date, "                ");
		format_size(&size, r->size);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%c%c %7s %s  ", preview_marked(ui, r->uidl) ?
		    '*' : ' ', preview_state_char(r->state), size.buf, date);
		strbuf_release(&size);
		ui_put(2 + y, 0, cols, sb.buf, attr);
		if ((int)sb.len < cols) {
			struct strbuf rest = STRBUF_INIT;
			int x = (int)sb.len, w = cols - x, fw;

			fw = w / 3 > 28 ? 28 : w / 3;
			text_fit(&rest, r->sender != NULL ? r->sender : "",
			    fw, 1);
			strbuf_addstr(&rest, "  ");
			strbuf_addstr(&rest, r->subject != NULL ? r->subject :
			    "");
			ui_put(2 + y, x, w, rest.buf, attr);
			strbuf_release(&rest);
		}
	}
out:
	strbuf_release(&sb);
	ui->cursor_x = -1;
	if (ui->lay.status >= 0)
		status_draw(ui);
}

/* The marked messages, or else the selected one. */
static char **
preview_chosen(struct ui *ui, size_t *n_r)
{
	struct pane_preview *pv = &ui->pv;
	char **v;
	size_t i;

	*n_r = 0;
	if (pv->nmarked > 0) {
		v = xcalloc(pv->nmarked, sizeof *v);
		for (i = 0; i < pv->nmarked; i++)
			v[i] = xstrdup(pv->marked[i]);
		*n_r = pv->nmarked;
		return v;
	}
	if (pv->sel >= pv->n)
		return NULL;
	v = xcalloc(1, sizeof *v);
	v[0] = xstrdup(pv->rows[pv->sel].uidl);
	*n_r = 1;
	return v;
}

void
preview_fetch(struct ui *ui)
{
	struct account *a = ui_account(ui, ui->pv.acct);
	char **v;
	size_t n, i;

	if (a == NULL) {
		ui_message(ui, _("offline: cannot download"));
		return;
	}
	if ((v = preview_chosen(ui, &n)) == NULL)
		return;
	for (i = 0; i < n; i++)
		account_pop3_fetch(a, v[i]);
	ui_message(ui, ngettext("downloading %zu message",
	    "downloading %zu messages", n), n);
	util_strv_free(v, n);
	preview_unmark_all(ui);
	ui->dirty |= DIRTY_ALL;
}

static void
preview_delete_done(struct ui *ui, int key, void *arg)
{
	struct pane_preview *pv = &ui->pv;
	struct account *a = ui_account(ui, pv->acct);
	struct store *st = ui_store(ui, pv->acct);
	char **v;
	size_t n, i;

	(void)arg;
	ui->dirty |= DIRTY_ALL;
	if (!pv->active || key != 'y')
		return;
	if (a == NULL) {
		ui_message(ui, _("offline: cannot delete on the server"));
		return;
	}
	if ((v = preview_chosen(ui, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		account_pop3_delete(a, v[i]);
		if (st != NULL)
			store_pop3_preview_set_state(st, v[i],
			    POP3_PV_DELETING);
	}
	ui_message(ui, ngettext("deleting %zu message on the server",
	    "deleting %zu messages on the server", n), n);
	util_strv_free(v, n);
	preview_unmark_all(ui);
	preview_load(ui);
}

void
preview_delete(struct ui *ui)
{
	size_t n = ui->pv.nmarked > 0 ? ui->pv.nmarked :
	    ui->pv.sel < ui->pv.n ? 1 : 0;

	if (n == 0)
		return;
	ask_start(ui, "yn", preview_delete_done, NULL, ngettext(
	    "Delete %zu message on the server, unread? (y/n)",
	    "Delete %zu messages on the server, unread? (y/n)", n), n);
}

void
preview_move(struct ui *ui, long d)
{
	struct pane_preview *pv = &ui->pv;
	long sel = (long)pv->sel + d;

	if (pv->n == 0)
		return;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)pv->n)
		sel = (long)pv->n - 1;
	pv->sel = (size_t)sel;
	ui->dirty |= DIRTY_ALL;
}

long
preview_page(struct ui *ui)
{
	(void)ui;
	return preview_body_rows() > 1 ? preview_body_rows() : 1;
}

void
preview_jump(struct ui *ui, int end)
{
	preview_move(ui, end ? (long)ui->pv.n : -(long)ui->pv.n);
}

void
preview_close(struct ui *ui)
{
	preview_free(ui);
	clearok(curscr, TRUE);
	ui->dirty |= DIRTY_ALL;
}

/* Space, t: mark the selected message (or unmark it) and go on. */
void
preview_mark(struct ui *ui)
{
	struct pane_preview *pv = &ui->pv;

	if (pv->sel < pv->n) {
		preview_toggle_mark(ui, pv->rows[pv->sel].uidl);
		preview_move(ui, 1);
	}
	ui->dirty |= DIRTY_ALL;
}

/* $: ask the server for the list again. */
void
preview_refresh(struct ui *ui)
{
	struct pane_preview *pv = &ui->pv;
	struct account *acc;

	if ((acc = ui_account(ui, pv->acct)) != NULL) {
		pv->listing = 1;
		account_pop3_preview(acc);
	}
	ui->dirty |= DIRTY_ALL;
}
