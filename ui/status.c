/*
 * The lines around the panes: the key hints at the top, the status line
 * at the bottom (account, folder, counts, connection state, sync progress,
 * transient messages), the prompt that takes over the status line (with
 * Tab completion), and the full-screen help built from the action table.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "cmd.h"
#include "config.h"
#include "format.h"
#include "i18n.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "util.h"
#include "xmalloc.h"

static char *prompt_text(struct ui *);
static void prompt_draw(struct ui *, int);
static void prompt_set(struct ui *, const char *, size_t);
static void prompt_end(struct ui *);
static void prompt_complete(struct ui *);
static void prompt_add(struct ui *, wchar_t);

void
status_draw_header(struct ui *ui)
{
	struct strbuf sb = STRBUF_INIT, keys = STRBUF_INIT;
	size_t i;

	strbuf_addch(&sb, ' ');
	for (i = 0; i < cmd_count; i++) {
		if (cmd_table[i].hint == NULL)
			continue;
		/* The index's exit quits too: q is its hint; elsewhere q's. */
		if ((ui->focus == PANE_INDEX) !=
		    (strcmp(cmd_table[i].name, "quit") == 0) &&
		    (strcmp(cmd_table[i].name, "exit") == 0 ||
		    strcmp(cmd_table[i].name, "quit") == 0))
			continue;
		strbuf_reset(&keys);
		if (cmd_hint_key(&keys, &cmd_table[i], (int)ui->focus) == 0)
			continue;
		strbuf_addf(&sb, "%s:%s  ", keys.buf, _(cmd_table[i].hint));
	}
	ui_put(ui->lay.header, 0, ui->lay.cols, sb.buf,
	    (int)color_attr(COLOR_HINTS));
	strbuf_release(&keys);
	strbuf_release(&sb);
}

/* The words for an account's connection state. */
static void
status_state(struct strbuf *sb, const struct ui_acct *as)
{
	switch (as->state) {
	case ACCOUNT_OFFLINE:
		strbuf_addstr(sb, _("offline"));
		break;
	case ACCOUNT_CONNECTING:
		strbuf_addstr(sb, _("connecting"));
		break;
	case ACCOUNT_ONLINE:
		strbuf_addstr(sb, _("online"));
		break;
	case ACCOUNT_WAITING:
		strbuf_addstr(sb, _("retrying"));
		break;
	case ACCOUNT_FAILED:
		strbuf_addstr(sb, _("failed"));
		break;
	}
	if (as->state != ACCOUNT_ONLINE && as->reason != NULL &&
	    *as->reason != '\0')
		strbuf_addf(sb, ": %s", as->reason);
}

