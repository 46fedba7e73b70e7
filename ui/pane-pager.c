/*
 * The pager pane: one message rendered for reading. The body comes from
 * the store; when it is not cached the pager asks the account for it and
 * shows "loading…" until EV_BODY. The rendering (header lines, a blank
 * line, the text part) is sanitised, wrapped to the pane's width and kept
 * until the message or the width changes.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "i18n.h"
#include "mime.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

static void pager_add(struct text_lines *, const char *);
static void pager_render(struct ui *, int);
static size_t pager_max_top(struct ui *);

void
pager_show(struct ui *ui, size_t acct, int64_t id)
{
	struct pane_pager *pg = &ui->pg;

	if (pg->acct == acct && pg->msg_id == id)
		return;
	text_lines_release(&pg->lines);
	pg->acct = acct;
	pg->msg_id = id;
	pg->loaded = pg->loading = 0;
	pg->width = 0;
	pg->nhead = 0;
	pg->top = 0;
	pg->requested = -1;
	ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
}

void
pager_body_arrived(struct ui *ui, size_t acct, int64_t id)
{
	struct pane_pager *pg = &ui->pg;

	if (pg->requested == id)
		pg->requested = -1;
	if (pg->acct != acct || pg->msg_id != id)
		return;
	pg->loaded = 0;
	ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
}

/* Append a copy of the (sanitised) line S to OUT. */
static void
pager_add(struct text_lines *out, const char *s)
{
	if (out->n == out->alloc) {
		out->alloc = out->alloc == 0 ? 16 : out->alloc * 2;
		out->lines = xreallocarray(out->lines, out->alloc,
		    sizeof *out->lines);
	}
	out->lines[out->n++] = xstrdup(s);
}

/* Render the shown message for WIDTH columns into the pager's lines. */
static void
pager_render(struct ui *ui, int width)
{
	struct pane_pager *pg = &ui->pg;
	struct store *st = ui_store(ui, pg->acct);
	struct account *a = ui_account(ui, pg->acct);
	struct mime_message mm;
	struct strbuf sb = STRBUF_INIT;
	struct pager_hdr {
		const char *label;
		const char *value;
	};
	const struct pager_hdr *h, *hend;
	char *raw = NULL;
	size_t len = 0;
	int r;

	text_lines_release(&pg->lines);
	pg->nhead = 0;
	pg->loaded = 1;
	pg->loading = 0;
	pg->width = width;
	if (st == NULL)
		return;
	r = store_body_get(st, pg->msg_id, &raw, &len);
	if (r < 0) {
		strbuf_addf(&sb, _("cannot read the message: %s"),
		    store_errmsg(st));
		text_wrap(&pg->lines, sb.buf, width);
		goto out;
	}
	if (r == 1) {
		if (a == NULL) {
			text_wrap(&pg->lines,
			    _("the message is not cached (offline)"), width);
			goto out;
		}
		if (pg->requested != pg->msg_id) {
			account_fetch_body(a, pg->msg_id);
			pg->requested = pg->msg_id;
		}
		pg->loading = 1;
		text_wrap(&pg->lines, _("loading…"), width);
		goto out;
	}

	memset(&mm, 0, sizeof mm);
	mime_message_parse(raw, len, &mm);
	{
		const struct pager_hdr hdrs[] = {
			{ _("From"), mm.from },
			{ _("To"), mm.to },
			{ _("Cc"), mm.cc },
			{ _("Date"), mm.date },
			{ _("Subject"), mm.subject },
		};

		hend = hdrs + sizeof hdrs / sizeof hdrs[0];
		for (h = hdrs; h < hend; h++) {
			if (h->value == NULL)
				continue;
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s: ", h->label);
			text_sanitize(&sb, h->value, strlen(h->value), 0);
			text_wrap(&pg->lines, sb.buf, width);
		}
	}
	pg->nhead = pg->lines.n;
	pager_add(&pg->lines, "");
	strbuf_reset(&sb);
	if (mm.text != NULL)
		text_sanitize(&sb, mm.text, mm.text_len, TEXT_KEEP_NEWLINES);
	text_wrap(&pg->lines, sb.buf, width);
	mime_message_release(&mm);
out:
	free(raw);
	strbuf_release(&sb);
}

/* The last useful top line: the text's end at the pane's bottom. */
static size_t
pager_max_top(struct ui *ui)
{
	size_t h = ui->lay.pager.h > 0 ? (size_t)ui->lay.pager.h : 1;

	return ui->pg.lines.n > h ? ui->pg.lines.n - h : 0;
}

void
pager_scroll(struct ui *ui, long n)
{
	struct pane_pager *pg = &ui->pg;
	long top = (long)pg->top + n, max = (long)pager_max_top(ui);

	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	if ((size_t)top != pg->top) {
		pg->top = (size_t)top;
		ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
	}
}

void
pager_jump(struct ui *ui, int end)
{
	ui->pg.top = end ? pager_max_top(ui) : 0;
	ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
}

int
pager_page(struct ui *ui)
{
	return ui->lay.pager.h > 1 ? ui->lay.pager.h : 1;
}

void
pager_position(struct ui *ui, char *buf, size_t len)
{
	const struct pane_pager *pg = &ui->pg;
	size_t h = ui->lay.pager.h > 0 ? (size_t)ui->lay.pager.h : 1;
	size_t end = pg->top + h;

	if (pg->msg_id < 0 || !pg->loaded || pg->loading) {
		buf[0] = '\0';
		return;
	}
	if (end > pg->lines.n)
		end = pg->lines.n;
	if (pg->lines.n <= h)
		snprintf(buf, len, "%s", _("all"));
	else if (pg->top == 0)
		snprintf(buf, len, "%s", _("top"));
	else if (end >= pg->lines.n)
		snprintf(buf, len, "%s", _("end"));
	else
		snprintf(buf, len, "%zu%%", end * 100 / pg->lines.n);
}

void
pager_draw(struct ui *ui)
{
	struct pane_pager *pg = &ui->pg;
	const struct ui_rect *r = &ui->lay.pager;
	struct strbuf sb = STRBUF_INIT;
	char pos[32];
	size_t idx;
	int i;

	if (pg->msg_id >= 0 && (!pg->loaded || pg->width != r->w))
		pager_render(ui, r->w);
	if (pg->top > pager_max_top(ui))
		pg->top = pager_max_top(ui);
	for (i = 0; i < r->h; i++) {
		idx = pg->top + (size_t)i;
		if (pg->msg_id < 0 || idx >= pg->lines.n) {
			ui_put(r->y + i, r->x, r->w, "", 0);
			continue;
		}
		ui_put(r->y + i, r->x, r->w, pg->lines.lines[idx],
		    idx < pg->nhead ? A_BOLD : 0);
	}
	/* The line between index and pager says where the pager is. */
	if (ui->lay.divider >= 0) {
		pager_position(ui, pos, sizeof pos);
		strbuf_addstr(&sb, "--");
		if (pos[0] != '\0')
			strbuf_addf(&sb, " (%s) ", pos);
		while ((int)sb.len < r->w)
			strbuf_addch(&sb, '-');
		ui_put(ui->lay.divider, r->x, r->w, sb.buf,
		    ui->focus == PANE_PAGER ? A_REVERSE | A_BOLD : A_REVERSE);
	}
	strbuf_release(&sb);
}

void
pager_free(struct ui *ui)
{
	text_lines_release(&ui->pg.lines);
}
