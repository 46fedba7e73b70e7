/*
 * The folder pane: every account's folders as a tree (each folder under
 * its parent by the hierarchy delimiter, indented; the special-use roles
 * first, in the store's order), each with its unread and total counts, the
 * open folder marked with '*', unsubscribed ones dimmed. With more than
 * one account each tree is headed by the account's name. The pane keeps
 * its selection by folder id across reloads.
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
static void folders_tree(const struct ui_acct *, size_t *, int *, size_t *);

/* A folder's name for sorting and finding parents. */
struct folders_key {
	const char *name;
	size_t i;
};

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
	if (acct == ui->cur)
		folders_count_open(ui);
	folders_rebuild(ui);
}

void
folders_count_open(struct ui *ui)
{
	struct ui_acct *as = &ui->as[ui->cur];
	struct store *st = ui_store(ui, ui->cur);
	size_t i;

	ui->cnt_ok = 0;
	ui->ix.fold_ok = 0;
	if (st == NULL || ui->folder_id < 0 ||
	    store_folder_counts(st, ui->folder_id, &ui->cnt) != 0)
		return;
	ui->cnt_ok = 1;
	/*
	 * The folder row's counts wait for the worker's next recount; the
	 * open folder's are read from its messages, so that new mail, a
	 * first sync and every change show at once.
	 */
	for (i = 0; i < as->nfolders; i++) {
		if (as->folders[i].id != ui->folder_id)
			continue;
		as->folders[i].total = ui->cnt.total;
		as->folders[i].unseen = ui->cnt.unseen;
		break;
	}
	ui->dirty |= DIRTY_FOLDERS | DIRTY_STATUS;
}

/* The UTF-8 name of folder F. */
static const char *
folders_name(const struct store_folder *f)
{
	if (f->display != NULL)
		return f->display;
	return f->name != NULL ? f->name : "";
}