void
status_draw(struct ui *ui)
{
	const struct ui_acct *as = &ui->as[ui->cur];
	const struct store_folder *f = ui_open_folder_info(ui);
	struct strbuf sb = STRBUF_INIT;
	const char *fname;
	char pos[64], *clean;
	int y = ui->lay.status;

	if (ui->pr.active) {
		prompt_draw(ui, y);
		return;
	}

	strbuf_addch(&sb, ' ');
	if (ui->busy != NULL)
		strbuf_addf(&sb, "%s…  | ", ui->busy);
	else if (index_job_what(ui) != NULL)
		strbuf_addf(&sb, "%s…  | ", index_job_what(ui));
	else if (ui->transient != NULL)
		strbuf_addf(&sb, "%s  | ", ui->transient);
	if (f != NULL)
		fname = f->display != NULL ? f->display : f->name;
	else
		fname = ui->folder_want != NULL ? ui->folder_want : "INBOX";
	clean = text_sanitize_dup(ui_account_name(ui, ui->cur), 0);
	strbuf_addstr(&sb, clean);
	free(clean);
	strbuf_addch(&sb, ':');
	clean = text_sanitize_dup(fname, 0);
	strbuf_addstr(&sb, clean);
	free(clean);

	strbuf_addstr(&sb, "  [");
	if (ui->ix.n > 0)
		strbuf_addf(&sb, "%zu/", ui->ix.sel + 1);
	/* Collapsed threads: rows and messages differ. */
	if (ui->ix.th != NULL && ui->ix.n != ui->ix.nmsg)
		strbuf_addf(&sb, _("%zu shown, %zu msgs"), ui->ix.n,
		    ui->ix.nmsg);
	else
		strbuf_addf(&sb, _("%zu msgs"), ui->ix.n);
	if (f != NULL && f->unseen > 0)
		strbuf_addf(&sb, _(", %d unread"), f->unseen);
	strbuf_addstr(&sb, "]  ");
	/* Which pane has the keys, when it is not the plain index. */
	if (ui->focus == PANE_FOLDERS)
		strbuf_addf(&sb, "%s  ", _("focus: folder pane"));
	else if (ui->focus == PANE_PAGER && ui->lay.index.h > 0)
		strbuf_addf(&sb, "%s  ", _("focus: pager"));
	/* Where the full-screen pager is, before what may be cut off. */
	if (ui->lay.divider < 0 && ui->lay.pager.h > 0) {
		pager_position(ui, pos, sizeof pos);
		if (pos[0] != '\0')
			strbuf_addf(&sb, "(%s)  ", pos);
	}

	status_state(&sb, as);
	msgop_status(ui, &sb);
	searchop_status(ui, &sb);
	/* mutt's Flag, Del and Tag counts (New is the unread above). */
	msgop_counts(ui, &sb);
	/* Nothing sent is forgotten: what waits in the outbox shows. */
	if (as->out_waiting > 0)
		strbuf_addf(&sb, ngettext("  %d message waiting to be sent",
		    "  %d messages waiting to be sent", as->out_waiting),
		    as->out_waiting);
	if (as->out_failed + as->out_unknown > 0)
		strbuf_addf(&sb, ngettext("  %d message not sent",
		    "  %d messages not sent", as->out_failed +
		    as->out_unknown),
		    as->out_failed + as->out_unknown);
	if (as->prog_total > 0 && as->prog_n < as->prog_total)
		strbuf_addf(&sb, "  %ld/%ld", as->prog_n, as->prog_total);
	/* A POP3 download also counts its bytes. */
	if (as->prog_total > 0 && as->prog_n < as->prog_total &&
	    as->prog_total_bytes > 0) {
		strbuf_addstr(&sb, " (");
		format_size_of(&sb, as->prog_bytes, as->prog_total_bytes);
		strbuf_addch(&sb, ')');
	}

	ui_put(y, 0, ui->lay.cols, sb.buf, (int)color_attr(COLOR_STATUS));
	/* An error stands out. */
	if (ui->busy == NULL && ui->transient != NULL && ui->transient_error)
		ui_put(y, 1, ui->lay.cols - 1 < text_width(ui->transient) ?
		    ui->lay.cols - 1 : text_width(ui->transient),
		    ui->transient, (int)color_attr(COLOR_ERROR));
	strbuf_release(&sb);
}

/*
 * The history of each kind of prompt (a kind is its DONE callback): the
 * texts entered, the oldest first, for Up and Down. It lives as long as
 * the reader.
 */
#define PROMPT_HISTORY_MAX	50

struct prompt_history {
	void (*done)(struct ui *, const char *);
	char **items;
	size_t n;
};

static struct prompt_history *prompt_hist;
static size_t prompt_nhist;

/* The history of prompts ending in DONE; created with CREATE, else NULL. */
static struct prompt_history *
prompt_history(void (*done)(struct ui *, const char *), int create)
{
	size_t i;

	if (done == NULL)
		return NULL;
	for (i = 0; i < prompt_nhist; i++) {
		if (prompt_hist[i].done == done)
			return &prompt_hist[i];
	}
	if (!create)
		return NULL;
	prompt_hist = xreallocarray(prompt_hist, prompt_nhist + 1,
	    sizeof *prompt_hist);
	prompt_hist[prompt_nhist].done = done;
	prompt_hist[prompt_nhist].items = NULL;
	prompt_hist[prompt_nhist].n = 0;
	return &prompt_hist[prompt_nhist++];
}

