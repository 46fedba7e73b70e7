/*
 * The pager pane: one message rendered for reading. The body comes from
 * the store; when it is not cached the pager asks the account for it and
 * shows "loading…" until EV_BODY. The rendering (header lines, a blank
 * line, the text part; or every header field; or the raw message) is
 * sanitised, wrapped to the pane's width and kept until the message, the
 * mode or the width changes. Each line knows what it is (header, quoted
 * text by depth, signature) for its colour.
 *
 * A long message is wrapped a source line at a time: the first screen at
 * once, the rest in short steps while no key waits (pager_work()), so that
 * a 10 MB message opens at once and the keys keep answering. What needs
 * the whole text (the end, a search) finishes it first.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "account.h"
#include "format.h"
#include "i18n.h"
#include "mime.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "util.h"
#include "xmalloc.h"

/* Source lines wrapped between two looks at the clock. */
#define PAGER_STEP_LINES	64

static void pager_reset(struct pane_pager *);
static void pager_add(struct pane_pager *, const char *, enum pager_line);
static void pager_render(struct ui *, int);
static size_t pager_max_top(struct ui *);
static void pager_need(struct ui *, size_t);
static int pager_step(struct ui *, size_t, int64_t);

/* Forget the rendering (not the message, the mode or the pattern). */
static void
pager_reset(struct pane_pager *pg)
{
	text_lines_release(&pg->lines);
	free(pg->kinds);
	pg->kinds = NULL;
	pg->akinds = 0;
	free(pg->text);
	pg->text = NULL;
	pg->text_len = pg->text_pos = 0;
	pg->in_sig = pg->source = 0;
	pg->nhead = 0;
	pg->have_match = 0;
}

