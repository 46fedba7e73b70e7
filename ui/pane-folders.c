/*
 * The folder pane: every account's folders as the store lists them (roles
 * first), each with its unread count, the open folder marked with '*'.
 * With more than one account each list is headed by the account's name.
 * The pane keeps its selection by folder id across reloads.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "i18n.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

static void folders_select_row(struct ui *, size_t);
static const struct store_folder *folders_row_folder(struct ui *, size_t);

/* The folder of row I, or NULL for a title row. */
static const struct store_folder *
folders_row_folder(struct ui *ui, size_t i)
{
	const struct ui_frow *r;

	if (i >= ui->fp.n)
		return NULL;
	r = &ui->fp.rows[i];
	if (r->folder < 0)
		return NULL;
	return &ui->as[r->acct].folders[r->folder];
}

/* Make row I the selection, remembering it by identity. */
static void
folders_select_row(struct ui *ui, size_t i)
{
	const struct store_folder *f;

	if (i >= ui->fp.n)
		return;
	ui->fp.sel = i;
	ui->fp.have_sel = 1;
	ui->fp.sel_acct = ui->fp.rows[i].acct;
	f = folders_row_folder(ui, i);
	ui->fp.sel_id = f != NULL ? f->id : -1;
	ui->dirty |= DIRTY_FOLDERS;
}

void
folders_reload(struct ui *ui, size_t acct)
{
	struct ui_acct *as = &ui->as[acct];
	struct store *st = ui_store(ui, acct);
	struct store_folder *list = NULL;
	size_t n = 0;

	as->stale = 0;
	if (st == NULL)
		return;
	if (store_folder_list(st, &list, &n) != 0) {
		ui_message(ui, _("cannot read the folder list: %s"),
		    store_errmsg(st));
		return;
	}
	store_folder_list_free(as->folders, as->nfolders);
	as->folders = list;
	as->nfolders = n;
	folders_rebuild(ui);
}

void
folders_rebuild(struct ui *ui)
{
	struct pane_folders *fp = &ui->fp;
	const struct store_folder *f;
	size_t a, i, want = (size_t)-1, open = (size_t)-1, first = (size_t)-1;

	free(fp->rows);
	fp->rows = NULL;
	fp->n = 0;
	for (a = 0; a < ui->naccts; a++) {
		fp->rows = xreallocarray(fp->rows,
		    fp->n + ui->as[a].nfolders + 1, sizeof *fp->rows);
		if (ui->naccts > 1) {
			fp->rows[fp->n].acct = a;
			fp->rows[fp->n].folder = -1;
			if (fp->have_sel && fp->sel_acct == a &&
			    fp->sel_id == -1)
				want = fp->n;
			fp->n++;
		}
		for (i = 0; i < ui->as[a].nfolders; i++) {
			f = &ui->as[a].folders[i];
			fp->rows[fp->n].acct = a;
			fp->rows[fp->n].folder = (long)i;
			if (fp->have_sel && fp->sel_acct == a &&
			    fp->sel_id == f->id)
				want = fp->n;
			if (a == ui->cur && f->id == ui->folder_id)
				open = fp->n;
			if (first == (size_t)-1)
				first = fp->n;
			fp->n++;
		}
	}
	if (want == (size_t)-1)
		want = open != (size_t)-1 ? open : first;
	if (want == (size_t)-1)
		want = fp->sel < fp->n ? fp->sel : 0;
	if (fp->n > 0)
		folders_select_row(ui, want);
	else
		fp->sel = fp->top = 0;
	ui->dirty |= DIRTY_FOLDERS | DIRTY_STATUS;
}

void
folders_move(struct ui *ui, long n)
{
	struct pane_folders *fp = &ui->fp;
	long t;

	if (fp->n == 0)
		return;
	t = (long)fp->sel + n;
	if (t < 0)
		t = 0;
	if (t >= (long)fp->n)
		t = (long)fp->n - 1;
	/* Step over an account's title in the direction of the move. */
	if (fp->rows[t].folder < 0) {
		if (n > 0 && t + 1 < (long)fp->n)
			t++;
		else if (n < 0 && t > 0)
			t--;
		else if (t + 1 < (long)fp->n)
			t++;
	}
	folders_select_row(ui, (size_t)t);
}

