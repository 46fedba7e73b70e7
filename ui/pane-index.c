/*
 * The index pane: the open folder's messages, one per line. It holds only
 * the row ids in display order (from store_msg_ids()); the rows on screen
 * are read from the store when drawn, so memory stays flat however large
 * the folder. A reload keeps the selection on the same message.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

/* Column widths of an index line. */
#define INDEX_FLAGS_COLS	4
#define INDEX_DATE_COLS		10
#define INDEX_FROM_COLS		20

/*
 * The least time between two reloads of the ids caused by events: 200 ms,
 * or ten times what the last reload cost (a 100k folder costs ~30 ms).
 */
#define INDEX_RELOAD_GAP_MS	200
#define INDEX_RELOAD_FACTOR	10

static void index_clamp(struct ui *);

int64_t
index_selected(struct ui *ui)
{
	if (ui->ix.n == 0 || ui->ix.sel >= ui->ix.n)
		return -1;
	return ui->ix.ids[ui->ix.sel];
}

void
index_free(struct ui *ui)
{
	free(ui->ix.ids);
	ui->ix.ids = NULL;
	ui->ix.n = ui->ix.sel = ui->ix.top = 0;
}

void
index_load(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	struct store *st = ui_store(ui, ui->cur);
	int64_t old_id = index_selected(ui), *ids = NULL;
	size_t old_sel = ix->sel, n = 0, i;
	int sort = SORT_DATE, reverse = 0;

	int64_t start = ui_now_ms();

	ix->reload = 0;
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
	if (st == NULL || ui->folder_id < 0) {
		index_free(ui);
		return;
	}
	if (ui->cfg != NULL) {
		sort = (int)ui->cfg->ui.sort;
		reverse = ui->cfg->ui.sort_reverse;
	}
	if (store_msg_ids(st, ui->folder_id, sort, reverse, &ids, &n) != 0) {
		ui_message(ui, _("cannot read the messages: %s"),
		    store_errmsg(st));
		return;
	}
	searchop_filter(ui, ids, &n);	/* the limit (l), if any */
	ix->loaded_at = ui_now_ms();
	ix->load_cost = ix->loaded_at - start;
	free(ix->ids);
	ix->ids = ids;
	ix->n = n;
	ix->sel = old_sel < n ? old_sel : (n > 0 ? n - 1 : 0);
	if (old_id >= 0) {
		for (i = 0; i < n; i++) {
			if (ids[i] == old_id) {
				ix->sel = i;
				break;
			}
		}
	}
	/*
	 * Keep the first line where it was (new mail at the top shows up
	 * above the selection) unless the selection would leave the screen.
	 */
	index_clamp(ui);
}

int
index_reload_due(struct ui *ui, int *wait_r)
{
	const struct pane_index *ix = &ui->ix;
	int64_t gap, left;

	*wait_r = -1;
	if (!ix->reload)
		return 0;
	if (ix->n == 0)
		return 1;
	gap = ix->load_cost * INDEX_RELOAD_FACTOR;
	if (gap < INDEX_RELOAD_GAP_MS)
		gap = INDEX_RELOAD_GAP_MS;
	left = ix->loaded_at + gap - ui_now_ms();
	if (left <= 0)
		return 1;
	*wait_r = left > 60000 ? 60000 : (int)left;
	return 0;
}

/* Keep the selection on screen and the screen filled where possible. */
static void
index_clamp(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	size_t h = ui->lay.index.h > 0 ? (size_t)ui->lay.index.h : 1;

	if (ix->n == 0) {
		ix->sel = ix->top = 0;
		return;
	}
	if (ix->sel >= ix->n)
		ix->sel = ix->n - 1;
	if (ix->sel < ix->top)
		ix->top = ix->sel;
	if (ix->sel >= ix->top + h)
		ix->top = ix->sel - h + 1;
	if (ix->top > 0 && ix->top + h > ix->n)
		ix->top = ix->n > h ? ix->n - h : 0;
}