/* Remember TEXT in the history of DONE (not twice in a row, not empty). */
static void
prompt_history_add(void (*done)(struct ui *, const char *), const char *text)
{
	struct prompt_history *h;

	if (*text == '\0' || (h = prompt_history(done, 1)) == NULL)
		return;
	if (h->n > 0 && strcmp(h->items[h->n - 1], text) == 0)
		return;
	if (h->n == PROMPT_HISTORY_MAX) {
		free(h->items[0]);
		memmove(h->items, h->items + 1, (h->n - 1) * sizeof *h->items);
		h->n--;
	}
	h->items = xreallocarray(h->items, h->n + 1, sizeof *h->items);
	h->items[h->n++] = xstrdup(text);
}

/* The UTF-8 text of the prompt's characters FROM to TO, a new string. */
static char *
prompt_range(struct ui *ui, size_t from, size_t to)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = from; i < to && i < ui->pr.len; i++)
		strbuf_add_utf8(&sb, (unsigned int)ui->pr.buf[i]);
	return strbuf_detach(&sb, NULL);
}

/* The prompt's text as a new UTF-8 string. */
static char *
prompt_text(struct ui *ui)
{
	return prompt_range(ui, 0, ui->pr.len);
}

/*
 * Draw the prompt on row Y with the cursor where the editor has it; a
 * text longer than the line is shown from where the cursor still fits.
 */
static void
prompt_draw(struct ui *ui, int y)
{
	struct strbuf line = STRBUF_INIT, before = STRBUF_INIT;
	const char *shown, *cut;
	char *text, *head;
	unsigned int cp;
	size_t k;

	text = prompt_text(ui);
	head = prompt_range(ui, 0, ui->pr.pos);
	strbuf_addstr(&line, ui->pr.label);
	text_sanitize(&line, text, strlen(text), 0);
	strbuf_addstr(&before, ui->pr.label);
	text_sanitize(&before, head, strlen(head), 0);
	free(text);
	free(head);
	/* The line and the part before the cursor start alike: cut both. */
	shown = line.buf;
	cut = before.buf;
	while (*cut != '\0' && text_width(cut) > ui->lay.cols - 1) {
		k = text_utf8_next(cut, strlen(cut), &cp);
		cut += k;
		shown += k;
	}
	ui_put(y, 0, ui->lay.cols, shown, 0);
	ui->cursor_x = text_width(cut);
	if (ui->cursor_x >= ui->lay.cols)
		ui->cursor_x = ui->lay.cols - 1;
	strbuf_release(&before);
	strbuf_release(&line);
}

/* Make room for one more character. */
static void
prompt_grow(struct ui_prompt *pr)
{
	if (pr->len == pr->alloc) {
		pr->alloc = pr->alloc ? pr->alloc * 2 : 64;
		pr->buf = xreallocarray(pr->buf, pr->alloc, sizeof *pr->buf);
	}
}

/* Insert WC at the cursor. */
static void
prompt_add(struct ui *ui, wchar_t wc)
{
	struct ui_prompt *pr = &ui->pr;

	prompt_grow(pr);
	memmove(pr->buf + pr->pos + 1, pr->buf + pr->pos,
	    (pr->len - pr->pos) * sizeof *pr->buf);
	pr->buf[pr->pos++] = wc;
	pr->len++;
}

/* Delete the characters FROM to TO; the cursor goes to FROM. */
static void
prompt_delete(struct ui_prompt *pr, size_t from, size_t to)
{
	if (to > pr->len)
		to = pr->len;
	if (from >= to)
		return;
	memmove(pr->buf + from, pr->buf + to, (pr->len - to) *
	    sizeof *pr->buf);
	pr->len -= to - from;
	pr->pos = from;
}