void
folders_jump(struct ui *ui, int end)
{
	if (ui->fp.n == 0)
		return;
	folders_select_row(ui, end ? ui->fp.n - 1 : 0);
	if (!end)
		folders_move(ui, 0);
}

void
folders_open_selected(struct ui *ui)
{
	const struct store_folder *f;
	char *shown;

	if ((f = folders_row_folder(ui, ui->fp.sel)) == NULL)
		return;
	if (f->noselect) {
		shown = text_sanitize_dup(f->display != NULL ? f->display :
		    f->name, 0);
		ui_message(ui, _("folder \"%s\" holds no messages"), shown);
		free(shown);
		return;
	}
	ui_open_folder(ui, ui->fp.rows[ui->fp.sel].acct, f);
}

/* Append to SB the label of folder F: indented last component. */
static void
folders_label(struct strbuf *sb, const struct store_folder *f)
{
	const char *name = f->display != NULL ? f->display : f->name;
	const char *last, *p;
	char *clean;
	int depth = 0;

	if (name == NULL)
		name = "";
	last = name;
	if (f->delim != '\0') {
		for (p = name; *p != '\0'; p++) {
			if (*p == f->delim && p[1] != '\0') {
				depth++;
				last = p + 1;
			}
		}
	}
	while (depth-- > 0)
		strbuf_addstr(sb, "  ");
	clean = text_sanitize_dup(last, 0);
	strbuf_addstr(sb, clean);
	free(clean);
}

void
folders_draw(struct ui *ui)
{
	struct pane_folders *fp = &ui->fp;
	const struct ui_rect *r = &ui->lay.folders;
	const struct store_folder *f;
	struct strbuf label = STRBUF_INIT, line = STRBUF_INIT;
	char count[32];
	size_t i, idx;
	int attr, cw, w;
	char *clean;

	if (fp->sel < fp->top)
		fp->top = fp->sel;
	if (fp->sel >= fp->top + (size_t)r->h)
		fp->top = fp->sel - (size_t)r->h + 1;
	if (fp->top > 0 && fp->n - fp->top < (size_t)r->h)
		fp->top = fp->n > (size_t)r->h ? fp->n - (size_t)r->h : 0;

	for (i = 0; i < (size_t)r->h; i++) {
		idx = fp->top + i;
		strbuf_reset(&line);
		attr = 0;
		if (idx >= fp->n) {
			ui_put(r->y + (int)i, r->x, r->w, "", 0);
			continue;
		}
		f = folders_row_folder(ui, idx);
		if (f == NULL) {
			clean = text_sanitize_dup(
			    ui_account_name(ui, fp->rows[idx].acct), 0);
			text_fit(&line, clean, r->w, 1);
			free(clean);
			attr = A_BOLD | A_UNDERLINE;
		} else {
			strbuf_reset(&label);
			strbuf_addstr(&label,
			    fp->rows[idx].acct == ui->cur &&
			    f->id == ui->folder_id ? "*" : " ");
			folders_label(&label, f);
			count[0] = '\0';
			if (f->unseen > 0)
				snprintf(count, sizeof count, " %d",
				    f->unseen);
			cw = (int)strlen(count);
			w = r->w - cw;
			if (w < 1) {
				w = r->w;
				count[0] = '\0';
			}
			text_fit(&line, label.buf, w, 1);
			strbuf_addstr(&line, count);
			if (f->unseen > 0)
				attr |= A_BOLD;
			if (f->noselect)
				attr |= A_DIM;
		}
		if (idx == fp->sel && ui->focus == PANE_FOLDERS)
			attr |= A_REVERSE;
		ui_put(r->y + (int)i, r->x, r->w, line.buf, attr);
	}
	strbuf_release(&label);
	strbuf_release(&line);
}

void
folders_free(struct ui *ui)
{
	free(ui->fp.rows);
	ui->fp.rows = NULL;
	ui->fp.n = 0;
}