void
index_move(struct ui *ui, long n)
{
	struct pane_index *ix = &ui->ix;
	long sel, top, h = ui->lay.index.h > 0 ? ui->lay.index.h : 1;

	if (ix->n == 0)
		return;
	sel = (long)ix->sel + n;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)ix->n)
		sel = (long)ix->n - 1;
	/* A page move scrolls the page with the selection. */
	if (n >= h || -n >= h) {
		top = (long)ix->top + n;
		if (top > (long)ix->n - h)
			top = (long)ix->n - h;
		if (top < 0)
			top = 0;
		ix->top = (size_t)top;
	}
	ix->sel = (size_t)sel;
	index_clamp(ui);
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

void
index_jump(struct ui *ui, int end)
{
	if (ui->ix.n == 0)
		return;
	ui->ix.sel = end ? ui->ix.n - 1 : 0;
	index_clamp(ui);
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

/* Format DATE for the index: time today, month and day this year. */
static void
index_date(char *buf, size_t len, int64_t date, const struct tm *today)
{
	struct tm tm;
	time_t t = (time_t)date;

	buf[0] = '\0';
	if (date <= 0 || localtime_r(&t, &tm) == NULL)
		return;
	if (tm.tm_year == today->tm_year && tm.tm_yday == today->tm_yday)
		strftime(buf, len, "%H:%M", &tm);
	else if (tm.tm_year == today->tm_year)
		strftime(buf, len, "%b %d", &tm);
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
}

/* What an empty index says. */
static const char *
index_empty(struct ui *ui)
{
	const struct ui_acct *as = &ui->as[ui->cur];
	struct account *a = ui_account(ui, ui->cur);

	if (ui->folder_id >= 0)
		return _("(no messages)");
	if (a != NULL && as->nfolders == 0 && as->state != ACCOUNT_FAILED)
		return _("(waiting for the folder list)");
	return _("(no such folder)");
}

/* Append one column: S sanitised and fitted to COLS, then a space. */
static void
index_column(struct strbuf *line, const char *s, int cols)
{
	char *clean;

	if (cols <= 0)
		return;
	clean = text_sanitize_dup(s, 0);
	text_fit(line, clean, cols, 1);
	strbuf_addch(line, ' ');
	free(clean);
}

void
index_draw(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	const struct ui_rect *r = &ui->lay.index;
	struct store *st = ui_store(ui, ui->cur);
	struct strbuf line = STRBUF_INIT;
	struct store_msg m;
	struct tm today;
	time_t now = time(NULL);
	char flags[8], date[64];
	const char *from;
	int i, datew, fromw, attr, k;
	size_t idx;

	index_clamp(ui);
	localtime_r(&now, &today);
	/* Narrow panes drop the date, then the sender: the subject stays. */
	datew = r->w >= 40 ? INDEX_DATE_COLS : 0;
	fromw = INDEX_FROM_COLS;
	if (r->w - INDEX_FLAGS_COLS - datew - 3 < 2 * fromw)
		fromw = (r->w - INDEX_FLAGS_COLS - datew - 3) / 3;
	if (r->w < 30)
		fromw = 0;
	else if (fromw < 4)
		fromw = 4;

	for (i = 0; i < r->h; i++) {
		idx = ix->top + (size_t)i;
		if (idx >= ix->n || st == NULL ||
		    store_msg_get(st, ix->ids[idx], &m) != 0) {
			ui_put(r->y + i, r->x, r->w,
			    ix->n == 0 && i == 0 ? index_empty(ui) : "", 0);
			continue;
		}
		k = 0;
		if (!(m.flags & MSG_SEEN))
			flags[k++] = 'N';
		if (m.flags & MSG_DELETED)
			flags[k++] = 'D';
		if (m.flags & MSG_FLAGGED)
			flags[k++] = 'F';
		if (m.flags & MSG_ANSWERED)
			flags[k++] = 'r';
		flags[k] = '\0';
		index_date(date, sizeof date, m.date, &today);
		from = m.from_name != NULL && *m.from_name != '\0' ?
		    m.from_name : m.from_addr;

		strbuf_reset(&line);
		index_column(&line, flags, INDEX_FLAGS_COLS);
		index_column(&line, date, datew);
		index_column(&line, from, fromw);
		index_column(&line, m.subject, r->w);

		attr = 0;
		if (idx == ix->sel)
			attr |= A_REVERSE;
		if (!(m.flags & MSG_SEEN))
			attr |= A_BOLD;
		ui_put(r->y + i, r->x, r->w, line.buf, attr);
		store_msg_release(&m);
	}
	strbuf_release(&line);
}