static int
folders_key_cmp(const void *a, const void *b)
{
	const struct folders_key *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * Lay out the folders of AS as a tree: each under its nearest listed
 * ancestor by the hierarchy delimiter, siblings in the store's order. A
 * folder with a special-use role stays at the top (the store lists those
 * first), as does one with no listed ancestor. Fills ORDER with the folder
 * indexes in display order, and for each index its DEPTH and the LABEL
 * offset where the part of its name to show begins.
 */
static void
folders_tree(const struct ui_acct *as, size_t *order, int *depth,
    size_t *label)
{
	const struct store_folder *f;
	struct folders_key *keys, want, *hit;
	size_t n = as->nfolders, i, k = 0, p, r, cur;
	size_t *parent, *first, *last, *next;
	const char *name;
	char *prefix;

	if (n == 0)
		return;
	keys = xreallocarray(NULL, n, sizeof *keys);
	parent = xreallocarray(NULL, n, sizeof *parent);
	first = xreallocarray(NULL, n, sizeof *first);
	last = xreallocarray(NULL, n, sizeof *last);
	next = xreallocarray(NULL, n, sizeof *next);
	for (i = 0; i < n; i++) {
		keys[i].name = folders_name(&as->folders[i]);
		keys[i].i = i;
		parent[i] = first[i] = last[i] = next[i] = SIZE_MAX;
		depth[i] = 0;
		label[i] = 0;
	}
	qsort(keys, n, sizeof *keys, folders_key_cmp);

	for (i = 0; i < n; i++) {
		f = &as->folders[i];
		name = folders_name(f);
		if (f->delim == '\0')
			continue;
		for (p = strlen(name); p-- > 1;) {
			if (name[p] != f->delim)
				continue;
			if (f->role != ROLE_NONE) {
				/* A role at the top shows its last part. */
				label[i] = p + 1;
				break;
			}
			prefix = xstrndup(name, p);
			want.name = prefix;
			hit = bsearch(&want, keys, n, sizeof *keys,
			    folders_key_cmp);
			free(prefix);
			if (hit != NULL && hit->i != i) {
				parent[i] = hit->i;
				label[i] = p + 1;
				break;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if ((p = parent[i]) == SIZE_MAX)
			continue;
		if (first[p] == SIZE_MAX)
			first[p] = i;
		else
			next[last[p]] = i;
		last[p] = i;
	}
	/* Each root in the store's order, then its subtree, depth first. */
	for (r = 0; r < n; r++) {
		if (parent[r] != SIZE_MAX)
			continue;
		cur = r;
		for (;;) {
			order[k++] = cur;
			if (first[cur] != SIZE_MAX) {
				depth[first[cur]] = depth[cur] + 1;
				cur = first[cur];
				continue;
			}
			while (cur != r && next[cur] == SIZE_MAX)
				cur = parent[cur];
			if (cur == r)
				break;
			depth[next[cur]] = depth[cur];
			cur = next[cur];
		}
	}
	free(keys);
	free(parent);
	free(first);
	free(last);
	free(next);
}

void
folders_rebuild(struct ui *ui)
{
	struct pane_folders *fp = &ui->fp;
	const struct store_folder *f;
	size_t a, i, j, want = (size_t)-1, open = (size_t)-1;
	size_t first = (size_t)-1, *order, *label;
	int *depth;

	free(fp->rows);
	fp->rows = NULL;
	fp->n = 0;
	for (a = 0; a < ui->naccts; a++) {
		fp->rows = xreallocarray(fp->rows,
		    fp->n + ui->as[a].nfolders + 1, sizeof *fp->rows);
		if (ui->naccts > 1) {
			fp->rows[fp->n].acct = a;
			fp->rows[fp->n].folder = -1;
			fp->rows[fp->n].depth = 0;
			fp->rows[fp->n].label = 0;
			if (fp->have_sel && fp->sel_acct == a &&
			    fp->sel_id == -1)
				want = fp->n;
			fp->n++;
		}
		order = xreallocarray(NULL, ui->as[a].nfolders + 1,
		    sizeof *order);
		depth = xreallocarray(NULL, ui->as[a].nfolders + 1,
		    sizeof *depth);
		label = xreallocarray(NULL, ui->as[a].nfolders + 1,
		    sizeof *label);
		folders_tree(&ui->as[a], order, depth, label);
		for (j = 0; j < ui->as[a].nfolders; j++) {
			i = order[j];
			f = &ui->as[a].folders[i];
			fp->rows[fp->n].acct = a;
			fp->rows[fp->n].folder = (long)i;
			fp->rows[fp->n].depth = depth[i];
			fp->rows[fp->n].label = label[i];
			if (fp->have_sel && fp->sel_acct == a &&
			    fp->sel_id == f->id)
				want = fp->n;
			if (a == ui->cur && f->id == ui->folder_id)
				open = fp->n;
			if (first == (size_t)-1)
				first = fp->n;
			fp->n++;
		}
		free(order);
		free(depth);
		free(label);
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

int
folders_next_unread(struct ui *ui, long dir)
{
	struct pane_folders *fp = &ui->fp;
	const struct store_folder *f;
	size_t k;
	long i;

	for (k = 1; k <= fp->n; k++) {
		i = ((long)fp->sel + dir * (long)k) % (long)fp->n;
		if (i < 0)
			i += (long)fp->n;
		f = folders_row_folder(ui, (size_t)i);
		if (f == NULL || f->noselect || f->unseen <= 0)
			continue;
		folders_select_row(ui, (size_t)i);
		return 0;
	}
	return -1;
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

/* Append to SB the label of folder F of row R: indented by its depth. */
static void
folders_label(struct strbuf *sb, const struct store_folder *f,
    const struct ui_frow *r)
{
	const char *name = folders_name(f);
	char *clean;
	int depth;

	for (depth = r->depth; depth > 0; depth--)
		strbuf_addstr(sb, "  ");
	clean = text_sanitize_dup(r->label < strlen(name) ? name + r->label :
	    name, 0);
	strbuf_addstr(sb, clean);
	free(clean);
}

/*
 * Write the counts of F into BUF: "unread/total", or the total alone when
 * nothing is unread. A folder never synced shows the server's counts from
 * STATUS when known. Returns the unread count.
 */
static int
folders_counts(char *buf, size_t len, const struct store_folder *f)
{
	int unseen = f->unseen, total = f->total;

	if (f->uidvalidity == 0 && f->srv_total >= 0) {
		total = f->srv_total;
		unseen = f->srv_unseen >= 0 ? f->srv_unseen : 0;
	}
	buf[0] = '\0';
	if (unseen > 0)
		snprintf(buf, len, " %d/%d", unseen, total);
	else if (total > 0)
		snprintf(buf, len, " %d", total);
	return unseen;
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
	int attr, cw, w, unseen;
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
			folders_label(&label, f, &fp->rows[idx]);
			unseen = folders_counts(count, sizeof count, f);
			cw = (int)strlen(count);
			w = r->w - cw;
			if (w < 1) {
				w = r->w;
				count[0] = '\0';
			}
			text_fit(&line, label.buf, w, 1);
			strbuf_addstr(&line, count);
			if (unseen > 0)
				attr |= A_BOLD;
			if (f->noselect || (!f->subscribed &&
			    f->role != ROLE_INBOX))
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