void
pager_show(struct ui *ui, size_t acct, int64_t id)
{
	struct pane_pager *pg = &ui->pg;

	if (pg->acct == acct && pg->msg_id == id)
		return;
	pager_reset(pg);
	pg->acct = acct;
	pg->msg_id = id;
	pg->loaded = pg->loading = 0;
	pg->width = 0;
	pg->top = 0;
	pg->mode = 0;
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

/* Give the lines from FROM on the kind KIND. */
static void
pager_kinds(struct pane_pager *pg, size_t from, enum pager_line kind)
{
	size_t i;

	if (pg->lines.n > pg->akinds) {
		pg->akinds = pg->lines.alloc > pg->lines.n ? pg->lines.alloc :
		    pg->lines.n;
		pg->kinds = xreallocarray(pg->kinds, pg->akinds,
		    sizeof *pg->kinds);
	}
	for (i = from; i < pg->lines.n; i++)
		pg->kinds[i] = (unsigned char)kind;
}

/* Append a copy of the (sanitised) line S of kind KIND. */
static void
pager_add(struct pane_pager *pg, const char *s, enum pager_line kind)
{
	struct text_lines *out = &pg->lines;

	if (out->n == out->alloc) {
		out->alloc = out->alloc == 0 ? 16 : out->alloc * 2;
		out->lines = xreallocarray(out->lines, out->alloc,
		    sizeof *out->lines);
	}
	out->lines[out->n++] = xstrdup(s);
	pager_kinds(pg, out->n - 1, kind);
}

/* Wrap the sanitised text S to WIDTH as lines of kind KIND. */
static void
pager_wrap(struct pane_pager *pg, const char *s, int width,
    enum pager_line kind)
{
	size_t from = pg->lines.n;

	if (*s == '\0') {
		pager_add(pg, "", kind);
		return;
	}
	text_wrap(&pg->lines, s, width);
	pager_kinds(pg, from, kind);
}

/* A header line "NAME: VALUE", both sanitised here, wrapped. */
static void
pager_header(struct pane_pager *pg, const char *name, const char *value,
    size_t vlen, int width)
{
	struct strbuf sb = STRBUF_INIT;

	text_sanitize(&sb, name, strlen(name), 0);
	strbuf_addstr(&sb, ": ");
	text_sanitize(&sb, value, vlen, 0);
	pager_wrap(pg, sb.buf, width, PAGER_LINE_HEADER);
	strbuf_release(&sb);
}

/*
 * Every header field of the raw message RAW (LEN bytes), unfolded and
 * decoded (RFC 2047), in the message's order.
 */
static void
pager_all_headers(struct pane_pager *pg, const char *raw, size_t len,
    int width)
{
	struct strbuf field = STRBUF_INIT;
	const char *p = raw, *end = raw + len, *nl, *colon;
	size_t llen;
	char *name, *value;

	for (;;) {
		if (p >= end || *p == '\n' || (*p == '\r' && p + 1 < end &&
		    p[1] == '\n'))
			break;
		nl = memchr(p, '\n', (size_t)(end - p));
		llen = (size_t)((nl != NULL ? nl : end) - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if ((*p == ' ' || *p == '\t') && field.len > 0) {
			strbuf_add(&field, p, llen);	/* a folded line */
		} else {
			if (field.len > 0 &&
			    (colon = memchr(field.buf, ':', field.len)) !=
			    NULL) {
				name = xstrndup(field.buf,
				    (size_t)(colon - field.buf));
				value = mime_decode_header(colon + 1,
				    field.len - (size_t)(colon + 1 -
				    field.buf));
				pager_header(pg, name, value +
				    strspn(value, " \t"), strlen(value +
				    strspn(value, " \t")), width);
				free(value);
				free(name);
			}
			strbuf_reset(&field);
			strbuf_add(&field, p, llen);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (field.len > 0 && (colon = memchr(field.buf, ':', field.len)) !=
	    NULL) {
		name = xstrndup(field.buf, (size_t)(colon - field.buf));
		value = mime_decode_header(colon + 1, field.len -
		    (size_t)(colon + 1 - field.buf));
		pager_header(pg, name, value + strspn(value, " \t"),
		    strlen(value + strspn(value, " \t")), width);
		free(value);
		free(name);
	}
	strbuf_release(&field);
}

/* How the message is parsed for the pager (HTML through the mailcap). */
static void
pager_mime_options(struct ui *ui, struct mime_options *opts)
{
	attach_mime_options(ui, opts);
}

/* Render the shown message for WIDTH columns: headers now, text later. */
static void
pager_render(struct ui *ui, int width)
{
	struct pane_pager *pg = &ui->pg;
	struct store *st = ui_store(ui, pg->acct);
	struct account *a = ui_account(ui, pg->acct);
	struct mime_options opts;
	struct mime_message mm;
	struct strbuf sb = STRBUF_INIT;
	struct pager_hdr {
		const char *label;
		const char *value;
	};
	const struct pager_hdr *h, *hend;
	char *raw = NULL;
	size_t len = 0, i;
	int r;

	pager_reset(pg);
	pg->loaded = 1;
	pg->loading = 0;
	pg->width = width;
	if (st == NULL)
		return;
	r = store_body_get(st, pg->msg_id, &raw, &len);
	if (r < 0) {
		strbuf_addf(&sb, _("cannot read the message: %s"),
		    store_errmsg(st));
		pager_wrap(pg, sb.buf, width, PAGER_LINE_BODY);
		goto out;
	}
	if (r == 1) {
		if (a == NULL) {
			pager_wrap(pg, _("the message is not cached "
			    "(offline)"), width, PAGER_LINE_BODY);
			goto out;
		}
		if (pg->requested != pg->msg_id) {
			account_fetch_body(a, pg->msg_id);
			pg->requested = pg->msg_id;
		}
		pg->loading = 1;
		pager_wrap(pg, _("loading…"), width, PAGER_LINE_BODY);
		goto out;
	}

	if (pg->mode & PAGER_MODE_SOURCE) {
		/* The raw message, sanitised line by line as it is wrapped. */
		pg->text = raw;
		pg->text_len = len;
		pg->source = 1;
		raw = NULL;
		goto out;
	}
	memset(&mm, 0, sizeof mm);
	pager_mime_options(ui, &opts);
	mime_message_parse_opts(raw, len, &opts, &mm);
	if (pg->mode & PAGER_MODE_HEADERS)
		pager_all_headers(pg, raw, len, width);
	else if (mm.nheaders > 0) {
		for (i = 0; i < mm.nheaders; i++) {
			if (mm.headers[i].value != NULL)
				pager_header(pg, mm.headers[i].name,
				    mm.headers[i].value,
				    strlen(mm.headers[i].value), width);
		}
	} else {
		const struct pager_hdr hdrs[] = {
			{ _("From"), mm.from },
			{ _("To"), mm.to },
			{ _("Cc"), mm.cc },
			{ _("Date"), mm.date },
			{ _("Subject"), mm.subject },
		};

		hend = hdrs + sizeof hdrs / sizeof hdrs[0];
		for (h = hdrs; h < hend; h++) {
			if (h->value != NULL)
				pager_header(pg, h->label, h->value,
				    strlen(h->value), width);
		}
	}
	pg->nhead = pg->lines.n;
	pager_add(pg, "", PAGER_LINE_BODY);
	/* The text is wrapped as it is needed (pager_work()). */
	pg->text = mm.text;
	pg->text_len = mm.text_len;
	mm.text = NULL;
	mime_message_release(&mm);
out:
	free(raw);
	strbuf_release(&sb);
}

/* The quote depth of the source line S (LEN bytes): "> > x" is 2. */
static int
pager_quote_depth(const char *s, size_t len)
{
	size_t i;
	int depth = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '>')
			depth++;
		else if (s[i] != ' ' || depth == 0)
			break;
	}
	return depth;
}

/*
 * Wrap source lines of the pending text until at least WANT lines exist
 * or, when DEADLINE is not 0, until util_now_ms() passes it. Returns
 * nonzero while text is left.
 */
static int
pager_step(struct ui *ui, size_t want, int64_t deadline)
{
	struct pane_pager *pg = &ui->pg;
	struct strbuf sb = STRBUF_INIT;
	const char *s, *nl;
	size_t len, done = 0;
	enum pager_line kind;
	int depth;

	while (pg->text != NULL && (want == 0 || pg->lines.n < want)) {
		if (deadline != 0 && ++done % PAGER_STEP_LINES == 0 &&
		    util_now_ms() >= deadline)
			break;
		s = pg->text + pg->text_pos;
		len = pg->text_len - pg->text_pos;
		nl = memchr(s, '\n', len);
		if (nl != NULL)
			len = (size_t)(nl - s);
		kind = PAGER_LINE_BODY;
		if (!pg->source) {
			if (!pg->in_sig && (len == 3 || (len == 4 &&
			    s[3] == '\r')) && memcmp(s, "-- ", 3) == 0)
				pg->in_sig = 1;
			depth = pager_quote_depth(s, len);
			if (pg->in_sig)
				kind = PAGER_LINE_SIGNATURE;
			else if (depth == 1)
				kind = PAGER_LINE_QUOTE1;
			else if (depth == 2)
				kind = PAGER_LINE_QUOTE2;
			else if (depth > 2)
				kind = PAGER_LINE_QUOTE3;
		}
		strbuf_reset(&sb);
		text_sanitize(&sb, s, len, TEXT_KEEP_NEWLINES);
		pager_wrap(pg, sb.buf, pg->width, kind);
		pg->text_pos += len + (nl != NULL);
		if (pg->text_pos >= pg->text_len) {
			free(pg->text);
			pg->text = NULL;
			pg->text_len = pg->text_pos = 0;
			ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
		}
	}
	strbuf_release(&sb);
	return pg->text != NULL;
}

int
pager_work(struct ui *ui, int budget_ms)
{
	struct pane_pager *pg = &ui->pg;
	size_t before = pg->lines.n, h;

	if (pg->text == NULL)
		return 0;
	pager_step(ui, 0, util_now_ms() + budget_ms);
	h = ui->lay.pager.h > 0 ? (size_t)ui->lay.pager.h : 1;
	if (before < pg->top + h)
		ui->dirty |= DIRTY_PAGER;
	ui->dirty |= DIRTY_STATUS;
	if (ui->lay.divider >= 0)
		ui->dirty |= DIRTY_PAGER;
	return pg->text != NULL;
}

/* Have at least WANT lines (0: all of them), saying so when it is long. */
static void
pager_need(struct ui *ui, size_t want)
{
	struct pane_pager *pg = &ui->pg;

	if (pg->text == NULL || (want != 0 && pg->lines.n >= want))
		return;
	if (want == 0 && pg->text_len - pg->text_pos > 256 * 1024) {
		struct strbuf size = STRBUF_INIT;

		format_size(&size, (int64_t)(pg->text_len - pg->text_pos));
		ui_busy(ui, _("rendering the message (%s)"), size.buf);
		strbuf_release(&size);
	}
	pager_step(ui, want, 0);
	if (want == 0)
		ui_busy(ui, NULL);
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
	size_t h = ui->lay.pager.h > 0 ? (size_t)ui->lay.pager.h : 1;
	long top, max;

	if (n > 0)
		pager_need(ui, pg->top + (size_t)n + h);
	top = (long)pg->top + n;
	max = (long)pager_max_top(ui);
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
	if (end)
		pager_need(ui, 0);
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
	if (pg->text != NULL) {
		/* Still wrapping: how far through the text. */
		snprintf(buf, len, _("rendering %zu%%"), pg->text_len > 0 ?
		    pg->text_pos * 100 / pg->text_len : 0);
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
pager_toggle(struct ui *ui, int mode)
{
	struct pane_pager *pg = &ui->pg;

	if (pg->msg_id < 0) {
		ui_message(ui, "%s", _("no message is open"));
		return;
	}
	pg->mode ^= mode;
	pg->loaded = 0;
	pg->top = 0;
	ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
	if (mode == PAGER_MODE_SOURCE)
		ui_message(ui, "%s", pg->mode & PAGER_MODE_SOURCE ?
		    _("the raw message (V: back)") : _("the message"));
	else
		ui_message(ui, "%s", pg->mode & PAGER_MODE_HEADERS ?
		    _("every header field (H: back)") :
		    _("the usual header fields"));
}

/*
 * Where PAT first occurs in the line S, from byte FROM on, or -1; its
 * length in bytes in *LEN_R. Without a capital letter in PAT, case is
 * ignored.
 */
static long
pager_find(const char *s, size_t from, const char *pat, size_t *len_r)
{
	size_t slen = strlen(s), plen = strlen(pat), i, j, k, n;
	unsigned int a, b;
	int fold = 1;

	for (j = 0; j < plen; j += n) {
		n = text_utf8_next(pat + j, plen - j, &a);
		if (iswupper((wint_t)a))
			fold = 0;
	}
	if (plen == 0)
		return -1;
	for (i = from; i < slen; i += text_utf8_next(s + i, slen - i, &a)) {
		for (j = 0, k = i; j < plen && k < slen; j += n) {
			n = text_utf8_next(pat + j, plen - j, &a);
			k += text_utf8_next(s + k, slen - k, &b);
			if (fold) {
				a = (unsigned int)towlower((wint_t)a);
				b = (unsigned int)towlower((wint_t)b);
			}
			if (a != b)
				break;
		}
		if (j == plen) {
			*len_r = k - i;
			return (long)i;
		}
	}
	return -1;
}

/* Look for the pattern from line START on in direction DIR, wrapping. */
static void
pager_search_from(struct ui *ui, size_t start, int dir)
{
	struct pane_pager *pg = &ui->pg;
	size_t n, i, line, len;
	char *shown;
	int wrapped = 0;

	pager_need(ui, 0);
	n = pg->lines.n;
	if (n == 0)
		return;
	if (start >= n)
		start = dir > 0 ? 0 : n - 1;
	for (i = 0; i < n; i++) {
		if (dir > 0) {
			line = (start + i) % n;
			if (line < start)
				wrapped = 1;
		} else {
			line = (start + n - i) % n;
			if (line > start)
				wrapped = 1;
		}
		if (pager_find(pg->lines.lines[line], 0, pg->pattern,
		    &len) < 0)
			continue;
		pg->match = line;
		pg->have_match = 1;
		pg->top = line < pager_max_top(ui) ? line : pager_max_top(ui);
		ui->dirty |= DIRTY_PAGER | DIRTY_STATUS;
		if (wrapped)
			ui_message(ui, "%s", dir > 0 ?
			    _("search went on from the top") :
			    _("search went on from the bottom"));
		return;
	}
	pg->have_match = 0;
	ui->dirty |= DIRTY_PAGER;
	shown = text_sanitize_dup(pg->pattern, 0);
	ui_message(ui, _("\"%s\" is not in the message"), shown);
	free(shown);
}

void
pager_search(struct ui *ui, const char *pattern)
{
	struct pane_pager *pg = &ui->pg;

	free(pg->pattern);
	pg->pattern = xstrdup(pattern);
	pg->have_match = 0;
	if (pg->msg_id < 0 || !pg->loaded)
		return;
	pager_search_from(ui, pg->top, 1);
}

void
pager_search_next(struct ui *ui, int dir)
{
	struct pane_pager *pg = &ui->pg;
	size_t start;

	if (pg->pattern == NULL) {
		ui_message(ui, "%s", _("no search yet (/ searches)"));
		return;
	}
	if (pg->msg_id < 0 || !pg->loaded)
		return;
	if (pg->have_match)
		start = dir > 0 ? pg->match + 1 : (pg->match > 0 ?
		    pg->match - 1 : pg->lines.n);
	else
		start = pg->top;
	pager_search_from(ui, start, dir);
}

/* The attributes of a line of kind KIND. */
static int
pager_attr(int kind)
{
	switch (kind) {
	case PAGER_LINE_HEADER:
		return (int)color_attr(COLOR_HEADER);
	case PAGER_LINE_QUOTE1:
		return (int)color_attr(COLOR_QUOTE1);
	case PAGER_LINE_QUOTE2:
		return (int)color_attr(COLOR_QUOTE2);
	case PAGER_LINE_QUOTE3:
		return (int)color_attr(COLOR_QUOTE3);
	case PAGER_LINE_SIGNATURE:
		return (int)color_attr(COLOR_SIGNATURE);
	}
	return (int)color_attr(COLOR_BODY);
}

/* Draw the matches of the pattern on the line S at row Y. */
static void
pager_draw_matches(struct ui *ui, int y, const char *s)
{
	const struct ui_rect *r = &ui->lay.pager;
	size_t from = 0, len;
	char *head, *hit;
	long at;
	int col;

	while ((at = pager_find(s, from, ui->pg.pattern, &len)) >= 0) {
		head = xstrndup(s, (size_t)at);
		col = text_width(head);
		free(head);
		if (col >= r->w)
			break;
		hit = xstrndup(s + at, len);
		ui_put(y, r->x + col, r->w - col < text_width(hit) ?
		    r->w - col : text_width(hit), hit,
		    (int)color_attr(COLOR_SEARCH));
		free(hit);
		from = (size_t)at + (len > 0 ? len : 1);
	}
}

void
pager_draw(struct ui *ui)
{
	struct pane_pager *pg = &ui->pg;
	const struct ui_rect *r = &ui->lay.pager;
	struct strbuf sb = STRBUF_INIT;
	char pos[64];
	size_t idx, h = r->h > 0 ? (size_t)r->h : 1;
	int i;

	if (pg->msg_id >= 0 && (!pg->loaded || pg->width != r->w))
		pager_render(ui, r->w);
	/* The first screen now; the rest when idle. */
	pager_need(ui, pg->top + h);
	if (pg->top > pager_max_top(ui))
		pg->top = pager_max_top(ui);
	for (i = 0; i < r->h; i++) {
		idx = pg->top + (size_t)i;
		if (pg->msg_id < 0 || idx >= pg->lines.n) {
			ui_put(r->y + i, r->x, r->w, "",
			    (int)color_attr(COLOR_BODY));
			continue;
		}
		ui_put(r->y + i, r->x, r->w, pg->lines.lines[idx],
		    pager_attr(pg->kinds[idx]));
		if (pg->pattern != NULL && pg->have_match)
			pager_draw_matches(ui, r->y + i,
			    pg->lines.lines[idx]);
	}
	/* The line between index and pager says where the pager is. */
	if (ui->lay.divider >= 0) {
		pager_position(ui, pos, sizeof pos);
		strbuf_addstr(&sb, "--");
		if (pos[0] != '\0')
			strbuf_addf(&sb, " (%s) ", pos);
		if (pg->mode & PAGER_MODE_SOURCE)
			strbuf_addf(&sb, "-- %s --", _("raw message"));
		else if (pg->mode & PAGER_MODE_HEADERS)
			strbuf_addf(&sb, "-- %s --", _("all headers"));
		while ((int)sb.len < r->w)
			strbuf_addch(&sb, '-');
		ui_put(ui->lay.divider, r->x, r->w, sb.buf,
		    (int)color_attr(COLOR_DIVIDER) |
		    (ui->focus == PANE_PAGER ? A_BOLD : 0));
	}
	strbuf_release(&sb);
}

void
pager_free(struct ui *ui)
{
	pager_reset(&ui->pg);
	free(ui->pg.pattern);
	ui->pg.pattern = NULL;
}