/* Replace the prompt's text with LEN bytes of UTF-8 at S, cursor at end. */
static void
prompt_set(struct ui *ui, const char *s, size_t len)
{
	struct ui_prompt *pr = &ui->pr;
	unsigned int cp;
	size_t k;

	pr->len = pr->pos = 0;
	while (len > 0) {
		k = text_utf8_next(s, len, &cp);
		prompt_grow(pr);
		pr->buf[pr->len++] = (wchar_t)cp;
		s += k;
		len -= k;
	}
	pr->pos = pr->len;
}

static void
prompt_free_matches(struct ui_prompt *pr)
{
	size_t i;

	for (i = 0; i < pr->nmatches; i++)
		free(pr->matches[i]);
	free(pr->matches);
	pr->matches = NULL;
	pr->nmatches = pr->mi = 0;
}

void
prompt_fill(struct ui *ui, const char *text)
{
	prompt_set(ui, text, strlen(text));
	ui->dirty |= DIRTY_STATUS;
}

void
prompt_start(struct ui *ui, const char *label,
    void (*done)(struct ui *, const char *),
    void (*complete)(struct ui *, const char *, char ***, size_t *))
{
	struct ui_prompt *pr = &ui->pr;

	prompt_free_matches(pr);
	pr->active = 1;
	pr->label = label;
	pr->len = pr->pos = 0;
	pr->hist = -1;
	free(pr->typed);
	pr->typed = NULL;
	pr->done = done;
	pr->complete = complete;
	ui->dirty |= DIRTY_STATUS;
}

static void
prompt_end(struct ui *ui)
{
	prompt_free_matches(&ui->pr);
	ui->pr.active = 0;
	ui->pr.len = ui->pr.pos = 0;
	free(ui->pr.typed);
	ui->pr.typed = NULL;
	ui->dirty |= DIRTY_STATUS;
}

void
prompt_free(struct ui *ui)
{
	size_t i, k;

	prompt_free_matches(&ui->pr);
	free(ui->pr.buf);
	free(ui->pr.typed);
	memset(&ui->pr, 0, sizeof ui->pr);
	for (i = 0; i < prompt_nhist; i++) {
		for (k = 0; k < prompt_hist[i].n; k++)
			free(prompt_hist[i].items[k]);
		free(prompt_hist[i].items);
	}
	free(prompt_hist);
	prompt_hist = NULL;
	prompt_nhist = 0;
}

/*
 * Up (DIR -1) and Down (1): the older or newer entries of this kind of
 * prompt; below the newest, what was being typed.
 */
static void
prompt_history_step(struct ui *ui, long dir)
{
	struct ui_prompt *pr = &ui->pr;
	struct prompt_history *h = prompt_history(pr->done, 0);
	long i;

	if (h == NULL || h->n == 0) {
		beep();
		return;
	}
	i = pr->hist < 0 ? (long)h->n : pr->hist;
	i += dir;
	if (i < 0 || i > (long)h->n) {
		beep();
		return;
	}
	if (pr->hist < 0) {
		free(pr->typed);
		pr->typed = prompt_text(ui);
	}
	if (i == (long)h->n) {
		pr->hist = -1;
		prompt_set(ui, pr->typed != NULL ? pr->typed : "",
		    pr->typed != NULL ? strlen(pr->typed) : 0);
		free(pr->typed);
		pr->typed = NULL;
		return;
	}
	pr->hist = i;
	prompt_set(ui, h->items[i], strlen(h->items[i]));
}

/*
 * Tab: complete to the longest prefix the candidates share; when that adds
 * nothing, each further Tab shows the next candidate.
 */
static void
prompt_complete(struct ui *ui)
{
	struct ui_prompt *pr = &ui->pr;
	char **list = NULL, *text;
	size_t n = 0, i, lcp, tlen;

	if (pr->nmatches > 1) {
		pr->mi = (pr->mi + 1) % pr->nmatches;
		prompt_set(ui, pr->matches[pr->mi],
		    strlen(pr->matches[pr->mi]));
		return;
	}
	if (pr->complete == NULL)
		return;
	pr->pos = pr->len;
	text = prompt_text(ui);
	tlen = strlen(text);
	pr->complete(ui, text, &list, &n);
	free(text);
	if (n == 0) {
		beep();
		return;
	}
	lcp = strlen(list[0]);
	for (i = 1; i < n; i++) {
		size_t k = 0;

		while (k < lcp && list[i][k] != '\0' &&
		    strncasecmp(list[0] + k, list[i] + k, 1) == 0)
			k++;
		lcp = k;
	}
	while (lcp > 0 && (list[0][lcp] & 0xc0) == 0x80)
		lcp--;
	if (n == 1 || lcp > tlen) {
		prompt_set(ui, list[0], n == 1 ? strlen(list[0]) : lcp);
		util_strv_free(list, n);
		return;
	}
	/* Cycle from the first candidate that changes the text. */
	pr->matches = list;
	pr->nmatches = n;
	pr->mi = strlen(list[0]) == tlen ? 1 : 0;
	prompt_set(ui, list[pr->mi], strlen(list[pr->mi]));
}

/* Whether WC separates words for C-w. */
static int
prompt_blank(wchar_t wc)
{
	return wc == ' ' || wc == '\t';
}

void
prompt_key(struct ui *ui, int key)
{
	struct ui_prompt *pr = &ui->pr;
	void (*done)(struct ui *, const char *);
	char *text;
	size_t i;

	ui->dirty |= DIRTY_STATUS;
	if (key == '\t') {
		prompt_complete(ui);
		return;
	}
	prompt_free_matches(pr);
	switch (key) {
	case CMD_KEY_ENTER:
		text = prompt_text(ui);
		done = pr->done;
		prompt_end(ui);
		prompt_history_add(done, text);
		if (done != NULL)
			done(ui, text);
		free(text);
		return;
	case CMD_KEY_ESC:
	case CMD_KEY_CTRL('G'):
		prompt_end(ui);
		return;
	case CMD_KEY_BSPACE:
		if (pr->len == 0)
			prompt_end(ui);
		else if (pr->pos > 0)
			prompt_delete(pr, pr->pos - 1, pr->pos);
		return;
	case CMD_KEY_FN | KEY_DC:
	case CMD_KEY_CTRL('D'):
		prompt_delete(pr, pr->pos, pr->pos + 1);
		return;
	case CMD_KEY_FN | KEY_LEFT:
	case CMD_KEY_CTRL('B'):
		if (pr->pos > 0)
			pr->pos--;
		return;
	case CMD_KEY_FN | KEY_RIGHT:
	case CMD_KEY_CTRL('F'):
		if (pr->pos < pr->len)
			pr->pos++;
		return;
	case CMD_KEY_FN | KEY_HOME:
	case CMD_KEY_CTRL('A'):
		pr->pos = 0;
		return;
	case CMD_KEY_FN | KEY_END:
	case CMD_KEY_CTRL('E'):
		pr->pos = pr->len;
		return;
	case CMD_KEY_CTRL('K'):
		pr->len = pr->pos;
		return;
	case CMD_KEY_CTRL('U'):
		pr->len = pr->pos = 0;
		return;
	case CMD_KEY_CTRL('W'):
		i = pr->pos;
		while (i > 0 && prompt_blank(pr->buf[i - 1]))
			i--;
		while (i > 0 && !prompt_blank(pr->buf[i - 1]))
			i--;
		prompt_delete(pr, i, pr->pos);
		return;
	case CMD_KEY_FN | KEY_UP:
	case CMD_KEY_CTRL('P'):
		prompt_history_step(ui, -1);
		return;
	case CMD_KEY_FN | KEY_DOWN:
	case CMD_KEY_CTRL('N'):
		prompt_history_step(ui, 1);
		return;
	}
	if (key >= ' ' && !(key & (CMD_KEY_FN | CMD_KEY_META)) &&
	    key != CMD_KEY_BSPACE && iswprint((wint_t)key))
		prompt_add(ui, (wchar_t)key);
}

/* A line of the help screen for action A and its KEYS. */
static void
help_line(struct text_lines *out, const struct cmd_action *a,
    const char *keys)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "   ");
	text_fit(&sb, keys, 14, 1);
	strbuf_addstr(&sb, "  ");
	text_fit(&sb, a->name, 20, 1);
	strbuf_addstr(&sb, "  ");
	strbuf_addstr(&sb, _(a->help));
	text_wrap(out, sb.buf, 1000);
	strbuf_release(&sb);
}

/*
 * The help screen's lines, built from the action table and the keymaps
 * (so bindings from the config show): the keys of the mode under the help
 * screen first, then every other mode's, then the actions no key reaches.
 */
static void
help_lines(struct ui *ui, struct text_lines *out)
{
	struct strbuf keys = STRBUF_INIT;
	int order[CMD_MODE_COUNT], i, m, under, any;
	size_t k;

	under = ui->nmodes > 1 ? (int)ui->modes[ui->nmodes - 2] :
	    (int)ui->focus;
	order[0] = under;
	for (i = 1, m = 0; m < CMD_MODE_COUNT; m++) {
		if (m != under)
			order[i++] = m;
	}
	for (i = 0; i < CMD_MODE_COUNT; i++) {
		m = order[i];
		text_wrap(out, i == 0 ? "" : " ", 1000);
		strbuf_reset(&keys);
		strbuf_addf(&keys, " %s (%s)", _(ui_modes[m].title),
		    ui_modes[m].name);
		text_wrap(out, keys.buf, 1000);
		for (k = 0; k < cmd_count; k++) {
			strbuf_reset(&keys);
			if (cmd_keys_of(&keys, &cmd_table[k], m, " ", 0) > 0)
				help_line(out, &cmd_table[k], keys.buf);
		}
	}
	for (k = 0, any = 0; k < cmd_count; k++) {
		strbuf_reset(&keys);
		if (cmd_keys_of(&keys, &cmd_table[k], -1, " ", 0) > 0)
			continue;
		if (!any) {
			text_wrap(out, " ", 1000);
			text_wrap(out, _(" Not bound to a key"), 1000);
			any = 1;
		}
		help_line(out, &cmd_table[k], "-");
	}
	strbuf_release(&keys);
}

/* The lines of the help screen below its title. */
static long
help_body(void)
{
	return LINES > 2 ? LINES - 1 : 1;
}

void
help_draw(struct ui *ui)
{
	struct text_lines lines = TEXT_LINES_INIT;
	int y = 0, rows = LINES, cols = COLS, body;
	size_t i;

	erase();
	if (rows <= 0 || cols <= 0)
		return;
	help_lines(ui, &lines);
	ui_put(y++, 0, cols, _(" tern: keys, as bound now (q to close)"),
	    (int)color_attr(COLOR_HINTS));
	body = rows - 1;
	if (body > 0 && ui->help_top + (size_t)body > lines.n)
		ui->help_top = lines.n > (size_t)body ?
		    lines.n - (size_t)body : 0;
	for (i = ui->help_top; i < lines.n && y < rows; i++)
		ui_put(y++, 0, cols, lines.lines[i], i > 0 &&
		    lines.lines[i][0] == ' ' && lines.lines[i][1] != ' ' &&
		    lines.lines[i][1] != '\0' ? A_BOLD : 0);
	text_lines_release(&lines);
}

void
help_open(struct ui *ui)
{
	ui->help = 1;
	ui->help_top = 0;
	ui_mode_push(ui, CMD_MODE_HELP);
}

void
help_close(struct ui *ui)
{
	ui->help = 0;
	ui_mode_pop(ui, CMD_MODE_HELP);
	clearok(curscr, TRUE);
}

void
help_move(struct ui *ui, long n)
{
	long top = (long)ui->help_top + n;

	/* help_draw() keeps the last page full. */
	ui->help_top = top < 0 ? 0 : (size_t)top;
	ui->dirty |= DIRTY_ALL;
}

void
help_jump(struct ui *ui, int end)
{
	ui->help_top = end ? 100000 : 0;
	ui->dirty |= DIRTY_ALL;
}

long
help_page(struct ui *ui)
{
	(void)ui;
	return help_body();
}
